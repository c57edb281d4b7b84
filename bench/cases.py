"""Cases at scale: a million cases over three years in the reference district, then the lists.

    .venv/bin/python bench/cases.py                       # 1,000,000 cases, SQLite then PostgreSQL
    .venv/bin/python bench/cases.py --cases 50000 --db sqlite --light

Each database runs in its own process against a throwaway database (SQLite: a new directory
under /tmp as WANGGE_VAR_DIR; PostgreSQL: a new database on --pg, dropped at the end unless
--keep), set in the environment before `django.setup()`. The process migrates and builds the
reference district (`build_reference_district`, small scale; `--light`: the lighter district of
the demo's tests, same 38 communities and 181 grids), then completes what the demo has not set
up for cases (default catalogue, routing rules, a unit for the `department` account).

Cases are written directly (COPY on PostgreSQL, executemany on SQLite; never through the
actions, which would take hours), in two stages: first `--small` cases over the three years,
then the rest over the same three years. Each case follows a made-up life (accepted, dispatched,
started, handled, verified, visited, closed, a few percent rejected or merged, a tail stuck for
months); its state is where that life stands now, so old cases are closed and open ones are
recent or stuck. Deadlines are computed exactly like `compute_due_at` does, on the district's
work calendar (checked against `compute_due_at` on a sample). Cases whose deadline passed before
they were handled are marked overdue, as the sweep would have. Some cases get a supervision, a
co-handling or an extension. Planner statistics are refreshed after each stage.

After each stage, each list is read as the web pages read it (`wangge.web.cases`: the worklist
or `public_board`, `with_flags`, the page's `_filter` for the query parameters, the same
`select_related`): the first page's rows alone (`[:CASES_PER_PAGE]`), and the whole page as
`Paginator(...).get_page(1)` does it (a COUNT, then the rows), each --repeat times (p50, p95),
with the user's scope loaded afresh each time as in a new request; the page's queries are
counted once with CaptureQueriesContext. After the last stage: the overdue sweep over all open
cases (their overdue marks are taken off first, so that it marks every past-due one again: the
catch-up of a sweep that has not run), a sweep call with nothing to mark (what it costs every
time it runs), then deadline computations per second. Prints figures; asserts nothing about time.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from case_measures import census, check_deadlines, measure_deadlines, measure_lists, measure_sweep, paginator_label
from case_rows import CaseFactory, Reference, log

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 50.0


# --- the parent: one child process per database --------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the end (default 1,000,000)")
    parser.add_argument("--small", type=int, default=10_000, help="cases of the first stage (default 10,000)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=200, help="runs of each list (default 200)")
    parser.add_argument("--deadlines", type=int, default=2_000, help="compute_due_at calls to time")
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--light", action="store_true", help="the demo tests' lighter district (faster to build)")
    parser.add_argument("--explain", action="store_true", help="print each list's plan at the last stage")
    parser.add_argument("--keep", action="store_true", help="keep the databases and print where they are")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args)
        return

    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        flush=True,
    )
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        results.append(run_child(db, args))
    for figures in results:
        report(figures, args)
    summary(results)
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


def run_child(db: str, args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    var_dir = tempfile.mkdtemp(prefix=f"wangge-bench-cases-{db}-")
    env = dict(os.environ, WANGGE_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="wangge.settings")
    env.pop("DATABASE_URL", None)
    database = None
    if db == "postgres":
        import psycopg

        database = f"wangge_bench_cases_{os.getpid()}"
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database}")
            conn.execute(f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = f"{args.pg}/{database}"
    command = [sys.executable, __file__, "--one", db] + [
        f"--{name}={getattr(args, name)}" for name in ("cases", "small", "repeat", "deadlines", "seed")
    ]
    command += ["--light"] * args.light + ["--explain"] * args.explain
    print(f"\n== {db}: {' '.join(command[1:])}", flush=True)
    try:
        # Progress goes to stderr (passed through); the figures come back as JSON on stdout.
        output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env).stdout
        return json.loads(output.strip().splitlines()[-1])
    finally:
        if args.keep:
            print(f"kept: WANGGE_VAR_DIR={var_dir}" + (f" DATABASE_URL={args.pg}/{database}" if database else ""))
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
            if database:
                import psycopg

                with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def report(f: dict, args: argparse.Namespace) -> None:  # type: ignore[type-arg]
    print(
        f"\n{f['label']} ({f['version']}) — {f['cases']:,} cases; first page of {f['per_page']} rows, "
        f"{args.repeat} runs of each list; page = {f['paginator']}; times in ms"
    )
    print(f"  migrate {f['migrate_s']:.1f} s; reference district ({f['district']}) {f['district_s']:.1f} s")
    for stage in f["stages"]:
        b = stage["build"]
        print(
            f"  build {b['cases']:>9,} cases  {b['seconds']:>7.1f} s wall  {b['cpu']:>7.1f} s CPU  "
            f"{b['cases'] / b['seconds']:>9,.0f} cases/s  (+{b['side_rows']:,} supervision, co-handling, "
            f"extension rows; analyze {b['analyze_s']:.1f} s)"
        )
    last = f["stages"][-1]
    print(f"  states now: {', '.join(f'{k} {v:,}' for k, v in last['states'].items())}")
    print(
        f"  open {last['open']:,} ({last['open'] / f['cases']:.1%}), of which overdue {last['open_overdue']:,}; "
        f"open supervisions {last['supervised_open']:,}; database {f['database_mb']:,} MB"
    )
    print(
        f"  {'list (first page)':<30} {'cases':>10} {'matching':>9} {'rows p50':>9} {'rows p95':>9} "
        f"{'page p50':>9} {'page p95':>9} {'queries':>8} {'COUNT p50':>10} {'load':>5}"
    )
    for name in f["stages"][0]["lists"]:
        for i, stage in enumerate(f["stages"]):
            m = stage["lists"][name]
            print(
                f"  {name if i == 0 else '':<30} {stage['build']['total']:>10,} {m['total']:>9,} "
                f"{m['rows_p50_ms']:>9.2f} {m['rows_p95_ms']:>9.2f} {m['page_p50_ms']:>9.2f} {m['page_p95_ms']:>9.2f} "
                f"{m['queries']:>8} {m['count_p50_ms']:>10.1f} {m['load']:>5.1f}"
            )
    s = f["sweep"]
    print(
        f"  overdue sweep over {s['open']:,} open cases: {s['pending']:,} past due (marks taken off) → "
        f"{s['marked']:,} marked in {s['seconds']:.2f} s ({s['calls']} calls, {s['queries']:,} queries, "
        f"{s['ms_per_case']:.2f} ms per case); a call with nothing to mark: p50 {s['idle_p50_ms']:.1f} ms, "
        f"p95 {s['idle_p95_ms']:.1f} ms"
    )
    d = f["deadlines"]
    print(
        f"  deadlines: compute_due_at {d['per_s']:,.0f}/s ({d['queries_per_call']:.0f} queries per call); "
        f"the calendar arithmetic alone {d['arithmetic_per_s']:,.0f}/s"
    )
    print(f"  peak memory of the process {f['peak_rss_mb']:,} MB; load average {f['load']}")


def summary(results: list[dict]) -> None:  # type: ignore[type-arg]
    print("\nTargets")
    for f in results:
        first, last = f["stages"][0], f["stages"][-1]
        for name, m in last["lists"].items():
            same = first["lists"][name]["queries"] == m["queries"]
            verdict = ""
            if f["db"] == "postgresql":
                verdict = "met" if m["page_p95_ms"] <= TARGET_P95_MS else "MISSED"
                verdict = f"page p95 {m['page_p95_ms']:.1f} ms <= {TARGET_P95_MS:.0f} ms: {verdict}; "
            print(
                f"  {f['label']:<11} {name:<26} {verdict}queries {first['lists'][name]['queries']} at "
                f"{first['build']['total']:,} cases, {m['queries']} at {last['build']['total']:,}: "
                + ("same" if same else "GREW")
            )


# --- the child: build, then measure ------------------------------------------------------------


def one(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from wangge.cases.models import Case
    from wangge.web.cases import CASES_PER_PAGE

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    log(f"migrated in {migrate_s:.1f} s")
    started = time.perf_counter()
    reference = Reference.build(args.light)
    district_s = time.perf_counter() - started
    log(f"reference district in {district_s:.1f} s")

    factory = CaseFactory(reference, connection.vendor, args.seed)
    stages = []
    sizes = [args.small, args.cases - args.small] if args.cases > args.small else [args.cases]
    for index, size in enumerate(sizes):
        build = factory.write(size)
        build["total"] = Case.objects.count()
        log(f"{build['total']:,} cases written; measuring the lists")
        last = index == len(sizes) - 1
        stage = {"build": build, "lists": measure_lists(reference, args, explain=args.explain and last)}
        stage.update(census(reference))
        stages.append(stage)
    check_deadlines(factory.first_id, args.seed)
    sweep = measure_sweep()
    deadlines = measure_deadlines(reference, args.deadlines, args.seed)
    figures = {
        "db": connection.vendor,
        "label": "SQLite" if connection.vendor == "sqlite" else "PostgreSQL",
        "version": server_version(),
        "per_page": CASES_PER_PAGE,
        "paginator": paginator_label(),
        "cases": Case.objects.count(),
        "district": "light" if args.light else "small",
        "migrate_s": round(migrate_s, 1),
        "district_s": round(district_s, 1),
        "stages": stages,
        "sweep": sweep,
        "deadlines": deadlines,
        "database_mb": database_mb(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
    }
    print(json.dumps(figures))


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def database_mb() -> int:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("select pg_database_size(current_database())")
            return round(cursor.fetchone()[0] / 2**20)
    path = Path(settings.DATABASES["default"]["NAME"])
    return round(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20)


if __name__ == "__main__":
    main()
