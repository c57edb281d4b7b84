"""Every change to users, role assignments and API tokens goes through these functions."""

import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import ApiToken, AuditAction, Role, RoleAssignment, User
from wangge.accounts.scope import forget_assignments
from wangge.areas.models import AreaNode
from wangge.lib.errors import DomainError


def create_user(acting_user: User | None, *, username: str, password: str | None, display_name: str = "") -> User:
    """A new user; with `password=None` the account gets an unusable password until one is set."""
    if User.objects.filter(username=username).exists():
        raise DomainError("username_taken", _("This user name is already taken."))
    return User.objects.create_user(username=username, password=password, display_name=display_name)


def assign_role(
    acting_user: User | None, *, user: User, role: str, area: AreaNode, ip_address: str | None = None
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


def create_api_token(acting_user: User | None, *, user: User, name: str = "cli") -> str:
    """Create a bearer token for `user`; returns the token, which is never stored or shown again."""
    token = "wg_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.create(user=user, name=name, digest=token_digest(token), prefix=token[:8])
        record(acting_user, AuditAction.TOKEN_CREATED, obj=user, detail={"name": name})
    return token
