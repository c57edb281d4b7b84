"""`wangge serve [--port N] [--workers N] [--host ADDR] [--dev]`: serve the platform.

Checks first that every migration is applied (and says to run `wangge migrate` if not), then
replaces this process with gunicorn (`os.execv`): the process keeps its id, so the signals a
service manager sends reach gunicorn's arbiter itself — SIGHUP reloads (new workers start, the
old ones finish their requests), SIGTERM stops gracefully (workers finish their requests within
the graceful timeout) and exits 0. Workers default to 2 × cores + 1, the address to the loopback
(a reverse proxy in front terminates TLS; docs/deploy.md). Static files are served by WhiteNoise.

The access log (standard output) holds the time, the worker's process id, the method, the path
without its query string, the protocol, the status, the size and the duration: no client
address, no query string (a search may carry words that name a person), no referrer, no
Authorization header and no cookie. Our paths hold no personal data. gunicorn's control socket
is off (signals are the interface); `GUNICORN_CMD_ARGS` may add gunicorn's own options.

With `WANGGE_METRICS` on, gunicorn's workers count requests into files of one directory
(prometheus-client's multiprocess mode, `prepare_metrics_directory`), so `/metrics` adds up every
worker's. With `WANGGE_REQUEST_LOG` on, the platform's JSON request lines replace gunicorn's
access log.

`--dev` runs Django's development server instead (no reloader), one process.
"""

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

HOST = "127.0.0.1"
MAX_WORKERS = 256
# gunicorn's access log atoms: time, worker pid, method, path (no query string), protocol,
# status, bytes sent, milliseconds.
ACCESS_LOG_FORMAT = '%(t)s %(p)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
GRACEFUL_TIMEOUT_SECONDS = 30


def unapplied_migrations() -> list[str]:
    """Names (app.migration) of the migrations not yet applied to the default database."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def default_workers() -> int:
    """2 × the cores this process may run on + 1 (gunicorn's own advice)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 * cores + 1


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    """The command line that runs gunicorn on `wangge.wsgi` with this interpreter; without the
    access log when the platform writes its own JSON request log (`REQUEST_LOG`)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    access_log = [] if settings.REQUEST_LOG else ["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "wangge.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        *access_log,
        "--error-logfile",
        "-",
        "--graceful-timeout",
        str(GRACEFUL_TIMEOUT_SECONDS),
        "--no-control-socket",
    ]


def prepare_metrics_directory() -> None:
    """With metrics on: an empty `METRICS_DIR` (mode 0700) named by PROMETHEUS_MULTIPROC_DIR in
    the environment gunicorn inherits, so its workers count into files there that any one of
    them adds up at a scrape. The files of an earlier run are removed (their processes are
    gone; prometheus-client's advice), so counters start again from 0 at each start."""
    directory = settings.METRICS_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


class Command(BaseCommand):
    help = _("Serve the platform through gunicorn (migrations must be applied).")
    requires_system_checks = "__all__"
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help=_("The port to listen on (default: 8000)."))
        parser.add_argument("--host", default=HOST, help=_("The address to listen on (default: 127.0.0.1)."))
        parser.add_argument("--workers", type=int, default=None, help=_("Worker processes (default: 2 × cores + 1)."))
        parser.add_argument(
            "--dev", action="store_true", help=_("Run Django's development server instead (one process).")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port, host = options["port"], options["host"].strip()
        workers = options["workers"] if options["workers"] is not None else default_workers()
        if not 1 <= port <= 65535:
            raise CommandError(_("The port must be a number from 1 to 65535, not %(port)d.") % {"port": port})
        if not 1 <= workers <= MAX_WORKERS:
            raise CommandError(
                _("The number of workers must be from 1 to %(max)d, not %(workers)d.")
                % {"max": MAX_WORKERS, "workers": workers}
            )
        if not host:
            raise CommandError(_("Give the address to listen on, e.g. 127.0.0.1."))
        pending = unapplied_migrations()
        if pending:
            raise CommandError(
                _("%(count)d migration(s) are not applied yet (%(names)s). Run “wangge migrate” first.")
                % {"count": len(pending), "names": ", ".join(pending[:5]) + (", …" if len(pending) > 5 else "")}
            )
        shown = f"[{host}]" if ":" in host else host
        if options["dev"]:
            self.stdout.write(
                _("Serving on http://%(host)s:%(port)d/ (development server) — press Ctrl+C to stop.")
                % {"host": shown, "port": port}
            )
            address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            call_command("runserver", address, use_reloader=False, use_static_handler=False, skip_checks=True)
            return
        self.stdout.write(
            _("Serving on http://%(host)s:%(port)d/ with %(workers)d gunicorn workers — Ctrl+C or SIGTERM stops.")
            % {"host": shown, "port": port, "workers": workers}
        )
        self.stdout.flush()
        if settings.METRICS:
            prepare_metrics_directory()
        # gunicorn forks its workers: no database connection of this process goes with them.
        connections.close_all()
        os.execv(sys.executable, gunicorn_argv(host, port, workers))  # noqa: S606 (fixed command, this interpreter)
