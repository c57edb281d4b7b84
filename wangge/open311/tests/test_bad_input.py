"""Whatever arrives, the answer is the specification's error (never a 5xx) and nothing is
written: malformed bodies, wrong content types, invalid UTF-8, huge bodies, too many fields,
wrong methods and formats, unknown paths; and no CSRF token is needed for POST."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from wangge.cases.models import Case
from wangge.cases.tests.factories import IN_GRID_0
from wangge.open311.models import Open311Request
from wangge.open311.tests.conftest import BASE, answer, call, error, post_form


def nothing_written():
    return not Case.objects.exists() and not Open311Request.objects.exists()


def form(key, **extra):
    return {"api_key": key, "service_code": "HJ01", "lat": IN_GRID_0[1], "long": IN_GRID_0[0], **extra}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/xml", "application/octet-stream"]
)
def test_a_body_that_is_not_a_form_is_refused(small, catalogue, key, fmt, content_type):
    body = json.dumps(form(key))
    response = Client().post(f"{BASE}/requests.{fmt}", body, content_type=content_type)
    error(response, fmt, 400, "unsupported_content_type")
    assert nothing_written()


def test_a_post_without_a_content_type_is_refused(small, catalogue, key):
    response = Client().generic("POST", f"{BASE}/requests.json", urlencode(form(key)).encode(), content_type="")
    error(response, "json", 400, "unsupported_content_type")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=" + "x" * 300],
)
def test_a_malformed_multipart_body_is_refused(small, catalogue, key, fmt, content_type):
    body = b'--XYZ\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nabc\r\n--XYZ--\r\n'
    response = Client().post(f"{BASE}/requests.{fmt}", body, content_type=content_type)
    error(response, fmt, 400, "malformed_body")
    assert nothing_written()


@pytest.mark.parametrize(
    "body",
    [
        b"service_code=HJ01&lat=36.605&long=117.005&description=\xff\xfe",  # raw bytes
        b"service_code=HJ01&lat=36.605&long=117.005&description=%FF%FE",  # percent-encoded
        b"service_code=HJ01&lat=36.605&long=117.005&descr\xe4ption=x",  # in a name
    ],
)
def test_invalid_utf8_in_a_form_is_refused(small, catalogue, key, body):
    body = f"api_key={key}&".encode() + body
    error(post_form("requests.json", body), "json", 400, "invalid_utf8")
    assert nothing_written()


def test_a_declared_charset_does_not_change_the_rule(small, catalogue, key):
    body = f"api_key={key}&service_code=HJ01&lat=36.605&long=117.005&description=".encode() + "路灯".encode("gbk")
    content_type = "application/x-www-form-urlencoded; charset=gbk"
    response = Client().generic("POST", f"{BASE}/requests.json", body, content_type=content_type)
    error(response, "json", 400, "invalid_utf8")
    assert nothing_written()


def test_invalid_utf8_in_a_multipart_field_is_refused(small, catalogue, key):
    parts = [
        f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in [
            ("api_key", key.encode()),
            ("service_code", b"HJ01"),
            ("lat", b"36.605"),
            ("long", b"117.005"),
            ("description", b"\xff\xfe\xfd"),
        ]
    ]
    body = b"".join(parts) + b"--B--\r\n"
    response = Client().post(f"{BASE}/requests.json", body, content_type="multipart/form-data; boundary=B")
    error(response, "json", 400, "invalid_utf8")
    assert nothing_written()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_invalid_utf8_in_a_query_string_is_refused(small, catalogue, fmt):
    error(call("get", f"requests.{fmt}?service_code=%FF"), fmt, 400, "invalid_utf8")
    error(call("get", f"services.{fmt}?jurisdiction_id=%C3%28"), fmt, 400, "invalid_utf8")


def test_utf8_chinese_arrives_intact(small, catalogue, key):
    answer(post_form("requests.json", form(key, description="路灯不亮了，已经三天")), "json")
    assert Case.objects.get().description == "路灯不亮了，已经三天"


def test_a_huge_form_is_413_not_a_server_error(small, catalogue, key):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default) becomes a 413 in the specification's form."""
    response = post_form("requests.json", form(key, description="长" * 1_000_000))
    error(response, "json", 413, "request_too_large")
    assert nothing_written()


def test_a_huge_multipart_text_field_is_413(small, catalogue, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = call("post", "requests.xml", form(key, description="x" * 20_000))
    error(response, "xml", 413, "request_too_large")
    assert nothing_written()


def test_too_many_fields_are_400(small, catalogue, key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    data = [*form(key).items(), *((f"attribute[a{i}]", "x") for i in range(30))]
    error(post_form("requests.json", data), "json", 400, "too_many_fields")
    error(call("post", "requests.json", dict(data)), "json", 400, "too_many_fields")
    error(call("get", "requests.json?" + urlencode(data)), "json", 400, "too_many_fields")
    assert nothing_written()


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("put", "requests.json", "GET, HEAD, POST"),
        ("delete", "requests/T-20260101-0001.xml", "GET, HEAD"),
        ("post", "services.json", "GET, HEAD"),
        ("patch", "discovery.xml", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_400_with_allow(small, catalogue, method, path, allow):
    response = getattr(Client(), method)(f"{BASE}/{path}")
    error(response, path.rsplit(".", 1)[1], 400, "method_not_allowed")
    assert response["Allow"] == allow


def test_head_answers_like_get_without_a_body(small, catalogue):
    response = Client().head(f"{BASE}/services.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("services.html", "xml"), ("services", "xml"), ("nothing-here.json", "json"), ("", "xml"), ("v3/x.xml", "xml")],
)
def test_unknown_paths_and_formats_are_open311_404s(small, catalogue, path, fmt):
    response = Client().get(f"{BASE}/{path}")
    error(response, fmt, 404, "unknown_format" if path == "services.html" else "not_found")


def test_no_csrf_token_is_needed(small, catalogue, key):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"{BASE}/requests.json", urlencode(form(key, description="x")), content_type="application/x-www-form-urlencoded"
    )
    answer(response, "json")


def test_empty_parameters_act_as_absent(small, catalogue, key, addressed):
    data = form(key, lat="", long="", address_string="测试路1号", jurisdiction_id="", email="", phone="")
    answer(post_form("requests.json", data), "json")
    assert Case.objects.get().building == addressed[0]


@pytest.mark.parametrize(
    "query",
    [
        "requests.json?start_date=9999-12-31T23:59:59%2B14:00",
        "requests.json?start_date=9999-12-31T23:59:59+14:00",  # the + left unencoded
        "requests.json?updated_after=0001-01-01",
        "requests.json?updated_before=9999-12-31",
        "requests.json?end_date=0001-01-01T00:00:00%2B14:00",
        "requests.json?start_date=1899-12-31",
        "servicerequestupdates.json?start_date=0001-01-01",
        "servicerequestupdates.json?end_date=9999-12-31T23:59:59Z",
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_400_not_a_server_error(small, catalogue, query):
    """A 90-day window from 9999-12-31, or 0001-01-01 in UTC, leaves the years Python and the
    databases hold (it was a 500, without any key)."""
    description = error(Client().get(f"{BASE}/{query}"), "json", 400, "invalid_datetime")
    assert "1900" in description and "9998" in description


def test_a_number_in_other_digits_is_refused_not_a_server_error(small, catalogue, key):
    """`"²".isdigit()` is true, `int("²")` a ValueError (it was a 500): numbers are 0–9 only."""
    error(Client().get(f"{BASE}/requests.json?page=%C2%B2"), "json", 400, "not_a_positive_integer")
    error(post_form("requests.json", form(key, lat="", long="", address_id="²")), "json", 400, "address_id_unknown")
    assert nothing_written()


@pytest.mark.parametrize("zone", ["%2B21:37", "-15:00", "%2B15:00"])
def test_a_time_zone_offset_no_zone_has_is_400(small, catalogue, zone):
    """PostgreSQL refuses offsets past ±15:59 (it was a 500 there); real zones lie within ±14 hours."""
    error(Client().get(f"{BASE}/requests.json?start_date=2026-11-27T09:30:00{zone}"), "json", 400, "invalid_datetime")


def test_the_first_and_last_accepted_years_are_read(small, catalogue):
    for query in ("requests.json?start_date=1900-01-01", "requests.json?end_date=9998-12-31T23:59:59-14:00"):
        answer(Client().get(f"{BASE}/{query}"), "json")
