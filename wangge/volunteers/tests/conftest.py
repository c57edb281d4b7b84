"""Personas of volunteers: a station in each community with its staff, volunteers of community 1
and 2; and the clock at 8:00 on `DAY`."""

import pytest
import time_machine

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.people.tests.factories import ID_NUMBER
from wangge.volunteers.tests.factories import NOW, activity, station, volunteer


@pytest.fixture(autouse=True)
def saturday_morning(request):
    if "transactional_db" in request.fixturenames:
        yield  # the concurrency tests keep the real clock
        return
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_b(small):
    """Community staff of community 2."""
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


@pytest.fixture
def station_a(small, community_staff):
    return station(community_staff, small.communities[0])


@pytest.fixture
def station_b(small, staff_b):
    return station(staff_b, small.communities[1])


@pytest.fixture
def zhang(small, community_staff, station_a):
    """A volunteer of community 1's station: (volunteer, user)."""
    return volunteer(small, community_staff, station_a, "张志愿", household=0, id_number=ID_NUMBER)


@pytest.fixture
def li(small, community_staff, station_a):
    return volunteer(small, community_staff, station_a, "李志愿", household=1)


@pytest.fixture
def wang(small, community_staff, station_a):
    return volunteer(small, community_staff, station_a, "王志愿", household=2)


@pytest.fixture
def zhao(small, staff_b, station_b):
    """A volunteer of community 2's station."""
    return volunteer(small, staff_b, station_b, "赵志愿", household=12)


@pytest.fixture
def visit(community_staff, station_a):
    """An activity of community 1, 9:00–11:00 on DAY, two places."""
    return activity(community_staff, station_a)
