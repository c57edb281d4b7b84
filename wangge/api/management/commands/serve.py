"""`wangge serve [--port N]`: serve the platform on http://127.0.0.1:PORT.

Checks first that every migration is applied (and says to run `wangge migrate` if not), then
runs Django's development server on the loopback address without the auto-reloader. Static
files are served by WhiteNoise, as in production. For a public deployment put a WSGI server
(e.g. gunicorn `wangge.wsgi`) behind a reverse proxy instead.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

HOST = "127.0.0.1"


def unapplied_migrations() -> list[str]:
    """Names (app.migration) of the migrations not yet applied to the default database."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class Command(BaseCommand):
    help = "Serve the platform on 127.0.0.1:PORT (migrations must be applied)."
    requires_system_checks = "__all__"
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="The port to listen on (default: 8000).")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError(_("The port must be a number from 1 to 65535, not %(port)d.") % {"port": port})
        pending = unapplied_migrations()
        if pending:
            raise CommandError(
                _("%(count)d migration(s) are not applied yet (%(names)s). Run “wangge migrate” first.")
                % {"count": len(pending), "names": ", ".join(pending[:5]) + (", …" if len(pending) > 5 else "")}
            )
        self.stdout.write(
            _("Serving on http://%(host)s:%(port)d/ — press Ctrl+C to stop.") % {"host": HOST, "port": port}
        )
        call_command("runserver", f"{HOST}:{port}", use_reloader=False, use_static_handler=False, skip_checks=True)
