"""The measurements of bench/cases.py: each list as the web pages read it (`wangge.web.cases`),
the overdue sweep, and deadline computations per second.

`measure_lists` times each list of `the_lists` --repeat times: the first page's rows alone and
the whole page as its paginator builds it (a count, then the rows), with the user's scope
loaded afresh each time, and counts the page's queries once. `check_deadlines` checks a sample
of the written deadlines against `compute_due_at`; `measure_sweep` times the catch-up of a
sweep that has not run and a sweep with nothing to mark; `measure_deadlines` times
`compute_due_at` against the calendar arithmetic alone. `census` counts the cases by state.

Runs in the child process of bench/cases.py, after `django.setup()` (Django and wangge are
imported where they are used).
"""

import argparse
import datetime as dt
import math
import os
import random
import statistics
import sys
import time

from case_rows import CATEGORY_WEIGHTS, DAY, SHANGHAI, YEARS, Reference, analyze, log


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


def paginator_label() -> str:
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
