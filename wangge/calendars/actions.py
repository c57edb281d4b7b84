"""Every change to the work calendar goes through these functions."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.calendars.models import CalendarDay, CalendarYear
from wangge.calendars.queries import invalidate
from wangge.calendars.seed import package_days, package_years
from wangge.lib.errors import DomainError


def seed_national_calendar() -> int:
    """Load the package's holidays and make-up days as the national calendar (idempotent)."""
    with transaction.atomic():
        existing = set(CalendarDay.objects.filter(district__isnull=True).values_list("date", flat=True))
        rows = [CalendarDay(date=d, is_workday=w, name=n) for d, w, n in package_days() if d not in existing]
        CalendarDay.objects.bulk_create(rows)
        years = set(CalendarYear.objects.filter(district__isnull=True).values_list("year", flat=True))
        CalendarYear.objects.bulk_create([CalendarYear(year=y) for y in package_years() if y not in years])
    transaction.on_commit(invalidate)
    return len(rows)


def set_day(
    acting_user: User | None, *, district: AreaNode | None, date: dt.date, is_workday: bool, name: str = ""
) -> CalendarDay:
    """Mark a date as working day or day off, for a district (or nationally with `district=None`)."""
    if district is not None and district.level != Level.DISTRICT:
        raise DomainError("calendar_needs_district", _("A work calendar belongs to a district."))
    with transaction.atomic():
        day, _created = CalendarDay.objects.update_or_create(
            district=district, date=date, defaults={"is_workday": is_workday, "name": name}
        )
    transaction.on_commit(invalidate)
    return day


def publish_year(acting_user: User | None, *, district: AreaNode | None, year: int) -> CalendarYear:
    """Record that `year`'s holidays and make-up days have all been entered."""
    if not 2000 <= year <= 2100:
        raise DomainError("calendar_year_range", _("The year must be between 2000 and 2100."))
    with transaction.atomic():
        row, _created = CalendarYear.objects.get_or_create(district=district, year=year)
    transaction.on_commit(invalidate)
    return row
