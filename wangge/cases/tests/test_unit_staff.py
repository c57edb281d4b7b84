"""The staff of a handling unit: a district administrator of the unit's district (or a
superuser) adds and removes users holding a role there; for anyone else the unit does not
exist. Every change is audited; a refusal changes nothing."""

import pytest

from wangge.accounts.actions import create_user
from wangge.accounts.models import AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.cases.actions import add_unit_staff, remove_unit_staff
from wangge.cases.errors import CaseError
from wangge.cases.models import HandlingUnit
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError


@pytest.fixture
def unit(small, catalogue) -> HandlingUnit:
    return HandlingUnit.objects.get(district=small.district, name="住房和城乡建设局")


@pytest.fixture
def other_admin(db):
    """The administrator of another district."""
    return make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district("U").district)


def refused(code: CaseError, call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code and caught.value.status == code.status
    return caught.value


def test_the_district_admin_adds_and_removes_a_user_with_a_role_in_the_district(unit, district_admin, small):
    newcomer = make_persona("zhujian_li", Role.DEPARTMENT, small.district)
    assert add_unit_staff(district_admin, unit, username=" zhujian_li ") == newcomer
    assert list(unit.users.all()) == [newcomer]
    granted = AuditEvent.objects.get(action="unit_staff_added", object_type="cases.handlingunit")
    assert (granted.actor, granted.object_id, granted.district_id) == (district_admin, str(unit.pk), small.district.pk)
    assert granted.detail == {"unit": unit.name, "user": "zhujian_li", "user_id": newcomer.pk}

    remove_unit_staff(district_admin, unit, user=newcomer)
    assert not unit.users.exists()
    revoked = AuditEvent.objects.get(action="unit_staff_removed", object_type="cases.handlingunit")
    assert revoked.detail["user"] == "zhujian_li"


def test_a_superuser_manages_the_staff_of_any_district(unit, small):
    root = create_user(None, username="root", password=None)
    root.is_superuser = True
    root.save()
    worker = make_persona("worker_x", Role.GRID_WORKER, small.grids[0])
    add_unit_staff(root, unit, username="worker_x")
    assert list(unit.users.all()) == [worker]


@pytest.mark.parametrize("persona", ["community_staff", "worker_a", "supervisor", "other_admin"])
def test_for_anyone_else_the_unit_does_not_exist(unit, small, request, persona):
    actor = request.getfixturevalue(persona)
    member = make_persona("someone", Role.DEPARTMENT, small.district)
    refused(CaseError.UNKNOWN_UNIT, lambda: add_unit_staff(actor, unit, username="someone"))
    unit.users.add(member)
    refused(CaseError.UNKNOWN_UNIT, lambda: remove_unit_staff(actor, unit, user=member))
    assert list(unit.users.all()) == [member]
    assert not AuditEvent.objects.filter(object_type="cases.handlingunit").exists()


def test_unknown_users_users_of_another_district_and_repeats_are_refused(unit, district_admin, other_admin, small):
    create_user(None, username="no_role", password=None)
    refused(CaseError.STAFF_USER_UNKNOWN, lambda: add_unit_staff(district_admin, unit, username="nobody_here"))
    refused(CaseError.STAFF_USER_UNKNOWN, lambda: add_unit_staff(district_admin, unit, username="no_role"))
    refused(CaseError.STAFF_USER_UNKNOWN, lambda: add_unit_staff(district_admin, unit, username="admin_u"))
    refused(CaseError.STAFF_USER_UNKNOWN, lambda: add_unit_staff(district_admin, unit, username="  "))
    staff = make_persona("dept_z", Role.DEPARTMENT, small.district)
    add_unit_staff(district_admin, unit, username="dept_z")
    refused(CaseError.STAFF_EXISTS, lambda: add_unit_staff(district_admin, unit, username="dept_z"))
    remove_unit_staff(district_admin, unit, user=staff)
    refused(CaseError.STAFF_MISSING, lambda: remove_unit_staff(district_admin, unit, user=staff))
    assert AuditEvent.objects.filter(object_type="cases.handlingunit").count() == 2
