"""Key rotation over every encrypted column of every app (`people.queries.encrypted_columns`),
in batches and compare-and-set, while the platform runs: `rotate_data_key`,
`reencrypt_values` (which also binds every value to its row), `rotate_index_key`,
`reindex_values`. Each writes a `keys_rotated` audit row with the counts per column.
"""

import time
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import AuditAction, User
from wangge.lib import crypto
from wangge.lib.crypto import blind_index, bound_to, decrypt, is_bound, key_id_of
from wangge.lib.errors import DomainError
from wangge.people.errors import PeopleError
from wangge.people.queries import EncryptedColumn, encrypted_columns, iter_encrypted, key_usage


@dataclass
class ColumnRewrite:
    rewritten: int = 0
    # Changed by someone else between reading and rewriting: left as they were (compare-and-set).
    changed_meanwhile: int = 0
    # Could not be re-indexed because another row already holds the same index (a duplicate).
    conflicts: int = 0
    # Do not decrypt where they are stored (copied from another row or column, or altered; or
    # unbound while unbound values are refused): left as they are, counted, never rewritten.
    unreadable: int = 0
    # Still not on the current key (or not bound, or unreadable) after the last pass.
    remaining: int = 0
    # Still not bound to their row after it all (`key_usage`; data key only).
    unbound: int = 0


def _rewrite_pass(column: EncryptedColumn, *, index: bool, batch: int) -> ColumnRewrite:
    """One pass over a column: each value bound to its row and on the current data key (or,
    with `index`, its blind index under the current index key), compare-and-set."""
    counts = ColumnRewrite()
    manager = column.model._default_manager
    fields = ["pk", column.field] + ([column.index_field] if column.index_field else [])
    last = None
    while True:
        rows = manager.exclude(**{f"{column.field}__isnull": True}).order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        chunk = list(rows.values_list(*fields)[:batch])
        if not chunk:
            return counts
        last = chunk[-1][0]
        updates: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for row in chunk:
            token = bytes(row[1]) if row[1] is not None else b""
            if not token:
                continue
            where: dict[str, Any] = {"pk": row[0], column.field: token}
            binding = bound_to(column.model, column.field, row[0])
            try:
                if index:
                    assert column.index_field is not None
                    new_index = blind_index(decrypt(token, binding))
                    if row[2] == new_index:
                        continue
                    where[column.index_field] = row[2]
                    updates.append((where, {column.index_field: new_index}))
                    continue
                new_token = crypto.reencrypt(token, binding)
            except (crypto.MisplacedValueError, crypto.UnboundValueError):
                counts.unreadable += 1
                continue
            if new_token is not None:
                updates.append((where, {column.field: new_token}))
        if not updates:
            continue
        with transaction.atomic():
            for where, values in updates:
                try:
                    with transaction.atomic():
                        n = manager.filter(**where).update(**values)
                except IntegrityError:
                    counts.conflicts += 1
                    continue
                counts.rewritten += n
                counts.changed_meanwhile += 1 - n


def _rewrite(columns: list[EncryptedColumn], *, index: bool, batch: int, passes: int) -> dict[str, ColumnRewrite]:
    """Each column in passes until one finds nothing left to do (at most `passes`)."""
    results = {}
    for column in columns:
        total = ColumnRewrite()
        for _pass in range(passes):
            step = _rewrite_pass(column, index=index, batch=batch)
            total.rewritten += step.rewritten
            total.changed_meanwhile += step.changed_meanwhile
            total.conflicts, total.unreadable = step.conflicts, step.unreadable
            total.remaining = step.changed_meanwhile + step.conflicts + step.unreadable
            if step.rewritten == 0 and step.changed_meanwhile == 0:
                break
        else:
            total.remaining = _rewrite_pass_count(column, index=index)
        results[column.label] = total
    return results


def _rewrite_pass_count(column: EncryptedColumn, *, index: bool) -> int:
    """How many values of the column are not yet bound and on the current key, or do not
    decrypt where they are (reads only)."""
    ring = crypto.keyring()
    left = 0
    for pk, token, stored in iter_encrypted(column):
        if not index:
            left += not is_bound(token) or key_id_of(token) != ring.data_current
            continue
        try:
            left += blind_index(decrypt(token, bound_to(column.model, column.field, pk))) != stored
        except (crypto.MisplacedValueError, crypto.UnboundValueError):
            left += 1
    return left


def _audit_rotation(acting_user: User | None, kind: str, key_id: str, results: dict[str, ColumnRewrite]) -> None:
    record(
        acting_user,
        AuditAction.KEYS_ROTATED,
        actor_name="" if acting_user is not None else "command line",
        detail={
            "kind": kind,
            "key": key_id,
            "columns": {
                label: {
                    "rewritten": r.rewritten,
                    "remaining": r.remaining,
                    "conflicts": r.conflicts,
                    "unreadable": r.unreadable,
                    "unbound": r.unbound,
                }
                for label, r in results.items()
            },
            "refuse_unbound": crypto.keyring().refuse_unbound,
        },
    )


def reencrypt_values(
    acting_user: User | None, *, batch: int = 500, passes: int = 5, audit: bool = True
) -> dict[str, ColumnRewrite]:
    """Re-encrypt every value of every encrypted column (`…_encrypted` BinaryFields of all apps)
    that is not bound to its row or not on the current data key. Batches of `batch` rows, each
    in its own transaction; every value is replaced only if it is still the ciphertext that was
    read (compare-and-set), so the platform keeps writing meanwhile. Running it again changes
    nothing. A value that does not decrypt where it is stored is left as it is and counted
    (`unreadable`). Once no value is left unbound, a key file records that unbound values are
    refused from then on (`crypto.refuse_unbound_values`; with keys in the environment the
    operator sets `WANGGE_REFUSE_UNBOUND`)."""
    results = _rewrite(encrypted_columns(), index=False, batch=batch, passes=passes)
    for usage in key_usage():
        results[usage.column].unbound = usage.unbound
    ring = crypto.keyring()
    if ring.source == "file" and not ring.refuse_unbound and not any(r.unbound for r in results.values()):
        crypto.refuse_unbound_values()
    if audit:
        _audit_rotation(acting_user, "data", crypto.keyring().data_current, results)
    return results


# After changing the key file, wait until every process has re-read it (they check once a second).
SETTLE_SECONDS = 2 * crypto.RECHECK_SECONDS


def rotate_data_key(
    acting_user: User | None, *, batch: int = 500, settle: float = SETTLE_SECONDS
) -> tuple[str, dict[str, ColumnRewrite]]:
    """A new current data key in the key file, then (once every process uses it, `settle`
    seconds) every value re-encrypted under it. Only for keys kept in the key file
    (`keys_in_environment` otherwise: the operator sets the new key in the environment of every
    process, then runs `reencrypt_values`)."""
    if crypto.keyring().source != "file":
        raise DomainError(
            PeopleError.KEYS_IN_ENVIRONMENT, _("The keys come from the environment; set the new key there.")
        )
    key_id = crypto.add_data_key()
    time.sleep(settle)
    results = reencrypt_values(acting_user, batch=batch, audit=False)
    _audit_rotation(acting_user, "data", key_id, results)
    return key_id, results


def reindex_values(
    acting_user: User | None, *, batch: int = 500, passes: int = 5, audit: bool = True
) -> dict[str, ColumnRewrite]:
    """Recompute every blind index (`…_index` next to an `…_encrypted` column) under the current
    index key, from the decrypted value, in batches with compare-and-set. Lookups keep working
    meanwhile because they try the previous index key too while a rotation is in progress."""
    columns = [c for c in encrypted_columns() if c.index_field]
    results = _rewrite(columns, index=True, batch=batch, passes=passes)
    if audit:
        _audit_rotation(acting_user, "index", crypto.keyring().index_current, results)
    return results


def rotate_index_key(
    acting_user: User | None, *, batch: int = 500, settle: float = SETTLE_SECONDS
) -> tuple[str, dict[str, ColumnRewrite]]:
    """A new current index key in the key file (the old one kept as `previous`, so lookups try
    both), then (once every process does, `settle` seconds) every index recomputed, then the
    previous key dropped from lookups once nothing is left on it. An interrupted rotation is
    resumed by running it again."""
    if crypto.keyring().source != "file":
        raise DomainError(
            PeopleError.KEYS_IN_ENVIRONMENT, _("The keys come from the environment; set the new key there.")
        )
    _previous, key_id = crypto.start_index_rotation()
    time.sleep(settle)
    results = reindex_values(acting_user, batch=batch, audit=False)
    if not any(r.remaining for r in results.values()):
        crypto.finish_index_rotation()
    _audit_rotation(acting_user, "index", key_id, results)
    return key_id, results
