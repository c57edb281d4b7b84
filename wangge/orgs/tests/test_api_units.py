"""REST: GET /api/v1/orgs/units and /api/v1/orgs/units/{id}, within the caller's scope."""

import datetime as dt

import pytest

from wangge.api.testing import assert_error, bearer_client
from wangge.lib import memo
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs import actions
from wangge.orgs.models import OrgUnit, UnitKind
from wangge.orgs.tests.factories import lay_units


@pytest.fixture
def units(small):
    return lay_units(small)


def _ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _unit_on(area):
    return OrgUnit.objects.get(area=area)


def test_a_worker_lists_the_units_of_its_own_grid_only(small, units, worker_a, worker_b):
    seen_a = _ids(bearer_client(worker_a).get("/api/v1/orgs/units"))
    seen_b = _ids(bearer_client(worker_b).get("/api/v1/orgs/units"))
    assert seen_a == set(OrgUnit.objects.filter(grid=small.grids[0]).values_list("pk", flat=True))
    assert seen_b == set(OrgUnit.objects.filter(grid=small.grids[2]).values_list("pk", flat=True))
    assert len(seen_a) == 4  # grid branch, building-group branch, two building groups
    assert not seen_a & seen_b


def test_community_staff_list_their_community_and_its_committee(small, units, community_staff):
    seen = _ids(bearer_client(community_staff).get("/api/v1/orgs/units"))
    assert _unit_on(small.communities[0]).pk in seen
    assert _unit_on(small.communities[1]).pk not in seen
    assert len(seen) == 1 + 2 * 4


def test_a_user_without_role_lists_nothing(small, units, no_role_user):
    assert bearer_client(no_role_user).get("/api/v1/orgs/units").json() == {"items": [], "count": 0}


def test_the_items_carry_the_kind_label_and_area(small, units, worker_a):
    client = bearer_client(worker_a, **{"Accept-Language": "en"})
    items = client.get("/api/v1/orgs/units", {"kind": "grid_branch"}).json()["items"]
    unit = _unit_on(small.grids[0])
    assert items == [
        {
            "id": unit.pk,
            "kind": "grid_branch",
            "kind_label": "Grid general branch",
            "name": unit.name,
            "district_id": small.district.pk,
            "area": {
                "id": small.grids[0].pk,
                "level": "grid",
                "code": small.grids[0].code,
                "name": small.grids[0].name,
            },
            "parent_id": _unit_on(small.communities[0]).pk,
            "community_id": small.communities[0].pk,
            "grid_id": small.grids[0].pk,
            "sector": "",
            "opens_on": None,
            "closes_on": None,
            "is_open": True,
        }
    ]


def test_the_district_s_own_kind_names_are_used(small, units, worker_a):
    actions.set_level_name(None, district=small.district, kind=UnitKind.GRID_BRANCH, name="网格党支部")
    items = bearer_client(worker_a).get("/api/v1/orgs/units").json()["items"]
    labels = {item["kind"]: item["kind_label"] for item in items}
    assert labels["grid_branch"] == "网格党支部"
    assert labels["building_cell"] == str(UnitKind.BUILDING_CELL.label)


def test_filters_by_kind_and_area(small, units, worker_a, district_admin):
    client = bearer_client(worker_a)
    assert _ids(client.get("/api/v1/orgs/units", {"kind": "building_cell"})) == {
        _unit_on(small.buildings[0]).pk,
        _unit_on(small.buildings[1]).pk,
    }
    group = small.building_groups[0]
    assert _ids(client.get("/api/v1/orgs/units", {"area": group.pk})) == {
        _unit_on(group).pk,
        _unit_on(small.buildings[0]).pk,
        _unit_on(small.buildings[1]).pk,
    }
    assert _ids(client.get("/api/v1/orgs/units", {"area": small.buildings[1].pk})) == {_unit_on(small.buildings[1]).pk}
    admin = bearer_client(district_admin)
    assert len(_ids(admin.get("/api/v1/orgs/units", {"area": small.communities[1].pk}))) == 1 + 2 * 4
    assert len(_ids(admin.get("/api/v1/orgs/units", {"area": small.district.pk, "limit": 500}))) == len(units)
    assert _ids(admin.get("/api/v1/orgs/units", {"area": small.households[0].pk})) == set()


def test_an_area_outside_the_scope_gives_an_empty_list(small, units, worker_a):
    client = bearer_client(worker_a)
    assert _ids(client.get("/api/v1/orgs/units", {"area": small.grids[2].pk})) == set()
    assert _ids(client.get("/api/v1/orgs/units", {"area": 999999999})) == set()


def test_an_unknown_kind_is_invalid_input(small, units, worker_a):
    body = assert_error(bearer_client(worker_a).get("/api/v1/orgs/units", {"kind": "club"}), 422, "invalid_input")
    assert body["fields"] == ["kind"]


def test_horizontal_units_are_listed_where_they_are_attached(small, units, worker_a, worker_b):
    temporary = actions.create_horizontal_unit(
        None,
        area=small.buildings[0],
        kind=UnitKind.TEMPORARY_BRANCH,
        name="拆迁项目临时党支部",
        opens_on=dt.date(2024, 1, 1),
        closes_on=dt.date(2024, 6, 30),
    )
    item = bearer_client(worker_a).get(f"/api/v1/orgs/units/{temporary.pk}").json()
    assert item["kind"] == "temporary_branch" and item["is_open"] is False
    assert item["opens_on"] == "2024-01-01" and item["closes_on"] == "2024-06-30"
    assert temporary.pk not in _ids(bearer_client(worker_b).get("/api/v1/orgs/units"))


def test_a_unit_outside_the_scope_is_not_found(small, units, worker_a, worker_b, no_role_user):
    theirs = _unit_on(small.grids[2])
    assert bearer_client(worker_b).get(f"/api/v1/orgs/units/{theirs.pk}").status_code == 200
    outside = bearer_client(worker_a).get(f"/api/v1/orgs/units/{theirs.pk}")
    missing = bearer_client(worker_a).get("/api/v1/orgs/units/999999999")
    assert assert_error(outside, 404, "not_found") == assert_error(missing, 404, "not_found")
    assert_error(
        bearer_client(worker_a).get(f"/api/v1/orgs/units/{_unit_on(small.communities[0]).pk}"), 404, "not_found"
    )
    assert_error(bearer_client(no_role_user).get(f"/api/v1/orgs/units/{theirs.pk}"), 404, "not_found")


def test_the_list_costs_the_same_number_of_queries_however_many_rows(small, units, district_admin):
    actions.set_level_name(None, district=small.district, kind=UnitKind.GRID_BRANCH, name="网格党支部")
    client = bearer_client(district_admin)

    def listed():
        memo.forget_all()  # counted cold: the token and roles read as on a process's first call
        with count_queries() as queries:
            response = client.get("/api/v1/orgs/units", {"limit": 500, "area": small.district.pk})
            assert response.status_code == 200
        return queries, response.json()["count"]

    before, rows = listed()
    for n, area in enumerate([*small.grids, *small.buildings]):
        actions.create_horizontal_unit(None, area=area, kind=UnitKind.MERCHANTS_BRANCH, name=f"商户联合党支部{n}")
    after, more_rows = listed()
    assert more_rows == rows + 12
    assert_flat(before, after)
