"""The work calendar of a district as a `WorkCalendar`, cached per process and reloaded when
its rows change (a cheap stamp query per call); which of this year and next have no data."""

import datetime as dt
import threading

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.calendars.models import CalendarDay, CalendarYear
from wangge.lib.workdays import WorkCalendar

_lock = threading.Lock()
_cache: dict[int | None, tuple[tuple[object, ...], WorkCalendar]] = {}


def invalidate() -> None:
    with _lock:
        _cache.clear()


def _rows(district_id: int | None) -> Q:
    return Q(district__isnull=True) | Q(district_id=district_id) if district_id else Q(district__isnull=True)


def _stamp(district_id: int | None) -> tuple[object, ...]:
    days = CalendarDay.objects.filter(_rows(district_id)).aggregate(n=Count("id"), last=Max("updated_at"))
    years = CalendarYear.objects.filter(_rows(district_id)).aggregate(n=Count("id"), last=Max("updated_at"))
    return (days["n"], days["last"], years["n"], years["last"])


def calendar_for(district_id: int | None) -> WorkCalendar:
    """National rows, overridden by the district's own."""
    stamp = _stamp(district_id)
    with _lock:
        cached = _cache.get(district_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    exceptions = dict(CalendarDay.objects.filter(district__isnull=True).values_list("date", "is_workday"))
    if district_id is not None:
        exceptions.update(CalendarDay.objects.filter(district_id=district_id).values_list("date", "is_workday"))
    years = frozenset(CalendarYear.objects.filter(_rows(district_id)).values_list("year", flat=True))
    calendar = WorkCalendar(exceptions=exceptions, known_years=years)
    with _lock:
        _cache[district_id] = (stamp, calendar)
    return calendar


# Next year's national schedule is published in November: from then on its absence is news.
NEXT_YEAR_FROM_MONTH = 11


def missing_years(district_id: int | None, today: dt.date | None = None) -> list[int]:
    """Which of this year and, from November, next year (from `today`, default: today in
    Asia/Shanghai) have no published calendar for the district (its own or the national one;
    `None`: the national calendar alone), in order. Deadlines in such a year count Monday to
    Friday only, so administrators are warned. One query."""
    today = today or timezone.localdate()
    wanted = [today.year, today.year + 1] if today.month >= NEXT_YEAR_FROM_MONTH else [today.year]
    published = set(CalendarYear.objects.filter(_rows(district_id), year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in published]


def missing_year_warnings(district_id: int | None, today: dt.date | None = None) -> list[str]:
    """The warning to show administrators for each year of `missing_years`."""
    return [
        _(
            "The national work calendar for %(year)d has not been published yet: until it is, deadlines "
            "in %(year)d count Monday to Friday only, without statutory holidays or make-up working days. "
            "Enter the year's holidays and make-up working days as calendar days, then publish the year."
        )
        % {"year": year}
        for year in missing_years(district_id, today)
    ]
