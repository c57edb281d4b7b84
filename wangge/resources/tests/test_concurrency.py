"""Twenty residents ask for one slot at the same moment: exactly one booking holds it, the others
are answered `booking_conflict`.

On PostgreSQL each attempt runs in its own thread and connection, so the transactions truly
overlap and the exclusion constraint decides (the action's own check alone would let several
through). SQLite's test database is private to one connection: there the same guarantee comes
from `BEGIN IMMEDIATE`, tested in `test_sqlite_write_lock.py` with separate processes.
"""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError
from wangge.resources.models import Booking
from wangge.resources.tests.factories import booking, facility

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions are tested on PostgreSQL"),
]

ATTEMPTS = 20


def test_twenty_parallel_attempts_at_one_slot_make_exactly_one_booking(small, community_staff):
    ground = facility(community_staff, small.grids[0])
    residents = [make_persona(f"r{i}", Role.RESIDENT, small.households[i % 6]) for i in range(ATTEMPTS)]
    barrier = threading.Barrier(ATTEMPTS)
    answers: list[str] = []

    def attempt(user, hour: int) -> None:
        try:
            barrier.wait(timeout=20)
            booking(user, ground, hour=hour, hours=2)
            answers.append("booked")
        except DomainError as error:
            answers.append(error.code)
        finally:
            connections.close_all()

    # Overlapping but not equal slots (9–11, 10–12): the constraint is about ranges, not starts.
    threads = [threading.Thread(target=attempt, args=(user, 9 + i % 2)) for i, user in enumerate(residents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == ["booked"] + ["booking_conflict"] * (ATTEMPTS - 1)
    assert Booking.objects.count() == 1


def test_the_database_itself_refuses_an_overlapping_held_booking(small, community_staff, resident):
    """The exclusion constraint, without the action's check: a direct insert is refused."""
    held = booking(resident, facility(community_staff, small.grids[0]), hour=9, hours=2)
    fields = {f: getattr(held, f) for f in ("district_id", "community_id", "facility_id", "booked_by_id", "status")}
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            **fields, starts_at=held.starts_at + (held.ends_at - held.starts_at) / 2, ends_at=held.ends_at
        )
    Booking.objects.create(**{**fields, "status": "cancelled"}, starts_at=held.starts_at, ends_at=held.ends_at)
