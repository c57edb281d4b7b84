"""The resident's catalogue of facilities: their own community's first, filtered by kind,
community and "open today", a page at a time, in the same number of queries however many
facilities there are."""

import pytest
import time_machine
from django.urls import reverse

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.resources import actions
from wangge.resources.models import Facility, FacilityKind
from wangge.resources.tests.factories import NOW, facility


@pytest.fixture(autouse=True)
def friday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_b(small):
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


def listed(client, query: str = "") -> list[str]:
    page = client.get(reverse("resources") + query).content.decode()
    return [chunk.split("<strong>")[1].split("</strong>")[0] for chunk in page.split('data-testid="facility"')[1:]]


def test_the_residents_own_community_comes_first_and_the_filters_narrow(
    client, small, resident, community_staff, staff_b
):
    facility(staff_b, small.grids[2], name="A 二社区运动场")
    facility(staff_b, small.grids[2], name="B 二社区图书室", kind=FacilityKind.LIBRARY)
    facility(community_staff, small.grids[0], name="Z 一社区运动场")
    shut = facility(community_staff, small.grids[0], name="Y 一社区图书室", kind=FacilityKind.LIBRARY)
    actions.add_closure(community_staff, shut, NOW.date(), NOW.date(), "维修")
    client.force_login(resident)  # lives in community 1
    assert listed(client) == ["Y 一社区图书室", "Z 一社区运动场", "A 二社区运动场", "B 二社区图书室"]
    assert listed(client, "?kind=library") == ["Y 一社区图书室", "B 二社区图书室"]
    assert listed(client, f"?community={small.communities[1].pk}") == ["A 二社区运动场", "B 二社区图书室"]
    assert listed(client, "?open_today=1") == ["Z 一社区运动场", "A 二社区运动场", "B 二社区图书室"]
    assert listed(client, "?kind=nonsense&community=x") == listed(client)
    # Community 2's staff see theirs only, whatever they ask for.
    client.force_login(staff_b)
    assert listed(client, f"?community={small.communities[0].pk}") == []


def test_the_catalogue_is_paged_in_the_same_queries_however_many_facilities(client, small, resident, staff_b):
    client.force_login(resident)
    facility(staff_b, small.grids[2], name="设施00")
    client.get(reverse("resources") + "?open_today=1")  # the session and the work calendar, read once
    runs = []
    for n in (3, 25):
        while Facility.objects.count() < n:
            facility(staff_b, small.grids[2], name=f"设施{Facility.objects.count():02d}")
        with count_queries() as queries:
            page = client.get(reverse("resources") + "?open_today=1").content.decode()
        assert page.count('data-testid="facility"') == min(n, 20)
        runs.append(queries)
    assert_flat(*runs)
    assert client.get(reverse("resources") + "?page=2").content.decode().count('data-testid="facility"') == 5
