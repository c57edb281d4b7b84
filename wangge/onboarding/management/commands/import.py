"""`wangge import KIND FILE`: bring a district's own files in; a dry run unless --commit.

    wangge import people FILE --layout members|grid [--district CODE] [--mapping FILE]
                                [--commit] [--json] [--errors OUT.xlsx] [--user USERNAME]
    wangge import addresses FILE [--crs wgs84|gcj02|bd09] [--district CODE] [--commit] [--json] [--user USERNAME]
    wangge import staff|org-units|resident-units FILE [--district CODE] [--commit] [--json] [--user USERNAME]
    wangge import survey FILE --round ID --user USERNAME [--commit] [--json]

`people` reads an .xlsx/.xls or .csv file in one of the two shipped layouts (`members`: the
member-information system's export; `grid`: the grid system's ledger), or any other layout
with `--mapping` (a JSON or YAML file naming the file's headers per field). Every row is
classified as new, matched, possible match (review), conflict or invalid, by row number;
nothing is written without `--commit`. With `--commit` all valid rows are applied in one
transaction or none: new persons are created, matched rows change nothing, possible matches
and conflicts go to the review queue, invalid rows are skipped and listed. `--errors` writes
the rejected and to-review rows with their reasons to an .xlsx file (values masked).
`--json` prints the summary as JSON: rows, new, matched, review, conflicts, invalid, …

`addresses`, `staff`, `org-units` and `resident-units` onboard a district from its own files
(`wangge.onboarding`): every problem is listed by row number, and any problem means nothing is
written, with or without --commit (the exit status is then 1). A second run of the same file
changes nothing. `--json` prints the report (`OnboardingReport.as_json`); for `staff` with
--commit the first-login passwords of the users created are printed once, here and nowhere
else (a table, or the JSON's "passwords").

`survey` reads a survey round's sheet (摸排结果, `wangge.onboarding.survey`) as the user
named, who keeps the round's area: it opens or adds to the households' dossiers and marks them
seen, all or none, in the same way.

No ID or phone number, nor any other value of a row, is printed: rows are named by number.
"""

import json
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.assistance.models import SurveyRound
from wangge.ledgers.actions import ImportOutcome, import_people
from wangge.ledgers.layouts import field_label, load_mapping
from wangge.ledgers.matching import Status
from wangge.ledgers.models import Layout
from wangge.ledgers.report import write_report
from wangge.lib.errors import DomainError
from wangge.lib.geo import CRS_CHOICES
from wangge.onboarding.addresses import import_addresses
from wangge.onboarding.report import OnboardingReport
from wangge.onboarding.staff import import_staff
from wangge.onboarding.survey import import_survey
from wangge.onboarding.units import import_org_units, import_resident_units

LISTED = 50  # rows listed by number in the text output (all of them are in --errors / --json)


def _district(code: str | None) -> AreaNode:
    districts = AreaNode.objects.filter(level=Level.DISTRICT).order_by("code")
    if code:
        found = districts.filter(code=code).first()
        if found is None:
            raise CommandError(_("There is no district with the code “%(code)s”.") % {"code": code})
        return found
    first_two = list(districts[:2])
    if not first_two:
        raise CommandError(_("There is no district yet; create one first."))
    if len(first_two) > 1:
        raise CommandError(_("There are several districts; name one with --district CODE."))
    return first_two[0]


# What each kind of onboarding file may create, as the report counts it.
CREATED_LABELS = {
    "building_groups": gettext_lazy("building groups"),
    "buildings": gettext_lazy("buildings"),
    "households": gettext_lazy("households"),
    "users": gettext_lazy("users"),
    "roles": gettext_lazy("role assignments"),
    "unit_staff": gettext_lazy("unit memberships"),
    "persons": gettext_lazy("persons"),
    "workers": gettext_lazy("worker profiles"),
    "org_units": gettext_lazy("organisation units"),
    "resident_units": gettext_lazy("resident units"),
    "dossiers_opened": gettext_lazy("dossiers opened"),
    "dossiers_updated": gettext_lazy("dossiers added to"),
    "needs": gettext_lazy("needs"),
    "households_seen": gettext_lazy("households seen"),
}


def _shown_width(text: str) -> int:
    """Columns a terminal gives `text`: two for a wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _padded(text: str, width: int) -> str:
    return text + " " * (width - _shown_width(text))


class Command(BaseCommand):
    help = "Import a district's files (residents, addresses, staff, units); a dry run unless --commit."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
        people = kinds.add_parser("people", help="Residents from a member-system export or a grid ledger.")
        people.add_argument("file", metavar="FILE", help="An .xlsx, .xls or .csv file.")
        people.add_argument("--layout", required=True, choices=Layout.values, help="members or grid.")
        people.add_argument("--district", metavar="CODE", help="The district's code (optional with one district).")
        people.add_argument("--mapping", metavar="FILE", help="JSON or YAML: our field names → the file's headers.")
        people.add_argument("--commit", action="store_true", help="Apply the valid rows (all or none).")
        people.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        people.add_argument("--errors", metavar="OUT.xlsx", help="Write rejected and to-review rows to this file.")
        people.add_argument("--user", metavar="USERNAME", help="Import as this user (their scope applies).")
        onboarding = {
            "addresses": "Buildings and households from the grid system's building and household ledger.",
            "staff": "Users of the district's staff, with their roles, units and one-time passwords.",
            "org-units": "Organisation units: the four vertical levels and horizontal units.",
            "resident-units": "Resident units (驻区单位).",
        }
        for kind, text in onboarding.items():
            sub = kinds.add_parser(kind, help=text)
            sub.add_argument("file", metavar="FILE", help="An .xlsx, .xls or .csv file.")
            sub.add_argument("--district", metavar="CODE", help="The district's code (optional with one district).")
            sub.add_argument(
                "--commit", action="store_true", help="Write everything, or nothing if any row has a problem."
            )
            sub.add_argument("--json", action="store_true", help="Print the report as JSON.")
            sub.add_argument("--user", metavar="USERNAME", help="Import as this user (a district administrator).")
            if kind == "addresses":
                sub.add_argument("--crs", choices=CRS_CHOICES, help="The coordinate system of the file's points.")
        survey = kinds.add_parser("survey", help="A survey round's sheet (摸排结果).")
        survey.add_argument("file", metavar="FILE", help="An .xlsx, .xls or .csv file.")
        survey.add_argument("--round", required=True, type=int, metavar="ID", help="The survey round.")
        survey.add_argument("--user", required=True, metavar="USERNAME", help="Import as this user (a keeper).")
        survey.add_argument(
            "--commit", action="store_true", help="Write everything, or nothing if any row has a problem."
        )
        survey.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("The file “%(path)s” does not exist.") % {"path": path})
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("There is no active user “%(name)s”.") % {"name": options["user"]})
        if options["kind"] == "survey":
            self._survey(path, user, options)
            return
        if options["kind"] != "people":
            self._onboard(path, user, options)
            return
        try:
            mapping = load_mapping(options["mapping"]) if options["mapping"] else None
            district = _district(options["district"])
            outcome = import_people(
                user,
                district=district,
                path=path,
                layout=options["layout"],
                mapping=mapping,
                commit=options["commit"],
                file_name=path.name,
            )
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        if options["errors"]:
            write_report(outcome.check, options["errors"])
        if options["json"]:
            self.stdout.write(json.dumps(outcome.summary(), ensure_ascii=False, indent=2))
        else:
            self._print(path, outcome, options)

    def _onboard(self, path: Path, user: User | None, options: dict[str, Any]) -> None:
        kind = options["kind"]
        try:
            district = _district(options["district"])
            if kind == "addresses":
                report = import_addresses(
                    user, district=district, path=path, commit=options["commit"], crs=options["crs"]
                )
            elif kind == "staff":
                report = import_staff(user, district=district, path=path, commit=options["commit"])
            elif kind == "org-units":
                report = import_org_units(user, district=district, path=path, commit=options["commit"])
            else:
                report = import_resident_units(user, district=district, path=path, commit=options["commit"])
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        self._answer(path, report, options)

    def _survey(self, path: Path, user: User | None, options: dict[str, Any]) -> None:
        survey = SurveyRound.objects.filter(pk=options["round"]).first()
        if survey is None or user is None:
            raise CommandError(_("There is no survey round %(id)d.") % {"id": options["round"]})
        try:
            report = import_survey(user, survey=survey, path=path, commit=options["commit"])
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        self._answer(path, report, options)

    def _answer(self, path: Path, report: OnboardingReport, options: dict[str, Any]) -> None:
        if options["json"]:
            data = report.as_json()
            if report.passwords:
                data["passwords"] = report.passwords
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self._print_report(path, report)
        if report.problems:
            raise CommandError(
                _("%(count)d problem(s): nothing was written.") % {"count": len(report.problems)}, returncode=1
            )

    def _print_report(self, path: Path, report: OnboardingReport) -> None:
        write = self.stdout.write
        write(_("%(file)s: %(rows)d row(s).") % {"file": path.name, "rows": report.rows})
        counts = "，".join(
            _("%(what)s %(count)d") % {"what": CREATED_LABELS.get(name, name), "count": count}
            for name, count in report.created.items()
        )
        if report.committed:
            write(
                _("Created: %(counts)s; rows unchanged: %(unchanged)d.")
                % {"counts": counts, "unchanged": report.unchanged}
            )
        else:
            write(
                _("Would create: %(counts)s; rows unchanged: %(unchanged)d.")
                % {"counts": counts, "unchanged": report.unchanged}
            )
        for title, items, style in (
            (_("Problems (nothing is written while there is one):"), report.problems, self.style.ERROR),
            (_("Warnings (not applied, not stopping the import):"), report.warnings, self.style.WARNING),
        ):
            if not items:
                continue
            write(style(title))
            for item in items[:LISTED]:
                where = _("Row %(row)d") % {"row": item.row} if item.row is not None else _("File")
                write(f"  {where}: [{item.code}] {item.message}")
            if len(items) > LISTED:
                write(_("  … and %(count)d more (see --json).") % {"count": len(items) - LISTED})
        if report.passwords:
            write(
                self.style.WARNING(
                    _(
                        "First-login passwords, shown this once: hand each to its user, "
                        "who must change it at the first login."
                    )
                )
            )
            label = _("User name")
            width = max(_shown_width(name) for name in [label, *report.passwords])
            write(f"  {_padded(label, width)}  {_('Password')}")
            for username, password in report.passwords.items():
                write(f"  {_padded(username, width)}  {password}")
        if report.committed:
            write(self.style.SUCCESS(_("Committed.")))
        elif not report.problems:
            write(_("Dry run: nothing was written. Run again with --commit to apply it."))

    def _print(self, path: Path, outcome: ImportOutcome, options: dict[str, Any]) -> None:
        write = self.stdout.write
        counts = outcome.check.counts()
        write(
            _("%(file)s: %(rows)d row(s) (header in row %(header)s).")
            % {"file": path.name, "rows": counts["rows"], "header": "–".join(map(str, outcome.check.header_rows))}
        )
        if outcome.check.ignored_headers:
            write(_("Columns not read: %(columns)s") % {"columns": "、".join(outcome.check.ignored_headers)})
        write(
            _(
                "New %(new)d, matched %(matched)d, possible matches %(review)d, conflicts %(conflicts)d, "
                "invalid %(invalid)d, held for review by a higher level %(held)d."
            )
            % counts
        )
        invalid = outcome.check.of(Status.INVALID)
        if invalid:
            write(self.style.ERROR(_("Invalid rows (skipped):")))
            for result in invalid[:LISTED]:
                codes = ", ".join(p.code for p in result.problems)
                row = _("Row %(row)d") % {"row": result.number}
                write(f"  {row}: [{codes}] {result.reasons()}")
            if len(invalid) > LISTED:
                write(_("  … and %(count)d more (see --errors or --json).") % {"count": len(invalid) - LISTED})
        pending = outcome.check.of(Status.REVIEW, Status.CONFLICT)
        if pending:
            write(self.style.WARNING(_("Rows for the review queue:")))
            for result in pending[:LISTED]:
                fields = "、".join(field_label(f) for f in result.fields) or "-"
                queued = _(" (already queued)") if result.queued else ""
                row = _("Row %(row)d") % {"row": result.number}
                write(f"  {row}: {Status.LABELS[result.status]} — {fields}{queued}")
            if len(pending) > LISTED:
                write(_("  … and %(count)d more (see --errors or --json).") % {"count": len(pending) - LISTED})
        held = outcome.check.of(Status.HELD)
        if held:
            write(
                self.style.WARNING(
                    _("Rows about persons outside your area, held for review by a higher level: %(rows)s")
                    % {"rows": ", ".join(str(r.number) for r in held[:LISTED]) + (" …" if len(held) > LISTED else "")}
                )
            )
        held = outcome.check.of(Status.HELD)
        if held:
            write(
                self.style.WARNING(
                    _("Rows about persons outside your area, held for review by a higher level: %(rows)s")
                    % {"rows": ", ".join(str(r.number) for r in held[:LISTED]) + (" …" if len(held) > LISTED else "")}
                )
            )
        if options["errors"]:
            write(_("Rejected and to-review rows written to %(path)s.") % {"path": options["errors"]})
        if outcome.committed:
            write(
                self.style.SUCCESS(
                    _("Committed (import %(run)d): %(new)d person(s) created, %(queued)d row(s) queued for review.")
                    % {"run": outcome.run.pk if outcome.run else 0, "new": counts["new"], "queued": outcome.queued}
                )
            )
        else:
            write(_("Dry run: nothing was written. Run again with --commit to apply the valid rows."))
