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
import time

from demo_db import add_database_arguments, fresh_database, load, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small", choices=["small", "full"])
    parser.add_argument("--repeat", type=int, default=3, help="runs per question, best kept (3)")
    add_database_arguments(parser, "wangge_bench_assessment")
    args = parser.parse_args()
    with fresh_database(args, "assessment"):
        run(args)


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
