"""The dry run classifies every row (new, matched, possible match, conflict, invalid with its
reasons) and writes nothing; households are resolved by the documented rule."""

import datetime as dt

import pytest

from wangge.areas import actions as area_actions
from wangge.ledgers.actions import check_file
from wangge.ledgers.matching import Status
from wangge.ledgers.models import ImportRun, ReviewItem
from wangge.ledgers.tests.factories import grid_row, id_number, write_xlsx
from wangge.lib.errors import DomainError
from wangge.lib.testing import Queries, assert_flat, count_queries
from wangge.people.actions import PersonInput, create_persons
from wangge.people.models import Person

BIRTH = dt.date(1980, 5, 17)
ID_A = id_number(BIRTH, 101)
ID_B = id_number(dt.date(1992, 2, 29), 202)


def by_row(check):
    return {r.number: r for r in check.results}


def codes(result):
    return [p.code for p in result.problems]


@pytest.fixture
def registered(small):
    """王小明 (with ID number) in 社区1第1网格1号楼101室; 赵丽 (without) in 201室."""
    households = small.households
    return create_persons(
        None,
        district=small.district,
        people=[
            PersonInput(
                name="王小明",
                id_number=ID_A,
                phone="13812345678",
                household=households[0],
                relation="head",
                education="bachelor",
                current_address="泉华路1号1号楼101室",
            ),
            PersonInput(
                name="赵丽",
                birth_date=dt.date(1975, 3, 1),
                household=households[1],
                relation="head",
                current_address="泉华路1号1号楼201室",
            ),
        ],
    )


def test_each_kind_of_row_is_classified_and_nothing_is_written(small, registered, tmp_path):
    rows = [
        grid_row(name="王小明", id_number=ID_A, phone="138 1234 5678", education="本科"),
        grid_row(name="王小明", id_number=ID_A.lower(), phone="13900000000", education="硕士"),
        grid_row(room="201", name="赵丽", birth="1975-03-01", current_address="泉华路1号1号楼201室"),
        grid_row(room="301", name="孙悦", id_number=ID_B),
        grid_row(room="301", name="", id_number=id_number(dt.date(1990, 1, 1), 11)),
    ]
    path = write_xlsx(tmp_path / "台账.xlsx", rows)
    check = check_file(None, district=small.district, path=path, layout="grid")
    results = by_row(check)
    assert results[2].status == Status.MATCHED
    assert results[3].status == Status.INVALID  # same ID number as row 2
    assert results[4].status == Status.REVIEW
    assert results[5].status == Status.NEW
    assert results[6].status == Status.INVALID and codes(results[6]) == ["name_missing"]
    assert not ImportRun.objects.exists() and not ReviewItem.objects.exists()
    assert Person.objects.count() == 2


def test_a_conflict_names_the_fields_that_differ_and_those_the_registry_lacks(small, registered, tmp_path):
    rows = [grid_row(name="王小明", id_number=ID_A, phone="13900000000", education="硕士", ethnicity="回族")]
    path = write_xlsx(tmp_path / "c.xlsx", rows)
    [result] = check_file(None, district=small.district, path=path, layout="grid").results
    assert result.status == Status.CONFLICT
    assert result.person_id == registered[0].pk
    assert result.fields == ["ethnicity", "education", "phone"]
    assert result.blank_fields == ["ethnicity"]


def test_a_moved_person_is_a_conflict_on_the_household(small, registered, tmp_path):
    rows = [grid_row(grid="第2网格", room="301", name="王小明", id_number=ID_A, relation="户主")]
    path = write_xlsx(tmp_path / "moved.xlsx", rows)
    [result] = check_file(None, district=small.district, path=path, layout="grid").results
    assert (result.status, result.fields) == (Status.CONFLICT, ["household"])


def test_a_row_with_an_id_number_nobody_has_can_still_be_a_person_registered_without_one(small, registered, tmp_path):
    zhao = id_number(dt.date(1975, 3, 1), 102)
    rows = [grid_row(room="201", name="赵丽", id_number=zhao, current_address="泉华路1号1号楼201室")]
    path = write_xlsx(tmp_path / "zhao.xlsx", rows)
    [result] = check_file(None, district=small.district, path=path, layout="grid").results
    assert (result.status, result.person_id) == (Status.REVIEW, registered[1].pk)
    assert "id_number" in result.fields and "id_number" in result.blank_fields


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (grid_row(name="甲", id_number="370102198005170021"), "id_number_check_digit"),
        (grid_row(name="乙", birth="1990-02-30"), "date_impossible"),
        (grid_row(name="丙", birth="2999-01-01"), "date_impossible"),
        (grid_row(community="南苑", name="丁"), "unknown_community"),
        (grid_row(grid="第9网格", name="戊"), "unknown_grid"),
        (grid_row(building="7号楼", name="己"), "unknown_building"),
        (grid_row(grid="", building="1号楼", name="庚"), "building_ambiguous"),
        (grid_row(room="999", name="辛"), "unknown_household"),
        (grid_row(room="", name="壬"), "household_missing"),
        (grid_row(name="癸", id_number=ID_B, gender="男"), "gender_mismatch"),
        (grid_row(name="子", id_number=ID_B, birth="1992-03-01"), "birth_date_mismatch"),
        (grid_row(name="丑", education="博士后"), "value_unknown"),
        (grid_row(name="寅", phone="12345"), "phone_format"),
        (grid_row(name="卯", support="低保", elderly_alone="也许"), "value_unknown"),
        (grid_row(name="辰" * 101), "value_too_long"),
    ],
)
def test_invalid_rows_say_why(small, tmp_path, row, code):
    path = write_xlsx(tmp_path / "bad.xlsx", [row])
    [result] = check_file(None, district=small.district, path=path, layout="grid").results
    assert result.status == Status.INVALID
    assert code in codes(result), result.reasons()
    assert ID_B not in result.reasons()


def test_a_user_imports_only_rows_of_their_own_area(small, worker_a, tmp_path):
    rows = [grid_row(name="甲"), grid_row(community="社区2", grid="第1网格", name="乙")]
    path = write_xlsx(tmp_path / "scope.xlsx", rows)
    results = check_file(worker_a, district=small.district, path=path, layout="grid").results
    assert [r.status for r in results] == [Status.NEW, Status.INVALID]
    assert codes(results[1]) == ["out_of_scope"]


def test_someone_without_a_personal_data_role_may_not_import(small, no_role_user, tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [grid_row()])
    with pytest.raises(DomainError) as error:
        check_file(no_role_user, district=small.district, path=path, layout="grid")
    assert (error.value.code, error.value.status) == ("import_forbidden", 403)


def test_the_number_of_queries_does_not_grow_with_the_rows(small, registered, tmp_path):
    def queries(count: int) -> Queries:
        rows = [
            grid_row(
                room=str((i % 3 + 1) * 100 + 1),
                name=f"居民{i}",
                id_number=id_number(dt.date(1970, 1, 1) + dt.timedelta(days=i), 1),
            )
            for i in range(count)
        ]
        rows.append(grid_row(name="王小明", id_number=ID_A))
        rows.append(grid_row(room="201", name="赵丽", birth="1975-03-01", current_address="泉华路1号1号楼201室"))
        path = write_xlsx(tmp_path / f"q{count}.xlsx", rows)
        with count_queries() as captured:
            check_file(None, district=small.district, path=path, layout="grid")
        return captured

    assert_flat(queries(5), queries(200))


# --- households in a district named like the demo's --------------------------------------------


@pytest.fixture
def nanyuan(db):
    """南苑社区 with two grids; in each, building group 1 with 1号楼 (address 南苑街3号1号楼 in the
    first grid), two units, rooms 101 and 102 in each unit."""
    district = area_actions.create_district(None, name="泉华区", code="QH")
    community = area_actions.create_area(None, parent=district, name="南苑社区", code="QH-C01")
    households = {}
    for g in (1, 2):
        grid = area_actions.create_area(None, parent=community, name=f"南苑社区第{g}网格", code=f"QH-C01-G{g}")
        group = area_actions.create_area(None, parent=grid, name="1号楼群", code=f"{grid.code}-Q1")
        building = area_actions.create_area(
            None, parent=group, name="1号楼", code=f"{group.code}-B01", address=f"南苑街{g + 2}号1号楼"
        )
        for unit in (1, 2):
            for room in ("101", "102"):
                node = area_actions.create_area(
                    None, parent=building, name=f"{unit}单元{room}室", code=f"{building.code}-{unit}-{room}"
                )
                households[(g, unit, room)] = node.pk
    return district, households


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("南苑社区", "南苑社区第1网格", "1号楼", "1单元", "101室"), (1, 1, "101")),
        (("南苑", "1", "1#", "2", "102"), (1, 2, "102")),
        (("南苑社区居民委员会", "第二网格", "1栋", "", "1单元102"), (2, 1, "102")),
        (("泉华区南苑社区", "网格2", "1幢", "", "2-101"), (2, 2, "101")),
        (("南苑社区", "", "南苑街4号1号楼", "二单元", "0102"), (2, 2, "102")),
        (("南 苑 社 区", "第1网格", "1号楼2单元", "", "101"), (1, 2, "101")),
    ],
)
def test_household_names_in_the_forms_ledgers_use(nanyuan, tmp_path, cells, expected):
    district, households = nanyuan
    community, grid, building, unit, room = cells
    row = grid_row(community=community, grid=grid, building=building, unit=unit, room=room, name="王小明")
    path = write_xlsx(tmp_path / "h.xlsx", [row])
    [result] = check_file(None, district=district, path=path, layout="grid").results
    assert result.status == Status.NEW, result.reasons()
    assert result.facts.household_id == households[expected]


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        (("南苑社区", "", "1号楼", "1", "101"), "building_ambiguous"),  # 1号楼 in both grids
        (("南苑社区", "第1网格", "1号楼", "", "101"), "household_ambiguous"),  # 101 in both units
        (("南苑社区", "第1网格", "1号楼", "3", "101"), "unknown_household"),
        (("北苑社区", "第1网格", "1号楼", "1", "101"), "unknown_community"),
    ],
)
def test_households_that_do_not_resolve_to_exactly_one(nanyuan, tmp_path, cells, code):
    district, _households = nanyuan
    community, grid, building, unit, room = cells
    row = grid_row(community=community, grid=grid, building=building, unit=unit, room=room, name="王小明")
    path = write_xlsx(tmp_path / "h.xlsx", [row])
    [result] = check_file(None, district=district, path=path, layout="grid").results
    assert codes(result) == [code]
