"""`wangge export ledger residents|households|members --area ID --out FILE.xlsx`.

    [--user USERNAME]            export as this user (their role and scope apply); without it,
                                 the operator at the command line: masked only
    [--reveal --reason TEXT]     ID and phone numbers and sensitive facts in clear (needs
                                 --user with a personal-data role over the area); audited

Every export writes an audit row (ledger, area, number of rows, masked or not).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode
from wangge.ledgers.exporting import export_ledger
from wangge.ledgers.exports import LEDGERS
from wangge.lib.errors import DomainError
from wangge.people.management.commands.people import user_named


class Command(BaseCommand):
    help = "Export a ledger of personal data as xlsx (masked unless revealed with a reason); audited."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
        ledger = sub.add_parser("ledger", help="A ledger of residents, households or members by zone.")
        ledger.add_argument("ledger", choices=sorted(LEDGERS))
        ledger.add_argument("--area", type=int, required=True, metavar="ID", help="A district, community or grid.")
        ledger.add_argument("--out", required=True, metavar="FILE", help="The .xlsx file to write.")
        ledger.add_argument("--user", metavar="USERNAME", help="Export as this user.")
        ledger.add_argument("--reveal", action="store_true", help="Numbers in clear (needs --user and --reason).")
        ledger.add_argument("--reason", default="", help="Why the numbers are needed in clear.")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx."))
        user = user_named(options["user"]) if options["user"] else None
        area = AreaNode.objects.filter(pk=options["area"]).first()
        if area is None:
            raise CommandError(_("There is no area with the id %(id)d.") % {"id": options["area"]})
        try:
            result = export_ledger(
                user, ledger=options["ledger"], area=area, reveal=options["reveal"], reason=options["reason"]
            )
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        out.write_bytes(result.content)
        out.chmod(0o600)
        if result.masked:
            text = _("%(rows)d row(s) written to %(path)s, ID and phone numbers masked.")
        else:
            text = _("%(rows)d row(s) written to %(path)s, ID and phone numbers in clear.")
        self.stdout.write(text % {"rows": result.rows, "path": out})
