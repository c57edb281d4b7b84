"""困难帮扶: the worklist and the figures over the demo district.

    .venv/bin/python bench/assistance.py                        # small scale, SQLite in a temporary directory
    .venv/bin/python bench/assistance.py --scale full --pg postgres://postgres@127.0.0.1:5432

A fresh database (a temporary SQLite file, or with --pg a throwaway PostgreSQL database, dropped
at the end unless --keep) is migrated and filled with the reference district, whose households
in difficulty (`wangge/demo/assistance.py`: about 3 % of the households, pairs, a year of helps)
are what the worklist and the figures read. Then, for the district, its first community and its
first grid: `assistance.queries.worklist`, `assistance.figures.figures` (coverage, by state, by
cause) and `assistance.benefited.benefited` over the last 365 days — time (best of --repeat),
queries (the same for every area: they do not grow with the rows) and rows found. Asserts
nothing about time.
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
    parser.add_argument("--database", default="wangge_bench_assistance")
    parser.add_argument("--keep", action="store_true", help="keep the database and the var directory")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="wangge-bench-assistance-")
    os.environ["WANGGE_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
    os.environ["WANGGE_LOG_LEVEL"] = "WARNING"
    if args.pg:
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
        if args.keep:
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


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from wangge.areas.models import AreaNode, Level
    from wangge.assistance.benefited import benefited
    from wangge.assistance.figures import figures
    from wangge.assistance.queries import worklist
    from wangge.demo.generator import build_reference_district

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result = build_reference_district(args.scale)
    print(
        f"migrated and built the {args.scale} district in {time.perf_counter() - started:.0f} s "
        f"(assistance: {result.timings.get('assistance', 0):.1f} s): "
        + ", ".join(f"{n:,} {name}" for name, n in (result.assistance or {}).items()),
        flush=True,
    )
    district = result.district
    community = AreaNode.objects.filter(district=district, level=Level.COMMUNITY).order_by("code").first()
    grid = AreaNode.objects.filter(district=district, level=Level.GRID).order_by("code").first()
    today = timezone.localdate()
    year = today - dt.timedelta(days=364)
    print(f"\n{'question':<28}{'area':<12}{'best ms':>9}{'queries':>9}  found")
    for area, label in ((district, "district"), (community, "community"), (grid, "grid")):
        assert area is not None
        seconds, queries, work = measure(args.repeat, lambda area=area: worklist(area, today))
        found = f"{len(work.needs)} needs, {len(work.due)} due, {len(work.idle_pairs)} idle pairs"
        print(f"{'worklist':<28}{label:<12}{seconds * 1000:>9.1f}{queries:>9}  {found}")
        seconds, queries, numbers = measure(args.repeat, lambda area=area: figures(area, today))
        found = ", ".join(f"{k} {numbers[k]}" for k in ("households", "paired", "visited_30d", "need_met"))
        print(f"{'figures':<28}{label:<12}{seconds * 1000:>9.1f}{queries:>9}  {found}")
        seconds, queries, reached = measure(args.repeat, lambda area=area: benefited(area, year, today))
        found = f"{reached.benefited} of {reached.households} households ({reached.share:.1%})"
        print(f"{'residents benefited, 365 d':<28}{label:<12}{seconds * 1000:>9.1f}{queries:>9}  {found}")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
