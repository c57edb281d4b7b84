"""Records of field work made through the real actions, and the API's bodies for them."""

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from wangge.fieldwork import actions

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
