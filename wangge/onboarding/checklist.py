"""The go-live checklist: what a district needs before it can go live, each requirement with
whether it holds and the items still missing.

1. The grids tile the district: every grid has a current boundary and no two overlap (gaps, holes
   inside the grids' union that belong to no grid, are listed as warnings).
2. Every grid has its organisation unit (the grid general branch laid on it) and at least one
   grid worker (a grid-worker record or a grid-worker role on the grid).
3. Every active category routes to a unit with staff, in every grid: where
   `cases.queries.explain_route` sends a case of it there (the first matching routing rule, else
   the district dispatch), and the unit of any rule for part of a grid.
4. This year's and next year's work calendars are published (the national one or the district's).

A fixed number of queries however large the district (ten, eleven the first time when the
district dispatch is created); everything else is in memory.
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
from wangge.cases.models import Category, HandlingUnit
from wangge.cases.models import UnitKind as HandlingUnitKind
from wangge.cases.queries import Place, dispatch_unit, explain_route, place_of_node, routing_rules
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
    grids = list(AreaNode.objects.filter(district=district, level=Level.GRID).order_by("code"))
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


def _categories_routed(district: AreaNode, grids: list[AreaNode]) -> Requirement:
    """Each active category at each grid, asked of `cases.queries.explain_route` (the one
    rule-matcher) with the district's rules loaded once; grids whose matching rules are the same
    are asked once for all of them."""
    requirement = Requirement("categories_routed", gettext_lazy("Every active category routes to a unit with staff"))
    categories = list(
        Category.objects.filter(district=district, active=True, parent__isnull=False).order_by("order", "code")
    )
    if not categories:
        requirement.items.append(Item(_("The district has no active category yet."), FIX_CATALOGUE))
        return requirement
    rules = list(routing_rules(district.pk))
    staffed = set(
        HandlingUnit.objects.filter(district=district, users__is_active=True).values_list("pk", flat=True).distinct()
    )
    dispatch = HandlingUnit.objects.filter(district=district, kind=HandlingUnitKind.DISPATCH).first()
    dispatch = dispatch or dispatch_unit(district.pk)  # where no rule sends a case: made once, as routing does
    # Grids in which the same rules hold (by their areas) route every category alike.
    alike: dict[tuple[int, ...], tuple[Place, list[str]]] = {}
    for grid in grids:
        place = place_of_node(grid)
        holding = tuple(i for i, rule in enumerate(rules) if rule.area is None or place.within(rule.area))
        alike.setdefault(holding, (place, []))[1].append(_label(grid))
    if not grids:
        alike[()] = (Place(district.pk, {Level.DISTRICT: district.pk}), [_("the whole district")])
    for category in categories:
        unstaffed: dict[tuple[str, bool], list[str]] = defaultdict(list)  # (unit, by a rule) → grids
        for place, labels in alike.values():
            answer = explain_route(district.pk, category, place, rules=rules, dispatch=dispatch)
            if answer.unit.pk not in staffed:
                unstaffed[(answer.unit.name, answer.rule is not None)] += labels
        # A rule for part of a grid (a building group, a building) sends the cases there to its unit.
        for rule in rules:
            if (
                rule.category_id in (None, category.pk, category.parent_id)
                and rule.area is not None
                and rule.area.level not in WHOLE_GRID_LEVELS
                and rule.unit_id not in staffed
            ):
                unstaffed[(rule.unit.name, True)].append(f"{rule.area.name} ({rule.area.code})")
        for (unit_name, by_rule), where in unstaffed.items():
            values = {"category": category.name, "unit": unit_name, "where": "、".join(where)}
            if by_rule:
                text = _("%(category)s: in %(where)s it goes to %(unit)s, which has no staff.") % values
            else:
                text = (
                    _(
                        "%(category)s: in %(where)s no routing rule matches, and the district dispatch it goes to "
                        "has no staff."
                    )
                    % values
                )
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
