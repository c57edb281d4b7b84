"""`wangge people anonymise|access-report`: residents' rights from the command line.

wangge people anonymise [--commit] [--batch N]
    persons who moved away or died more than WANGGE_RETENTION_DAYS ago: counted (dry run)
    or, with --commit, anonymised (name, numbers, addresses, sensitive facts, household
    links cleared; birth date cut to the year); running it again changes nothing.
wangge people access-report PERSON_ID --user USERNAME --reason TEXT --out FILE.json|FILE.xlsx
    everything held about one person, for the resident's request (audited as USERNAME).
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.lib.errors import DomainError
from wangge.people import actions, report
from wangge.people.models import Person, PersonStatus


def user_named(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("There is no active user named “%(username)s”.") % {"username": username})
    return user


class Command(BaseCommand):
    help = "Residents' rights: anonymise after the retention period, access reports."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        anonymise = sub.add_parser("anonymise", help="Anonymise persons whose retention period has passed.")
        anonymise.add_argument("--commit", action="store_true", help="Anonymise (without it: only count).")
        anonymise.add_argument("--batch", type=int, default=500, help="Persons per transaction (default 500).")
        access = sub.add_parser("access-report", help="Everything held about one person, as JSON or xlsx.")
        access.add_argument("person", type=int, metavar="PERSON_ID")
        access.add_argument("--user", required=True, metavar="USERNAME", help="Who answers the request (audited).")
        access.add_argument("--reason", required=True, help="The request this report answers.")
        access.add_argument("--out", required=True, metavar="FILE", help="FILE.json or FILE.xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "anonymise":
                self._anonymise(options["commit"], options["batch"])
            else:
                self._access_report(options)
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None

    def _anonymise(self, commit: bool, batch: int) -> None:
        if batch < 1:
            raise CommandError(_("--batch must be at least 1."))
        result = actions.anonymise_persons(None, commit=commit, batch=batch)
        self.stdout.write(
            _("Retention period: %(days)d days (before %(cutoff)s).")
            % {"days": settings.RETENTION_DAYS, "cutoff": actions.retention_cutoff().isoformat()}
        )
        self.stdout.write(
            _("Due for anonymisation: %(due)d (moved away %(moved)d, deceased %(deceased)d).")
            % {
                "due": result.due,
                "moved": result.by_status[PersonStatus.MOVED_AWAY],
                "deceased": result.by_status[PersonStatus.DECEASED],
            }
        )
        if result.undated:
            self.stdout.write(
                self.style.WARNING(
                    _("%(count)d person(s) moved away or died without a date; kept until the date is recorded.")
                    % {"count": result.undated}
                )
            )
        if commit:
            self.stdout.write(self.style.SUCCESS(_("Anonymised: %(count)d.") % {"count": result.anonymised}))
        else:
            self.stdout.write(_("Dry run: nothing was changed. Run again with --commit to anonymise."))

    def _access_report(self, options: dict[str, Any]) -> None:
        out = Path(options["out"])
        if out.suffix.lower() not in (".json", ".xlsx"):
            raise CommandError(_("The output file must end in .json or .xlsx."))
        user = user_named(options["user"])
        person = Person.objects.filter(pk=options["person"]).first()
        if person is None:
            raise actions.person_not_found()
        data = actions.access_report(user, person, reason=options["reason"])
        content = report.report_json(data) if out.suffix.lower() == ".json" else report.report_xlsx(data)
        out.write_bytes(content)
        out.chmod(0o600)
        self.stdout.write(_("Access report written to %(path)s.") % {"path": out})
