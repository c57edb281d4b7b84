"""The layers every map draws: buildings in the visible box (scoped, capped, validated), the pick
map's grids (a resident's district, own grids marked), the count of overdue cases per grid, and
the public board's grid outlines (no login, nothing personal, cacheable)."""

import pytest
from django.test import Client
from django.urls import reverse

from wangge.api.testing import session_client
from wangge.cases import actions
from wangge.cases.models import Category, Channel
from wangge.cases.queries import overdue_by_grid
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_1, IN_GRID_2
from wangge.lib.geo import wgs84_to_gcj02
from wangge.lib.testing import assert_flat, count_queries
from wangge.web import pages
from wangge.web.tests.conftest import add_grid, add_rows, zh

BUILDINGS = "/map/buildings.geojson"
GRIDS = "/map/grids.geojson"
# The whole small district (four grids of 0.01° side by side from 117.00, 36.60), with a margin.
EVERYWHERE = "116.99,36.59,117.05,36.62"


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def building_ids(client, bbox=EVERYWHERE, **params):
    response = client.get(BUILDINGS, {"bbox": bbox, **params})
    assert response.status_code == 200, response.content
    return sorted(f["properties"]["id"] for f in response.json()["features"])


def in_grid(small, index):
    return sorted(b.pk for b in small.buildings if b.grid_id == small.grids[index].pk)


def test_the_urls_are_named():
    assert reverse("map_buildings") == BUILDINGS
    assert reverse("board_grids") == "/board/grids.geojson"


@pytest.mark.parametrize(("persona", "own", "other"), [("worker_a", 0, 2), ("worker_b", 2, 0)])
def test_a_grid_worker_gets_the_buildings_of_their_grid_only(small, request, persona, own, other):
    client = session_client(request.getfixturevalue(persona))
    assert building_ids(client) == in_grid(small, own)
    text = client.get(BUILDINGS, {"bbox": EVERYWHERE}).content.decode()
    assert small.grids[other].name not in text


def test_a_building_has_its_id_name_address_grid_and_label(small, district_admin):
    small.buildings[0].address = "青年东路5号"
    small.buildings[0].save()
    data = session_client(district_admin).get(BUILDINGS, {"bbox": EVERYWHERE}).json()
    assert data["type"] == "FeatureCollection" and data["truncated"] is False
    first = next(f for f in data["features"] if f["properties"]["id"] == small.buildings[0].pk)
    assert first["properties"] == {
        "id": small.buildings[0].pk,
        "name": small.buildings[0].name,
        "address": "青年东路5号",
        "grid": small.grids[0].name,
        "label": f"{small.buildings[0].name}（{small.grids[0].name}）",
    }
    assert first["geometry"]["type"] == "Point"
    assert first["geometry"]["coordinates"] == pytest.approx([small.buildings[0].lng, small.buildings[0].lat], abs=1e-7)


def test_only_the_buildings_inside_the_box_are_sent(small, district_admin):
    grid_1 = "117.0105,36.6005,117.0195,36.6095"
    assert building_ids(session_client(district_admin), grid_1) == in_grid(small, 1)


def test_the_box_and_the_points_are_in_the_tiles_system(small, district_admin, settings):
    settings.MAP_TILE_CRS = "gcj02"
    client = session_client(district_admin)
    west, south = wgs84_to_gcj02(117.0105, 36.6005)
    east, north = wgs84_to_gcj02(117.0195, 36.6095)
    data = client.get(BUILDINGS, {"bbox": f"{west},{south},{east},{north}"}).json()
    assert sorted(f["properties"]["id"] for f in data["features"]) == in_grid(small, 1)
    building = next(b for b in small.buildings if b.pk == data["features"][0]["properties"]["id"])
    assert data["features"][0]["geometry"]["coordinates"] == pytest.approx(
        list(wgs84_to_gcj02(building.lng, building.lat)), abs=1e-6
    )
    # Without conversion, the same WGS-84 box would miss the grid's western building.
    plain = client.get(BUILDINGS, {"bbox": "117.0105,36.6005,117.0195,36.6095"}).json()
    assert sorted(f["properties"]["id"] for f in plain["features"]) != in_grid(small, 1)


def test_a_resident_sees_the_buildings_of_the_district_on_the_pick_map_only(small, resident):
    client = session_client(resident)
    assert building_ids(client) == []
    assert building_ids(client, pick="1") == sorted(b.pk for b in small.buildings)


def test_staff_on_the_pick_map_still_see_only_their_scope(small, worker_a):
    assert building_ids(session_client(worker_a), pick="1") == in_grid(small, 0)


@pytest.mark.parametrize(
    "bbox",
    [
        "",
        "117,36.6,117.01",
        "a,b,c,d",
        "117.01,36.6,117.0,36.61",
        "117,36.61,117.01,36.6",
        "nan,36.6,117,36.61",
        "116.5,36.6,117,36.61",
        "117,36.6,117.01,inf",
        "200,36.6,201,36.61",
    ],
)
def test_a_bad_box_is_a_clear_error(small, district_admin, bbox):
    response = session_client(district_admin).get(BUILDINGS, {"bbox": bbox})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_bbox"
    message = zh(
        "Give the map box as bbox=west,south,east,north: four numbers, west before east, "
        "south before north, at most %(max)s degrees wide."
    ) % {"max": 0.2}
    assert body["message"] == message and "西" in message


def test_an_unknown_system_is_a_clear_error(small, district_admin):
    response = session_client(district_admin).get(BUILDINGS, {"bbox": EVERYWHERE, "crs": "epsg3857"})
    assert response.status_code == 400 and response.json()["code"] == "bad_crs"


def test_anonymous_is_sent_to_login_for_buildings(client, small):
    response = client.get(BUILDINGS, {"bbox": EVERYWHERE})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_buildings_are_capped(small, district_admin, monkeypatch):
    monkeypatch.setattr(pages, "MAP_BUILDINGS", 3)
    data = session_client(district_admin).get(BUILDINGS, {"bbox": EVERYWHERE}).json()
    assert len(data["features"]) == 3 and data["truncated"] is True


def test_buildings_take_a_fixed_number_of_queries(small, district_admin):
    client = session_client(district_admin)
    with count_queries() as before:
        client.get(BUILDINGS, {"bbox": EVERYWHERE})
    add_rows(small, 0)
    add_rows(small, 2, tag="Y")
    with count_queries() as after:
        response = client.get(BUILDINGS, {"bbox": EVERYWHERE})
    assert len(response.json()["features"]) == len(small.buildings) + 6
    assert_flat(before, after, at_most=5)


# --- grids on the pick map ----------------------------------------------------------------


def grid_props(client, **params):
    response = client.get(GRIDS, params)
    assert response.status_code == 200
    return [f["properties"] for f in response.json()["features"]]


def test_a_resident_gets_the_district_grids_on_the_pick_map_with_their_own_marked(small, resident):
    client = session_client(resident)
    assert grid_props(client) == []  # outside the pick map: only their household, no grid
    props = grid_props(client, pick="1")
    assert [p["id"] for p in props] == [g.pk for g in small.grids]
    assert [p["own"] for p in props] == [True, False, False, False]


@pytest.mark.parametrize(("persona", "own"), [("worker_a", 0), ("worker_b", 2)])
def test_a_grid_worker_gets_only_their_own_grid_on_the_pick_map(small, request, persona, own):
    props = grid_props(session_client(request.getfixturevalue(persona)), pick="1")
    assert [(p["id"], p["own"]) for p in props] == [(small.grids[own].pk, True)]


# --- overdue cases per grid ------------------------------------------------------------------


def overdue_case(user, admin, point):
    category = Category.objects.get(code="SZ01")
    case = actions.file_case(
        user,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=point[0],
        lat=point[1],
        answers={"since": "today"},
    )
    case = actions.accept(admin, case)
    actions.sweep_overdue(now=case.due_at.replace(year=case.due_at.year + 1))
    return case


@pytest.fixture
def overdue_cases(small, catalogue, worker_a, worker_b, district_admin):
    overdue_case(worker_a, district_admin, IN_GRID_0)
    overdue_case(worker_a, district_admin, IN_GRID_0)
    overdue_case(worker_b, district_admin, IN_GRID_2)
    # Not overdue: filed, not accepted (no deadline yet).
    actions.file_case(
        worker_a,
        district=small.district,
        category=catalogue["SZ01"],
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=IN_GRID_1[0],
        lat=IN_GRID_1[1],
        answers={"since": "today"},
    )


def test_each_grid_counts_its_open_overdue_cases_in_the_users_scope(small, overdue_cases, district_admin, worker_a):
    counts = {p["id"]: p["overdue"] for p in grid_props(session_client(district_admin), overdue="1")}
    assert counts == {small.grids[0].pk: 2, small.grids[1].pk: 0, small.grids[2].pk: 1, small.grids[3].pk: 0}
    mine = {p["id"]: p["overdue"] for p in grid_props(session_client(worker_a), overdue="1")}
    assert mine == {small.grids[0].pk: 2}
    assert overdue_by_grid(worker_a) == {small.grids[0].pk: 2}
    assert "overdue" not in grid_props(session_client(district_admin))[0]


def test_overdue_counts_take_a_fixed_number_of_queries(small, overdue_cases, district_admin, worker_a, worker_b):
    client = session_client(district_admin)
    with count_queries() as before:
        client.get(GRIDS, {"overdue": "1"})
    overdue_case(worker_b, district_admin, IN_GRID_2)
    overdue_case(worker_a, district_admin, IN_GRID_0)
    add_grid(small, 4)
    with count_queries() as after:
        props = grid_props(client, overdue="1")
    assert sum(p["overdue"] for p in props) == 5 and len(props) == 5
    assert_flat(before, after, at_most=7)


# --- the public board's grids ----------------------------------------------------------------


def test_the_board_grids_are_outlines_and_names_only_without_login(small, district_admin):
    response = Client().get("/board/grids.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    assert "public" in response["Cache-Control"] and "max-age=600" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    features = response.json()["features"]
    assert [f["properties"]["id"] for f in features] == [g.pk for g in small.grids]
    assert {key for f in features for key in f["properties"]} == {
        "id",
        "name",
        "code",
        "community",
        "community_id",
        "color",
    }
    assert features[0]["geometry"]["type"] == "Polygon"
    assert Client().get("/board/grids.geojson", {"district": "NOPE"}).status_code == 404


def test_the_board_points_may_be_kept_a_minute(small):
    response = Client().get("/board.geojson")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_the_board_grids_take_a_fixed_number_of_queries(small):
    with count_queries() as before:
        Client().get("/board/grids.geojson")
    add_grid(small, 4)
    add_grid(small, 5)
    with count_queries() as after:
        response = Client().get("/board/grids.geojson")
    assert len(response.json()["features"]) == 6
    assert_flat(before, after, at_most=3)


# --- the maps' configuration ----------------------------------------------------------------


def test_every_map_gets_the_grids_and_buildings_urls_and_the_case_detail_highlights_its_grid(
    small, catalogue, worker_a
):
    client = session_client(worker_a)
    config = client.get("/cases/new/").context["map_config"]
    assert config["grids_url"] == f"{GRIDS}?pick=1" and config["buildings_url"] == f"{BUILDINGS}?pick=1"
    assert config["buildings_min_zoom"] == 15 and config["tile_crs"] == "wgs84"
    case = actions.file_case(
        worker_a,
        district=small.district,
        category=catalogue["SZ01"],
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )
    detail = client.get(f"/cases/{case.pk}/").context["map_config"]
    assert detail["highlight_grids"] == [small.grids[0].pk] and detail["grids_url"] == GRIDS
    assert detail["point"] == pytest.approx(IN_GRID_0)
    board = Client().get("/board/").context["map_config"]
    assert board["grids_url"] == f"/board/grids.geojson?district={small.district.code}"
    assert board["buildings_url"] is None
