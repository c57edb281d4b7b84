"""Rows in PostgreSQL's COPY text format, made without a connection.

`people.actions` writes many rows with `COPY … FROM STDIN`; a ledger import renders each new
person's row ahead, in the process that parses the file (`ledgers.pipeline`), so that the
importing one only sends bytes. One format for both, as PostgreSQL documents it (COPY, "Text
Format"): columns separated by a tab, `\\N` for NULL, backslash, tab, newline and carriage
return escaped, bytea in its hex form. The values are those the database drivers are given:
None, str, bool, int, float, Decimal, date, time, datetime (aware), bytes.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

NULL = "\\N"
_ESCAPED = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(item: str) -> str:
    if "\\" in item or "\t" in item or "\n" in item or "\r" in item:
        return item.translate(_ESCAPED)
    return str.__str__(item)  # a str enum (choices) as its value


def _bytes(item: bytes | bytearray | memoryview) -> str:
    return "\\\\x" + item.hex()  # the bytea hex form, its backslash escaped


def _datetime(item: dt.datetime) -> str:
    if item.tzinfo is None:
        raise ValueError("A naive datetime has no place in the database.")
    return item.isoformat()


_BY_TYPE: dict[type, Callable[[Any], str]] = {
    str: _text,
    int: int.__repr__,
    type(None): lambda _item: NULL,
    bytes: _bytes,
    dt.date: dt.date.isoformat,
    dt.datetime: _datetime,
    bool: lambda item: "t" if item else "f",
}


def value(item: Any) -> str:
    """One column's value as COPY text reads it."""
    render = _BY_TYPE.get(type(item))
    if render is not None:
        return render(item)
    if isinstance(item, str):
        return _text(item)
    if isinstance(item, bool):
        return "t" if item else "f"
    if isinstance(item, int):  # an int enum (choices) as its number
        return int.__repr__(item)
    if isinstance(item, float | Decimal):
        return str(item)
    if isinstance(item, bytes | bytearray | memoryview):
        return _bytes(item)
    if isinstance(item, dt.datetime):
        return _datetime(item)
    if isinstance(item, dt.date | dt.time):
        return item.isoformat()
    raise TypeError(f"No COPY text for {type(item).__name__}.")


def columns(items: Iterable[Any]) -> bytes:
    """Values as the columns of (part of) a row: tab-separated, without the line's end."""
    by_type = _BY_TYPE
    return "\t".join([(by_type.get(type(item)) or value)(item) for item in items]).encode()
