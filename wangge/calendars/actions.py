"""Every change to the work calendar goes through these functions.

`publish_notice` turns the State Council's yearly notice (read by `wangge.calendars.notice`)
into the calendar of the nation (`district=None`, a superuser) or of one district (its district
administrator), in one transaction: that year's days from a notice are replaced, the district's
local overrides (`set_local_day`) are kept and win over the notice, the year is marked
published and an audit row written. `preview_notice` answers the same without writing.
"""

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.districts import administered_district_ids
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode, Level
from wangge.calendars.errors import CalendarError
from wangge.calendars.models import CalendarDay, CalendarYear
from wangge.calendars.notice import Notice, NoticeError, parse_notice
from wangge.calendars.queries import calendar_for, invalidate
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


def _check_district(district: AreaNode | None) -> None:
    if district is not None and district.level != Level.DISTRICT:
        raise DomainError(
            CalendarError.CALENDAR_NEEDS_DISTRICT,
            _("A work calendar belongs to a district."),
            status=CalendarError.CALENDAR_NEEDS_DISTRICT.status,
        )


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise DomainError(
            CalendarError.CALENDAR_YEAR_RANGE,
            _("The year must be between 2000 and 2100."),
            status=CalendarError.CALENDAR_YEAR_RANGE.status,
        )


def managed_calendar_districts(user: User | None) -> set[int] | None:
    """The districts whose calendar the user manages (district administrator of the district);
    None for a superuser or the command line (`user` None): every district and the nation."""
    return None if user is None else administered_district_ids(user)


def check_may_manage(acting_user: User | None, district: AreaNode | None) -> None:
    """A district administrator manages their district's calendar (another district: 404); the
    national calendar is a superuser's (a district administrator: 403; anyone else: 404)."""
    _check_district(district)
    managed = managed_calendar_districts(acting_user)
    if managed is None:
        return
    if district is not None and district.pk in managed:
        return
    if district is None and managed:
        raise DomainError(
            CalendarError.CALENDAR_FORBIDDEN,
            _("Only a superuser publishes the national calendar."),
            status=CalendarError.CALENDAR_FORBIDDEN.status,
        )
    raise DomainError(
        CalendarError.CALENDAR_NOT_FOUND, _("No such district."), status=CalendarError.CALENDAR_NOT_FOUND.status
    )


def set_day(
    acting_user: User | None, *, district: AreaNode | None, date: dt.date, is_workday: bool, name: str = ""
) -> CalendarDay:
    """Mark a date as working day or day off, for a district (a local override) or nationally
    with `district=None` (the admin; notices are published with `publish_notice`)."""
    _check_district(district)
    with transaction.atomic():
        day, _created = CalendarDay.objects.update_or_create(
            district=district,
            date=date,
            defaults={"is_workday": is_workday, "name": name, "is_local_override": district is not None},
        )
        _audit_day(acting_user, day, removed=False)
    transaction.on_commit(invalidate)
    return day


def _audit_day(acting_user: User | None, day: CalendarDay, *, removed: bool) -> None:
    record(
        acting_user,
        AuditAction.CALENDAR_DAY_SET,
        obj=day,
        district_id=day.district_id,
        detail={
            "date": day.date.isoformat(),
            "is_workday": day.is_workday,
            "name": day.name,
            "local_override": day.is_local_override,
            "removed": removed,
        },
    )


def set_local_day(
    acting_user: User | None, *, district: AreaNode, date: dt.date, is_workday: bool, name: str
) -> CalendarDay:
    """A district's own day (a local holiday, or a working day): it wins over the notices
    published for the nation or the district, and publishing a notice again keeps it."""
    check_may_manage(acting_user, district)
    _check_year(date.year)
    with transaction.atomic():
        day, _created = CalendarDay.objects.update_or_create(
            district=district,
            date=date,
            defaults={"is_workday": is_workday, "name": name.strip()[:100], "is_local_override": True},
        )
        _audit_day(acting_user, day, removed=False)
    transaction.on_commit(invalidate)
    return day


def remove_local_day(acting_user: User | None, *, day: CalendarDay) -> None:
    """Remove a local override: the date follows the notice's calendar again (the national one,
    or the district's own notice once it is published again)."""
    if day.district is None or not day.is_local_override:
        raise DomainError(
            CalendarError.CALENDAR_NOT_FOUND, _("No such local day."), status=CalendarError.CALENDAR_NOT_FOUND.status
        )
    check_may_manage(acting_user, day.district)
    with transaction.atomic():
        _audit_day(acting_user, day, removed=True)
        day.delete()
    transaction.on_commit(invalidate)


def publish_year(acting_user: User | None, *, district: AreaNode | None, year: int) -> CalendarYear:
    """Record that `year`'s holidays and make-up days have all been entered."""
    _check_year(year)
    with transaction.atomic():
        row, _created = CalendarYear.objects.get_or_create(district=district, year=year)
        record(acting_user, AuditAction.CALENDAR_PUBLISHED, obj=row, district_id=row.district_id, detail={"year": year})
    transaction.on_commit(invalidate)
    return row


@dataclasses.dataclass(frozen=True)
class DayChange:
    """A date whose state the notice changes: working day before (`was_workday`) and after."""

    date: dt.date
    was_workday: bool
    is_workday: bool
    name: str


@dataclasses.dataclass(frozen=True)
class NoticePreview:
    notice: Notice
    district: AreaNode | None
    differences: list[DayChange]  # dates whose state differs from what the platform holds now
    overridden: dict[dt.date, CalendarDay]  # the district's local overrides inside the year
    was_published: bool  # the year was already published (for the district, or nationally)

    @property
    def year(self) -> int:
        return self.notice.year

    @property
    def holidays(self) -> list[dt.date]:
        return sorted(self.notice.holidays)

    @property
    def workdays(self) -> list[dt.date]:
        return sorted(self.notice.workdays)

    @property
    def changes(self) -> int:
        return len(self.differences)

    def as_json(self) -> dict[str, object]:
        return {
            "year": self.year,
            "district": self.district.code if self.district is not None else None,
            "holidays": [d.isoformat() for d in self.holidays],
            "workdays": [d.isoformat() for d in self.workdays],
            "changes": self.changes,
            "differences": [
                {"date": c.date.isoformat(), "was_workday": c.was_workday, "is_workday": c.is_workday, "name": c.name}
                for c in self.differences
            ],
            "festivals": [
                {"name": item.label, "holidays": [d.isoformat() for d in sorted(item.holidays)]}
                for item in self.notice.items
            ],
        }


def _read(text: str, year: int | None) -> Notice:
    if year is not None:
        _check_year(year)
    try:
        notice = parse_notice(text, year)
    except NoticeError as error:
        raise DomainError(
            CalendarError.NOTICE_UNREADABLE,
            error.describe(),
            status=CalendarError.NOTICE_UNREADABLE.status,
            line=error.line,
        ) from None
    _check_year(notice.year)
    return notice


def _notice_rows(notice: Notice, district: AreaNode | None, overridden: set[dt.date]) -> list[CalendarDay]:
    """The rows that make the notice's year: every day that differs from Monday–Friday; for a
    district also a plain row where the national calendar holds a day the notice does not, so
    the district's year is the notice's. Local overrides keep their dates."""
    national: set[dt.date] = set()
    if district is not None:
        national = set(
            CalendarDay.objects.filter(
                district__isnull=True, date__range=(notice.first_day, notice.last_day)
            ).values_list("date", flat=True)
        )
    wanted: dict[dt.date, tuple[bool, str]] = {day: (day.weekday() < 5, "") for day in national}
    for day, name in notice.holidays.items():
        wanted[day] = (False, name)
    for day, name in notice.workdays.items():
        wanted[day] = (True, _("%(festival)s make-up working day") % {"festival": name})
    return [
        CalendarDay(district=district, date=day, is_workday=is_workday, name=name[:100])
        for day, (is_workday, name) in sorted(wanted.items())
        if day not in overridden and (is_workday != (day.weekday() < 5) or day in national)
    ]


def _preview(notice: Notice, district: AreaNode | None) -> NoticePreview:
    overrides = (
        {
            day.date: day
            for day in CalendarDay.objects.filter(
                district=district, is_local_override=True, date__range=(notice.first_day, notice.last_day)
            )
        }
        if district is not None
        else {}
    )
    current = calendar_for(district.pk if district is not None else None)
    differences = []
    day = notice.first_day
    holidays, workdays = notice.holidays, notice.workdays
    while day <= notice.last_day:
        if day in overrides:
            new, name = overrides[day].is_workday, overrides[day].name
        elif day in holidays:
            new, name = False, holidays[day]
        elif day in workdays:
            new, name = True, _("%(festival)s make-up working day") % {"festival": workdays[day]}
        else:
            new, name = day.weekday() < 5, ""
        if current.is_workday(day) != new:
            differences.append(DayChange(day, not new, new, name))
        day += dt.timedelta(days=1)
    published = CalendarYear.objects.filter(district=district, year=notice.year).exists()
    return NoticePreview(notice, district, differences, overrides, published)


def preview_notice(
    acting_user: User | None, *, district: AreaNode | None, text: str, year: int | None = None
) -> NoticePreview:
    """The notice's days and how they differ from the calendar the district has now; writes nothing."""
    check_may_manage(acting_user, district)
    return _preview(_read(text, year), district)


def publish_notice(
    acting_user: User | None, *, district: AreaNode | None, text: str, year: int | None = None
) -> NoticePreview:
    """Replace the year's notice days of the district (or the nation) with the notice's, keep
    the local overrides, mark the year published; all or nothing. Answers the preview as it
    was before publishing (its differences are what publishing changed)."""
    check_may_manage(acting_user, district)
    notice = _read(text, year)
    with transaction.atomic():
        preview = _preview(notice, district)
        CalendarDay.objects.filter(
            district=district, is_local_override=False, date__range=(notice.first_day, notice.last_day)
        ).delete()
        CalendarDay.objects.bulk_create(_notice_rows(notice, district, set(preview.overridden)))
        row, _created = CalendarYear.objects.get_or_create(district=district, year=notice.year)
        row.save(update_fields=["updated_at"])  # the calendar cache's stamp sees the change
        record(
            acting_user,
            AuditAction.CALENDAR_PUBLISHED,
            obj=row,
            district_id=district.pk if district is not None else None,
            detail={
                "year": notice.year,
                "holidays": len(notice.holidays),
                "workdays": len(notice.workdays),
                "changes": preview.changes,
                "changed_dates": [c.date.isoformat() for c in preview.differences],
            },
        )
    transaction.on_commit(invalidate)
    return preview
