"""Personas of shared resources: a resident unit of each community with its account, residents
of two communities, a social organisation; and the clock on the Friday before `MONDAY`."""

import pytest
import time_machine

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.orgs.actions import create_resident_unit
from wangge.resources import actions
from wangge.resources.tests.factories import NOW


@pytest.fixture(autouse=True)
def friday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_b(small):
    """Community staff of community 2."""
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


@pytest.fixture
def school(small):
    """A school based in community 1 (grid 0)."""
    return create_resident_unit(None, area=small.grids[0], name="第一中学", kind="学校")


@pytest.fixture
def hospital(small):
    """A hospital based in community 2 (grid 2)."""
    return create_resident_unit(None, area=small.grids[2], name="区医院", kind="医院")


@pytest.fixture
def school_account(small, school, community_staff):
    """The school's own account: manages the school's facilities."""
    user = make_persona("school", Role.RESIDENT_UNIT, small.grids[0])
    actions.add_unit_account(community_staff, school, user)
    return user


@pytest.fixture
def hospital_account(small, hospital, staff_b):
    user = make_persona("hospital", Role.RESIDENT_UNIT, small.grids[2])
    actions.add_unit_account(staff_b, hospital, user)
    return user


@pytest.fixture
def resident_b(small):
    """A resident of community 2 (grid 2's first household)."""
    return make_persona("resident_b", Role.RESIDENT, small.households[12])


@pytest.fixture
def social_org(small):
    return make_persona("org", Role.SOCIAL_ORG, small.communities[0])


@pytest.fixture
def community_b_staff(staff_b):
    return staff_b
