"""Inputs at the edges of what the databases can hold — ids past 64 bits, offsets past any list,
dates at the ends of the calendar, NaN and infinite coordinates, malformed bodies — answer a
documented 4xx in the error format, never a server error. Each of these once answered 500 (found
by schemathesis or while fixing what it found); both databases run them."""

import pytest

from wangge.api.testing import assert_error, bearer_client
from wangge.cases.models import Case

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
    "/api/v1/cases?created_after=2026-11-27T09:30:00%2B21:37": 422,  # PostgreSQL: past ±15:59, a 500
    "/api/v1/cases?created_after=2026-11-27T09:30:00-15:00": 422,
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
    # `"²".isdigit()` is true, `int("²")` a ValueError (a 500): digits are 0–9 only.
    "/api/v1/cases/nearby?lng=117.005&lat=36.605&category=%C2%B2": 400,
    "/api/v1/no-such-thing": 404,
}

POSTS = [
    ("/api/v1/cases", {"category": int(HUGE), "description": "x", "lng": 117.005, "lat": 36.605}, 400),
    ("/api/v1/cases", {"category": "SZ01", "description": "x", "building": int(HUGE)}, 400),
    ("/api/v1/cases", {"category": "SZ01", "description": "x", "lng": 1e308, "lat": 1e308}, 400),
    ("/api/v1/notifications/read", {"ids": [1, int(HUGE)]}, 422),
    (f"/api/v1/tokens/{HUGE}/revoke", {}, 404),
    ("/api/v1/cases/-1/accept", {"version": 1}, 404),
    ("/api/v1/cases", {"category": "²", "description": "x", "lng": 117.005, "lat": 36.605}, 400),
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
        assert response.json()["code"] in {"invalid_input", "coordinates_out_of_range", "not_found", "unknown_category"}


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


def filing(**extra) -> dict:
    return {"category": "SZ01", "description": "路灯不亮", "lng": 117.005, "lat": 36.605, **extra}


def raw_filing(description: str = '"路灯不亮"', answers: str = '{"since": "today"}') -> str:
    """A filing's JSON with the description and the answers written as raw JSON text."""
    return f'{{"category": "SZ01", "description": {description}, "lng": 117.005, "lat": 36.605, "answers": {answers}}}'


def test_a_lone_surrogate_in_a_json_body_is_invalid_characters(client):
    """`"\\ud800x"` is valid JSON but no text: half a UTF-16 pair (it was a UnicodeEncodeError, a 500)."""
    response = client.post("/api/v1/cases", raw_filing(description='"\\ud800x"'), content_type="application/json")
    assert_error(response, 400, "invalid_characters")
    assert not Case.objects.exists()


def test_a_surrogate_pair_is_ordinary_text(client):
    body = raw_filing(description='"\\ud83d\\udca1 不亮"')
    response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Case.objects.get().description == "\U0001f4a1 不亮"


@pytest.mark.parametrize("number", ["9" * 4000, '"' + "9" * 4000 + '"', '"1e999"', '"nan"'])
def test_a_number_answer_past_any_float_is_answer_invalid(client, number):
    """A 4,000-digit integer was an OverflowError (a 500); as text it became infinity, which
    PostgreSQL's JSON cannot store."""
    body = raw_filing(answers=f'{{"since": "today", "lamp_count": {number}}}')
    assert_error(client.post("/api/v1/cases", body, content_type="application/json"), 400, "answer_invalid")
    assert not Case.objects.exists()


@pytest.mark.parametrize("body", ["null", "[]", "3", '"note"'])
def test_a_body_that_is_not_an_object_is_invalid_input(small, catalogue, worker_a, district_admin, body):
    """`POST /cases/{id}/urge` takes only optional fields; `null` was read as "none given"."""
    filed = bearer_client(worker_a).post("/api/v1/cases", raw_filing(), content_type="application/json")
    path = f"/api/v1/cases/{filed.json()['id']}/urge"
    response = bearer_client(district_admin).post(path, body, content_type="application/json")
    assert assert_error(response, 422, "invalid_input")["fields"] == ["body"]
    assert not Case.objects.get().events.filter(kind="urged").exists()


def test_a_json_body_nested_deeper_than_any_of_ours_is_invalid_input(client):
    """The edge reads every string of a JSON body (`wangge.web.edge`); 32 levels are far more than
    any body of the API holds."""
    answers = '{"since": ' + "[" * 40 + "]" * 40 + "}"
    response = client.post("/api/v1/cases", raw_filing(answers=answers), content_type="application/json")
    assert assert_error(response, 422, "invalid_input")["fields"] == ["body"]
