"""Stations, volunteers and activities for the tests, made through the real actions; the clock."""

import datetime as dt

from django.utils import timezone

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role
from wangge.conftest import PASSWORD
from wangge.people.actions import create_person
from wangge.people.actions.registry import PersonInput
from wangge.people.models import Person
from wangge.volunteers import actions
from wangge.volunteers.models import TeamKind


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


DAY = dt.date(2026, 11, 7)  # a Saturday; "now" in the tests is 8:00 that morning unless moved
NOW = at(DAY, 8)


def station(staff, community, name: str = "志愿服务站"):
    return actions.open_station(staff, community, name=f"{community.name}{name}")


def team(staff, station_, kind: str = TeamKind.ELDERLY, name: str = "助老服务队"):
    return actions.add_team(staff, station_, name=name, kind=kind)


def volunteer(small, staff, station_, name: str, *, household: int | None = None, id_number: str | None = None):
    """A person of the registry with their own account (role `volunteer` over the station's
    community), registered with the station. Returns (volunteer, user)."""
    user = account_actions.create_user(None, username=f"v_{name}", password=PASSWORD, display_name=name)
    account_actions.assign_role(None, user=user, role=Role.VOLUNTEER, area=station_.community)
    data = PersonInput(
        name=name,
        household=small.households[household] if household is not None else None,
        **({"id_number": id_number} if id_number else {}),
    )
    person = create_person(None, district=small.district, data=data)
    Person.objects.filter(pk=person.pk).update(user=user)  # what staff onboarding sets
    person.refresh_from_db()
    return actions.register_volunteer(staff, station_, person, joined_on=DAY - dt.timedelta(days=400)), user


def activity(staff, station_, *, capacity: int = 2, hour: int = 9, hours: int = 2, title: str = "探访独居老人", **kw):
    return actions.create_activity(
        staff, station_, title=title, starts_at=at(DAY, hour), ends_at=at(DAY, hour + hours), capacity=capacity, **kw
    )
