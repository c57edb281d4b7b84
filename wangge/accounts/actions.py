"""Every change to users, role assignments and API tokens goes through these functions."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import admin_scope
from wangge.accounts.audit import record
from wangge.accounts.errors import AccountError
from wangge.accounts.models import ApiToken, AuditAction, Role, RoleAssignment, User
from wangge.accounts.queries import visible_tokens
from wangge.accounts.scope import forget_assignments
from wangge.lib.errors import DomainError

if TYPE_CHECKING:
    from wangge.areas.models import AreaNode


# One-time passwords: no look-alike characters (0/O, 1/l/I), read aloud or typed from a phone.
_READABLE_CHARACTERS = "abcdefghjkmnpqrstuvwxyz23456789"
_PASSWORD_GROUPS = 3
_PASSWORD_GROUP_LENGTH = 4


def one_time_password() -> str:
    """A new random password such as `k7mq-4xtp-9wre` (about 59 bits), for the user to replace."""
    groups = (
        "".join(secrets.choice(_READABLE_CHARACTERS) for _ in range(_PASSWORD_GROUP_LENGTH))
        for _ in range(_PASSWORD_GROUPS)
    )
    return "-".join(groups)


def _check_username(username: str) -> str:
    username = username.strip()
    field = User._meta.get_field("username")
    try:
        if not username:
            raise ValidationError("empty")
        field.run_validators(username)
        if len(username) > (field.max_length or 150):
            raise ValidationError("too long")
    except ValidationError as error:
        raise DomainError(
            AccountError.USERNAME_INVALID,
            _("A user name is 1 to 150 letters, digits and the characters @ . + - _ without spaces."),
        ) from error
    return username


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(AccountError.PASSWORD_INVALID, " ".join(error.messages)) from error


def _district_of_area(area: "AreaNode") -> int:
    return area.district_id  # type: ignore[return-value]


def create_user(
    acting_user: User | None,
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    role: str | None = None,
    area: "AreaNode | None" = None,
    must_change_password: bool = False,
    ip_address: str | None = None,
) -> User:
    """A new user, with a first role over `area` when both are given; with `password=None` the
    account gets an unusable password until one is set.

    A person creating a user (`acting_user` not None, not a superuser) must give the first role,
    which must be one they may grant (`admin_scope.may_grant`): without it the new user would be
    outside what they administer. 404 `area_not_found` / 403 `role_not_grantable` otherwise."""
    username = _check_username(username)
    display_name = display_name.strip()
    if len(display_name) > User._meta.get_field("display_name").max_length:  # type: ignore[operator]
        raise DomainError(AccountError.DISPLAY_NAME_TOO_LONG, _("The display name is at most 100 characters."))
    if acting_user is not None and not acting_user.is_superuser and (role is None or area is None):
        raise DomainError(AccountError.FIRST_ROLE_REQUIRED, _("Give the new user a first role and the area it covers."))
    if role is not None and area is not None:
        _check_grant(acting_user, role, area)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(AccountError.USERNAME_TAKEN, _("This user name is already taken."))
    user = User(username=username, display_name=display_name, must_change_password=must_change_password)
    if password is None:
        user.set_unusable_password()
    else:
        if acting_user is not None:
            _check_password(password, user)
        user.set_password(password)
    with transaction.atomic():
        user.save()
        record(
            acting_user,
            AuditAction.USER_CREATED,
            obj=user,
            district_id=_district_of_area(area) if area is not None else None,
            ip_address=ip_address,
            detail={"username": username},
        )
        if role is not None and area is not None:
            _grant(acting_user, user, role, area, ip_address)
    return user


@dataclass(frozen=True)
class NewPassword:
    """A user and the password an administrator set for them: shown once, never stored in clear."""

    user: User
    password: str


def create_account(
    acting_user: User,
    *,
    username: str,
    display_name: str,
    role: str,
    area: "AreaNode",
    password: str = "",
    ip_address: str | None = None,
) -> NewPassword:
    """A user created by an administrator with a first role: the password typed, or a generated
    one-time password; either way the user must choose their own at the first login."""
    chosen = password or one_time_password()
    user = create_user(
        acting_user,
        username=username,
        password=chosen,
        display_name=display_name,
        role=role,
        area=area,
        must_change_password=True,
        ip_address=ip_address,
    )
    return NewPassword(user=user, password=chosen)


def _check_grant(acting_user: User | None, role: str, area: "AreaNode") -> None:
    """Refuse a role that does not exist or that the acting user may not grant over `area`
    (None: the system itself — the command line, the demo, imports — may grant anything)."""
    if role not in Role.values:
        raise DomainError(AccountError.UNKNOWN_ROLE, _("Unknown role."))
    if acting_user is None or admin_scope.may_grant(acting_user, role, area):
        return
    if not admin_scope.administers_area(acting_user, area):
        raise DomainError(
            AccountError.AREA_NOT_FOUND, _("No such area among those you may grant roles over."), status=404
        )
    raise DomainError(
        AccountError.ROLE_NOT_GRANTABLE,
        _("You may not grant or remove the role %(role)s over %(area)s.")
        % {"role": Role(role).label, "area": area.name},
        status=403,
    )


def _check_user(acting_user: User | None, user: User) -> None:
    """404 for a user the acting user does not administer (None: the system, which may)."""
    if acting_user is not None and not admin_scope.may_see(acting_user, user):
        raise DomainError(AccountError.USER_NOT_FOUND, _("No such user."), status=404)


def _check_account(acting_user: User | None, user: User) -> None:
    """404 for a user not administered, 403 for one who holds roles out of the acting user's reach."""
    _check_user(acting_user, user)
    if acting_user is not None and not admin_scope.may_change_account(acting_user, user):
        raise DomainError(
            AccountError.ACCOUNT_OUT_OF_REACH,
            _("This user also holds roles you do not administer: ask an administrator who covers all of them."),
            status=403,
        )


def _grant(acting_user: User | None, user: User, role: str, area: "AreaNode", ip_address: str | None) -> RoleAssignment:
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


def assign_role(
    acting_user: User | None, *, user: User, role: str, area: "AreaNode", ip_address: str | None = None
) -> RoleAssignment:
    """Grant `role` over `area` to `user` (nothing changes when they hold it already).

    A person must administer the user (`admin_scope.may_see`, 404) unless the user has no role at
    all yet, and may grant only what `admin_scope.may_grant` allows (404 for an area out of their
    reach, 403 for a role they may not grant there)."""
    _check_grant(acting_user, role, area)
    if acting_user is not None and RoleAssignment.objects.filter(user=user).exists():
        _check_user(acting_user, user)
    with transaction.atomic():
        return _grant(acting_user, user, role, area, ip_address)


def revoke_role(acting_user: User | None, *, assignment: RoleAssignment, ip_address: str | None = None) -> None:
    """Remove a role assignment; a person may remove only what they could grant (404 otherwise)."""
    if acting_user is not None and not admin_scope.may_grant(acting_user, assignment.role, assignment.area):
        raise DomainError(AccountError.ROLE_NOT_FOUND, _("No such role assignment."), status=404)
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


def _set_active(acting_user: User | None, user: User, active: bool, ip_address: str | None) -> User:
    _check_account(acting_user, user)
    if not active and acting_user is not None and acting_user.pk == user.pk:
        raise DomainError(AccountError.CANNOT_DEACTIVATE_SELF, _("You cannot deactivate your own account."), status=409)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])
            record(
                acting_user,
                AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED,
                obj=locked,
                district_id=_district_of(locked),
                ip_address=ip_address,
            )
    user.is_active = active
    return locked


def deactivate_user(acting_user: User | None, *, user: User, ip_address: str | None = None) -> User:
    """The user can no longer log in, and their sessions and API tokens stop working at once (both
    check `is_active`); their roles and tokens are kept for a reactivation. Nobody deactivates
    themself (409 `cannot_deactivate_self`)."""
    return _set_active(acting_user, user, False, ip_address)


def reactivate_user(acting_user: User | None, *, user: User, ip_address: str | None = None) -> User:
    """The user may log in again with the roles and tokens they had."""
    return _set_active(acting_user, user, True, ip_address)


def reset_password(acting_user: User | None, *, user: User, ip_address: str | None = None) -> NewPassword:
    """A new one-time password for `user`, to be shown once to the administrator: the user must
    replace it at the next login, and every session they have ends (setting the password changes
    the hash the sessions are checked against). A lockout after failed logins is lifted."""
    _check_account(acting_user, user)
    password = one_time_password()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.must_change_password = True
        locked.save(update_fields=["password", "must_change_password"])
        record(
            acting_user, AuditAction.PASSWORD_RESET, obj=locked, district_id=_district_of(locked), ip_address=ip_address
        )
    axes_reset(username=locked.get_username())
    return NewPassword(user=locked, password=password)


def password_changed(acting_user: User) -> None:
    """The user has just chosen a new password themself: recorded, and they are no longer made
    to change it."""
    with transaction.atomic():
        User.objects.filter(pk=acting_user.pk, must_change_password=True).update(must_change_password=False)
        record(acting_user, AuditAction.PASSWORD_CHANGED, obj=acting_user, district_id=_district_of(acting_user))
    acting_user.must_change_password = False


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
    for a deactivated user (the token could never be used)."""
    if acting_user is not None and acting_user.pk != user.pk:
        _check_account(acting_user, user)
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise DomainError(AccountError.TOKEN_NAME_INVALID, _("The token name must be 1 to 100 characters long."))
    if not user.is_active:
        raise DomainError(AccountError.USER_INACTIVE, _("This user is deactivated; a token for it would not work."))
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
    nothing and records nothing. A person revokes their own tokens, those `queries.visible_tokens`
    lists for them and those of the users whose account they may change (`admin_scope`); any other
    token answers 404 `token_not_found`."""
    if acting_user is not None and not (
        token.user_id == acting_user.pk
        or visible_tokens(acting_user).filter(pk=token.pk).exists()
        or admin_scope.may_change_account(acting_user, token.user)
    ):
        raise DomainError(AccountError.TOKEN_NOT_FOUND, _("No such API token."), status=404)
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
