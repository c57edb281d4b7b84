"""Every change to users, role assignments and API tokens goes through these functions."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import ApiToken, AuditAction, Role, RoleAssignment, User
from wangge.accounts.queries import manages, visible_tokens
from wangge.accounts.scope import forget_assignments
from wangge.lib.errors import DomainError

if TYPE_CHECKING:
    from wangge.areas.models import AreaNode


def create_user(acting_user: User | None, *, username: str, password: str | None, display_name: str = "") -> User:
    """A new user; with `password=None` the account gets an unusable password until one is set."""
    if User.objects.filter(username=username).exists():
        raise DomainError("username_taken", _("This user name is already taken."))
    return User.objects.create_user(username=username, password=password, display_name=display_name)


def assign_role(
    acting_user: User | None, *, user: User, role: str, area: "AreaNode", ip_address: str | None = None
) -> RoleAssignment:
    if role not in Role.values:
        raise DomainError("unknown_role", _("Unknown role."))
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, area=area, defaults={"district_id": area.district_id}
        )
        if created:
            record(
                acting_user,
                AuditAction.ROLE_GRANTED,
                obj=user,
                district_id=area.district_id,
                ip_address=ip_address,
                detail={"role": role, "area": area.pk},
            )
    forget_assignments(user)
    return assignment


def revoke_role(acting_user: User | None, *, assignment: RoleAssignment, ip_address: str | None = None) -> None:
    with transaction.atomic():
        record(
            acting_user,
            AuditAction.ROLE_REVOKED,
            obj=assignment.user,
            district_id=assignment.district_id,
            ip_address=ip_address,
            detail={"role": assignment.role, "area": assignment.area_id},
        )
        assignment.delete()
    forget_assignments(assignment.user)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_NAME_MAX = 100


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the stored row and the secret, which exists only here and is never shown again."""

    token: ApiToken
    secret: str


def _district_of(user: User) -> int | None:
    """The district of the user's roles when there is exactly one (the tenant key of an audit row)."""
    districts = set(RoleAssignment.objects.filter(user=user).values_list("district_id", flat=True)[:2])
    return districts.pop() if len(districts) == 1 else None


def issue_api_token(
    acting_user: User | None, *, user: User, name: str = "cli", ip_address: str | None = None
) -> IssuedToken:
    """Create a bearer token acting as `user` (exactly their scope); only its SHA-256 is stored.

    400 `token_name_invalid` for a blank name or one over 100 characters, 400 `user_inactive`
    for a deactivated user (the token could never be used), 404 `user_unknown` when
    `acting_user` neither is `user` nor manages them (`wangge.accounts.queries.manages`; the
    operator, None, may)."""
    if acting_user is not None and not manages(acting_user, user):
        raise DomainError("user_unknown", _("No such user."), status=404)
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise DomainError("token_name_invalid", _("The token name must be 1 to 100 characters long."))
    if not user.is_active:
        raise DomainError("user_inactive", _("This user is deactivated; a token for it would not work."))
    secret = "wg_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, digest=token_digest(secret), prefix=secret[:8])
        record(
            acting_user,
            AuditAction.TOKEN_CREATED,
            obj=user,
            district_id=_district_of(user),
            ip_address=ip_address,
            detail={"token": token.pk, "prefix": token.prefix, "name": name},
        )
    return IssuedToken(token=token, secret=secret)


def create_api_token(acting_user: User | None, *, user: User, name: str = "cli") -> str:
    """Create a bearer token for `user`; returns the token, which is never stored or shown again."""
    return issue_api_token(acting_user, user=user, name=name).secret


def revoke_api_token(acting_user: User | None, *, token: ApiToken, ip_address: str | None = None) -> ApiToken:
    """Revoke a token: it answers 401 from the next request on (within `wangge.lib.memo.CREDENTIAL_TTL`
    seconds in the other server processes, which remember tokens that long). Revoking a revoked token changes
    nothing and records nothing. Who may revoke whose token is `wangge.accounts.queries.visible_tokens`: any
    other token answers 404 `token_unknown` (the operator, None, may revoke any)."""
    if acting_user is not None and not visible_tokens(acting_user).filter(pk=token.pk).exists():
        raise DomainError("token_unknown", _("No such token."), status=404)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at", "updated_at"])
            record(
                acting_user,
                AuditAction.TOKEN_REVOKED,
                obj=locked.user,
                district_id=_district_of(locked.user),
                ip_address=ip_address,
                detail={"token": locked.pk, "prefix": locked.prefix, "name": locked.name},
            )
    return locked
