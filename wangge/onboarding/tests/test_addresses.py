"""The address book: buildings and households of a district from the grid system's ledger."""

import copy
from pathlib import Path

import pytest
from shapely.geometry import Point

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.lib.geo import distance_m
from wangge.lib.testing import assert_flat, count_queries
from wangge.onboarding.addresses import import_addresses
from wangge.onboarding.tests.factories import (
    ADDRESS_HEADER,
    FILES,
    address_rows,
    building_point,
    grid_square,
    write_table,
)

ADDRESSES = FILES / "addresses.xlsx"
FIRST_ROW = 3  # a title row, then the header


def area_count(xinqu) -> int:
    return AreaNode.objects.filter(district=xinqu.district).count()


def test_a_dry_run_says_what_it_would_create_and_writes_nothing(xinqu, xinqu_admin):
    before = area_count(xinqu)

    report = import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES)

    assert report.ok, report.problems
    assert report.rows == 96
    assert report.created == {"building_groups": 4, "buildings": 12, "households": 96}
    assert report.unchanged == 0
    assert not report.committed
    assert area_count(xinqu) == before
    assert not AuditEvent.objects.filter(action=AuditAction.ONBOARDING_IMPORTED).exists()


def test_a_commit_writes_every_group_building_and_household_named_as_the_demo_names_them(xinqu, xinqu_admin):
    before = area_count(xinqu)

    report = import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, commit=True)

    assert report.ok and report.committed
    assert area_count(xinqu) == before + 4 + 12 + 96
    group = AreaNode.objects.get(district=xinqu.district, code="XQ-C1-G1-Q1")
    assert (group.name, group.parent) == ("1号楼群", xinqu.grids[0])
    building = AreaNode.objects.get(district=xinqu.district, code="XQ-C1-G1-Q1-B01")
    assert (building.name, building.address, building.building_group) == ("1号楼", "东湖路1号", group)
    household = AreaNode.objects.get(district=xinqu.district, code="XQ-C1-G1-Q1-B01-1-101")
    assert (household.name, household.level, household.grid) == ("1单元101室", Level.HOUSEHOLD, xinqu.grids[0])
    assert AreaNode.objects.filter(building=building, level=Level.HOUSEHOLD).count() == 8


def test_the_commit_writes_one_audit_row_with_the_counts_and_no_row_values(xinqu, xinqu_admin):
    import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, commit=True)

    event = AuditEvent.objects.get(action=AuditAction.ONBOARDING_IMPORTED)
    assert event.actor == xinqu_admin
    assert event.district_id == xinqu.district.pk
    assert event.detail["kind"] == "addresses"
    assert event.detail["created"] == {"building_groups": 4, "buildings": 12, "households": 96}
    assert "东湖" not in str(event.detail)


def test_a_second_run_of_the_same_file_changes_nothing(xinqu, xinqu_admin):
    import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, commit=True)
    after_first = area_count(xinqu)

    again = import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, commit=True)

    assert again.ok and again.committed
    assert again.unchanged == again.rows == 96
    assert again.created == {"building_groups": 0, "buildings": 0, "households": 0}
    assert area_count(xinqu) == after_first


def test_gcj02_bd09_and_wgs84_points_land_in_wgs84_inside_their_own_grid(xinqu, xinqu_admin):
    import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, commit=True)

    buildings = AreaNode.objects.filter(district=xinqu.district, level=Level.BUILDING)
    assert buildings.count() == 12
    for building in buildings:
        c, g = int(building.code[4]) - 1, int(building.code[7]) - 1
        assert grid_square(c, g).contains(Point(building.lng, building.lat)), building.code
    # GCJ-02 (东湖 第1网格), WGS-84 (西山 第1网格) and BD-09 (西山 第2网格, its first building): back where they were.
    for code, (c, g, b) in {
        "XQ-C1-G1-Q1-B02": (0, 0, 1),
        "XQ-C2-G1-Q1-B03": (1, 0, 2),
        "XQ-C2-G2-Q1-B01": (1, 1, 0),
    }.items():
        building = buildings.get(code=code)
        assert distance_m((building.lng, building.lat), building_point(c, g, b)) < 1.0, code


def test_a_building_without_a_point_takes_the_representative_point_of_its_grid(xinqu, xinqu_admin):
    import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, commit=True)

    expected = grid_square(0, 1).representative_point()
    for building in AreaNode.objects.filter(grid=xinqu.grids[1], level=Level.BUILDING):
        assert (building.lng, building.lat) == pytest.approx((expected.x, expected.y))


def test_a_building_group_column_puts_buildings_in_the_groups_it_names(xinqu, xinqu_admin, tmp_path):
    rows = [[*row[:2], "北区" if row[2] == "1号楼" else "南区", *row[2:]] for row in address_rows()]
    path = write_table(tmp_path / "groups.xlsx", [*ADDRESS_HEADER[:2], "楼群", *ADDRESS_HEADER[2:]], rows)

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path, commit=True)

    assert report.ok, report.problems
    assert report.created["building_groups"] == 8
    groups = AreaNode.objects.filter(grid=xinqu.grids[0], level=Level.BUILDING_GROUP).order_by("code")
    assert [(g.code, g.name) for g in groups] == [("XQ-C1-G1-Q1", "北区"), ("XQ-C1-G1-Q2", "南区")]
    assert AreaNode.objects.get(code="XQ-C1-G1-Q1-B01").building_group.name == "北区"


def _with(tmp_path: Path, change, name: str = "bad.xlsx") -> Path:
    rows = copy.deepcopy(address_rows())
    change(rows)
    return write_table(tmp_path / name, ADDRESS_HEADER, rows, title="新区楼栋户台账")


def _set(index: int, column: str, value):
    def change(rows):
        rows[index][ADDRESS_HEADER.index(column)] = value

    return change


@pytest.mark.parametrize(
    ("change", "row", "code"),
    [
        (_set(5, "网格", "东湖社区第9网格"), FIRST_ROW + 5, "unknown_grid"),
        (_set(6, "社区", "南湖社区"), FIRST_ROW + 6, "unknown_community"),
        (_set(1, "经度", "一百一十七"), FIRST_ROW + 1, "bad_coordinates"),
        (_set(2, "纬度", 136.6), FIRST_ROW + 2, "bad_coordinates"),
        (_set(3, "纬度", ""), FIRST_ROW + 3, "coordinates_incomplete"),
        (_set(4, "坐标系", "北京54"), FIRST_ROW + 4, "unknown_crs"),
        (_set(0, "经度", 117.2), FIRST_ROW + 0, "point_outside_grid"),
        (_set(7, "房号", "101"), FIRST_ROW + 7, "duplicate_household"),
        (_set(9, "房号", ""), FIRST_ROW + 9, "value_missing"),
    ],
    ids=[
        "unknown grid",
        "unknown community",
        "longitude not a number",
        "latitude out of range",
        "latitude missing",
        "unknown coordinate system",
        "point in another grid",
        "duplicate household",
        "room missing",
    ],
)
def test_a_bad_row_stops_the_whole_commit_and_is_named_by_its_row(xinqu, xinqu_admin, tmp_path, change, row, code):
    path = _with(tmp_path, change)
    before = area_count(xinqu)

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path, commit=True)

    assert not report.committed
    assert [(p.row, p.code) for p in report.problems] == [(row, code)]
    assert report.problems[0].message
    assert area_count(xinqu) == before
    assert not AuditEvent.objects.filter(action=AuditAction.ONBOARDING_IMPORTED).exists()


def test_a_duplicate_household_names_the_row_it_repeats(xinqu, xinqu_admin, tmp_path, english):
    path = _with(tmp_path, lambda rows: rows.append(list(rows[0])))

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path)

    assert [(p.row, p.code) for p in report.problems] == [(FIRST_ROW + 96, "duplicate_household")]
    assert "row 3" in report.problems[0].message


def test_every_bad_row_is_listed_not_only_the_first(xinqu, xinqu_admin, tmp_path):
    def change(rows):
        rows[10][1] = "东湖社区第9网格"
        rows[20][5] = ""

    report = import_addresses(xinqu_admin, district=xinqu.district, path=_with(tmp_path, change), commit=True)

    assert [p.row for p in report.problems] == [FIRST_ROW + 10, FIRST_ROW + 20]


def test_points_without_their_coordinate_system_are_refused_unless_one_is_chosen(xinqu, xinqu_admin, tmp_path):
    gcj02_rows = [row[:-1] for row in address_rows()[:24]]  # 东湖社区第1网格: GCJ-02 points
    path = write_table(tmp_path / "no_crs.csv", ADDRESS_HEADER[:-1], gcj02_rows)

    refused = import_addresses(xinqu_admin, district=xinqu.district, path=path)
    chosen = import_addresses(xinqu_admin, district=xinqu.district, path=path, crs="gcj02", commit=True)

    assert {p.code for p in refused.problems} == {"crs_missing"}
    assert refused.problems[0].row == 2  # a CSV without a title row
    assert chosen.committed, chosen.problems
    building = AreaNode.objects.get(code="XQ-C1-G1-Q1-B01")
    assert distance_m((building.lng, building.lat), building_point(0, 0, 0)) < 1.0


def test_points_read_in_the_wrong_system_fall_outside_their_grid(xinqu, xinqu_admin, tmp_path):
    wgs84_rows = [row[:-1] for row in address_rows()[48:72]]  # 西山社区第1网格: WGS-84 points
    path = write_table(tmp_path / "wrong_crs.csv", ADDRESS_HEADER[:-1], wgs84_rows)

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path, crs="gcj02")

    assert {p.code for p in report.problems} == {"point_outside_grid"}


def test_an_unknown_coordinate_system_chosen_for_the_file_is_refused(xinqu, xinqu_admin):
    with pytest.raises(DomainError) as error:
        import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, crs="mercator")
    assert error.value.code == "unknown_crs"


def test_a_building_present_under_another_grid_is_a_warning_and_is_not_moved(xinqu, xinqu_admin, tmp_path):
    import_addresses(xinqu_admin, district=xinqu.district, path=ADDRESSES, commit=True)
    building = AreaNode.objects.get(district=xinqu.district, address="东湖路1号")
    before = area_count(xinqu)

    def move_first_building(rows):
        for row in rows[:8]:  # 东湖路1号, 1号楼 of 东湖社区第1网格
            row[1], row[2] = "东湖社区第2网格", "9号楼"
            row[6:9] = ["", "", ""]  # its point lies in 第1网格, where it is

    report = import_addresses(
        xinqu_admin, district=xinqu.district, path=_with(tmp_path, move_first_building), commit=True
    )

    assert report.ok and report.committed
    assert [(w.row, w.code) for w in report.warnings] == [(FIRST_ROW, "building_in_other_grid")]
    assert report.unchanged == 88
    assert area_count(xinqu) == before
    building.refresh_from_db()
    assert building.grid == xinqu.grids[0]


def test_the_address_book_reads_header_variants(xinqu, xinqu_admin, tmp_path):
    header = ["所属社区", "网格名称", "楼号", "地址", "单元号", "门牌号", "lng", "lat", "坐标系统"]
    path = write_table(tmp_path / "variants.csv", header, address_rows())

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path)

    assert report.ok, report.problems
    assert report.created["households"] == 96


def test_only_the_districts_administrators_import_its_address_book(xinqu, worker_a):
    with pytest.raises(DomainError) as error:
        import_addresses(worker_a, district=xinqu.district, path=ADDRESSES)
    assert error.value.status == 404


def test_the_address_import_runs_a_fixed_number_of_queries_however_many_rows(xinqu, xinqu_admin, tmp_path):
    def rows(buildings_per_grid: int, rooms: int) -> list[list]:
        out = []
        for c, community in enumerate(("东湖社区", "西山社区")):
            for g in range(2):
                for b in range(buildings_per_grid):
                    lng, lat = building_point(c, g, b % 3)
                    for room in range(rooms):
                        out.append([community, f"第{g + 1}网格", f"{b + 1}号楼", "", 1, 101 + room, lng, lat, "WGS-84"])
        return out

    def measure(name: str, buildings: int, rooms: int):
        path = write_table(tmp_path / f"{name}.xlsx", ADDRESS_HEADER, rows(buildings, rooms))
        with count_queries() as queries:
            report = import_addresses(xinqu_admin, district=xinqu.district, path=path, commit=True)
        assert report.committed, report.problems
        return queries

    measure("groups", 1, 1)  # the grids' building groups, by rule
    few = measure("few", 2, 2)  # then new buildings and households in those groups
    many = measure("many", 8, 40)
    assert_flat(few, many)


def test_a_file_that_cannot_be_read_is_the_reports_one_problem_without_a_row(xinqu, xinqu_admin, tmp_path):
    path = tmp_path / "楼栋.pdf"
    path.write_bytes(b"%PDF-1.4")

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path, commit=True)

    assert [(p.row, p.code) for p in report.problems] == [(None, "file_type")]
    assert not report.committed


def test_a_header_without_rows_is_a_problem(xinqu, xinqu_admin, tmp_path):
    path = write_table(tmp_path / "empty.xlsx", ADDRESS_HEADER, [])

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path, commit=True)

    assert [(p.row, p.code) for p in report.problems] == [(None, "no_rows")]


def test_a_room_written_at_length_gets_a_numbered_code(xinqu, xinqu_admin, tmp_path):
    room = ("东湖路1号院内北侧自建房临街门面第二间" * 3)[:48]
    path = write_table(
        tmp_path / "long.csv", ADDRESS_HEADER, [["东湖社区", "第1网格", "1号楼", "", "", room, "", "", ""]]
    )

    report = import_addresses(xinqu_admin, district=xinqu.district, path=path, commit=True)

    assert report.committed, report.problems
    household = AreaNode.objects.get(district=xinqu.district, level=Level.HOUSEHOLD)
    assert household.code == "XQ-C1-G1-Q1-B01-H1"
    assert household.name == f"{room}室"
