"""The grids layer of the map: GeoJSON of the grids in the user's scope."""

import pytest
from django.urls import reverse
from shapely.geometry import shape

from wangge.areas.tests.factories import grid_square
from wangge.lib.geo import gcj02_to_wgs84, wgs84_to_gcj02
from wangge.lib.testing import assert_flat, assert_queries, count_queries
from wangge.web.tests.conftest import add_grid, add_rows

URL = "/map/grids.geojson"


def test_url_name():
    assert reverse("map_grids") == URL


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_no_role_user_gets_the_no_role_page(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "web/no_role.html" in [t.name for t in response.templates]


def test_district_admin_gets_every_grid(client, district_admin, small):
    client.force_login(district_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert [f["properties"]["id"] for f in features] == [g.pk for g in small.grids]
    first = features[0]["properties"]
    assert first == {
        "id": small.grids[0].pk,
        "name": small.grids[0].name,
        "code": small.grids[0].code,
        "community": small.communities[0].name,
        "community_id": small.communities[0].pk,
        "color": first["color"],
        "url": reverse("area", args=[small.grids[0].pk]),
    }
    # Coloured by community: same colour within a community, different across.
    colours = [f["properties"]["color"] for f in features]
    assert colours[0] == colours[1] and colours[2] == colours[3] and colours[0] != colours[2]
    assert shape(features[0]["geometry"]).equals_exact(grid_square(0), 1e-9)


@pytest.mark.parametrize(("persona", "own", "other"), [("worker_a", 0, 2), ("worker_b", 2, 0)])
def test_grid_worker_gets_own_grid_only(client, small, request, persona, own, other):
    client.force_login(request.getfixturevalue(persona))
    features = client.get(URL).json()["features"]
    assert [f["properties"]["id"] for f in features] == [small.grids[own].pk]
    assert small.grids[other].name not in str(features)


def test_community_staff_gets_the_community_grids(client, community_staff, small):
    client.force_login(community_staff)
    ids = [f["properties"]["id"] for f in client.get(URL).json()["features"]]
    assert ids == [small.grids[0].pk, small.grids[1].pk]


def test_gcj02_display_is_converted_server_side(client, district_admin, small, settings):
    client.force_login(district_admin)
    wgs = client.get(URL).json()["features"][0]["geometry"]["coordinates"][0][0]
    gcj = client.get(URL, {"crs": "gcj02"}).json()["features"][0]["geometry"]["coordinates"][0][0]
    assert gcj == pytest.approx(list(wgs84_to_gcj02(*wgs)), abs=1e-6)
    assert gcj02_to_wgs84(*gcj) == pytest.approx(tuple(wgs), abs=1e-6)
    # The setting decides when no parameter is given.
    settings.MAP_TILE_CRS = "gcj02"
    assert client.get(URL).json()["features"][0]["geometry"]["coordinates"][0][0] == gcj
    bd = client.get(URL, {"crs": "bd09"}).json()["features"][0]["geometry"]["coordinates"][0][0]
    assert bd != gcj


def test_unknown_crs_is_a_clear_error(client, district_admin):
    client.force_login(district_admin)
    response = client.get(URL, {"crs": "epsg3857"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_crs"


def test_query_count_does_not_grow(client, district_admin, small):
    client.force_login(district_admin)
    # session + user + role assignments + grid names + boundaries
    with assert_queries(5) as before:
        client.get(URL)
    add_rows(small, 0)
    add_grid(small, 4)
    add_grid(small, 5)
    with count_queries() as after:
        client.get(URL)
    assert len(client.get(URL).json()["features"]) == 6
    assert_flat(before, after)
