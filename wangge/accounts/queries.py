"""Reading accounts in scope: whose API tokens a user may list and revoke.

The rule, written only here:

- everyone manages their own tokens;
- a superuser manages every user's tokens;
- a district administrator manages the tokens of every user who holds a role whose scope lies
  inside the administrator's scope (a `district_admin` assignment on a district: every user
  with a role in that district), except superusers. A user with roles in two districts is
  managed by the administrators of both: their token acts in both.

Nobody else manages anyone's tokens; a token outside what the caller manages answers 404, like
one that does not exist.
"""

from django.db.models import Q, QuerySet

from wangge.accounts.models import ApiToken, Role, RoleAssignment, User
from wangge.accounts.scope import scope_q
from wangge.lib.levels import Level

# A role assignment lies in an administrator's scope when its area's ancestor at the level of
# the administrator's area is that area (the fixed ancestor columns of AreaNode).
_AREA_ANCESTOR: dict[str, str] = {
    Level.DISTRICT: "district",
    Level.COMMUNITY: "community",
    Level.GRID: "grid",
    Level.BUILDING_GROUP: "building_group",
    Level.BUILDING: "building",
}


def managed_users(user: User) -> QuerySet[User]:
    """The other users whose tokens `user` administers (see the module's rule)."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    in_scope = RoleAssignment.objects.filter(
        scope_q(user, _AREA_ANCESTOR, prefix="area__", roles=[Role.DISTRICT_ADMIN])
    ).values("user_id")
    return User.objects.filter(pk__in=in_scope, is_superuser=False)


def manages(user: User, other: User) -> bool:
    """Whether `user` may list and revoke `other`'s tokens."""
    return user.pk == other.pk or managed_users(user).filter(pk=other.pk).exists()


def visible_tokens(user: User) -> QuerySet[ApiToken]:
    """Tokens `user` may list and revoke: their own and those of the users they manage."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    if user.is_superuser:
        return ApiToken.objects.all()
    return ApiToken.objects.filter(Q(user=user) | Q(user__in=managed_users(user).values("pk")))
