"""Who administers whom: which users an acting user sees on the users pages, which accounts they
may change, and which (role, area) pairs they may grant or remove. The one place this is decided;
the actions enforce it and the pages ask it what to offer.

The rule:

- a superuser administers everything;
- a district administrator (a `district_admin` assignment) grants and removes any role over any
  area node inside that assignment's area: their district;
- community staff (a `community_staff` assignment) grant and remove only the grid roles
  (`GRID_ROLES`) over the grids of their community and the areas below them: nothing at the
  community's level or above, and nothing in another community;
- nobody else administers anyone.

A user is *visible* to a manager when they hold at least one role the manager may remove (for
community staff: a grid role inside their community); superusers are visible only to superusers.
The manager may change a visible user's *account* (deactivate, reactivate, reset the password,
revoke API tokens) only when every role the user holds is one the manager could remove: community
staff cannot reset a district administrator's password because that administrator also holds a
grid role in their community, and the administrator of district A cannot lock out a user who also
works in district B. Anything not visible answers 404, like something that does not exist.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.accounts.scope import EVERYTHING, assignments_of, covers, scope_q
from wangge.lib.levels import LEVELS, Level

if TYPE_CHECKING:
    from wangge.areas.models import AreaNode

# The roles community staff hand out inside their community.
GRID_ROLES: frozenset[str] = frozenset(
    {Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER, Role.MEMBER, Role.VOLUNTEER}
)
# The roles that administer users at all (the users pages' PAGE_ROLES say the same).
MANAGER_ROLES: frozenset[str] = frozenset({Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF})
# Community staff grant over these levels only: a grid and what lies below it.
GRID_AND_BELOW: list[str] = LEVELS[LEVELS.index(Level.GRID) :]

# The ancestor column of AreaNode holding a node's own id at each level (households have none).
_ANCESTOR_FIELD: dict[str, str] = {level: level for level in LEVELS[:-1]}


def _staff_levels(level: str) -> list[str]:
    """The levels community staff assigned at `level` grant over: below it, and a grid or lower."""
    return [lvl for lvl in LEVELS[LEVELS.index(level) + 1 :] if lvl in GRID_AND_BELOW]


def _reach_q(user: User, prefix: str, *, grid_roles_field: str | None = None) -> Q:
    """The areas (fields under `prefix`) a non-superuser manager reaches: a district administrator's
    whole area, community staff's grids and below; with `grid_roles_field`, the latter only for
    rows whose role (that field) is a grid role."""
    condition = scope_q(user, _ANCESTOR_FIELD, prefix=prefix, roles=[Role.DISTRICT_ADMIN])
    for assignment in assignments_of(user):
        field = _ANCESTOR_FIELD.get(assignment.area.level)
        if assignment.role != Role.COMMUNITY_STAFF or field is None:
            continue
        staff = Q(
            **{f"{prefix}{field}_id": assignment.area_id, f"{prefix}level__in": _staff_levels(assignment.area.level)}
        )
        if grid_roles_field is not None:
            staff &= Q(**{f"{grid_roles_field}__in": GRID_ROLES})
        condition |= staff
    return condition


def grantable_area_q(user: User, prefix: str = "") -> Q:
    """A filter on AreaNode (or, with `prefix="area__"`, on what points at one) matching the areas
    over which the user may grant at least one role; matches nothing for a non-manager."""
    if user.is_authenticated and user.is_superuser:
        return EVERYTHING
    return _reach_q(user, prefix)


def grantable_roles(user: User) -> list[str]:
    """The roles the user may grant over some area, in the order of `Role`."""
    if user.is_authenticated and user.is_superuser:
        return list(Role.values)
    held = {a.role for a in assignments_of(user)}
    if Role.DISTRICT_ADMIN in held:
        return list(Role.values)
    if Role.COMMUNITY_STAFF in held:
        return [role for role in Role.values if role in GRID_ROLES]
    return []


def may_grant(user: User, role: str, area: "AreaNode") -> bool:
    """Whether the user may grant (or remove) `role` over `area` (an AreaNode). No query."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    level = area.level
    for assignment in assignments_of(user):
        if assignment.role == Role.DISTRICT_ADMIN and covers(assignment.area, area):
            return True
        if (
            assignment.role == Role.COMMUNITY_STAFF
            and role in GRID_ROLES
            and level in _staff_levels(assignment.area.level)
            and covers(assignment.area, area)
        ):
            return True
    return False


def administers_area(user: User, area: "AreaNode") -> bool:
    """Whether `area` lies inside what the user administers at all (a district administrator's
    district, a community's staff's community): outside it, an area answers 404. No query."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(a.role in MANAGER_ROLES and covers(a.area, area) for a in assignments_of(user))


def removable_assignments_q(user: User) -> Q:
    """A filter on RoleAssignment matching the assignments the user may remove (and so sees)."""
    if user.is_authenticated and user.is_superuser:
        return EVERYTHING
    return _reach_q(user, "area__", grid_roles_field="role")


def visible_users(user: User) -> QuerySet[User]:
    """The users the manager sees on the users pages (see the module's rule)."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    if not any(a.role in MANAGER_ROLES for a in assignments_of(user)):
        return User.objects.none()
    holders = RoleAssignment.objects.filter(removable_assignments_q(user)).values("user_id")
    return User.objects.filter(pk__in=holders, is_superuser=False)


def may_see(user: User, other: User) -> bool:
    return visible_users(user).filter(pk=other.pk).exists()


def may_change_account(user: User, other: User) -> bool:
    """Whether the manager may deactivate, reactivate, reset the password of and revoke the
    tokens of `other`: visible, and every role `other` holds is one the manager may remove."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if other.is_superuser or not may_see(user, other):
        return False
    return not RoleAssignment.objects.filter(user=other).exclude(removable_assignments_q(user)).exists()


def split_assignments(user: User, assignments: Iterable[RoleAssignment]) -> tuple[list[RoleAssignment], int]:
    """The assignments the manager may remove, and how many others there are (no query: uses
    `may_grant` on assignments loaded with their area)."""
    shown: list[RoleAssignment] = []
    hidden = 0
    for assignment in assignments:
        if may_grant(user, assignment.role, assignment.area):
            shown.append(assignment)
        else:
            hidden += 1
    return shown, hidden
