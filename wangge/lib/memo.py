"""Per-process memory, for a few seconds, of rows that every intake or API request reads and
that rarely change: the district of a jurisdiction, a service's category and its questions,
an API key or a bearer token with its user (and, on that user object, the user's roles and
handling units), the grid index's change stamp.

Why: reading them again on every request was most of what a filing or a list cost beyond the
bare insert (docs/performance.md, "Intake"). What a process remembers it forgets at once when
the process itself saves or deletes a row of a watched model (`forget_on_change`); another
process sees such a change after at most its memo's `ttl` seconds. So a revoked token or key
is refused everywhere within `CREDENTIAL_TTL` seconds (docs/api.md).

Nothing that is not found is remembered: a key or category created a moment ago is found at
once.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

CREDENTIAL_TTL = 5.0  # seconds a token, key, role or category change may take to reach every process

_memos: list["Memo[Any]"] = []


class Memo[V]:
    """key → value, each kept for `ttl` seconds; at most `size` keys (then it starts afresh)."""

    def __init__(self, ttl: float = CREDENTIAL_TTL, size: int = 1024) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[Hashable, tuple[float, V]] = {}
        _memos.append(self)

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


def forget_all(**_signal: Any) -> None:
    """Forget everything every memo of this process holds (a signal receiver as well)."""
    for memo in _memos:
        memo.clear()


def forget_on_change(*watched: type[models.Model]) -> None:
    """Forget everything when this process saves or deletes a row of one of `watched` (or
    changes one of their many-to-many relations)."""
    for model in watched:
        post_save.connect(forget_all, sender=model, weak=False, dispatch_uid=f"memo-save-{model._meta.label}")
        post_delete.connect(forget_all, sender=model, weak=False, dispatch_uid=f"memo-delete-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            through: type[models.Model] = field.remote_field.through  # type: ignore[attr-defined,assignment]
            m2m_changed.connect(forget_all, sender=through, weak=False, dispatch_uid=f"memo-m2m-{through._meta.label}")
