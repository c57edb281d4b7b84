"""REST: GET /api/v1/areas/locate — the grid containing a point, in any of the three CRSs."""

import pytest

from wangge.api.testing import assert_error, bearer_client
from wangge.areas import actions
from wangge.areas.tests.factories import grid_square
from wangge.lib.geo import from_wgs84
from wangge.lib.testing import Queries, assert_flat, count_queries

# The centre of grid 0 (community 0) in WGS-84.
INSIDE_GRID_0 = (117.005, 36.605)


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_a_point_in_each_crs_resolves_to_its_grid(small, worker_a, crs):
    lng, lat = from_wgs84(*INSIDE_GRID_0, crs)
    if crs != "wgs84":
        # The offset is hundreds of metres: the point must really have been converted back.
        assert abs(lng - INSIDE_GRID_0[0]) + abs(lat - INSIDE_GRID_0[1]) > 0.001
    response = bearer_client(worker_a).get("/api/v1/areas/locate", {"lng": lng, "lat": lat, "crs": crs})
    assert response.status_code == 200, response.content
    body = response.json()
    grid, community = small.grids[0], small.communities[0]
    assert body["grid"] == {"id": grid.pk, "code": grid.code, "name": grid.name}
    assert body["community"] == {"id": community.pk, "code": community.code, "name": community.name}
    assert body["district_id"] == small.district.pk
    assert body["lng"] == pytest.approx(INSIDE_GRID_0[0], abs=1e-6)
    assert body["lat"] == pytest.approx(INSIDE_GRID_0[1], abs=1e-6)


def test_the_crs_defaults_to_wgs84(small, worker_b):
    response = bearer_client(worker_b).get("/api/v1/areas/locate", {"lng": 117.025, "lat": 36.605})
    assert response.json()["grid"]["id"] == small.grids[2].pk


def test_a_grid_outside_the_scope_is_not_found(small, worker_b, no_role_user):
    lng, lat = INSIDE_GRID_0
    assert_error(bearer_client(worker_b).get("/api/v1/areas/locate", {"lng": lng, "lat": lat}), 404, "not_found")
    assert_error(bearer_client(no_role_user).get("/api/v1/areas/locate", {"lng": lng, "lat": lat}), 404, "not_found")


def test_community_staff_locate_in_every_grid_of_their_community(small, community_staff):
    client = bearer_client(community_staff)
    assert client.get("/api/v1/areas/locate", {"lng": 117.015, "lat": 36.605}).json()["grid"]["id"] == small.grids[1].pk
    assert_error(client.get("/api/v1/areas/locate", {"lng": 117.035, "lat": 36.605}), 404, "not_found")


def test_a_point_outside_every_grid(small, district_admin):
    response = bearer_client(district_admin).get("/api/v1/areas/locate", {"lng": 117.5, "lat": 36.605})
    assert_error(response, 404, "outside_every_grid")


@pytest.mark.parametrize(("lng", "lat"), [(117.0, 95.0), (181.0, 36.6), (-200.0, 0.0), ("nan", 36.6)])
def test_coordinates_out_of_range(small, worker_a, lng, lat):
    response = bearer_client(worker_a).get("/api/v1/areas/locate", {"lng": lng, "lat": lat})
    assert_error(response, 400, "coordinates_out_of_range")


def test_an_unknown_crs_is_invalid_input(small, worker_a):
    response = bearer_client(worker_a).get("/api/v1/areas/locate", {"lng": 117.005, "lat": 36.605, "crs": "epsg3857"})
    assert assert_error(response, 422, "invalid_input")["fields"] == ["crs"]


def test_missing_coordinates_are_invalid_input(small, worker_a):
    body = assert_error(bearer_client(worker_a).get("/api/v1/areas/locate", {"lng": "east"}), 422, "invalid_input")
    assert set(body["fields"]) == {"lng", "lat"}


def test_a_redrawn_grid_is_seen_at_once(small, district_admin):
    client = bearer_client(district_admin)
    point = {"lng": 117.0105, "lat": 36.605}
    assert client.get("/api/v1/areas/locate", point).json()["grid"]["id"] == small.grids[1].pk
    # Grid 0 grows east by 0.002° and grid 1 shrinks accordingly.
    from shapely.geometry import box

    actions.set_grid_boundaries(
        None,
        [(small.grids[0], box(117.0, 36.6, 117.012, 36.61)), (small.grids[1], box(117.012, 36.6, 117.02, 36.61))],
    )
    assert client.get("/api/v1/areas/locate", point).json()["grid"]["id"] == small.grids[0].pk
    actions.set_grid_boundaries(None, [(small.grids[0], grid_square(0)), (small.grids[1], grid_square(1))])


def test_locating_costs_a_fixed_number_of_queries(small, worker_a):
    client = bearer_client(worker_a)

    def located() -> Queries:
        with count_queries() as queries:
            assert client.get("/api/v1/areas/locate", {"lng": 117.005, "lat": 36.605}).status_code == 200
        return queries

    located()  # builds the point index
    before = located()
    group = small.building_groups[0]
    actions.bulk_create_areas(None, [(group, {"name": f"楼{n}", "code": f"extra-{n}"}) for n in range(20)])
    assert_flat(before, located(), at_most=6)
