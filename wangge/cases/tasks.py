"""Background tasks of the case chain (run by `wangge worker`)."""

import datetime as dt
import zlib

from django.db import connections, router
from django.db.models import Q
from django.tasks import task
from django.tasks.base import TaskResultStatus
from django.utils import timezone

from wangge.cases.actions import sweep_overdue

# Task rows queued by earlier releases name the e-mail task by this path.
from wangge.cases.mail import send_case_email as send_case_email

# A sweep enqueued less than this share of the interval ago counts as this interval's sweep
# (so clock jitter between two checks does not skip a whole interval).
SWEEP_SLACK = 0.9
# PostgreSQL advisory-lock key that serialises "is a sweep due? then enqueue it" across workers.
SWEEP_LOCK_KEY = zlib.crc32(b"wangge.cases.sweep_overdue_cases")


@task()
def sweep_overdue_cases() -> int:
    return sweep_overdue()


def enqueue_sweep_if_due(interval_seconds: float) -> bool:
    """Enqueue `sweep_overdue_cases` unless one is still waiting to run or one was enqueued less
    than `SWEEP_SLACK` × `interval_seconds` ago; True when this call enqueued it.

    The check and the enqueue run under one lock (SQLite: an exclusive transaction; PostgreSQL: a
    transaction-level advisory lock), so any number of workers calling this at once enqueue at
    most one sweep per interval and never pile sweeps up behind a busy queue. A sweep that does
    run twice is harmless: `sweep_overdue` claims each case with a compare-and-set.
    """
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    task = sweep_overdue_cases
    using = router.db_for_write(DBTaskResult)
    with exclusive_transaction(using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
        recent = timezone.now() - dt.timedelta(seconds=interval_seconds * SWEEP_SLACK)
        waiting_or_recent = DBTaskResult.objects.filter(task_path=task.module_path, backend_name=task.backend).filter(
            Q(status=TaskResultStatus.READY) | Q(enqueued_at__gt=recent)
        )
        if waiting_or_recent.exists():
            return False
        task.enqueue()
    return True
