"""The query-count helpers (`lib.testing`): a right count passes, a wrong one fails with every
statement in the message, and a count that grows with the rows is caught."""

import pytest
from django.db import connection, reset_queries

from wangge.accounts.models import User
from wangge.lib.testing import assert_flat, assert_queries, count_queries, describe_runs

pytestmark = pytest.mark.django_db


def look_up(*usernames: str) -> None:
    for username in usernames:
        User.objects.filter(username=username).exists()


def test_count_queries_gives_the_statements_of_the_block_only():
    look_up("before")
    with count_queries() as queries:
        look_up("first", "second")
    look_up("after")
    assert len(queries) == 2
    assert "first" in queries.sql[0] and "second" in queries.sql[1]
    assert list(queries) == queries.sql


def test_assert_queries_passes_when_the_count_is_right():
    with assert_queries(2) as queries:
        look_up("a", "b")
    assert len(queries) == 2
    with assert_queries(0):
        pass


def test_assert_queries_fails_with_every_statement_numbered():
    with pytest.raises(AssertionError) as failure, assert_queries(1):
        look_up("wang-xiaoming", "li-si")
    message = str(failure.value)
    assert message.startswith("Expected 1 query, 2 ran:\n")
    first, second = message.splitlines()[1:]
    assert first.startswith("   1. SELECT") and "wang-xiaoming" in first
    assert second.startswith("   2. SELECT") and "li-si" in second


def test_too_few_queries_fail_too():
    with pytest.raises(AssertionError, match=r"^Expected 3 queries, 1 ran:\n   1\. SELECT"), assert_queries(3):
        look_up("one")


def test_an_error_in_the_block_is_passed_on_uncounted():
    with pytest.raises(KeyError), assert_queries(5):
        look_up("one")
        raise KeyError("boom")


def test_assert_flat_passes_when_every_run_costs_the_same():
    runs = []
    for names in (["a"], ["b"], ["c"]):
        with count_queries() as run:
            look_up(*names)
        runs.append(run)
    assert_flat(*runs)
    assert_flat(*runs, at_most=1)


def test_assert_flat_fails_when_the_count_grows_and_lists_each_run():
    with count_queries() as few:
        look_up("row-1")
    with count_queries() as many:
        look_up("row-1", "row-2", "row-3")
    with pytest.raises(AssertionError) as failure:
        assert_flat(few, many)
    message = str(failure.value)
    assert message.startswith("The number of queries changed from run to run: [1, 3].")
    assert "From run 1 to run 2:" in message
    assert [line for line in message.splitlines() if line.startswith("+SELECT")] == ["+" + sql for sql in many.sql[1:]]
    run_1, run_2 = message.split("Run 1 (1 query):\n")[1].split("\n\nRun 2 (3 queries):\n")
    assert run_1 == f"   1. {few.sql[0]}"
    assert run_2.splitlines() == [f"   {n}. {sql}" for n, sql in enumerate(many.sql, start=1)]
    assert "row-3" in run_2


def test_assert_flat_fails_above_the_bound_even_when_flat():
    runs = []
    for _ in range(2):
        with count_queries() as run:
            look_up("x", "y")
        runs.append(run)
    assert_flat(*runs, at_most=2)
    with pytest.raises(AssertionError, match=r"^More than 1 query: \[2, 2\]\.\n\nRun 1 \(2 queries\):\n   1\. SELECT"):
        assert_flat(*runs, at_most=1)


def test_assert_flat_needs_two_runs():
    with count_queries() as run:
        look_up("a")
    with pytest.raises(ValueError, match="at least two runs"):
        assert_flat(run)


def test_a_full_query_log_does_not_hide_the_next_block():
    log = connection.queries_log
    log.extend({"sql": "SELECT 1", "time": "0.000"} for _ in range(log.maxlen))
    assert len(log) == log.maxlen
    with assert_queries(1):
        look_up("seen")


def test_a_block_too_long_to_count_is_refused_not_miscounted():
    log = connection.queries_log
    with pytest.raises(RuntimeError, match="cannot be counted"), count_queries():
        for _ in range(log.maxlen + 1):
            log.append({"sql": "SELECT 1", "time": "0.000"})


def test_the_statements_stay_after_django_empties_its_log():
    with count_queries() as queries:
        look_up("kept")
    reset_queries()  # as at the start of every request, e.g. the test client's next one
    look_up("later")
    assert len(queries) == 1 and "kept" in queries.sql[0]


def test_describe_runs_numbers_the_statements_of_each_run():
    with count_queries() as first:
        look_up("a")
    with count_queries() as second:
        pass
    assert describe_runs(first, second) == f"Run 1 (1 query):\n   1. {first.sql[0]}\n\nRun 2 (0 queries):\n      (none)"
