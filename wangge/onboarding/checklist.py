"""The go-live checklist: what a district needs before it can go live, each requirement with
whether it holds and the items still missing.

1. The grids tile the district: every grid has a current boundary and no two overlap (gaps, holes
   inside the grids' union that belong to no grid, are listed as warnings).
2. Every grid has its organisation unit (the grid general branch laid on it) and at least one
   grid worker (a grid-worker record or a grid-worker role on the grid).
3. Every active category routes to a unit with staff, in every grid: the first matching routing
   rule (lowest priority number; a rule for the category or its group, for the grid or an area
   containing it), else the district dispatch — the same order as `cases.queries.route`.
4. This year's and next year's work calendars are published (the national one or the district's).

A fixed number of queries however large the district (ten); everything else is in memory.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import Role, RoleAssignment
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.areas.topology import check_topology
from wangge.calendars.models import CalendarYear
from wangge.cases.models import Category, HandlingUnit, RoutingRule
from wangge.cases.models import UnitKind as HandlingUnitKind
from wangge.lib.geo import polygon_from_geojson
from wangge.orgs.models import OrgUnit, UnitKind
from wangge.people.models import WorkerKind, WorkerProfile

# Where each missing item is fixed (the web maps these to its pages).
FIX_GRIDS = "grids"
FIX_ORG_UNITS = "org_units"
FIX_STAFF = "staff"
FIX_CATALOGUE = "catalogue"
FIX_ROUTING = "routing"
FIX_UNITS = "units"
FIX_CALENDAR = "calendar"

# The levels a routing rule's area may have for it to hold in a whole grid.
WHOLE_GRID_LEVELS = (Level.DISTRICT, Level.COMMUNITY, Level.GRID)


@dataclass(frozen=True)
class Item:
    text: str
    fix: str


@dataclass
class Requirement:
    key: str
    title: str | Promise
    items: list[Item] = field(default_factory=list)
    warnings: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.items


@dataclass
class Checklist:
    requirements: list[Requirement]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.requirements)


def go_live_checklist(district: AreaNode, today: dt.date | None = None) -> Checklist:
    today = today or timezone.localdate()
    grids = list(
        AreaNode.objects.filter(district=district, level=Level.GRID)
        .order_by("code")
        .only("id", "code", "name", "district_id", "community_id")
    )
    return Checklist(
        [
            _grids_tile(district, grids),
            _grids_staffed(district, grids),
            _categories_routed(district, grids),
            _calendars(district, today),
        ]
    )


def _label(grid: AreaNode) -> str:
    return f"{grid.name} ({grid.code})"


def _grids_tile(district: AreaNode, grids: list[AreaNode]) -> Requirement:
    requirement = Requirement("grids_tile", gettext_lazy("The grids tile the district without overlaps"))
    boundaries = dict(
        GridBoundary.objects.filter(district=district, valid_to__isnull=True).values_list("grid_id", "geometry")
    )
    if not grids:
        requirement.items.append(Item(_("The district has no grids yet."), FIX_GRIDS))
        return requirement
    for grid in grids:
        if grid.pk not in boundaries:
            requirement.items.append(Item(_("%(grid)s has no boundary.") % {"grid": _label(grid)}, FIX_GRIDS))
    layout = {grid.code: polygon_from_geojson(boundaries[grid.pk]) for grid in grids if grid.pk in boundaries}
    overlaps, gaps = check_topology(layout) if layout else ([], [])
    requirement.items += [Item(problem.message, FIX_GRIDS) for problem in overlaps]
    requirement.warnings += [
        Item(
            _("%(message)s It lies around lng %(lng).6f, lat %(lat).6f.")
            % {"message": problem.message, "lng": problem.at[0], "lat": problem.at[1]}
            if problem.at
            else problem.message,
            FIX_GRIDS,
        )
        for problem in gaps
    ]
    return requirement


def _grids_staffed(district: AreaNode, grids: list[AreaNode]) -> Requirement:
    requirement = Requirement(
        "grids_staffed", gettext_lazy("Every grid has its organisation unit and at least one grid worker")
    )
    if not grids:
        requirement.items.append(Item(_("The district has no grids yet."), FIX_GRIDS))
        return requirement
    with_unit = set(
        OrgUnit.objects.filter(district=district, kind=UnitKind.GRID_BRANCH).values_list("area_id", flat=True)
    )
    with_worker = set(
        WorkerProfile.objects.filter(district=district, kind=WorkerKind.GRID_WORKER).values_list("grid_id", flat=True)
    )
    with_worker |= set(
        RoleAssignment.objects.filter(district=district, role=Role.GRID_WORKER, area__level=Level.GRID).values_list(
            "area_id", flat=True
        )
    )
    for grid in grids:
        if grid.pk not in with_unit:
            requirement.items.append(
                Item(_("%(grid)s has no grid general branch.") % {"grid": _label(grid)}, FIX_ORG_UNITS)
            )
        if grid.pk not in with_worker:
            requirement.items.append(Item(_("%(grid)s has no grid worker.") % {"grid": _label(grid)}, FIX_STAFF))
    return requirement


def _rule_holds_in(rule: RoutingRule, grid: AreaNode | None) -> bool:
    """Whether the rule's area contains the whole grid (no grid: the rule is for the whole district)."""
    if rule.area is None:
        return True
    if grid is None or rule.area.level not in WHOLE_GRID_LEVELS:
        return False
    return bool(getattr(grid, f"{rule.area.level}_id", None) == rule.area_id)


def _categories_routed(district: AreaNode, grids: list[AreaNode]) -> Requirement:
    requirement = Requirement("categories_routed", gettext_lazy("Every active category routes to a unit with staff"))
    categories = list(
        Category.objects.filter(district=district, active=True, parent__isnull=False).order_by("order", "code")
    )
    if not categories:
        requirement.items.append(Item(_("The district has no active category yet."), FIX_CATALOGUE))
        return requirement
    rules = list(
        RoutingRule.objects.filter(district=district).select_related("area", "unit").order_by("priority", "id")
    )
    staffed = set(
        HandlingUnit.objects.filter(district=district, users__is_active=True).values_list("pk", flat=True).distinct()
    )
    dispatch = HandlingUnit.objects.filter(district=district, kind=HandlingUnitKind.DISPATCH).first()
    places: list[AreaNode | None] = list(grids) or [None]
    for category in categories:
        wanted = {category.pk, category.parent_id}
        unstaffed: dict[tuple[str, str], list[str]] = defaultdict(list)  # (unit, how) → grids
        for place in places:
            rule = next((r for r in rules if r.category_id in wanted | {None} and _rule_holds_in(r, place)), None)
            unit = rule.unit if rule is not None else dispatch
            if unit is not None and unit.pk in staffed:
                continue
            name = unit.name if unit is not None else _("the district dispatch")
            unstaffed[(name, "rule" if rule is not None else "dispatch")].append(
                _label(place) if place is not None else _("the whole district")
            )
        # A rule for part of a grid (a building group, a building) sends cases there to its unit.
        for rule in rules:
            if (
                rule.category_id in wanted | {None}
                and rule.area is not None
                and rule.area.level not in WHOLE_GRID_LEVELS
            ) and rule.unit_id not in staffed:
                unstaffed[(rule.unit.name, "rule")].append(f"{rule.area.name} ({rule.area.code})")
        for (unit_name, how), where in unstaffed.items():
            values = {"category": category.name, "unit": unit_name, "where": "、".join(where)}
            if how == "dispatch":
                text = (
                    _(
                        "%(category)s: in %(where)s no routing rule matches, and the district dispatch it goes to "
                        "has no staff."
                    )
                    % values
                )
            else:
                text = _("%(category)s: in %(where)s it goes to %(unit)s, which has no staff.") % values
            requirement.items.append(Item(text, FIX_ROUTING))
    return requirement


def _calendars(district: AreaNode, today: dt.date) -> Requirement:
    requirement = Requirement("calendars", gettext_lazy("This year's and next year's work calendars are published"))
    wanted = [today.year, today.year + 1]
    published = set(
        CalendarYear.objects.filter(Q(district__isnull=True) | Q(district=district), year__in=wanted).values_list(
            "year", flat=True
        )
    )
    for year in wanted:
        if year not in published:
            requirement.items.append(
                Item(_("The work calendar for %(year)d is not published.") % {"year": year}, FIX_CALENDAR)
            )
    return requirement
