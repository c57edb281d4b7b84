"""Inserting many rows into a model's table without making model instances: PostgreSQL's COPY
(`lib.pgcopy`'s text format), multi-row INSERTs on SQLite. For the persons an import or the
demo adds by the thousand (`people.actions.registry.add_persons`).
"""

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from wangge.lib import pgcopy

# Rows per INSERT statement on SQLite (within its limit of bound parameters).
INSERT_BATCH = 2000
# Rows per write of a COPY to PostgreSQL.
COPY_BATCH = 500
# Field types whose Python values the database drivers take as they are (dates: Django's SQLite
# backend registers the adapter that writes them as Django does).
_AS_IS = frozenset({"CharField", "TextField", "ForeignKey", "BinaryField", "DateField"})


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    items: Sequence[Any],
    *,
    values: Callable[[Any], Sequence[Any]] | None = None,
    rendered: Callable[[Any], bytes | None] | None = None,
    pks: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Insert a row per item into `model`'s table without making model instances: `values(item)`
    (the item itself by default) gives the values of the fields named by attname in `columns`;
    every other field takes the value the model gives it (`model_defaults`). `pks`: the rows'
    primary keys, in the order of `items` (reserved: `reserve_ids`), else the database's.
    Errors are Django's (IntegrityError …).

    PostgreSQL: COPY (`lib.pgcopy`'s text), through the connection's execute wrappers; the rows
    are made as they are sent, so the server stores them meanwhile. `rendered(item)`, if given,
    may return the item's columns rendered ahead (`pgcopy.columns` of what `values` would
    give). SQLite: multi-row INSERTs, `INSERT_BATCH` rows each."""
    if not items:
        return
    meta = model._meta
    assert meta.pk is not None
    by_name: dict[str, Field] = {f.attname: f for f in meta.concrete_fields if not f.primary_key}
    unknown = set(columns) - by_name.keys()
    if unknown:
        raise ValueError(f"Not columns of {model.__name__}: {sorted(unknown)}")
    defaults = model_defaults(model, columns, now or timezone.now())
    tail = tuple(f.get_db_prep_save(value, connection) for f, value in defaults)
    preparers = [
        (i, functools.partial(by_name[name].get_db_prep_save, connection=connection))
        for i, name in enumerate(columns)
        if by_name[name].get_internal_type() not in _AS_IS
    ]
    qn = connection.ops.quote_name
    table, pk_column = qn(meta.db_table), qn(str(meta.pk.column))
    names = ", ".join(qn(str(f.column)) for f in [*(by_name[n] for n in columns), *(f for f, _v in defaults)])

    def given(item: Any) -> Sequence[Any]:
        row = values(item) if values is not None else item
        if not preparers:
            return row
        prepared = list(row)
        for index, prepare in preparers:
            prepared[index] = prepare(prepared[index])
        return prepared

    if pks is not None and len(pks) != len(items):
        raise ValueError("One primary key per row.")
    keyed = pks is not None
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({pk_column + ', ' if keyed else ''}{names}) FROM STDIN"
            end = (b"\t" + pgcopy.columns(tail) if tail else b"") + b"\n"

            def lines() -> Iterator[bytes]:
                for index, item in enumerate(items):
                    text = rendered(item) if rendered is not None else None
                    if text is None:
                        text = pgcopy.columns(given(item))
                    yield (b"%d\t%b%b" % (pks[index], text, end)) if pks is not None else text + end

            def copy_rows(sql: str, params: Any, many: bool, context: dict[str, Any]) -> None:
                try:
                    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                        for batch in itertools.batched(lines(), COPY_BATCH):
                            copy.write(b"".join(batch))
                except DatabaseError as error:
                    # PostgreSQL quotes the offending row's value in a COPY error's context: an
                    # error keeps only its first line, so that no personal data reaches a log.
                    raise type(error)(str(error).split("\n", 1)[0]) from None

            # Through the connection's execute wrappers (instrumentation), as an execute() is.
            run = copy_rows
            for wrapper in reversed(connection.execute_wrappers):
                run = functools.partial(wrapper, run)
            run(sql, None, False, {"connection": connection, "cursor": cursor})
            return
        width = len(columns) + len(tail) + (1 if keyed else 0)
        per_statement = max(1, min(INSERT_BATCH, (connection.features.max_query_params or 999) // width))
        one = "(" + ", ".join(["%s"] * width) + ")"
        if keyed:
            names = f"{pk_column}, {names}"

        for start in range(0, len(items), per_statement):
            batch = items[start : start + per_statement]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(batch))}"  # noqa: S608 (quoted names from the model)
            if pks is None:
                cursor.execute(sql, [value for item in batch for value in (*given(item), *tail)])
            else:
                keys = pks[start : start + per_statement]
                cursor.execute(
                    sql, [value for pk, item in zip(keys, batch, strict=True) for value in (pk, *given(item), *tail)]
                )


def model_defaults(model: type[Model], given: Collection[str], now: dt.datetime) -> list[tuple[Field, Any]]:
    """(field, value) for each concrete field of `model` outside `given` (attnames) and the
    primary key: what a new instance holds when saved (the field's default; `now` for
    `auto_now` / `auto_now_add`)."""
    return [
        (f, now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default())
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in given
    ]
