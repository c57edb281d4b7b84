"""The districts a user administers: a `district_admin` assignment on a district node; a
superuser administers every district (None). The district-wide administration actions
(handling units, organisation settings, Open311 keys) ask this one rule; `acting_user=None` is
the operator at the command line, who is not asked."""

from wangge.accounts.models import Role, User
from wangge.accounts.scope import assignments_of
from wangge.lib.levels import Level


def administered_district_ids(user: User) -> set[int] | None:
    """The ids of the districts `user` administers; None for a superuser (every district)."""
    if user.is_authenticated and user.is_superuser:
        return None
    return {a.area_id for a in assignments_of(user) if a.role == Role.DISTRICT_ADMIN and a.area.level == Level.DISTRICT}


def administers(user: User | None, district_id: int) -> bool:
    """Whether `user` may administer the district; the operator (None) may."""
    if user is None:
        return True
    administered = administered_district_ids(user)
    return administered is None or district_id in administered
