"""When a facility is open: its weekly opening hours, less statutory holidays (from the work
calendar, for a facility `closed_on_holidays`) and its closures.

A statutory holiday here is a day the district's work calendar marks as a day off although it
falls Monday to Friday (the calendar stores only the days that differ from Monday–Friday, so a
holiday falling on a weekend is the weekend's own hours). A make-up working day (调休) keeps the
hours of its own weekday.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from wangge.calendars.queries import calendar_for
from wangge.lib.workdays import WorkCalendar
from wangge.resources.models import Closure, Facility, OpeningHours

Period = tuple[dt.datetime, dt.datetime]


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from `start` to `end`, both included."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def is_holiday(calendar: WorkCalendar, day: dt.date) -> bool:
    return calendar.exceptions.get(day) is False


def open_periods(
    facilities: Iterable[Facility], start: dt.date, end: dt.date
) -> dict[int, dict[dt.date, list[Period]]]:
    """Each facility's open periods (aware, in the current time zone) on each date from `start`
    to `end`: facility id → date → periods (a closed day has none). Two queries, and the work
    calendar of each district (cached per process), however many facilities and days."""
    facilities = list(facilities)
    ids = [f.pk for f in facilities]
    weekly: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(lambda: defaultdict(list))
    for row in OpeningHours.objects.filter(facility_id__in=ids).order_by("weekday", "opens"):
        weekly[row.facility_id][row.weekday].append((row.opens, row.closes))
    closed: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for closure in Closure.objects.filter(facility_id__in=ids, starts_on__lte=end, ends_on__gte=start):
        closed[closure.facility_id].append((closure.starts_on, closure.ends_on))
    calendars = {district_id: calendar_for(district_id) for district_id in {f.district_id for f in facilities}}
    tz = timezone.get_current_timezone()
    found: dict[int, dict[dt.date, list[Period]]] = {}
    for facility in facilities:
        calendar = calendars[facility.district_id]
        by_day: dict[dt.date, list[Period]] = {}
        for day in days(start, end):
            shut = (facility.closed_on_holidays and is_holiday(calendar, day)) or any(
                first <= day <= last for first, last in closed[facility.pk]
            )
            by_day[day] = (
                []
                if shut
                else [
                    (dt.datetime.combine(day, opens, tzinfo=tz), dt.datetime.combine(day, closes, tzinfo=tz))
                    for opens, closes in weekly[facility.pk][day.weekday()]
                ]
            )
        found[facility.pk] = by_day
    return found


def within_open_period(facility: Facility, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Whether the slot lies inside one open period of its day."""
    day = timezone.localtime(starts_at).date()
    periods = open_periods([facility], day, day)[facility.pk][day]
    return any(opens <= starts_at and ends_at <= closes for opens, closes in periods)


def open_seconds(periods: dict[dt.date, list[Period]]) -> float:
    return sum((closes - opens).total_seconds() for day in periods.values() for opens, closes in day)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of `start` and the first moment after `end`, in the current time zone."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )
