"""Authentication of every REST endpoint: bearer tokens, sessions, 401 `unauthenticated`."""

import datetime as dt
import time

import pytest
from django.test import Client
from django.utils import timezone

from wangge.accounts.actions import assign_role, create_api_token, issue_api_token, revoke_api_token
from wangge.accounts.models import ApiToken, Role
from wangge.api import auth
from wangge.api.testing import assert_error, bearer_client, session_client
from wangge.lib.testing import count_queries

# Every endpoint, as a function of the small district (ids differ between runs).
ENDPOINTS = {
    "areas": lambda d: "/api/v1/areas",
    "area": lambda d: f"/api/v1/areas/{d.grids[0].pk}",
    "locate": lambda d: "/api/v1/areas/locate?lng=117.005&lat=36.605",
    "units": lambda d: "/api/v1/orgs/units",
    "unit": lambda d: f"/api/v1/orgs/units/{d.unit.pk}",
    "coverage": lambda d: "/api/v1/coverage",
}


@pytest.fixture
def district(small):
    from wangge.orgs.tests.factories import lay_units

    small.unit = next(u for u in lay_units(small) if u.area_id == small.grids[0].pk)
    return small


def test_every_endpoint_of_areas_orgs_and_coverage_is_tested(db):
    from wangge.api.api import api

    prefixes = ("/api/v1/areas", "/api/v1/orgs", "/api/v1/coverage")
    paths = {p for p in api.get_openapi_schema()["paths"] if p.startswith(prefixes)}
    assert len(paths) == len(ENDPOINTS)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_without_credentials_answers_401(district, name):
    assert_error(Client().get(ENDPOINTS[name](district)), 401, "unauthenticated")


@pytest.mark.parametrize(
    "path", ["/api/v1/cases", "/api/v1/cases/1/urge", "/api/v1/notifications/read", "/api/v1/tokens"]
)
def test_a_post_without_credentials_answers_401_not_a_csrf_failure(district, path):
    """Without a session there is no CSRF token to ask for: the caller is simply not
    authenticated (it was 403 `csrf_failed`, which sent clients looking for a cookie)."""
    client = Client(enforce_csrf_checks=True)
    assert_error(client.post(path, {}, content_type="application/json"), 401, "unauthenticated")


def test_a_post_with_a_wrong_token_and_no_session_answers_401(district):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": "Bearer wg_not-a-token"})
    assert_error(client.post("/api/v1/cases", {}, content_type="application/json"), 401, "unauthenticated")


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_bearer_token_works(district, worker_a, name):
    response = bearer_client(worker_a).get(ENDPOINTS[name](district))
    assert response.status_code == 200, response.content


def test_a_token_records_its_last_use_to_the_minute(district, worker_a, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC), tick=False)
    issued = issue_api_token(None, user=worker_a, name="phone")
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})
    path = ENDPOINTS["areas"](district)

    def last_used() -> dt.datetime | None:
        return ApiToken.objects.get(pk=issued.token.pk).last_used_at

    assert last_used() is None
    assert client.get(path).status_code == 200
    assert last_used() == dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, 0, 59, tzinfo=dt.UTC), tick=False)
    with count_queries() as queries:
        assert client.get(path).status_code == 200
    assert last_used() == dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    assert not any(sql.startswith("UPDATE") for sql in queries)
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, 1, tzinfo=dt.UTC), tick=False)
    assert client.get(path).status_code == 200
    assert last_used() == dt.datetime(2026, 11, 27, 9, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_session_works(district, worker_a, name):
    assert session_client(worker_a).get(ENDPOINTS[name](district)).status_code == 200


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_revoked_token_answers_401(district, worker_a, name):
    client = bearer_client(worker_a)
    ApiToken.objects.filter(user=worker_a).update(revoked_at=timezone.now())
    assert_error(client.get(ENDPOINTS[name](district)), 401, "unauthenticated")


def test_a_token_revoked_in_this_process_is_refused_at_once(district, worker_a):
    client = bearer_client(worker_a)
    assert client.get("/api/v1/areas").status_code == 200  # the token is now remembered
    revoke_api_token(None, token=ApiToken.objects.get(user=worker_a))
    assert_error(client.get("/api/v1/areas"), 401, "unauthenticated")


def test_a_token_revoked_by_another_process_is_refused_once_the_memory_expires(district, worker_a, monkeypatch):
    """Another server process revokes without this process hearing of it (an UPDATE sends no
    signal here): the token works until this process's memory of it expires, then never again."""
    monkeypatch.setattr(auth._tokens, "ttl", 0.2)
    client = bearer_client(worker_a)
    assert client.get("/api/v1/areas").status_code == 200
    ApiToken.objects.filter(user=worker_a).update(revoked_at=timezone.now())
    assert client.get("/api/v1/areas").status_code == 200  # remembered for at most `ttl` seconds
    time.sleep(0.25)
    assert_error(client.get("/api/v1/areas"), 401, "unauthenticated")


def test_a_new_role_is_seen_at_once_by_a_remembered_token(district, worker_a):
    client = bearer_client(worker_a)
    grid = district.grids[2]
    assert client.get(f"/api/v1/areas/{grid.pk}").status_code == 404
    assign_role(None, user=worker_a, role=Role.GRID_WORKER, area=grid)
    assert client.get(f"/api/v1/areas/{grid.pk}").status_code == 200


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_wrong_token_answers_401(district, name):
    client = Client(headers={"Authorization": "Bearer wg_not-a-token"})
    assert_error(client.get(ENDPOINTS[name](district)), 401, "unauthenticated")


def test_the_token_of_a_deactivated_user_answers_401(district, worker_a):
    client = bearer_client(worker_a)
    worker_a.is_active = False
    worker_a.save(update_fields=["is_active"])
    assert_error(client.get("/api/v1/areas"), 401, "unauthenticated")


def test_the_token_acts_as_its_own_user_only(district, worker_a, worker_b):
    token = create_api_token(None, user=worker_b)
    client = session_client(worker_a)
    # The bearer token is checked first: the request acts as worker_b, whatever the session says.
    response = client.get("/api/v1/areas?level=grid", headers={"Authorization": f"Bearer {token}"})
    assert [a["id"] for a in response.json()["items"]] == [district.grids[2].pk]


def test_errors_are_translated(district):
    response = Client().get("/api/v1/areas", headers={"Accept-Language": "en"})
    body = assert_error(response, 401, "unauthenticated")
    assert "bearer token" in body["message"]
