"""Services offered by retired and student members (culture and recreation, care for the
elderly, emotional support, tutoring) are service tasks: claimed, fulfilled with the hours given,
confirmed, and counted as practical things done like any task. Commitments' fulfilment is noted
by the member or the community's staff."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wangge.lib.errors import DomainError
from wangge.team import members, practical, wishes
from wangge.team.models import WishKind, WishStatus
from wangge.team.tests.factories import member_account

MARCH = dt.date(2026, 3, 5)


def _registered(small, username, kind):
    user, profile = member_account(small, username, kind=kind)
    members.register(None, profile, community=small.communities[0], on=MARCH)
    return user, profile


def test_a_retired_member_offers_a_service_gives_its_hours_and_the_staff_confirm_it(small, community_staff):
    user, profile = _registered(small, "retired", "retired")
    offer = wishes.offer_service(
        user, profile, community=small.communities[0], service="elderly", text="陪独居老人聊天"
    )
    assert (offer.kind, offer.status, offer.claimant_id) == (WishKind.TASK, WishStatus.CLAIMED, user.pk)
    with pytest.raises(DomainError) as error:
        wishes.fulfil_wish(user, offer, note="聊了一下午")
    assert error.value.code == "service_hours"
    done = wishes.fulfil_wish(user, offer, note="聊了一下午", hours="2.5")
    assert done.hours == Decimal("2.5")
    with pytest.raises(DomainError) as error:
        wishes.confirm_wish(user, done)  # not their own service
    assert error.value.code == "wish_not_yours"
    assert wishes.confirm_wish(community_staff, done).status == WishStatus.CONFIRMED
    today = timezone.localdate()
    assert practical.count(small.communities[0], today, today)["by_kind"]["task"] == 1
    assert practical.by_member(small.communities[0], today, today) == {user.pk: 1}


def test_only_retired_and_student_members_registered_there_offer_services(small):
    in_service, profile = _registered(small, "busy", "in_service")
    with pytest.raises(DomainError) as error:
        wishes.offer_service(in_service, profile, community=small.communities[0], service="tutoring", text="辅导")
    assert error.value.code == "not_a_member"
    student, student_profile = _registered(small, "student", "student")
    with pytest.raises(DomainError) as error:
        wishes.offer_service(student, student_profile, community=small.communities[1], service="tutoring", text="辅导")
    assert error.value.code == "not_a_member"
    offer = wishes.offer_service(
        student, student_profile, community=small.communities[0], service="tutoring", text="辅导"
    )
    assert offer.service == "tutoring"


def test_a_service_task_posted_by_the_community_is_claimed_and_fulfilled_with_hours(small, community_staff):
    user, _profile = _registered(small, "claims", "student")
    task = wishes.post_wish(community_staff, area=small.communities[0], text="周末文艺汇演", service="culture")
    assert task.kind == WishKind.TASK
    wishes.claim_wish(user, task)
    done = wishes.fulfil_wish(user, task, note="主持汇演", hours=3)
    assert done.hours == Decimal("3.0")
    assert wishes.confirm_wish(community_staff, done).status == WishStatus.CONFIRMED


def test_a_commitments_fulfilment_is_noted_by_the_member_or_their_communitys_staff(small, community_staff, worker_b):
    user, profile = _registered(small, "promise", "in_service")
    made = members.commit(
        user, profile, theme="culture", text="每月组织一次文艺活动", starts_on=MARCH, ends_on=dt.date(2026, 12, 31)
    )
    with pytest.raises(DomainError) as error:
        members.note_fulfilment(worker_b, made, text="办了", on=dt.date(2026, 4, 1))
    assert error.value.code == "team_forbidden"
    with pytest.raises(DomainError) as error:
        members.note_fulfilment(community_staff, made, text="办了", on=dt.date(2026, 1, 1))
    assert error.value.code == "term_invalid"
    noted = members.note_fulfilment(community_staff, made, text="四月文艺汇演已办", on=dt.date(2026, 4, 1))
    assert (noted.fulfilled_on, noted.noted_by) == (dt.date(2026, 4, 1), community_staff)
