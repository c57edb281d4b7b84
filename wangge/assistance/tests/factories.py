"""Dossiers, pairs and helps made through the real actions, and a member with their own account."""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role
from wangge.assistance import actions
from wangge.assistance.models import HelperKind, Priority
from wangge.conftest import PASSWORD
from wangge.fieldwork.tests.factories import member as fieldwork_member
from wangge.people.actions.registry import PersonInput, create_person
from wangge.people.models import HouseholdMember, Person
from wangge.resources.models import FilingStatus, SocialOrgKind
from wangge.resources.social import register_org

SENTENCE = "独居老人王某某患尿毒症每周透析三次子女均在外地务工"


def dossier(user, household, *needs: tuple[str, str], **kwargs: Any):
    data = [actions.NeedData(kind, priority, "") for kind, priority in needs]
    return actions.open_dossier(user, household=household, needs=data, **kwargs)


def member_with_account(small, name: str, home=None):
    """A member of the registry with their own login account, living in `home` (a household)."""
    user = account_actions.create_user(None, username=f"member_{name}", password=PASSWORD, display_name=name)
    profile = fieldwork_member(small, name, user=user)
    if home is not None:
        HouseholdMember.objects.create(person=profile.person, household=home)
    return profile, user


def volunteer_with_account(small, name: str, home=None):
    """A person of the registry whose own account holds the volunteer role over the first
    community, living in `home` (a household)."""
    user = account_actions.create_user(
        None, username=f"volunteer_{name}", password=PASSWORD, role=Role.VOLUNTEER, area=small.communities[0]
    )
    person = create_person(None, district=small.district, data=PersonInput(name=name, household=home))
    Person.objects.filter(pk=person.pk).update(user=user)
    return person, user


def social_org(staff, community, name: str = "夕阳红关爱服务社"):
    """A social organisation filed with a community (by its staff)."""
    return register_org(
        staff,
        community=community,
        name=name,
        kind=SocialOrgKind.values[0],
        filing_status=FilingStatus.FILED,
    )


def pair(user, dossier_, profile):
    return actions.pair_helper(user, dossier_, kind=HelperKind.MEMBER, helper_id=profile.pk)


def help_(user, dossier_, days_ago: int = 0, **kwargs: Any):
    given = timezone.localdate() - dt.timedelta(days=days_ago)
    return actions.record_help(user, uuid=uuid.uuid4(), dossier=dossier_, given_on=given, what="送米面油", **kwargs)[0]


URGENT = Priority.MOST_URGENT
