"""Organisation units (the four vertical levels and horizontal units) and resident units from
their ledgers."""

import copy
import datetime as dt

import pytest

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.onboarding.addresses import import_addresses
from wangge.onboarding.tests.factories import (
    FILES,
    ORG_HEADER,
    ORG_ROWS,
    RESIDENT_HEADER,
    RESIDENT_ROWS,
    write_table,
)
from wangge.onboarding.units import import_org_units, import_resident_units
from wangge.orgs.models import OrgUnit, ResidentUnit, UnitKind

ORG_UNITS = FILES / "org_units.xlsx"
RESIDENT_UNITS = FILES / "resident_units.xlsx"
FIRST_ROW = 3


@pytest.fixture
def addressed(xinqu, xinqu_admin):
    """新区 with its address book imported: building groups and buildings to lay units on."""
    import_addresses(xinqu_admin, district=xinqu.district, path=FILES / "addresses.xlsx", commit=True)
    return xinqu


def test_a_dry_run_of_the_org_units_writes_nothing(addressed, xinqu_admin):
    report = import_org_units(xinqu_admin, district=addressed.district, path=ORG_UNITS)

    assert report.ok, report.problems
    assert (report.rows, report.created, report.committed) == (11, {"org_units": 11}, False)
    assert not OrgUnit.objects.filter(district=addressed.district).exists()


def test_the_org_units_are_laid_on_their_areas_under_the_unit_of_the_parent_area(addressed, xinqu_admin):
    report = import_org_units(xinqu_admin, district=addressed.district, path=ORG_UNITS, commit=True)

    assert report.committed
    units = {u.name: u for u in OrgUnit.objects.filter(district=addressed.district)}
    assert len(units) == 11
    committee, branch = units["东湖社区党委"], units["东湖社区第1网格党总支"]
    assert (committee.kind, committee.area) == (UnitKind.COMMUNITY_COMMITTEE, addressed.communities[0])
    assert (branch.kind, branch.area, branch.parent) == (UnitKind.GRID_BRANCH, addressed.grids[0], committee)
    group_branch = units["东湖社区第1网格1号楼群党支部"]
    assert (group_branch.area.code, group_branch.parent) == ("XQ-C1-G1-Q1", branch)
    cell = units["东湖社区第1网格1号楼党小组"]
    assert (cell.area.code, cell.parent) == ("XQ-C1-G1-Q1-B01", group_branch)
    sector = units["新区住建行业党支部"]
    assert (sector.kind, sector.area, sector.sector) == (UnitKind.SECTOR_BRANCH, addressed.district, "住建局")
    temporary = units["东湖社区旧楼改造临时党支部"]
    assert (temporary.kind, temporary.opens_on) == (UnitKind.TEMPORARY_BRANCH, dt.date(2026, 3, 1))
    event = AuditEvent.objects.filter(action=AuditAction.ONBOARDING_IMPORTED).latest("at")
    assert event.detail["kind"] == "org_units"


def test_a_second_run_of_the_org_units_changes_nothing(addressed, xinqu_admin):
    import_org_units(xinqu_admin, district=addressed.district, path=ORG_UNITS, commit=True)

    again = import_org_units(xinqu_admin, district=addressed.district, path=ORG_UNITS, commit=True)

    assert again.unchanged == again.rows == 11
    assert again.created == {"org_units": 0}
    assert OrgUnit.objects.filter(district=addressed.district).count() == 11


def test_an_area_with_its_unit_under_another_name_is_a_warning_not_a_rename(addressed, xinqu_admin, tmp_path):
    import_org_units(xinqu_admin, district=addressed.district, path=ORG_UNITS, commit=True)
    rows = copy.deepcopy(ORG_ROWS)
    rows[0][0] = "东湖社区党总支"

    report = import_org_units(
        xinqu_admin, district=addressed.district, path=write_table(tmp_path / "o.xlsx", ORG_HEADER, rows), commit=True
    )

    assert report.committed
    assert [(w.row, w.code) for w in report.warnings] == [(2, "unit_name_differs")]
    assert OrgUnit.objects.filter(name="东湖社区党委").exists()
    assert not OrgUnit.objects.filter(name="东湖社区党总支").exists()


@pytest.mark.parametrize(
    ("index", "column", "value", "code"),
    [
        (0, "类型", "党工委", "unknown_unit_kind"),
        (2, "区域", "东湖社区", "area_level"),
        (3, "区域", "第2网格", "area_ambiguous"),
        (10, "成立日期", "", "temporary_needs_dates"),
        (10, "成立日期", "二〇二六年", "date_format"),
        (1, "区域", "东湖社区", "duplicate_unit"),
    ],
)
def test_a_bad_org_unit_row_stops_the_commit(addressed, xinqu_admin, tmp_path, index, column, value, code):
    rows = copy.deepcopy(ORG_ROWS)
    rows[index][ORG_HEADER.index(column)] = value
    path = write_table(tmp_path / "bad.xlsx", ORG_HEADER, rows, title="新区党组织台账")

    report = import_org_units(xinqu_admin, district=addressed.district, path=path, commit=True)

    assert [(p.row, p.code) for p in report.problems] == [(FIRST_ROW + index, code)]
    assert not OrgUnit.objects.filter(district=addressed.district).exists()


def test_the_resident_units_are_created_once(xinqu, xinqu_admin):
    dry = import_resident_units(xinqu_admin, district=xinqu.district, path=RESIDENT_UNITS)
    first = import_resident_units(xinqu_admin, district=xinqu.district, path=RESIDENT_UNITS, commit=True)
    again = import_resident_units(xinqu_admin, district=xinqu.district, path=RESIDENT_UNITS, commit=True)

    assert dry.created == first.created == {"resident_units": 3}
    assert again.unchanged == again.rows == 3 and again.created == {"resident_units": 0}
    hospital = ResidentUnit.objects.get(name="新区人民医院")
    assert (hospital.kind, hospital.area, hospital.address) == ("医院", xinqu.grids[2], "西山路20号")
    assert hospital.community == xinqu.communities[1]
    assert ResidentUnit.objects.filter(district=xinqu.district).count() == 3


def test_a_resident_unit_in_an_unknown_area_stops_the_commit(xinqu, xinqu_admin, tmp_path):
    rows = copy.deepcopy(RESIDENT_ROWS)
    rows[2][2] = "北山社区"
    path = write_table(tmp_path / "bad.csv", RESIDENT_HEADER, rows)

    report = import_resident_units(xinqu_admin, district=xinqu.district, path=path, commit=True)

    assert [(p.row, p.code) for p in report.problems] == [(4, "unknown_area")]
    assert not ResidentUnit.objects.exists()
