"""Utilisation equals the records (open hours less a holiday and a closure; booked and used
hours), sums per owner, community and district, stays flat in queries; and the households a
used booking served."""

import datetime as dt

import pytest
import time_machine

from wangge.assistance.benefited import benefited, services
from wangge.calendars.actions import set_day
from wangge.lib.testing import assert_flat, count_queries
from wangge.people.models import Person
from wangge.people.tests.factories import resident as registry_person
from wangge.resources import actions
from wangge.resources.figures import facilities_in, households_served, utilisation, utilisation_by_facility
from wangge.resources.models import Facility
from wangge.resources.tests.factories import MONDAY, booking, facility

WEEK = (MONDAY, MONDAY + dt.timedelta(days=6))


@pytest.fixture
def ground(small, community_staff, school):
    return facility(community_staff, small.grids[0], owner_unit=school)


def use(owner, made, checked_in: bool = True):
    with time_machine.travel(made.starts_at, tick=False):
        return actions.mark_attendance(owner, made, checked_in=checked_in)


def test_utilisation_equals_the_records(small, ground, resident, resident_b, school_account):
    # Open 12 h a day for 7 days, less Wednesday (a holiday) and Thursday (closed): 60 h.
    set_day(None, district=small.district, date=MONDAY + dt.timedelta(days=2), is_workday=False, name="假日")
    actions.add_closure(school_account, ground, MONDAY + dt.timedelta(days=3), MONDAY + dt.timedelta(days=3), "检修")
    use(school_account, booking(resident, ground, hour=9, hours=2))  # used: 2 h
    use(school_account, booking(resident_b, ground, hour=11), checked_in=False)  # booked, not used: 1 h
    booking(resident, ground, hour=14)  # approved, not yet marked: 1 h booked
    actions.cancel(resident, booking(resident, ground, hour=16))  # not counted
    booking(resident, ground, day=MONDAY + dt.timedelta(days=7))  # after the period
    figure = utilisation(Facility.objects.filter(pk=ground.pk), *WEEK)
    assert (figure.open_hours, figure.booked_hours, figure.used_hours) == (60, 4, 2)
    assert figure.rate == pytest.approx(2 / 60)
    assert figure.booked_rate == pytest.approx(4 / 60)


def test_owner_community_and_district_figures_are_sums_of_their_facilities(
    small, ground, community_staff, staff_b, hospital, school, resident, school_account, hospital_account
):
    clinic = facility(staff_b, small.grids[2], name="医院门诊", owner_unit=hospital)
    use(school_account, booking(resident, ground, hour=9, hours=3))
    use(hospital_account, booking(resident, clinic, hour=9, hours=1))
    by_facility = utilisation_by_facility(Facility.objects.all(), *WEEK)
    assert {pk: u.used_hours for pk, u in by_facility.items()} == {ground.pk: 3, clinic.pk: 1}
    assert utilisation(Facility.objects.filter(owner_unit=school), *WEEK).used_hours == 3
    assert utilisation(facilities_in(small.communities[1]), *WEEK).used_hours == 1
    district = utilisation(facilities_in(small.district), *WEEK)
    assert (district.open_hours, district.used_hours) == (2 * 84, 4)
    assert utilisation(facilities_in(small.households[0]), *WEEK).open_hours == 0


def test_utilisation_takes_the_same_queries_however_many_facilities_and_bookings(
    small, community_staff, school_account, resident
):
    runs = []
    for round_ in range(3):
        place = facility(community_staff, small.grids[round_ % 2], name=f"场地{round_}")
        for hour in (9, 11, 13):
            use(community_staff, booking(resident, place, hour=hour))
        with count_queries() as queries:
            utilisation(facilities_in(small.district), *WEEK)
        runs.append(queries)
    assert_flat(*runs, at_most=8)


def test_households_served_are_those_of_residents_whose_own_booking_was_used(
    small, ground, resident, resident_b, social_org, community_staff, school_account
):
    Person.objects.filter(pk=registry_person(small, 0).pk).update(user=resident)
    Person.objects.filter(pk=registry_person(small, 12, name="李四").pk).update(user=resident_b)
    hall = facility(community_staff, small.grids[0], name="活动室", bookable_by="both")
    use(school_account, booking(resident, ground, hour=9))
    use(school_account, booking(resident_b, ground, hour=11), checked_in=False)  # no-show: not served
    use(community_staff, booking(social_org, hall, hour=9, as_organisation=True))
    served = households_served(small.district, *WEEK)
    assert list(served.values_list("household_id", flat=True)) == [small.households[0].pk]
    assert list(households_served(small.communities[1], *WEEK)) == []
    assert households_served(small.households[0], *WEEK).count() == 1
    use(school_account, booking(resident_b, ground, hour=13))
    assert list(households_served(small.grids[2], *WEEK).values_list("household_id", flat=True)) == [
        small.households[12].pk
    ]
    assert list(households_served(small.district, MONDAY + dt.timedelta(days=1), WEEK[1])) == []


def test_a_used_booking_counts_among_the_residents_benefited(small, ground, resident, school_account):
    Person.objects.filter(pk=registry_person(small, 0).pk).update(user=resident)
    before = benefited(small.district, *WEEK)
    assert "facility_booking" in [s.key for s in services()]
    use(school_account, booking(resident, ground, hour=9))
    after = benefited(small.district, *WEEK)
    assert after.benefited == before.benefited + 1 and after.households == before.households
