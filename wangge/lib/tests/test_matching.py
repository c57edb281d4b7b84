"""Forgiving matching: numbering forms, addresses, pinyin and initials, small typos, and a
query that fits several items naming none of them."""

import pytest

from wangge.lib import matching
from wangge.lib.matching import Searchable, building_key, clear_choice, number, pinyin, rank


def buildings() -> list[tuple[str, Searchable]]:
    rows = [
        ("a3", "3号楼", "青年东路5号3号楼", "幸福里社区第1网格"),
        ("a13", "13号楼", "青年东路9号13号楼", "幸福里社区第1网格"),
        ("a4", "4号楼", "青年东路5号4号楼", "幸福里社区第1网格"),
        ("b3", "3号楼", "和平路2号3号楼", "和平里社区第2网格"),
        ("b7", "七号楼", "和平路2号7号楼", "和平里社区第2网格"),
    ]
    return [(pk, Searchable(building_key(name), (name, address, grid))) for pk, name, address, grid in rows]


def top(query: str, items=None) -> list[str]:
    return [value for value, _score in rank(query, items or buildings())]


@pytest.mark.parametrize("token", ["3", "03", "三"])
def test_numbers_in_digits_or_chinese_read_alike(token):
    assert number(token) == "3"


def test_chinese_tens_read_as_numbers():
    assert [number(t) for t in ("十", "十二", "二十", "二十一", "两")] == ["10", "12", "20", "21", "2"]


@pytest.mark.parametrize("written", ["3号楼", "3号", "3#", "3# 楼", "三号楼", "3栋", "第3幢", "３号楼"])
def test_every_way_of_writing_a_building_number_gives_one_key(written):
    assert building_key(written) == "#3"


@pytest.mark.parametrize("query", ["3号", "3#", "3号楼", "三号楼"])
def test_a_building_number_finds_the_buildings_of_that_number_first(query):
    found = top(query)
    assert set(found[:2]) == {"a3", "b3"}  # both grids' 3号楼, the exact ones first
    assert "a13" not in found[:2]


def test_the_number_alone_is_ambiguous_between_two_grids_and_names_no_one():
    assert clear_choice(rank("3号楼", buildings())) is None


def test_an_address_names_one_building():
    assert clear_choice(rank("青年东路5号3号楼", buildings())) == "a3"
    assert top("青年东路5号")[:2] == ["a3", "a4"]  # part of two addresses: both offered


def test_a_grid_name_lists_its_buildings():
    assert set(top("和平里")) == {"b3", "b7"}


def test_pinyin_and_its_initials_find_the_road():
    assert pinyin("青年东路5号") == ("qingniandonglu5hao", "qndl5h")
    assert set(top("qndl")) == {"a3", "a13", "a4"}
    assert set(top("qingniandong")) == {"a3", "a13", "a4"}
    assert set(top("hpl")) == {"b3", "b7"}


def test_a_small_typo_still_finds_the_road():
    assert set(top("青年东璐5号")) >= {"a3", "a4"}
    assert set(top("qingnaindong")) >= {"a3", "a4"}


def test_what_matches_nothing_finds_nothing():
    assert top("不存在的路") == [] and top("") == [] and top("zzzz") == []


def test_a_person_s_name_by_its_initials():
    people = [(1, Searchable("", ("张伟",))), (2, Searchable("", ("张卫国",))), (3, Searchable("", ("王伟",)))]
    assert top("zhw", people) == [1, 2]  # 张伟 whole, 张卫国 (zhwg) as one goes on typing
    assert top("zw", people) == [1, 2]  # 张伟, 张卫国 (zwg)
    assert top("zwg", people) == [2]
    assert top("张伟", people)[0] == 1


def test_scores_order_exact_before_part_before_pinyin_before_typo():
    assert matching.EXACT > matching.PART > matching.PINYIN > matching.FUZZY


def test_a_grid_or_community_name_before_the_number_still_names_the_building():
    items = [
        ("a3", Searchable("#3", ("3号楼", "幸福里社区第1网格"), ("幸福里社区第1网格", "幸福里社区", "幸福里"))),
        ("b3", Searchable("#3", ("3号楼", "和平里社区第2网格"), ("和平里社区第2网格", "和平里社区", "和平里"))),
    ]
    assert clear_choice(rank("幸福里三号楼", items)) == "a3"
    assert clear_choice(rank("和平里社区第2网格3#", items)) == "b3"
