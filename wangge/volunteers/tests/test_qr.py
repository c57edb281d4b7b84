"""The activity's QR code: a signed, expiring token; scanning it checks a signed-up volunteer in,
then out. An expired, forged or other activity's token is refused."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import signing

from wangge.lib.errors import DomainError
from wangge.volunteers import actions, qr
from wangge.volunteers.tests.factories import DAY, activity, at


def test_scanning_checks_a_signed_up_volunteer_in_then_out(visit, zhang):
    volunteer, user = zhang
    actions.sign_up(user, visit)
    with time_machine.travel(at(DAY, 9), tick=False):
        signup = actions.scan(user, visit, qr.make_token(visit.pk))
        assert signup.checked_in_at is not None and signup.checked_out_at is None
    with time_machine.travel(at(DAY, 10, 1), tick=False):
        signup = actions.scan(user, visit, qr.make_token(visit.pk))
    assert signup.hours == Decimal("1.00")


def test_an_expired_token_is_refused(visit, zhang):
    actions.sign_up(zhang[1], visit)
    with time_machine.travel(at(DAY, 9), tick=False):
        token = qr.make_token(visit.pk)
    later = at(DAY, 9) + qr.QR_MAX_AGE + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False), pytest.raises(DomainError) as error:
        actions.scan(zhang[1], visit, token)
    assert error.value.code == "qr_invalid"


def test_a_forged_token_or_another_activitys_is_refused(visit, zhang, community_staff, station_a):
    actions.sign_up(zhang[1], visit)
    other = activity(community_staff, station_a, title="垃圾分类宣传")
    forged = signing.dumps({"a": visit.pk}, key="not-the-secret-key", salt=qr.SALT)
    with time_machine.travel(at(DAY, 9), tick=False):
        for token in (forged, qr.make_token(other.pk), qr.make_token(visit.pk) + "x", "garbage"):
            with pytest.raises(DomainError) as error:
                actions.scan(zhang[1], visit, token)
            assert error.value.code == "qr_invalid"


def test_a_volunteer_without_a_place_cannot_scan_in(visit, zhang, li, wang):
    actions.sign_up(zhang[1], visit)
    actions.sign_up(li[1], visit)
    actions.sign_up(wang[1], visit)  # waiting
    with time_machine.travel(at(DAY, 9), tick=False), pytest.raises(DomainError) as error:
        actions.scan(wang[1], visit, qr.make_token(visit.pk))
    assert error.value.code == "signup_state"
