"""Two-factor login (docs/deploy.md, "Two-factor login"): the policy, and every change to a user's
second factor — enrolling an authenticator app, verifying a code, new recovery codes, an
administrator's reset — each in one transaction with its audit row.

The second factor is a TOTP device of django-otp (an authenticator app: a 6-digit code that
changes every 30 seconds) with a static device beside it holding ten single-use recovery codes.
A session that has verified a code carries the device (`django_otp.login`; django-otp's
middleware puts it back on `request.user.otp_device` at every request).

The policy, `settings.REQUIRE_2FA`:
- `reveal`: every reveal of personal data in clear (`require_verified`, called by the reveal
  actions) needs a second factor verified in the session; 403 `second_factor_required`;
- `login`: the same, and a user holding a personal-data role verifies right after the password
  (the web app's `SecondFactorMiddleware`, `required_at_login`);
- `off`: never asked (development, the demo, the tests).

A user object that did not come through a verified web session (an API token's, the command
line's) carries no device, so under `reveal` and `login` it reveals nothing: the operator at the
console, who holds the key file, uses the masked-only command-line paths or `access_report`.
"""

import datetime as dt
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from wangge.accounts.actions import _check_account
from wangge.accounts.audit import record
from wangge.accounts.errors import AccountError
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, RoleAssignment, User
from wangge.lib.errors import DomainError

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"
RECOVERY_CODES = 10
# Recovery codes: 10 characters from an alphabet without look-alikes, shown in two groups of five.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10


def policy() -> str:
    return str(settings.REQUIRE_2FA)


def is_verified(user: User) -> bool:
    """Whether this user object comes from a session that has verified a second factor."""
    return getattr(user, "otp_device", None) is not None


def has_personal_data_role(user: User) -> bool:
    return RoleAssignment.objects.filter(user_id=user.pk, role__in=PERSONAL_DATA_ROLES).exists()


def required_at_login(user: User) -> bool:
    """Under `login`, a signed-in user with a personal-data role who has not verified yet."""
    return policy() == "login" and user.is_authenticated and not is_verified(user) and has_personal_data_role(user)


def require_verified(acting_user: User) -> None:
    """Step-up before a reveal of personal data: 403 `second_factor_required` unless the policy is
    `off` or this session has verified a second factor."""
    if policy() == "off" or is_verified(acting_user):
        return
    raise DomainError(
        AccountError.SECOND_FACTOR_REQUIRED,
        _("Confirm it is you with a code from your authenticator app before personal data is shown in clear."),
        status=403,
    )


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user: User) -> TOTPDevice:
    """The authenticator being enrolled (not yet confirmed): the same key until confirmed, so a
    reload of the page shows the QR code the phone has already scanned."""
    found = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if found is not None:
        return found
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def _wrong_code() -> DomainError:
    return DomainError(AccountError.SECOND_FACTOR_CODE_WRONG, _("The code is not right. Try the current code."))


def _throttled(until: dt.datetime) -> DomainError:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    return DomainError(
        AccountError.SECOND_FACTOR_THROTTLED,
        _("Too many wrong codes. Wait %(seconds)d seconds before trying again.") % {"seconds": seconds},
        status=429,
    )


def _check(device: Device, code: str) -> bool:
    """Verify `code` on a device locked for update: refused while its throttle runs (429)."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        raise _throttled(data["locked_until"] if data and "locked_until" in data else timezone.now())
    return bool(device.verify_token(code))


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; returns them (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    StaticToken.objects.filter(device=device).delete()
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def confirm_enrolment(acting_user: User, code: str, *, ip_address: str | None = None) -> Enrolment:
    """Confirm the pending authenticator with a code it shows: it becomes the user's second factor
    (any earlier one is removed), ten recovery codes are made, audited `second_factor_enrolled`.
    400 `second_factor_code_wrong`, 429 `second_factor_throttled`, 409 `second_factor_not_pending`
    when no enrolment was started."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=acting_user, confirmed=False).order_by("pk").first()
        if device is None:
            raise DomainError(
                AccountError.SECOND_FACTOR_NOT_PENDING, _("Open the enrolment page again to get a new key."), status=409
            )
        ok = _check(device, code.strip().replace(" ", ""))
    if not ok:
        record(acting_user, AuditAction.SECOND_FACTOR_FAILED, ip_address=ip_address, detail={"step": "enrol"})
        raise _wrong_code()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=acting_user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(acting_user)
        record(acting_user, AuditAction.SECOND_FACTOR_ENROLLED, ip_address=ip_address)
    return Enrolment(device=device, recovery_codes=codes)


def verify(acting_user: User, code: str, *, ip_address: str | None = None) -> Device:
    """Check a code from the authenticator (6 digits) or a recovery code (used up): the device that
    matched, to be put in the session (`django_otp.login`); audited `second_factor_verified`, or
    `second_factor_failed` for a wrong code. 409 `second_factor_not_enrolled` without an
    authenticator; 400 `second_factor_code_wrong`; 429 `second_factor_throttled` while the
    device refuses codes after wrong ones (1 s, 2, 4, 8 … doubling)."""
    text = code.strip().replace(" ", "").replace("-", "").lower()
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=acting_user, confirmed=True).first()
        if totp is None:
            raise DomainError(
                AccountError.SECOND_FACTOR_NOT_ENROLLED,
                _("Set up an authenticator app first."),
                status=409,
            )
        device: Device = totp
        if not text.isdigit():
            device = (
                StaticDevice.objects.select_for_update().filter(user=acting_user, name=RECOVERY_NAME).first() or totp
            )
        ok = _check(device, text)
    if not ok:
        record(
            acting_user,
            AuditAction.SECOND_FACTOR_FAILED,
            ip_address=ip_address,
            detail={"step": "verify", "kind": "recovery" if isinstance(device, StaticDevice) else "authenticator"},
        )
        raise _wrong_code()
    detail = {"kind": "authenticator"}
    if isinstance(device, StaticDevice):
        detail = {"kind": "recovery", "recovery_codes_left": StaticToken.objects.filter(device=device).count()}
    record(acting_user, AuditAction.SECOND_FACTOR_VERIFIED, ip_address=ip_address, detail=detail)
    return device


def renew_recovery_codes(acting_user: User, *, ip_address: str | None = None) -> list[str]:
    """Ten new recovery codes replacing the old ones, for a user whose session has verified (403
    `second_factor_required` otherwise, whatever the policy); audited."""
    if not is_verified(acting_user) or not is_enrolled(acting_user):
        raise DomainError(
            AccountError.SECOND_FACTOR_REQUIRED,
            _("Confirm it is you with a code from your authenticator app first."),
            status=403,
        )
    with transaction.atomic():
        codes = _new_recovery_codes(acting_user)
        record(acting_user, AuditAction.RECOVERY_CODES_RENEWED, ip_address=ip_address)
    return codes


def reset_devices(acting_user: User | None, *, user: User, ip_address: str | None = None) -> int:
    """An administrator removes every second factor of `user` (a lost phone): the user enrols
    again at the next reveal or login; audited `second_factor_reset`. Same reach as a password
    reset: 404 `user_not_found`, 403 `account_out_of_reach`. Returns how many devices went."""
    _check_account(acting_user, user)
    with transaction.atomic():
        _total, apps = TOTPDevice.objects.filter(user=user).delete()
        _total, recovery = StaticDevice.objects.filter(user=user).delete()
        removed = apps.get(TOTPDevice._meta.label, 0) + recovery.get(StaticDevice._meta.label, 0)
        record(
            acting_user, AuditAction.SECOND_FACTOR_RESET, obj=user, ip_address=ip_address, detail={"devices": removed}
        )
    return removed
