"""The same record sent from two phones (or a phone's two connections) at the same moment: one
record is created, both are answered with it, and the assistance hook hears of it once.

Runs real concurrent transactions, one per thread and connection, so it needs PostgreSQL
(SQLite serialises writers and its test database is private to one connection).
"""

import threading

import pytest
from django.db import connection, connections

from wangge.api.testing import bearer_client
from wangge.fieldwork.models import Checkin, Patrol, Visit
from wangge.fieldwork.signals import visit_flagged
from wangge.fieldwork.tests.factories import patrol_body, visit_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions are tested on PostgreSQL"),
]

ROUNDS = 5


def send_twice_at_once(clients, path: str, body: dict) -> list[tuple[int, int]]:
    """POST `body` from both clients at once; their (status, record id) answers."""
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, int]] = []

    def send(client) -> None:
        try:
            barrier.wait(timeout=10)
            response = client.post(path, body, content_type="application/json")
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_one_visit_uuid_sent_from_two_connections_at_once_creates_one_visit(small, worker_a, community_staff):
    clients = [bearer_client(worker_a), bearer_client(community_staff)]
    heard: list[int] = []

    def receiver(sender, visit, flags, **kwargs):
        heard.append(visit.pk)

    visit_flagged.connect(receiver)
    try:
        for _round in range(ROUNDS):
            body = visit_body(small.households[0], needs="需要助餐", flags=["hardship"])
            answers = send_twice_at_once(clients, "/api/v1/visits", body)
            assert sorted(status for status, _id in answers) == [200, 201], answers
            assert len({pk for _status, pk in answers}) == 1
            assert Visit.objects.filter(uuid=body["uuid"]).count() == 1
    finally:
        visit_flagged.disconnect(receiver)
    assert Visit.objects.count() == ROUNDS
    assert sorted(heard) == sorted(Visit.objects.values_list("pk", flat=True))


def test_one_patrol_uuid_sent_from_two_connections_at_once_creates_one_patrol_and_its_checkins(
    small, worker_a, community_staff
):
    clients = [bearer_client(worker_a), bearer_client(community_staff)]
    for _round in range(ROUNDS):
        body = patrol_body(small.grids[0], [small.buildings[0], small.buildings[1]])
        answers = send_twice_at_once(clients, "/api/v1/patrols", body)
        assert sorted(status for status, _id in answers) == [200, 201], answers
        assert len({pk for _status, pk in answers}) == 1
    assert Patrol.objects.count() == ROUNDS
    assert Checkin.objects.count() == 2 * ROUNDS
