"""Scope: which part of the area tree a user may see. The one place scope is decided.

A role assignment names an area node; the user sees that node's subtree. Every app's
`queries.visible_*` builds its filter with `scope_q`, naming the field that holds the
ancestor id at each level; a level the model has no field for grants nothing on it.
"""

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from django.db.models import Q

from wangge.accounts.models import RoleAssignment, User
from wangge.lib.levels import Level

if TYPE_CHECKING:
    from wangge.areas.models import AreaNode

# Matches every row and stays "everything" when combined: `Q()` would not (`Q() | Q(x)` is
# `Q(x)`, so a superuser's cases would collapse to the ones they reported).
EVERYTHING = ~Q(pk__in=[])

# For models that carry the fixed ancestor columns district/community/grid.
DISTRICT_COMMUNITY_GRID: dict[str, str] = {Level.DISTRICT: "district", Level.COMMUNITY: "community", Level.GRID: "grid"}


def assignments_of(user: User) -> list[RoleAssignment]:
    """The user's role assignments, loaded once per request/user object."""
    cached: list[RoleAssignment] | None = getattr(user, "_wangge_assignments", None)
    if cached is None:
        if not user.is_authenticated:
            cached = []
        else:
            cached = list(RoleAssignment.objects.filter(user=user).select_related("area"))
        user._wangge_assignments = cached  # type: ignore[attr-defined]
    return cached


def forget_assignments(user: User) -> None:
    if hasattr(user, "_wangge_assignments"):
        del user._wangge_assignments


def scope_q(
    user: User, field_for_level: Mapping[str, str], prefix: str = "", roles: Collection[str] | None = None
) -> Q:
    """A filter matching rows inside the user's scope; matches nothing without an assignment.

    With `roles`, only assignments of those roles count (e.g. a department's district-wide
    assignment does not open every case of the district to it).
    """
    if user.is_authenticated and user.is_superuser:
        return EVERYTHING
    condition = Q(pk__in=[])
    for assignment in assignments_of(user):
        if roles is not None and assignment.role not in roles:
            continue
        field = field_for_level.get(assignment.area.level)
        if field is not None:
            condition |= Q(**{f"{prefix}{field}_id": assignment.area_id})
    return condition


def has_role(user: User, *roles: str) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return any(a.role in roles for a in assignments_of(user))


def covers(area: "AreaNode", node: "AreaNode") -> bool:
    """Whether `node` is `area` or lies in its subtree (no query: uses the ancestor columns)."""
    if area.level == Level.HOUSEHOLD:
        return node.pk == area.pk
    return getattr(node, f"{area.level}_id") == area.pk


def has_role_over(user: User, node: "AreaNode", *roles: str) -> bool:
    """Whether the user holds one of `roles` through an assignment whose scope contains `node`."""
    if user.is_authenticated and user.is_superuser:
        return True
    return any(a.role in roles and covers(a.area, node) for a in assignments_of(user))
