"""The edge (`wangge.web.edge`): every request's text is checked once, before any view. A control
character (NUL among them, which PostgreSQL cannot store) refuses the request with 400
`invalid_characters` in the format of the part of the site asked; bidirectional controls are
removed from every value; a body over the size limit is 413. Both databases run these: each
NUL below was a PostgreSQL `DataError` (a 500) before."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from wangge.api.testing import assert_error, bearer_client, session_client
from wangge.cases.models import Case, Category
from wangge.cases.tests.factories import IN_GRID_0
from wangge.conftest import PASSWORD
from wangge.open311.models import Open311Request
from wangge.open311.tests.conftest import BASE, error, post_form

RLO, PDF, LRI, PDI, RLM = "\u202e", "\u202c", "\u2066", "\u2069", "\u200f"


def rest_filing(description: str) -> dict:
    return {
        "category": "HJ01",
        "description": description,
        "lng": IN_GRID_0[0],
        "lat": IN_GRID_0[1],
    }


def web_filing(description: str) -> dict:
    return {
        "category": str(Category.objects.get(code="HJ01").pk),
        "description": description,
        "lng": str(IN_GRID_0[0]),
        "lat": str(IN_GRID_0[1]),
        "channel": "patrol",
    }


def open311_filing(key: str, **fields: str) -> dict:
    return {"api_key": key, "service_code": "HJ01", "lat": IN_GRID_0[1], "long": IN_GRID_0[0], **fields}


def nothing_written() -> bool:
    return not Case.objects.exists() and not Open311Request.objects.exists()


# --- NUL and other control characters -----------------------------------------------------------


def test_a_nul_in_a_rest_filing_is_refused_as_invalid_characters(small, catalogue, worker_a):
    response = bearer_client(worker_a).post(
        "/api/v1/cases", rest_filing("路灯\x00不亮"), content_type="application/json"
    )
    assert_error(response, 400, "invalid_characters")
    assert nothing_written()


def test_a_nul_in_a_rest_query_parameter_is_refused_as_invalid_characters(small, catalogue, worker_a):
    path = f"/api/v1/cases/nearby?lng={IN_GRID_0[0]}&lat={IN_GRID_0[1]}&category=%00"
    assert_error(bearer_client(worker_a).get(path), 400, "invalid_characters")


@pytest.mark.parametrize("field", ["description", "service_code", "first_name", "attribute[x]"])
def test_a_nul_in_any_field_of_an_open311_filing_is_refused(small, catalogue, key, field):
    data = open311_filing(key, **{field: "HJ\x0001"})
    error(post_form("requests.json", data), "json", 400, "invalid_characters")
    error(post_form("requests.xml", data), "xml", 400, "invalid_characters")
    assert nothing_written()


@pytest.mark.parametrize(
    "path",
    [
        "requests.json?service_request_id=QH%00",
        "tokens/a%00b.json",
        "services.json?jurisdiction_id=Q%00H",
        "requests/QH%01.json",
        "services.json?jurisdiction_id=Q%7FH",
        "services.json?jurisdiction_id=Q%C2%85H",  # U+0085, a C1 control
    ],
)
def test_a_control_character_in_an_open311_path_or_query_is_refused(small, catalogue, path):
    error(Client().get(f"{BASE}/{path}"), "json", 400, "invalid_characters")


def test_an_open311_refusal_at_the_edge_comes_in_xml_when_xml_was_asked(small, catalogue):
    error(Client().get(f"{BASE}/services.xml?jurisdiction_id=Q%00H"), "xml", 400, "invalid_characters")


def test_a_nul_in_the_web_search_is_refused_on_a_page(small, community_staff):
    response = session_client(community_staff).post("/people/", {"q": "张\x00三"})
    assert response.status_code == 400
    assert 'data-code="invalid_characters"' in response.content.decode()


def test_a_nul_in_the_web_filing_form_is_refused_with_nothing_written(small, catalogue, worker_a):
    response = session_client(worker_a).post("/cases/new/", web_filing("路灯\x00不亮"))
    assert response.status_code == 400
    assert 'data-code="invalid_characters"' in response.content.decode()
    assert nothing_written()


def test_tab_line_feed_and_carriage_return_are_ordinary_text(small, catalogue, worker_a):
    response = bearer_client(worker_a).post(
        "/api/v1/cases", rest_filing("第一行\r\n第二行\t完"), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get().description == "第一行\r\n第二行\t完"


# --- bidirectional controls -----------------------------------------------------------------------


def test_bidi_controls_are_removed_from_a_rest_filing(small, catalogue, worker_a):
    body = {**rest_filing(f"{RLO}gpj.exe{PDF} 路灯{RLM}不亮"), "reporter_name": f"{LRI}王先生{PDI}"}
    response = bearer_client(worker_a).post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.description, case.reporter_name) == ("gpj.exe 路灯不亮", "王先生")


def test_bidi_controls_are_removed_from_an_open311_filing(small, catalogue, key):
    data = open311_filing(key, description=f"井盖{RLO}丢失", first_name=f"三{RLO}", last_name="张")
    response = post_form("requests.json", data)
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert (case.description, case.reporter_name) == ("井盖丢失", "张三")


def test_bidi_controls_are_removed_from_the_web_filing_form(small, catalogue, worker_a):
    response = session_client(worker_a).post("/cases/new/", web_filing(f"路灯{RLO}不亮"))
    assert response.status_code == 302, response.content.decode()[:500]
    assert Case.objects.get().description == "路灯不亮"


def test_bidi_controls_are_removed_from_query_parameters(small, catalogue, worker_a):
    """`category=H{RLO}J01` is read as `HJ01`: the filter finds the category."""
    query = urlencode({"lng": IN_GRID_0[0], "lat": IN_GRID_0[1], "category": f"HJ{RLO}01"})
    response = bearer_client(worker_a).get(f"/api/v1/cases/nearby?{query}")
    assert response.status_code == 200, response.content


def test_a_password_keeps_its_characters(small, worker_a):
    """Passwords are compared, never shown: the edge leaves them exactly as typed."""
    worker_a.set_password(f"{PASSWORD}{RLM}")
    worker_a.save()
    client = Client()
    response = client.post("/login/", {"username": "worker_a", "password": f"{PASSWORD}{RLM}"})
    assert response.status_code == 302, response.content.decode()[:300]


# --- size ---------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_in_the_rest_apis_format(small, catalogue, worker_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(rest_filing("长" * 10_000))
    response = bearer_client(worker_a).post("/api/v1/cases", body, content_type="application/json")
    assert_error(response, 413, "request_too_large")
    assert nothing_written()


def test_a_form_over_the_limit_is_413_on_a_page(small, catalogue, worker_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = session_client(worker_a).post("/cases/new/", web_filing("长" * 10_000))
    assert response.status_code == 413
    assert 'data-code="request_too_large"' in response.content.decode()
    assert nothing_written()


# --- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/coverage/?area=%C2%B2", 404), ("/cases/?category=%C2%B2", 200), ("/cases/map.geojson?category=%C2%B2", 200)],
)
def test_a_number_in_other_digits_is_no_number_on_a_page(small, catalogue, district_admin, path, status):
    """`"²".isdigit()` is true, `int("²")` a ValueError (it was a 500): ids are written in 0–9."""
    assert session_client(district_admin).get(path).status_code == status


def test_a_number_in_other_digits_is_no_category_on_the_board(small, catalogue):
    assert Client().get(f"/board/?district={small.district.code}&category=%C2%B2").status_code == 200
