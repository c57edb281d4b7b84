"""Shared resources (资源融合): a week's availability of every facility and a year's utilisation,
at two sizes side by side.

    .venv/bin/python bench/resources.py                  # SQLite in a temporary directory
    .venv/bin/python bench/resources.py --pg postgres://postgres@127.0.0.1:5432

A fresh database gets two districts of the reference district's shape for resources: the full
one (38 communities, 5 grids each, 100 facilities of resident units open 8:00–20:00 every day,
287 social organisations with a project each) and a quarter of it (10 communities, 25
facilities, 72 organisations). Facilities and organisations are made through the actions
(`resources.actions.create_facility`, `resources.social.register_org` / `record_project`), as
`wangge/demo/resources.py` does; the past year of bookings is written as the rows `book` would
write, hour by hour, about 98.5 % of open hours booked and 97 % of those checked in (every 7th
facility about half as much), as the demo does, but with one multi-row INSERT per batch so that
the year fits in the time. Then, for each district: `queries.availability` of every facility for
the coming week (the queries per facility and in all) and `figures.utilisation` of the district
over the past 365 days — time (best of --repeat), queries, and what was found. The query counts
are the same at both sizes where they should be (utilisation) and per facility (availability).
Asserts nothing about time.
"""

import argparse
import datetime as dt
import random
import time

from demo_db import add_database_arguments, fresh_database, load, measure

SIZES = (("quarter", 10, 25, 72), ("full", 38, 100, 287))
STEADY_BOOKED, QUIET_BOOKED, USED, QUIET_EVERY = 0.985, 0.5, 0.97, 7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per question, best kept (3)")
    add_database_arguments(parser, "wangge_bench_resources")
    args = parser.parse_args()
    if args.reuse:
        parser.error("--reuse: this bench builds districts of its own")
    with fresh_database(args, "resources"):
        run(args)


def build(code: str, communities: int, facilities: int, orgs: int, clerk, resident):  # type: ignore[no-untyped-def]
    """A district of `communities` × 5 grids, `facilities` facilities of resident units, a year of
    bookings and `orgs` organisations. The district and the number of bookings."""
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from wangge.areas import actions as area_actions
    from wangge.orgs.actions import create_resident_unit
    from wangge.resources import actions, social
    from wangge.resources.hours import open_periods
    from wangge.resources.models import Booking, BookingStatus, Facility, FacilityKind

    rng = random.Random(code)
    district = area_actions.create_district(None, name=f"基准区{code}", code=code)
    grids = []
    made = []
    for c in range(communities):
        community = area_actions.create_area(None, parent=district, name=f"社区{c + 1}", code=f"{code}-C{c + 1}")
        made.append(community)
        for g in range(5):
            grids.append(
                area_actions.create_area(None, parent=community, name=f"网格{g + 1}", code=f"{community.code}-G{g + 1}")
            )
    hours = [actions.Hours(day, dt.time(8), dt.time(20)) for day in range(7)]
    kinds = [FacilityKind.SPORTS_GROUND, FacilityKind.LIBRARY, FacilityKind.CLINIC, FacilityKind.MEETING_ROOM]
    places = []
    for n in range(facilities):
        grid = grids[n * len(grids) // facilities]
        unit = create_resident_unit(None, area=grid, name=f"单位{n + 1}", kind="学校")
        places.append(
            actions.create_facility(
                clerk, area=grid, name=f"单位{n + 1}设施", kind=kinds[n % 4], owner_unit=unit, hours=hours
            )
        )
    today = timezone.localdate()
    periods = open_periods(places, today - dt.timedelta(days=365), today - dt.timedelta(days=1))
    hour = dt.timedelta(hours=1)
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    table = Booking._meta.db_table
    columns = (
        "created_at, updated_at, district_id, community_id, facility_id, booked_by_id, as_organisation, "
        "starts_at, ends_at, purpose, status, reminded_at"
    )
    rows = []
    for n, place in enumerate(places):
        share = QUIET_BOOKED if n % QUIET_EVERY == QUIET_EVERY - 1 else STEADY_BOOKED
        for day_periods in periods[place.pk].values():
            for opens, closes in day_periods:
                start = opens
                while start + hour <= closes:
                    if rng.random() < share:
                        status = BookingStatus.CHECKED_IN if rng.random() < USED else BookingStatus.NO_SHOW
                        rows.append(
                            (
                                adapt(now),
                                adapt(now),
                                district.pk,
                                place.community_id,
                                place.pk,
                                resident.pk,
                                False,
                                adapt(start),
                                adapt(start + hour),
                                "",
                                status,
                                adapt(start - dt.timedelta(days=1)),
                            )
                        )
                    start += hour
    batch = 500
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            marks = ", ".join(["(" + ", ".join(["%s"] * 12) + ")"] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {marks}", [v for row in chunk for v in row])
    for n in range(orgs):
        org = social.register_org(
            clerk, community=made[n % len(made)], name=f"组织{n + 1}", kind="elderly", filing_status="filed", members=10
        )
        social.record_project(
            clerk,
            org,
            name="关爱空巢老人",
            starts_on=today.replace(month=1, day=1),
            ends_on=today.replace(month=12, day=31),
            budget=Decimal(10000),
            beneficiaries=rng.randint(10, 200),
        )
    assert Facility.objects.filter(district=district).count() == facilities
    return district, len(rows)


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from wangge.accounts import actions as account_actions
    from wangge.resources import queries
    from wangge.resources.figures import facilities_in, utilisation

    call_command("migrate", verbosity=0)
    clerk = account_actions.create_user(None, username="bench_admin", password="x-bench-1234", display_name="bench")
    clerk.is_superuser = True
    clerk.save(update_fields=["is_superuser"])
    resident = account_actions.create_user(None, username="bench_resident", password="x-bench-1234", display_name="r")
    today = timezone.localdate()
    columns = f"{'size':<9}{'facilities':>11}{'bookings':>10}{'build s':>9}  "
    print(f"\n{columns}{'question':<30}{'best ms':>9}{'queries':>9}  found")
    for code, communities, facilities, orgs in SIZES:
        started = time.perf_counter()
        district, bookings = build(code.upper()[:2], communities, facilities, orgs, clerk, resident)
        built = time.perf_counter() - started
        places = list(facilities_in(district).order_by("pk"))

        def week(places=places):  # type: ignore[no-untyped-def]
            return sum(len(day["held"]) for place in places for day in queries.availability(resident, place, today, 7))

        seconds, counted, held = measure(args.repeat, week)
        head = f"{code:<9}{facilities:>11}{bookings:>10,}{built:>9.0f}  "
        found = f"{counted // len(places)} per facility, {held} held"
        print(f"{head}{'availability, a week, each':<30}{seconds * 1000:>9.1f}{counted:>9}  {found}")
        seconds, counted, figure = measure(
            args.repeat,
            lambda d=district: utilisation(
                facilities_in(d), today - dt.timedelta(days=365), today - dt.timedelta(days=1)
            ),
        )
        found = f"rate {figure.rate:.1%}, booked {figure.booked_rate:.1%} of {figure.open_hours:,.0f} open hours"
        print(f"{' ' * len(head)}{'utilisation, 365 days':<30}{seconds * 1000:>9.1f}{counted:>9}  {found}")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
