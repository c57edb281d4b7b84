"""`lib.pgcopy`: rows in PostgreSQL's COPY text format, read back by PostgreSQL as they were."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import TextChoices

from wangge.lib import pgcopy


class Kind(TextChoices):
    HEAD = "head", "Head"


def test_values_as_copy_text():
    assert pgcopy.value(None) == "\\N"
    assert pgcopy.value("泉华路\t3号\n1\\2\r") == "泉华路\\t3号\\n1\\\\2\\r"
    assert pgcopy.value("\\N") == "\\\\N"  # a text, not the NULL
    assert pgcopy.value(Kind.HEAD) == "head"
    assert (pgcopy.value(True), pgcopy.value(False), pgcopy.value(12), pgcopy.value(Decimal("1.50"))) == (
        "t",
        "f",
        "12",
        "1.50",
    )
    assert pgcopy.value(b"\x00\xff") == "\\\\x00ff"
    assert pgcopy.value(dt.date(2026, 1, 5)) == "2026-01-05"
    assert pgcopy.columns(["a", None, 1]) == b"a\t\\N\t1"


def test_what_has_no_place_in_the_database_is_refused():
    with pytest.raises(ValueError, match="naive"):
        pgcopy.value(dt.datetime(2026, 1, 5, 8, 0))  # noqa: DTZ001 (the point)
    with pytest.raises(TypeError):
        pgcopy.value(object())


@pytest.mark.django_db
def test_postgresql_reads_back_what_was_written():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    at = dt.datetime(2026, 11, 27, 8, 30, 15, 123456, tzinfo=dt.UTC)
    rows = [
        ("泉华路\t3号\n1\\2\r 甲", b"\x00\x01\\\xff", dt.date(1949, 10, 1), at, 2**40, True, None),
        ("\\N", b"", dt.date(2026, 1, 5), at, -1, False, "x"),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copied (t text, b bytea, d date, ts timestamptz, i bigint, f boolean, n text)"
        )
        with cursor.cursor.copy("COPY copied FROM STDIN") as copy:
            copy.write(b"".join(pgcopy.columns(row) + b"\n" for row in rows))
        cursor.execute("SELECT t, b, d, ts, i, f, n FROM copied ORDER BY i DESC")
        back = [(t, bytes(b), d, ts, i, f, n) for t, b, d, ts, i, f, n in cursor.fetchall()]
    assert back == rows
