"""Registration (报到) of members with their community: the member system's imported registration
counts and is confirmed by the community's staff; a student may register with their home
community and their university's, everyone else with one; leaving ends it; the staff's list
shows who is registered and who is not, in two queries."""

import datetime as dt

import pytest

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.people import holders
from wangge.team import members, wishes
from wangge.team.models import Commitment, Registration, RegistrationSource, RegistrationStatus
from wangge.team.tests.factories import member_account

MARCH = dt.date(2026, 3, 5)


def test_an_imported_registration_opens_the_communitys_wishes_and_the_staff_confirm_it(
    small, resident, community_staff
):
    user, profile = member_account(small, "imported", reported_on=dt.date(2025, 6, 1))
    wish = wishes.post_wish(resident, area=small.households[0], text="帮忙换灯泡")
    assert wishes.claim_wish(user, wish).claimant_id == user.pk
    [line] = [line for line in members.community_members(small.communities[0]) if line.member.pk == profile.pk]
    assert line.state == "imported"
    row = members.confirm(community_staff, profile, community=small.communities[0])
    assert (row.source, row.status, row.registered_on) == (
        RegistrationSource.IMPORTED,
        RegistrationStatus.CONFIRMED,
        dt.date(2025, 6, 1),
    )
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_REGISTERED, detail__step="confirmed").count() == 1
    with pytest.raises(DomainError) as error:
        members.confirm(community_staff, profile, community=small.communities[0])
    assert error.value.code == "registration_state"


def test_a_member_registers_themself_and_waits_for_the_staff_of_that_community_only(small, community_staff, worker_b):
    user, profile = member_account(small, "self")
    row = members.register(user, profile, community=small.communities[0], on=MARCH)
    assert (row.status, row.source) == (RegistrationStatus.REGISTERED, RegistrationSource.MEMBER)
    assert members.registered_with(user, small.communities[0].pk)
    with pytest.raises(DomainError) as error:
        members.confirm(worker_b, profile, community=small.communities[0])
    assert error.value.code == "team_forbidden"
    assert members.confirm(community_staff, profile, community=small.communities[0]).confirmed_by == community_staff


def test_a_student_registers_twice_and_everyone_else_once(small):
    student, student_profile = member_account(small, "student", kind="student")
    members.register(student, student_profile, community=small.communities[0], on=MARCH)
    members.register(student, student_profile, community=small.communities[1], on=MARCH, place="university")
    with pytest.raises(DomainError) as error:
        members.register(student, student_profile, community=small.communities[1], on=MARCH)
    assert error.value.code == "registration_limit"
    assert Registration.objects.filter(member=student_profile).count() == 2
    for kind in ("in_service", "retired"):
        user, profile = member_account(small, kind, kind=kind)
        members.register(user, profile, community=small.communities[0], on=MARCH)
        for place in ("home", "university"):
            with pytest.raises(DomainError) as error:
                members.register(user, profile, community=small.communities[1], on=MARCH, place=place)
            assert error.value.code == "registration_limit"
        assert Registration.objects.filter(member=profile).count() == 1


def test_the_database_holds_one_current_registration_per_place(small):
    _user, profile = member_account(small, "db")
    members.register(None, profile, community=small.communities[0], on=MARCH)
    with pytest.raises(Exception, match="UNIQUE|unique|duplicate"):
        Registration.objects.create(
            district=small.district,
            member=profile,
            community=small.communities[1],
            place="home",
            source="staff",
            registered_on=MARCH,
        )


def test_leaving_ends_the_registration_and_a_new_home_may_follow(small, community_staff, resident):
    user, profile = member_account(small, "mover")
    row = members.register(user, profile, community=small.communities[0], on=MARCH)
    members.leave(user, row, on=dt.date(2026, 6, 1))
    assert not members.registered_with(user, small.communities[0].pk)
    wish = wishes.post_wish(resident, area=small.households[0], text="取快递")
    with pytest.raises(DomainError) as error:
        wishes.claim_wish(user, wish)
    assert error.value.code == "not_a_member"
    with pytest.raises(DomainError) as error:
        members.leave(community_staff, row, on=dt.date(2026, 6, 2))
    assert error.value.code == "registration_state"
    members.register(user, profile, community=small.communities[1], on=dt.date(2026, 6, 2))
    profile.refresh_from_db()
    assert profile.home_community_id == small.communities[1].pk


def test_the_communitys_list_shows_registered_and_not_yet_registered_members(small, community_staff):
    _a, registered = member_account(small, "reg")
    _b, waiting = member_account(small, "wait")
    _c, nobody = member_account(small, "none")
    _d, elsewhere = member_account(small, "far", community=small.communities[1])
    members.register(community_staff, registered, community=small.communities[0], on=MARCH)
    members.register(_b, waiting, community=small.communities[0], on=MARCH)
    states = {line.member.pk: line.state for line in members.community_members(small.communities[0])}
    assert states == {registered.pk: "confirmed", waiting.pk: "registered", nobody.pk: "none"}
    assert elsewhere.pk not in states


def test_the_communitys_list_is_two_queries_however_many_members(small, community_staff):
    member_account(small, "m0")
    with count_queries() as few:
        members.community_members(small.communities[0])
    for index in range(1, 6):
        _user, profile = member_account(small, f"m{index}")
        members.register(community_staff, profile, community=small.communities[0], on=MARCH)
    with count_queries() as many:
        members.community_members(small.communities[0])
    assert_flat(few, many, at_most=2)


def test_the_access_report_holds_the_members_registrations_and_commitments_and_forgetting_removes_them(
    small, community_staff
):
    user, profile = member_account(small, "rights")
    members.register(community_staff, profile, community=small.communities[0], on=MARCH)
    members.commit(
        user, profile, theme="culture", text="每月组织文艺活动", starts_on=MARCH, ends_on=dt.date(2026, 9, 1)
    )
    [part] = [p for p in holders.held_about(profile.person) if p["key"] == "team_members"]
    assert [row["community"] for row in part["rows"]] == [small.communities[0].name] * 2
    assert part["rows"][1]["text"] == "每月组织文艺活动"
    holders.forget(None, [profile.person_id])
    assert not Registration.objects.filter(member=profile).exists()
    assert not Commitment.objects.filter(member=profile).exists()
