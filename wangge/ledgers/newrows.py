"""What the people app is given for an import's new rows: a `PersonInput` per row, with the
household the row names. Needs no writing, so the process that reads a large file
(`ledgers.pipeline`) builds them too, to seal a commit's rows ahead.
"""

from typing import Any

from wangge.areas.models import AreaNode
from wangge.ledgers.cleaning import Facts, gender_of
from wangge.people.actions import PersonInput
from wangge.people.models import Relation


def person_input(
    facts: Facts,
    households: dict[int, AreaNode],
    sealed: tuple[Any, ...] | None = None,
    prepared: tuple[str, str, int, bytes] | None = None,
) -> PersonInput:
    """What the people app is given for a new row (its household among `households`)."""
    return PersonInput(
        name=facts.name,
        gender=facts.gender or (gender_of(facts.id_number) if facts.id_number else ""),
        birth_date=facts.birth_date,
        id_number=facts.id_number,
        phone=facts.phone,
        household=households[facts.household_id] if facts.household_id is not None else None,
        relation=facts.relation or Relation.OTHER,
        ethnicity=facts.ethnicity,
        registered_address=facts.registered_address,
        current_address=facts.current_address,
        residence_status=facts.residence_status,
        political_status=facts.political_status,
        education=facts.education,
        employer=facts.employer,
        sensitive=dict(facts.sensitive),
        sealed=sealed,
        prepared=prepared,
    )


def households_of(rows: list[Facts]) -> dict[int, AreaNode]:
    """The households the rows name (what `person_input` needs of them), by id."""
    household_ids = {f.household_id for f in rows if f.household_id is not None}
    if not household_ids:
        return {}
    return AreaNode.objects.only("level", "community_id", "grid_id").in_bulk(household_ids)
