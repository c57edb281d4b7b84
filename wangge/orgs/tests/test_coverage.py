"""The coverage report names exactly the gaps, per community and grid, in a fixed number of queries."""

import datetime as dt

from wangge.areas import actions as area_actions
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs import actions
from wangge.orgs.coverage import GapKind, coverage_report
from wangge.people import actions as people_actions
from wangge.people.actions import PersonInput
from wangge.people.models import MemberKind


def _fuse(small, *, skip_grid=None, skip_group=None, uncovered_building=None, uncovered_household=None):
    """Lay units and zones over the small district, leaving the named gaps."""
    rows = [(c, f"{c.name}党委") for c in small.communities]
    rows += [(g, f"{g.name}党总支") for g in small.grids if g != skip_grid]
    rows += [(q, f"{q.name}党支部") for q in small.building_groups if q != skip_group]
    rows += [(b, f"{b.name}党小组") for b in small.buildings]
    actions.lay_vertical_units(None, rows)
    person = people_actions.create_person(None, district=small.district, data=PersonInput(name="张党员"))
    member = people_actions.register_members(None, [(person, MemberKind.RETIRED, small.communities[0])])[0]
    covered = [b for b in small.buildings if b != uncovered_building]
    households = [
        h
        for h in small.households
        if h.building_id == getattr(uncovered_building, "pk", None) and h != uncovered_household
    ]
    actions.create_zone(None, member=member, name="责任区", areas=covered + households)


def test_report_names_exactly_the_planted_gaps(small, district_admin):
    building = small.buildings[5]  # grid 2
    household = next(h for h in small.households if h.building_id == building.pk)
    _fuse(
        small,
        skip_grid=small.grids[1],
        skip_group=small.building_groups[3],
        uncovered_building=building,
        uncovered_household=household,
    )
    report = coverage_report(district_admin)
    assert {(g.kind, g.code) for g in report.gaps} == {
        (GapKind.GRID_WITHOUT_UNIT, small.grids[1].code),
        (GapKind.GROUP_WITHOUT_UNIT, small.building_groups[3].code),
        (GapKind.BUILDING_WITHOUT_MEMBER, building.code),
        (GapKind.HOUSEHOLD_WITHOUT_MEMBER, household.code),
    }
    assert report.total == 4
    by_grid = {line.code: line.counts for line in report.grids}
    assert by_grid[small.grids[1].code][GapKind.GRID_WITHOUT_UNIT] == 1
    assert by_grid[small.grids[2].code][GapKind.BUILDING_WITHOUT_MEMBER] == 1
    by_community = {line.code: line.total for line in report.communities}
    assert by_community == {small.communities[0].code: 1, small.communities[1].code: 3}


def test_an_empty_district_is_all_gaps(small, district_admin):
    report = coverage_report(district_admin)
    assert report.totals == {
        GapKind.GRID_WITHOUT_UNIT: 4,
        GapKind.GROUP_WITHOUT_UNIT: 4,
        GapKind.BUILDING_WITHOUT_MEMBER: 8,
        GapKind.HOUSEHOLD_WITHOUT_MEMBER: 24,
    }


def test_each_persona_sees_only_the_gaps_of_its_grid(small, worker_a, worker_b):
    report_a = coverage_report(worker_a)
    report_b = coverage_report(worker_b)
    assert {g.grid_id for g in report_a.gaps} == {small.grids[0].pk}
    assert {g.grid_id for g in report_b.gaps} == {small.grids[2].pk}
    assert [line.area_id for line in report_a.grids] == [small.grids[0].pk]


def test_report_takes_the_same_queries_however_many_rows(small, district_admin):
    coverage_report(district_admin)
    with count_queries() as before:
        coverage_report(district_admin)
    for building in small.buildings:
        for n in range(5):
            area_actions.create_area(None, parent=building, name=f"加{n}", code=f"{building.code}-X{n}")
    with count_queries() as after:
        report = coverage_report(district_admin)
    assert report.totals[GapKind.HOUSEHOLD_WITHOUT_MEMBER] == 24 + 40
    assert_flat(before, after)


def test_horizontal_units_open_and_close(small):
    from wangge.lib.errors import DomainError
    from wangge.orgs.models import UnitKind

    unit = actions.create_horizontal_unit(
        None,
        area=small.grids[0],
        kind=UnitKind.TEMPORARY_BRANCH,
        name="旧城改造项目临时党支部",
        opens_on=dt.date(2026, 3, 1),
    )
    assert unit.grid_id == small.grids[0].pk
    for kwargs, code in [
        ({"kind": UnitKind.TEMPORARY_BRANCH}, "temporary_needs_dates"),
        ({"kind": UnitKind.GRID_BRANCH}, "not_horizontal"),
        (
            {"kind": UnitKind.MERCHANTS_BRANCH, "opens_on": dt.date(2026, 3, 1), "closes_on": dt.date(2026, 1, 1)},
            "closes_before_opening",
        ),
    ]:
        try:
            actions.create_horizontal_unit(None, area=small.grids[0], name="x", **kwargs)
        except DomainError as error:
            assert error.code == code
        else:
            raise AssertionError(f"{kwargs} was accepted")
    actions.close_unit(None, unit=unit, closes_on=dt.date(2026, 9, 30))
    unit.refresh_from_db()
    assert unit.closes_on == dt.date(2026, 9, 30)


def test_a_vertical_unit_is_laid_once_per_area(small):
    from wangge.lib.errors import DomainError
    from wangge.orgs.models import OrgUnit

    units = actions.lay_vertical_units(None, [(small.communities[0], "党委"), (small.grids[0], "党总支")])
    assert units[1].parent_id == units[0].pk
    try:
        actions.lay_vertical_units(None, [(small.grids[0], "第二个党总支")])
    except DomainError as error:
        assert error.code == "unit_exists"
    else:
        raise AssertionError("a second grid branch was accepted")
    assert OrgUnit.objects.count() == 2
