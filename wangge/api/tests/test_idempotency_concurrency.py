"""Concurrent retries of one idempotent POST: the second waits for the first to commit, then
answers its stored result; one case is filed.

Real requests in real threads, each with its own connection and transaction, on PostgreSQL.
The test holds a lock that stops the first request in the middle of its work (after it has
claimed the key), starts the second, sees it wait for the key, then lets the first finish.

Skipped on SQLite: the test database there is an in-memory database in shared-cache mode,
where a second writer gets "database table is locked" at once instead of waiting (shared-cache
locks ignore the busy timeout), so two real concurrent transactions cannot be run against it.
In a deployment on SQLite (a file in WAL mode, `transaction_mode=IMMEDIATE`) every write
transaction takes the database's one write lock when it begins, so the second request waits
for the first to commit before it even looks for the key.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from wangge.accounts.actions import create_api_token
from wangge.api.models import IdempotencyKey
from wangge.cases.models import Case
from wangge.cases.tests.factories import IN_GRID_0

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions are tested on PostgreSQL"),
]

BODY = {
    "category": "SZ01",
    "description": "3号楼前路灯不亮",
    "lng": IN_GRID_0[0],
    "lat": IN_GRID_0[1],
    "answers": {"since": "today"},
}


def _waiting_locks() -> int:
    """Lock requests not granted, across all sessions (pg_locks is read live, not snapshotted)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return int(cursor.fetchone()[0])


def _wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_a_concurrent_retry_waits_for_the_first_and_replays_it(small, catalogue, worker_a):
    token = create_api_token(None, user=worker_a)
    answers: dict[str, object] = {}

    def post(name: str) -> None:
        try:
            client = Client(headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "flaky-4g-0001"})
            answers[name] = client.post("/api/v1/cases", BODY, content_type="application/json")
        finally:
            connections.close_all()

    first = threading.Thread(target=post, args=("first",))
    second = threading.Thread(target=post, args=("second",))
    with transaction.atomic():
        # Inserting a case waits for this lock: the first request stops after claiming its key.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Case._meta.db_table)} IN SHARE MODE")
        first.start()
        _wait_for(lambda: _waiting_locks() >= 1)
        second.start()
        # The second request waits too: for the first request's uncommitted key.
        _wait_for(lambda: _waiting_locks() >= 2)
        assert not answers
    first.join(timeout=30)
    second.join(timeout=30)
    assert set(answers) == {"first", "second"}, answers
    one, two = answers["first"], answers["second"]
    assert one.status_code == two.status_code == 201, (one.content, two.content)  # type: ignore[attr-defined]
    assert one.content == two.content  # type: ignore[attr-defined]
    assert two["Idempotent-Replayed"] == "true" and not one.has_header("Idempotent-Replayed")  # type: ignore[index,attr-defined]
    assert Case.objects.count() == 1
    assert IdempotencyKey.objects.get().status == 201


def test_many_simultaneous_retries_file_one_case(small, catalogue, worker_a):
    token = create_api_token(None, user=worker_a)
    barrier = threading.Barrier(4)
    answers: list[object] = []

    def post() -> None:
        try:
            client = Client(headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "burst"})
            barrier.wait(timeout=10)
            answers.append(client.post("/api/v1/cases", BODY, content_type="application/json"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 4
    assert {a.status_code for a in answers} == {201}  # type: ignore[attr-defined]
    assert len({a.content for a in answers}) == 1  # type: ignore[attr-defined]
    assert sum(a.has_header("Idempotent-Replayed") for a in answers) == 3  # type: ignore[attr-defined]
    assert Case.objects.count() == 1
