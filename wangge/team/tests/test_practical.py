"""Practical things done (为民办实事): a help given through a member's pair counts for that member
(not for whoever recorded it), where the household lies; helps without a pair or through a
resident unit do not; every count is one query however many records."""

import datetime as dt

import pytest
from django.utils import timezone

from wangge.assistance import actions as assistance_actions
from wangge.assistance.models import HelperKind
from wangge.assistance.tests.factories import dossier, help_, member_with_account, pair
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.actions import create_resident_unit, lay_vertical_units
from wangge.people.models import MemberProfile
from wangge.team import practical


@pytest.fixture
def paired(small, worker_a, worker_b):
    """A member of community 1 (with a unit) paired with a household of grid 1, another member
    paired with a household of grid 3 (community 2)."""
    (unit,) = lay_vertical_units(None, [(small.communities[0], "社区1党委")])
    near, near_user = member_with_account(small, "李帮扶")
    MemberProfile.objects.filter(pk=near.pk).update(org_unit=unit)  # what the member import sets
    far, far_user = member_with_account(small, "赵帮扶")
    mine = dossier(worker_a, small.households[0], ("money", "ordinary"))
    theirs = dossier(worker_b, small.households[12], ("care", "ordinary"))
    return {
        "unit": unit,
        "near": (near, near_user, mine, pair(worker_a, mine, near)),
        "far": (far, far_user, theirs, pair(worker_b, theirs, far)),
    }


def year() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today - dt.timedelta(days=364), today


def test_a_help_through_a_members_pair_counts_for_that_member_not_the_recorder(small, worker_a, paired):
    _near, near_user, mine, mine_pair = paired["near"]
    # Recorded by the grid worker for the pair, and by the member themself: both are the member's.
    help_(worker_a, mine, pair=mine_pair)
    help_(near_user, mine, days_ago=3, pair=mine_pair)
    help_(worker_a, mine, days_ago=1)  # no pair: not a member's practical thing
    resident_unit = create_resident_unit(None, area=small.grids[0], name="供电所")
    unit_pair = assistance_actions.pair_helper(
        worker_a, mine, kind=HelperKind.RESIDENT_UNIT, helper_id=resident_unit.pk
    )
    help_(worker_a, mine, pair=unit_pair)  # a resident unit's: not a member's
    help_(worker_a, mine, days_ago=400, pair=mine_pair)  # before the period
    start, end = year()
    community = small.communities[0]
    assert practical.count(community, start, end) == {
        "count": 2,
        "by_kind": {"wish": 0, "task": 0, "help": 2, "case": 0},
    }
    assert practical.by_member(community, start, end) == {near_user.pk: 2}
    assert practical.by_unit(community, start, end) == {paired["unit"].pk: 2}
    assert practical.by_community(small.district, start, end) == {community.pk: 2}
    assert practical.count(small.households[0], start, end)["count"] == 2
    assert practical.count(small.grids[1], start, end)["count"] == 0
    assert practical.count(small.communities[1], start, end)["count"] == 0
    assert practical.helps_given(small.district, start, end).count() == 2


def test_helps_of_two_communities_are_counted_apart_and_a_member_without_an_account_counts_under_none(
    small, worker_a, worker_b, paired
):
    near, near_user, mine, mine_pair = paired["near"]
    far, _far_user, theirs, their_pair = paired["far"]
    MemberProfile.objects.filter(pk=far.pk).update(org_unit=None)
    help_(worker_a, mine, pair=mine_pair)
    help_(worker_b, theirs, pair=their_pair)
    help_(worker_b, theirs, days_ago=2, pair=their_pair)
    far.person.user = None
    far.person.save(update_fields=["user"])
    start, end = year()
    assert practical.by_community(small.district, start, end) == {
        small.communities[0].pk: 1,
        small.communities[1].pk: 2,
    }
    assert practical.by_member(small.district, start, end) == {near_user.pk: 1, None: 2}
    assert practical.by_unit(small.district, start, end) == {paired["unit"].pk: 1, None: 2}
    assert practical.count(small.district, start, end)["by_kind"]["help"] == 3


@pytest.mark.parametrize("figure", ["count", "by_member", "by_unit", "by_community"])
def test_each_count_is_one_query_however_many_helps_and_wishes(small, worker_a, paired, figure):
    _near, _user, mine, mine_pair = paired["near"]
    start, end = year()
    compute = getattr(practical, figure)
    help_(worker_a, mine, pair=mine_pair)
    with count_queries() as few:
        compute(small.district, start, end)
    for days in range(1, 6):
        help_(worker_a, mine, days_ago=days, pair=mine_pair)
    with count_queries() as many:
        result = compute(small.district, start, end)
    assert_flat(few, many, at_most=1)
    assert (result["count"] if figure == "count" else sum(result.values())) == 6
