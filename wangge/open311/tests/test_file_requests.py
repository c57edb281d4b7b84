"""POST requests: filing through the same action as the web and the REST API, with the
Open311-only facts beside the case in one transaction; every location form, attributes,
photos, GCJ-02; personal data encrypted; every refusal the specification's error with nothing
written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from wangge.cases.models import Attachment, Case, CaseEvent, Category, CategoryQuestion, Channel, QuestionType
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2
from wangge.cases.workflow import State
from wangge.lib.crypto import blind_index, decrypt_field
from wangge.lib.geo import wgs84_to_gcj02
from wangge.open311.models import ApiKey, Open311Request
from wangge.open311.tests.conftest import OUTSIDE, answer, call, error, png, post_form, post_request, spark


def nothing_written():
    return not Case.objects.exists() and not Open311Request.objects.exists() and not CaseEvent.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_is_filed_as_an_open311_case(small, catalogue, key, fmt):
    response = post_request(
        key,
        fmt,
        description="小区东门垃圾堆放三天了",
        email="zhang@example.cn",
        device_id="device-42",
        account_id="acct-7",
        first_name="三",
        last_name="张",
        phone="13800001111",
        media_url="https://img.example.cn/1.jpg",
        address_string="东门外",
    )
    body = answer(response, fmt)
    case = Case.objects.get()
    filed = Open311Request.objects.get()
    expected = {
        "service_request_id": case.number,
        "token": filed.token,
        "service_notice": body[0]["service_notice"] if fmt == "json" else spark(body)[0]["service_notice"],
        "account_id": "acct-7",
    }
    if fmt == "json":
        assert body == [expected]
    else:
        assert body.tag == "service_requests" and [c.tag for c in body] == ["request"]
        assert [c.tag for c in body[0]] == list(expected)
        assert spark(body) == [expected]
    assert expected["service_notice"]
    assert case.channel == Channel.OPEN311 and case.state == State.REPORTED
    assert case.category == catalogue["HJ01"] and case.grid == small.grids[0]
    assert case.description == "小区东门垃圾堆放三天了" and case.address == "东门外"
    assert case.reporter is None and case.filed_by is None
    assert case.reporter_name == "张三" and case.reporter_contact_masked == "138****1111"
    assert filed.case == case and filed.district == small.district
    assert filed.api_key.name == "app" and filed.api_key.last_used_at is not None
    assert filed.media_url == "https://img.example.cn/1.jpg"
    assert decrypt_field(filed, "email_encrypted") == "zhang@example.cn"
    assert decrypt_field(filed, "account_id_encrypted") == "acct-7"
    assert filed.device_id_index == blind_index("device-42")
    # Personal data never in clear in the Open311 row.
    for value in (filed.email_encrypted, filed.account_id_encrypted):
        assert b"zhang" not in bytes(value) and b"acct-7" not in bytes(value)


def test_latin_names_keep_their_order(small, catalogue, key):
    answer(post_request(key, description="x", first_name="John", last_name="Smith"), "json")
    assert Case.objects.get().reporter_name == "John Smith"


def test_the_minimum_is_a_key_a_service_code_and_a_place(small, catalogue, key):
    body = answer(
        post_form("requests.json", {"api_key": key, "service_code": "HJ01", "lat": "36.605", "long": "117.005"}), "json"
    )
    case = Case.objects.get()
    assert body[0]["service_request_id"] == case.number and body[0]["account_id"] is None
    # Open311 makes the description optional; the case then carries its category's name.
    assert case.description == "垃圾堆放" and case.reporter_name == ""
    filed = Open311Request.objects.get()
    assert filed.email_encrypted is None and filed.device_id_index == "" and filed.media_url == ""


def test_the_token_leads_to_the_same_request(small, catalogue, key):
    body = answer(post_request(key, description="x"), "json")[0]
    assert answer(call("get", f"tokens/{body['token']}.json"), "json") == [
        {"service_request_id": body["service_request_id"], "token": body["token"]}
    ]
    root = answer(call("get", f"tokens/{body['token']}.xml"), "xml")
    assert spark(root) == [{"service_request_id": body["service_request_id"], "token": body["token"]}]


def test_a_point_in_gcj02_is_stored_in_wgs84(small, catalogue, key):
    gcj_lng, gcj_lat = wgs84_to_gcj02(*IN_GRID_2)
    answer(post_request(key, description="x", lat=gcj_lat, long=gcj_lng, coordinate_system="gcj02"), "json")
    case = Case.objects.get()
    assert abs(case.lng - IN_GRID_2[0]) < 1e-6 and abs(case.lat - IN_GRID_2[1]) < 1e-6
    assert case.grid == small.grids[2]


def test_the_same_numbers_as_wgs84_would_be_elsewhere(small, catalogue, key):
    """GCJ-02 is shifted by hundreds of metres: read as WGS-84, these numbers miss grid 2's centre."""
    gcj_lng, gcj_lat = wgs84_to_gcj02(*IN_GRID_2)
    assert abs(gcj_lng - IN_GRID_2[0]) + abs(gcj_lat - IN_GRID_2[1]) > 0.001


def test_a_building_address_locates_the_request(small, catalogue, key, addressed):
    data = {"api_key": key, "service_code": "HJ01", "address_string": "测试路2号", "description": "x"}
    answer(post_form("requests.json", data), "json")
    case = Case.objects.get()
    assert case.building == addressed[1] and case.grid_id == addressed[1].grid_id
    assert (case.lng, case.lat) == (addressed[1].lng, addressed[1].lat)


def test_an_address_id_is_a_building_of_the_district(small, catalogue, key):
    building = small.buildings[5]
    data = {"api_key": key, "service_code": "HJ01", "address_id": str(building.pk), "description": "x"}
    answer(post_form("requests.json", data), "json")
    assert Case.objects.get().building == building


@pytest.mark.parametrize("which", ["grid", "household", "nonsense", "huge"])
def test_an_address_id_that_is_no_building_is_refused(small, catalogue, key, which):
    value = {
        "grid": str(small.grids[0].pk),
        "household": str(small.households[0].pk),
        "nonsense": "abc",
        "huge": "9" * 30,
    }[which]
    data = {"api_key": key, "service_code": "HJ01", "address_id": value, "description": "x"}
    error(post_form("requests.json", data), "json", 400, "address_id_unknown")
    assert nothing_written()


def test_an_unknown_address_string_is_refused(small, catalogue, key, addressed):
    data = {"api_key": key, "service_code": "HJ01", "address_string": "不存在路9号", "description": "x"}
    error(post_form("requests.json", data), "json", 400, "address_unknown")
    assert nothing_written()


def test_attributes_including_multiple_choice(small, catalogue, key):
    category = catalogue["HJ01"]
    CategoryQuestion.objects.create(
        category=category,
        code="smell",
        label="情况",
        datatype=QuestionType.MULTIPLE,
        choices=[{"key": "1", "name": "有异味"}, {"key": "2", "name": "招蚊蝇"}, {"key": "3", "name": "堵路"}],
    )
    CategoryQuestion.objects.create(category=category, code="since", label="开始日期", datatype=QuestionType.DATE)
    CategoryQuestion.objects.create(category=category, code="bags", label="袋数", datatype=QuestionType.NUMBER)
    data = [
        ("api_key", key),
        ("service_code", "HJ01"),
        ("lat", IN_GRID_0[1]),
        ("long", IN_GRID_0[0]),
        ("attribute[smell][]", "1"),
        ("attribute[smell][]", "3"),
        ("attribute[since]", "2026-11-20T23:30:00Z"),  # a W3C date-time: its date in Beijing time
        ("attribute[bags]", "4"),
        ("attribute[unknown]", "ignored"),
    ]
    answer(post_form("requests.json", data), "json")
    assert Case.objects.get().answers == {"smell": ["1", "3"], "since": "2026-11-21", "bags": 4.0}


def test_a_required_attribute_is_checked(small, catalogue, key):
    data = {"api_key": key, "service_code": "SZ01", "lat": IN_GRID_0[1], "long": IN_GRID_0[0]}
    description = error(post_form("requests.json", data), "json", 400, "answer_required")
    assert "从什么时候开始" in description
    assert nothing_written()
    data["attribute[since]"] = "yesterday"
    error(post_form("requests.json", data), "json", 400, "answer_invalid")
    data["attribute[since]"] = "week"
    answer(post_form("requests.json", data), "json")
    assert Case.objects.get().answers == {"since": "week"}


def test_two_values_for_a_single_choice_are_refused(small, catalogue, key):
    data = [
        ("api_key", key),
        ("service_code", "SZ01"),
        ("lat", IN_GRID_0[1]),
        ("long", IN_GRID_0[0]),
        ("attribute[since]", "week"),
        ("attribute[since]", "today"),
    ]
    error(post_form("requests.json", data), "json", 400, "answer_invalid")
    assert nothing_written()


def test_a_photo_is_uploaded_as_multipart_media(small, catalogue, key):
    data = {
        "api_key": key,
        "service_code": "HJ01",
        "lat": IN_GRID_0[1],
        "long": IN_GRID_0[0],
        "description": "有照片",
        "media": SimpleUploadedFile("photo.png", png(), content_type="image/png"),
    }
    body = answer(call("post", "requests.json", data), "json")
    case = Case.objects.get()
    assert body[0]["service_request_id"] == case.number
    photo = Attachment.objects.get()
    assert photo.case == case and photo.public and (photo.width, photo.height) == (64, 48)
    assert photo.file.name.endswith(".jpg") and photo.event.kind == "filed"


def test_several_photos_as_media_brackets(small, catalogue, key):
    data = {
        "api_key": key,
        "service_code": "HJ01",
        "lat": IN_GRID_0[1],
        "long": IN_GRID_0[0],
        "media[]": [SimpleUploadedFile(f"p{i}.png", png(), content_type="image/png") for i in range(2)],
    }
    answer(call("post", "requests.json", data), "json")
    assert Attachment.objects.count() == 2


def test_a_file_that_is_no_image_is_refused_with_nothing_written(small, catalogue, key, media):
    data = {
        "api_key": key,
        "service_code": "HJ01",
        "lat": IN_GRID_0[1],
        "long": IN_GRID_0[0],
        "media": [
            SimpleUploadedFile("ok.png", png(), content_type="image/png"),
            SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png"),
        ],
    }
    error(call("post", "requests.json", data), "json", 400, "not_an_image")
    assert nothing_written() and not Attachment.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_photo_over_10_mb_is_refused_with_nothing_written(small, catalogue, key, media):
    data = {
        "api_key": key,
        "service_code": "HJ01",
        "lat": IN_GRID_0[1],
        "long": IN_GRID_0[0],
        "media": SimpleUploadedFile("big.png", png() + b"\0" * (10 * 1024 * 1024), content_type="image/png"),
    }
    error(call("post", "requests.xml", data), "xml", 400, "image_too_large")
    assert nothing_written() and not any(p.is_file() for p in media.rglob("*"))


def test_too_many_photos_are_refused(small, catalogue, key):
    data = {
        "api_key": key,
        "service_code": "HJ01",
        "lat": IN_GRID_0[1],
        "long": IN_GRID_0[0],
        "media": [SimpleUploadedFile(f"p{i}.png", png(), content_type="image/png") for i in range(6)],
    }
    error(call("post", "requests.json", data), "json", 400, "too_many_photos")
    assert nothing_written()


def test_photo_files_go_when_the_transaction_rolls_back(small, catalogue, key, media, monkeypatch):
    """A failure after the case was written (here a real unique-constraint violation of the
    token) rolls everything back, and the photo files stored meanwhile are deleted."""
    first = answer(post_request(key, description="先到"), "json")[0]
    monkeypatch.setattr("secrets.token_urlsafe", lambda n=None: first["token"])
    data = {
        "api_key": key,
        "service_code": "HJ01",
        "lat": IN_GRID_0[1],
        "long": IN_GRID_0[0],
        "media": SimpleUploadedFile("ok.png", png(), content_type="image/png"),
    }
    with pytest.raises(IntegrityError):
        call("post", "requests.json", data)
    assert list(Case.objects.values_list("number", flat=True)) == [first["service_request_id"]]
    assert Open311Request.objects.count() == 1 and not Attachment.objects.exists()
    assert (media / "cases").is_dir()  # the photo was stored before the failure …
    assert not any(p.is_file() for p in media.rglob("*"))  # … and deleted with the rollback


def test_html_in_a_description_is_stored_as_text_and_never_rendered(small, catalogue, key, district_admin):
    script = '<script>alert("x")</script><b>粗体</b>'
    answer(post_request(key, description=script), "json")
    case = Case.objects.get()
    assert case.description == script
    from django.test import Client

    client = Client()
    client.force_login(district_admin)
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert script.encode() not in page.content
    assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.content


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_key_is_403(small, catalogue, fmt):
    data = {"service_code": "HJ01", "lat": IN_GRID_0[1], "long": IN_GRID_0[0]}
    error(post_form(f"requests.{fmt}", data), fmt, 403, "api_key_required")
    assert nothing_written()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_key_is_403(small, catalogue, key, fmt):
    error(post_request(key + "x", fmt), fmt, 403, "api_key_invalid")
    assert nothing_written()


def test_an_empty_key_is_a_missing_key(small, catalogue):
    error(post_request(""), "json", 403, "api_key_required")


def test_a_revoked_key_is_403(small, catalogue, key):
    from wangge.open311 import actions

    actions.revoke_api_key(None, name="app")
    error(post_request(key), "json", 403, "api_key_invalid")
    assert nothing_written()


def test_the_key_may_come_in_the_query_string(small, catalogue, key):
    data = {"service_code": "HJ01", "lat": IN_GRID_0[1], "long": IN_GRID_0[0], "description": "x"}
    answer(post_form(f"requests.json?api_key={key}", data), "json")
    assert Case.objects.count() == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_404(small, catalogue, key, fmt):
    error(post_request(key, fmt, service_code="NOPE"), fmt, 404, "service_code_not_found")
    assert nothing_written()


def test_a_private_or_inactive_service_cannot_be_filed(small, catalogue, key):
    Category.objects.filter(code="HJ01").update(public=False)
    error(post_request(key), "json", 404, "service_code_not_found")
    Category.objects.filter(code="HJ01").update(public=True, active=False)
    error(post_request(key), "json", 404, "service_code_not_found")
    assert nothing_written()


def test_a_missing_service_code_is_400(small, catalogue, key):
    error(post_request(key, service_code=""), "json", 400, "service_code_required")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"lat": "", "long": ""}, "location_required"),
        ({"long": ""}, "lat_long_together"),
        ({"lat": ""}, "lat_long_together"),
        ({"lat": "200"}, "coordinates_out_of_range"),
        ({"long": "-181"}, "coordinates_out_of_range"),
        ({"lat": "north"}, "not_a_number"),
        ({"lat": "nan"}, "not_a_number"),
        ({"lat": "inf"}, "not_a_number"),
        ({"lat": OUTSIDE[1], "long": OUTSIDE[0]}, "outside_every_grid"),
        ({"coordinate_system": "mars"}, "unknown_coordinate_system"),
        ({"description": "长" * 4001}, "description_too_long"),
        ({"email": "not-an-address"}, "email_invalid"),
        ({"phone": "call me"}, "phone_invalid"),
        ({"media_url": "javascript:alert(1)"}, "media_url_invalid"),
        ({"media_url": "ftp://x.example/a.jpg"}, "media_url_invalid"),
        ({"first_name": "名" * 51}, "parameter_too_long"),
        ({"device_id": "d" * 201}, "parameter_too_long"),
        ({"address_string": "路" * 301}, "parameter_too_long"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_fields_are_400_with_nothing_written(small, catalogue, key, fields, code, fmt):
    error(post_request(key, fmt, **fields), fmt, 400, code)
    assert nothing_written()


def test_a_domain_error_keeps_our_message_in_the_callers_language(small, catalogue, key):
    data = {"api_key": key, "service_code": "HJ01", "lat": OUTSIDE[1], "long": OUTSIDE[0]}
    description = error(post_form("requests.json", data), "json", 400, "outside_every_grid")
    assert description == "该位置不在平台的任何网格内。"  # Simplified Chinese by default
    english = post_form("requests.json", data, headers={"Accept-Language": "en"})
    assert error(english, "json", 400, "outside_every_grid") == "This point lies outside every grid of the platform."


def test_a_key_of_another_district_is_403_there(small, catalogue, key):
    from wangge.areas.tests.factories import build_small_district
    from wangge.cases.catalogue import install_default_catalogue

    other = build_small_district("U")
    install_default_catalogue(other.district)
    error(post_request(key, jurisdiction_id="U"), "json", 403, "api_key_wrong_jurisdiction")
    assert nothing_written()
    answer(post_request(key, jurisdiction_id="T", description="x"), "json")


def test_the_key_is_stored_only_as_its_digest(small, key):
    stored = ApiKey.objects.get()
    assert key.startswith("o311_") and key not in stored.digest and stored.prefix == key[:9]
    assert len(stored.digest) == 64
