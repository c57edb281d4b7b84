"""Two members claiming one wish at the same moment: exactly one claimant. Real concurrent
transactions, one per thread and connection, so PostgreSQL only (pattern of
fieldwork/tests/test_concurrency.py)."""

import threading

import pytest
from django.db import connection, connections

from wangge.accounts.models import Role
from wangge.api.testing import bearer_client
from wangge.conftest import make_persona
from wangge.team import wishes
from wangge.team.models import Wish

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions are tested on PostgreSQL"),
]

ROUNDS = 5


def test_concurrent_claims_of_one_wish_give_one_claimant(small, resident):
    members = [make_persona(f"m{i}", Role.MEMBER, small.communities[0]) for i in range(3)]
    clients = [bearer_client(m) for m in members]
    for _round in range(ROUNDS):
        wish = wishes.post_wish(resident, area=small.households[0], text="帮忙买药")
        barrier = threading.Barrier(len(clients))
        statuses: list[int] = []

        def claim(client, pk=wish.pk, barrier=barrier, statuses=statuses) -> None:
            try:
                barrier.wait(timeout=10)
                statuses.append(client.post(f"/api/v1/wishes/{pk}/claim").status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [200, 409, 409], statuses
        assert Wish.objects.get(pk=wish.pk).claimant_id in {m.pk for m in members}
