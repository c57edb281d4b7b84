"""Ledger import at scale: a 200,000-row grid ledger (.xlsx) through the dry run and the commit,
on SQLite and on PostgreSQL, against the reference district; and a bare calamine read of the
same file for comparison.

    .venv/bin/python bench/import.py                        # 200,000 rows, SQLite then PostgreSQL
    .venv/bin/python bench/import.py --rows 20000 --db sqlite
    .venv/bin/python bench/import.py --profile commit       # pyinstrument profile of one phase

The ledger is generated (no database needed) from the reference district's plan
(`wangge.demo.plan.plan_district("small")`, the same seed as the district the benchmark
builds), so every address resolves to one of its households: about 10 % of the rows are
residents the district already holds (matched; 1 % of all rows with another phone: conflicts;
0.5 % without their ID number: possible matches),
the rest are new residents; realistic mess: full-width digits, 15-digit first-generation ID
numbers, lower-case x, birth dates as 2026-01-05, 2026/1/5, 2026年1月5日, 20260105, date cells
and Excel serial numbers, names typed with spaces, line breaks in addresses, rows without an
ID number, a few wrong check digits, and about 2 % exact duplicates of earlier rows.

Each database gets a throwaway database (SQLite: a file under a new temporary directory given as
WANGGE_VAR_DIR; PostgreSQL: a new database on --pg, dropped at the end) and each phase runs in
its own child process, so that its peak memory (`ru_maxrss`) is its own:
setup (migrate, build the district), dry run, commit, dry run again (must find nothing new), and
the bare read. The times are end to end: reading the file, checking every row, writing.
Prints figures; asserts nothing about time.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wangge.ledgers.tests.factories import GRID_HEADER

ROOT = Path(__file__).resolve().parent.parent
TARGET_ROWS_PER_S = 10_000
TARGET_PEAK_MB = 1024
RELATION_WORDS = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "grandparent": "祖父母",
    "sibling": "兄弟姐妹",
    "other": "其他",
}
EDUCATION_WORDS = ["小学", "初中", "高中", "中专", "大专", "本科", "硕士", "文盲"]
POLITICAL_WORDS = ["群众"] * 8 + ["中共党员", "共青团员"]
RESIDENCE_WORDS = ["人户一致"] * 8 + ["人在户不在", "户在人不在"]
EMPLOYERS = ["泉华区人民医院", "华信科技股份有限公司", "泉华燃气公司", "个体经营", "退休", "无业", "泉华区第三中学"]
ILLNESSES = ["高血压", "糖尿病", "冠心病", "慢阻肺"]
DISABILITIES = ["肢体二级", "视力一级", "听力三级", "智力四级", "精神二级"]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# The grid system's ledger as the tests write it, with the serial-number column it usually has.
HEADER = ["序号", *GRID_HEADER]


# --- the ledger -----------------------------------------------------------------------------


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generate(path: Path, rows: int, seed: int) -> dict[str, int]:
    """Write the ledger; returns what it planted."""
    import xlsxwriter

    from wangge.demo import names
    from wangge.demo.plan import plan_district
    from wangge.lib.idnumber import check_digit

    plan = plan_district("small", seed)
    rng = random.Random(f"{seed}-ledger")
    building_of = plan.buildings
    group_of = plan.groups
    households = []
    for household in plan.households:
        building = building_of[household.parent]
        grid = plan.grids[group_of[building.parent].parent]
        community = plan.communities[grid.parent]
        unit, room = household.name.removesuffix("室").split("单元")
        households.append((community.name, grid.name, building.name, f"{unit}单元", room, building.address))
    existing = list(plan.persons)
    rng.shuffle(existing)
    planted = {
        "existing": 0,
        "changed": 0,
        "existing_without_id": 0,
        "new": 0,
        "no_id": 0,
        "bad_check_digit": 0,
        "duplicates": 0,
    }
    planted |= {"full_width": 0, "first_generation": 0, "lower_x": 0, "serial_dates": 0, "date_cells": 0}
    used_ids: set[str] = set()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("网格人员台账")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, f"{plan.name}网格人员信息台账（{rows:,}条）")
    sheet.write_row(1, 0, HEADER)
    written: list[list[object]] = []
    row_number = 2

    def birth_cell(birth: dt.date) -> tuple[object, bool]:
        form = rng.random()
        if form < 0.40:
            return birth.isoformat(), False
        if form < 0.55:
            return f"{birth.year}/{birth.month}/{birth.day}", False
        if form < 0.70:
            return f"{birth.year}年{birth.month}月{birth.day}日", False
        if form < 0.80:
            return f"{birth:%Y%m%d}", False
        if form < 0.90:
            planted["serial_dates"] += 1
            return (birth - dt.date(1899, 12, 30)).days, False
        planted["date_cells"] += 1
        return birth, True

    def messy_id(number: str, birth: dt.date) -> str:
        form = rng.random()
        if form < 0.03 and 1901 <= birth.year <= 1999:
            planted["first_generation"] += 1
            return number[:6] + number[8:17]
        if form < 0.08:
            planted["full_width"] += 1
            return number.translate(FULL_WIDTH)
        if number.endswith("X") and form < 0.5:
            planted["lower_x"] += 1
            return number.lower()
        return number

    def messy_name(name: str) -> str:
        if len(name) == 2 and rng.random() < 0.03:
            return f"{name[0]}  {name[1]}"
        if rng.random() < 0.01:
            return f" {name}\u00a0"
        return name

    def emit(row: list[object], birth_is_date: bool) -> None:
        nonlocal row_number
        for col, value in enumerate(row):
            if col == 8 and birth_is_date:
                sheet.write_datetime(row_number, col, dt.datetime.combine(value, dt.time()), date_format)  # type: ignore[arg-type]
            elif isinstance(value, int | float):
                sheet.write_number(row_number, col, value)
            elif value:
                sheet.write_string(row_number, col, str(value))
        row_number += 1

    existing_index = 0
    for i in range(rows):
        if written and rng.random() < 0.02:
            planted["duplicates"] += 1
            row, is_date = rng.choice(written)
            emit([i + 1, *row[1:]], is_date)
            continue
        kind = rng.random()
        if kind < 0.10 and existing_index < len(existing):
            person = existing[existing_index]
            existing_index += 1
            planted["existing"] += 1
            h = households[person.household]
            phone = person.phone
            if kind < 0.01:
                planted["changed"] += 1
                phone = rng.choice(names.PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
            birth, is_date = birth_cell(person.birth_date)
            used_ids.add(person.id_number)
            id_cell = messy_id(person.id_number, person.birth_date)
            if 0.01 <= kind < 0.015:
                planted["existing_without_id"] += 1  # a possible match: same name, birth date, household
                id_cell = ""
            row = [i + 1, *h[:5], messy_name(person.name), "男" if person.gender == "male" else "女", birth]
            row += [RELATION_WORDS[person.relation], id_cell, phone]
            row += [""] * 12
        else:
            planted["new"] += 1
            h = households[rng.randrange(len(households))]
            gender = "male" if rng.random() < 0.5 else "female"
            surname = rng.choice(names.SURNAMES)[0]
            pool = names.MALE_GIVEN if gender == "male" else names.FEMALE_GIVEN
            name = surname + "".join(rng.choice(pool) for _i in range(rng.choice([1, 2, 2])))
            age = rng.randint(0, 95)
            birth = dt.date(2025 - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            while True:
                seq = rng.randint(0, 499) * 2 + (1 if gender == "male" else 0)
                first17 = f"370181{birth:%Y%m%d}{seq:03d}"
                number = first17 + check_digit(first17)
                if number not in used_ids:
                    used_ids.add(number)
                    break
            id_cell = messy_id(number, birth)
            if rng.random() < 0.01:
                planted["no_id"] += 1
                id_cell = ""
            elif rng.random() < 0.003:
                planted["bad_check_digit"] += 1
                id_cell = number[:17] + ("0" if number[17] != "0" else "1")
            birth_value, is_date = birth_cell(birth)
            phone = rng.choice(names.PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}" if 16 <= age <= 80 else ""
            address = f"{h[5]}{h[3]}{h[4]}室"
            if rng.random() < 0.02:
                address = address.replace("号", "号\n", 1)
            sensitive = ["", "", "", "", ""]
            if rng.random() < 0.05:
                sensitive[0] = rng.choice(DISABILITIES)
            if age > 50 and rng.random() < 0.2:
                sensitive[1] = rng.choice(ILLNESSES)
            if rng.random() < 0.03:
                sensitive[2] = rng.choice(["低保", "特困"])
            if age >= 70 and rng.random() < 0.1:
                sensitive[3] = "是"
            if age < 16 and rng.random() < 0.05:
                sensitive[4] = "√"
            row = [i + 1, *h[:5], messy_name(name), "男" if gender == "male" else "女", birth_value]
            row += [rng.choice(list(RELATION_WORDS.values())), id_cell, phone, address, address]
            row += [rng.choice(RESIDENCE_WORDS), rng.choice(POLITICAL_WORDS), rng.choice(EDUCATION_WORDS)]
            row += [rng.choice(EMPLOYERS), "汉族" if rng.random() < 0.95 else "回族", *sensitive]
        emit(row, is_date)
        if rng.random() < 0.05:
            written.append((row, is_date))  # type: ignore[arg-type]
    book.close()
    return planted


# --- the children ---------------------------------------------------------------------------


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def child(phase: str, args: argparse.Namespace) -> dict[str, object]:
    if phase == "bare":
        from python_calamine import CalamineWorkbook

        started, cpu = time.perf_counter(), time.process_time()
        sheet = CalamineWorkbook.from_path(args.file).get_sheet_by_index(0)
        rows = sum(1 for _row in sheet.iter_rows())
        return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "rows": rows - 2}
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    if phase == "setup":
        from wangge.demo.generator import build_reference_district

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        result = build_reference_district("small", args.seed)
        return {"seconds": time.perf_counter() - started, "counts": result.counts, "vendor": connection.vendor}
    from wangge.areas.models import AreaNode, Level
    from wangge.ledgers.actions import import_people
    from wangge.people.models import Person

    district = AreaNode.objects.get(level=Level.DISTRICT)
    persons_before = Person.objects.count()
    commit = phase == "commit"
    profiler = None
    if args.profile == phase:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    server_cpu = _server_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    outcome = import_people(None, district=district, path=args.file, layout="grid", commit=commit)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server_cpu = _server_cpu() - server_cpu
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False), file=sys.stderr)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "counts": outcome.check.counts(),
        "queued": outcome.queued,
        "check_s": outcome.seconds.get("check", 0.0),
        "write_s": outcome.seconds.get("write", 0.0),
        "persons_added": Person.objects.count() - persons_before,
        # The process that read and parsed the file, when the import used one (ledgers.pipeline).
        "helper_peak_mb": round(outcome.check.helper_peak_kb / 1024),
        "helper_cpu": outcome.check.helper_cpu_s,
        "server_cpu": server_cpu,
        "vendor": connection.vendor,
        "version": connection.Database.sqlite_version if connection.vendor == "sqlite" else str(connection.pg_version),
    }


def _server_cpu() -> float:
    """CPU seconds spent so far by this connection's PostgreSQL backend (a server on this
    machine; 0 elsewhere and on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(phase: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", phase, "--file", args.file, "--seed", str(args.seed)]
    if args.profile:
        command += ["--profile", args.profile]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


def one_database(db: str, args: argparse.Namespace) -> dict[str, object]:
    var_dir = tempfile.mkdtemp(prefix=f"wangge-bench-import-{db}-")
    env = dict(os.environ, WANGGE_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="wangge.settings")
    env.pop("DATABASE_URL", None)
    database = None
    if db == "postgres":
        import psycopg

        database = f"wangge_bench_import_{os.getpid()}"
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database}")
            conn.execute(f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = f"{args.pg}/{database}"
    figures: dict[str, object] = {"db": db}
    try:
        for phase in ("setup", "dry_run", "commit", "again"):
            print(f"  {db}: {phase} …", file=sys.stderr, flush=True)
            figures[phase] = run_child(phase, env, args)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        if database:
            import psycopg

            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--file", default="", help="the ledger (default: generated under /tmp)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument(
        "--profile", choices=["dry_run", "commit", "again"], help="print a pyinstrument profile of a phase"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(args.child, args)
        # Peak memory: this process's plus that of the import's helper process, if any (both
        # run at the same time, so the sum is the bound).
        result["parent_peak_mb"] = peak_mb()
        result["peak_mb"] = result["parent_peak_mb"] + int(result.get("helper_peak_mb", 0))  # type: ignore[call-overload]
        print(json.dumps(result, default=str))
        return

    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        flush=True,
    )
    generated = not args.file
    if generated:
        args.file = str(Path(tempfile.gettempdir()) / f"wangge-bench-ledger-{args.rows}.xlsx")
        _setup_django()
        started = time.perf_counter()
        planted = generate(Path(args.file), args.rows, args.seed)
        size = Path(args.file).stat().st_size / 2**20
        took = time.perf_counter() - started
        print(f"ledger: {args.file} ({size:.1f} MB), generated in {took:.1f} s; planted {planted}")
    bare = run_child("bare", dict(os.environ), args)
    print(
        f"bare calamine read: {bare['rows']:,} rows in {bare['seconds']:.2f} s "
        f"({bare['rows'] / bare['seconds']:,.0f} rows/s), peak {bare['peak_mb']} MB"
    )
    results = [one_database(db, args) for db in (["sqlite", "postgres"] if args.db == "both" else [args.db])]
    for figures in results:
        setup = figures["setup"]
        print(f"\n{figures['db']} ({figures['dry_run']['version']}): district built in {setup['seconds']:.1f} s")
        for phase in ("dry_run", "commit", "again"):
            f = figures[phase]
            rate = f["counts"]["rows"] / f["seconds"]
            print(
                f"  {phase:<8} {f['seconds']:>7.1f} s wall {f['cpu']:>7.1f} s CPU "
                f"(helper {f.get('helper_cpu', 0.0):.1f} s, server {f.get('server_cpu', 0.0):.1f} s) "
                f"{rate:>9,.0f} rows/s "
                f"(check {f['check_s']:.1f} s, write {f['write_s']:.1f} s; ours / bare read: "
                f"{f['seconds'] / bare['seconds']:.1f}×) peak {f['peak_mb']:>5} MB "
                f"({f['parent_peak_mb']} + helper {f.get('helper_peak_mb', 0)})  "
                f"{f['counts']}  persons added {f['persons_added']:,} queued {f['queued']:,}"
            )
        commit = figures["commit"]
        rate = commit["counts"]["rows"] / commit["seconds"]
        print(
            f"  target ≥ {TARGET_ROWS_PER_S:,} rows/s committed: {'met' if rate >= TARGET_ROWS_PER_S else 'MISSED'} "
            f"({rate:,.0f}); peak ≤ {TARGET_PEAK_MB} MB: "
            f"{'met' if max(figures[p]['peak_mb'] for p in ('dry_run', 'commit')) <= TARGET_PEAK_MB else 'MISSED'}"
        )
        again = figures["again"]["counts"]
        print(f"  re-import: new {again['new']}, matched {again['matched']} (idempotent: {again['new'] == 0})")
    if generated:
        os.unlink(args.file)
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
