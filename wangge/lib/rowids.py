"""Primary keys reserved before their rows are written.

An encrypted value is bound to its row (`lib.crypto.bound_to`: table, column and primary key),
so a new row's key must be known before its values are encrypted: `reserve_ids(model, n)`
takes `n` keys that no other row of the table will get, and the rows are then written with
them. The keys come from where the database takes them itself:

- PostgreSQL: the table's sequence (`nextval`), from any connection, outside any transaction
  (a rolled-back transaction leaves a gap, as an INSERT does);
- SQLite: the table's AUTOINCREMENT counter (`sqlite_sequence`), moved on by `n` in the
  transaction that writes the rows (SQLite's write lock is held from its first statement:
  `transaction_mode` IMMEDIATE), so its own INSERTs without a key continue after them; a
  rollback gives them back, along with the rows.

Keys reserved and never used are gaps, which both databases allow.
"""

from django.db import connection, models, transaction


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, ascending; no query for none."""
    if count <= 0:
        return []
    meta = model._meta
    assert meta.pk is not None
    table, column = meta.db_table, str(meta.pk.column)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return sorted(row[0] for row in cursor.fetchall())
    if connection.vendor != "sqlite":
        raise NotImplementedError(f"No key reservation for {connection.vendor}.")
    qn = connection.ops.quote_name
    highest = f"(SELECT coalesce(max({qn(column)}), 0) FROM {qn(table)})"  # noqa: S608 (names from the model)
    with transaction.atomic(), connection.cursor() as cursor:
        # The counter is at least the highest key (AUTOINCREMENT keeps it so; rows written with
        # explicit keys higher than it move it on too).
        cursor.execute(
            f"UPDATE sqlite_sequence SET seq = max(seq, {highest}) + %s WHERE name = %s RETURNING seq",  # noqa: S608
            [count, table],
        )
        row = cursor.fetchone()
        if row is None:  # the table has never had a row
            cursor.execute(
                f"INSERT INTO sqlite_sequence (name, seq) VALUES (%s, {highest} + %s) RETURNING seq",  # noqa: S608
                [table, count],
            )
            row = cursor.fetchone()
    last = int(row[0])
    return list(range(last - count + 1, last + 1))


def assign_id(row: models.Model) -> models.Model:
    """Give an unsaved `row` a reserved primary key (kept if it has one); the row. Save it with
    `force_insert=True` (or `create`) in the same transaction."""
    if row.pk is None:
        row.pk = reserve_ids(type(row), 1)[0]
    return row
