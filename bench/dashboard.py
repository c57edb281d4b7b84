"""The dashboard's pages and endpoints over a demo district that is already built.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/wangge demo --scale small --no-serve
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/dashboard.py [--repeat 10] [--area ID]

Reads the database DATABASE_URL names (nothing is written but the sessions of the logged-in
demo district administrator and the audit rows of the xlsx export), and for each dashboard page
and endpoint (`/dashboard/`, the big screen, each figure's records page, the xlsx export, the
REST headline and each figure's records) answers `--repeat` requests: p50 and p95 time, and the
number of queries of one request (the same however many records: the query-count tests hold
it). Prints the number of cases, bookings and return visits read, so the size is said. Asserts
nothing about time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="requests per page (10)")
    parser.add_argument("--area", type=int, default=None, help="an area id (default: the district)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a database holding a built demo district.")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from wangge.accounts.models import Role, RoleAssignment
    from wangge.cases.models import Case, ReturnVisit
    from wangge.dashboard.headline import KEYS
    from wangge.resources.models import Booking

    admin = RoleAssignment.objects.filter(role=Role.DISTRICT_ADMIN).select_related("user", "area").first()
    if admin is None:
        sys.exit("No district administrator: build the demo first.")
    area = args.area or admin.area_id
    year = timezone.localdate().year
    query = f"area={area}&year={year}"
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin.user)
    pages = [
        ("page /dashboard/", f"/dashboard/?{query}"),
        ("page /dashboard/screen/", f"/dashboard/screen/?{query}"),
        ("xlsx /dashboard/export.xlsx", f"/dashboard/export.xlsx?{query}"),
        ("api headline", f"/api/v1/dashboard/headline?{query}"),
        *[(f"page records {key}", f"/dashboard/figures/{key}/?{query}") for key in KEYS],
        *[(f"api records {key}", f"/api/v1/dashboard/figures/{key}/records?{query}") for key in KEYS],
    ]
    print(
        f"database {connection.vendor}; cases {Case.objects.count():,}; return visits "
        f"{ReturnVisit.objects.count():,}; bookings {Booking.objects.count():,}; area {area}; year {year}"
    )
    print(f"{'page':44} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, url in pages:
        times = []
        queries = 0
        for n in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            if n == 0:
                queries = len(captured.captured_queries)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"{name:44} {statistics.median(times):8.0f} {p95:8.0f} {queries:8}")


if __name__ == "__main__":
    main()
