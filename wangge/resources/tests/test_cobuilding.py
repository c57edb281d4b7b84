"""Co-building agreements and their renewal, joint meetings and residents' consultations with
decisions followed until done: kept by the community's staff, read by the unit's accounts, scope
over two communities, every change audited."""

import datetime as dt

import pytest

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.errors import DomainError
from wangge.resources import cobuilding
from wangge.resources.errors import ResourceError
from wangge.resources.models import MeetingKind

JAN = dt.date(2026, 1, 1)


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as raised:
        call(*args, **kwargs)
    return raised.value.code


def sign(user, small, unit, **extra):
    fields = {
        "community": small.communities[0],
        "unit": unit,
        "unit_commits": "开放运动场；每月 10 名志愿者",
        "community_commits": "协助管理",
        "starts_on": JAN,
        "ends_on": dt.date(2026, 12, 31),
    }
    return cobuilding.sign_agreement(user, **{**fields, **extra})


def test_an_agreement_is_signed_and_renewed_and_read_by_the_units_account_only(
    small, community_staff, staff_b, school, school_account, hospital_account
):
    first = sign(community_staff, small, school)
    renewal = sign(
        community_staff, small, school, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 12, 31), renews=first
    )
    assert first.renewal == renewal
    assert code_of(sign, community_staff, small, school, renews=first) == ResourceError.COBUILDING_INVALID
    assert code_of(sign, staff_b, small, school) == ResourceError.RESOURCE_FORBIDDEN
    assert set(cobuilding.visible_agreements(school_account)) == {first, renewal}
    assert list(cobuilding.visible_agreements(hospital_account)) == []
    assert list(cobuilding.visible_agreements(staff_b)) == []
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_CHANGED).count() == 2


def test_a_meetings_decision_is_a_task_followed_until_done(small, community_staff, staff_b, school, worker_a, resident):
    meeting = cobuilding.record_meeting(
        community_staff,
        community=small.communities[0],
        kind=MeetingKind.CONSULTATION,
        held_on=dt.date(2026, 10, 20),
        participants="居民代表 12 人，第一中学",
        matters="学校运动场晚间开放时间",
        minutes="同意工作日 18:00–20:00 开放",
        units=[school],
    )
    assert list(cobuilding.visible_meetings(staff_b)) == []
    assert list(cobuilding.visible_meetings(community_staff)) == [meeting]
    decision = cobuilding.add_decision(
        community_staff, meeting, text="制定开放安排", owner=worker_a, due_on=dt.date(2026, 11, 1)
    )
    assert code_of(cobuilding.add_decision, staff_b, meeting, text="x", owner=worker_a, due_on=JAN) == (
        ResourceError.RESOURCE_FORBIDDEN
    )
    assert list(cobuilding.open_decisions(worker_a)) == [decision]
    assert code_of(cobuilding.finish_decision, resident, decision, "") == ResourceError.RESOURCE_FORBIDDEN
    done = cobuilding.finish_decision(worker_a, decision, "安排已公示")
    assert done.done_at is not None and list(cobuilding.open_decisions(worker_a)) == []
    assert code_of(cobuilding.finish_decision, worker_a, decision, "") == ResourceError.BOOKING_STATE
    assert AuditEvent.objects.filter(action=AuditAction.DECISION_CHANGED).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_RECORDED).count() == 1


def test_a_meeting_needs_its_kind_participants_and_matters(small, community_staff):
    assert (
        code_of(
            cobuilding.record_meeting,
            community_staff,
            community=small.communities[0],
            kind="party",
            held_on=JAN,
            participants="",
            matters="",
        )
        == ResourceError.COBUILDING_INVALID
    )
