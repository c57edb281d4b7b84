"""Every filing is checked for duplicates, whatever gave its place (a point, a chosen building,
a typed address): open cases of the same category nearby, in the same building or in the
same grid are offered, in a fixed number of queries."""

import re

import pytest

from wangge.api.testing import session_client
from wangge.cases import actions
from wangge.cases.models import Case, Category, Channel
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2
from wangge.lib.testing import Queries, assert_flat, count_queries

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def file(user, code="SZ01", **place) -> Case:
    category = Category.objects.get(code=code)
    return actions.file_case(
        user,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description="路灯不亮",
        answers={"since": "today"} if code == "SZ01" else {},
        **place,
    )


def form(**place) -> dict[str, str]:
    return {
        "category": str(Category.objects.get(code="SZ01").pk),
        "answer_since": "today",
        "description": "又一盏路灯",
        "channel": "patrol",
        **place,
    }


def offered(response) -> list[str]:
    return re.findall(r'href="/cases/\d+/">([^<]+)</a>', response.content.decode().split('id="dup-title"')[-1])


def test_an_open_case_in_the_same_grid_is_offered_for_a_chosen_building(small, catalogue, worker_a):
    same_grid = file(worker_a, lng=IN_GRID_0[0], lat=IN_GRID_0[1])  # ≈ 110 m from the building: not "near"
    other_grid = file(worker_a, lng=IN_GRID_2[0], lat=IN_GRID_2[1])
    other_category = file(worker_a, code="SZ02", lng=IN_GRID_0[0], lat=IN_GRID_0[1])
    client = session_client(worker_a)
    response = client.post("/cases/new/", form(building=str(small.buildings[1].pk)))
    assert response.status_code == 200 and 'id="dup-title"' in response.content.decode()
    assert offered(response) == [same_grid.number]
    assert other_grid.number not in offered(response) and other_category.number not in offered(response)
    response = client.post("/cases/new/", form(building=str(small.buildings[1].pk), confirm_new="1"))
    assert response.status_code == 302 and Case.objects.count() == 4


def test_an_open_case_of_the_same_building_comes_first_for_a_typed_address(small, catalogue, worker_a):
    building = small.buildings[0]
    building.address = "青年东路5号1号楼"
    building.save()
    in_grid = file(worker_a, lng=IN_GRID_0[0], lat=IN_GRID_0[1])
    in_building = file(worker_a, building=building)
    response = session_client(worker_a).post("/cases/new/", form(address="青年东路5号1号"))
    assert offered(response)[:2] == [in_building.number, in_grid.number]


def test_a_case_no_longer_open_or_out_of_the_users_sight_is_not_offered(
    small, catalogue, worker_a, worker_b, district_admin
):
    rejected = file(worker_a, building=small.buildings[0])
    actions.reject(district_admin, rejected, reason="重复")
    response = session_client(worker_a).post("/cases/new/", form(building=str(small.buildings[0].pk)))
    assert response.status_code == 302  # nothing open to offer: filed at once
    unseen = Case.objects.latest("pk")  # open, in grid 0, which worker_b does not see
    response = session_client(worker_b).post("/cases/new/", form(building=str(small.buildings[0].pk)))
    assert response.status_code == 302 and unseen.number not in response.content.decode()
    assert Case.objects.count() == 3


def test_the_duplicate_check_costs_a_fixed_number_of_queries(small, catalogue, worker_a):
    client = session_client(worker_a)
    file(worker_a, building=small.buildings[0])

    def count() -> Queries:
        with count_queries() as queries:
            assert client.post("/cases/new/", form(building=str(small.buildings[1].pk))).status_code == 200
        return queries

    before = count()
    for n in range(6):
        file(worker_a, lng=IN_GRID_0[0] + 0.0005 * n, lat=IN_GRID_0[1])
        file(worker_a, building=small.buildings[n % 2])
    assert_flat(before, count())
