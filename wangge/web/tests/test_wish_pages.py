"""The small wishes page: who uses it, scope across two communities (404 outside it), each step
through the real actions, an unknown step is not found, and a flat query count."""

import pytest
from django.urls import reverse

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import wishes
from wangge.team.models import Wish, WishStatus


@pytest.fixture
def member(small):
    return make_persona("member_1", Role.MEMBER, small.communities[0])


@pytest.fixture
def far_member(small):
    return make_persona("member_far", Role.MEMBER, small.communities[1])


def test_a_member_of_another_community_neither_sees_nor_claims_the_wish(client, small, resident, member, far_member):
    wish = wishes.post_wish(resident, area=small.households[0], text="帮忙取快递")
    client.force_login(far_member)
    assert f'data-wish="{wish.pk}"' not in client.get(reverse("wishes")).content.decode()
    assert client.post(reverse("wish_step", args=[wish.pk, "claim"])).status_code == 404
    client.force_login(member)
    assert f'data-wish="{wish.pk}"' in client.get(reverse("wishes")).content.decode()
    assert client.post(reverse("wish_step", args=[wish.pk, "delete"])).status_code == 404
    client.post(reverse("wish_step", args=[wish.pk, "claim"]))
    client.post(reverse("wish_step", args=[wish.pk, "fulfil"]), {"note": "送到家了"})
    assert Wish.objects.get().status == WishStatus.FULFILLED
    client.force_login(resident)
    client.post(reverse("wish_step", args=[wish.pk, "confirm"]))
    assert Wish.objects.get().status == WishStatus.CONFIRMED


def test_a_resident_posts_only_for_their_household(client, small, resident):
    client.force_login(resident)
    assert client.post(reverse("wish_post"), {"area": small.households[-1].pk, "text": "x"}).status_code == 404
    client.post(reverse("wish_post"), {"area": small.households[0].pk, "text": "想学用智能手机"})
    assert Wish.objects.get().household_id == small.households[0].pk


def test_departments_and_supervisors_find_no_wishes_page(client, small, dept_a, supervisor):
    for user in (dept_a, supervisor):
        client.force_login(user)
        assert client.get(reverse("wishes")).status_code == 404


def test_the_wishes_page_costs_the_same_queries_for_more_wishes(client, small, resident, member):
    wishes.post_wish(resident, area=small.households[0], text="心愿")
    client.force_login(member)
    with count_queries() as few:
        client.get(reverse("wishes"))
    for index in range(5):
        wish = wishes.post_wish(resident, area=small.households[0], text=f"心愿{index}")
        if index % 2:
            wishes.claim_wish(member, wish)
    with count_queries() as many:
        client.get(reverse("wishes"))
    assert_flat(few, many, at_most=14)
