"""REST: GET /api/v1/coverage — the coverage report in the caller's scope."""

import typing

from wangge.api.testing import assert_error, bearer_client
from wangge.areas import actions as area_actions
from wangge.lib import memo
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.api import GapKindName
from wangge.orgs.coverage import GapKind
from wangge.orgs.tests.factories import lay_units


def _report(client, **params):
    response = client.get("/api/v1/coverage", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_gap_kinds_of_the_schema_are_those_of_the_report():
    assert typing.get_args(GapKindName) == GapKind.ALL


def test_a_worker_sees_the_gaps_of_its_own_grid_only(small, worker_a, worker_b):
    report_a = _report(bearer_client(worker_a))
    report_b = _report(bearer_client(worker_b))
    assert {g["grid"]["id"] for g in report_a["gaps"]} == {small.grids[0].pk}
    assert {g["grid"]["id"] for g in report_b["gaps"]} == {small.grids[2].pk}
    assert [line["id"] for line in report_a["grids"]] == [small.grids[0].pk]
    assert report_a["communities"] == []  # the community itself is outside a grid worker's scope
    assert {g["area_id"] for g in report_a["gaps"]}.isdisjoint({g["area_id"] for g in report_b["gaps"]})


def test_the_report_counts_by_kind_community_and_grid(small, community_staff):
    report = _report(bearer_client(community_staff, **{"Accept-Language": "en"}))
    totals = {t["kind"]: t["count"] for t in report["totals"]}
    # Nothing is laid yet: 2 grids, 2 building groups, 4 buildings and 12 households are gaps.
    assert totals == {
        "grid_without_unit": 2,
        "building_group_without_unit": 2,
        "building_without_member": 4,
        "household_without_member": 12,
    }
    assert report["total"] == report["gap_count"] == len(report["gaps"]) == 20
    assert report["totals"][0]["label"] == "Grid without its grid general branch"
    [community] = report["communities"]
    assert community["id"] == small.communities[0].pk and community["total"] == 20
    assert [line["total"] for line in report["grids"]] == [10, 10]
    assert report["grids"][0]["counts"]["household_without_member"] == 6
    grid_gap = next(g for g in report["gaps"] if g["kind"] == "grid_without_unit")
    assert grid_gap == {
        "kind": "grid_without_unit",
        "kind_label": "Grid without its grid general branch",
        "area_id": small.grids[0].pk,
        "code": small.grids[0].code,
        "name": small.grids[0].name,
        "community": {"id": small.communities[0].pk, "name": small.communities[0].name},
        "grid": {"id": small.grids[0].pk, "name": small.grids[0].name},
    }


def test_laid_units_close_their_gaps(small, district_admin):
    lay_units(small)
    report = _report(bearer_client(district_admin))
    totals = {t["kind"]: t["count"] for t in report["totals"]}
    assert totals["grid_without_unit"] == totals["building_group_without_unit"] == 0
    assert totals["household_without_member"] == 24


def test_narrowing_to_an_area_and_a_kind(small, worker_a, district_admin):
    client = bearer_client(worker_a)
    report = _report(client, area=small.buildings[0].pk)
    assert report["area_id"] == small.buildings[0].pk
    assert report["total"] == 1 + 3
    households = _report(bearer_client(district_admin), kind="household_without_member", limit=5, offset=20)
    assert households["total"] == 4 + 4 + 8 + 24
    assert households["gap_count"] == 24
    assert len(households["gaps"]) == 4
    assert {g["kind"] for g in households["gaps"]} == {"household_without_member"}


def test_an_area_outside_the_scope_is_not_found(small, worker_a, worker_b):
    assert _report(bearer_client(worker_b), area=small.grids[2].pk)["total"] == 10
    outside = bearer_client(worker_a).get("/api/v1/coverage", {"area": small.grids[2].pk})
    missing = bearer_client(worker_a).get("/api/v1/coverage", {"area": 999999999})
    assert assert_error(outside, 404, "not_found") == assert_error(missing, 404, "not_found")


def test_a_user_without_role_sees_an_empty_report(small, no_role_user):
    report = _report(bearer_client(no_role_user))
    assert report["total"] == 0 and report["gaps"] == [] and report["grids"] == [] and report["communities"] == []
    assert_error(bearer_client(no_role_user).get("/api/v1/coverage", {"area": small.grids[0].pk}), 404, "not_found")


def test_bad_parameters_are_invalid_input(small, worker_a):
    client = bearer_client(worker_a)
    assert assert_error(client.get("/api/v1/coverage", {"kind": "x"}), 422, "invalid_input")["fields"] == ["kind"]
    assert_error(client.get("/api/v1/coverage", {"limit": 0}), 422, "invalid_input")


def test_the_report_costs_the_same_number_of_queries_however_many_rows(small, district_admin):
    client = bearer_client(district_admin)

    def report():
        memo.forget_all()  # counted cold: the token and roles read as on a process's first call
        with count_queries() as queries:
            response = client.get("/api/v1/coverage", {"area": small.district.pk})
            assert response.status_code == 200
        return queries, response.json()["total"]

    before, gaps = report()
    buildings = area_actions.bulk_create_areas(
        None,
        [
            (group, {"name": f"{group.name}楼{n}", "code": f"{group.code}-X{n}"})
            for group in small.building_groups
            for n in range(3)
        ],
    )
    area_actions.bulk_create_areas(None, [(b, {"name": f"{b.name}室", "code": f"{b.code}-H"}) for b in buildings])
    after, more_gaps = report()
    assert more_gaps == gaps + 24
    assert_flat(before, after)
