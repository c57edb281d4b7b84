"""The REST API of shared resources, with personas of two communities: the catalogue, a
facility, its availability, booking and the steps of a booking, utilisation; scope answers 404,
lists take the same queries however many rows."""

import datetime as dt

import pytest
import time_machine

from wangge.api.testing import assert_error, bearer_client
from wangge.calendars.actions import set_day
from wangge.lib.testing import assert_flat, count_queries
from wangge.resources import actions
from wangge.resources.models import Booking, BookingStatus
from wangge.resources.tests.factories import MONDAY, at, booking, facility


@pytest.fixture
def ground(small, community_staff, school):
    """The school's sports ground in community 1."""
    return facility(community_staff, small.grids[0], owner_unit=school)


@pytest.fixture
def clinic(small, staff_b, hospital):
    """The hospital's clinic in community 2; it needs the owner's approval."""
    return facility(staff_b, small.grids[2], name="医院门诊", owner_unit=hospital, needs_approval=True)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["items"])


def test_the_catalogue_is_the_districts_for_residents_and_the_communitys_for_staff(
    small, ground, clinic, resident, community_staff, staff_b, worker_b, school_account, no_role_user
):
    assert ids(bearer_client(resident).get("/api/v1/facilities")) == sorted([ground.pk, clinic.pk])
    assert ids(bearer_client(community_staff).get("/api/v1/facilities")) == [ground.pk]
    assert ids(bearer_client(staff_b).get("/api/v1/facilities")) == [clinic.pk]
    assert ids(bearer_client(worker_b).get("/api/v1/facilities")) == [clinic.pk]
    assert ids(bearer_client(school_account).get("/api/v1/facilities")) == [ground.pk]
    assert ids(bearer_client(no_role_user).get("/api/v1/facilities")) == []
    client = bearer_client(resident)
    assert ids(client.get(f"/api/v1/facilities?area={small.communities[1].pk}")) == [clinic.pk]
    assert ids(client.get("/api/v1/facilities?kind=library")) == []
    read = client.get(f"/api/v1/facilities/{ground.pk}").json()
    assert (read["owner_unit"]["name"], read["community"]["id"], len(read["hours"])) == (
        "第一中学",
        small.communities[0].pk,
        7,
    )
    assert_error(bearer_client(staff_b).get(f"/api/v1/facilities/{ground.pk}"), 404, "not_found")
    assert_error(
        bearer_client(worker_b).get(f"/api/v1/facilities/{ground.pk}/availability?date=2026-11-02"), 404, "not_found"
    )


def test_listing_facilities_takes_the_same_queries_however_many(small, community_staff, resident):
    client, runs = bearer_client(resident), []
    client.get("/api/v1/facilities")  # the token and the user's roles, remembered from the first request
    for n in range(3):
        facility(community_staff, small.grids[0], name=f"场地{n}")
        with count_queries() as queries:
            assert len(client.get("/api/v1/facilities").json()["items"]) == n + 1
        runs.append(queries)
    assert_flat(*runs)


def test_availability_shows_open_periods_and_held_slots_and_a_holiday_closed(small, ground, resident, resident_b):
    set_day(None, district=small.district, date=MONDAY + dt.timedelta(days=1), is_workday=False, name="假日")
    booking(resident, ground, hour=9, hours=2)
    booking(resident_b, ground, hour=14)
    days = (
        bearer_client(resident)
        .get(f"/api/v1/facilities/{ground.pk}/availability?date=2026-11-02&days=2")
        .json()["days"]
    )
    assert [d["date"] for d in days] == ["2026-11-02", "2026-11-03"]
    assert [(s["starts_at"][11:16], s["ends_at"][11:16]) for s in days[0]["open"]] == [("08:00", "20:00")]
    assert [(h["starts_at"][11:16], h["mine"]) for h in days[0]["held"]] == [("09:00", True), ("14:00", False)]
    assert days[1]["open"] == [] and days[1]["held"] == []


def test_booking_through_the_api_answers_201_then_409_for_an_overlap(small, ground, resident, resident_b, worker_a):
    body = {"starts_at": at(MONDAY, 9).isoformat(), "ends_at": at(MONDAY, 10).isoformat(), "purpose": "羽毛球"}
    made = bearer_client(resident).post(
        f"/api/v1/facilities/{ground.pk}/bookings", body, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert (made.json()["status"], made.json()["facility"]["name"]) == ("approved", "学校运动场")
    overlap = {**body, "starts_at": at(MONDAY, 9, 30).isoformat(), "ends_at": at(MONDAY, 11).isoformat()}
    path = f"/api/v1/facilities/{ground.pk}/bookings"
    assert_error(
        bearer_client(resident_b).post(path, overlap, content_type="application/json"), 409, "booking_conflict"
    )
    assert_error(bearer_client(worker_a).post(path, body, content_type="application/json"), 403, "not_bookable_by_you")
    late = {**body, "starts_at": at(MONDAY, 19).isoformat(), "ends_at": at(MONDAY, 21).isoformat()}
    assert_error(
        bearer_client(resident).post(path, late, content_type="application/json"), 400, "outside_opening_hours"
    )
    assert Booking.objects.count() == 1


def test_the_steps_of_a_booking_through_the_api_in_scope(
    small, clinic, resident, resident_b, hospital_account, school_account, staff_b, community_staff
):
    made = booking(resident, clinic)
    path = f"/api/v1/bookings/{made.pk}"
    assert_error(bearer_client(resident_b).post(f"{path}/cancel"), 404, "not_found")
    assert_error(bearer_client(school_account).post(f"{path}/approve"), 404, "not_found")
    assert_error(bearer_client(community_staff).post(f"{path}/approve"), 404, "not_found")
    assert_error(bearer_client(resident).post(f"{path}/approve"), 403, "resource_forbidden")
    assert bearer_client(hospital_account).post(f"{path}/approve").json()["status"] == "approved"
    assert_error(bearer_client(staff_b).post(f"{path}/refuse"), 409, "booking_state")
    assert_error(bearer_client(staff_b).post(f"{path}/checkin"), 409, "attendance_too_early")
    with time_machine.travel(at(MONDAY, 9, 5), tick=False):
        assert_error(bearer_client(resident).post(f"{path}/cancel"), 409, "cancel_too_late")
        assert bearer_client(staff_b).post(f"{path}/checkin").json()["status"] == "checked_in"
    other = booking(resident, clinic, hour=11)
    assert bearer_client(hospital_account).post(f"/api/v1/bookings/{other.pk}/refuse").json()["status"] == "refused"
    third = booking(resident, clinic, hour=13)
    actions.decide(staff_b, third, approve=True)
    with time_machine.travel(at(MONDAY, 13, 5), tick=False):
        assert (
            bearer_client(hospital_account).post(f"/api/v1/bookings/{third.pk}/no-show").json()["status"] == "no_show"
        )
    fourth = booking(resident, clinic, hour=15)
    assert bearer_client(resident).post(f"/api/v1/bookings/{fourth.pk}/cancel").json()["status"] == "cancelled"
    assert ids(bearer_client(resident_b).get("/api/v1/bookings")) == []
    assert len(ids(bearer_client(resident).get("/api/v1/bookings"))) == 4
    assert len(ids(bearer_client(hospital_account).get("/api/v1/bookings"))) == 4
    assert ids(bearer_client(community_staff).get("/api/v1/bookings")) == []


def test_listing_bookings_takes_the_same_queries_however_many(ground, resident):
    client, runs = bearer_client(resident), []
    client.get("/api/v1/bookings")  # the token and the user's roles, remembered from the first request
    for hour in (9, 11, 13):
        booking(resident, ground, hour=hour)
        with count_queries() as queries:
            client.get("/api/v1/bookings")
        runs.append(queries)
    assert_flat(*runs)


def test_utilisation_through_the_api_for_an_area_in_scope(
    small, ground, clinic, resident, community_staff, staff_b, school_account
):
    made = booking(resident, ground, hour=9, hours=3)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        actions.mark_attendance(school_account, made, checked_in=True)
    query = "from=2026-11-02&to=2026-11-08"
    figure = bearer_client(community_staff).get(
        f"/api/v1/facilities/utilisation?area={small.communities[0].pk}&{query}"
    )
    assert figure.status_code == 200, figure.content
    assert {k: figure.json()[k] for k in ("open_hours", "booked_hours", "used_hours", "facilities")} == {
        "open_hours": 84.0,
        "booked_hours": 3.0,
        "used_hours": 3.0,
        "facilities": 1,
    }
    assert figure.json()["rate"] == pytest.approx(3 / 84)
    mine = bearer_client(school_account).get(f"/api/v1/facilities/utilisation?{query}").json()
    assert (mine["used_hours"], mine["facilities"]) == (3.0, 1)
    other = f"/api/v1/facilities/utilisation?area={small.communities[1].pk}&{query}"
    assert_error(bearer_client(community_staff).get(other), 404, "not_found")
    assert_error(bearer_client(resident).get(other), 404, "not_found")
    assert bearer_client(staff_b).get(other).json()["used_hours"] == 0
    backwards = f"/api/v1/facilities/utilisation?area={small.district.pk}&from=2026-11-08&to=2026-11-02"
    assert_error(bearer_client(staff_b).get(backwards), 400, "utilisation_period_invalid")
    assert Booking.objects.get().status == BookingStatus.CHECKED_IN
