"""Records of field work made through the real actions, and the API's bodies for them."""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from wangge.fieldwork import actions
from wangge.orgs.actions import create_zone
from wangge.people.actions.registry import PersonInput, create_person, register_members
from wangge.people.models import Person

WORKING_MONDAY = dt.date(2026, 11, 2)  # a Monday without a holiday


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def briefing(user, grid, day: dt.date, **kwargs: Any):
    return actions.record_briefing(user, uuid=uuid.uuid4(), grid=grid, date=day, **kwargs)[0]


def patrol(user, grid, day: dt.date, buildings=(), hour: int = 9, finished: bool = True):
    checkins = [actions.CheckinData(at=at(day, hour), building_id=b.pk) for b in buildings]
    return actions.record_patrol(
        user,
        uuid=uuid.uuid4(),
        grid=grid,
        started_at=at(day, hour),
        finished_at=at(day, hour + 1) if finished else None,
        checkins=checkins,
    )[0]


def visit(user, household, when: dt.datetime, **kwargs: Any):
    return actions.record_visit(user, uuid=uuid.uuid4(), household=household, visited_at=when, **kwargs)[0]


def briefing_body(grid, day: dt.date = WORKING_MONDAY, **extra: Any) -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), "grid": grid.pk, "date": day.isoformat(), "matters": "楼道堆物", **extra}


def patrol_body(grid, buildings=(), day: dt.date = WORKING_MONDAY, **extra: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "grid": grid.pk,
        "started_at": at(day, 9).isoformat(),
        "finished_at": at(day, 10).isoformat(),
        "checkins": [{"building": b.pk, "at": at(day, 9).isoformat()} for b in buildings],
        **extra,
    }


def visit_body(household, **extra: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "household": household.pk,
        "visited_at": at(WORKING_MONDAY, 15).isoformat(),
        "met": "户主",
        **extra,
    }


def member(small, name: str, areas=(), *, kind: str = "in_service", user=None):
    """A member of the registry (in service by default) with a responsibility zone over `areas`
    and, when given, their own account (`Person.user`)."""
    person = create_person(None, district=small.district, data=PersonInput(name=name))
    if user is not None:
        Person.objects.filter(pk=person.pk).update(user=user)  # what staff onboarding sets
    (profile,) = register_members(None, [(person, kind, small.communities[0])])
    if areas:
        create_zone(None, member=profile, name=f"{name}责任区", areas=list(areas))
    return profile
