"""Field work: replaying a phone's queue of offline records, and compliance over a year.

    .venv/bin/python bench/fieldwork.py                         # SQLite in a temporary directory
    .venv/bin/python bench/fieldwork.py --pg postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/fieldwork.py --records 1000 --repeat 3

A fresh database (a temporary SQLite file, or with --pg a throwaway PostgreSQL database,
dropped at the end unless --keep) is migrated and filled with the small reference district,
whose year of briefings, patrols and visits (`wangge/demo/fieldwork.py`) is what compliance
reads. Then, in this process:

* **Replay.** The demo's `grid_worker` sends a queue of --records records through the REST API
  (`POST /api/v1/briefings|patrols|visits`, Django's test client with a bearer token, the whole
  view stack): a fifth briefings, two fifths patrols with three check-ins, two fifths visits
  with needs and a note (encrypted). Half the queue is sent first, as a phone that lost its
  connection half-way; then the whole queue is replayed in a shuffled order, so half of what
  arrives is already stored (200, nothing created) and half is new (201). Printed per kind and
  answer: records/s, and queries per record (the median, and min–max over the records when they
  differ: the bearer token's lookup is cached for a while and its last use stamped once a minute,
  so a request now and then costs one or two more; nothing grows with what the tables hold).
* **Compliance.** `fieldwork.compliance.compliance` for the whole district (181 grids) over the
  365 days to today, then over 30 days and one day (fewer records read), and for one community
  over 365 days: time (best of --repeat) and queries, which stay the same however many records.

Measured side by side in one run; asserts nothing about time (it checks that replaying created
each record once).
"""

import argparse
import datetime as dt
import random
import statistics
import time
import uuid

from demo_db import add_database_arguments, fresh_database, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000, help="records in the queue (1000)")
    parser.add_argument("--repeat", type=int, default=3, help="compliance runs per question, best kept (3)")
    parser.add_argument("--seed", type=int, default=7)
    add_database_arguments(parser, "wangge_bench_fieldwork")
    args = parser.parse_args()
    with fresh_database(args, "fieldwork"):
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from wangge.demo.generator import build_reference_district

    setup_test_environment()  # the test client's host is allowed
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result = build_reference_district("small")
    counts = result.fieldwork.counts if result.fieldwork else {}
    print(
        f"migrated and built the small district in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{n:,} {name}" for name, n in counts.items()),
        flush=True,
    )
    replay(args)
    compliance_figures(args, result.district)
    print(f"\nload average after: {load()}")


def queue(records: int, rng: random.Random) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    """(kind, path, body) of `records` records of the grid worker's grid, on working days of the last weeks."""
    from django.utils import timezone

    from wangge.accounts.models import RoleAssignment
    from wangge.areas.models import AreaNode, Level
    from wangge.calendars.queries import calendar_for

    grid = RoleAssignment.objects.select_related("area").get(user__username="grid_worker", role="grid_worker").area
    buildings = list(AreaNode.objects.filter(grid=grid, level=Level.BUILDING).values_list("pk", flat=True))
    households = list(AreaNode.objects.filter(grid=grid, level=Level.HOUSEHOLD).values_list("pk", flat=True))
    calendar = calendar_for(grid.district_id)
    today = timezone.localdate()
    days = [d for d in (today - dt.timedelta(days=n) for n in range(1, 60)) if calendar.is_workday(d)]

    def moment(day: dt.date, hour: int) -> str:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)))).isoformat()

    items = []
    for n in range(records):
        day = rng.choice(days)
        if n % 5 == 0:
            body = {"uuid": str(uuid.uuid4()), "grid": grid.pk, "date": day.isoformat(), "matters": "楼道堆物"}
            items.append(("briefing", "/api/v1/briefings", body))
        elif n % 5 in (1, 2):
            checked = rng.sample(buildings, min(3, len(buildings)))
            body = {
                "uuid": str(uuid.uuid4()),
                "grid": grid.pk,
                "started_at": moment(day, 9),
                "finished_at": moment(day, 11),
                "checkins": [{"building": b, "at": moment(day, 10)} for b in checked],
                "findings": "路灯不亮",
            }
            items.append(("patrol", "/api/v1/patrols", body))
        else:
            body = {
                "uuid": str(uuid.uuid4()),
                "household": rng.choice(households),
                "visited_at": moment(day, 15),
                "met": "户主",
                "needs": "需要助餐服务",
                "note": "邻里纠纷已调解",
            }
            items.append(("visit", "/api/v1/visits", body))
    return items


def replay(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.accounts.models import User
    from wangge.api.testing import bearer_client
    from wangge.fieldwork.models import Briefing, Patrol, Visit

    rng = random.Random(args.seed)
    client = bearer_client(User.objects.get(username="grid_worker"))
    items = queue(args.records, rng)
    before = {m.__name__: m.objects.count() for m in (Briefing, Patrol, Visit)}
    first_half = items[: len(items) // 2]
    for _kind, path, body in first_half:  # sent before the connection was lost
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 201, (response.status_code, response.content[:300])
    replayed = items[:]
    rng.shuffle(replayed)
    samples: dict[tuple[str, int], list[tuple[float, int]]] = {}
    total_started = time.perf_counter()
    for kind, path, body in replayed:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post(path, body, content_type="application/json")
            seconds = time.perf_counter() - started
        assert response.status_code in (200, 201), (response.status_code, response.content[:300])
        samples.setdefault((kind, response.status_code), []).append((seconds, len(queries)))
    total = time.perf_counter() - total_started
    after = {m.__name__: m.objects.count() for m in (Briefing, Patrol, Visit)}
    created = {name: after[name] - before[name] for name in after}
    expected = {
        "Briefing": sum(k == "briefing" for k, _p, _b in items),
        "Patrol": sum(k == "patrol" for k, _p, _b in items),
        "Visit": sum(k == "visit" for k, _p, _b in items),
    }
    assert created == expected, (created, expected)

    print(
        f"\nReplay of {len(items):,} queued records through the REST API, {len(first_half):,} already stored "
        f"(sent before the replay): {len(items) / total:,.0f} records/s over the whole replay"
    )
    print(f"{'kind':<9} {'answer':<14} {'records':>7} {'records/s':>10} {'ms p50':>7} {'queries/record':>15}")
    for kind in ("briefing", "patrol", "visit"):
        for status, label in ((201, "new (201)"), (200, "stored (200)")):
            rows = samples.get((kind, status), [])
            if not rows:
                continue
            times = [s for s, _q in rows]
            queries = [q for _s, q in rows]
            middle = statistics.median_low(queries)
            spread = f"{middle}" if min(queries) == max(queries) else f"{middle} ({min(queries)}–{max(queries)})"
            print(
                f"{kind:<9} {label:<14} {len(rows):>7} {len(rows) / sum(times):>10,.0f} "
                f"{statistics.median(times) * 1000:>7.1f} {spread:>15}"
            )
    print(f"created exactly once each: {created}")


def compliance_figures(args: argparse.Namespace, district) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from wangge.areas.models import AreaNode, Level
    from wangge.fieldwork.compliance import compliance
    from wangge.fieldwork.models import Briefing, Checkin, Patrol, Visit

    today = timezone.localdate()
    community = AreaNode.objects.filter(district=district, level=Level.COMMUNITY).order_by("code").first()
    questions = [
        ("district, 365 days", district, 365),
        ("district, 30 days", district, 30),
        ("district, 1 day", district, 1),
        ("one community, 365 days", community, 365),
    ]
    print(f"\nCompliance (`fieldwork.compliance`), best of {args.repeat}:")
    print(f"{'question':<26} {'grids':>5} {'records read':>13} {'ms':>8} {'queries':>8}")
    for label, area, days in questions:
        start = today - dt.timedelta(days=days - 1)
        level = f"{area.level}_id"
        period = {"date__gte": start, "date__lte": today}
        records = (
            Briefing.objects.filter(**{level: area.pk}, **period).count()
            + Patrol.objects.filter(**{level: area.pk}, **period).count()
            + Checkin.objects.filter(**{f"patrol__{level}": area.pk}, patrol__date__gte=start).count()
            + Visit.objects.filter(**{level: area.pk}, visited_at__date__gte=today - dt.timedelta(days=89)).count()
        )
        timings, counts = [], set()
        for _n in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                figures = compliance(area, start, today)
                timings.append(time.perf_counter() - started)
            counts.add(len(queries))
        print(f"{label:<26} {len(figures.grids):>5} {records:>13,} {min(timings) * 1000:>8.0f} {sorted(counts)!s:>8}")


if __name__ == "__main__":
    main()
