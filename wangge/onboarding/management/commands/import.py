"""`wangge import people|addresses|staff|org-units|resident-units`: bring in a district's files (dry run unless --commit).

    wangge import people FILE --layout members|grid [--district CODE] [--mapping FILE]
                                [--commit] [--json] [--errors OUT.xlsx] [--user USERNAME]

Reads an .xlsx/.xls or .csv file in one of the two shipped layouts (`members`: the
member-information system's export; `grid`: the grid system's ledger), or any other layout
with `--mapping` (a JSON or YAML file naming the file's headers per field). Every row is
classified as new, matched, possible match (review), conflict or invalid, by row number;
nothing is written without `--commit`. With `--commit` all valid rows are applied in one
transaction or none: new persons are created, matched rows change nothing, possible matches
and conflicts go to the review queue, invalid rows are skipped and listed. `--errors` writes
the rejected and to-review rows with their reasons to an .xlsx file (values masked).
`--json` prints the summary as JSON: rows, new, matched, review, conflicts, invalid, …

No ID or phone number, nor any other value of a row, is printed: rows are named by number.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.ledgers.actions import ImportOutcome, import_people
from wangge.ledgers.layouts import field_label, load_mapping
from wangge.ledgers.matching import Status
from wangge.ledgers.models import Layout
from wangge.ledgers.report import write_report
from wangge.lib.errors import DomainError

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


class Command(BaseCommand):
    help = "Import a ledger of residents (members or grid layout); a dry run unless --commit."

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

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("The file “%(path)s” does not exist.") % {"path": path})
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("There is no active user “%(name)s”.") % {"name": options["user"]})
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
