"""What imports hold about a person, registered with the people app's holders
(`wangge.people.holders`) by `LedgersConfig.ready`: for the residents' access report, the
review items about them or created from them (with the incoming facts) and the merges of
their record; for anonymisation, `forget_persons`, which deletes those and the fingerprints
of the rows they were created from.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.ledgers.actions import forget_persons
from wangge.ledgers.queries import held_about
from wangge.people.holders import Holder
from wangge.people.models import Person


def review_items(person: Person) -> list[dict[str, Any]]:
    return held_about(person)["review_items"]


def merges(person: Person) -> list[dict[str, Any]]:
    return held_about(person)["merges"]


def forget(acting_user: User | None, person_ids: list[int]) -> None:
    forget_persons(person_ids)


REVIEW_ITEMS = Holder(
    key="imported_ledger_rows",
    title=_("Imported ledger rows"),
    columns=[
        ("import_file", _("File")),
        ("imported_at", _("Imported at")),
        ("row", _("Row")),
        ("kind", _("Kind")),
        ("state", _("State")),
        ("differing_fields", _("Differing fields")),
        ("incoming", _("Values in the file")),
    ],
    held=review_items,
    # The review items and merges about them, and the fingerprints of the rows they were created from.
    forget=forget,
)
MERGES = Holder(
    key="ledger_row_merges",
    title=_("Merges of ledger rows"),
    columns=[("at", _("At")), ("fields", _("Fields")), ("undone", _("Undone"))],
    held=merges,
)
