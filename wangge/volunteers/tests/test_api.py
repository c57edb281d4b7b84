"""The REST endpoints of volunteers, with personas of two communities: an activity, volunteer or
logged hours of another community answers 404; lists stay flat in queries."""

import datetime as dt

import pytest
import time_machine

from wangge.api.testing import bearer_client
from wangge.lib.testing import assert_flat, count_queries
from wangge.volunteers import actions
from wangge.volunteers.models import SignUp
from wangge.volunteers.tests.factories import DAY, activity, at

API = "/api/v1"


_clients: dict[int, object] = {}


@pytest.fixture(autouse=True)
def fresh_clients():
    _clients.clear()


def _as(user):
    if user.pk not in _clients:
        _clients[user.pk] = bearer_client(user)
    return _clients[user.pk]


def post(client, user, path, data=None):
    return _as(user).post(API + path, data or {}, content_type="application/json")


def get(client, user, path, **params):
    return _as(user).get(API + path, params)


def test_staff_create_an_activity_of_their_station_and_another_communitys_station_is_not_found(
    client, station_a, station_b, community_staff
):
    body = {
        "station": station_a.pk,
        "title": "健康义诊",
        "starts_at": "2026-11-08T09:00:00+08:00",
        "ends_at": "2026-11-08T11:00:00+08:00",
        "capacity": 5,
    }
    answer = post(client, community_staff, "/activities", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["capacity"] == 5 and answer.json()["confirmed"] == 0
    assert post(client, community_staff, "/activities", {**body, "station": station_b.pk}).status_code == 404


def test_a_volunteer_cannot_create_an_activity(client, station_a, zhang):
    body = {
        "station": station_a.pk,
        "title": "健康义诊",
        "starts_at": "2026-11-08T09:00:00+08:00",
        "ends_at": "2026-11-08T11:00:00+08:00",
        "capacity": 5,
    }
    answer = post(client, zhang[1], "/activities", body)
    assert answer.status_code == 403 and answer.json()["code"] == "volunteer_forbidden"


def test_the_activities_list_is_the_users_communitys_and_narrows_by_area(
    client, small, visit, station_b, staff_b, worker_a, worker_b
):
    other = activity(staff_b, station_b, title="河道清理")
    ids = lambda user, **p: [a["id"] for a in get(client, user, "/activities", **p).json()["items"]]  # noqa: E731
    assert ids(worker_a) == [visit.pk]
    assert ids(worker_b) == [other.pk]
    assert ids(worker_b, area=small.communities[0].pk) == []


def test_sign_up_then_wait_then_check_in_and_out_through_the_api(client, visit, community_staff, zhang, li, wang):
    assert post(client, zhang[1], f"/activities/{visit.pk}/signups").json()["status"] == "confirmed"
    assert post(client, li[1], f"/activities/{visit.pk}/signups").status_code == 201
    third = post(client, wang[1], f"/activities/{visit.pk}/signups")
    assert third.status_code == 201 and third.json()["status"] == "waiting"
    again = post(client, zhang[1], f"/activities/{visit.pk}/signups")
    assert again.status_code == 409 and again.json()["code"] == "already_signed_up"
    with time_machine.travel(at(DAY, 9), tick=False):
        answer = post(client, community_staff, f"/activities/{visit.pk}/checkin", {"volunteer": zhang[0].pk})
        assert answer.status_code == 200 and answer.json()["checked_in_at"]
    with time_machine.travel(at(DAY, 10, 10), tick=False):
        answer = post(client, community_staff, f"/activities/{visit.pk}/checkout", {"volunteer": zhang[0].pk})
    assert answer.json()["hours"] == "1.25"
    hours = get(client, zhang[1], f"/volunteers/{zhang[0].pk}/hours", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert hours.json() == {"volunteer": zhang[0].pk, "hours": "1.25", "stars": 0}


def test_another_communitys_activity_and_volunteer_are_not_found(client, visit, zhang, zhao, staff_b):
    assert post(client, zhao[1], f"/activities/{visit.pk}/signups").status_code == 201  # same district: open
    assert post(client, staff_b, f"/activities/{visit.pk}/checkin", {"volunteer": zhang[0].pk}).status_code == 404
    assert get(client, staff_b, f"/volunteers/{zhang[0].pk}/hours").status_code == 404
    assert get(client, zhao[1], f"/volunteers/{zhang[0].pk}/hours").status_code == 404


def test_a_period_with_one_end_is_refused(client, zhang):
    answer = get(client, zhang[1], f"/volunteers/{zhang[0].pk}/hours", **{"from": "2026-11-01"})
    assert answer.status_code == 400 and answer.json()["code"] == "hours_period_invalid"


def test_self_logged_hours_are_approved_by_the_stations_staff_and_count(client, zhang, community_staff, staff_b):
    answer = post(client, zhang[1], "/volunteers/hours", {"day": "2026-11-06", "hours": "1.5", "what": "助老"})
    assert answer.status_code == 201 and answer.json()["status"] == "pending"
    log = answer.json()["id"]
    assert post(client, staff_b, f"/volunteers/hours/{log}/approve").status_code == 404
    assert post(client, zhang[1], f"/volunteers/hours/{log}/approve").status_code == 403
    assert post(client, community_staff, f"/volunteers/hours/{log}/approve").json()["status"] == "approved"
    assert post(client, community_staff, f"/volunteers/hours/{log}/approve").status_code == 409
    assert get(client, zhang[1], f"/volunteers/{zhang[0].pk}/hours").json()["hours"] == "1.50"


def test_a_resident_cannot_log_hours(client, resident):
    answer = post(client, resident, "/volunteers/hours", {"day": "2026-11-06", "hours": "1", "what": "助老"})
    assert answer.status_code == 403 and answer.json()["code"] == "not_a_volunteer"


def test_the_lists_stay_flat_as_activities_and_logs_grow(client, community_staff, station_a, zhang, li):
    def add(n):
        for i in range(n):
            a = activity(community_staff, station_a, title=f"活动{i}", hour=12 + i % 8, hours=1)
            actions.sign_up(zhang[1], a)
            actions.sign_up(li[1], a)
            actions.log_hours(zhang[1], day=DAY - dt.timedelta(days=i), hours=1, what="助老")

    add(1)
    get(client, community_staff, "/activities")  # the token and the user remembered (per process)
    with count_queries() as few:
        get(client, community_staff, "/activities")
        get(client, community_staff, "/volunteers/hours")
    add(5)
    with count_queries() as many:
        get(client, community_staff, "/activities")
        get(client, community_staff, "/volunteers/hours")
    assert_flat(few, many)
    assert SignUp.objects.count() == 12


@pytest.mark.parametrize("persona", ["worker_b", "resident"])
def test_personas_outside_see_no_logged_hours(client, zhang, persona, request):
    actions.log_hours(zhang[1], day=DAY, hours=1, what="助老")
    assert get(client, request.getfixturevalue(persona), "/volunteers/hours").json()["items"] == []
