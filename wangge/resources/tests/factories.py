"""Facilities and bookings for the tests, made through the real actions; the days and hours they
use."""

import datetime as dt

from django.utils import timezone

from wangge.resources import actions
from wangge.resources.models import BookableBy, FacilityKind


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


MONDAY = dt.date(2026, 11, 2)  # a working Monday; "now" in the tests is the Friday before
NOW = at(dt.date(2026, 10, 30), 9)
WEEKDAYS_8_TO_20 = [actions.Hours(day, dt.time(8), dt.time(20)) for day in range(7)]


def facility(user, area, *, name: str = "学校运动场", **fields):
    """A sports ground open every day 8:00–20:00 (residents book it) in `area`."""
    fields.setdefault("kind", FacilityKind.SPORTS_GROUND)
    fields.setdefault("hours", WEEKDAYS_8_TO_20)
    fields.setdefault("bookable_by", BookableBy.RESIDENTS)
    return actions.create_facility(user, area=area, name=name, **fields)


def booking(user, place, day: dt.date = MONDAY, hour: int = 9, hours: int = 1, **kwargs):
    return actions.book(user, place, at(day, hour), at(day, hour + hours), "打篮球", **kwargs)
