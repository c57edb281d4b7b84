"""`wangge workdays add YYYY-MM-DD N [--district CODE]`: the date N working days later.

`wangge workdays publish FILE [--year YYYY] [--district CODE] [--commit] [--json]` reads the
State Council's holiday notice from FILE and shows the year's days off, make-up working days and
how many days differ from the calendar held now (without --district: the national calendar);
it writes only with --commit. A text it cannot read completely exits non-zero with the line named.

Also `wangge workdays hours "YYYY-MM-DD HH:MM" H` for working-hour arithmetic. Prints a
warning (on stderr) when the span touches a year with no published calendar, where
Monday–Friday is assumed.
"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.calendars.actions import NoticePreview, preview_notice, publish_notice
from wangge.calendars.queries import calendar_for
from wangge.lib.errors import DomainError
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
        publish = sub.add_parser("publish", help=_("Read a holiday notice and publish its year."))
        publish.add_argument("file", help=_("the notice's text, UTF-8"))
        publish.add_argument("--year", type=int, help=_("the year, when the title does not say it"))
        publish.add_argument("--district", help=_("district code (default: the national calendar)"))
        publish.add_argument("--commit", action="store_true", help=_("write the calendar (default: a dry run)"))
        publish.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    def _district(self, code: str | None) -> AreaNode | None:
        if not code:
            return None
        district = AreaNode.objects.filter(level=Level.DISTRICT, code=code).first()
        if district is None:
            raise CommandError(_("Unknown district code: %(code)s") % {"code": code})
        return district

    def _calendar(self, code: str | None) -> WorkCalendar:
        district = self._district(code)
        return calendar_for(district.pk if district is not None else None)

    def _publish(self, options: dict[str, Any]) -> None:
        district = self._district(options.get("district"))
        try:
            text = Path(options["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": options["file"], "error": error}
            ) from None
        act = publish_notice if options["commit"] else preview_notice
        try:
            preview = act(None, district=district, text=text, year=options.get("year"))
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        if options["json"]:
            self.stdout.write(json.dumps({**preview.as_json(), "committed": options["commit"]}, ensure_ascii=False))
        else:
            self._describe(preview, committed=options["commit"])

    def _describe(self, preview: NoticePreview, *, committed: bool) -> None:
        for item in preview.notice.items:
            days = sorted(item.holidays)
            self.stdout.write(
                _("%(festival)s: %(first)s to %(last)s off (%(count)d days); make-up working days: %(workdays)s")
                % {
                    "festival": item.label,
                    "first": days[0].isoformat(),
                    "last": days[-1].isoformat(),
                    "count": len(days),
                    "workdays": ", ".join(d.isoformat() for d in sorted(item.workdays)) or "—",
                }
            )
        self.stdout.write(
            _("%(year)d: %(changes)d days differ from the calendar held now.")
            % {"year": preview.year, "changes": preview.changes}
        )
        self.stdout.write(_("Published.") if committed else _("Dry run: nothing was written; add --commit to publish."))

    def _warn_missing(self, calendar: WorkCalendar, *days: dt.date) -> None:
        missing = calendar.missing_years(days)
        if missing:
            self.stderr.write(
                _("Warning: no published calendar for %(years)s; Monday to Friday assumed.")
                % {"years": ", ".join(map(str, sorted(missing)))}
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "publish":
            self._publish(options)
            return
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
