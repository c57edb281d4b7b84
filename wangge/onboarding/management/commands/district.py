"""`wangge district create|list`: a new district with its first administrator, ready to be
onboarded from its files in the web app (/manage/onboarding/), and the districts held.

    wangge district create CODE NAME --admin USERNAME [--no-catalogue] [--commit] [--json]
    wangge district list [--json]

`create` is a dry run unless `--commit`. With `--commit` it prints the administrator's one-time
password once (they choose their own at the first login); `--no-catalogue` leaves the case
catalogue and routing empty instead of copying the default ones for the district to edit.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.onboarding.district import start_district


class Command(BaseCommand):
    help = "Create a district with its first administrator (a dry run unless --commit), or list the districts."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = actions.add_parser("create", help="A new district and its first district administrator.")
        create.add_argument("code", help="the district's code, e.g. 370112")
        create.add_argument("name", help="the district's name, e.g. 历城区")
        create.add_argument("--admin", required=True, metavar="USERNAME", help="user name of its first administrator")
        create.add_argument("--no-catalogue", action="store_true", help="no default case catalogue and routing")
        create.add_argument("--commit", action="store_true", help="create it (default: a dry run)")
        create.add_argument("--json", action="store_true", help="print the outcome as JSON")
        listing = actions.add_parser("list", help="The districts with their numbers of communities and grids.")
        listing.add_argument("--json", action="store_true", help="print the districts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options["json"])
            return
        try:
            outcome = start_district(
                None,
                code=options["code"],
                name=options["name"],
                admin_username=options["admin"],
                catalogue=not options["no_catalogue"],
                commit=options["commit"],
            )
        except DomainError as error:
            raise CommandError(f"{error.code}: {error.message}") from None
        if options["json"]:
            data = outcome.report.as_json()
            if outcome.district is not None and outcome.admin is not None:
                data |= {"district": outcome.district.pk, "admin": outcome.admin.username, "password": outcome.password}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        if outcome.district is None or outcome.admin is None:
            self.stdout.write(
                _(
                    "Dry run: the district %(code)s %(name)s and its administrator %(admin)s can be created; "
                    "add --commit."
                )
                % {"code": options["code"], "name": options["name"], "admin": options["admin"]}
            )
            return
        self.stdout.write(
            _(
                "District %(name)s created (id %(id)d). Its administrator %(admin)s logs in once with this "
                "password and then chooses their own:"
            )
            % {"name": outcome.district.name, "id": outcome.district.pk, "admin": outcome.admin.username}
        )
        self.stdout.write(outcome.password)

    def _list(self, as_json: bool) -> None:
        counts = {
            (row["district_id"], row["level"]): row["n"]
            for row in AreaNode.objects.filter(level__in=[Level.COMMUNITY, Level.GRID])
            .values("district_id", "level")
            .annotate(n=Count("pk"))
            .order_by()
        }
        rows = [
            {
                "id": district.pk,
                "code": district.code,
                "name": district.name,
                "communities": counts.get((district.pk, Level.COMMUNITY), 0),
                "grids": counts.get((district.pk, Level.GRID), 0),
            }
            for district in AreaNode.objects.filter(level=Level.DISTRICT).order_by("code")
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(f"{row['code']}\t{row['name']}\t{row['communities']}\t{row['grids']}")
