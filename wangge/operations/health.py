"""The platform's health, as `/healthz` reports it to a load balancer or a monitor: the database
answers, and the task queue is not stale.

Two queries: `SELECT 1`, then one aggregate over django-tasks-db's ready tasks (those waiting
to run now: status READY and not scheduled for later), giving how many wait and since when the
oldest one could have run (when it was enqueued, or the later moment it was scheduled for).
The queue is stale when that task has waited longer than `HEALTH_TASKS_STALE_MINUTES`: no
worker runs, or the workers cannot keep up. No personal data: counts and ages only.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router
from django.db.models import Case, Count, F, Min, When
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

OK = "ok"
FAIL = "fail"


@dataclass(frozen=True)
class Health:
    """Every check's result (a dict with its `status` and figures) and whether all passed."""

    checks: dict[str, dict[str, Any]]

    @property
    def ok(self) -> bool:
        return all(check["status"] == OK for check in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {"status": OK if self.ok else FAIL, "checks": self.checks}


def database_check(using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """The database answers a trivial query; on failure the error's class, never its text (which
    may name the host, the user or a file)."""
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"status": FAIL, "error": error.__class__.__name__}
    return {"status": OK}


def tasks_check(now: dt.datetime | None = None) -> dict[str, Any]:
    """The queue's depth (ready tasks) and the age of the oldest ready task, in seconds; failing
    when that age passes the threshold."""
    now = now or timezone.now()
    stale_after = settings.HEALTH_TASKS_STALE_MINUTES * 60
    # When a ready task could first run: when it was enqueued, or the later moment it was
    # scheduled for (`run_after`; the greatest date when it was not scheduled).
    ready_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        When(run_after__gt=F("enqueued_at"), then=F("run_after")),
        default=F("enqueued_at"),
    )
    try:
        figures = (
            DBTaskResult.objects.using(router.db_for_read(DBTaskResult))
            .ready()
            .aggregate(ready=Count("id"), oldest=Min(ready_since))
        )
    except DatabaseError as error:
        return {"status": FAIL, "error": error.__class__.__name__}
    oldest = figures["oldest"]
    age = max(0, int((now - oldest).total_seconds())) if oldest is not None else 0
    return {
        "status": FAIL if age > stale_after else OK,
        "ready": figures["ready"],
        "oldest_ready_seconds": age,
        "stale_after_seconds": stale_after,
    }


def health() -> Health:
    """The database check, then (when the database answers) the task queue's."""
    database = database_check()
    if database["status"] != OK:
        return Health({"database": database, "tasks": {"status": FAIL, "error": "database"}})
    return Health({"database": database, "tasks": tasks_check()})
