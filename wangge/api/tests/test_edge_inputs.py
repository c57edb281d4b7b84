"""Inputs at the edges of what the databases can hold — ids past 64 bits, offsets past any list,
dates at the ends of the calendar, NaN and infinite coordinates, malformed bodies — answer a
documented 4xx in the error format, never a server error. Each of these once answered 500 (found
by schemathesis or while fixing what it found); both databases run them."""

import pytest

from wangge.api.testing import bearer_client

HUGE = "99999999999999999999999"

GETS = {
    "/api/v1/workdays/add?start=9999-12-30&days=10": 422,
    "/api/v1/workdays/add?start=0001-01-02&days=-10": 422,
    "/api/v1/areas/locate?lng=nan&lat=nan": 400,
    "/api/v1/areas/locate?lng=inf&lat=1": 400,
    "/api/v1/cases/nearby?lng=nan&lat=36.6&category=SZ01": 400,
    "/api/v1/cases/nearby?lng=1e308&lat=1e308&category=SZ01": 400,
    "/api/v1/cases?created_after=9999-12-31T23:59:59": 422,
    "/api/v1/cases?created_after=0001-01-01T00:00:00": 422,
    "/api/v1/cases?created_before=9999-12-31T23:59:59-14:00": 422,
    f"/api/v1/cases?category={HUGE}": 422,
    f"/api/v1/cases?grid={HUGE}": 422,
    f"/api/v1/cases?unit={HUGE}": 422,
    f"/api/v1/cases?offset={HUGE}": 422,
    f"/api/v1/orgs/units?area={HUGE}": 200,
    f"/api/v1/coverage?area={HUGE}": 404,
    f"/api/v1/coverage?offset={HUGE}": 422,
    f"/api/v1/areas?parent={HUGE}": 422,
    f"/api/v1/tokens?user={HUGE}": 404,
    f"/api/v1/cases/{HUGE}": 404,
    f"/api/v1/areas/{HUGE}": 404,
    "/api/v1/areas/-1": 404,
    "/api/v1/areas/null,null": 404,
    "/api/v1/no-such-thing": 404,
}

POSTS = [
    ("/api/v1/cases", {"category": int(HUGE), "description": "x", "lng": 117.005, "lat": 36.605}, 400),
    ("/api/v1/cases", {"category": "SZ01", "description": "x", "building": int(HUGE)}, 400),
    ("/api/v1/cases", {"category": "SZ01", "description": "x", "lng": 1e308, "lat": 1e308}, 400),
    ("/api/v1/notifications/read", {"ids": [1, int(HUGE)]}, 422),
    (f"/api/v1/tokens/{HUGE}/revoke", {}, 404),
    ("/api/v1/cases/-1/accept", {"version": 1}, 404),
]


@pytest.fixture
def client(small, catalogue, district_admin):
    return bearer_client(district_admin)


@pytest.mark.parametrize(("path", "status"), GETS.items())
def test_get_at_the_edges(client, path, status):
    response = client.get(path)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    if status != 200:
        assert response.json()["code"] in {"invalid_input", "coordinates_out_of_range", "not_found"}


@pytest.mark.parametrize(("path", "body", "status"), POSTS)
def test_post_at_the_edges(client, path, body, status):
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == status, response.content[:300]
    assert response.json()["code"]


def test_a_malformed_body_is_invalid_input(client):
    for content_type in ("application/json", "multipart/form-data"):
        response = client.post("/api/v1/notifications/read", b"\xd4\xbd\x06\xff", content_type=content_type)
        assert response.status_code == 422, (content_type, response.content[:300])
        assert response.json()["code"] == "invalid_input"


def test_invalid_input_names_the_field_once_without_pydantic_internals(client):
    response = client.post("/api/v1/cases", {"category": [1], "description": "x"}, content_type="application/json")
    assert response.json()["fields"] == ["payload.category"]
