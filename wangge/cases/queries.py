"""Reading cases: scope, the worklists of each role, the public board; routing; nearby open
cases; deadlines on the district's work calendar."""

import datetime as dt
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import Role, User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, has_role, scope_q
from wangge.areas.locate import locate_grid
from wangge.areas.models import ANCESTOR_LEVELS, AreaNode
from wangge.calendars.queries import calendar_for
from wangge.cases.models import (
    Case,
    Category,
    CoHandling,
    CoHandlingState,
    Extension,
    ExtensionState,
    HandlingUnit,
    ReturnVisit,
    RoutingRule,
    Supervision,
    TimeLimitUnit,
    UnitKind,
)
from wangge.cases.workflow import OPEN_STATES, State
from wangge.lib.geo import distance_m

# Roles that see every case of their area; others see cases through their unit or as reporter.
AREA_CASE_ROLES = {
    Role.DISTRICT_ADMIN,
    Role.COMMUNITY_STAFF,
    Role.GRID_SECRETARY,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.SUPERVISOR,
}
# Roles that accept, dispatch, verify and close cases of their area; roles that supervise.
DISPATCH_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF})
SUPERVISE_ROLES = frozenset({Role.SUPERVISOR, Role.DISTRICT_ADMIN})
# Grid roles: their worklist is the open cases of their grid (or wider area).
GRID_ROLES = frozenset({Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER})

# States in which a case waits for dispatch (accept, dispatch again, verify) or for its unit.
DISPATCH_QUEUE_STATES = frozenset({State.REPORTED, State.ACCEPTED, State.RETURNED, State.REOPENED, State.HANDLED})
UNIT_QUEUE_STATES = frozenset({State.DISPATCHED, State.IN_PROGRESS, State.ON_HOLD})
# States shown on the public board: tagged (accepted) onwards, never what was not accepted.
PUBLIC_STATES = frozenset(s.value for s in State) - {State.REPORTED, State.REJECTED, State.DUPLICATE}


def unit_ids(user: User) -> frozenset[int]:
    """The handling units the user is staff of, loaded once per user object."""
    cached: frozenset[int] | None = getattr(user, "_wangge_unit_ids", None)
    if cached is None:
        cached = frozenset(user.units.values_list("pk", flat=True)) if user.is_authenticated else frozenset()  # type: ignore[attr-defined]
        user._wangge_unit_ids = cached  # type: ignore[attr-defined]
    return cached


def visible_cases(user: User) -> QuerySet[Case]:
    """Cases in the user's area scope, routed to or co-handled by a unit of theirs, or reported
    or filed by them (a filer outside the case's area sees it as its reporter does:
    `policy.reporter_only`)."""
    if not user.is_authenticated:
        return Case.objects.none()
    condition = scope_q(user, DISTRICT_COMMUNITY_GRID, roles=AREA_CASE_ROLES) | Q(reporter=user) | Q(filed_by=user)
    units = unit_ids(user)
    if units:
        condition |= Q(unit_id__in=units) | Q(co_handlings__unit_id__in=units)
    return Case.objects.filter(condition).distinct() if units else Case.objects.filter(condition)


def units_for(user: User, case: Case) -> QuerySet[HandlingUnit]:
    """The units a case may be dispatched or co-assigned to by this user: the case's district's
    units that serve the whole district (no area, or the district itself), and those whose area
    lies in the user's scope. A community's unit elsewhere is not found."""
    whole_district = Q(area__isnull=True) | Q(area_id=case.district_id)
    return HandlingUnit.objects.filter(district_id=case.district_id).filter(
        whole_district | scope_q(user, DISTRICT_COMMUNITY_GRID, prefix="area__")
    )


def dispatch_unit(district_id: int) -> HandlingUnit:
    """The district dispatch queue: where a case nobody's rules match goes, never nowhere."""
    unit, _created = HandlingUnit.objects.get_or_create(
        district_id=district_id, kind=UnitKind.DISPATCH, defaults={"name": "区级派遣中心"}
    )
    return unit


# --- routing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a case is, or would be: the area node containing it at each level of the tree
    (`{"district": id, "community": id, "grid": id, …}`), as deep as what gave the place knows."""

    district_id: int
    ids: dict[str, int]

    def within(self, area: AreaNode) -> bool:
        return self.ids.get(area.level) == area.pk


def place_of_node(node: AreaNode) -> Place:
    """The place of an area node (a building, a grid, a household …): its ancestor columns."""
    ids = {level: getattr(node, f"{level}_id") for level in ANCESTOR_LEVELS}
    return Place(node.district_id, {level: pk for level, pk in ids.items() if pk is not None})


def place_at_point(lng: float, lat: float, crs: str = "wgs84") -> tuple[Place, AreaNode]:
    """The place of a point (given in `crs`): the grid containing it, and that grid (DomainError
    `outside_every_grid` when none does). A point knows no building."""
    grid = locate_grid(lng, lat, crs)
    return place_of_node(grid), grid


def place_of_case(case: Case) -> Place:
    """The place of a filed case: its district, community and grid, and its building (with the
    building's group) when one was given."""
    if case.building_id is not None:
        place = place_of_node(case.building)  # type: ignore[arg-type]
        ids = {**place.ids, "community": case.community_id, "grid": case.grid_id}
    else:
        ids = {"community": case.community_id, "grid": case.grid_id}
    ids["district"] = case.district_id
    return Place(case.district_id, {level: pk for level, pk in ids.items() if pk is not None})


class RuleOutcome(TextChoices):
    WINS = "wins", _("Wins")
    CATEGORY_DIFFERS = "category_differs", _("Category differs")
    OUTSIDE_AREA = "outside_area", _("Place outside the area")
    NOT_TRIED = "not_tried", _("Not tried")


@dataclass(frozen=True)
class RuleTried:
    rule: RoutingRule
    outcome: str  # a RuleOutcome
    why: str


@dataclass(frozen=True)
class RouteExplanation:
    """Each rule of the district in the order they are tried, with what became of it; the unit
    the case goes to, and the rule that sent it there (None: no rule matched, dispatch)."""

    tried: list[RuleTried]
    unit: HandlingUnit
    rule: RoutingRule | None

    @property
    def fallback(self) -> bool:
        return self.rule is None


def routing_rules(district_id: int) -> QuerySet[RoutingRule]:
    """The district's rules in the order they are tried: lowest priority number first."""
    return (
        RoutingRule.objects.filter(district_id=district_id)
        .select_related("unit", "area", "category")
        .order_by("priority", "id")
    )


def _try(rule: RoutingRule, category: Category, place: Place) -> RuleTried:
    if rule.category_id is not None and rule.category_id not in (category.pk, category.parent_id):
        why = _("The rule is for “%(rule)s”; “%(category)s” is neither it nor in it.") % {
            "rule": rule.category.name,  # type: ignore[union-attr]
            "category": category.name,
        }
        return RuleTried(rule, RuleOutcome.CATEGORY_DIFFERS, str(why))
    if rule.area is not None and not place.within(rule.area):
        why = _("The place is not inside %(area)s.") % {"area": rule.area.name}
        return RuleTried(rule, RuleOutcome.OUTSIDE_AREA, str(why))
    what = rule.category.name if rule.category is not None else _("every category")
    where = rule.area.name if rule.area is not None else _("the whole district")
    why = _("It covers %(what)s in %(where)s, and no rule before it matched: it wins.") % {"what": what, "where": where}
    return RuleTried(rule, RuleOutcome.WINS, str(why))


def explain_route(
    district_id: int,
    category: Category,
    place: Place,
    *,
    rules: Sequence[RoutingRule] | None = None,
    dispatch: HandlingUnit | None = None,
) -> RouteExplanation:
    """Where a case of `category` at `place` goes, and why: the district's rules are tried by
    priority (lowest number first, then the oldest); a rule matches when it names no category,
    the category itself or its group, and names no area or one containing the place. The first
    match wins; when none does, district dispatch takes the case (never nowhere). Two queries;
    none when the caller asking about many places passes the district's `rules`
    (`routing_rules`) and its `dispatch` unit, loaded once."""
    tried: list[RuleTried] = []
    winner: RoutingRule | None = None
    for rule in routing_rules(district_id) if rules is None else rules:
        if winner is not None:
            tried.append(RuleTried(rule, RuleOutcome.NOT_TRIED, str(_("Not tried: a rule before it won."))))
            continue
        outcome = _try(rule, category, place)
        tried.append(outcome)
        if outcome.outcome == RuleOutcome.WINS:
            winner = rule
    unit = winner.unit if winner is not None else (dispatch or dispatch_unit(district_id))
    return RouteExplanation(tried, unit, winner)


def route(case: Case) -> HandlingUnit:
    """The responsible unit of a case: `explain_route` at the case's place."""
    return explain_route(case.district_id, case.category, place_of_case(case)).unit


def compute_due_at(category: Category, accepted_at: dt.datetime, district_id: int) -> dt.datetime:
    """The deadline from the category's time limit on the district's work calendar."""
    calendar = calendar_for(district_id)
    local = timezone.localtime(accepted_at)
    if category.time_limit_unit == TimeLimitUnit.WORKING_HOURS:
        return calendar.add_working_hours(local, category.time_limit)
    day = calendar.add_working_days(local.date(), category.time_limit)
    return calendar.end_of_working_day(day, local.tzinfo)  # type: ignore[arg-type]


def nearby_open_cases(category: Category, lng: float, lat: float, radius_m: float, limit: int = 5) -> list[Case]:
    """Open cases of the same category within `radius_m`, nearest first (possible duplicates)."""
    dlat = radius_m / 111_000
    dlng = radius_m / (111_000 * max(math.cos(math.radians(lat)), 0.01))
    candidates = Case.objects.filter(
        category=category,
        state__in=OPEN_STATES,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    ).only("id", "number", "lng", "lat", "state", "description", "created_at")[:200]
    near = [(distance_m((lng, lat), (c.lng, c.lat)), c) for c in candidates if c.lng is not None and c.lat is not None]
    return [c for d, c in sorted(near, key=lambda x: x[0]) if d <= radius_m][:limit]


def satisfaction_rates(visits: QuerySet[ReturnVisit], by: str) -> list[dict[str, object]]:
    """Return-visit results grouped by `unit`, `grid` or `category`: counts and the rate of
    satisfied plus basically satisfied answers (one query)."""
    from django.db.models import Count

    from wangge.cases.models import Satisfaction

    if by not in ("unit", "grid", "category"):
        raise ValueError(by)
    rows = (
        visits.values(f"{by}_id", f"{by}__name")
        .annotate(
            total=Count("id"),
            satisfied=Count("id", filter=Q(result=Satisfaction.SATISFIED)),
            basically=Count("id", filter=Q(result=Satisfaction.BASICALLY)),
            unsatisfied=Count("id", filter=Q(result=Satisfaction.UNSATISFIED)),
        )
        .order_by(f"{by}__name")
    )
    return [
        {
            "id": row[f"{by}_id"],
            "name": row[f"{by}__name"],
            "total": row["total"],
            "satisfied": row["satisfied"],
            "basically": row["basically"],
            "unsatisfied": row["unsatisfied"],
            "rate": (row["satisfied"] + row["basically"]) / row["total"] if row["total"] else None,
        }
        for row in rows
    ]


def _soon(now: dt.datetime) -> dt.datetime:
    from django.conf import settings

    return now + dt.timedelta(hours=settings.CASE_DUE_SOON_HOURS)


def is_due_soon(case: Case, now: dt.datetime | None = None) -> bool:
    """`with_flags`'s `due_soon` of a case already read (no query): lists that only show the flag
    leave the expression out of their SQL."""
    now = now or timezone.now()
    return (
        not case.overdue and case.state in OPEN_STATES and case.due_at is not None and now < case.due_at <= _soon(now)
    )


def with_flags(cases: QuerySet[Case], now: dt.datetime | None = None) -> QuerySet[Case]:
    """Annotate `due_soon` (deadline within CASE_DUE_SOON_HOURS, not yet overdue) for lists."""
    from django.db.models import BooleanField, Value, When
    from django.db.models import Case as When_

    now = now or timezone.now()
    soon = _soon(now)
    return cases.annotate(
        due_soon=When_(
            When(overdue=False, due_at__gt=now, due_at__lte=soon, state__in=list(OPEN_STATES), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


# --- worklists --------------------------------------------------------------------------------


class Worklist(TextChoices):
    GRID = "grid", _("My area's open cases")
    INBOX = "inbox", _("My unit's inbox")
    DISPATCH = "dispatch", _("Dispatch queue")
    SUPERVISION = "supervision", _("Supervision queue")
    VISITS = "visits", _("Return-visit queue")
    MINE = "mine", _("Cases I reported or filed")
    DONE = "done", _("Finished cases")


def worklists_for(user: User) -> list[str]:
    """The worklists that mean something to the user, in the order a menu shows them."""
    names: list[str] = []
    if has_role(user, *DISPATCH_ROLES):
        names += [Worklist.DISPATCH, Worklist.VISITS]
    if unit_ids(user):
        names.append(Worklist.INBOX)
    if has_role(user, *GRID_ROLES, *DISPATCH_ROLES):
        names.append(Worklist.GRID)
    if has_role(user, *SUPERVISE_ROLES):
        names.append(Worklist.SUPERVISION)
    names.append(Worklist.MINE)
    if has_role(user, *AREA_CASE_ROLES) or unit_ids(user):
        names.append(Worklist.DONE)  # a resident's own finished reports are among "mine"
    return names


def worklist(user: User, name: str, states: Collection[str] | None = None) -> QuerySet[Case]:
    """The cases waiting on the user in worklist `name`, most urgent first. A fixed number of
    queries however many cases there are; every list stays inside `visible_cases`.

    - grid: open cases of the user's area (grid roles and dispatch), by deadline;
    - inbox: cases with the user's unit (dispatched, in progress, on hold) or an open
      co-handling of it, by deadline;
    - dispatch: cases of the user's area waiting on dispatch (to accept, dispatch again or
      verify) or with a pending extension request, oldest first;
    - supervision: open cases of the user's area that are overdue or under supervision;
    - visits: verified cases whose category needs a return visit, and the user's own
      verified reports, oldest handled first;
    - mine: the cases the user reported or filed (on any channel), newest first;
    - done: the closed-off cases the user sees (their area's, their unit's, their own), newest
      closed first.

    `states` widens the list to every case of its kind in those states, in the list's order:
    the grid list in state `closed` is the area's closed cases, the inbox in state `closed`
    the cases the unit handled that are closed off, `mine` in state `reported` the user's
    filings not yet accepted.
    """
    if not user.is_authenticated:
        return Case.objects.none()
    chosen: list[str] = sorted(set(states or ()) & set(State.values))
    cases = Case.objects.all()
    by_deadline = (F("due_at").asc(nulls_last=True), "id")  # no deadline yet: last, on every database
    if name == Worklist.GRID:
        area = scope_q(user, DISTRICT_COMMUNITY_GRID, roles=GRID_ROLES | DISPATCH_ROLES)
        return cases.filter(area, state__in=chosen if states else sorted(OPEN_STATES)).order_by(*by_deadline)
    if name == Worklist.INBOX:
        units = unit_ids(user)
        if states:
            any_co = CoHandling.objects.filter(case=OuterRef("pk"), unit_id__in=units)
            return cases.filter(Q(unit_id__in=units) | Exists(any_co), state__in=chosen).order_by(*by_deadline)
        co_handled = CoHandling.objects.filter(case=OuterRef("pk"), unit_id__in=units, state=CoHandlingState.OPEN)
        # `state IN open` as a condition of its own (UNIT_QUEUE_STATES are open states) lets
        # PostgreSQL read the open cases by deadline (index case_open_by_deadline) and stop at a page.
        return (
            cases.filter(state__in=OPEN_STATES)
            .filter(Q(unit_id__in=units, state__in=UNIT_QUEUE_STATES) | Exists(co_handled))
            .order_by(*by_deadline)
        )
    if name == Worklist.DISPATCH:
        area = scope_q(user, DISTRICT_COMMUNITY_GRID, roles=DISPATCH_ROLES)
        if states:
            return cases.filter(area, state__in=chosen).order_by("created_at", "id")
        pending = Extension.objects.filter(case=OuterRef("pk"), state=ExtensionState.REQUESTED)
        return (
            cases.filter(area)
            .filter(Q(state__in=DISPATCH_QUEUE_STATES) | Q(Exists(pending), state__in=OPEN_STATES))
            .order_by("created_at", "id")
        )
    if name == Worklist.SUPERVISION:
        area = scope_q(user, DISTRICT_COMMUNITY_GRID, roles=SUPERVISE_ROLES)
        supervised = Supervision.objects.filter(case=OuterRef("pk"))
        if not states:
            supervised = supervised.filter(closed_at__isnull=True)
        return (
            cases.filter(area, state__in=chosen if states else sorted(OPEN_STATES))
            .filter(Q(overdue=True) | Exists(supervised))
            .order_by(*by_deadline)
        )
    if name == Worklist.VISITS:
        area = scope_q(user, DISTRICT_COMMUNITY_GRID, roles=DISPATCH_ROLES)
        return cases.filter(
            (area & Q(category__return_visit_required=True)) | Q(reporter=user),
            state__in=chosen if states else [State.VERIFIED],
        ).order_by("handled_at", "id")
    if name == Worklist.MINE:
        mine = cases.filter(Q(reporter=user) | Q(filed_by=user))
        return (mine.filter(state__in=chosen) if states else mine).order_by("-created_at", "-id")
    if name == Worklist.DONE:
        return (
            visible_cases(user)
            .filter(state__in=chosen if states else [State.CLOSED])
            .order_by(F("closed_at").desc(nulls_last=True), "-id")
        )
    raise ValueError(name)


# A case number as people type it: the whole number (`370102-20261207-0042`) or its last digits.
_NUMBER_TEXT = re.compile(r"[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*")
_WHOLE_NUMBER = re.compile(r"[A-Za-z0-9-]*[A-Za-z0-9]-[0-9]{8}-[0-9]{4,}")


def is_case_number_text(text: str) -> bool:
    """Whether a search text is (the end of) a case number rather than words of a description."""
    return _NUMBER_TEXT.fullmatch(text.strip()) is not None


def search_cases(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """The cases of `cases` whose number is `text` or ends with it (a number's last digits), or,
    for any other text, whose description holds every one of its words."""
    text = text.strip()
    if not text:
        return cases
    if is_case_number_text(text):
        if _WHOLE_NUMBER.fullmatch(text):  # a whole number: the unique index finds it
            return cases.filter(number__in={text, text.upper()})
        return cases.filter(number__endswith=text)
    for word in text.split()[:8]:
        cases = cases.filter(description__icontains=word)
    return cases


def public_board(district_id: int) -> QuerySet[Case]:
    """The district's public board (挂牌公示): tagged cases of public categories, newest first.
    Callers show number, category, state, due date, and the place only where the category allows."""
    # Every case in a public state has been accepted (only `accept` sets accepted_at, nothing
    # clears it); saying so lets the index case_public_board start at the newest accepted case
    # instead of passing every unaccepted report first (PostgreSQL sorts NULLs first descending).
    return Case.objects.filter(
        district_id=district_id, category__public=True, state__in=PUBLIC_STATES, accepted_at__isnull=False
    ).order_by("-accepted_at", "-id")


def overdue_by_grid(user: User) -> dict[int, int]:
    """Overdue cases per grid: for each grid, how many open cases (not closed, rejected or merged)
    the overdue sweep has marked overdue, counting only the cases the user sees
    (`visible_cases`). Grids without any are absent (read them as 0). One grouped query."""
    rows = (
        visible_cases(user)
        .filter(state__in=OPEN_STATES, overdue=True, grid_id__isnull=False)
        .order_by()
        .values("grid_id")
        .annotate(n=Count("pk", distinct=True))
    )
    return {row["grid_id"]: row["n"] for row in rows}


def awaiting_overdue_mark(now: dt.datetime) -> QuerySet[Case]:
    """Open cases past their deadline that the overdue sweep has not marked yet (a case handled
    and waiting for verification is not overdue): what `actions.sweep_overdue` marks, and whose
    oldest deadline is the sweep's lag (`operations.metrics`)."""
    return Case.objects.filter(overdue=False, due_at__lte=now, state__in=OPEN_STATES).exclude(
        state__in=[State.HANDLED, State.VERIFIED, State.VISITED]
    )
