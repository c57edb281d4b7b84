"""Small wishes: a resident posts, a member of the community claims (one at a time; a lapsed
claim opens the wish again), fulfils and the resident confirms; scope across two communities;
the practical things done count equals the records counted, with flat queries."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from wangge.accounts.models import Role
from wangge.api.testing import assert_error, bearer_client
from wangge.cases.tests.factories import ok
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import practical
from wangge.team.models import Wish, WishStatus
from wangge.team.wishes import CLAIM_DAYS


@pytest.fixture
def members(small):
    """Two members of community 1, one of community 2."""
    return (
        make_persona("member_1", Role.MEMBER, small.communities[0]),
        make_persona("member_2", Role.MEMBER, small.communities[0]),
        make_persona("member_c2", Role.MEMBER, small.communities[1]),
    )


def post(user, area, text="帮忙修理水龙头") -> dict:
    return ok(
        bearer_client(user).post("/api/v1/wishes", {"area": area.pk, "text": text}, content_type="application/json"),
        201,
    )


def deeds(user, area) -> dict:
    today = timezone.localdate()
    return ok(bearer_client(user).get(f"/api/v1/deeds?area={area.pk}&from={today.replace(day=1)}&to={today}"))


def test_a_wish_is_posted_claimed_fulfilled_confirmed_and_counted_once(small, resident, members, community_staff):
    member, other, _far = members
    before = deeds(community_staff, small.communities[0])
    wish = post(resident, small.households[0])
    assert wish["status"] == "open" and wish["household"] == small.households[0].pk
    url = f"/api/v1/wishes/{wish['id']}"
    assert ok(bearer_client(member).post(f"{url}/claim"))["claimant"] == member.pk
    assert_error(bearer_client(other).post(f"{url}/claim"), 409, "wish_taken")
    assert_error(bearer_client(resident).post(f"{url}/confirm"), 409, "wish_state")
    assert_error(
        bearer_client(other).post(f"{url}/fulfil", {"note": "修好了"}, content_type="application/json"),
        403,
        "wish_not_yours",
    )
    assert (
        ok(bearer_client(member).post(f"{url}/fulfil", {"note": "换了新阀芯"}, content_type="application/json"))[
            "status"
        ]
        == "fulfilled"
    )
    assert_error(bearer_client(member).post(f"{url}/confirm"), 403, "wish_not_yours")
    assert ok(bearer_client(resident).post(f"{url}/confirm"))["status"] == "confirmed"
    after = deeds(community_staff, small.communities[0])
    assert after["count"] == before["count"] + 1 and after["by_kind"]["wish"] == before["by_kind"]["wish"] + 1
    today = timezone.localdate()
    assert practical.by_member(small.communities[0], today.replace(day=1), today) == {member.pk: 1}
    assert practical.by_community(small.district, today.replace(day=1), today) == {small.communities[0].pk: 1}


def test_a_wish_of_another_community_is_not_found_and_its_member_cannot_claim(small, resident, members, worker_b):
    wish = post(resident, small.households[0])
    _member, _other, far = members
    assert_error(bearer_client(far).post(f"/api/v1/wishes/{wish['id']}/claim"), 404, "not_found")
    assert_error(bearer_client(worker_b).post(f"/api/v1/wishes/{wish['id']}/claim"), 404, "not_found")
    assert_error(
        bearer_client(resident).post(
            "/api/v1/wishes", {"area": small.households[-1].pk, "text": "x"}, content_type="application/json"
        ),
        404,
        "not_found",
    )
    assert ok(bearer_client(far).get("/api/v1/wishes"))["items"] == []
    assert_error(
        bearer_client(far).get(f"/api/v1/deeds?area={small.communities[0].pk}&from=2026-01-01&to=2026-12-31"),
        404,
        "not_found",
    )


def test_a_grid_worker_posts_a_task_and_a_non_member_cannot_claim_it(small, worker_a, members):
    task = ok(
        bearer_client(worker_a).post(
            "/api/v1/wishes",
            {"area": small.grids[0].pk, "text": "清理楼道杂物", "kind": "task"},
            content_type="application/json",
        ),
        201,
    )
    assert task["kind"] == "task"
    assert_error(bearer_client(worker_a).post(f"/api/v1/wishes/{task['id']}/claim"), 403, "not_a_member")
    assert_error(
        bearer_client(worker_a).post(
            "/api/v1/wishes", {"area": small.buildings[0].pk, "text": "x"}, content_type="application/json"
        ),
        400,
        "wish_area",
    )


def test_a_claim_not_acted_on_lapses_and_another_member_may_claim(small, resident, members):
    member, other, _far = members
    wish = post(resident, small.households[0])
    ok(bearer_client(member).post(f"/api/v1/wishes/{wish['id']}/claim"))
    with time_machine.travel(timezone.now() + dt.timedelta(days=CLAIM_DAYS, minutes=1)):
        assert ok(bearer_client(other).get("/api/v1/wishes"))["items"][0]["status"] == "open"
        assert ok(bearer_client(other).post(f"/api/v1/wishes/{wish['id']}/claim"))["claimant"] == other.pk
        assert_error(
            bearer_client(member).post(
                f"/api/v1/wishes/{wish['id']}/fulfil", {"note": "x"}, content_type="application/json"
            ),
            403,
            "wish_not_yours",
        )


def test_the_wish_list_costs_the_same_queries_for_more_wishes(small, resident, members):
    member = members[0]
    post(resident, small.households[0])
    client = bearer_client(member)
    with count_queries() as few:
        client.get("/api/v1/wishes")
    for index in range(5):
        post(resident, small.households[0], text=f"心愿{index}")
    with count_queries() as many:
        client.get("/api/v1/wishes")
    assert_flat(few, many, at_most=8)
    assert Wish.objects.filter(status=WishStatus.OPEN).count() == 6
