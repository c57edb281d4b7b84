"""REST: POST /api/v1/cases — filing by point (any CRS), building or address; bad input refused
with a stable code and nothing written; the reporter's contact only ever masked."""

import pytest

from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases.models import Case, CaseEvent, CaseSequence
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, file_via_api, filed, ok
from wangge.lib.crypto import decrypt_field
from wangge.lib.geo import from_wgs84


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_a_point_in_any_crs_is_stored_in_wgs84_with_its_grid(small, catalogue, worker_a, crs):
    lng, lat = from_wgs84(*IN_GRID_0, crs)
    case = filed(bearer_client(worker_a), point=(lng, lat), crs=crs)
    assert case["grid"]["id"] == small.grids[0].pk
    assert case["community"]["id"] == small.communities[0].pk
    assert case["lng"] == pytest.approx(IN_GRID_0[0], abs=1e-6)
    assert case["lat"] == pytest.approx(IN_GRID_0[1], abs=1e-6)


def test_the_case_as_filed(small, catalogue, worker_a):
    client = bearer_client(worker_a, **{"Accept-Language": "en"})
    case = filed(
        client,
        category=catalogue["SZ01"].pk,
        answers={"since": "week", "lamp_count": "3"},
        reporter_name="王先生",
        reporter_contact="13800001111",
    )
    stored = Case.objects.get()
    assert case["number"] == stored.number and case["id"] == stored.pk
    assert (case["state"], case["state_label"]) == ("reported", "Reported")
    assert (case["channel"], case["channel_label"]) == ("api", "API")
    assert case["category"] == {"id": catalogue["SZ01"].pk, "name": "路灯不亮"}
    assert case["answers"] == {"since": "week", "lamp_count": 3.0}
    assert case["unit"] is None and case["due_at"] is None and case["overdue"] is False
    assert case["allowed_steps"] == ["accept", "reject", "merge"]
    assert stored.filed_by == worker_a and stored.reporter == worker_a  # a user filing on their own account reports
    assert CaseEvent.objects.filter(case=stored, kind="filed", data={"channel": "api"}).exists()


def test_the_reporter_contact_is_only_ever_masked(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    case = filed(client, reporter_name="王先生", reporter_contact="13800001111")
    assert case["reporter_contact_masked"] == "138****1111"
    for response in (client.get(f"/api/v1/cases/{case['id']}"), client.get("/api/v1/cases")):
        assert b"13800001111" not in response.content
        assert b"encrypted" not in response.content
    assert decrypt_field(Case.objects.get(), "reporter_contact_encrypted") == "13800001111"


def test_filing_by_code_building_or_address(small, catalogue, worker_b):
    client = bearer_client(worker_b)
    building = small.buildings[4]  # in grid 2
    by_building = filed(client, category="HJ01", point=(None, None), building=building.pk)
    assert by_building["grid"]["id"] == small.grids[2].pk
    assert by_building["building"] == {"id": building.pk, "name": building.name}
    assert (by_building["lng"], by_building["lat"]) == (building.lng, building.lat)
    building.address = "幸福路8号"
    building.save()
    by_address = filed(client, category="HJ01", point=(None, None), address="幸福路8号")
    assert by_address["building"]["id"] == building.pk


def test_a_worker_may_file_outside_its_grid_within_the_district(small, catalogue, worker_a):
    # Patrols cross grid borders; the case belongs to the grid it lies in. The worker follows it as
    # its reporter (the public part, no steps but photos) and it is not in the worker's grid list.
    client = bearer_client(worker_a)
    case = filed(client, point=IN_GRID_2)
    assert case["grid"]["id"] == small.grids[2].pk
    assert ok(client.get(f"/api/v1/cases/{case['id']}"))["your_steps"] == ["photos"]
    assert ok(client.get("/api/v1/cases?queue=grid"))["items"] == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"category": "NOPE"}, 400, "unknown_category"),
        ({"category": 999999}, 400, "unknown_category"),
        ({"category": 10**20}, 400, "unknown_category"),
        ({"category": "123456789012345678901234"}, 400, "unknown_category"),
        ({"category": "SZ"}, 400, "unknown_category"),  # a group, not a category
        ({"lng": 116.0, "lat": 36.605}, 404, "outside_every_grid"),
        ({"lng": 200.0, "lat": 36.605}, 400, "coordinates_out_of_range"),
        ({"description": "路" * 4001}, 400, "description_too_long"),
        ({"description": "   "}, 400, "description_required"),
        ({"answers": {}}, 400, "answer_required"),
        ({"answers": {"since": "yesterday"}}, 400, "answer_invalid"),
        ({"lng": None, "lat": None}, 400, "location_required"),
        ({"lng": None, "lat": None, "building": 999999}, 400, "not_a_building"),
        ({"lng": None, "lat": None, "address": "不存在的路1号"}, 400, "address_unknown"),
        ({"crs": "epsg3857"}, 422, "invalid_input"),
        ({"category": None}, 422, "invalid_input"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(small, catalogue, worker_a, body, status, code):
    response = file_via_api(bearer_client(worker_a), **body)
    assert_error(response, status, code)
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not CaseSequence.objects.exists()


def test_a_missing_description_is_invalid_input(small, catalogue, worker_a):
    response = bearer_client(worker_a).post(
        "/api/v1/cases", {"category": "HJ01", "lng": IN_GRID_0[0], "lat": IN_GRID_0[1]}, content_type="application/json"
    )
    assert assert_error(response, 422, "invalid_input")["fields"] == ["payload.description"]
    assert not Case.objects.exists()


def test_a_category_of_another_district_is_unknown(small, catalogue, worker_a):
    from wangge.areas.tests.factories import build_small_district
    from wangge.cases.catalogue import install_default_catalogue

    other = build_small_district("U")
    foreign = install_default_catalogue(other.district)[0]
    assert_error(file_via_api(bearer_client(worker_a), category=foreign.pk), 400, "unknown_category")
    assert not Case.objects.exists()


def test_a_user_without_a_role_may_not_file(small, catalogue, no_role_user):
    assert_error(file_via_api(bearer_client(no_role_user)), 403, "forbidden")
    assert not Case.objects.exists()


def test_filing_needs_authentication(small, catalogue):
    from django.test import Client

    response = Client().post("/api/v1/cases", {}, content_type="application/json")
    assert_error(response, 401, "unauthenticated")


def test_errors_and_labels_are_translated(small, catalogue, worker_a):
    chinese = bearer_client(worker_a, **{"Accept-Language": "zh-hans"})
    english = bearer_client(worker_a, **{"Accept-Language": "en"})
    too_long = "x" * 4001
    assert assert_error(file_via_api(chinese, description=too_long), 400, "description_too_long")["message"] == (
        "描述过长，最多 4000 个字符。"
    )
    assert assert_error(file_via_api(english, description=too_long), 400, "description_too_long")["message"] == (
        "The description is too long: at most 4000 characters."
    )
    assert filed(chinese)["state_label"] == "已上报"
