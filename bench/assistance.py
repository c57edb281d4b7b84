"""困难帮扶: the worklist, the figures and pairing suggestions over the demo district, and the
commit of a survey round's sheet.

    .venv/bin/python bench/assistance.py                        # small scale, SQLite in a temporary directory
    .venv/bin/python bench/assistance.py --scale full           # 38 communities, 181 grids
    .venv/bin/python bench/assistance.py --scale full --pg postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/assistance.py --survey-rows 5000     # and a 5,000-row survey sheet

A fresh database (`demo_db.fresh_database`: a temporary SQLite file, or with --pg a throwaway
PostgreSQL database, dropped at the end unless --keep) is migrated and filled with the reference
district, whose households in difficulty (`wangge/demo/assistance.py`: about 3 % of the
households, pairs with members, the volunteer, resident units and social organisations, a year
of helps) are what the worklist and the figures read. Then, for the district, its first
community and its first grid: `assistance.queries.worklist`, `assistance.figures.figures`
(coverage, by state, by cause) and `assistance.benefited.benefited` over the last 365 days —
time (best of --repeat), queries (the same for every area: they do not grow with the rows) and
rows found — and `assistance.queries.suggestions` for the first dossier of each.

With --survey-rows N: a survey round over the district (every household listed) and a sheet of
N of its households (each with a cause and a need, one in three with a family situation), read
by `onboarding.survey.import_survey`: the dry run, then the commit (timed once: it writes).
Asserts nothing about time.
"""

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from demo_db import add_database_arguments, fresh_database, load, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="small", choices=["small", "full"])
    parser.add_argument("--repeat", type=int, default=3, help="runs per question, best kept (3)")
    parser.add_argument("--survey-rows", type=int, default=0, help="rows of a survey sheet to import (0: none)")
    parser.add_argument(
        "--dossier-share",
        type=float,
        default=0.0,
        help="share of the households given a dossier (default: the demo's 3 %%); 0.3 at small scale writes "
        "as many assistance records as the full scale (100,000 households) holds",
    )
    add_database_arguments(parser, "wangge_bench_assistance")
    args = parser.parse_args()
    with fresh_database(args, "assistance"):
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from wangge.areas.models import AreaNode, Level
    from wangge.assistance.benefited import benefited
    from wangge.assistance.figures import figures
    from wangge.assistance.models import ACTIVE_STATES, Dossier
    from wangge.assistance.queries import in_area, suggestions, worklist
    from wangge.demo import assistance as demo_assistance
    from wangge.demo.generator import build_reference_district

    if args.dossier_share:
        demo_assistance.SHARE = args.dossier_share
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result = build_reference_district(args.scale)
    district = result.district
    print(
        f"migrated and built the {args.scale} district in {time.perf_counter() - started:.0f} s "
        f"(assistance: {result.timings.get('assistance', 0):.1f} s): "
        f"{AreaNode.objects.filter(district=district, level=Level.COMMUNITY).count()} communities, "
        f"{AreaNode.objects.filter(district=district, level=Level.GRID).count()} grids, "
        f"{AreaNode.objects.filter(district=district, level=Level.HOUSEHOLD).count():,} households; "
        + ", ".join(f"{n:,} {name}" for name, n in (result.assistance or {}).items()),
        flush=True,
    )
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
        dossier = in_area(Dossier.objects.filter(state__in=ACTIVE_STATES), area).select_related("household").first()
        if dossier is not None:
            seconds, queries, found_helpers = measure(args.repeat, lambda d=dossier: suggestions(d))
            kinds = sorted({s.kind for s in found_helpers})
            found = f"{len(found_helpers)} helpers ({', '.join(kinds)})"
            print(f"{'pairing suggestions':<28}{label:<12}{seconds * 1000:>9.1f}{queries:>9}  {found}")
    if args.survey_rows:
        survey_sheet(args, district)
    print(f"\nload average after: {load()}")


def survey_sheet(args: argparse.Namespace, district) -> None:  # type: ignore[no-untyped-def]
    """A round over the district and a sheet of --survey-rows of its households: dry run, commit."""
    import openpyxl
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from wangge.accounts.models import User
    from wangge.areas.models import AreaNode, Level
    from wangge.assistance.actions import create_survey_round
    from wangge.onboarding.survey import import_survey

    admin = User.objects.get(username="district_admin")
    today = timezone.localdate()
    started = time.perf_counter()
    survey = create_survey_round(admin, area=district, name="全区摸排", starts_on=today, ends_on=today)
    print(f"\nsurvey round over the district listed in {time.perf_counter() - started:.1f} s")
    rng = random.Random(7)
    codes = list(AreaNode.objects.filter(district=district, level=Level.HOUSEHOLD).values_list("code", flat=True))
    rows = [["户编码", "困难原因", "需求", "优先级", "家庭情况"]]
    for code in rng.sample(codes, min(args.survey_rows, len(codes))):
        situation = "老两口均年过八旬，子女在外地工作" if rng.random() < 1 / 3 else ""
        rows.append(
            [
                code,
                rng.choice(["疾病", "残疾", "失业", "独居"]),
                rng.choice(["资金", "照料", "医疗"]),
                "一般",
                situation,
            ]
        )
    path = Path(tempfile.mkdtemp(prefix="wangge-bench-survey-")) / "survey.xlsx"
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    for commit in (False, True):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            report = import_survey(admin, survey=survey, path=path, commit=commit)
            seconds = time.perf_counter() - started
        label = "commit" if commit else "dry run"
        print(
            f"survey sheet {label:<8} {len(rows) - 1:>6,} rows {seconds:>7.1f} s {len(captured):>8,} queries  "
            f"{dict(report.created)} problems {len(report.problems)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
