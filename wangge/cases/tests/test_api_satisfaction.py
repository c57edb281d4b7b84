"""REST: GET /api/v1/cases/satisfaction — return-visit results on the cases the caller sees,
grouped by unit, grid or category."""

import pytest

from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases import actions
from wangge.cases.models import HandlingUnit
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, ok


def _visited(small, catalogue, admin, unit_user, result, point=IN_GRID_0, code="SZ01", unit=None):
    case = actions.file_case(
        None,
        district=small.district,
        category=catalogue[code],
        channel="patrol",
        description="问题",
        lng=point[0],
        lat=point[1],
        answers={"since": "today"} if code == "SZ01" else {},
    )
    case = actions.dispatch(admin, actions.accept(admin, case), unit=unit)
    case = actions.handle(unit_user, actions.start(unit_user, case), result="已办")
    case = actions.verify(admin, case, passed=True)
    return actions.record_visit(admin, case, result=result)


@pytest.fixture
def visits(small, catalogue, district_admin, dept_a, dept_b):
    civil = HandlingUnit.objects.get(name="民政局")
    _visited(small, catalogue, district_admin, dept_a, "satisfied")
    _visited(small, catalogue, district_admin, dept_a, "basically")
    _visited(small, catalogue, district_admin, dept_a, "unsatisfied")
    _visited(small, catalogue, district_admin, dept_b, "satisfied", point=IN_GRID_2, code="MS01", unit=civil)


def test_by_unit_for_the_district(small, visits, district_admin):
    body = ok(bearer_client(district_admin).get("/api/v1/cases/satisfaction", {"by": "unit"}))
    assert body["by"] == "unit"
    rows = {r["name"]: r for r in body["rows"]}
    assert set(rows) == {"城市管理局", "民政局"}
    city = rows["城市管理局"]
    assert (city["total"], city["satisfied"], city["basically"], city["unsatisfied"]) == (3, 1, 1, 1)
    assert city["rate"] == pytest.approx(2 / 3)
    assert rows["民政局"]["rate"] == 1.0


def test_by_grid_and_category_within_the_scope(small, catalogue, visits, worker_a, dept_b):
    by_grid = ok(bearer_client(worker_a).get("/api/v1/cases/satisfaction", {"by": "grid"}))["rows"]
    assert [(r["id"], r["total"]) for r in by_grid] == [(small.grids[0].pk, 3)]
    by_category = ok(bearer_client(dept_b).get("/api/v1/cases/satisfaction", {"by": "category"}))["rows"]
    assert [(r["id"], r["name"], r["total"]) for r in by_category] == [(catalogue["MS01"].pk, "困难求助", 1)]


def test_nothing_for_a_user_without_a_role(small, visits, no_role_user):
    assert ok(bearer_client(no_role_user).get("/api/v1/cases/satisfaction"))["rows"] == []


def test_an_unknown_grouping_is_invalid_input(small, district_admin):
    response = bearer_client(district_admin).get("/api/v1/cases/satisfaction", {"by": "weather"})
    assert assert_error(response, 422, "invalid_input")["fields"] == ["by"]
