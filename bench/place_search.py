"""The building search of the filing form (`wangge.areas.search.find_buildings`: number forms,
addresses, pinyin, initials, typos) against a plain database search on the same buildings
(`name` or `address` containing the text), side by side in one run.

    .venv/bin/python bench/place_search.py [--extra 9000] [--repeat 30]

Builds the reference district (small scale) into a new temporary SQLite database, adds
`--extra` buildings to its grids through the real action (so a district holds about ten
thousand), then times, for the district administrator (every building) and a grid worker (one
grid): the first search after the areas changed (the district's buildings read and spelled),
and warm searches per query (median and 95th percentile). The plain search cannot find pinyin,
initials or typos; its hit count is printed beside ours. Prints figures; asserts nothing.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["3号", "3#", "三号楼", "青年东路5号", "qndl", "qingniandonglu", "青年东陆5号", "第1网格 2号楼"]


def timed(run, repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _i in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extra", type=int, default=9000, help="buildings added to the small demo's grids")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    os.environ["WANGGE_VAR_DIR"] = tempfile.mkdtemp(prefix="wangge-bench-place-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Q

    from wangge.accounts.models import User
    from wangge.areas import actions as area_actions
    from wangge.areas.models import AreaNode, Level
    from wangge.areas.search import find_buildings
    from wangge.demo.generator import build_reference_district

    call_command("migrate", verbosity=0)
    district = build_reference_district("small", 2014).district
    groups = list(AreaNode.objects.filter(district=district, level=Level.BUILDING_GROUP).order_by("code"))
    points = dict(
        AreaNode.objects.filter(district=district, level=Level.BUILDING)
        .order_by("building_group_id", "code")
        .values_list("building_group_id", "lng")
    )
    lats = dict(
        AreaNode.objects.filter(district=district, level=Level.BUILDING)
        .order_by("building_group_id", "code")
        .values_list("building_group_id", "lat")
    )
    started = time.perf_counter()
    extra = []
    for i in range(args.extra):
        group = groups[i % len(groups)]
        number = 10 + i // len(groups)
        node = {
            "name": f"{number}号楼",
            "code": f"{group.code}-X{number:03d}",
            "lng": points[group.pk] + 0.00001 * (i // len(groups)),
            "lat": lats[group.pk],
            "address": f"{group.address}{number}号楼",
        }
        extra.append((group, node))
    area_actions.bulk_create_areas(None, extra)
    buildings = AreaNode.objects.filter(district=district, level=Level.BUILDING).count()
    print(f"{buildings} buildings in the district ({args.extra} added in {time.perf_counter() - started:.0f} s)")

    admin, worker = User.objects.get(username="district_admin"), User.objects.get(username="grid_worker")
    worker_grid = worker.assignments.get().area_id

    for user in (admin, worker):
        scope = AreaNode.objects.filter(district=district, level=Level.BUILDING)
        if user == worker:
            scope = scope.filter(grid_id=worker_grid)

        def plain(query: str, scope=scope):
            return list(scope.filter(Q(name__contains=query) | Q(address__contains=query))[:8])

        started = time.perf_counter()
        find_buildings(user, "3号")
        print(
            f"\n{user.username}: first search after the areas changed {1000 * (time.perf_counter() - started):.0f} ms"
        )
        print(f"{'query':<16} {'ours p50':>9} {'p95':>7} {'hits':>5}   {'plain p50':>9} {'p95':>7} {'hits':>5}   ratio")
        for query in QUERIES:
            ours50, ours95, found = timed(lambda q=query, u=user: find_buildings(u, q), args.repeat)
            plain50, plain95, rows = timed(lambda q=query: plain(q), args.repeat)
            print(
                f"{query:<16} {ours50:>7.1f}ms {ours95:>5.1f}ms {len(found):>5}   "  # type: ignore[arg-type]
                f"{plain50:>7.1f}ms {plain95:>5.1f}ms {len(rows):>5}   {ours50 / plain50:>5.1f}"  # type: ignore[arg-type]
            )


if __name__ == "__main__":
    main()
