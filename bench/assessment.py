"""The star-rated assessment: one period for every worker of the demo district (181 grids, 733
workers at either scale: the scales differ in households, not in grids and workers), query
counts flat in the number of workers.

    .venv/bin/python bench/assessment.py                        # small scale, SQLite in a temporary directory
    .venv/bin/python bench/assessment.py --scale full --pg postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/assessment.py --reuse sqlite:////tmp/demo.sqlite3   # a district already built

A fresh database (a temporary SQLite file, or with --pg a throwaway PostgreSQL database, dropped
at the end unless --keep) is migrated and filled with the reference district (or --reuse points
at one already built: nothing is written to it but the period's scores, in a transaction rolled
back). Then the last full month is computed (`assessment.compute_period`) for a tenth of the
workers and for all of them — each indicator apart (time, queries) and the whole period — and
written (`actions.run_period` with commit, inside a rolled-back transaction). Asserts nothing
about time.
"""

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small", choices=["small", "full"])
    parser.add_argument("--repeat", type=int, default=3, help="runs per question, best kept (3)")
    parser.add_argument("--pg", default="", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--reuse", default="", help="DATABASE_URL of a database holding the demo district")
    parser.add_argument("--database", default="wangge_bench_assessment")
    parser.add_argument("--keep", action="store_true", help="keep the database and the var directory")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="wangge-bench-assessment-")
    os.environ["WANGGE_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
    os.environ["WANGGE_LOG_LEVEL"] = "WARNING"
    if args.reuse:
        os.environ["DATABASE_URL"] = args.reuse
    elif args.pg:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {args.database}")
        os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    try:
        print(
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Django {django.__version__}, "
            f"{connection.vendor}; load average before: {load()}",
            flush=True,
        )
        run(args)
    finally:
        connection.close()
        if args.keep or args.reuse:
            print(f"kept: DATABASE_URL={os.environ.get('DATABASE_URL', '')} WANGGE_VAR_DIR={var_dir}")
        else:
            if args.pg:
                import psycopg

                with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            shutil.rmtree(var_dir, ignore_errors=True)


def load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def measure(repeat: int, call):  # type: ignore[no-untyped-def]
    """(best seconds, queries of the last run, its result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = float("inf")
    result = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = call()
            best = min(best, time.perf_counter() - started)
    return best, len(queries), result


class Rollback(Exception):
    pass


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from wangge.areas.models import AreaNode, Level
    from wangge.team import actions, indicators
    from wangge.team.assessment import assessed_workers, parse_period, rules_for

    started = time.perf_counter()
    if args.reuse:
        district = AreaNode.objects.get(level=Level.DISTRICT, code__isnull=False)
        print(f"reusing the district {district.name}", flush=True)
    else:
        from wangge.demo.generator import build_reference_district

        call_command("migrate", verbosity=0)
        result = build_reference_district(args.scale)
        district = result.district
        print(
            f"migrated and built the {args.scale} district in {time.perf_counter() - started:.0f} s "
            f"(team: {result.timings.get('team', 0):.1f} s)",
            flush=True,
        )
    grids = AreaNode.objects.filter(district=district, level=Level.GRID).count()
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    rules = rules_for(district)
    period = parse_period(f"{last_month:%Y-%m}", rules.period_kind)
    everyone = list(assessed_workers(district))
    sizes = {"a tenth": everyone[: max(1, len(everyone) // 10)], "all": everyone}
    print(f"{grids} grids; period {period.label}; workers: " + ", ".join(f"{k} {len(v)}" for k, v in sizes.items()))
    print(f"\n{'indicator':<26}" + "".join(f"{label + ' ms':>14}{'queries':>9}" for label in sizes))
    for indicator in indicators.installed():
        cells = ""
        for workers in sizes.values():
            seconds, queries, _ = measure(
                args.repeat, lambda w=workers, i=indicator: i.compute(w, period.start, period.end)
            )
            cells += f"{seconds * 1000:>14.1f}{queries:>9}"
        print(f"{indicator.name:<26}{cells}")
    seconds, queries, lines = measure(
        args.repeat, lambda: actions.run_period(None, district=district, period_text=period.label, commit=False)
    )
    print(f"\nthe whole period, computed (all {len(lines[1])} workers): {seconds:.2f} s, {queries} queries")
    try:
        with transaction.atomic():
            seconds, queries, lines = measure(
                1, lambda: actions.run_period(None, district=district, period_text=period.label, commit=True)
            )
            print(f"the whole period, written (rolled back): {seconds:.2f} s, {queries} queries")
            raise Rollback
    except Rollback:
        pass
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
