"""Counting the SQL that a block of test code runs.

A count that is wrong says which statements ran: `assert_queries(n)` and `assert_flat(...)` fail
with every statement listed and numbered, so the query that came in is read off the failure
instead of hunted for. `assert_flat` states what a pinned count cannot show: a page, list or
report costs the same number of queries however many rows it holds.

    with assert_queries(1):  # the areas whose grid is this one
        list(subtree(grid))

    with count_queries() as few:
        client.get(url)
    add_rows()
    with count_queries() as many:
        client.get(url)
    assert_flat(few, many, at_most=7)
"""

import difflib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from types import TracebackType

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext


class Queries:
    """The statements run inside one `count_queries()` block, in order (all of them once the
    block has ended; those so far while it runs)."""

    def __init__(self, context: CaptureQueriesContext) -> None:
        self._context = context
        self._kept: list[str] | None = None

    def _keep(self) -> None:
        # Django empties its query log at the start of each request: what the block ran is
        # copied when it ends, or a later request would take it away.
        self._kept = self.sql

    @property
    def sql(self) -> list[str]:
        """The text of each statement, with its parameters filled in."""
        if self._kept is not None:
            return list(self._kept)
        return [query["sql"] for query in self._context.captured_queries]

    def __len__(self) -> int:
        return len(self.sql)

    def __iter__(self) -> Iterator[str]:
        return iter(self.sql)

    def listing(self) -> str:
        """Every statement on a line of its own, numbered from 1."""
        return "\n".join(f"{n:>4}. {sql}" for n, sql in enumerate(self.sql, start=1)) or "      (none)"


class _Capture:
    """The context manager behind `count_queries` and `assert_queries`."""

    def __init__(self, using: str, expected: int | None = None) -> None:
        self._connection = connections[using]
        self._expected = expected

    def __enter__(self) -> Queries:
        log = self._connection.queries_log
        if log.maxlen is not None and len(log) >= log.maxlen:
            # A full log makes every later capture look empty; what it holds was counted before.
            log.clear()
        self._context = CaptureQueriesContext(self._connection)
        self._context.__enter__()
        self._queries = Queries(self._context)
        return self._queries

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        __tracebackhide__ = True
        self._context.__exit__(exc_type, exc, traceback)
        limit = self._connection.queries_log.maxlen
        overflowed = limit is not None and len(self._connection.queries_log) >= limit
        if not overflowed:
            self._queries._keep()
        if exc_type is not None:
            return  # the block's own error, uncounted
        if overflowed:
            raise RuntimeError(
                f"Django keeps only the last {limit} queries and the block ran more: they cannot be "
                "counted. Count a smaller block."
            )
        ran = len(self._queries)
        if self._expected is not None and ran != self._expected:
            raise AssertionError(f"Expected {_queries(self._expected)}, {ran} ran:\n{self._queries.listing()}")


def count_queries(using: str = DEFAULT_DB_ALIAS) -> AbstractContextManager[Queries]:
    """Captures the queries the block runs on the `using` database."""
    return _Capture(using)


def assert_queries(count: int, using: str = DEFAULT_DB_ALIAS) -> AbstractContextManager[Queries]:
    """The block runs exactly `count` queries; otherwise it fails listing each one it ran.

    An exception raised in the block is passed on as it is, uncounted."""
    return _Capture(using, expected=count)


def assert_flat(*runs: Queries, at_most: int | None = None) -> None:
    """Runs of the same code, measured with more rows each time, took the same number of queries,
    and none more than `at_most` (when given).

    On failure the message lists the statements of every run, and what changed from the first
    run to each run that took a different number."""
    __tracebackhide__ = True
    if len(runs) < 2:
        raise ValueError("assert_flat compares at least two runs.")
    counts = [len(run) for run in runs]
    problems = []
    if len(set(counts)) > 1:
        problems.append(f"the number of queries changed from run to run: {counts}")
    if at_most is not None and max(counts) > at_most:
        problems.append(f"more than {_queries(at_most)}: {counts}")
    if not problems:
        return
    summary = "; ".join(problems)
    parts = [summary[0].upper() + summary[1:] + "."]
    first = runs[0]
    for n, run in enumerate(runs[1:], start=2):
        if len(run) != len(first):
            changes = difflib.unified_diff(first.sql, run.sql, "run 1", f"run {n}", n=0, lineterm="")
            parts.append(f"From run 1 to run {n}:\n" + "\n".join(changes))
    parts.append(describe_runs(*runs))
    raise AssertionError("\n\n".join(parts))


def describe_runs(*runs: Queries) -> str:
    """The statements of each run, numbered: the message of a comparison `assert_flat` does not make."""
    return "\n\n".join(f"Run {n} ({_queries(len(run))}):\n{run.listing()}" for n, run in enumerate(runs, start=1))


def _queries(count: int) -> str:
    return f"{count} query" if count == 1 else f"{count} queries"
