"""Creating and renaming handling units: a district administrator of the unit's district (or
the operator) creates a department, a street or a community's unit and renames it; names are
unique in a district; each change writes one `unit_changed` audit row; another district's
administrator and every other role find no such unit (404)."""

import pytest

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.cases.actions import create_unit, update_unit
from wangge.cases.models import HandlingUnit, UnitKind
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError


@pytest.fixture
def other(db):
    return build_small_district("U")


@pytest.fixture
def other_admin(other):
    return make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)


def _audits(unit: HandlingUnit) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.UNIT_CHANGED, object_id=str(unit.pk)).order_by("pk"))


def test_the_district_admin_creates_a_department_with_an_audit_row(district_admin, small):
    unit = create_unit(district_admin, small.district, UnitKind.DEPARTMENT, "  应急管理局 ")
    assert (unit.name, unit.kind, unit.district, unit.area) == ("应急管理局", UnitKind.DEPARTMENT, small.district, None)
    assert not unit.users.exists()
    [audit] = _audits(unit)
    assert audit.actor == district_admin and audit.district_id == small.district.pk
    assert audit.detail["change"] == "created" and audit.detail["unit"] == "应急管理局"


def test_a_community_unit_is_placed_in_a_community_of_its_district(district_admin, small, other):
    unit = create_unit(district_admin, small.district, UnitKind.COMMUNITY, "社区1居委会", area=small.communities[0])
    assert unit.area == small.communities[0]
    for wrong in (small.grids[0], other.communities[0]):
        with pytest.raises(DomainError) as refused:
            create_unit(district_admin, small.district, UnitKind.COMMUNITY, "别处", area=wrong)
        assert refused.value.code == "unit_area_invalid"


def test_a_name_already_used_in_the_district_is_refused_but_another_district_may_use_it(
    district_admin, small, other, other_admin
):
    create_unit(district_admin, small.district, UnitKind.DEPARTMENT, "应急管理局")
    with pytest.raises(DomainError) as refused:
        create_unit(district_admin, small.district, UnitKind.STREET, "应急管理局")
    assert (refused.value.code, refused.value.status) == ("unit_name_taken", 409)
    assert HandlingUnit.objects.filter(district=small.district, name="应急管理局").count() == 1
    create_unit(other_admin, other.district, UnitKind.DEPARTMENT, "应急管理局")


@pytest.mark.parametrize(
    ("kind", "name", "code"),
    [
        ("bureau", "某局", "unit_kind_invalid"),
        ("street", "  ", "unit_name_invalid"),
        ("street", "街" * 101, "unit_name_invalid"),
    ],
)
def test_a_bad_kind_or_name_is_refused_with_its_code(district_admin, small, kind, name, code):
    with pytest.raises(DomainError) as refused:
        create_unit(district_admin, small.district, kind, name)
    assert refused.value.code == code
    assert not AuditEvent.objects.filter(action=AuditAction.UNIT_CHANGED).exists()


def test_a_second_dispatch_unit_is_refused(district_admin, small):
    create_unit(district_admin, small.district, UnitKind.DISPATCH, "区指挥中心")
    with pytest.raises(DomainError) as refused:
        create_unit(district_admin, small.district, UnitKind.DISPATCH, "第二指挥中心")
    assert refused.value.code == "unit_dispatch_exists"


def test_renaming_keeps_the_staff_and_records_old_and_new_names(district_admin, small, worker_a):
    unit = create_unit(district_admin, small.district, UnitKind.STREET, "东街道")
    unit.users.add(worker_a)
    renamed = update_unit(district_admin, unit, name="东城街道", area=None)
    assert renamed.name == "东城街道" and list(renamed.users.all()) == [worker_a]
    assert _audits(unit)[-1].detail == {"change": "updated", "unit": "东城街道", "old_name": "东街道"}
    update_unit(district_admin, renamed, name="东城街道", area=None)  # nothing changes: nothing recorded
    assert len(_audits(unit)) == 2


def test_renaming_to_another_units_name_is_refused(district_admin, small):
    create_unit(district_admin, small.district, UnitKind.STREET, "东街道")
    west = create_unit(district_admin, small.district, UnitKind.STREET, "西街道")
    with pytest.raises(DomainError) as refused:
        update_unit(district_admin, west, name="东街道", area=None)
    assert refused.value.code == "unit_name_taken"
    west.refresh_from_db()
    assert west.name == "西街道"


def test_another_districts_admin_and_other_roles_find_no_such_unit(
    district_admin, small, other_admin, community_staff, worker_a
):
    unit = create_unit(district_admin, small.district, UnitKind.STREET, "东街道")
    for outsider in (other_admin, community_staff, worker_a):
        with pytest.raises(DomainError) as refused:
            create_unit(outsider, small.district, UnitKind.STREET, "北街道")
        assert (refused.value.code, refused.value.status) == ("unknown_unit", 404)
        with pytest.raises(DomainError) as refused:
            update_unit(outsider, unit, name="北街道", area=None)
        assert refused.value.status == 404
    assert list(
        HandlingUnit.objects.filter(district=small.district, kind=UnitKind.STREET).values_list("name", flat=True)
    ) == ["东街道"]


def test_the_operator_creates_units_without_a_user(small):
    unit = create_unit(None, small.district, UnitKind.DEPARTMENT, "审计局")
    assert _audits(unit)[0].actor is None
