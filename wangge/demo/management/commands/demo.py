"""`wangge demo`: build the reference district once, print the demo accounts, serve the site
through `wangge serve` (gunicorn, at most four workers) with `wangge worker` running beside the
server for background tasks, both stopped with it on Ctrl-C or SIGTERM.

Running it again on a database that already holds the demo district does not build it a
second time: it prints the accounts and the counts and serves (what `make demo` run twice
should do). `--reset` empties the database first and builds afresh.
"""

import sys
import time
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.demo import blueprint, generator
from wangge.demo.fieldwork import FieldworkResult
from wangge.demo.processes import running_beside
from wangge.demo.team import TeamResult
from wangge.lib.errors import DomainError
from wangge.operations.management.commands.serve import default_workers

# The demo's server processes: enough to show several serving, few enough for a laptop.
DEMO_WORKERS = 4


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Build the reference district (38 communities, 181 grids), print the demo accounts and serve the site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default="small", help="small (about 10,000 households) or full (about 100,000).")
        parser.add_argument("--password", default=blueprint.DEFAULT_PASSWORD, help="Password of every demo account.")
        parser.add_argument(
            "--seed", default=str(blueprint.DEFAULT_SEED), help="Seed: the same seed gives the same data."
        )
        parser.add_argument("--port", default="8000", help="Port to serve on at 127.0.0.1.")
        parser.add_argument("--no-serve", action="store_true", help="Build and print, but do not start the server.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the whole database first (every table, not only the demo) and build the demo afresh.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale, password = options["scale"], options["password"]
        if scale not in blueprint.SCALES:
            raise CommandError(_("Unknown scale “%(scale)s”: use small or full.") % {"scale": scale})
        port = self._number(
            options["port"], 1, 65535, _("The port must be a whole number from 1 to 65535, not “%(value)s”.")
        )
        seed = self._number(
            options["seed"], 0, 2**32 - 1, _("The seed must be a whole number from 0 to 4294967295, not “%(value)s”.")
        )
        if settings.PRODUCTION:
            raise CommandError(
                _("The demo creates accounts with a published password; it does not run when WANGGE_PRODUCTION is set.")
            )
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(
                _("The demo password is not acceptable: %(reasons)s") % {"reasons": " ".join(error.messages)}
            ) from None
        started = time.perf_counter()
        if options["reset"]:
            self._reset()
        else:
            self._migrate()
        district = generator.demo_district()
        fieldwork: FieldworkResult | None = None
        team: TeamResult | None = None
        if district is None:
            self._refuse_foreign_data()
            self.stdout.write(
                _("Building the reference district (%(scale)s scale, seed %(seed)d)…") % {"scale": scale, "seed": seed}
            )
            try:
                result = generator.build_reference_district(scale, seed, password=password)
            except DomainError as error:
                raise CommandError(error.message) from None
            district, accounts, counts = result.district, result.accounts, result.counts
            fieldwork = result.fieldwork
            team = result.team
            self.stdout.write(
                self.style.SUCCESS(_("Built the reference district in %(seconds).1f s.") % {"seconds": result.seconds})
            )
        else:
            self.stdout.write(
                _("The reference district is already in this database: not building it again (--reset rebuilds it).")
            )
            accounts = generator.demo_accounts(district, password)
            counts = generator.demo_counts(district)
            wanted = blueprint.SCALES[scale].households
            if not 0.8 * wanted <= counts["households"] <= 1.2 * wanted:
                self.stdout.write(
                    self.style.WARNING(
                        _("It was built at another scale; run with --reset --scale %(scale)s to rebuild it.")
                        % {"scale": scale}
                    )
                )
        self._print(district, accounts, counts, time.perf_counter() - started, fieldwork, team)
        if not options["no_serve"]:
            self.stdout.write(
                _("Serving on http://127.0.0.1:%(port)d/ — sign in with any account above; Ctrl-C stops the server.")
                % {"port": port}
            )
            # `wangge serve` (gunicorn, at most DEMO_WORKERS workers) and the background worker
            # beside it (ledger imports, e-mails, the overdue sweep), both stopped with this
            # command: on Ctrl-C and on SIGTERM too.
            workers = min(default_workers(), DEMO_WORKERS)
            serve = [sys.executable, "-m", "wangge.cli", "serve", "--port", str(port), "--workers", str(workers)]
            with running_beside([sys.executable, "-m", "wangge.cli", "worker"]), running_beside(serve) as server:
                status = server.wait()
            if status != 0:
                raise CommandError(_("The server stopped with exit status %(status)d.") % {"status": status})

    @staticmethod
    def _number(raw: str, low: int, high: int, message: str) -> int:
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise CommandError(message % {"value": raw})
        return value

    def _migrate(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(_("Bringing the database up to date (migrate)…"))
            call_command("migrate", interactive=False, verbosity=0)

    def _reset(self) -> None:
        """Drop every table of the database and migrate it afresh: data the migrations seed (the
        national work calendar, …) comes back, which `flush` would not do, and nothing depends on
        every migration being reversible."""
        self.stdout.write(_("Emptying the database and migrating it afresh (--reset)…"))
        connection = connections[DEFAULT_DB_ALIAS]
        cascade = " CASCADE" if connection.vendor == "postgresql" else ""
        with connection.constraint_checks_disabled(), connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}{cascade}")
        call_command("migrate", interactive=False, verbosity=0)

    def _refuse_foreign_data(self) -> None:
        others = list(AreaNode.objects.filter(level=Level.DISTRICT).values_list("name", flat=True)[:3])
        if others:
            raise CommandError(
                _(
                    "This database already holds other districts (%(names)s). The demo is for an empty database: "
                    "point WANGGE_VAR_DIR or DATABASE_URL at another one, or use --reset to empty this one."
                )
                % {"names": ", ".join(others)}
            )

    def _print(
        self,
        district: AreaNode,
        accounts: list[generator.DemoAccount],
        counts: dict[str, int],
        seconds: float,
        fieldwork: FieldworkResult | None = None,
        team: TeamResult | None = None,
    ) -> None:
        rows = [
            [a.username, a.role_label, a.scope_path, a.password if a.password is not None else _("(changed since)")]
            for a in accounts
        ]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Demo accounts of %(district)s") % {"district": district.name}))
        self.stdout.write(table([_("User name"), _("Role"), _("Scope"), _("Password")], rows))
        labels = {
            "communities": _("Communities"),
            "grids": _("Grids"),
            "building_groups": _("Building groups"),
            "buildings": _("Buildings"),
            "households": _("Households"),
            "persons": _("Persons"),
            "members": _("Members"),
            "workers": _("Community workers"),
            "org_units": _("Organisation units"),
            "cases": _("Cases"),
        }
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_("Contents")))
        self.stdout.write(table([_("What"), _("Count")], [[labels[key], f"{counts[key]:,}"] for key in labels]))
        if fieldwork is not None:
            self.stdout.write("")
            self.stdout.write(
                _(
                    "Field work of the last year: %(briefings)s morning briefings, %(patrols)s patrols, "
                    "%(visits)s household visits."
                )
                % {key: f"{fieldwork.counts[key]:,}" for key in ("briefings", "patrols", "visits")}
            )
            self.stdout.write(
                _("Grids that usually skip the afternoon patrol: %(grids)s. Households never visited: %(count)s.")
                % {
                    "grids": ", ".join(grid.name for grid in fieldwork.skipping_grids),
                    "count": f"{fieldwork.never_visited:,}",
                }
            )
        if team is not None:
            kinds = team.practical["by_kind"]
            assert isinstance(kinds, dict)  # noqa: S101 (practical.count's shape)
            self.stdout.write(
                _(
                    "Practical things done in the last year: %(count)s (%(wishes)s small wishes, %(tasks)s service "
                    "tasks, %(helps)s helps to paired households, %(cases)s cases members handled; %(services)s "
                    "services offered by retired and student members). %(registrations)s registrations, "
                    "%(commitments)s commitments. %(months)s months assessed in order, the last %(period)s: "
                    "%(scores)s workers rated."
                )
                % {
                    "count": f"{team.practical['count']:,}",
                    "wishes": f"{kinds['wish']:,}",
                    "tasks": f"{kinds['task']:,}",
                    "helps": f"{kinds['help']:,}",
                    "cases": f"{kinds['case']:,}",
                    "services": f"{team.services:,}",
                    "registrations": f"{team.registrations:,}",
                    "commitments": f"{team.commitments:,}",
                    "months": team.months,
                    "period": team.period,
                    "scores": f"{team.scores:,}",
                }
            )
        self.stdout.write("")
        self.stdout.write(_("Time taken: %(seconds).1f s.") % {"seconds": seconds})
