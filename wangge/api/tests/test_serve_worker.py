"""`wangge worker` (`wangge serve` is tested in wangge/operations/tests/test_serve.py)."""

import io

import pytest
from django.core.management import call_command
from django.tasks import task
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from wangge.cases.management.commands import worker


def test_worker_is_db_worker_with_the_same_options():
    assert issubclass(worker.Command, DbWorkerCommand)
    parser = worker.Command().create_parser("wangge", "worker")
    options = parser.parse_args(["--batch", "--queue-name", "*", "--max-tasks", "3"])
    assert options.batch and options.queue_name == "*" and options.max_tasks == 3


@pytest.mark.django_db(transaction=True)
def test_worker_processes_the_queue_and_exits_in_batch_mode():
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0, stdout=io.StringIO())


@task
def remember(value: str) -> str:
    DONE.append(value)
    return value


DONE: list[str] = []


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_an_enqueued_task():
    DONE.clear()
    result = remember.enqueue("hello")
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0, stdout=io.StringIO())
    assert DONE == ["hello"]
    result.refresh()
    assert result.return_value == "hello"


def test_the_worker_purges_expired_request_records_about_hourly(db):
    import datetime as dt

    from django.utils import timezone

    from wangge.api.models import IdempotencyKey, RateCounter
    from wangge.cases.management.commands.worker import SweepScheduler

    def expired() -> None:
        IdempotencyKey.objects.create(
            owner="user:1",
            key=f"k{IdempotencyKey.objects.count()}",
            method="POST",
            path="/",
            fingerprint="f",
            status=201,
            created_at=timezone.now() - dt.timedelta(hours=25),
        )
        RateCounter.objects.create(bucket="resident", ident="x" * 64, window_start=0, expires=60, count=1)

    expired()
    IdempotencyKey.objects.create(
        owner="user:1", key="fresh", method="POST", path="/", fingerprint="f", status=201, created_at=timezone.now()
    )
    scheduler = SweepScheduler(60)
    scheduler.check()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    assert not RateCounter.objects.exists()
    expired()
    scheduler.check()  # within the hour: not again
    assert IdempotencyKey.objects.count() == 2 and RateCounter.objects.count() == 1
