"""Reading field work within a user's scope, and the grid team.

Field work is read by the grid team over the grid (secretary, leader, workers), the community's
staff, the district's administrators and its supervisors; it is recorded by all of them but the
supervisors. A department, a resident or a member sees none of it (404), like an area outside
one's scope (docs/decisions.md).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
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

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
from wangge.fieldwork.models import Briefing, BriefingTask, FieldworkSettings, Patrol, Visit
from wangge.people.models import MemberProfile, WorkerProfile

GRID_TEAM_ROLES = (Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER)
RECORDING_ROLES = (*GRID_TEAM_ROLES, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN)
READING_ROLES = (*RECORDING_ROLES, Role.SUPERVISOR)

_AREA_LEVELS: dict[str, str] = {Level.DISTRICT: "district", Level.COMMUNITY: "community", Level.GRID: "grid"}


def _scope(user: User) -> Q:
    return scope_q(user, DISTRICT_COMMUNITY_GRID, roles=READING_ROLES)


def visible_briefings(user: User) -> QuerySet[Briefing]:
    return Briefing.objects.filter(_scope(user))


def visible_patrols(user: User) -> QuerySet[Patrol]:
    return Patrol.objects.filter(_scope(user))


def visible_visits(user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(_scope(user))


def visible_tasks(user: User) -> QuerySet[BriefingTask]:
    """The tasks of the briefings the user reads."""
    return BriefingTask.objects.filter(briefing__in=visible_briefings(user))


def fieldwork_areas(user: User) -> QuerySet[AreaNode]:
    """The areas whose field work the user reads (their subtrees, for the reading roles)."""
    return AreaNode.objects.filter(scope_q(user, _AREA_LEVELS, roles=READING_ROLES))


def can_read(user: User, grid: AreaNode) -> bool:
    return has_role_over(user, grid, *READING_ROLES)


def can_record(user: User, grid: AreaNode) -> bool:
    return has_role_over(user, grid, *RECORDING_ROLES)


# The households another app wants visited first, e.g. the assistance database's households in
# difficulty: each provider takes a grid and answers a queryset of the ids of its households to
# put first, with a rank (lower first, 0 by default; a household several providers name takes the
# lowest). The apps register theirs from their `AppConfig.ready()` (this app cannot import them).
VisitPriority = Callable[[AreaNode], QuerySet]
_visit_priorities: dict[VisitPriority, int] = {}


def register_visit_priority(provider: VisitPriority, rank: int = 0) -> None:
    _visit_priorities[provider] = rank


def unregister_visit_priority(provider: VisitPriority) -> None:
    _visit_priorities.pop(provider, None)


def visit_plan(grid: AreaNode) -> QuerySet[AreaNode]:
    """The grid's households in the order to visit them: those a registered app puts first
    (`visit_first`, ordered by `priority`, the provider's rank; the others after every rank), then never visited, then
    the longest since the last visit (`last_visit`, and `last_visit_id`).
    One query, however many households and providers."""
    last = Visit.objects.filter(household_id=OuterRef("pk")).order_by().values("household_id")
    newest = Visit.objects.filter(household_id=OuterRef("pk")).order_by("-visited_at", "-id")
    ranked = sorted(_visit_priorities.items(), key=lambda item: item[1])
    rest = max([0, *_visit_priorities.values()]) + 1
    whens = [When(Q(pk__in=provider(grid)), then=Value(rank)) for provider, rank in ranked]
    priority = Case(*whens, default=Value(rest), output_field=IntegerField()) if whens else Value(rest)
    return (
        AreaNode.objects.filter(grid_id=grid.pk, level=Level.HOUSEHOLD)
        .select_related("building")
        .annotate(
            last_visit=Subquery(last.annotate(at=Max("visited_at")).values("at")[:1]),
            last_visit_id=Subquery(newest.values("pk")[:1]),  # its page (wangge.web.fieldwork_visits)
            priority=priority,
        )
        .annotate(visit_first=ExpressionWrapper(Q(priority__lt=rest), output_field=BooleanField()))
        # Never visited (NULL) first on every database, then the longest since the last visit.
        .order_by("priority", F("last_visit").asc(nulls_first=True), "code")
    )


def patrols_per_day(district_id: int) -> int:
    """The patrols a grid of the district owes per working day (2 unless the district set it)."""
    found = FieldworkSettings.objects.filter(district_id=district_id).values_list("patrols_per_day", flat=True).first()
    return found if found is not None else FieldworkSettings._meta.get_field("patrols_per_day").default


@dataclass
class GridTeam:
    """网格团队: the users holding the grid's roles over it, the workers of the registry who work
    in it, and the members whose responsibility zones lie in it."""

    grid: AreaNode
    secretaries: list[User] = field(default_factory=list)
    leaders: list[User] = field(default_factory=list)
    workers: list[User] = field(default_factory=list)
    worker_profiles: list[WorkerProfile] = field(default_factory=list)
    members: list[MemberProfile] = field(default_factory=list)


def grid_team(grid: AreaNode) -> GridTeam:
    """The grid's team, three queries: role assignments on the grid itself, worker profiles of
    the grid, and members with a responsibility zone reaching into the grid."""
    team = GridTeam(grid=grid)
    by_role = {Role.GRID_SECRETARY: team.secretaries, Role.GRID_LEADER: team.leaders, Role.GRID_WORKER: team.workers}
    assignments = (
        RoleAssignment.objects.filter(area=grid, role__in=GRID_TEAM_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__username")
    )
    for assignment in assignments:
        by_role[Role(assignment.role)].append(assignment.user)
    team.worker_profiles = list(WorkerProfile.objects.filter(grid=grid).select_related("person").order_by("kind", "id"))
    team.members = list(
        MemberProfile.objects.filter(pk__in=MemberProfile.objects.filter(zones__areas__grid=grid).values("pk"))
        .select_related("person")
        .order_by("person__name", "id")
    )
    return team
