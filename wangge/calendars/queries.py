"""The work calendar of a district as a `WorkCalendar`, cached per process and reloaded when
its rows change (a cheap stamp query per call)."""

import threading

from django.db.models import Count, Max, Q

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
