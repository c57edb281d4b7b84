"""The case figures (`cases.figures`): each definition checked on cases driven through the real
actions, and each figure one query however many cases it counts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from wangge.cases import actions, figures
from wangge.cases.models import Case, HandlingUnit, ReturnVisit
from wangge.cases.tests.factories import IN_GRID_1, IN_GRID_2, accepted, closed_off, dispatched, file
from wangge.lib.testing import assert_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning, a working day well inside the years the work calendar knows.
WORKING_MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def working_morning():
    with time_machine.travel(WORKING_MORNING):
        yield


def test_month_starts_at_local_midnight_of_the_first():
    now = dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC)  # already 1 April in Shanghai
    assert figures.month_start(now) == dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)
    assert figures.end_of_today(now) == dt.datetime(2026, 4, 2, 0, 0, tzinfo=SHANGHAI)


def test_open_due_soon_due_today_and_overdue_follow_the_deadline(small, catalogue, district_admin):
    admin = district_admin
    file(small, catalogue)  # reported: open, no deadline yet
    case = accepted(admin, file(small, catalogue))  # 3 working days
    actions.reject(admin, file(small, catalogue), reason="不属实")  # not open
    cases = Case.objects.all()

    counts = figures.open_counts(cases, timezone.now())
    assert counts == {"open": 2, "overdue": 0, "due_soon": 0, "due_today": 0, "waiting": 0}

    before = case.due_at - dt.timedelta(hours=2)
    assert figures.open_counts(cases, before) | {"open": 0} == {
        "open": 0,
        "overdue": 0,
        "due_soon": 1,
        "due_today": 1,
        "waiting": 0,
    }
    after = case.due_at + dt.timedelta(hours=1)
    actions.sweep_overdue(now=after)
    counts = figures.open_counts(cases, after)
    assert (counts["overdue"], counts["due_soon"], counts["due_today"]) == (1, 0, 1)
    assert [c.pk for c in figures.todays_tasks(cases, after)] == [case.pk]


def test_waiting_counts_the_dispatched_cases_not_yet_started(small, catalogue, district_admin, dept_a):
    dispatched(district_admin, file(small, catalogue))
    actions.start(dept_a, dispatched(district_admin, file(small, catalogue)))
    assert figures.open_counts(Case.objects.all(), timezone.now())["waiting"] == 1


def test_todays_tasks_are_the_most_urgent_first_and_at_most_the_limit(small, catalogue, district_admin):
    slow = accepted(district_admin, file(small, catalogue, "SZ02"))  # 5 working days
    fast = accepted(district_admin, file(small, catalogue, "SZ03"))  # 4 working hours
    late = slow.due_at - dt.timedelta(hours=1)
    assert [c.pk for c in figures.todays_tasks(Case.objects.all(), late)] == [fast.pk, slow.pk]
    assert [c.pk for c in figures.todays_tasks(Case.objects.all(), late, limit=1)] == [fast.pk]
    # This morning only the 4-hour case is due today.
    assert [c.pk for c in figures.todays_tasks(Case.objects.all(), timezone.now())] == [fast.pk]


def test_open_by_grid_counts_each_grid_apart(small, catalogue, district_admin):
    file(small, catalogue)
    file(small, catalogue)
    file(small, catalogue, point=IN_GRID_2)
    assert figures.open_by_grid(Case.objects.all()) == {
        small.grids[0].pk: {"open": 2, "overdue": 0},
        small.grids[2].pk: {"open": 1, "overdue": 0},
    }


def test_on_time_rate_is_the_share_of_this_months_closed_cases_never_overdue(small, catalogue, district_admin, dept_a):
    admin = district_admin
    unit = HandlingUnit.objects.get(district=small.district, name="城市管理局")
    closed_off(admin, dept_a, file(small, catalogue))  # on time, satisfied
    late = dispatched(admin, file(small, catalogue, point=IN_GRID_1))
    actions.sweep_overdue(now=late.due_at + dt.timedelta(hours=1))
    late.refresh_from_db()
    actions.start(dept_a, late)
    late = actions.handle(dept_a, late, result="已处理")
    actions.record_visit(admin, actions.verify(admin, late, passed=True), result="unsatisfied")
    accepted(admin, file(small, catalogue))  # open, not yet dispatched
    assert Case.objects.get(pk=late.pk).state == "reopened"  # an unsatisfied visit reopens it

    got = figures.by_unit(Case.objects.all(), ReturnVisit.objects.all(), timezone.now())
    line = next(line for line in got.lines if line.unit_id == unit.pk)
    assert (line.open, line.overdue, line.closed, line.on_time) == (2, 1, 1, 1)
    assert line.on_time_rate == 1.0
    assert line.satisfaction is not None and line.satisfaction["rate"] == 0.5
    assert (got.total.open, got.total.closed) == (2, 1)
    assert got.satisfaction == {"total": 2, "rate": 0.5}

    # Next month, last month's closed cases and visits no longer count.
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, 0, tzinfo=SHANGHAI)):
        got = figures.by_unit(Case.objects.all(), ReturnVisit.objects.all(), timezone.now())
    assert (got.total.closed, got.total.on_time_rate, got.satisfaction["rate"]) == (0, None, None)


def test_a_case_marked_overdue_and_closed_is_closed_but_not_on_time(small, catalogue, district_admin, dept_a):
    admin = district_admin
    case = dispatched(admin, file(small, catalogue))
    actions.sweep_overdue(now=case.due_at + dt.timedelta(minutes=1))
    case.refresh_from_db()
    actions.start(dept_a, case)
    case = actions.handle(dept_a, case, result="已处理")
    actions.record_visit(admin, actions.verify(admin, case, passed=True), result="satisfied")
    total = figures.by_unit(Case.objects.all(), ReturnVisit.objects.all(), timezone.now()).total
    assert (total.closed, total.on_time, total.on_time_rate) == (1, 0, 0.0)
    assert figures.on_time_rate(0, 0) is None


def test_supervision_counts_overdue_and_supervised_open_cases(small, catalogue, district_admin, supervisor):
    first = accepted(district_admin, file(small, catalogue))
    accepted(district_admin, file(small, catalogue))
    actions.supervise(supervisor, first, body="区纪委", level="yellow")
    actions.sweep_overdue(now=first.due_at + dt.timedelta(hours=1))
    assert figures.supervision_counts(Case.objects.all()) == {"overdue": 2, "supervised": 1}


def test_each_figure_is_one_query_however_many_cases(small, catalogue, district_admin, dept_a):
    for point in (IN_GRID_1, IN_GRID_2):
        closed_off(district_admin, dept_a, file(small, catalogue, point=point))
        accepted(district_admin, file(small, catalogue, point=point))
    now = timezone.now()
    cases = Case.objects.all()
    with assert_queries(1):
        figures.open_counts(cases, now)
    with assert_queries(1):
        figures.todays_tasks(cases, now)
    with assert_queries(1):
        figures.open_by_grid(cases)
    with assert_queries(1):
        figures.supervision_counts(cases)
    with assert_queries(2):
        figures.by_unit(cases, ReturnVisit.objects.all(), now)
