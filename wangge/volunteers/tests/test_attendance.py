"""Sign-ups with a waiting list, check-in and check-out by the organiser, the hours credited, the
hours of a period, and the star levels."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.errors import DomainError
from wangge.volunteers import actions, figures, stars
from wangge.volunteers.models import HoursLog, HoursStatus, SignUp, SignUpStatus
from wangge.volunteers.tests.factories import DAY, activity, at


def test_sign_ups_beyond_the_capacity_wait_and_a_cancellation_promotes_the_first_waiter(visit, zhang, li, wang):
    first = actions.sign_up(zhang[1], visit)
    second = actions.sign_up(li[1], visit)
    third = actions.sign_up(wang[1], visit)
    assert [first.status, second.status, third.status] == ["confirmed", "confirmed", "waiting"]
    actions.cancel_signup(zhang[1], first)
    assert SignUp.objects.get(pk=first.pk).status == SignUpStatus.CANCELLED
    assert SignUp.objects.get(pk=third.pk).status == SignUpStatus.CONFIRMED
    promoted = (
        AuditEvent.objects.filter(action=AuditAction.ACTIVITY_SIGNUP, object_id=str(third.pk)).order_by("pk").last()
    )
    assert promoted.detail == {"status": "confirmed", "promoted": True}


def test_a_waiter_cancelling_promotes_nobody(visit, zhang, li, wang):
    actions.sign_up(zhang[1], visit)
    actions.sign_up(li[1], visit)
    waiting = actions.sign_up(wang[1], visit)
    actions.cancel_signup(wang[1], waiting)
    assert SignUp.objects.filter(activity=visit, status=SignUpStatus.CONFIRMED).count() == 2


def test_the_first_waiter_is_the_one_who_signed_up_first(community_staff, station_a, zhang, li, wang):
    one_place = activity(community_staff, station_a, capacity=1)
    held = actions.sign_up(zhang[1], one_place)
    early = actions.sign_up(wang[1], one_place)
    with time_machine.travel(at(DAY, 7, 59) + dt.timedelta(minutes=2), tick=False):
        late = actions.sign_up(li[1], one_place)
    actions.cancel_signup(zhang[1], held)
    assert SignUp.objects.get(pk=early.pk).status == SignUpStatus.CONFIRMED
    assert SignUp.objects.get(pk=late.pk).status == SignUpStatus.WAITING


def test_a_second_sign_up_of_the_same_volunteer_is_refused(visit, zhang):
    actions.sign_up(zhang[1], visit)
    with pytest.raises(DomainError) as error:
        actions.sign_up(zhang[1], visit)
    assert error.value.code == "already_signed_up"


def test_someone_not_registered_as_a_volunteer_cannot_sign_up(visit, resident):
    with pytest.raises(DomainError) as error:
        actions.sign_up(resident, visit)
    assert error.value.code == "not_a_volunteer"


def test_hours_are_credited_from_check_in_to_check_out_to_the_nearest_quarter_hour(visit, community_staff, zhang):
    volunteer, user = zhang
    actions.sign_up(user, visit)
    with time_machine.travel(at(DAY, 8, 50), tick=False):
        actions.check_in(community_staff, visit, volunteer)
    with time_machine.travel(at(DAY, 10, 22), tick=False):  # 1 h 32 min → 1.5 h
        signup = actions.check_out(community_staff, visit, volunteer)
    assert signup.hours == Decimal("1.50")
    assert figures.hours(volunteer.pk, DAY, DAY) == Decimal("1.50")


def test_credited_hours_are_capped_at_the_activitys_length(visit, community_staff, zhang):
    volunteer, user = zhang
    actions.sign_up(user, visit)
    with time_machine.travel(at(DAY, 8, 31), tick=False):
        actions.check_in(community_staff, visit, volunteer)
    with time_machine.travel(at(DAY, 13), tick=False):
        signup = actions.check_out(community_staff, visit, volunteer)
    assert signup.hours == Decimal("2.00")


@pytest.mark.parametrize(
    ("minutes", "hours"), [(7, "0.00"), (8, "0.25"), (22, "0.25"), (23, "0.50"), (60, "1.00"), (67, "1.00")]
)
def test_the_quarter_hour_rounding(visit, minutes, hours):
    start = at(DAY, 9)
    assert figures.credited_hours(visit, start, start + dt.timedelta(minutes=minutes)) == Decimal(hours)


def test_check_in_opens_half_an_hour_before_the_start_and_needs_a_place(visit, community_staff, zhang, li, wang):
    actions.sign_up(zhang[1], visit)
    actions.sign_up(li[1], visit)
    actions.sign_up(wang[1], visit)  # waiting
    with pytest.raises(DomainError) as early:
        actions.check_in(community_staff, visit, zhang[0])  # 8:00, opens 8:30
    with time_machine.travel(at(DAY, 8, 30), tick=False):
        with pytest.raises(DomainError) as waiting:
            actions.check_in(community_staff, visit, wang[0])
        with pytest.raises(DomainError) as not_in:
            actions.check_out(community_staff, visit, zhang[0])
    assert (early.value.code, waiting.value.code, not_in.value.code) == ("signup_state",) * 3


def test_only_the_organiser_or_the_stations_staff_check_in(visit, zhang, li, staff_b):
    actions.sign_up(zhang[1], visit)
    with time_machine.travel(at(DAY, 9), tick=False):
        for someone in (li[1], staff_b):
            with pytest.raises(DomainError) as error:
                actions.check_in(someone, visit, zhang[0])
            assert error.value.code == "volunteer_forbidden"


def test_the_hours_of_a_period_add_approved_self_logged_hours_to_credited_activity_hours(visit, community_staff, zhang):
    volunteer, user = zhang
    actions.sign_up(user, visit)
    with time_machine.travel(at(DAY, 9), tick=False):
        actions.check_in(community_staff, visit, volunteer)
    with time_machine.travel(at(DAY, 11), tick=False):
        actions.check_out(community_staff, visit, volunteer)
    approved = actions.log_hours(user, day=DAY - dt.timedelta(days=3), hours="3.5", what="陪老人看病")
    actions.decide_hours(community_staff, approved, approve=True)
    rejected = actions.log_hours(user, day=DAY - dt.timedelta(days=2), hours=4, what="打扫楼道")
    actions.decide_hours(community_staff, rejected, approve=False)
    actions.log_hours(user, day=DAY - dt.timedelta(days=1), hours=1, what="发传单")  # pending
    assert figures.hours(volunteer.pk, DAY - dt.timedelta(days=7), DAY) == Decimal("5.50")
    assert figures.hours(volunteer.pk, DAY - dt.timedelta(days=7), DAY - dt.timedelta(days=1)) == Decimal("3.50")
    assert figures.hours(volunteer.pk, DAY, DAY) == Decimal("2.00")
    assert [s.hours for s in figures.services(volunteer.pk, DAY - dt.timedelta(days=7), DAY)] == [
        Decimal("3.50"),
        Decimal("2.00"),
    ]


def test_self_logged_hours_are_approved_once_by_the_stations_staff_only(zhang, staff_b, community_staff):
    log = actions.log_hours(zhang[1], day=DAY, hours="0.75", what="调解邻里纠纷")
    with pytest.raises(DomainError) as other:
        actions.decide_hours(staff_b, log, approve=True)
    with pytest.raises(DomainError) as own:
        actions.decide_hours(zhang[1], log, approve=True)
    actions.decide_hours(community_staff, log, approve=True)
    with pytest.raises(DomainError) as twice:
        actions.decide_hours(community_staff, log, approve=False)
    assert (other.value.code, own.value.code, twice.value.code) == (
        "volunteer_forbidden",
        "volunteer_forbidden",
        "hours_state",
    )
    assert HoursLog.objects.get(pk=log.pk).status == HoursStatus.APPROVED


@pytest.mark.parametrize(
    ("day", "hours", "what"),
    [(DAY + dt.timedelta(days=1), 1, "x"), (DAY, "0.3", "x"), (DAY, 25, "x"), (DAY, 1, " "), (DAY, "abc", "x")],
)
def test_self_logged_hours_out_of_range_are_refused(zhang, day, hours, what):
    with pytest.raises(DomainError) as error:
        actions.log_hours(zhang[1], day=day, hours=hours, what=what)
    assert error.value.code == "hours_invalid"


@pytest.mark.parametrize(
    ("hours", "level"), [(0, 0), (99.75, 0), (100, 1), (299, 1), (300, 2), (600, 3), (999, 3), (1000, 4), (1500, 5)]
)
def test_star_levels_follow_the_national_thresholds(hours, level):
    assert stars.stars_for(Decimal(str(hours))) == level
