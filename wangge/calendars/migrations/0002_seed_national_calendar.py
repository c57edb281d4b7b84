"""Seed the national calendar (2004–2026) from chinese-calendar; reversible."""

from django.db import migrations


def seed(apps, schema_editor):
    from wangge.calendars.seed import package_days, package_years

    CalendarDay = apps.get_model("calendars", "CalendarDay")
    CalendarYear = apps.get_model("calendars", "CalendarYear")
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_workday=w, name=n) for d, w, n in package_days()], ignore_conflicts=True
    )
    CalendarYear.objects.bulk_create([CalendarYear(year=y) for y in package_years()], ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("calendars", "CalendarDay").objects.filter(district__isnull=True).delete()
    apps.get_model("calendars", "CalendarYear").objects.filter(district__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
