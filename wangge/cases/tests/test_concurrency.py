"""Two people acting on the same case at once: one wins, the other is told to reload.

Runs real concurrent transactions, one per thread and connection, so it needs PostgreSQL
(SQLite serialises writers and its test database is private to one connection).
"""

import threading

import pytest
from django.db import connection, connections

from wangge.cases import actions
from wangge.cases.models import Case, CaseEvent
from wangge.cases.tests.factories import file
from wangge.lib.errors import DomainError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions are tested on PostgreSQL"),
]


def test_two_simultaneous_steps_one_wins_one_is_told_to_reload(small, catalogue, district_admin, community_staff):
    case = file(small, catalogue)
    seen = case.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(name, step):
        try:
            barrier.wait(timeout=10)
            step()
            outcomes[name] = "ok"
        except DomainError as error:
            outcomes[name] = error.code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("accept", lambda: actions.accept(district_admin, case, version=seen))),
        threading.Thread(
            target=act, args=("reject", lambda: actions.reject(community_staff, case, reason="不属实", version=seen))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["ok", "stale_version"], outcomes
    final = Case.objects.get(pk=case.pk)
    winner = "accept" if outcomes["accept"] == "ok" else "reject"
    assert final.state == {"accept": "accepted", "reject": "rejected"}[winner]
    assert final.version == seen + 1
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1


def test_concurrent_filing_never_repeats_a_case_number(small, catalogue):
    barrier = threading.Barrier(4)
    numbers: list[str] = []

    def work():
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                numbers.append(file(small, catalogue).number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(numbers) == 20 == len(set(numbers))
