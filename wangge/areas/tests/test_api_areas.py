"""REST: GET /api/v1/areas and /api/v1/areas/{id}, within the caller's scope."""

from wangge.api.testing import assert_error, bearer_client
from wangge.areas import actions
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import subtree
from wangge.lib import memo
from wangge.lib.testing import Queries, assert_flat, count_queries


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_a_worker_lists_its_own_grid_only(small, worker_a, worker_b):
    seen_a = _ids(bearer_client(worker_a).get("/api/v1/areas"))
    seen_b = _ids(bearer_client(worker_b).get("/api/v1/areas"))
    assert set(seen_a) == set(subtree(small.grids[0]).values_list("pk", flat=True))
    assert set(seen_b) == set(subtree(small.grids[2]).values_list("pk", flat=True))
    assert not set(seen_a) & set(seen_b)


def test_community_staff_list_their_community(small, community_staff):
    grids = _ids(bearer_client(community_staff).get("/api/v1/areas", {"level": "grid"}))
    assert grids == [small.grids[0].pk, small.grids[1].pk]


def test_a_user_without_role_lists_nothing(small, no_role_user):
    response = bearer_client(no_role_user).get("/api/v1/areas")
    assert response.json() == {"items": [], "count": 0}


def test_the_list_items_carry_the_documented_fields(small, worker_a):
    response = bearer_client(worker_a, **{"Accept-Language": "en"}).get("/api/v1/areas", {"level": "building"})
    items = response.json()["items"]
    building = small.buildings[0]
    assert items[0] == {
        "id": building.pk,
        "level": "building",
        "level_label": "Building",
        "name": building.name,
        "code": building.code,
        "parent_id": small.building_groups[0].pk,
        "district_id": small.district.pk,
        "community_id": small.communities[0].pk,
        "grid_id": small.grids[0].pk,
        "lng": building.lng,
        "lat": building.lat,
    }


def test_filters_by_level_and_parent(small, district_admin):
    client = bearer_client(district_admin)
    assert len(_ids(client.get("/api/v1/areas", {"level": "grid"}))) == 4
    assert _ids(client.get("/api/v1/areas", {"parent": small.communities[1].pk})) == [
        small.grids[2].pk,
        small.grids[3].pk,
    ]
    households = _ids(client.get("/api/v1/areas", {"level": "household", "parent": small.buildings[0].pk}))
    assert len(households) == 3


def test_a_parent_outside_the_scope_gives_only_what_is_in_it(small, worker_a):
    # The community of grid 0 is outside worker_a's scope; only grid 0 among its children is visible.
    assert _ids(bearer_client(worker_a).get("/api/v1/areas", {"parent": small.communities[0].pk})) == [
        small.grids[0].pk
    ]
    assert _ids(bearer_client(worker_a).get("/api/v1/areas", {"parent": small.communities[1].pk})) == []


def test_an_unknown_level_is_invalid_input(small, worker_a):
    body = assert_error(bearer_client(worker_a).get("/api/v1/areas", {"level": "planet"}), 422, "invalid_input")
    assert body["fields"] == ["level"]


def test_the_list_is_paginated(small, district_admin):
    client = bearer_client(district_admin)
    page = client.get("/api/v1/areas", {"limit": 5, "offset": 5}).json()
    assert page["count"] == AreaNode.objects.count()
    assert len(page["items"]) == 5
    everything = _ids(client.get("/api/v1/areas", {"limit": 500}))
    assert [item["id"] for item in page["items"]] == everything[5:10]
    assert_error(client.get("/api/v1/areas", {"limit": 501}), 422, "invalid_input")
    assert_error(client.get("/api/v1/areas", {"limit": 0}), 422, "invalid_input")


def test_the_list_costs_the_same_number_of_queries_however_many_rows(small, worker_a):
    client = bearer_client(worker_a)

    def listed() -> Queries:
        memo.forget_all()  # counted cold: the token and roles read as on a process's first call
        with count_queries() as queries:
            assert client.get("/api/v1/areas", {"limit": 500}).status_code == 200
        return queries

    before = listed()
    group = small.building_groups[0]
    actions.bulk_create_areas(None, [(group, {"name": f"楼{n}", "code": f"extra-{n}"}) for n in range(30)])
    assert_flat(before, listed())


# --- detail --------------------------------------------------------------------------------


def test_a_grid_comes_with_its_boundary_and_counts(small, worker_a):
    grid = small.grids[0]
    body = bearer_client(worker_a).get(f"/api/v1/areas/{grid.pk}").json()
    assert body["id"] == grid.pk and body["level"] == "grid"
    assert body["children_count"] == 1
    assert body["descendants"] == {"building_group": 1, "building": 2, "household": 6}
    assert body["boundary"]["generation"] == 1
    assert body["boundary"]["geometry"]["type"] == "Polygon"
    assert body["boundary"]["area_m2"] > 900_000


def test_a_redrawn_grid_shows_its_current_generation(small, worker_a):
    from wangge.areas.tests.factories import grid_square

    actions.set_grid_boundaries(None, [(small.grids[0], grid_square(0))])
    body = bearer_client(worker_a).get(f"/api/v1/areas/{small.grids[0].pk}").json()
    assert body["boundary"]["generation"] == 2


def test_other_levels_have_no_boundary(small, worker_a):
    client = bearer_client(worker_a)
    building = client.get(f"/api/v1/areas/{small.buildings[0].pk}").json()
    assert building["boundary"] is None
    assert building["children_count"] == 3 and building["descendants"] == {"household": 3}
    household = client.get(f"/api/v1/areas/{small.households[0].pk}").json()
    assert household["children_count"] == 0 and household["descendants"] == {}


def test_a_node_outside_the_scope_is_not_found(small, worker_a, worker_b):
    own = bearer_client(worker_b).get(f"/api/v1/areas/{small.grids[2].pk}")
    assert own.status_code == 200
    outside = bearer_client(worker_a).get(f"/api/v1/areas/{small.grids[2].pk}")
    missing = bearer_client(worker_a).get("/api/v1/areas/999999999")
    assert assert_error(outside, 404, "not_found") == assert_error(missing, 404, "not_found")
    assert_error(bearer_client(worker_a).get(f"/api/v1/areas/{small.communities[0].pk}"), 404, "not_found")


def test_a_user_without_role_reads_nothing(small, no_role_user):
    assert_error(bearer_client(no_role_user).get(f"/api/v1/areas/{small.grids[0].pk}"), 404, "not_found")


def test_the_district_admin_reads_the_district(small, district_admin):
    body = bearer_client(district_admin).get(f"/api/v1/areas/{small.district.pk}").json()
    assert body["level"] == Level.DISTRICT
    assert body["children_count"] == 2
    assert body["descendants"] == {"community": 2, "grid": 4, "building_group": 4, "building": 8, "household": 24}


def test_a_non_numeric_id_is_not_found(small, worker_a):
    assert bearer_client(worker_a).get("/api/v1/areas/abc").status_code == 404
