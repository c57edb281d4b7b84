"""Concurrent sign-ups for the last place never exceed the capacity (PostgreSQL: real concurrent
transactions; the activity's row is locked while its places are counted)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from wangge.volunteers import actions
from wangge.volunteers.models import SignUp, SignUpStatus
from wangge.volunteers.tests.factories import volunteer

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_for_the_last_places_never_exceed_the_capacity(small, community_staff, station_a):
    start = timezone.now() + dt.timedelta(days=1)
    place = actions.create_activity(
        community_staff, station_a, title="义诊", starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=3
    )
    users = [volunteer(small, community_staff, station_a, f"并发{i}")[1] for i in range(8)]
    barrier = threading.Barrier(len(users))
    failures: list[BaseException] = []

    def sign(user):
        try:
            barrier.wait()
            actions.sign_up(user, place)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    statuses = list(SignUp.objects.filter(activity=place).values_list("status", flat=True))
    assert statuses.count(SignUpStatus.CONFIRMED) == 3
    assert statuses.count(SignUpStatus.WAITING) == 5
