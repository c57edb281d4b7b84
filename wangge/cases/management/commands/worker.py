"""`wangge worker [--no-sweep] [db_worker options]`: run the background-task worker.

This is django-tasks-db's `db_worker` under the platform's name: every option of `db_worker`
(`--queue-name`, `--batch`, `--max-tasks`, `--interval`, …) is accepted and passed through
unchanged, and `wangge worker --help` lists them.

It also keeps the overdue sweep going: every `CASE_SWEEP_INTERVAL_SECONDS` (0: never) it
enqueues `wangge.cases.tasks.sweep_overdue_cases`, which the worker then runs like any other
task. The first check happens at start, before the worker looks at its queue (so `--batch`
runs a sweep that is due, and `--max-tasks` counts it); later checks run in a small
background thread while the worker runs (not with `--batch`, which exits once the queue is
empty). `enqueue_sweep_if_due` takes a lock and skips when a sweep is still waiting or was
enqueued less than an interval ago, so two workers together enqueue about one sweep per
interval, never a pile. A worker that does not take tasks from the sweep's queue and backend
does not schedule it; `--no-sweep` turns it off for one worker.

The same scheduler purges expired request bookkeeping (idempotency keys older than
`IDEMPOTENCY_KEY_HOURS`, rate-limit windows that are over; `wangge.api.actions.purge_expired`)
at its first check and then about once an hour. Expired rows are ignored anyway, so a worker
without the sweep only lets them pile up until another worker purges them.
"""

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from wangge.api.actions import purge_expired
from wangge.cases.tasks import enqueue_sweep_if_due, sweep_overdue_cases

logger = logging.getLogger("wangge.worker")

PURGE_INTERVAL_SECONDS = 3600


class SweepScheduler:
    """Enqueues the overdue sweep when due: once now, then every `interval` seconds in a thread."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_purge: float | None = None

    def start(self, *, background: bool) -> None:
        self.check()
        if background:
            self._thread = threading.Thread(target=self._loop, name="wangge-sweep-scheduler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def check(self) -> bool:
        try:
            enqueued = enqueue_sweep_if_due(self.interval)
        except DatabaseError:
            # A locked or unreachable database: the next check tries again; the worker goes on.
            logger.exception("Could not enqueue the overdue sweep; trying again in %s s.", self.interval)
            return False
        if enqueued:
            logger.info("Enqueued the overdue sweep.")
        self.purge_if_due()
        return enqueued

    def purge_if_due(self) -> None:
        """Purge expired idempotency keys and rate counters, at most once per PURGE_INTERVAL_SECONDS."""
        now = time.monotonic()
        if self._last_purge is not None and now - self._last_purge < PURGE_INTERVAL_SECONDS:
            return
        self._last_purge = now
        try:
            purged = purge_expired()
        except DatabaseError:
            logger.exception("Could not purge expired idempotency keys and rate counters; trying again later.")
            return
        logger.debug("Purged expired request records: %s.", purged)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.check()
                connections.close_all()  # this thread's connections only; reopened at the next check
        finally:
            connections.close_all()


def takes_sweep(queue_names: list[str], excluded: list[str], backend_name: str) -> bool:
    """Whether a worker with these options runs the sweep task (its queue and backend)."""
    task = sweep_overdue_cases
    if backend_name != task.backend or task.queue_name in excluded:
        return False
    return "*" in queue_names or task.queue_name in queue_names


class Command(DbWorkerCommand):
    help = (
        "Run the background-task worker (django-tasks-db's db_worker; same options) and enqueue "
        "the overdue sweep every CASE_SWEEP_INTERVAL_SECONDS."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-sweep",
            action="store_true",
            help="Do not enqueue the overdue sweep (default: every CASE_SWEEP_INTERVAL_SECONDS; 0 turns it off).",
        )

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        logger.setLevel(logging.CRITICAL if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG)
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))

    def handle(self, *args: Any, **options: Any) -> None:
        no_sweep = options.pop("no_sweep", False)
        interval = settings.CASE_SWEEP_INTERVAL_SECONDS
        batch = options.get("batch", False)
        reload = options.get("reload", False) and not batch
        queues = options.get("queue_name", "").split(",")
        excluded = [q for q in (options.get("exclude_queues") or "").split(",") if q]
        scheduler: SweepScheduler | None = None
        # With --reload the parent process only watches files; the child it starts runs the worker.
        in_worker_process = not reload or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if (
            not no_sweep
            and interval > 0
            and in_worker_process
            and takes_sweep(queues, excluded, options["backend_name"])
        ):
            self.configure_logging(options.get("verbosity", 1))
            scheduler = SweepScheduler(interval)
            scheduler.start(background=not batch)
        try:
            super().handle(*args, **options)
        finally:
            if scheduler is not None:
                scheduler.stop()
