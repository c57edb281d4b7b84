"""Rate limits of intake: residents filing through the API and the web form, anonymous intake
(the function Open311 calls); 429 `rate_limited` with `Retry-After`; staff never limited;
fixed windows that reset; one count shared by every connection (PostgreSQL, real threads)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.test import RequestFactory

from wangge.accounts.models import Role, User
from wangge.api import ratelimit
from wangge.api.models import RateCounter
from wangge.api.testing import assert_error, bearer_client, session_client
from wangge.cases.models import Case, Category
from wangge.cases.tests.factories import IN_GRID_0, file_via_api
from wangge.conftest import make_persona
from wangge.lib.env import env_rate

# 10:00 sharp in UTC: hourly windows (aligned to the epoch) start on the hour.
TEN = dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def limits(settings):
    settings.RATE_LIMITS = {"resident": (3, 3600), "anonymous": (2, 60)}


def test_the_n_plus_first_filing_of_a_resident_gets_429_with_retry_after(small, catalogue, limits, resident):
    client = bearer_client(resident)
    with time_machine.travel(TEN + dt.timedelta(minutes=20), tick=False):
        for _ in range(3):
            assert file_via_api(client).status_code == 201
        response = file_via_api(client)
    body = assert_error(response, 429, "rate_limited")
    assert response["Retry-After"] == "2400" and body["retry_after"] == 2400  # 40 minutes left in the window
    assert "40" in body["message"]  # minutes, in the caller's language (Simplified Chinese by default)
    assert Case.objects.count() == 3


def test_the_message_says_when_to_try_again(small, catalogue, settings, resident):
    settings.RATE_LIMITS = {"resident": (1, 60), "anonymous": None}
    client = bearer_client(resident, **{"Accept-Language": "en"})
    with time_machine.travel(TEN, tick=False):
        file_via_api(client)
        body = assert_error(file_via_api(client), 429, "rate_limited")
    assert body["message"] == "Too many requests. Please try again in 1 minute."


def test_the_window_resets(small, catalogue, limits, resident):
    client = bearer_client(resident)
    with time_machine.travel(TEN + dt.timedelta(minutes=59, seconds=30), tick=False):
        for _ in range(3):
            file_via_api(client)
        limited = file_via_api(client)
        assert_error(limited, 429, "rate_limited")
        assert limited["Retry-After"] == "30"
    with time_machine.travel(TEN + dt.timedelta(hours=1), tick=False):
        assert file_via_api(client).status_code == 201
    assert Case.objects.count() == 4


def test_staff_and_people_with_another_role_are_never_limited(small, catalogue, limits, worker_a, district_admin):
    both = make_persona("resident_and_volunteer", Role.RESIDENT, small.households[1])
    from wangge.accounts.actions import assign_role

    assign_role(None, user=both, role=Role.VOLUNTEER, area=small.grids[0])
    root = User.objects.create_superuser("root", password="x-very-secret-1")
    with time_machine.travel(TEN, tick=False):
        for user in (worker_a, district_admin, both, root):
            client = bearer_client(user)
            for _ in range(5):
                assert file_via_api(client).status_code == 201, user
    assert Case.objects.count() == 20
    assert not RateCounter.objects.exists()


def test_residents_are_counted_one_by_one(small, catalogue, limits, resident):
    neighbour = make_persona("neighbour", Role.RESIDENT, small.households[1])
    with time_machine.travel(TEN, tick=False):
        for _ in range(3):
            file_via_api(bearer_client(resident))
        assert_error(file_via_api(bearer_client(resident)), 429, "rate_limited")
        assert file_via_api(bearer_client(neighbour)).status_code == 201
        # Every credential of the resident shares the count.
        assert_error(file_via_api(session_client(resident)), 429, "rate_limited")


def test_a_refused_filing_does_not_count(small, catalogue, limits, resident):
    """The count is taken once the filing is allowed: a 403 or an unknown category costs nothing."""
    client = bearer_client(resident)
    with time_machine.travel(TEN, tick=False):
        for _ in range(5):
            assert_error(file_via_api(client, category="NOPE"), 400, "unknown_category")
        for _ in range(3):
            assert file_via_api(client).status_code == 201


def _form(category: Category) -> dict[str, str]:
    return {
        "category": str(category.pk),
        "answer_since": "today",
        "description": "小区门口路灯坏了",
        "lng": str(IN_GRID_0[0]),
        "lat": str(IN_GRID_0[1]),
        "confirm_new": "1",
    }


def test_the_web_form_limits_residents_too(small, catalogue, limits, resident, worker_a):
    client = session_client(resident)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = _form(catalogue["SZ01"])
    with time_machine.travel(TEN + dt.timedelta(minutes=50), tick=False):
        for _ in range(2):
            assert client.post("/cases/new/", data).status_code == 302
        assert file_via_api(bearer_client(resident)).status_code == 201  # the API counts in the same window
        page = client.post("/cases/new/", data)
        assert page.status_code == 429 and page["Retry-After"] == "600"
        text = page.content.decode()
        assert 'data-code="rate_limited"' in text
        assert "Please try again in 10 minutes." in text
        staff = session_client(worker_a)
        for _ in range(4):
            assert staff.post("/cases/new/", {**data, "channel": "patrol"}).status_code == 302
    assert Case.objects.filter(reporter=resident).count() == 3


def test_anonymous_intake_is_limited_per_address_and_key(db, limits):
    factory = RequestFactory()
    phone = factory.post("/open311/v2/requests.json", REMOTE_ADDR="203.0.113.7")
    other_phone = factory.post("/open311/v2/requests.json", REMOTE_ADDR="203.0.113.8")
    with time_machine.travel(TEN + dt.timedelta(seconds=15), tick=False):
        ratelimit.check_anonymous_intake(phone, api_key=1)
        ratelimit.check_anonymous_intake(phone, api_key=1)
        with pytest.raises(ratelimit.RateLimited) as error:
            ratelimit.check_anonymous_intake(phone, api_key=1)
        assert (error.value.code, error.value.status, error.value.retry_after) == ("rate_limited", 429, 45)
        ratelimit.check_anonymous_intake(other_phone, api_key=1)
        ratelimit.check_anonymous_intake(phone, api_key=2)
        ratelimit.check_anonymous_intake(phone)
    with time_machine.travel(TEN + dt.timedelta(minutes=1), tick=False):
        ratelimit.check_anonymous_intake(phone, api_key=1)
    # Client addresses are personal data: the table holds only a keyed hash of them.
    idents = list(RateCounter.objects.values_list("ident", flat=True))
    assert idents and not [i for i in idents if "203.0.113" in i or len(i) != 64]


def test_a_limit_can_be_switched_off(small, catalogue, settings, resident):
    settings.RATE_LIMITS = {"resident": None, "anonymous": None}
    client = bearer_client(resident)
    for _ in range(12):
        assert file_via_api(client).status_code == 201
    ratelimit.check_anonymous_intake(RequestFactory().post("/"))
    assert not RateCounter.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10/h", (10, 3600)), ("30/m", (30, 60)), ("5/s", (5, 1)), ("100/d", (100, 86400)), (" OFF ", None)],
)
def test_rates_are_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("WANGGE_RATE_TEST", value)
    assert env_rate("WANGGE_RATE_TEST", "1/h") == expected


@pytest.mark.parametrize("value", ["10", "10/x", "0/h", "-1/h", "ten/h", "10/hour"])
def test_a_malformed_rate_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("WANGGE_RATE_TEST", value)
    with pytest.raises(ImproperlyConfigured, match="WANGGE_RATE_TEST"):
        env_rate("WANGGE_RATE_TEST", "1/h")


def test_the_default_limits(monkeypatch):
    monkeypatch.delenv("WANGGE_RATE_TEST", raising=False)
    assert env_rate("WANGGE_RATE_TEST", "10/h") == (10, 3600)
    from django.conf import settings

    assert set(settings.RATE_LIMITS) == {"resident", "anonymous"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent connections are tested on PostgreSQL")
def test_the_count_is_shared_and_exact_across_connections():
    """Eight connections (as eight worker processes would have) hitting one counter at once:
    every hit gets its own count, none is lost."""
    barrier = threading.Barrier(8)
    counts: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(10):
                count, _remaining = ratelimit.hit("resident", "user:1", 3600)
                with lock:
                    counts.append(count)
        finally:
            connections.close_all()

    with time_machine.travel(TEN, tick=False):
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(counts) == list(range(1, 81))
    assert RateCounter.objects.get().count == 80
