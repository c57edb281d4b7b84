"""The district's organisation settings through their actions: its name for each kind of
unit, and its resident units added, corrected and closed. Each change writes one
`org_settings_changed` audit row; a district administrator of another district, community
staff and grid workers find no such district or unit (404); the operator (None) may."""

import datetime as dt

import pytest

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError
from wangge.orgs import actions
from wangge.orgs.models import OrgLevelName, ResidentUnit, UnitKind
from wangge.orgs.queries import kind_labels


@pytest.fixture
def other(db):
    return build_small_district("U")


@pytest.fixture
def other_admin(other):
    return make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)


def _audits() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.ORG_SETTINGS_CHANGED).order_by("pk"))


def test_the_district_admin_names_a_level_and_a_blank_name_restores_the_default(district_admin, small):
    actions.set_level_name(district_admin, district=small.district, kind=UnitKind.BUILDING_CELL, name=" 楼栋党小组 ")
    assert kind_labels(small.district.pk)[UnitKind.BUILDING_CELL] == "楼栋党小组"
    actions.set_level_name(district_admin, district=small.district, kind=UnitKind.BUILDING_CELL, name="楼栋党小组")
    assert len(_audits()) == 1  # the same name again: nothing recorded
    assert actions.set_level_name(district_admin, district=small.district, kind=UnitKind.BUILDING_CELL, name="") is None
    assert kind_labels(small.district.pk)[UnitKind.BUILDING_CELL] == str(UnitKind.BUILDING_CELL.label)
    first, second = _audits()
    assert first.actor == district_admin and first.district_id == small.district.pk
    assert first.detail == {"setting": "level_name", "kind": "building_cell", "name": "楼栋党小组", "old_name": ""}
    assert second.detail["old_name"] == "楼栋党小组" and second.detail["name"] == ""


def test_a_level_name_over_50_characters_or_of_an_unknown_kind_is_refused(district_admin, small):
    with pytest.raises(DomainError) as refused:
        actions.set_level_name(district_admin, district=small.district, kind=UnitKind.GRID_BRANCH, name="名" * 51)
    assert refused.value.code == "level_name_too_long"
    with pytest.raises(DomainError) as refused:
        actions.set_level_name(district_admin, district=small.district, kind="club", name="俱乐部")
    assert refused.value.code == "unknown_unit_kind"
    assert not OrgLevelName.objects.exists() and not _audits()


def test_the_district_admin_adds_corrects_and_closes_a_resident_unit(district_admin, small):
    unit = actions.create_resident_unit(
        district_admin, area=small.grids[1], name="第一中学", kind="学校", address="学府路1号"
    )
    assert (unit.district_id, unit.community_id, unit.grid_id) == (
        small.district.pk,
        small.communities[0].pk,
        small.grids[1].pk,
    )
    moved = actions.update_resident_unit(
        district_admin, unit, area=small.communities[1], name="第一中学", kind="学校", address="学府路2号"
    )
    assert (moved.community_id, moved.grid_id, moved.address) == (small.communities[1].pk, None, "学府路2号")
    closed = actions.close_resident_unit(district_admin, moved, closed_on=dt.date(2026, 12, 1))
    assert closed.closed_on == dt.date(2026, 12, 1)
    with pytest.raises(DomainError) as refused:
        actions.close_resident_unit(district_admin, closed)
    assert (refused.value.code, refused.value.status) == ("resident_unit_closed", 409)
    created, updated, closing = _audits()
    assert created.detail["change"] == "created" and created.object_id == str(unit.pk)
    assert updated.detail["fields"] == ["address", "area", "community_id", "grid_id"]
    assert updated.detail["old"] == {"address": "学府路1号", "area": small.grids[1].pk}
    assert closing.detail["closed_on"] == "2026-12-01"


def test_a_resident_unit_needs_a_name_and_a_place_in_a_community_or_below(district_admin, small):
    with pytest.raises(DomainError) as refused:
        actions.create_resident_unit(district_admin, area=small.grids[0], name=" ")
    assert refused.value.code == "resident_unit_name_invalid"
    with pytest.raises(DomainError) as refused:
        actions.create_resident_unit(district_admin, area=small.district, name="区医院")
    assert refused.value.code == "resident_unit_area_level"
    assert not ResidentUnit.objects.exists() and not _audits()


def test_outsiders_find_no_such_district_or_resident_unit(small, other_admin, community_staff, worker_a):
    unit = actions.create_resident_unit(None, area=small.grids[0], name="区医院")
    for outsider in (other_admin, community_staff, worker_a):
        for attempt in (
            lambda u=outsider: actions.set_level_name(
                u, district=small.district, kind=UnitKind.GRID_BRANCH, name="支部"
            ),
            lambda u=outsider: actions.create_resident_unit(u, area=small.grids[0], name="别的单位"),
            lambda u=outsider: actions.update_resident_unit(u, unit, area=small.grids[0], name="改名"),
            lambda u=outsider: actions.close_resident_unit(u, unit),
        ):
            with pytest.raises(DomainError) as refused:
                attempt()
            assert (refused.value.code, refused.value.status) == ("unknown_district", 404)
    unit.refresh_from_db()
    assert (unit.name, unit.closed_on) == ("区医院", None)
    assert [a.actor for a in _audits()] == [None]
