"""Mark a district's own days as local overrides, which publishing a notice keeps; reversible.

Until now a district's rows could only be entered one by one (the admin, `set_day`): they are
all local overrides."""

from django.db import migrations, models


def mark_district_rows(apps, schema_editor):
    apps.get_model("calendars", "CalendarDay").objects.filter(district__isnull=False).update(is_local_override=True)


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0002_seed_national_calendar"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarday",
            name="is_local_override",
            field=models.BooleanField(
                default=False,
                help_text="A district's own day (a local holiday): kept when the year's notice is published again.",
                verbose_name="local override",
            ),
        ),
        migrations.RunPython(mark_district_rows, migrations.RunPython.noop),
    ]
