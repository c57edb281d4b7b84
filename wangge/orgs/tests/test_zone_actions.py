"""Members' responsibility zones changed by people: the community's staff over their community's
buildings and households and the district's administrators over their district, with an audit
row naming ids only; anyone else finds no such area (404); the system (None) changes any."""

import pytest

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError
from wangge.orgs import actions
from wangge.orgs.models import ResponsibilityZone, ZoneArea
from wangge.people import actions as people_actions
from wangge.people.actions import PersonInput
from wangge.people.models import MemberKind, MemberProfile


def member_of(small, community_index: int, name: str) -> MemberProfile:
    person = people_actions.create_person(None, district=small.district, data=PersonInput(name=name))
    return people_actions.register_members(None, [(person, MemberKind.RETIRED, small.communities[community_index])])[0]


@pytest.fixture
def member(small) -> MemberProfile:
    """A member of community 1 (grids 0 and 1) without a zone."""
    return member_of(small, 0, "张党员")


def audit_rows() -> list[dict]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.GRID_TEAM_CHANGED).order_by("pk").values_list("detail", flat=True)
    )


def test_community_staff_add_a_building_creating_the_members_zone_with_an_audit_row(small, community_staff, member):
    building = small.buildings[0]
    link = actions.add_zone_area(community_staff, member=member, area=building)
    zone = ResponsibilityZone.objects.get(member=member)
    assert (link.zone, link.area, link.grid_id) == (zone, building, small.grids[0].pk)
    assert "张党员" in zone.name
    event = AuditEvent.objects.get(action=AuditAction.GRID_TEAM_CHANGED)
    assert (event.actor, event.district_id) == (community_staff, small.district.pk)
    assert event.detail == {"change": "zone_area_added", "zone": zone.pk, "area": building.pk, "grid": building.grid_id}
    assert "张党员" not in str(event.detail)
    # Again: nothing changes. Another building joins the same zone.
    assert actions.add_zone_area(community_staff, member=member, area=building) == link
    actions.add_zone_area(community_staff, member=member, area=small.buildings[2])
    assert ResponsibilityZone.objects.filter(member=member).count() == 1
    assert ZoneArea.objects.filter(zone=zone).count() == 2
    assert len(audit_rows()) == 2


def test_removing_an_area_keeps_the_zone_and_writes_an_audit_row(small, district_admin, member):
    household = small.households[0]
    link = actions.add_zone_area(district_admin, member=member, area=household)
    actions.remove_zone_area(district_admin, link=link)
    assert not ZoneArea.objects.exists() and ResponsibilityZone.objects.filter(member=member).exists()
    assert [row["change"] for row in audit_rows()] == ["zone_area_added", "zone_area_removed"]


def test_another_communitys_staff_a_grid_worker_and_another_districts_admin_find_no_such_area(small, worker_a, member):
    other_staff = make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])
    other_admin = make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district("U").district)
    link = actions.add_zone_area(None, member=member, area=small.buildings[0])
    for user in (other_staff, worker_a, other_admin):
        with pytest.raises(DomainError) as adding:
            actions.add_zone_area(user, member=member, area=small.buildings[1])
        assert (adding.value.code, adding.value.status) == ("area_not_found", 404)
        with pytest.raises(DomainError) as removing:
            actions.remove_zone_area(user, link=link)
        assert removing.value.status == 404
        with pytest.raises(DomainError) as creating:
            actions.create_zone(user, member=member, name="责任区", areas=[small.buildings[1]])
        assert creating.value.status == 404
    assert list(ZoneArea.objects.values_list("area_id", flat=True)) == [small.buildings[0].pk]
    assert audit_rows() == []  # the system's own change is not a person's: no row


def test_a_member_answers_only_in_their_own_community_and_only_for_buildings_and_households(
    small, district_admin, member
):
    with pytest.raises(DomainError) as elsewhere:
        actions.add_zone_area(district_admin, member=member, area=small.buildings[4])  # community 2
    assert elsewhere.value.code == "zone_member_elsewhere"
    with pytest.raises(DomainError) as level:
        actions.add_zone_area(district_admin, member=member, area=small.grids[0])
    assert level.value.code == "zone_area_level"
    assert not ZoneArea.objects.exists() and not ResponsibilityZone.objects.exists()


def test_create_zone_by_a_person_checks_the_scope_and_writes_a_row_per_area(small, community_staff, member):
    areas = [small.buildings[0], small.households[3]]
    zone = actions.create_zone(community_staff, member=member, name="1号楼责任区", areas=areas)
    assert [row["area"] for row in audit_rows()] == [a.pk for a in areas]
    assert zone.areas.count() == 2  # type: ignore[attr-defined]
