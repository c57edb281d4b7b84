"""`wangge worker` keeps the overdue sweep going: it enqueues `sweep_overdue_cases` when due
(at start, then every CASE_SWEEP_INTERVAL_SECONDS), runs it like any task, and several
workers together never pile sweeps up."""

import datetime as dt
import io
import signal
import threading
import time

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wangge.cases import actions
from wangge.cases.management.commands.worker import SweepScheduler
from wangge.cases.models import Case, CaseEvent, Notification
from wangge.cases.tasks import enqueue_sweep_if_due, sweep_overdue_cases
from wangge.cases.tests.factories import IN_GRID_0, SHANGHAI

# The worker runs in this process and commits; other connections (the scheduler's thread) must see the rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def keep_signal_handlers():
    """The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {s: signal.getsignal(s) for s in signals}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.fixture
def late_case(small, catalogue, dept_a, district_admin) -> Case:
    """A case in progress at 城市管理局 (dept_a's unit), its deadline an hour ago."""
    case = actions.file_case(
        None,
        district=small.district,
        category=catalogue["SZ02"],
        channel="patrol",
        description="人行道地砖破损",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
    )
    case = actions.accept(district_admin, case)
    case = actions.start(dept_a, actions.dispatch(district_admin, case))
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    return case


def run_worker(*args: str) -> None:
    call_command("worker", "--no-startup-delay", "--no-reload", *args, verbosity=0, stdout=io.StringIO())


def sweeps():
    return DBTaskResult.objects.filter(task_path=sweep_overdue_cases.module_path)


def scheduler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "wangge-sweep-scheduler"]


def test_a_batch_worker_sweeps_a_late_case_overdue_and_notifies_its_unit(late_case, dept_a):
    run_worker("--batch")
    late_case.refresh_from_db()
    assert late_case.overdue and late_case.overdue_marked_at is not None
    assert CaseEvent.objects.filter(case=late_case, kind="overdue").count() == 1
    assert Notification.objects.filter(user=dept_a, case=late_case).exists()
    [sweep] = sweeps()
    assert (sweep.status, sweep.return_value) == (TaskResultStatus.SUCCESSFUL, 1)

    # A second worker (cron starting `--batch` again, or another worker) within the interval: no new sweep.
    run_worker("--batch")
    assert sweeps().count() == 1
    assert not scheduler_threads()


def test_no_sweep_option_and_a_zero_interval_turn_it_off(late_case, settings):
    run_worker("--batch", "--no-sweep")
    settings.CASE_SWEEP_INTERVAL_SECONDS = 0
    run_worker("--batch")
    assert not sweeps().exists()
    late_case.refresh_from_db()
    assert not late_case.overdue


def test_a_worker_that_does_not_take_the_sweeps_queue_does_not_schedule_it(late_case):
    run_worker("--batch", "--queue-name", "mail")
    run_worker("--batch", "--queue-name", "*", "--exclude-queues", "default")
    assert not sweeps().exists()


def test_a_running_worker_sweeps_at_start_and_stops_its_scheduler_when_it_stops(late_case):
    run_worker("--max-tasks", "1", "--interval", "0.05")
    late_case.refresh_from_db()
    assert late_case.overdue
    assert sweeps().get().status == TaskResultStatus.SUCCESSFUL
    assert not scheduler_threads()


def test_sweeps_are_enqueued_once_per_interval_and_never_pile_up(db):
    start = dt.datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        assert enqueue_sweep_if_due(60)
        assert not enqueue_sweep_if_due(60)  # one is waiting to run
    sweeps().update(status=TaskResultStatus.SUCCESSFUL)  # as if a worker ran it
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert not enqueue_sweep_if_due(60)  # ran, but less than an interval ago
    with time_machine.travel(start + dt.timedelta(seconds=58), tick=False):
        assert enqueue_sweep_if_due(60)  # within the slack of a full interval
    # Nobody runs the queue for an hour: checks every minute still leave one waiting sweep.
    for minute in range(1, 61):
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            assert not enqueue_sweep_if_due(60)
    assert sweeps().count() == 2
    assert sweeps().filter(status=TaskResultStatus.READY).count() == 1


def _wait_for(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass  # the scheduler's thread holds the table this moment
        time.sleep(0.05)
    return False


def _retry_locked(operation) -> None:
    """SQLite's in-memory test database locks whole tables between connections: retry briefly."""
    for _attempt in range(100):
        try:
            operation()
            return
        except OperationalError:
            time.sleep(0.05)
    operation()


def test_the_scheduler_thread_enqueues_again_every_interval_until_stopped(db):
    scheduler = SweepScheduler(0.2)
    scheduler.start(background=True)
    try:
        assert scheduler.running
        assert _wait_for(lambda: sweeps().count() == 1)  # at once, in the caller's thread
        _retry_locked(lambda: sweeps().update(status=TaskResultStatus.SUCCESSFUL))
        assert _wait_for(lambda: sweeps().count() == 2)  # by the thread, an interval later
    finally:
        scheduler.stop()
    assert not scheduler.running and not scheduler_threads()
