"""`wangge apikey create NAME [--district CODE]`, `wangge apikey list`, `wangge apikey revoke NAME`:
the keys Open311 apps file requests with, one per app and district.

`create` prints the key once, alone on standard output (`KEY=$(wangge apikey create app)`);
only its SHA-256 digest is stored. `--district` may be left out when there is one district.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.open311 import actions
from wangge.open311.models import ApiKey


class Command(BaseCommand):
    help = "Create, list and revoke Open311 API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = commands.add_parser("create", help="Create a key for an app and print it once.")
        create.add_argument("name", metavar="NAME", help="The app's name, unique among keys.")
        create.add_argument("--district", metavar="CODE", help="The district (jurisdiction) the key files in.")
        commands.add_parser("list", help="List the keys (never the keys themselves).")
        revoke = commands.add_parser("revoke", help="Refuse the key from now on.")
        revoke.add_argument("name", metavar="NAME")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                self._create(options["name"], options["district"])
            elif options["action"] == "list":
                self._list()
            else:
                actions.revoke_api_key(None, name=options["name"])
                self.stderr.write(_("Key “%(name)s” revoked.") % {"name": options["name"]})
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None

    def _district(self, code: str | None) -> AreaNode:
        districts = AreaNode.objects.filter(level=Level.DISTRICT).order_by("pk")
        if code:
            district = districts.filter(code=code).first()
            if district is None:
                raise CommandError(_("There is no district with the code “%(code)s”.") % {"code": code})
            return district
        found = list(districts[:2])
        if len(found) != 1:
            raise CommandError(_("Name the district with --district CODE."))
        return found[0]

    def _create(self, name: str, code: str | None) -> None:
        key, raw = actions.create_api_key(None, name=name, district=self._district(code))
        self.stdout.write(raw)
        self.stderr.write(
            _("Key “%(name)s” created for %(district)s. It is shown only this once; keep it secret.")
            % {"name": key.name, "district": key.district.code}
        )

    def _list(self) -> None:
        def when(value: Any) -> str:
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"

        for key in ApiKey.objects.select_related("district"):
            state = _("revoked %(at)s") % {"at": when(key.revoked_at)} if key.revoked_at else _("active")
            self.stdout.write(
                "\t".join(
                    [key.name, key.district.code, f"{key.prefix}…", when(key.created_at), when(key.last_used_at), state]
                )
            )
