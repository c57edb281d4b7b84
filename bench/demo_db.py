"""The setup the benches over the demo district share: a fresh database (a temporary SQLite file,
or with --pg a throwaway PostgreSQL database), Django started on it, the machine printed, the
database and the temporary directory removed at the end unless --keep; and measuring a call.

    from demo_db import add_database_arguments, fresh_database, load, measure

    parser = argparse.ArgumentParser(...)
    add_database_arguments(parser, "wangge_bench_x")
    args = parser.parse_args()
    with fresh_database(args, "x"):
        ...  # Django is set up; import the project here
"""

import argparse
import contextlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def add_database_arguments(parser: argparse.ArgumentParser, database: str) -> None:
    parser.add_argument("--pg", default="", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--database", default=database)
    parser.add_argument("--keep", action="store_true", help="keep the database and the var directory")
    parser.add_argument("--reuse", default="", help="DATABASE_URL of a database already built (left as it is)")


def _drop(server: str, database: str, create: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {database}")


@contextlib.contextmanager
def fresh_database(args: argparse.Namespace, name: str) -> Iterator[None]:
    """Django set up on a new, empty database (not yet migrated), or with `args.reuse` on one
    already built (never dropped); the machine and the database printed first; everything made
    here removed at the end unless `args.keep`."""
    var_dir = tempfile.mkdtemp(prefix=f"wangge-bench-{name}-")
    os.environ["WANGGE_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
    os.environ["WANGGE_LOG_LEVEL"] = "WARNING"
    if args.reuse:
        os.environ["DATABASE_URL"] = args.reuse
    elif args.pg:
        _drop(args.pg, args.database, create=True)
        os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
            version = cursor.fetchone()[0]
        print(
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Django {django.__version__}, "
            f"{connection.vendor} {version}; load average before: {load()}",
            flush=True,
        )
        yield
    finally:
        connection.close()
        if args.keep:
            print(f"kept: DATABASE_URL={os.environ.get('DATABASE_URL', '')} WANGGE_VAR_DIR={var_dir}")
        else:
            if args.pg and not args.reuse:
                _drop(args.pg, args.database)
            shutil.rmtree(var_dir, ignore_errors=True)


def load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def measure(repeat: int, call: Callable[[], Any]) -> tuple[float, int, Any]:
    """(best seconds, queries of the last run, its result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = float("inf")
    result = None
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call()
            best = min(best, time.perf_counter() - started)
        queries = len(captured)
    return best, queries, result
