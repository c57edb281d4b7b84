"""Primary keys reserved ahead (`lib.rowids`): new, ascending, never given twice, and the
table's own inserts continue after them, on SQLite and PostgreSQL alike."""

import pytest
from django.db import transaction

from wangge.accounts.models import User
from wangge.lib.rowids import assign_id, reserve_ids
from wangge.lib.testing import assert_queries
from wangge.open311.models import Open311Request


def new_user(name: str, **fields) -> User:
    return User.objects.create(username=name, **fields)


@pytest.mark.django_db
def test_reserved_ids_are_new_ascending_and_never_given_twice():
    before = new_user("before")
    first = reserve_ids(User, 3)
    second = reserve_ids(User, 2)
    assert first == sorted(first) and second == sorted(second) and len(set(first + second)) == 5
    assert min(first) > before.pk and min(second) > max(first)
    # The table's own inserts continue after every reserved id.
    after = new_user("after")
    assert after.pk > max(second)


@pytest.mark.django_db
def test_a_row_is_written_with_the_id_reserved_for_it():
    with transaction.atomic():
        user = assign_id(User(username="reserved"))
        reserved = user.pk
        user.save(force_insert=True)
    assert User.objects.get(username="reserved").pk == reserved
    assert new_user("next").pk > reserved


@pytest.mark.django_db
def test_a_table_that_never_had_a_row_gets_ids_too():
    assert not Open311Request.objects.exists()
    first, second = reserve_ids(Open311Request, 1), reserve_ids(Open311Request, 1)
    assert second[0] > first[0] >= 1


@pytest.mark.django_db
def test_reserving_nothing_asks_nothing():
    with assert_queries(0):
        assert reserve_ids(User, 0) == []
