"""`/healthz`: 200 with every check's figures when the database answers and the task queue
moves; 503 in the same shape when a ready task has waited too long or the database fails.

The database failure is real, not simulated in our code: a process whose settings point at a
database that cannot be reached (a PostgreSQL port nobody listens on, an SQLite file in a
directory that does not exist) asks its own `/healthz` through Django's test client, and the
driver's own error reaches the check."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wangge.cases.tasks import sweep_overdue_cases
from wangge.lib.testing import assert_flat, count_queries

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


def get(client):
    answer = client.get("/healthz")
    return answer.status_code, answer.json()


def test_a_database_that_answers_and_an_empty_queue_are_healthy(client):
    status, body = get(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "tasks": {"status": "ok", "ready": 0, "oldest_ready_seconds": 0, "stale_after_seconds": 15 * 60},
        },
    }


def test_a_task_waiting_less_than_the_threshold_is_healthy_and_one_waiting_longer_is_not(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sweep_overdue_cases.enqueue()
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        status, body = get(client)
    assert status == 200 and body["checks"]["tasks"]["ready"] == 1
    assert body["checks"]["tasks"]["oldest_ready_seconds"] == 14 * 60
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        status, body = get(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["tasks"] == {
        "status": "fail",
        "ready": 1,
        "oldest_ready_seconds": 16 * 60,
        "stale_after_seconds": 15 * 60,
    }


def test_a_task_scheduled_for_later_counts_from_the_moment_it_may_run(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sweep_overdue_cases.using(run_after=start + dt.timedelta(minutes=10)).enqueue()
        assert get(client)[1]["checks"]["tasks"]["ready"] == 0  # not ready yet: not in the queue's depth
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        status, body = get(client)
    assert status == 200 and body["checks"]["tasks"]["oldest_ready_seconds"] == 10 * 60
    with time_machine.travel(start + dt.timedelta(minutes=26), tick=False):
        assert get(client)[0] == 503


def test_the_threshold_is_a_setting(client, settings):
    settings.HEALTH_TASKS_STALE_MINUTES = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sweep_overdue_cases.enqueue()
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        status, body = get(client)
    assert status == 503 and body["checks"]["tasks"]["stale_after_seconds"] == 60


def test_a_finished_task_is_not_in_the_queue(client):
    result = sweep_overdue_cases.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="SUCCESSFUL")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        status, body = get(client)
    assert status == 200 and body["checks"]["tasks"]["ready"] == 0


def test_the_check_takes_two_queries_however_many_tasks_wait(client):
    def measured(tasks: int):
        for _ in range(tasks):
            sweep_overdue_cases.enqueue()
        with count_queries() as queries:
            assert client.get("/healthz").status_code == 200
        return queries

    assert_flat(measured(1), measured(20), at_most=2)


def unreachable_urls() -> list[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing listens on it
    return [f"postgres://nobody@127.0.0.1:{port}/nothing", "sqlite:////nonexistent-directory/wangge.sqlite3"]


ASK = """
import json, django
django.setup()
from django.test import Client
answer = Client().get("/healthz")
print(json.dumps({"status": answer.status_code, "body": answer.json()}))
"""


@pytest.mark.parametrize("url", unreachable_urls(), ids=["postgresql", "sqlite"])
def test_a_database_that_cannot_be_reached_answers_503(url, tmp_path):
    env = {**os.environ, "DATABASE_URL": url, "WANGGE_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", ASK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {
        "status": 503,
        "body": {
            "status": "fail",
            "checks": {
                "database": {"status": "fail", "error": "OperationalError"},
                "tasks": {"status": "fail", "error": "database"},
            },
        },
    }
