"""GET /api/v1/workdays/add: the issue's example, bad input, the fallback warning, scope."""

from wangge.api.testing import assert_error, bearer_client
from wangge.calendars import actions


def test_one_working_day_after_friday_13_february_2026_is_the_make_up_saturday(worker_a):
    response = bearer_client(worker_a).get("/api/v1/workdays/add", {"start": "2026-02-13", "days": "1"})
    assert response.status_code == 200
    assert response.json() == {
        "start": "2026-02-13",
        "days": 1,
        "result": "2026-02-14",
        "assumed_years": [],
        "warning": "",
    }


def test_a_year_without_data_falls_back_with_a_warning(worker_a):
    body = bearer_client(worker_a).get("/api/v1/workdays/add", {"start": "2027-01-01", "days": "1"}).json()
    assert body["result"] == "2027-01-04"
    assert body["assumed_years"] == [2027]
    assert "2027" in body["warning"]


def test_each_district_uses_its_own_calendar(small, worker_a):
    import datetime as dt

    actions.set_day(None, district=small.district, date=dt.date(2026, 11, 30), is_workday=False, name="区庆")
    body = bearer_client(worker_a).get("/api/v1/workdays/add", {"start": "2026-11-27", "days": "1"}).json()
    assert body["result"] == "2026-12-01"


def test_bad_input_gets_a_stable_code(worker_a):
    client = bearer_client(worker_a)
    assert_error(client.get("/api/v1/workdays/add", {"start": "2026-02-30", "days": "1"}), 422, "invalid_input")
    assert_error(client.get("/api/v1/workdays/add", {"start": "2026-02-13", "days": "9999"}), 422, "invalid_input")
    assert_error(client.get("/api/v1/workdays/add", {"start": "2026-02-13"}), 422, "invalid_input")


def test_anonymous_callers_are_refused(client, db):
    assert_error(client.get("/api/v1/workdays/add", {"start": "2026-02-13", "days": "1"}), 401, "unauthenticated")
