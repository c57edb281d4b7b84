"""Admin for the work calendar: districts enter next year's holidays and make-up days here.

Both list pages warn when this year or next has no published national calendar (next year's
schedule is published each November; until it is entered, deadlines count Monday–Friday).
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from wangge.calendars import actions
from wangge.calendars.models import CalendarDay, CalendarYear
from wangge.calendars.queries import missing_year_warnings


def warn_missing_years(request: HttpRequest) -> None:
    for warning in missing_year_warnings(None):
        messages.warning(request, warning)


class WarnMissingYearsMixin:
    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":  # not again on the POST of a list action that redirects here
            warn_missing_years(request)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


@admin.register(CalendarDay)
class CalendarDayAdmin(WarnMissingYearsMixin, admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "district", "is_local_override"]
    list_filter = ["is_workday", "is_local_override", "district"]
    date_hierarchy = "date"
    raw_id_fields = ["district"]

    def save_model(self, request: Any, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = actions.set_day(
            request.user, district=obj.district, date=obj.date, is_workday=obj.is_workday, name=obj.name
        )
        obj.pk = saved.pk


@admin.register(CalendarYear)
class CalendarYearAdmin(WarnMissingYearsMixin, admin.ModelAdmin):
    list_display = ["year", "district"]
    raw_id_fields = ["district"]

    def save_model(self, request: Any, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = actions.publish_year(request.user, district=obj.district, year=obj.year)
        obj.pk = saved.pk
