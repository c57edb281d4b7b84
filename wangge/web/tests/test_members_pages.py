"""The members' pages on a phone: the member's own (register, commit, offer a service and record
its hours) and the community staff's (registered and not yet registered members, confirm, note a
commitment fulfilled, confirm a service), with staff of two communities; flat query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import members, wishes
from wangge.team.models import Commitment, Registration, RegistrationStatus, Wish, WishStatus
from wangge.team.tests.factories import member_account


@pytest.fixture
def staff_b(small):
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


def test_a_member_registers_commits_and_offers_a_service_from_their_page(client, small):
    user, profile = member_account(small, "page_retired", kind="retired")
    client.force_login(user)
    assert client.get(reverse("members_mine")).status_code == 200
    step = lambda name, **data: client.post(reverse("members_mine_step", args=[name]), data)  # noqa: E731
    assert step("register", community=small.communities[0].pk).status_code == 302
    assert Registration.objects.get(member=profile).status == RegistrationStatus.REGISTERED
    step("commit", theme="elderly", text="每周探望独居老人", starts_on="2026-03-01", ends_on="2026-12-31")
    assert Commitment.objects.get(member=profile).theme == "elderly"
    step("offer", community=small.communities[0].pk, service="culture", text="教太极拳")
    offer = Wish.objects.get(claimant=user)
    step("done", wish=offer.pk, note="教了一小时", hours="1.5")
    offer.refresh_from_db()
    assert (offer.status, str(offer.hours)) == (WishStatus.FULFILLED, "1.5")
    html = client.get(reverse("members_mine")).content.decode()
    assert "教太极拳" in html and "每周探望独居老人" in html


def test_an_account_that_is_not_a_members_has_no_member_page(client, small, resident):
    client.force_login(resident)
    assert client.get(reverse("members_mine")).status_code == 404
    assert client.post(reverse("members_mine_step", args=["register"]), {"community": 1}).status_code == 404


def test_the_staff_see_and_confirm_their_own_communitys_members_only(client, small, community_staff, staff_b):
    _a, waiting = member_account(small, "waiting")
    members.register(_a, waiting, community=small.communities[0], on=dt.date(2026, 3, 1))
    _b, nobody = member_account(small, "nobody")
    client.force_login(community_staff)
    html = client.get(reverse("members_community")).content.decode()
    assert 'data-state="registered"' in html and 'data-state="none"' in html
    client.force_login(staff_b)
    url = f"{reverse('members_community')}?community={small.communities[0].pk}"
    assert client.get(url).status_code == 404
    confirm = reverse("members_community_step", args=["confirm"])
    body = {"community": small.communities[0].pk, "member": waiting.pk}
    assert client.post(confirm, body).status_code == 404
    assert Registration.objects.get(member=waiting).status == RegistrationStatus.REGISTERED
    client.force_login(community_staff)
    client.post(confirm, body)
    assert Registration.objects.get(member=waiting).status == RegistrationStatus.CONFIRMED


def test_the_staff_note_a_commitment_and_confirm_a_service(client, small, community_staff, staff_b):
    user, profile = member_account(small, "svc", kind="student")
    members.register(None, profile, community=small.communities[0], on=dt.date(2026, 3, 1))
    made = members.commit(
        user, profile, theme="tutoring", text="辅导", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 9, 1)
    )
    offer = wishes.offer_service(user, profile, community=small.communities[0], service="tutoring", text="辅导数学")
    wishes.fulfil_wish(user, offer, note="辅导两小时", hours=2)
    body = {"community": small.communities[0].pk, "commitment": made.pk, "text": "已辅导十次"}
    client.force_login(staff_b)
    assert client.post(reverse("members_community_step", args=["fulfilment"]), body).status_code == 404
    client.force_login(community_staff)
    client.post(reverse("members_community_step", args=["fulfilment"]), body)
    assert Commitment.objects.get(pk=made.pk).fulfilment == "已辅导十次"
    client.post(
        reverse("members_community_step", args=["service"]), {"community": small.communities[0].pk, "wish": offer.pk}
    )
    assert Wish.objects.get(pk=offer.pk).status == WishStatus.CONFIRMED


def test_the_staff_page_stays_flat_as_members_grow(client, small, community_staff):
    client.force_login(community_staff)
    member_account(small, "f0")
    with count_queries() as few:
        client.get(reverse("members_community"))
    for index in range(1, 6):
        user, profile = member_account(small, f"f{index}", kind="retired")
        members.register(None, profile, community=small.communities[0], on=dt.date(2026, 3, 1))
        members.commit(
            user, profile, theme="culture", text="文艺", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 6, 1)
        )
        offer = wishes.offer_service(user, profile, community=small.communities[0], service="culture", text="唱歌")
        wishes.fulfil_wish(user, offer, note="唱了", hours=1)
    with count_queries() as many:
        client.get(reverse("members_community"))
    assert_flat(few, many)
