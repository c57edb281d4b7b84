"""The filing form's building search (/places/buildings/): what is typed finds the buildings
of the user's scope (a grid worker's grid, a resident's district), as buttons carrying the
building, its point and its label; a fixed number of queries however many buildings."""

import re

import pytest
from django.test import Client

from wangge.accounts.models import Role
from wangge.api.testing import session_client
from wangge.areas import actions as area_actions
from wangge.conftest import make_persona
from wangge.lib.testing import Queries, assert_flat, count_queries
from wangge.web.tests.conftest import zh


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def results(client, q: str) -> list[tuple[str, str]]:
    response = client.get("/places/buildings/", {"q": q})
    assert response.status_code == 200
    text = response.content.decode()
    return re.findall(r'data-building="(\d+)"[^>]*data-label="([^"]*)"', text)


def test_a_grid_worker_finds_the_buildings_of_their_grid_only(small, worker_a, worker_b):
    mine = small.buildings[0]  # 社区1第1网格1号楼, grid 0
    found = results(session_client(worker_a), "1号")
    assert [pk for pk, _label in found] == [str(mine.pk)]
    assert "社区1第1网格" in found[0][1]
    theirs = results(session_client(worker_b), "1号")
    assert [pk for pk, _label in theirs] == [str(small.buildings[4].pk)]  # grid 2's 1号楼


@pytest.mark.parametrize("query", ["2号", "2#", "2号楼", "二号楼", "2栋"])
def test_every_way_of_writing_the_number_finds_the_building(small, worker_a, query):
    assert [pk for pk, _label in results(session_client(worker_a), query)] == [str(small.buildings[1].pk)]


def test_the_buttons_carry_the_point_in_the_tiles_system(small, worker_a, settings):
    settings.MAP_TILE_CRS = "gcj02"
    text = session_client(worker_a).get("/places/buildings/", {"q": "1号"}).content.decode()
    building = small.buildings[0]
    lng = float(re.search(r'data-lng="([^"]+)"', text)[1])
    assert lng != pytest.approx(building.lng, abs=1e-6)  # shifted into GCJ-02
    assert abs(lng - building.lng) < 0.01


def test_a_resident_searches_the_buildings_of_their_district_their_own_grid_first(small, resident):
    found = results(session_client(resident), "1号楼")
    assert len(found) == 4  # every grid's 1号楼: a resident may file anywhere in the district
    assert found[0][0] == str(small.buildings[0].pk)  # the one of the resident's own grid first
    neighbour = make_persona("resident_g2", Role.RESIDENT, small.households[12])  # grid 2
    assert results(session_client(neighbour), "1号楼")[0][0] == str(small.buildings[4].pk)
    assert results(session_client(neighbour), "2号楼")[0][0] == str(small.buildings[5].pk)


@pytest.mark.parametrize("query", ["幸福里社区第2网格2号楼", "第2网格2号楼", "第2网格 2号楼", "第2网格 2#"])
def test_the_grid_as_said_inside_the_community_before_the_number_names_one_building(small, community_staff, query):
    # Names as a real district has them: the grid's begins with its community's, a building's
    # is its number within the grid.
    renamed = [
        (small.communities[0], "幸福里社区"),
        (small.grids[1], "幸福里社区第2网格"),
        (small.buildings[2], "1号楼"),
        (small.buildings[3], "2号楼"),
    ]
    for node, name in renamed:
        node.name = name
        node.save(update_fields=["name", "updated_at"])
    assert [pk for pk, _label in results(session_client(community_staff), query)] == [str(small.buildings[3].pk)]


def test_a_grid_name_and_its_pinyin_list_its_buildings(small, worker_a, community_staff):
    assert len(results(session_client(worker_a), "第1网格")) == 2
    assert len(results(session_client(community_staff), "sq1d2wg")) == 2  # 社区1第2网格 by its initials


def test_an_empty_query_lists_nothing_and_a_user_without_a_role_is_turned_away(small, worker_a, no_role_user):
    assert results(session_client(worker_a), "") == []
    none = session_client(worker_a).get("/places/buildings/", {"q": "不存在的楼"}).content.decode()
    assert zh("No building of your area matches; tap the map instead.") in none
    assert session_client(no_role_user).get("/places/buildings/", {"q": "1号"}).status_code == 403
    assert Client().get("/places/buildings/", {"q": "1号"}).status_code == 302  # to the login page


def test_a_renamed_building_is_found_by_its_new_name_at_once(small, worker_a):
    client = session_client(worker_a)
    assert results(client, "健康楼") == []
    building = small.buildings[0]
    building.name = "健康楼"
    building.save()
    assert [pk for pk, _label in results(client, "健康楼")] == [str(building.pk)]


def test_the_search_costs_a_fixed_number_of_queries(small, worker_a):
    client = session_client(worker_a)
    results(client, "号楼")  # the district's buildings read once

    def count() -> Queries:
        with count_queries() as queries:
            assert len(results(client, "号楼")) >= 2
        return queries

    before = count()
    for n in range(6):
        area_actions.create_area(
            None, parent=small.building_groups[0], name=f"{n + 3}号楼", code=f"T-X{n}", lng=117.005, lat=36.605
        )
    results(client, "号楼")  # read again once after the change
    assert_flat(before, count())
