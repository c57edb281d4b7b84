"""Filing by a typed address: the exact address, or the one building the forgiving match finds
(numbering forms, a small typo); several candidates refuse the filing with them, for the user
to choose; nothing is written until the place is sure."""

import pytest

from wangge.api.testing import bearer_client
from wangge.cases import actions
from wangge.cases.models import Case
from wangge.cases.tests.factories import file_via_api
from wangge.lib.errors import DomainError


def by_address(small, catalogue, address: str) -> Case:
    return actions.file_case(
        None,
        district=small.district,
        category=catalogue["SZ02"],
        channel="patrol",
        description="楼道堆物",
        address=address,
    )


@pytest.mark.parametrize("typed", ["社区1第2网格2号楼", "社区1第2网格二号楼", "社区1第2网格2#", "社区1第2网格2栋"])
def test_a_building_written_any_usual_way_is_found(small, catalogue, typed):
    assert by_address(small, catalogue, typed).building == small.buildings[3]


def test_an_address_with_a_typo_is_found(small, catalogue):
    building = small.buildings[5]
    building.address = "和平路12号2号楼"
    building.save()
    case = by_address(small, catalogue, "和平璐12号2号楼")
    assert case.building == building and case.grid == small.grids[2]


def test_several_buildings_refuse_the_filing_with_the_candidates(small, catalogue):
    with pytest.raises(DomainError) as raised:
        by_address(small, catalogue, "2号楼")
    assert raised.value.code == "address_ambiguous"
    assert sorted(b.pk for b in raised.value.details["candidates"]) == sorted(
        small.buildings[i].pk for i in (1, 3, 5, 7)
    )
    assert not Case.objects.exists()


def test_the_api_answers_an_ambiguous_address_with_its_code(small, catalogue, district_admin):
    response = file_via_api(bearer_client(district_admin), lng=None, lat=None, address="2号楼")
    assert response.status_code == 400 and response.json()["code"] == "address_ambiguous"
    assert not Case.objects.exists()
