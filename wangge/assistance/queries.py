"""Reading the assistance database within a user's scope, the worklist and pairing suggestions.

Who reads a dossier whole: the grid team over the grid, the community's staff and the district's
administrators (`KEEPING_ROLES`, the roles that record field work); they also keep it. A paired
helper — a member whose own account (`Person.user`) is the logged-in user — reads only what the
pair needs: the household's address and the open needs assigned to the pair, never the family
situation or the causes (`helper_pairs`). Everyone else, supervisors included, does not find a
dossier (404).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from wangge.accounts.models import User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, has_role_over, scope_q
from wangge.areas.models import AreaNode
from wangge.assistance.models import (
    ACTIVE_STATES,
    OPEN_NEED_STATES,
    PAIR_IDLE_DAYS,
    PRIORITY_RANK,
    Dossier,
    Help,
    HelperKind,
    Need,
    Pair,
    Priority,
    SurveyHousehold,
    SurveyRound,
)
from wangge.fieldwork.queries import RECORDING_ROLES
from wangge.orgs.models import ResidentUnit
from wangge.people.models import HouseholdMember, MemberProfile

KEEPING_ROLES = RECORDING_ROLES
_AREA_LEVELS = DISTRICT_COMMUNITY_GRID


def visible_dossiers(user: User) -> QuerySet[Dossier]:
    """The dossiers the user reads whole (and keeps)."""
    return Dossier.objects.filter(scope_q(user, DISTRICT_COMMUNITY_GRID, roles=KEEPING_ROLES))


def assistance_areas(user: User) -> QuerySet[AreaNode]:
    """The areas whose households in difficulty the user keeps (their subtrees)."""
    return AreaNode.objects.filter(scope_q(user, _AREA_LEVELS, roles=KEEPING_ROLES))


def can_keep(user: User, node: AreaNode) -> bool:
    return has_role_over(user, node, *KEEPING_ROLES)


def own_members(user: User) -> QuerySet[MemberProfile]:
    """The member profiles whose person's own account is the user (one at most)."""
    if not user.is_authenticated:
        return MemberProfile.objects.none()
    return MemberProfile.objects.filter(person__user=user)


def helper_pairs(user: User) -> QuerySet[Pair]:
    """The current pairs in which the user (as a member) is the helper."""
    return Pair.objects.filter(
        helper_kind=HelperKind.MEMBER, helper_id__in=own_members(user).values("pk"), ended_on__isnull=True
    )


def open_needs() -> QuerySet[Need]:
    return Need.objects.filter(state__in=OPEN_NEED_STATES)


def priority_rank() -> Case:
    """最急, 最盼, 最难, ordinary as 0–3, for ordering in the database."""
    return Case(
        *(When(priority=value, then=Value(rank)) for value, rank in PRIORITY_RANK.items()),
        default=Value(len(PRIORITY_RANK)),
        output_field=IntegerField(),
    )


def in_area(queryset: QuerySet, area: AreaNode, prefix: str = "") -> QuerySet:
    """Rows (with district/community/grid columns under `prefix`) lying in a district, community
    or grid."""
    field = _AREA_LEVELS.get(area.level)
    if field is None:
        return queryset.none()
    return queryset.filter(**{f"{prefix}{field}_id": area.pk})


def households_to_visit_first(grid: AreaNode) -> QuerySet:
    """Field work's visit plan: the grid's households with a dossier in the database come first
    (`fieldwork.queries.register_visit_priority`)."""
    return Dossier.objects.filter(grid_id=grid.pk, state__in=ACTIVE_STATES).values("household_id")


def most_urgent_households(grid: AreaNode) -> QuerySet:
    """Field work's visit plan: before those, the households with an open 最急 need (registered
    with rank -1)."""
    return Need.objects.filter(
        dossier__grid_id=grid.pk,
        dossier__state__in=ACTIVE_STATES,
        priority=Priority.MOST_URGENT,
        state__in=OPEN_NEED_STATES,
    ).values("dossier__household_id")


# --- the worklist -------------------------------------------------------------------------------


@dataclass
class Worklist:
    needs: list[Need]
    due: list[Dossier]
    idle_pairs: list[Pair]


def worklist_needs(area: AreaNode) -> QuerySet[Need]:
    """The area's open needs (open or being met) of dossiers in the database: by priority class
    (最急, 最盼, 最难, ordinary), then the longest waiting first."""
    needs = in_area(open_needs().filter(dossier__state__in=ACTIVE_STATES), area, "dossier__")
    return needs.select_related("dossier__household", "dossier__grid").order_by(priority_rank(), "opened_at", "pk")


def due_for_reassessment(area: AreaNode, today: dt.date | None = None) -> QuerySet[Dossier]:
    """The area's dossiers in the database whose re-assessment date has come, the oldest first."""
    today = today or timezone.localdate()
    dossiers = in_area(Dossier.objects.filter(state__in=ACTIVE_STATES, reassess_on__lte=today), area)
    return dossiers.select_related("household", "grid").order_by("reassess_on", "pk")


def idle_pairs(area: AreaNode, today: dt.date | None = None) -> QuerySet[Pair]:
    """The area's current pairs without a help for 60 days (`last_help`, None if never, and
    begun more than 60 days ago), the longest idle first."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=PAIR_IDLE_DAYS)
    last = Help.objects.filter(pair_id=OuterRef("pk")).order_by().values("pair_id").annotate(at=Max("given_on"))
    pairs = in_area(Pair.objects.filter(ended_on__isnull=True, started_on__lte=since), area, "dossier__")
    return (
        pairs.annotate(last_help=Subquery(last.values("at")[:1]))
        .filter(Q(last_help__isnull=True) | Q(last_help__lte=since))
        .select_related("dossier__household")
        .order_by(Coalesce("last_help", "started_on"), "pk")
    )


def worklist(area: AreaNode, today: dt.date | None = None) -> Worklist:
    """The three lists of the worklist, three queries."""
    return Worklist(
        needs=list(worklist_needs(area)),
        due=list(due_for_reassessment(area, today)),
        idle_pairs=list(idle_pairs(area, today)),
    )


# --- helpers and suggestions --------------------------------------------------------------------


@dataclass
class Suggestion:
    kind: str
    id: int
    name: str
    # 0 the same building as the household, 1 the same grid, 2 the same community, 3 the district.
    distance: int
    load: int


def _load(kind: str) -> QuerySet:
    return (
        Pair.objects.filter(helper_kind=kind, helper_id=OuterRef("pk"), ended_on__isnull=True)
        .order_by()
        .values("helper_id")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _distance(household: AreaNode, building: str, grid: str, community: str) -> Case:
    return Case(
        When(**{building: household.building_id}, then=Value(0)),
        When(**{grid: household.grid_id}, then=Value(1)),
        When(**{community: household.community_id}, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def suggestions(dossier: Dossier, limit: int = 10) -> list[Suggestion]:
    """The helpers to suggest for a dossier, nearest first, then the least loaded (current
    pairs): the district's members (their own home: the building of a household they are a
    member of in the registry) and its resident units (their area), not yet paired with it.
    Skills are not kept yet, so they do not rank. Two queries."""
    household = dossier.household
    paired = Pair.objects.filter(dossier=dossier, ended_on__isnull=True)
    home = HouseholdMember.objects.filter(person_id=OuterRef("person_id")).order_by("pk")
    members = (
        MemberProfile.objects.filter(district_id=dossier.district_id, person__anonymised_at__isnull=True)
        .exclude(pk__in=paired.filter(helper_kind=HelperKind.MEMBER).values("helper_id"))
        .annotate(
            at_building=Subquery(home.values("household__building_id")[:1]),
            at_grid=Subquery(home.values("household__grid_id")[:1]),
            at_community=Subquery(home.values("household__community_id")[:1]),
        )
        .annotate(
            distance=_distance(household, "at_building", "at_grid", "at_community"),
            load=Coalesce(Subquery(_load(HelperKind.MEMBER)), 0),
        )
        .select_related("person")
        .order_by("distance", "load", "person__name", "pk")[:limit]
    )
    units = (
        ResidentUnit.objects.filter(district_id=dossier.district_id, closed_on__isnull=True)
        .exclude(pk__in=paired.filter(helper_kind=HelperKind.RESIDENT_UNIT).values("helper_id"))
        .annotate(
            distance=_distance(household, "area__building_id", "grid_id", "community_id"),
            load=Coalesce(Subquery(_load(HelperKind.RESIDENT_UNIT)), 0),
        )
        .order_by("distance", "load", "name", "pk")[:limit]
    )
    found = [Suggestion(HelperKind.MEMBER, m.pk, m.person.name, m.distance, m.load) for m in members]
    found += [Suggestion(HelperKind.RESIDENT_UNIT, u.pk, u.name, u.distance, u.load) for u in units]
    return sorted(found, key=lambda s: (s.distance, s.load, s.kind != HelperKind.MEMBER, s.name))[:limit]


def helper_names(pairs: list[Pair]) -> dict[tuple[str, int], str]:
    """The names of the pairs' helpers, one query per kind present."""
    names: dict[tuple[str, int], str] = {}
    members = [p.helper_id for p in pairs if p.helper_kind == HelperKind.MEMBER]
    units = [p.helper_id for p in pairs if p.helper_kind == HelperKind.RESIDENT_UNIT]
    if members:
        for pk, name in MemberProfile.objects.filter(pk__in=members).values_list("pk", "person__name"):
            names[(HelperKind.MEMBER, pk)] = name
    if units:
        for pk, name in ResidentUnit.objects.filter(pk__in=units).values_list("pk", "name"):
            names[(HelperKind.RESIDENT_UNIT, pk)] = name
    return names


def survey_progress(survey: SurveyRound) -> tuple[int, int]:
    """A survey round's progress: (households seen, households listed). One query."""
    counts = SurveyHousehold.objects.filter(round=survey).aggregate(
        seen=Count("pk", filter=Q(seen_on__isnull=False)), listed=Count("pk")
    )
    return counts["seen"], counts["listed"]
