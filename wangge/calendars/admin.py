"""Admin for the work calendar: districts enter next year's holidays and make-up days here."""

from typing import Any

from django.contrib import admin

from wangge.calendars import actions
from wangge.calendars.models import CalendarDay, CalendarYear


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "district"]
    list_filter = ["is_workday", "district"]
    date_hierarchy = "date"
    raw_id_fields = ["district"]

    def save_model(self, request: Any, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = actions.set_day(
            request.user, district=obj.district, date=obj.date, is_workday=obj.is_workday, name=obj.name
        )
        obj.pk = saved.pk


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "district"]
    raw_id_fields = ["district"]

    def save_model(self, request: Any, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = actions.publish_year(request.user, district=obj.district, year=obj.year)
        obj.pk = saved.pk
