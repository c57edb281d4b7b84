"""`wangge workdays add YYYY-MM-DD N [--district CODE]`: the date N working days later.

Also `wangge workdays hours "YYYY-MM-DD HH:MM" H` for working-hour arithmetic. Prints a
warning (on stderr) when the span touches a year with no published calendar, where
Monday–Friday is assumed.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.calendars.queries import calendar_for
from wangge.lib.workdays import WorkCalendar


class Command(BaseCommand):
    help = _("Working-day arithmetic on the work calendar.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help=_("The date N working days after a date."))
        add.add_argument("start", help="YYYY-MM-DD")
        add.add_argument("days", help=_("number of working days (negative counts back)"))
        add.add_argument("--district", help=_("district code (default: the national calendar)"))
        hours = sub.add_parser("hours", help=_("The moment H working hours after a moment."))
        hours.add_argument("start", help="YYYY-MM-DD HH:MM")
        hours.add_argument("hours", help=_("number of working hours"))
        hours.add_argument("--district", help=_("district code (default: the national calendar)"))

    def _calendar(self, code: str | None) -> WorkCalendar:
        if not code:
            return calendar_for(None)
        district = AreaNode.objects.filter(level=Level.DISTRICT, code=code).first()
        if district is None:
            raise CommandError(_("Unknown district code: %(code)s") % {"code": code})
        return calendar_for(district.pk)

    def _warn_missing(self, calendar: WorkCalendar, *days: dt.date) -> None:
        missing = calendar.missing_years(days)
        if missing:
            self.stderr.write(
                _("Warning: no published calendar for %(years)s; Monday to Friday assumed.")
                % {"years": ", ".join(map(str, sorted(missing)))}
            )

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = self._calendar(options.get("district"))
        if options["action"] == "add":
            try:
                start = dt.date.fromisoformat(options["start"])
                days = int(options["days"])
            except ValueError:
                raise CommandError(_("Give a date as YYYY-MM-DD and a whole number of days.")) from None
            if abs(days) > 3650:
                raise CommandError(_("The number of working days must be within ±3650."))
            result = calendar.add_working_days(start, days)
            self._warn_missing(calendar, start, result)
            self.stdout.write(result.isoformat())
        else:
            try:
                naive = dt.datetime.fromisoformat(options["start"])
                hours = float(options["hours"])
            except ValueError:
                raise CommandError(_("Give a moment as 'YYYY-MM-DD HH:MM' and a number of hours.")) from None
            if not 0 <= hours <= 10000:
                raise CommandError(_("The number of working hours must be between 0 and 10000."))
            start_at = timezone.make_aware(naive) if timezone.is_naive(naive) else naive
            result_at = calendar.add_working_hours(start_at, hours)
            self._warn_missing(calendar, start_at.date(), result_at.date())
            self.stdout.write(timezone.localtime(result_at).strftime("%Y-%m-%d %H:%M"))
