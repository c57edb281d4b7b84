"""Dossiers, pairs and helps made through the real actions, and a member with their own account."""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from wangge.accounts import actions as account_actions
from wangge.assistance import actions
from wangge.assistance.models import HelperKind, Priority
from wangge.conftest import PASSWORD
from wangge.fieldwork.tests.factories import member as fieldwork_member
from wangge.people.models import HouseholdMember

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


def pair(user, dossier_, profile):
    return actions.pair_helper(user, dossier_, kind=HelperKind.MEMBER, helper_id=profile.pk)


def help_(user, dossier_, days_ago: int = 0, **kwargs: Any):
    given = timezone.localdate() - dt.timedelta(days=days_ago)
    return actions.record_help(user, uuid=uuid.uuid4(), dossier=dossier_, given_on=given, what="送米面油", **kwargs)[0]


URGENT = Priority.MOST_URGENT
