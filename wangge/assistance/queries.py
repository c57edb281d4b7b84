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
    Exists,
    F,
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

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
from wangge.assistance.models import (
    ACTIVE_STATES,
    OPEN_NEED_STATES,
    PAIR_IDLE_DAYS,
    PRIORITY_RANK,
    Dossier,
    Help,
    HelperKind,
    HelperSkill,
    Need,
    Pair,
    PairingCampaign,
    Priority,
    SurveyHousehold,
    SurveyRound,
)
from wangge.fieldwork.models import Visit
from wangge.fieldwork.queries import RECORDING_ROLES
from wangge.lib.crypto import decrypt_field
from wangge.orgs.models import ResidentUnit
from wangge.people.models import HouseholdMember, MemberProfile, Person
from wangge.resources.models import SocialOrg

KEEPING_ROLES = RECORDING_ROLES
_AREA_LEVELS = DISTRICT_COMMUNITY_GRID
# The column naming a district, community or grid on the rows (households, dossiers) lying in it.
AREA_FIELDS: dict[str, str] = {level: f"{name}_id" for level, name in DISTRICT_COMMUNITY_GRID.items()}
# A survey round of flagged households lists those a visit flagged within this many days.
FLAGGED_VISIT_DAYS = 365


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


def own_persons(user: User) -> QuerySet[Person]:
    """The registry's person whose own account is the user (a volunteer helper is one)."""
    if not user.is_authenticated:
        return Person.objects.none()
    return Person.objects.filter(user=user)


def helper_pairs(user: User) -> QuerySet[Pair]:
    """The current pairs in which the user is the helper (as a member or as a volunteer)."""
    as_member = Q(helper_kind=HelperKind.MEMBER, helper_id__in=own_members(user).values("pk"))
    as_volunteer = Q(helper_kind=HelperKind.VOLUNTEER, helper_id__in=own_persons(user).values("pk"))
    return Pair.objects.filter(as_member | as_volunteer, ended_on__isnull=True)


def is_own_helper(user: User, kind: str, helper_id: int) -> bool:
    """Whether the helper is the user themselves (their member profile, or their person as a
    volunteer)."""
    if kind == HelperKind.MEMBER:
        return own_members(user).filter(pk=helper_id).exists()
    if kind == HelperKind.VOLUNTEER:
        return own_persons(user).filter(pk=helper_id).exists()
    return False


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


def flagged_households(area: AreaNode, today: dt.date | None = None) -> QuerySet:
    """The households of a district, community or grid flagged for a survey round of flagged
    households only: those with a dossier in the database, and those a household visit flagged
    (a visit with flags) in the last year. One query (ids, by code)."""
    field = AREA_FIELDS.get(area.level)
    if field is None:
        return AreaNode.objects.none().values_list("pk", flat=True)
    today = today or timezone.localdate()
    since = dt.datetime.combine(
        today - dt.timedelta(days=FLAGGED_VISIT_DAYS), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    in_database = Dossier.objects.filter(household_id=OuterRef("pk"), state__in=ACTIVE_STATES)
    visited = Visit.objects.filter(household_id=OuterRef("pk"), visited_at__gte=since).exclude(flags=[])
    households = AreaNode.objects.filter(level=Level.HOUSEHOLD, **{field: area.pk})
    return households.filter(Exists(in_database) | Exists(visited)).order_by("code", "pk").values_list("pk", flat=True)


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

# In the suggestions' score: a helper whose skills cover a kind the household needs moves up this
# many steps of distance; each current pair moves a helper down one step, up to LOAD_CAP steps.
SKILL_STEPS = 2
LOAD_CAP = 3


@dataclass
class Suggestion:
    kind: str
    id: int
    name: str
    # 0 the same building as the household, 1 the same grid, 2 the same community, 3 the district.
    distance: int
    load: int
    # Whether one of the helper's declared skills is a kind of the household's open needs.
    skilled: bool = False

    @property
    def score(self) -> int:
        return self.distance - (SKILL_STEPS if self.skilled else 0) + min(self.load, LOAD_CAP)


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


def open_need_kinds(dossier: Dossier) -> list[str]:
    """The kinds of the dossier's open needs (decrypted here; only the list leaves). One query."""
    needs = Need.objects.filter(dossier=dossier, state__in=OPEN_NEED_STATES).only("pk", "kind_encrypted")
    return sorted({decrypt_field(n, "kind_encrypted") for n in needs} - {""})


def _ranked(
    queryset: QuerySet, kind: str, household: AreaNode, places: tuple[str, str, str], kinds: list[str]
) -> QuerySet:
    """Annotate distance, load, skilled and the score (see `Suggestion.score`), best first."""
    skilled = HelperSkill.objects.filter(helper_kind=kind, helper_id=OuterRef("pk"), kind__in=kinds)
    ranked = queryset.annotate(
        distance=_distance(household, *places),
        load=Coalesce(Subquery(_load(kind)), 0),
        skilled=Exists(skilled),
    )
    score = (
        F("distance")
        - Case(When(skilled=True, then=Value(SKILL_STEPS)), default=Value(0), output_field=IntegerField())
        + Case(When(load__gt=LOAD_CAP, then=Value(LOAD_CAP)), default=F("load"), output_field=IntegerField())
    )
    return ranked.annotate(score=score).order_by("score", "distance", "pk")


def suggestions(dossier: Dossier, limit: int = 10) -> list[Suggestion]:
    """The helpers to suggest for a dossier, not yet paired with it, best first by a score:
    distance (0 the household's building, 1 its grid, 2 its community, 3 the district), two steps
    closer when one of the helper's declared skills is a kind the household needs, one step
    further for each current pair (at most three). Helpers: the district's members and
    volunteers (placed at a household they are a member of in the registry), its open resident
    units (their area) and social organisations (their community). Five queries, each ranking
    only the helpers that can come first (see below), not every helper of the district."""
    household = dossier.household
    kinds = open_need_kinds(dossier)
    paired = Pair.objects.filter(dossier=dossier, ended_on__isnull=True)

    def not_paired(queryset: QuerySet, kind: str) -> QuerySet:
        return queryset.exclude(pk__in=paired.filter(helper_kind=kind).values("helper_id"))

    def at_home(queryset: QuerySet, person: str) -> QuerySet:
        home = HouseholdMember.objects.filter(person_id=OuterRef(person)).order_by("pk")
        return queryset.annotate(
            at_building=Subquery(home.values("household__building_id")[:1]),
            at_grid=Subquery(home.values("household__grid_id")[:1]),
            at_community=Subquery(home.values("household__community_id")[:1]),
        )

    homes = ("at_building", "at_grid", "at_community")
    members = MemberProfile.objects.filter(district_id=dossier.district_id, person__anonymised_at__isnull=True)
    members = at_home(not_paired(members, HelperKind.MEMBER), "person_id").select_related("person")
    volunteers = Person.objects.filter(
        district_id=dossier.district_id,
        anonymised_at__isnull=True,
        user_id__in=RoleAssignment.objects.filter(role=Role.VOLUNTEER, district_id=dossier.district_id).values(
            "user_id"
        ),
    )
    volunteers = at_home(not_paired(volunteers, HelperKind.VOLUNTEER), "pk")
    units = not_paired(
        ResidentUnit.objects.filter(district_id=dossier.district_id, closed_on__isnull=True), HelperKind.RESIDENT_UNIT
    )
    orgs = not_paired(SocialOrg.objects.filter(district_id=dossier.district_id), HelperKind.SOCIAL_ORG)
    neighbours = HouseholdMember.objects.filter(household__community_id=household.community_id).values("person_id")
    found: list[Suggestion] = []
    for kind, queryset, places, near, name in (
        (HelperKind.MEMBER, members, homes, Q(person_id__in=neighbours), lambda m: m.person.name),
        (HelperKind.VOLUNTEER, volunteers, homes, Q(pk__in=neighbours), lambda p: p.name),
        (
            HelperKind.RESIDENT_UNIT,
            units,
            ("area__building_id", "grid_id", "community_id"),
            Q(community_id=household.community_id),
            lambda u: u.name,
        ),
        (
            HelperKind.SOCIAL_ORG,
            orgs,
            ("community_id", "community_id", "community_id"),
            Q(community_id=household.community_id),
            lambda o: o.name,
        ),
    ):
        # Only these can rank among the first: the helpers of the household's community
        # (distance 0–2), the skilled ones, and the first `limit` of the others without a current
        # pair (distance 3, load 0: a score no other helper of the district beats). The ranking
        # is then computed over them only, not over every helper of the district.
        busy = Pair.objects.filter(helper_kind=kind, ended_on__isnull=True).values("helper_id")
        skilled = HelperSkill.objects.filter(helper_kind=kind, kind__in=kinds).values("helper_id")
        idle_far = queryset.exclude(near).exclude(pk__in=busy).order_by("pk").values("pk")[:limit]
        candidates = queryset.filter(near | Q(pk__in=skilled) | Q(pk__in=idle_far))
        for row in _ranked(candidates, kind, household, places, kinds)[:limit]:
            found.append(Suggestion(kind, row.pk, name(row), row.distance, row.load, row.skilled))
    order = list(HelperKind.values)
    return sorted(found, key=lambda s: (s.score, s.distance, order.index(s.kind), s.name))[:limit]


def helper_names(pairs: list[Pair]) -> dict[tuple[str, int], str]:
    """The names of the pairs' helpers, one query per kind present."""
    names: dict[tuple[str, int], str] = {}
    sources: dict[str, tuple[QuerySet, str]] = {
        HelperKind.MEMBER: (MemberProfile.objects.all(), "person__name"),
        HelperKind.VOLUNTEER: (Person.objects.all(), "name"),
        HelperKind.RESIDENT_UNIT: (ResidentUnit.objects.all(), "name"),
        HelperKind.SOCIAL_ORG: (SocialOrg.objects.all(), "name"),
    }
    for kind, (queryset, field) in sources.items():
        ids = [p.helper_id for p in pairs if p.helper_kind == kind]
        if ids:
            for pk, name in queryset.filter(pk__in=ids).values_list("pk", field):
                names[(kind, pk)] = name
    return names


def helper_skills(kind: str, helper_id: int) -> list[str]:
    return list(HelperSkill.objects.filter(helper_kind=kind, helper_id=helper_id).values_list("kind", flat=True))


# --- survey rounds and campaigns ----------------------------------------------------------------


def visible_rounds(user: User) -> QuerySet[SurveyRound]:
    """The survey rounds over the areas the user keeps, each with `seen` and `listed` (its
    progress), the latest first."""
    return (
        SurveyRound.objects.filter(area_id__in=assistance_areas(user).values("pk"))
        .select_related("area")
        .annotate(seen=Count("households", filter=Q(households__seen_on__isnull=False)), listed=Count("households"))
    )


def visible_campaigns(user: User) -> QuerySet[PairingCampaign]:
    """The pairing campaigns over the areas the user keeps, each with `current` (its current
    pairs), the latest first."""
    return (
        PairingCampaign.objects.filter(area_id__in=assistance_areas(user).values("pk"))
        .select_related("area")
        .annotate(current=Count("pairs", filter=Q(pairs__ended_on__isnull=True)))
    )


def survey_progress(survey: SurveyRound) -> tuple[int, int]:
    """A survey round's progress: (households seen, households listed). One query."""
    counts = SurveyHousehold.objects.filter(round=survey).aggregate(
        seen=Count("pk", filter=Q(seen_on__isnull=False)), listed=Count("pk")
    )
    return counts["seen"], counts["listed"]


def campaign_pairs(campaign: PairingCampaign) -> QuerySet[Pair]:
    """Every pair made in a campaign (current and ended), the latest first, with its household."""
    return campaign.pairs.select_related("dossier__household").order_by("-started_on", "-pk")


def helper_district(user: User) -> AreaNode | None:
    """The district a user declares helpers' skills in: that of their first role assignment, or
    of their own person in the registry."""
    district_id = RoleAssignment.objects.filter(user_id=user.pk).order_by("pk").values_list("district_id", flat=True)
    found = district_id.first() or own_persons(user).values_list("district_id", flat=True).first()
    return AreaNode.objects.filter(pk=found).first() if found else None
