"""REST: GET /api/v1/cases/nearby — open cases of the category near a point (possible
duplicates), nearest first, only among the cases the caller sees."""

import pytest

from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases import actions
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, ok
from wangge.lib.geo import from_wgs84

M = 1 / 111_000  # about one metre of latitude, in degrees


def _file(small, catalogue, point, code="SZ01"):
    return actions.file_case(
        None,
        district=small.district,
        category=catalogue[code],
        channel="patrol",
        description="路灯不亮",
        lng=point[0],
        lat=point[1],
        answers={"since": "today"} if code == "SZ01" else {},
    )


@pytest.fixture
def around(small, catalogue, settings):
    settings.CASE_DUPLICATE_RADIUS_M = 50
    lng, lat = IN_GRID_0
    return {
        "near": _file(small, catalogue, (lng, lat + 10 * M)),
        "nearer": _file(small, catalogue, (lng, lat + 3 * M)),
        "far": _file(small, catalogue, (lng, lat + 80 * M)),
        "other_category": _file(small, catalogue, (lng, lat + 1 * M), code="SZ02"),
        "closed": actions.reject(None, _file(small, catalogue, (lng, lat + 2 * M)), reason="无效"),
    }


def _nearby(client, **params):
    return ok(client.get("/api/v1/cases/nearby", params))


def test_open_cases_of_the_category_within_the_radius_nearest_first(small, around, worker_a):
    body = _nearby(bearer_client(worker_a), lng=IN_GRID_0[0], lat=IN_GRID_0[1], category="SZ01")
    assert body["radius_m"] == 50
    assert [i["id"] for i in body["items"]] == [around["nearer"].pk, around["near"].pk]
    assert body["items"][0]["distance_m"] == pytest.approx(3, abs=0.5)
    assert body["items"][0]["number"] == around["nearer"].number


def test_the_point_may_be_given_in_gcj02(small, catalogue, around, worker_a):
    lng, lat = from_wgs84(*IN_GRID_0, "gcj02")
    body = _nearby(bearer_client(worker_a), lng=lng, lat=lat, crs="gcj02", category=catalogue["SZ01"].pk)
    assert [i["id"] for i in body["items"]] == [around["nearer"].pk, around["near"].pk]


def test_only_cases_the_caller_sees(small, catalogue, around, worker_b, district_admin):
    assert _nearby(bearer_client(worker_b), lng=IN_GRID_0[0], lat=IN_GRID_0[1], category="SZ01")["items"] == []
    assert (
        len(_nearby(bearer_client(district_admin), lng=IN_GRID_0[0], lat=IN_GRID_0[1], category="SZ01")["items"]) == 2
    )
    mine = _file(small, catalogue, IN_GRID_2)
    body = _nearby(bearer_client(worker_b), lng=IN_GRID_2[0], lat=IN_GRID_2[1], category="SZ01")
    assert [i["id"] for i in body["items"]] == [mine.pk]


def test_bad_input(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    assert_error(
        client.get("/api/v1/cases/nearby", {"lng": 117, "lat": 36.6, "category": "NOPE"}), 400, "unknown_category"
    )
    assert_error(
        client.get("/api/v1/cases/nearby", {"lng": 500, "lat": 36.6, "category": "SZ01"}),
        400,
        "coordinates_out_of_range",
    )
    assert_error(client.get("/api/v1/cases/nearby", {"lat": 36.6, "category": "SZ01"}), 422, "invalid_input")
