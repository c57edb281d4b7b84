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
import bisect
import datetime as dt
import json
import math
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEARS = 3
TARGET_P95_MS = 50.0
CHUNK = 50_000
DAY = 86_400.0
HOUR = 3_600.0

# Which department the cases of each group of the default catalogue go to; INBOX stands for
# the unit of the demo's `department` account (the demo's choice, else 城市管理局), which so gets
# the two busiest groups.
INBOX = ""
ROUTES = {"CG": INBOX, "HJ": INBOX, "SZ": "住房和城乡建设局", "WY": "住房和城乡建设局", "MD": "司法局", "MS": "民政局"}
CO_HANDLERS = ["生态环境局", "市场监督管理局", "城市管理局", "民政局"]
# Relative frequency of each category (by code); the rest weigh 1.
CATEGORY_WEIGHTS = {"HJ01": 6, "CG01": 5, "SZ01": 4, "SZ02": 3, "WY02": 3, "HJ02": 3, "MD01": 2, "WY01": 2}
CHANNELS = [("patrol", 45), ("visit", 15), ("phone", 20), ("web", 10), ("open311", 5), ("api", 5)]
# Reports by local hour of the day.
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 8, 10, 12, 12, 11, 9, 6, 5, 4, 3, 2, 1]
DESCRIPTIONS = [
    "{place}附近{what}，已影响居民出行，请尽快处理。",
    "居民反映{place}{what}，持续多日。",
    "网格员巡查发现{place}{what}，现场已拍照。",
    "{place}{what}，希望有关部门尽快到场查看并给予答复。",
]


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


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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
        "paginator": _paginator_label(),
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


class Reference:
    """The district, its grids and buildings, the catalogue, the units and the three personas."""

    @classmethod
    def build(cls, light: bool) -> "Reference":
        from wangge.accounts.models import User
        from wangge.areas.models import AreaNode, Level
        from wangge.cases.catalogue import install_default_catalogue
        from wangge.cases.models import Category, HandlingUnit, RoutingRule
        from wangge.cases.queries import dispatch_unit
        from wangge.demo.blueprint import ScaleSpec
        from wangge.demo.generator import build_reference_district

        # The lighter district of wangge/demo/tests/test_demo.py: same areas and accounts, fewer households.
        light_spec = ScaleSpec(
            households=2_000, groups_per_grid=(1, 2), buildings_per_group=(1, 2), units=(1, 1), floors=(2, 4)
        )
        result = build_reference_district("small", spec=light_spec if light else None)
        self = cls()
        self.district = district = result.district
        # The demo may already have installed the catalogue, units, routing and a few cases of
        # its own (filed through the actions); complete what is missing, keep what is there.
        install_default_catalogue(district)
        self.categories = list(
            Category.objects.filter(district=district, parent__isnull=False).select_related("parent").order_by("code")
        )
        units = {u.name: u for u in HandlingUnit.objects.filter(district=district)}
        self.dispatch = dispatch_unit(district.pk)
        users = {u.username: u for u in User.objects.filter(username__in=["grid_worker", "department", "supervisor"])}
        self.grid_worker, self.department, self.supervisor = (
            users["grid_worker"],
            users["department"],
            users["supervisor"],
        )
        inbox = self.department.units.filter(district=district).order_by("pk").first()  # type: ignore[attr-defined]
        if inbox is None:
            inbox = units["城市管理局"]
            inbox.users.add(self.department)
        routes = {group: unit or inbox.name for group, unit in ROUTES.items()}
        if not RoutingRule.objects.filter(district=district).exists():
            for priority, (group, unit) in enumerate(routes.items()):
                RoutingRule.objects.create(
                    district=district,
                    priority=10 * (priority + 1),
                    category=Category.objects.get(district=district, code=group),
                    unit=units[unit],
                )
        self.unit_of = {c.pk: units[routes[c.parent.code]].pk for c in self.categories}
        self.co_handlers = [units[name].pk for name in CO_HANDLERS]
        buildings: dict[int, list[tuple[int, float, float]]] = {}
        for pk, grid_id, lng, lat in AreaNode.objects.filter(district=district, level=Level.BUILDING).values_list(
            "pk", "grid_id", "lng", "lat"
        ):
            buildings.setdefault(grid_id, []).append((pk, lng, lat))
        self.grids = [
            (pk, community_id, buildings.get(pk, []))
            for pk, community_id in AreaNode.objects.filter(district=district, level=Level.GRID)
            .order_by("code")
            .values_list("pk", "community_id")
        ]
        self.my_grid = self.grid_worker.assignments.get().area_id
        return self


class CaseFactory:
    """Cases with made-up lives, written straight into the tables, ordered by filing time."""

    def __init__(self, reference: Reference, vendor: str, seed: int) -> None:
        from wangge.calendars.queries import calendar_for
        from wangge.cases.models import Case, CaseSequence

        self.r = reference
        self.vendor = vendor
        self.rng = random.Random(seed)
        self.calendar = calendar_for(reference.district.pk)
        self.now = time.time()
        self.start = self.now - YEARS * 365 * DAY
        self.written = 0
        self.next_id = self.first_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        # Case numbers go on from the district's sequences (the demo files a few cases itself).
        self.sequence: Counter[str] = Counter(
            {
                day.isoformat(): last
                for day, last in CaseSequence.objects.filter(district=reference.district).values_list("day", "last")
            }
        )
        self.due_cache: dict[tuple[int, dt.date], float] = {}
        weights = [CATEGORY_WEIGHTS.get(c.code, 1) for c in reference.categories]
        self.category_cum = list(_cumulative(weights))
        # Busier and quieter grids; the grid worker's is one of the busiest.
        self.grid_cum = list(
            _cumulative([3.0 if g[0] == reference.my_grid else self.rng.uniform(0.4, 1.6) for g in reference.grids])
        )
        self.channel_cum = list(_cumulative([w for _c, w in CHANNELS]))
        self.hour_cum = list(_cumulative(HOURS))
        places = ["小区东门", "菜市场", "幼儿园门口", "公交站", "健身广场", "3号楼", "沿街商铺", "地下通道"]
        self.texts = {
            c.pk: [t.format(place=p, what=c.name) for t in DESCRIPTIONS for p in places] for c in reference.categories
        }

    # Picking -------------------------------------------------------------------------------

    def _pick(self, cumulative: list[float]) -> int:
        return bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])

    def _filing_times(self, count: int) -> list[float]:
        """Filing moments over the three years: growing by a third, fewer at weekends and at night."""
        rng, times = self.rng, []
        start_day = dt.datetime.fromtimestamp(self.start, SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
        days = YEARS * 365 + 1
        while len(times) < count:
            # Density rising linearly from 1 to 4/3 over the period: x from the inverse of its
            # distribution function F(x) = (6x + x²) / 7 on [0, 1].
            x = -3 + math.sqrt(9 + 7 * rng.random())
            day = start_day + dt.timedelta(days=int(min(x, 0.999999) * days))
            if day.weekday() >= 5 and rng.random() > 0.6:
                continue
            moment = day.timestamp() + self._pick(self.hour_cum) * HOUR + rng.random() * HOUR
            if self.start <= moment < self.now:
                times.append(moment)
        times.sort()
        return times

    def due(self, category, accepted: float) -> float:  # type: ignore[no-untyped-def]
        """Exactly `compute_due_at`, on the calendar loaded once (days-based ones cached by date)."""
        from wangge.cases.models import TimeLimitUnit

        local = dt.datetime.fromtimestamp(accepted, SHANGHAI)
        if category.time_limit_unit == TimeLimitUnit.WORKING_HOURS:
            return self.calendar.add_working_hours(local, category.time_limit).timestamp()
        key = (category.pk, local.date())
        found = self.due_cache.get(key)
        if found is None:
            day = self.calendar.add_working_days(local.date(), category.time_limit)
            found = self.due_cache[key] = self.calendar.end_of_working_day(day, SHANGHAI).timestamp()
        return found

    # Writing -------------------------------------------------------------------------------

    def write(self, count: int) -> dict:  # type: ignore[type-arg]
        from django.db import connection, transaction

        from wangge.cases.models import Case, CaseSequence, CoHandling, Extension, Supervision, SupervisionParty

        started, cpu = time.perf_counter(), time.process_time()
        times = self._filing_times(count)
        side: dict[str, list[tuple]] = {"supervision": [], "supervisionparty": [], "cohandling": [], "extension": []}  # type: ignore[type-arg]
        self.next_supervision = (Supervision.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        case_writer = Writer(Case, self.vendor)
        for offset in range(0, count, CHUNK):
            rows = [self._case(moment, side) for moment in times[offset : offset + CHUNK]]
            with transaction.atomic():
                case_writer.write(rows)
            self.written += len(rows)
            log(f"{self.written:,} cases written, {time.perf_counter() - started:.0f} s")
        with transaction.atomic():
            for model in (Supervision, SupervisionParty, CoHandling, Extension):
                Writer(model, self.vendor).write(side[model._meta.model_name])
            CaseSequence.objects.filter(district=self.r.district).delete()
            sequence = Writer(CaseSequence, self.vendor)
            sequence.write(
                [
                    sequence.row(
                        district_id=self.r.district.pk,
                        day=day if self.vendor == "sqlite" else dt.date.fromisoformat(day),
                        last=last,
                    )
                    for day, last in sorted(self.sequence.items())
                ]
            )
        side_rows = sum(len(side[name]) for name in ("supervision", "cohandling", "extension"))
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                _no_style(), [Case, Supervision, SupervisionParty, CoHandling, Extension, CaseSequence]
            ):
                cursor.execute(statement)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        analyze_started = time.perf_counter()
        analyze()
        return {
            "cases": count,
            "seconds": round(seconds, 1),
            "cpu": round(cpu, 1),
            "side_rows": side_rows,
            "analyze_s": round(time.perf_counter() - analyze_started, 1),
        }

    def _case(self, filed: float, side: dict) -> tuple:  # type: ignore[type-arg]
        """One case filed at `filed`: its life, cut at now. Side rows are added to `side`."""
        rng, r, now, ts = self.rng, self.r, self.now, self.ts
        pk = self.next_id
        self.next_id += 1
        category = r.categories[self._pick(self.category_cum)]
        grid_id, community_id, buildings = r.grids[self._pick(self.grid_cum)]
        channel = CHANNELS[self._pick(self.channel_cum)][0]
        building_id, lng, lat = rng.choice(buildings) if buildings else (None, None, None)
        if lng is not None:
            lng, lat = lng + rng.uniform(-3e-4, 3e-4), lat + rng.uniform(-3e-4, 3e-4)
        if rng.random() < 0.5:
            building_id = None
        day = dt.datetime.fromtimestamp(filed, SHANGHAI).date().isoformat()
        self.sequence[day] += 1
        number = f"{r.district.code}-{day.replace('-', '')}-{self.sequence[day]:04d}"
        unit = accepted = due = handled = closed = marked = None
        overdue = False
        steps = 1
        updated = filed
        fate = rng.random()
        if fate < 0.05:  # not accepted (3 %) or merged into another report (2 %)
            decided = filed + rng.expovariate(1 / (3 * HOUR))
            if decided < now:
                state, closed, updated, steps = ("rejected" if fate < 0.03 else "duplicate"), decided, decided, 2
            else:
                state = "reported"
        else:
            accepted = filed + rng.expovariate(1 / (3 * HOUR))
            due = self.due(category, accepted)
            dispatched = accepted + rng.expovariate(1 / HOUR)
            started_at = dispatched + rng.expovariate(1 / (4 * HOUR))
            if rng.random() < (0.2 if category.time_limit >= 10 else 0.06):  # stuck for weeks or months
                handled_at = started_at + rng.uniform(15, 365) * DAY
            else:
                handled_at = started_at + (due - accepted) * rng.lognormvariate(math.log(0.5), 0.55)
            verified = handled_at + rng.expovariate(1 / (12 * HOUR))
            visited = verified + rng.expovariate(1 / (2 * DAY)) if category.return_visit_required else verified
            unit = r.unit_of[category.pk]
            if now < accepted:
                state, accepted, due, unit = "reported", None, None, None
            elif now < dispatched:
                state, updated, steps = "accepted", accepted, 2
            elif now < started_at:
                state, updated, steps = "dispatched", dispatched, 3
            elif now < handled_at:
                state, updated, steps = "in_progress", started_at, 4
                roll = rng.random()
                if roll < 0.08:
                    state, steps = "on_hold", 5
                elif roll < 0.11:
                    state, unit, steps = "returned", r.dispatch.pk, 5
                elif roll < 0.12:
                    state, steps = "reopened", 8
            elif now < verified:
                state, handled, updated, steps = "handled", handled_at, handled_at, 5
            elif now < visited:
                state, handled, updated, steps = "verified", handled_at, verified, 6
                if rng.random() < 0.15:
                    state, steps = "visited", 7
            else:
                state, handled, closed, updated, steps = "closed", handled_at, visited, visited, 7
            if state != "reported" and due < min(handled_at, now):  # the sweep has marked it
                overdue, marked = True, due + rng.uniform(30, 300)
        open_ = state not in ("closed", "rejected", "duplicate")
        if accepted is not None and rng.random() < (0.35 if overdue and open_ else 0.1 if overdue else 0.01):
            opened = (due if overdue else accepted) + rng.uniform(0.5, 5) * DAY
            if opened < now:
                supervision_id = self.next_supervision
                self.next_supervision += 1
                side["supervision"].append(
                    (
                        supervision_id,
                        ts(opened),
                        ts(opened),
                        r.district.pk,
                        pk,
                        "red" if rng.random() < 0.3 else "yellow",
                        r.supervisor.pk,
                        None if open_ else ts(closed or now),
                    )
                )
                side["supervisionparty"].append((supervision_id, "区委督查室", r.supervisor.pk, ts(opened), ""))
                steps += 1
        if accepted is not None and state not in ("reported", "accepted") and rng.random() < 0.04:
            others = [u for u in r.co_handlers if u != unit]
            co_state = "open" if open_ else "finished"
            side["cohandling"].append(
                (
                    ts(accepted),
                    ts(closed or updated),
                    pk,
                    rng.choice(others),
                    "配合现场处置",
                    ts(due),
                    co_state,
                    "" if open_ else "已配合处置完毕",
                    None if open_ else ts(closed or updated),
                )
            )
        if state in ("dispatched", "in_progress", "on_hold") and rng.random() < 0.02:
            side["extension"].append((ts(updated), ts(updated), pk, r.department.pk, 3, "需协调施工单位", "requested"))
        reporter_filed_by = r.grid_worker.pk if channel == "patrol" and grid_id == r.my_grid else None
        return (
            pk,
            ts(filed),
            ts(updated),
            r.district.pk,
            number,
            category.pk,
            state,
            channel,
            rng.choice(self.texts[category.pk]),
            lng,
            lat,
            building_id,
            community_id,
            grid_id,
            reporter_filed_by,
            unit,
            ts(accepted),
            ts(due),
            ts(handled),
            ts(closed),
            overdue,
            ts(marked),
            steps,
        )

    def ts(self, moment: float | None):  # type: ignore[no-untyped-def]
        """A moment as the database adapter wants it: an aware datetime, or on SQLite the text
        Django writes (UTC, naive, `str()`)."""
        if moment is None:
            return None
        value = dt.datetime.fromtimestamp(moment, dt.UTC)
        return str(value.replace(tzinfo=None)) if self.vendor == "sqlite" else value


CASE_FIELDS = [
    "id",
    "created_at",
    "updated_at",
    "district_id",
    "number",
    "category_id",
    "state",
    "channel",
    "description",
    "lng",
    "lat",
    "building_id",
    "community_id",
    "grid_id",
    "filed_by_id",
    "unit_id",
    "accepted_at",
    "due_at",
    "handled_at",
    "closed_at",
    "overdue",
    "overdue_marked_at",
    "version",
]
FIELDS = {
    "case": CASE_FIELDS,
    "supervision": ["id", "created_at", "updated_at", "district_id", "case_id", "level", "opened_by_id", "closed_at"],
    "supervisionparty": ["supervision_id", "body", "user_id", "joined_at", "note"],
    "cohandling": [
        "created_at",
        "updated_at",
        "case_id",
        "unit_id",
        "task",
        "due_at",
        "state",
        "result",
        "finished_at",
    ],
    "extension": ["created_at", "updated_at", "case_id", "requested_by_id", "days", "reason", "state"],
    "casesequence": ["district_id", "day", "last"],
}


class Writer:
    """Rows straight into a model's table: COPY on PostgreSQL, executemany on SQLite. Columns the
    generator does not set get the field's default, prepared once."""

    def __init__(self, model, vendor: str) -> None:  # type: ignore[no-untyped-def]
        from django.db import connection

        self.model, self.vendor = model, vendor
        self.fields = FIELDS[model._meta.model_name]
        given = set(self.fields)
        rest = [f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key]
        self.constant = tuple(_prepared_default(f, connection) for f in rest)
        self.columns = [model._meta.get_field(name).column for name in self.fields] + [f.column for f in rest]

    def row(self, **values: object) -> tuple:  # type: ignore[type-arg]
        return tuple(values[name] for name in self.fields)

    def write(self, rows: list[tuple]) -> None:  # type: ignore[type-arg]
        from django.db import connection

        if not rows:
            return
        table = self.model._meta.db_table
        columns = ", ".join(f'"{c}"' for c in self.columns)
        constant = self.constant
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row + constant)
        else:
            connection.ensure_connection()
            marks = ", ".join("?" * len(self.columns))
            connection.connection.executemany(
                f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', (row + constant for row in rows)
            )


def _prepared_default(field, connection):  # type: ignore[no-untyped-def]
    import json as json_module

    from django.db import models

    default = field.get_default()
    if isinstance(field, models.JSONField):
        return json_module.dumps(default)
    return field.get_db_prep_save(default, connection)


def _no_style():  # type: ignore[no-untyped-def]
    from django.core.management.color import no_style

    return no_style()


def _cumulative(weights: list[float]):  # type: ignore[no-untyped-def]
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def analyze() -> None:
    """Planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would keep them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("cases_case", "cases_supervision", "cases_cohandling", "cases_extension"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


def census(reference: Reference) -> dict:  # type: ignore[type-arg]
    from django.db.models import Count

    from wangge.cases.models import Case, Supervision
    from wangge.cases.workflow import OPEN_STATES

    states = dict(Case.objects.order_by().values_list("state").annotate(n=Count("id")))
    return {
        "states": dict(sorted(states.items(), key=lambda kv: -kv[1])),
        "open": Case.objects.filter(state__in=OPEN_STATES).count(),
        "open_overdue": Case.objects.filter(state__in=OPEN_STATES, overdue=True).count(),
        "supervised_open": Supervision.objects.filter(closed_at__isnull=True).count(),
    }


# --- measuring ---------------------------------------------------------------------------------


def the_lists(reference: Reference) -> dict[str, tuple]:  # type: ignore[type-arg]
    """name → (user, list, the page's query parameters): the web pages' lists (`wangge.web.cases`)."""
    r = reference
    hj = next(c.parent for c in r.categories if c.parent.code == "HJ")
    quiet = min(r.categories, key=lambda c: (CATEGORY_WEIGHTS.get(c.code, 1), c.code))
    return {
        "grid worker's worklist": (r.grid_worker, "grid", {}),
        "  + flag=overdue": (r.grid_worker, "grid", {"flag": "overdue"}),
        "department inbox": (r.department, "inbox", {}),
        "supervision queue": (r.supervisor, "supervision", {}),
        "public board": (None, "board", {}),
        f"  + category={hj.code} (group)": (None, "board", {"category": str(hj.pk)}),
        f"  + category={quiet.code}": (None, "board", {"category": str(quiet.pk)}),
        "  + state=open": (None, "board", {"state": "open"}),
    }


def page_queryset(reference: Reference, user, name: str, params: dict):  # type: ignore[no-untyped-def,type-arg]
    """The queryset the page paginates, built as `wangge.web.cases.case_list` and `board` build it."""
    from wangge.cases.queries import public_board, with_flags, worklist
    from wangge.web.cases import _filter

    if name == "board":
        cases, _chosen = _filter(with_flags(public_board(reference.district.pk)), params)
        return cases.select_related("category", "community")
    cases, _chosen = _filter(with_flags(worklist(user, name)).select_related("category", "grid", "unit"), params)
    return cases


def _request(reference: Reference, user, name: str, params: dict, paginate: bool) -> tuple[int, int]:  # type: ignore[no-untyped-def,type-arg]
    """What a request does: load the user's scope afresh, build the list, then either the page as
    the web shows it (its paginator: a count, then the rows) or the first page's rows alone;
    read what each row shows."""
    from wangge.accounts.scope import forget_assignments
    from wangge.web.cases import CASES_PER_PAGE

    if user is not None:
        forget_assignments(user)
    cases = page_queryset(reference, user, name, params)
    if paginate:
        page = page_paginator()(cases, CASES_PER_PAGE).get_page(1)
        rows, total = page.object_list, page.paginator.count
    else:
        rows, total = cases[:CASES_PER_PAGE], -1
    shown = [
        (c.number, c.category.name, c.get_state_display(), c.due_at, c.due_soon, c.grid_id and c.grid.name)
        if name != "board"
        else (c.number, c.category.name, c.get_state_display(), c.due_at, c.community_id and c.community.name)
        for c in rows
    ]
    return len(shown), total


def _paginator_label() -> str:
    paginator = page_paginator()
    cap = getattr(paginator, "cap", None)
    return f"{paginator.__name__} (counts at most {cap + 1:,} rows)" if cap else f"{paginator.__name__} (exact count)"


def page_paginator():  # type: ignore[no-untyped-def]
    """The paginator the pages use: `wangge.web.cases.CappedPaginator` (a count of at most
    `cap` + 1 rows) where the web app has it, else Django's (an exact COUNT)."""
    from django.core.paginator import Paginator

    from wangge.web import cases as web_cases

    return getattr(web_cases, "CappedPaginator", Paginator)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _timed(repeat: int, function, *args: object) -> list[float]:  # type: ignore[no-untyped-def]
    for _i in range(3):
        function(*args)
    times = []
    for _i in range(repeat):
        started = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - started)
    return times


def measure_lists(reference: Reference, args: argparse.Namespace, explain: bool) -> dict:  # type: ignore[type-arg]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.web.cases import CASES_PER_PAGE

    figures = {}
    for label, (user, name, params) in the_lists(reference).items():
        load = os.getloadavg()[0]
        rows = _timed(args.repeat, _request, reference, user, name, params, False)
        pages = _timed(args.repeat, _request, reference, user, name, params, True)
        with CaptureQueriesContext(connection) as captured:
            shown, total = _request(reference, user, name, params, paginate=True)
        # The exact COUNT(*) of the list (what an uncapped paginator or the API's count pays).
        counts = _timed(max(10, args.repeat // 10), lambda qs: qs.count(), page_queryset(reference, user, name, params))
        exact = page_queryset(reference, user, name, params).count()
        figures[label] = {
            "shown": shown,
            "total": exact,
            "page_count": total,
            "rows_p50_ms": round(statistics.median(rows) * 1000, 2),
            "rows_p95_ms": round(percentile(rows, 0.95) * 1000, 2),
            "page_p50_ms": round(statistics.median(pages) * 1000, 2),
            "page_p95_ms": round(percentile(pages, 0.95) * 1000, 2),
            "queries": len(captured),
            "count_p50_ms": round(statistics.median(counts) * 1000, 1),
            "load": round((load + os.getloadavg()[0]) / 2, 1),
        }
        log(f"{label}: {figures[label]}")
        if explain:
            queryset = page_queryset(reference, user, name, params)
            options = {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
            plan = queryset[:CASES_PER_PAGE].explain(**options)
            print(f"\n-- {label}\n{queryset.query}\n{plan}\n", file=sys.stderr, flush=True)
    return figures


def check_deadlines(first_id: int, seed: int) -> None:
    """The deadlines written are what `compute_due_at` gives (a sample)."""
    from wangge.cases.models import Case
    from wangge.cases.queries import compute_due_at

    rng = random.Random(seed)
    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    sample = Case.objects.filter(pk__in=[rng.randint(first_id, top) for _i in range(300)], accepted_at__isnull=False)
    checked = 0
    for case in sample.select_related("category"):
        expected = compute_due_at(case.category, case.accepted_at, case.district_id)
        assert case.due_at == expected, (case.number, case.due_at, expected)
        checked += 1
    log(f"deadlines of {checked} sampled cases equal compute_due_at")


def measure_sweep() -> dict:  # type: ignore[type-arg]
    from django.db import connection
    from django.utils import timezone

    from wangge.cases.actions import sweep_overdue
    from wangge.cases.models import Case
    from wangge.cases.workflow import OPEN_STATES

    queries = [0]

    def counter(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries[0] += 1
        return execute(sql, params, many, context)

    open_count = Case.objects.filter(state__in=OPEN_STATES).count()
    sweepable = Case.objects.filter(state__in=OPEN_STATES).exclude(state__in=["handled", "verified", "visited"])
    sweepable.filter(overdue=True).update(overdue=False, overdue_marked_at=None)
    analyze()
    pending = sweepable.filter(due_at__lte=timezone.now()).count()
    log(f"sweeping: {open_count:,} open, {pending:,} past due and unmarked")
    marked = calls = 0
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        while True:
            calls += 1
            done = sweep_overdue()
            marked += done
            if not done:
                break
        seconds = time.perf_counter() - started
    idle = []
    for _i in range(20):
        started = time.perf_counter()
        sweep_overdue()
        idle.append(time.perf_counter() - started)
    return {
        "open": open_count,
        "pending": pending,
        "marked": marked,
        "calls": calls,
        "queries": queries[0],
        "seconds": round(seconds, 2),
        "ms_per_case": round(seconds / marked * 1000, 2) if marked else 0.0,
        "idle_p50_ms": round(statistics.median(idle) * 1000, 1),
        "idle_p95_ms": round(percentile(idle, 0.95) * 1000, 1),
    }


def measure_deadlines(reference: Reference, calls: int, seed: int) -> dict:  # type: ignore[type-arg]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.calendars.queries import calendar_for
    from wangge.cases.models import TimeLimitUnit
    from wangge.cases.queries import compute_due_at

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    inputs = [
        (rng.choice(reference.categories), now - dt.timedelta(seconds=rng.uniform(0, YEARS * 365 * DAY)))
        for _i in range(calls)
    ]
    district_id = reference.district.pk
    compute_due_at(inputs[0][0], inputs[0][1], district_id)
    with CaptureQueriesContext(connection) as captured:
        compute_due_at(inputs[0][0], inputs[0][1], district_id)
    started = time.perf_counter()
    for category, accepted in inputs:
        compute_due_at(category, accepted, district_id)
    seconds = time.perf_counter() - started
    # The same arithmetic on a calendar loaded once: what the stamp queries cost.
    calendar = calendar_for(district_id)
    started = time.perf_counter()
    for category, accepted in inputs:
        local = accepted.astimezone(SHANGHAI)
        if category.time_limit_unit == TimeLimitUnit.WORKING_HOURS:
            calendar.add_working_hours(local, category.time_limit)
        else:
            calendar.end_of_working_day(calendar.add_working_days(local.date(), category.time_limit), SHANGHAI)
    arithmetic = time.perf_counter() - started
    return {
        "calls": calls,
        "per_s": round(calls / seconds),
        "queries_per_call": len(captured),
        "arithmetic_per_s": round(calls / arithmetic),
    }


if __name__ == "__main__":
    main()
