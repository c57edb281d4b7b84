"""In-service members: registration with the community where they live connects the imported
member profile to claiming that community's wishes; commitments with a theme and a term."""

import datetime as dt

import pytest

from wangge.accounts import actions as account_actions
from wangge.accounts.models import AuditAction, AuditEvent
from wangge.conftest import PASSWORD
from wangge.lib.errors import DomainError
from wangge.people.actions.registry import PersonInput, create_person, register_members
from wangge.people.models import MemberKind, Person
from wangge.team import members, wishes
from wangge.team.models import WishStatus


@pytest.fixture
def member(small):
    """An in-service member living in community 1, with an account but no role, not yet registered."""
    user = account_actions.create_user(None, username="zai_zhi", password=PASSWORD)
    person = create_person(None, district=small.district, data=PersonInput(name="在职党员"))
    Person.objects.filter(pk=person.pk).update(user=user)
    [profile] = register_members(
        None, [(Person.objects.get(pk=person.pk), MemberKind.IN_SERVICE, small.communities[0])]
    )
    return user, profile


def test_a_member_registered_with_the_community_claims_its_wishes_and_not_before(
    small, resident, member, community_staff
):
    user, profile = member
    wish = wishes.post_wish(resident, area=small.households[0], text="帮忙搬花盆")
    with pytest.raises(DomainError) as error:
        wishes.claim_wish(user, wish)
    assert error.value.code == "not_a_member"
    members.register(community_staff, profile, community=small.communities[0], on=dt.date(2026, 3, 5))
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_REGISTERED).count() == 1
    assert wishes.claim_wish(user, wish).status == WishStatus.CLAIMED


def test_registration_elsewhere_does_not_open_another_communitys_wishes(small, member, worker_b):
    user, profile = member
    members.register(user, profile, community=small.communities[0], on=dt.date(2026, 3, 5))
    task = wishes.post_wish(worker_b, area=small.grids[2], text="清理楼道", kind="task")
    with pytest.raises(DomainError) as error:
        wishes.claim_wish(user, task)
    assert error.value.code == "not_a_member"
    with pytest.raises(DomainError) as error:
        members.register(worker_b, profile, community=small.communities[1], on=dt.date(2026, 3, 5))
    assert error.value.code == "team_forbidden"


def test_a_commitment_has_a_theme_and_a_term_and_is_the_members_own(small, member, community_staff):
    user, profile = member
    made = members.commit(
        user,
        profile,
        theme="tutoring",
        text="每周六为社区孩子辅导作业",
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    assert (made.theme, made.community_id) == ("tutoring", small.communities[0].pk)
    for kwargs, code in (
        ({"starts_on": dt.date(2026, 3, 1), "ends_on": dt.date(2026, 2, 1)}, "term_invalid"),
        ({"starts_on": dt.date(2026, 3, 1), "ends_on": dt.date(2030, 3, 1)}, "term_invalid"),
    ):
        with pytest.raises(DomainError) as error:
            members.commit(user, profile, theme="culture", text="x", **kwargs)
        assert error.value.code == code
    with pytest.raises(DomainError) as error:
        members.commit(
            community_staff,
            profile,
            theme="culture",
            text="x",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 4, 1),
        )
    assert error.value.code == "team_forbidden"
