"""Who sees and who keeps stations, teams, volunteers, activities and hours.

- **Keeping** a station (its teams and volunteers, its activities, approving self-logged hours,
  checking volunteers in and out): the community's staff over its community and the district's
  administrators (`MANAGING_ROLES`). An activity's organiser also checks its volunteers in and out.
- **Seeing** a community's station and activities: every user with a role in that community (or
  over it: the district's), and every volunteer registered with a station of the district.
- **A volunteer's hours**: the volunteer themselves (`person.user`) and those keeping their station.

Anything outside answers 404 (docs/decisions.md).
"""

from django.db.models import Q, QuerySet

from wangge.accounts.models import Role, User
from wangge.accounts.scope import EVERYTHING, assignments_of, has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
from wangge.volunteers.models import Activity, Certificate, HoursLog, ServiceTeam, Station, Volunteer

MANAGING_ROLES = (Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN)
_MANAGED: dict[str, str] = {Level.DISTRICT: "district", Level.COMMUNITY: "community"}


def volunteer_of(user: User) -> Volunteer | None:
    """The user's own registration as a volunteer (through their registry record), if any."""
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_wangge_volunteers", None)
    if cached is None:
        cached = list(Volunteer.objects.filter(person__user_id=user.pk).select_related("station", "person"))
        user._wangge_volunteers = cached  # type: ignore[attr-defined]
    return cached[0] if cached else None


def _seen_q(user: User, prefix: str = "") -> Q:
    """Rows of the communities the user has a role in or over, and of a volunteer's district."""
    if user.is_authenticated and user.is_superuser:
        return EVERYTHING
    found = Q(pk__in=[])
    for a in assignments_of(user):
        if a.area.level == Level.DISTRICT:
            found |= Q(**{f"{prefix}district_id": a.area_id})
        elif a.area.community_id is not None:
            found |= Q(**{f"{prefix}community_id": a.area.community_id})
    mine = volunteer_of(user)
    if mine is not None:
        found |= Q(**{f"{prefix}district_id": mine.district_id})
    return found


def managed_q(user: User, prefix: str = "") -> Q:
    return scope_q(user, _MANAGED, prefix=prefix, roles=MANAGING_ROLES)


def visible_stations(user: User) -> QuerySet[Station]:
    return Station.objects.filter(_seen_q(user))


def visible_teams(user: User) -> QuerySet[ServiceTeam]:
    return ServiceTeam.objects.filter(_seen_q(user))


def visible_activities(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(_seen_q(user))


def visible_volunteers(user: User) -> QuerySet[Volunteer]:
    """The user's own registration and the volunteers of the stations they keep."""
    return Volunteer.objects.filter(managed_q(user) | Q(person__user_id=user.pk) if user.is_authenticated else Q(pk=0))


def visible_hours_logs(user: User) -> QuerySet[HoursLog]:
    return HoursLog.objects.filter(managed_q(user) | Q(volunteer__person__user_id=user.pk))


def can_manage(user: User, community_node_holder: Station | Activity | Volunteer | HoursLog) -> bool:
    """Whether the user keeps the station of this row's community."""
    return has_role_over(user, community_node_holder.community, *MANAGING_ROLES)


def can_run(user: User, activity: Activity) -> bool:
    """Whether the user checks the activity's volunteers in and out: its organiser or a keeper."""
    return activity.organiser_id == user.pk or can_manage(user, activity)


def masked_name(name: str) -> str:
    """A name as a public page shows it: the family name, the rest as asterisks (张**)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate of a verification code (anyone may check one), with its station."""
    code = code.strip().upper()
    if not code or len(code) > 20 or not code.isalnum():
        return None
    return Certificate.objects.filter(code=code).select_related("volunteer__station", "volunteer__person").first()


def keepable_communities(user: User) -> QuerySet[AreaNode]:
    """The communities whose station the user keeps (to open one)."""
    found = AreaNode.objects.filter(level=Level.COMMUNITY)
    if user.is_authenticated and user.is_superuser:
        return found
    match = Q(pk__in=[])
    for a in assignments_of(user):
        if a.role in MANAGING_ROLES and a.area.level == Level.DISTRICT:
            match |= Q(district_id=a.area_id)
        elif a.role in MANAGING_ROLES and a.area.level == Level.COMMUNITY:
            match |= Q(pk=a.area_id)
    return found.filter(match)
