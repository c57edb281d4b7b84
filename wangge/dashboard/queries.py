"""Who reads the dashboard, and over which areas.

District administrators, community staff and supervisors read the figures of the districts,
communities and grids inside their assignments of those roles; anyone else, and any area
outside, is not found (404).
"""

from django.db.models import QuerySet
from django.http import Http404

from wangge.accounts.models import Role, User
from wangge.accounts.scope import has_role, scope_q
from wangge.areas.models import ANCESTOR_LEVELS, AreaNode, Level

DASHBOARD_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.SUPERVISOR})
COUNTED_LEVELS = (Level.DISTRICT, Level.COMMUNITY, Level.GRID)
_AREA_FIELDS = {level: level for level in ANCESTOR_LEVELS}


def may_read(user: User) -> bool:
    return has_role(user, *DASHBOARD_ROLES)


def dashboard_areas(user: User) -> QuerySet[AreaNode]:
    """The districts, communities and grids whose figures the user reads."""
    return AreaNode.objects.filter(
        scope_q(user, _AREA_FIELDS, roles=DASHBOARD_ROLES), level__in=COUNTED_LEVELS
    ).order_by("code", "pk")


def area_for(user: User, area_id: int | None) -> AreaNode:
    """The area asked for when the user reads it (404 otherwise), or without one the user's
    highest area (the first district, else community, else grid of their assignments)."""
    areas = dashboard_areas(user)
    if area_id is not None:
        found = areas.filter(pk=area_id).first()
    else:
        found = next(
            (a for level in COUNTED_LEVELS for a in areas.filter(level=level)[:1]),
            None,
        )
    if found is None:
        raise Http404
    return found
