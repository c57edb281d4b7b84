"""The work calendar page (/manage/calendar/): a district's years, the State Council's notice
pasted and previewed as the year's twelve months with what it changes, published on a second
click (the same text posted again: nothing is kept between the two), and the district's local
overrides (a local holiday) added and removed.

A district administrator manages their own district; the superuser the national calendar
(`?d=national`, the default for them) or any district (`?d=<id>`). Who may do what and every
change is `wangge.calendars.actions`; a district out of the user's hands is not found (404).
"""

import calendar as month_grid
import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.calendars.actions import (
    NoticePreview,
    managed_calendar_districts,
    preview_notice,
    publish_notice,
    remove_local_day,
    set_local_day,
)
from wangge.calendars.models import CalendarDay, CalendarYear
from wangge.lib.errors import DomainError
from wangge.web.views import page_for

NATIONAL = "national"
# The notice's text is at most this long (the real ones are about 1,500 characters).
MAX_NOTICE_CHARS = 20_000
YEARS_BEFORE_SHOWN = 2  # the years table starts this many years before this one


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@dataclass(frozen=True)
class Target:
    """The calendar a page works on: a district's, or the national one (`district` None)."""

    district: AreaNode | None
    choices: list[tuple[str, str]]  # (value of ?d=, label) of the calendars the user manages

    @property
    def key(self) -> str:
        return str(self.district.pk) if self.district is not None else NATIONAL

    @property
    def query(self) -> str:
        return f"?d={self.key}"


def _target(request: HttpRequest, value: str | None) -> Target:
    """The calendar asked for (`d`), among those the user manages; 404 otherwise."""
    managed = managed_calendar_districts(_user(request))
    districts = AreaNode.objects.filter(level=Level.DISTRICT).order_by("name", "pk")
    if managed is not None:
        districts = districts.filter(pk__in=managed)
    listed = list(districts.only("pk", "name", "code"))
    choices = [(str(d.pk), d.name) for d in listed]
    if managed is None:
        choices.insert(0, (NATIONAL, _("National calendar")))
    if not choices:
        raise Http404
    wanted = value or choices[0][0]
    if wanted == NATIONAL and managed is None:
        return Target(None, choices)
    district = next((d for d in listed if str(d.pk) == wanted), None)
    if district is None:
        raise Http404
    return Target(district, choices)


@dataclass
class YearRow:
    year: int
    national: bool
    own: bool

    @property
    def published(self) -> bool:
        return self.national or self.own


def _years(target: Target) -> tuple[list[YearRow], list[int]]:
    """The years from two years ago to next year, each with where it is published; and the
    earlier years published (one query)."""
    today = timezone.localdate()
    first, last = today.year - YEARS_BEFORE_SHOWN, today.year + 1
    national: set[int] = set()
    own: set[int] = set()
    rows = CalendarYear.objects.filter(district__isnull=True)
    if target.district is not None:
        rows = rows | CalendarYear.objects.filter(district=target.district)
    for district_id, year in rows.values_list("district_id", "year"):
        (national if district_id is None else own).add(year)
    shown = [YearRow(y, y in national, y in own) for y in range(first, last + 1)]
    shown += [YearRow(y, y in national, y in own) for y in sorted((national | own) - set(range(0, last + 1)))]
    return shown, sorted(y for y in national | own if y < first)


def _local_days(target: Target) -> list[CalendarDay]:
    if target.district is None:
        return []
    since = dt.date(timezone.localdate().year - 1, 1, 1)
    return list(
        CalendarDay.objects.filter(district=target.district, is_local_override=True, date__gte=since).order_by("date")
    )


def _page(request: HttpRequest, target: Target, *, text: str = "", year: str = "", status: int = 200) -> HttpResponse:
    years, earlier = _years(target)
    context = {
        "target": target,
        "years": years,
        "earlier": f"{earlier[0]}–{earlier[-1]}" if earlier else "",
        "missing": [row.year for row in years if not row.published and row.year >= timezone.localdate().year],
        "local_days": _local_days(target),
        "text": text,
        "year": year,
    }
    return render(request, "web/manage/calendar/page.html", context, status=status)


@require_GET
@never_cache
@page_for("manage_calendar")
def calendar_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _target(request, request.GET.get("d")))


def _notice_input(request: HttpRequest) -> tuple[str, int | None, str]:
    text = request.POST.get("notice", "")[:MAX_NOTICE_CHARS]
    raw_year = request.POST.get("year", "").strip()
    if raw_year and not raw_year.isdigit():
        raise DomainError("invalid_input", _("Give the year as four digits, e.g. 2027."))
    return text, int(raw_year) if raw_year else None, raw_year


@dataclass
class DayCell:
    day: dt.date | None
    classes: list[str] = field(default_factory=list)
    title: str = ""


@dataclass
class Month:
    first: dt.date
    weeks: list[list[DayCell]]


def _months(preview: NoticePreview) -> list[Month]:
    """The notice's year as twelve months of weeks from Monday, each day with its classes."""
    holidays, workdays = preview.notice.holidays, preview.notice.workdays
    changed = {c.date: c for c in preview.differences}
    grid = month_grid.Calendar(firstweekday=0)
    months = []
    for number in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(preview.year, number):
            cells = []
            for day in week:
                if day.month != number:
                    cells.append(DayCell(None))
                    continue
                cell = DayCell(day)
                if day.weekday() >= 5:
                    cell.classes.append("weekend")
                if day in holidays:
                    cell.classes.append("holiday")
                    cell.title = holidays[day]
                if day in workdays:
                    cell.classes.append("makeup")
                    cell.title = _("%(festival)s make-up working day") % {"festival": workdays[day]}
                if day in preview.overridden:
                    cell.classes.append("override")
                    cell.title = preview.overridden[day].name
                if day in changed:
                    cell.classes.append("changed")
                cells.append(cell)
            weeks.append(cells)
        months.append(Month(dt.date(preview.year, number, 1), weeks))
    return months


@require_POST
@never_cache
@page_for("manage_calendar")
def calendar_preview(request: HttpRequest) -> HttpResponse:
    target = _target(request, request.POST.get("d"))
    text, raw_year = request.POST.get("notice", "")[:MAX_NOTICE_CHARS], request.POST.get("year", "")
    try:
        text, year, raw_year = _notice_input(request)
        preview = preview_notice(_user(request), district=target.district, text=text, year=year)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
        return _page(request, target, text=text, year=raw_year, status=400)
    context = {
        "target": target,
        "preview": preview,
        "months": _months(preview),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "text": text,
        "year": raw_year,
    }
    return render(request, "web/manage/calendar/preview.html", context)


@require_POST
@page_for("manage_calendar")
def calendar_publish(request: HttpRequest) -> HttpResponse:
    target = _target(request, request.POST.get("d"))
    text, raw_year = request.POST.get("notice", "")[:MAX_NOTICE_CHARS], request.POST.get("year", "")
    try:
        text, year, raw_year = _notice_input(request)
        preview = publish_notice(_user(request), district=target.district, text=text, year=year)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
        return _page(request, target, text=text, year=raw_year, status=400)
    messages.success(
        request,
        _("The calendar for %(year)d is published: %(changes)d days changed.")
        % {"year": preview.year, "changes": preview.changes},
    )
    return redirect(reverse("manage_calendar") + target.query)


@require_POST
@page_for("manage_calendar")
def local_day_add(request: HttpRequest) -> HttpResponse:
    target = _target(request, request.POST.get("d"))
    if target.district is None:
        raise Http404
    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("Give the date as YYYY-MM-DD."), extra_tags="invalid_input")
        return redirect(reverse("manage_calendar") + target.query)
    is_workday = request.POST.get("is_workday") == "1"
    name = request.POST.get("name", "").strip()
    try:
        set_local_day(_user(request), district=target.district, date=date, is_workday=is_workday, name=name)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(request, _("%(date)s is set for the district.") % {"date": date.isoformat()})
    return redirect(reverse("manage_calendar") + target.query)


@require_POST
@page_for("manage_calendar")
def local_day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    managed = managed_calendar_districts(_user(request))
    days = CalendarDay.objects.filter(pk=pk, district__isnull=False, is_local_override=True).select_related("district")
    if managed is not None:
        days = days.filter(district_id__in=managed)
    day = days.first()
    if day is None:
        raise Http404
    try:
        remove_local_day(_user(request), day=day)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(request, _("%(date)s follows the calendar again.") % {"date": day.date.isoformat()})
    return redirect(reverse("manage_calendar") + f"?d={day.district_id}")


urlpatterns = [
    path("calendar/", calendar_page, name="manage_calendar"),
    path("calendar/preview/", calendar_preview, name="manage_calendar_preview"),
    path("calendar/publish/", calendar_publish, name="manage_calendar_publish"),
    path("calendar/local/", local_day_add, name="manage_calendar_local_add"),
    path("calendar/local/<int:pk>/remove/", local_day_remove, name="manage_calendar_local_remove"),
]
