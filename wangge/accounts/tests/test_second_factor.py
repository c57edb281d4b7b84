"""Two-factor login through its actions: enrolling an authenticator app, verifying codes (right,
wrong, replayed, throttled after repeated wrong ones), recovery codes used once, the step-up
rule of each policy, and an administrator's reset — audited, within the administrator's reach
(personas of two grids)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from wangge.accounts import second_factor
from wangge.accounts.models import AuditAction, AuditEvent, User
from wangge.lib.errors import DomainError


def code_of(device: TOTPDevice) -> str:
    """The code the authenticator app shows now (django-otp's own TOTP)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 1) % 1_000_000:06d}"


def enrol(user: User) -> second_factor.Enrolment:
    device = second_factor.pending_authenticator(user)
    return second_factor.confirm_enrolment(user, code_of(device), ip_address="10.0.0.5")


def next_step():
    """Thirty seconds on: the app shows a new code (a code is accepted once)."""
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_enrolment_keeps_one_key_until_confirmed_then_makes_ten_recovery_codes(worker_a):
    first = second_factor.pending_authenticator(worker_a)
    assert second_factor.pending_authenticator(worker_a).pk == first.pk  # a reload shows the same QR code
    assert not second_factor.is_enrolled(worker_a)
    enrolment = second_factor.confirm_enrolment(worker_a, code_of(first), ip_address="10.0.0.5")
    assert enrolment.device.pk == first.pk and second_factor.is_enrolled(worker_a)
    assert len(enrolment.recovery_codes) == 10 and len(set(enrolment.recovery_codes)) == 10
    assert StaticToken.objects.filter(device__user=worker_a).count() == 10
    (event,) = events(AuditAction.SECOND_FACTOR_ENROLLED)
    assert (event.actor, event.ip_address) == (worker_a, "10.0.0.5")
    assert first.key not in repr(event.detail) and not any(c in repr(event.detail) for c in enrolment.recovery_codes)


def test_a_wrong_code_does_not_confirm_the_enrolment_and_is_audited(worker_a):
    device = second_factor.pending_authenticator(worker_a)
    with pytest.raises(DomainError) as error:
        second_factor.confirm_enrolment(worker_a, wrong_code(device))
    assert (error.value.code, error.value.status) == ("second_factor_code_wrong", 400)
    assert not second_factor.is_enrolled(worker_a) and not StaticDevice.objects.exists()
    assert [e.detail for e in events(AuditAction.SECOND_FACTOR_FAILED)] == [{"step": "enrol"}]


def test_confirming_without_a_started_enrolment_is_refused(worker_a):
    with pytest.raises(DomainError) as error:
        second_factor.confirm_enrolment(worker_a, "123456")
    assert (error.value.code, error.value.status) == ("second_factor_not_pending", 409)


def test_a_new_phone_replaces_the_old_authenticator(worker_a):
    old = enrol(worker_a).device
    new = second_factor.pending_authenticator(worker_a)
    assert new.pk != old.pk
    with next_step():
        second_factor.confirm_enrolment(worker_a, code_of(new))
    assert list(TOTPDevice.objects.filter(user=worker_a).values_list("pk", flat=True)) == [new.pk]


def test_verify_accepts_the_current_code_once_and_refuses_a_wrong_one(worker_a):
    device = enrol(worker_a).device
    with next_step():
        code = code_of(device)
        assert second_factor.verify(worker_a, code, ip_address="10.0.0.6").pk == device.pk
        with pytest.raises(DomainError) as replayed:
            second_factor.verify(worker_a, code)  # the same code again: refused (no replay)
        assert replayed.value.code == "second_factor_code_wrong"
    (verified,) = events(AuditAction.SECOND_FACTOR_VERIFIED)
    assert (verified.actor, verified.ip_address, verified.detail) == (worker_a, "10.0.0.6", {"kind": "authenticator"})
    assert [e.detail for e in events(AuditAction.SECOND_FACTOR_FAILED)] == [{"step": "verify", "kind": "authenticator"}]


def test_repeated_wrong_codes_lock_the_device_for_a_doubling_time(worker_a):
    device = enrol(worker_a).device
    start = timezone.now() + dt.timedelta(seconds=60)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            with pytest.raises(DomainError) as error:
                second_factor.verify(worker_a, wrong_code(device))
            assert error.value.code == "second_factor_code_wrong"
            traveller.shift(dt.timedelta(seconds=20))  # past each wait up to the fifth
        traveller.shift(dt.timedelta(seconds=-20))
        # Five wrong codes: every code, the right one too, is refused for 16 s.
        with pytest.raises(DomainError) as locked:
            second_factor.verify(worker_a, code_of(device))
        assert (locked.value.code, locked.value.status) == ("second_factor_throttled", 429)
        assert "16" in locked.value.message
        traveller.shift(dt.timedelta(seconds=16))
        assert second_factor.verify(worker_a, code_of(device)).pk == device.pk
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # a right code ends the lock
    assert len(events(AuditAction.SECOND_FACTOR_FAILED)) == 5


def test_a_recovery_code_works_once(worker_a):
    codes = enrol(worker_a).recovery_codes
    typed = f"{codes[0][:5]}-{codes[0][5:].upper()}"  # as printed, in capitals
    device = second_factor.verify(worker_a, typed)
    assert isinstance(device, StaticDevice)
    assert events(AuditAction.SECOND_FACTOR_VERIFIED)[-1].detail == {"kind": "recovery", "recovery_codes_left": 9}
    with pytest.raises(DomainError) as error:
        second_factor.verify(worker_a, codes[0])
    assert error.value.code == "second_factor_code_wrong"


def test_verify_without_an_authenticator_says_to_set_one_up(worker_a):
    with pytest.raises(DomainError) as error:
        second_factor.verify(worker_a, "123456")
    assert (error.value.code, error.value.status) == ("second_factor_not_enrolled", 409)


@pytest.mark.parametrize(("policy", "refused"), [("off", False), ("reveal", True), ("login", True)])
def test_step_up_is_asked_by_each_policy_except_off(settings, worker_a, policy, refused):
    settings.REQUIRE_2FA = policy
    if refused:
        with pytest.raises(DomainError) as error:
            second_factor.require_verified(worker_a)
        assert (error.value.code, error.value.status) == ("second_factor_required", 403)
    else:
        second_factor.require_verified(worker_a)
    worker_a.otp_device = enrol(worker_a).device  # what django-otp's middleware puts on a verified session's user
    second_factor.require_verified(worker_a)


def test_the_login_rule_applies_to_personal_data_roles_only(settings, worker_a, supervisor):
    settings.REQUIRE_2FA = "login"
    assert second_factor.required_at_login(worker_a) and not second_factor.required_at_login(supervisor)
    settings.REQUIRE_2FA = "reveal"
    assert not second_factor.required_at_login(worker_a)


def test_new_recovery_codes_need_a_verified_session_and_replace_the_old(worker_a):
    old = enrol(worker_a)
    with pytest.raises(DomainError) as error:
        second_factor.renew_recovery_codes(worker_a)
    assert error.value.code == "second_factor_required"
    worker_a.otp_device = old.device
    new = second_factor.renew_recovery_codes(worker_a, ip_address="10.0.0.7")
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new) and not set(new) & set(
        old.recovery_codes
    )
    assert events(AuditAction.RECOVERY_CODES_RENEWED)[0].ip_address == "10.0.0.7"


def test_an_administrator_resets_the_devices_of_a_user_in_reach_audited(district_admin, worker_a):
    enrol(worker_a)
    assert second_factor.reset_devices(district_admin, user=worker_a, ip_address="10.0.0.8") == 2
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists() and not StaticToken.objects.exists()
    (event,) = events(AuditAction.SECOND_FACTOR_RESET)
    assert (event.actor, event.object_id, event.ip_address) == (district_admin, str(worker_a.pk), "10.0.0.8")


def test_a_grid_worker_cannot_reset_another_grids_worker(worker_a, worker_b):
    enrol(worker_b)
    with pytest.raises(DomainError) as error:
        second_factor.reset_devices(worker_a, user=worker_b)
    assert error.value.status == 404
    assert second_factor.is_enrolled(worker_b) and not events(AuditAction.SECOND_FACTOR_RESET)
