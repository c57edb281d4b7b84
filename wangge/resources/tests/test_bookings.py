"""Booking a facility: who may, when it is open, no overlap, approval, cancellation up to the
limit, check-in and no-show by the owner, the reminder the day before; each change audited."""

import datetime as dt

import pytest
import time_machine

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.calendars.actions import set_day
from wangge.cases.models import Notification
from wangge.lib.errors import DomainError
from wangge.resources import actions
from wangge.resources.errors import ResourceError
from wangge.resources.models import BookableBy, Booking, BookingStatus
from wangge.resources.reminders import remind
from wangge.resources.tests.factories import MONDAY, at, booking, facility


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as raised:
        call(*args, **kwargs)
    return raised.value.code


@pytest.fixture
def ground(small, community_staff, school):
    return facility(community_staff, small.grids[0], owner_unit=school)


def test_a_resident_books_a_free_slot_and_it_is_approved_at_once_and_audited(ground, resident):
    made = booking(resident, ground)
    assert made.status == BookingStatus.APPROVED
    assert made.community_id == ground.community_id
    assert AuditEvent.objects.filter(action=AuditAction.BOOKING_MADE, object_id=str(made.pk)).count() == 1


def test_an_overlapping_slot_is_refused_and_an_adjacent_one_is_not(ground, resident, resident_b):
    booking(resident, ground, hour=9, hours=2)
    assert code_of(booking, resident_b, ground, hour=10) == ResourceError.BOOKING_CONFLICT
    assert booking(resident_b, ground, hour=11).status == BookingStatus.APPROVED
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_frees_its_slot(ground, resident, resident_b):
    actions.cancel(resident, booking(resident, ground))
    assert booking(resident_b, ground).status == BookingStatus.APPROVED


def test_a_slot_outside_the_opening_hours_or_in_the_past_is_refused(ground, resident):
    assert code_of(booking, resident, ground, hour=19, hours=2) == ResourceError.OUTSIDE_OPENING_HOURS
    assert code_of(booking, resident, ground, day=MONDAY - dt.timedelta(days=7)) == ResourceError.SLOT_INVALID
    assert code_of(actions.book, resident, ground, at(MONDAY, 10), at(MONDAY, 9)) == ResourceError.SLOT_INVALID


def test_a_facility_closed_on_holidays_takes_no_booking_on_a_holiday_and_one_open_on_holidays_does(
    small, ground, community_staff, resident
):
    set_day(None, district=small.district, date=MONDAY, is_workday=False, name="调休")
    assert code_of(booking, resident, ground) == ResourceError.OUTSIDE_OPENING_HOURS
    library = facility(community_staff, small.grids[0], name="图书室", closed_on_holidays=False)
    assert booking(resident, library).status == BookingStatus.APPROVED
    # The day after the holiday is open again.
    assert booking(resident, ground, day=MONDAY + dt.timedelta(days=1)).status == BookingStatus.APPROVED


def test_a_closure_closes_its_days(ground, school_account, resident):
    actions.add_closure(school_account, ground, MONDAY, MONDAY, "考试")
    assert code_of(booking, resident, ground) == ResourceError.OUTSIDE_OPENING_HOURS
    assert booking(resident, ground, day=MONDAY + dt.timedelta(days=1)).status == BookingStatus.APPROVED


def test_who_may_book_follows_the_facility(small, ground, community_staff, resident, social_org, worker_a):
    assert code_of(booking, social_org, ground, as_organisation=True) == ResourceError.NOT_BOOKABLE_BY_YOU
    assert code_of(booking, worker_a, ground) == ResourceError.NOT_BOOKABLE_BY_YOU
    hall = facility(community_staff, small.grids[0], name="活动室", bookable_by=BookableBy.ORGANISATIONS)
    assert code_of(booking, resident, hall) == ResourceError.NOT_BOOKABLE_BY_YOU
    assert booking(social_org, hall, as_organisation=True).as_organisation


def test_approval_by_the_owner_when_needed_tells_the_booker(
    small, community_staff, school, school_account, hospital_account, resident
):
    ground = facility(community_staff, small.grids[0], owner_unit=school, needs_approval=True)
    made = booking(resident, ground)
    assert made.status == BookingStatus.REQUESTED
    assert code_of(actions.decide, hospital_account, made, approve=True) == ResourceError.RESOURCE_FORBIDDEN
    assert code_of(actions.mark_attendance, school_account, made, checked_in=True) == ResourceError.BOOKING_STATE
    decided = actions.decide(school_account, made, approve=True)
    assert (decided.status, decided.decided_by) == (BookingStatus.APPROVED, school_account)
    assert Notification.objects.filter(user=resident).count() == 1
    assert code_of(actions.decide, school_account, made, approve=False) == ResourceError.BOOKING_STATE
    refused = actions.decide(community_staff, booking(resident, ground, hour=11), approve=False)
    assert refused.status == BookingStatus.REFUSED
    assert AuditEvent.objects.filter(action=AuditAction.BOOKING_DECIDED).count() == 2


def test_the_booker_cancels_up_to_the_limit_and_the_owner_until_the_start(ground, resident, resident_b, school_account):
    made = booking(resident, ground)
    assert code_of(actions.cancel, resident_b, made) == ResourceError.RESOURCE_FORBIDDEN
    with time_machine.travel(at(MONDAY, 7, 30), tick=False):
        assert code_of(actions.cancel, resident, made) == ResourceError.CANCEL_TOO_LATE
        assert actions.cancel(school_account, made).status == BookingStatus.CANCELLED
    assert Notification.objects.filter(user=resident).count() == 1  # told by the owner's cancellation
    with time_machine.travel(at(MONDAY, 6, 59), tick=False):
        assert actions.cancel(resident, booking(resident, ground, hour=10)).status == BookingStatus.CANCELLED
    assert AuditEvent.objects.filter(action=AuditAction.BOOKING_CANCELLED).count() == 2


def test_the_owner_checks_in_from_half_an_hour_before_and_marks_a_no_show_from_the_start(
    ground, resident, school_account, hospital_account
):
    first, second = booking(resident, ground, hour=9), booking(resident, ground, hour=10)
    assert (
        code_of(actions.mark_attendance, school_account, first, checked_in=True) == ResourceError.ATTENDANCE_TOO_EARLY
    )
    with time_machine.travel(at(MONDAY, 8, 30), tick=False):
        assert code_of(actions.mark_attendance, resident, first, checked_in=True) == ResourceError.RESOURCE_FORBIDDEN
        assert code_of(actions.mark_attendance, hospital_account, first, checked_in=True) == (
            ResourceError.RESOURCE_FORBIDDEN
        )
        assert actions.mark_attendance(school_account, first, checked_in=True).status == BookingStatus.CHECKED_IN
        assert code_of(actions.mark_attendance, school_account, second, checked_in=False) == (
            ResourceError.ATTENDANCE_TOO_EARLY
        )
    with time_machine.travel(at(MONDAY, 10, 5), tick=False):
        assert actions.mark_attendance(school_account, second, checked_in=False).status == BookingStatus.NO_SHOW
        assert code_of(actions.cancel, resident, second) == ResourceError.BOOKING_STATE
    assert AuditEvent.objects.filter(action=AuditAction.BOOKING_ATTENDANCE).count() == 2


def test_the_reminder_tells_the_booker_once_and_not_after_a_cancellation(ground, resident):
    kept, cancelled = booking(resident, ground, hour=9), booking(resident, ground, hour=10)
    actions.cancel(resident, cancelled)
    assert remind(kept.pk) is True
    assert remind(kept.pk) is False
    assert remind(cancelled.pk) is False
    assert list(Notification.objects.filter(user=resident).values_list("text", flat=True)) == [
        "提醒：您预约了学校运动场，时间 2026-11-02 09:00。"
    ]


def test_only_managers_create_facilities_and_closures(small, community_staff, staff_b, resident, school_account):
    assert code_of(facility, staff_b, small.grids[0]) == ResourceError.RESOURCE_FORBIDDEN
    assert code_of(facility, resident, small.grids[0]) == ResourceError.RESOURCE_FORBIDDEN
    assert code_of(facility, community_staff, small.district) == ResourceError.FACILITY_INVALID
    community_own = facility(community_staff, small.grids[0], name="社区活动室")
    assert code_of(actions.add_closure, school_account, community_own, MONDAY, MONDAY, "") == (
        ResourceError.RESOURCE_FORBIDDEN
    )
    assert code_of(actions.add_unit_account, staff_b, school_account.unit_accounts.get().unit, staff_b) == (
        ResourceError.RESOURCE_FORBIDDEN
    )
