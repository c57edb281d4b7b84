"""Adding persons to the registry, and their member and worker profiles.

A person's ID number, phone and sensitive facts are sealed on the way in: encrypted and bound
to the person's row, with their blind indexes and masked forms (`seal`; ahead, in another
process, for an import; `prepare` renders the whole row for PostgreSQL's COPY). Persons are
written many at a time (`add_persons`, `create_persons`), with their household membership, in
one transaction: all or none.
"""

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.lib import crypto, pgcopy
from wangge.lib.crypto import blind_index, bound_to
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import birth_date_of, mask_id_number, mask_phone, normalise_id_number, normalise_phone
from wangge.lib.rowids import reserve_ids
from wangge.lib.text import clean_text
from wangge.people.bulk import insert_rows, model_defaults
from wangge.people.errors import PeopleError
from wangge.people.models import HouseholdMember, MemberProfile, Person, Relation, WorkerKind, WorkerProfile
from wangge.people.sensitive import encrypt_sensitive


@dataclass
class PersonInput:
    name: str
    gender: str = ""
    birth_date: dt.date | None = None
    id_number: str = ""
    phone: str = ""
    household: AreaNode | None = None
    relation: str = Relation.OTHER
    ethnicity: str = ""
    registered_address: str = ""
    current_address: str = ""
    residence_status: str = ""
    political_status: str = ""
    education: str = ""
    employer: str = ""
    # Sensitive facts (keys of models.SENSITIVE_FACTS); stored encrypted, never in clear.
    sensitive: dict[str, Any] = field(default_factory=dict)
    # The ID number, phone and sensitive facts sealed ahead (`seal`, e.g. in another process), of
    # exactly these values and bound to the id reserved for the person (`reserve_ids`): written
    # with that id, as sealed if still under the ring's current keys, else sealed again.
    sealed: tuple[Any, ...] | None = None
    # PostgreSQL: the person's row rendered ahead (`prepare`), with its reserved id: used if
    # still under the ring's current keys (else made again, with the same id).
    prepared: tuple[str, str, int, bytes] | None = None


PLAIN_FIELDS = (
    "ethnicity",
    "registered_address",
    "current_address",
    "residence_status",
    "political_status",
    "education",
    "employer",
)


def _sealed(
    value: str, mask: Callable[[str], str], binding: bytes, ring: crypto.KeyRing
) -> tuple[bytes | None, str, str]:
    """(encrypted and bound, blind index, masked) of an ID or phone number; empty for no number."""
    if not value:
        return None, "", ""
    return ring.encrypt(value, binding), ring.blind_index(value), mask(value)


def set_id_number(person: Person, number: str) -> None:
    binding = bound_to(person, "id_number_encrypted") if number else b""
    sealed = _sealed(number, mask_id_number, binding, crypto.keyring())
    person.id_number_encrypted, person.id_number_index, person.id_number_masked = sealed


def set_phone(person: Person, phone: str) -> None:
    binding = bound_to(person, "phone_encrypted") if phone else b""
    person.phone_encrypted, person.phone_index, person.phone_masked = _sealed(
        phone, mask_phone, binding, crypto.keyring()
    )


# The columns `create_persons` gives a value, in the order `_person_values` returns them; every
# other column of `Person` takes the model's default.
# The ID and phone number of a person as stored: encrypted, blind index, masked.
SEALED_COLUMNS = (
    "id_number_encrypted",
    "id_number_index",
    "id_number_masked",
    "phone_encrypted",
    "phone_index",
    "phone_masked",
)
PERSON_GIVEN = (
    "district_id",
    "community_id",
    "grid_id",
    "name",
    "gender",
    "birth_date",
    *SEALED_COLUMNS,
    *PLAIN_FIELDS,
    "sensitive_encrypted",
)


def seal(
    pk: int,
    id_number: str,
    phone: str,
    sensitive: Mapping[str, Any],
    ring: crypto.KeyRing,
    *,
    normalised: bool = False,
) -> tuple[Any, ...]:
    """A person's ID number, phone and sensitive facts sealed under `ring` ahead of `add_persons`
    (`PersonInput.sealed`), bound to the person's id `pk` (reserved: `reserve_ids`): (data key
    id, index key id, pk, the `SEALED_COLUMNS` values, the encrypted sensitive facts). Needs no
    database; validates as `add_persons` does, unless the numbers are `normalised` already (as
    `normalise_id_number` and `normalise_phone` return them)."""
    if not normalised:
        id_number = normalise_id_number(id_number) if id_number else ""
        phone = normalise_phone(phone) if phone else ""
    row = b"%d" % pk  # the bindings of the person's columns: `crypto.bound_to`, taken apart
    return (
        ring.data_current,
        ring.index_current,
        pk,
        *_sealed(id_number, mask_id_number, crypto.place(Person, "id_number_encrypted") + row, ring),
        *_sealed(phone, mask_phone, crypto.place(Person, "phone_encrypted") + row, ring),
        encrypt_sensitive(sensitive, pk, ring) if sensitive else None,
    )


def _person_values(district_id: int, pk: int, data: PersonInput, ring: crypto.KeyRing) -> tuple[Any, ...]:
    """The values of `PERSON_GIVEN` for a new person of id `pk`: ID number, phone and sensitive
    facts encrypted under `ring` and bound to the row, with their blind indexes and masks."""
    name = clean_text(data.name)
    if not name:
        raise DomainError(PeopleError.PERSON_NAME_REQUIRED, _("A person needs a name."))
    sealed = data.sealed
    if sealed is None or sealed[0] != ring.data_current or sealed[1] != ring.index_current or sealed[2] != pk:
        sealed = seal(pk, data.id_number, data.phone, data.sensitive, ring)
    household = data.household
    if household is not None and household.level != Level.HOUSEHOLD:
        raise DomainError(PeopleError.NOT_A_HOUSEHOLD, _("A person can only belong to a household."))
    return (
        district_id,
        household.community_id if household is not None else None,
        household.grid_id if household is not None else None,
        name,
        data.gender,
        data.birth_date or (birth_date_of(data.id_number.strip().upper()) if data.id_number else None),
        *sealed[3:9],
        clean_text(data.ethnicity),
        clean_text(data.registered_address),
        clean_text(data.current_address),
        data.residence_status.strip(),
        data.political_status.strip(),
        data.education.strip(),
        clean_text(data.employer),
        sealed[9],
    )


def prepare(district_id: int, pk: int, data: PersonInput, ring: crypto.KeyRing) -> tuple[str, str, int, bytes]:
    """A new person's row rendered ahead for PostgreSQL's COPY (`PersonInput.prepared`), its
    values bound to the id `pk` (reserved: `reserve_ids`): (data key id, index key id, pk, the
    `pgcopy.columns` of `PERSON_GIVEN`). Needs no database: the household need only say its
    level, community and grid. Validates as `add_persons` does."""
    return ring.data_current, ring.index_current, pk, pgcopy.columns(_person_values(district_id, pk, data, ring))


def _reserved_id(data: PersonInput) -> int | None:
    """The id a person's values were sealed or rendered for ahead, if they were."""
    ahead = data.prepared or data.sealed
    return ahead[2] if ahead is not None else None


def id_number_exists() -> DomainError:
    return DomainError(PeopleError.ID_NUMBER_EXISTS, _("A person with this ID number is already registered."))


def check_previous_index(district_id: int, numbers: Iterable[str], exclude_pk: int | None = None) -> None:
    """During an index rotation the unique constraint sees only indexes under one key; a number
    still indexed under the previous key is found here instead."""
    ring = crypto.keyring()
    if ring.index_previous is None:
        return
    indexes = [blind_index(n, ring.index_previous) for n in numbers]
    if not indexes:
        return
    existing = Person.objects.filter(district_id=district_id, id_number_index__in=indexes)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    if existing.exists():
        raise id_number_exists()


def add_persons(acting_user: User | None, *, district: AreaNode, people: Sequence[PersonInput]) -> list[int]:
    """Add persons (with their household membership) in one transaction, all or none; their ids,
    in order. What `create_persons` does, without making model instances (for imports)."""
    return _add_persons(district, people, timezone.now())[0]


def create_persons(acting_user: User | None, *, district: AreaNode, people: Sequence[PersonInput]) -> list[Person]:
    """Add persons (with their household membership) in one transaction: all or none."""
    now = timezone.now()
    ids, rows = _add_persons(district, people, now)
    # The instances as a query would load them: the values written, with their ids.
    defaults = model_defaults(Person, PERSON_GIVEN, now)
    names = ["id", *PERSON_GIVEN, *(f.attname for f, _v in defaults)]
    tail = tuple(value for _f, value in defaults)
    model_order = [f.attname for f in Person._meta.concrete_fields]
    in_model_order = operator.itemgetter(*(names.index(name) for name in model_order))
    return [
        Person.from_db(connection.alias, model_order, in_model_order((pk, *row, *tail)))
        for pk, row in zip(ids, rows, strict=True)
    ]


def _add_persons(
    district: AreaNode, people: Sequence[PersonInput], now: dt.datetime
) -> tuple[list[int], list[tuple[Any, ...]]]:
    """(ids, values of `PERSON_GIVEN`) of the persons added; the values only of those not
    rendered ahead (`PersonInput.prepared`), which `create_persons` never gives. A person
    sealed or rendered ahead keeps the id reserved for it; the others get ids reserved here,
    before their values are encrypted (bound to them)."""
    ring = crypto.keyring()
    rows: list[tuple[Any, ...]] = []

    def values(item: tuple[int, PersonInput]) -> tuple[Any, ...]:
        row = _person_values(district.pk, item[0], item[1], ring)
        rows.append(row)
        return row

    def rendered(item: tuple[int, PersonInput]) -> bytes | None:
        prepared = item[1].prepared
        if prepared is None or prepared[0] != ring.data_current or prepared[1] != ring.index_current:
            return None
        return prepared[3]

    try:
        with transaction.atomic():
            if ring.index_previous is not None:
                numbers = [normalise_id_number(data.id_number) for data in people if data.id_number]
                check_previous_index(district.pk, numbers)
            ahead = [_reserved_id(data) for data in people]
            fresh = iter(reserve_ids(Person, ahead.count(None)))
            ids = [pk if pk is not None else next(fresh) for pk in ahead]
            keyed = list(zip(ids, people, strict=True))
            insert_rows(Person, PERSON_GIVEN, keyed, values=values, rendered=rendered, pks=ids, now=now)
            insert_rows(
                HouseholdMember,
                ("person_id", "household_id", "relation"),
                [
                    (pk, d.household.pk, d.relation)
                    for pk, d in zip(ids, people, strict=True)
                    if d.household is not None
                ],
                now=now,
            )
    except IntegrityError:
        raise id_number_exists() from None
    return ids, rows


def create_person(acting_user: User | None, *, district: AreaNode, data: PersonInput) -> Person:
    return create_persons(acting_user, district=district, people=[data])[0]


def register_members(acting_user: User | None, rows: Sequence[tuple[Person, str, AreaNode]]) -> list[MemberProfile]:
    """Member profiles for (person, kind, home community)."""
    profiles = []
    for person, kind, community in rows:
        if community.level != Level.COMMUNITY:
            raise DomainError(PeopleError.HOME_COMMUNITY_LEVEL, _("A member's home community must be a community."))
        profiles.append(
            MemberProfile(district_id=person.district_id, person=person, kind=kind, home_community=community)
        )
    with transaction.atomic():
        MemberProfile.objects.bulk_create(profiles, batch_size=2000)
    return profiles


def add_workers(acting_user: User | None, rows: Sequence[tuple[Person, str, AreaNode]]) -> list[WorkerProfile]:
    """Worker profiles for (person, kind, area worked in: a community or a grid)."""
    profiles = []
    for person, kind, area in rows:
        if kind not in WorkerKind.values:
            raise DomainError(PeopleError.UNKNOWN_WORKER_KIND, _("Unknown kind of community worker."))
        if area.level not in (Level.COMMUNITY, Level.GRID):
            raise DomainError(PeopleError.WORKER_AREA_LEVEL, _("A community worker works in a community or a grid."))
        profiles.append(
            WorkerProfile(
                district_id=person.district_id,
                person=person,
                kind=kind,
                area=area,
                community_id=area.community_id,
                grid_id=area.grid_id,
            )
        )
    with transaction.atomic():
        WorkerProfile.objects.bulk_create(profiles, batch_size=2000)
    return profiles
