"""The apps that keep data about persons, each registered here by itself.

The people app sits below the apps that build on it (cases, imports, …), so it cannot reach
into them; yet the residents' access report must show everything held about a person, and
anonymisation must forget them everywhere. Each app that keeps data about persons registers a
`Holder` from its `AppConfig.ready()`:

- `key`: stable, the key of its section in the access report's JSON (`other_records`);
- `title`: the section's heading (translated), a sheet of the report's workbook;
- `columns` and `held(person)`: the rows it holds about one person, as dicts keyed by the
  column keys, for the access report (values JSON-ready, or dates and datetimes, which the
  report writes in ISO form); no check and no audit (the access report does both);
- `forget(acting_user, person_ids)`: delete or clear what it holds about these persons, in the
  anonymisation's transaction; called after the persons' names and numbers are cleared
  (`anonymised_at` set) and before their household links are removed, so a holder can still
  find the households that were theirs.

Either function is optional. Holders are walked in the order they registered (the order of
`INSTALLED_APPS`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from wangge.accounts.models import User
from wangge.people.models import Person

# The rows a holder holds about one person: a dict per row, keyed by its columns' keys.
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Holder:
    key: str
    title: str | Promise
    # (key, heading) of each column of the rows `held` gives.
    columns: Sequence[tuple[str, str | Promise]] = ()
    held: Callable[[Person], Rows] | None = None
    forget: Callable[[User | None, list[int]], object] | None = None


_holders: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    """Add a holder; registering the same one again changes nothing, another with a key already
    taken is a ValueError."""
    known = _holders.get(holder.key)
    if known is not None and known != holder:
        raise ValueError(f"A holder of personal data is already registered as {holder.key!r}.")
    _holders[holder.key] = holder


def unregister(key: str) -> None:
    """Remove the holder registered as `key`, if any (for tests)."""
    _holders.pop(key, None)


def registered() -> list[Holder]:
    """Every holder, in the order they registered."""
    return list(_holders.values())


def held_about(person: Person) -> list[dict[str, Any]]:
    """What every holder with a `held` function holds about the person: for each, its key,
    title (in the active language), columns ({key, title}) and rows."""
    return [
        {
            "key": holder.key,
            "title": str(holder.title),
            "columns": [{"key": key, "title": str(title)} for key, title in holder.columns],
            "rows": holder.held(person),
        }
        for holder in _holders.values()
        if holder.held is not None
    ]


def forget(acting_user: User | None, person_ids: list[int]) -> None:
    """Every holder with a `forget` function forgets these persons (call it in a transaction)."""
    for holder in _holders.values():
        if holder.forget is not None:
            holder.forget(acting_user, person_ids)
