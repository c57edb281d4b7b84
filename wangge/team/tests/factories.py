"""Workers of the roster for tests: a registry person whose account is the persona, with a
worker profile in the persona's grid (through the real actions)."""

from wangge.accounts import actions as account_actions
from wangge.conftest import PASSWORD
from wangge.people.actions.registry import PersonInput, add_workers, create_person, register_members
from wangge.people.models import MemberProfile, Person, WorkerKind, WorkerProfile


def worker_of(user, area, kind: str = WorkerKind.GRID_WORKER, name: str | None = None) -> WorkerProfile:
    """The persona `user` as a worker of `area` (a grid or a community) on the roster."""
    person = create_person(
        None, district=area.district, data=PersonInput(name=name or user.username, phone="13800138000")
    )
    Person.objects.filter(pk=person.pk).update(user=user)
    return add_workers(None, [(Person.objects.get(pk=person.pk), kind, area)])[0]


def account_less_worker(area, name: str) -> WorkerProfile:
    person = create_person(None, district=area.district, data=PersonInput(name=name))
    return add_workers(None, [(person, WorkerKind.GRID_WORKER, area)])[0]


def member_account(small, username: str, kind: str = "in_service", community=None, reported_on=None):
    """A registry member with their own account (no role), living in `community` (community 1),
    optionally imported with a registration date."""
    user = account_actions.create_user(None, username=username, password=PASSWORD, display_name=username)
    person = create_person(None, district=small.district, data=PersonInput(name=f"党员{username}"))
    Person.objects.filter(pk=person.pk).update(user=user)
    [profile] = register_members(None, [(Person.objects.get(pk=person.pk), kind, community or small.communities[0])])
    if reported_on is not None:
        MemberProfile.objects.filter(pk=profile.pk).update(reported_on=reported_on)  # what the import sets
        profile.refresh_from_db()
    return user, profile
