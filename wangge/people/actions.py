"""Every change to persons and their profiles, and every reading of personal data in clear.

Personal data (ID number, phone, sensitive facts) is encrypted here on the way in. It comes
back in clear only through the functions below, each of which checks role and scope (the
personal-data roles over the person's grid; outside scope a person does not exist: 404) and
writes an audit row that names the fields and the reason, never the values:

- `reveal_personal_data`: with a reason; grants the user a clear view of that person for
  `settings.REVEAL_MINUTES` (`RevealGrant`);
- `visible_fields` / `visible_fields_for`: what a user sees of persons now, masked unless a
  grant is valid (each clear reading audited as a view);
- `access_report`: everything held about one person (residents' right of access);
- `correct_person`, `anonymise_person` / `anonymise_persons`: correction with history, and
  anonymisation after the retention period;
- `rotate_data_key`, `reencrypt_values`, `rotate_index_key`, `reindex_values`: key rotation
  over every encrypted column of every app, in batches, while the platform runs.
"""

import datetime as dt
import functools
import itertools
import json
import operator
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record, require_reason
from wangge.accounts.models import AuditAction, AuditEvent, User
from wangge.areas.models import AreaNode, Level
from wangge.lib import crypto, pgcopy
from wangge.lib.crypto import (
    blind_index,
    blind_indexes,
    bound_to,
    decrypt,
    decrypt_field,
    is_bound,
    key_id_of,
)
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import birth_date_of, mask_id_number, mask_phone, normalise_id_number, normalise_phone
from wangge.lib.rowids import assign_id, reserve_ids
from wangge.lib.text import clean_text
from wangge.people import holders, report
from wangge.people.models import (
    REVEALABLE_FIELDS,
    SENSITIVE_FACTS,
    Education,
    Gender,
    HouseholdMember,
    MemberProfile,
    Person,
    PersonCorrection,
    PersonStatus,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
    RevealGrant,
    WorkerKind,
    WorkerProfile,
)
from wangge.people.queries import (
    EncryptedColumn,
    encrypted_columns,
    iter_encrypted,
    key_usage,
    may_read_personal_data,
    scope_nodes,
)

# What an anonymised person's name becomes (stored data, shown as it is).
ANONYMISED_NAME = "已匿名"


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


def sensitive_kept(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The sensitive facts worth keeping (not empty); `sensitive_fact_unknown` for another key."""
    unknown = set(facts) - SENSITIVE_FACTS.keys()
    if unknown:
        raise DomainError("sensitive_fact_unknown", _("Unknown sensitive fact: %(key)s.") % {"key": sorted(unknown)[0]})
    return {key: value for key, value in facts.items() if value not in (None, "", False, {})}


def encrypt_sensitive(facts: Mapping[str, Any], person_id: int, ring: crypto.KeyRing | None = None) -> bytes | None:
    """The encrypted sensitive-facts document of the person `person_id` (bound to that row), or
    None when there is nothing to keep."""
    kept = sensitive_kept(facts)
    if not kept:
        return None
    text = json.dumps(kept, ensure_ascii=False, sort_keys=True)
    return (ring or crypto.keyring()).encrypt(text, bound_to(Person, "sensitive_encrypted", person_id))


def decrypt_sensitive(person: Person) -> dict[str, Any]:
    """The person's sensitive facts in clear: only for `reveal_personal_data` and audited paths."""
    text = decrypt_field(person, "sensitive_encrypted")
    return dict(json.loads(text)) if text else {}


def _sealed(
    value: str, mask: Callable[[str], str], binding: bytes, ring: crypto.KeyRing
) -> tuple[bytes | None, str, str]:
    """(encrypted and bound, blind index, masked) of an ID or phone number; empty for no number."""
    if not value:
        return None, "", ""
    return ring.encrypt(value, binding), ring.blind_index(value), mask(value)


def _set_id_number(person: Person, number: str) -> None:
    binding = bound_to(person, "id_number_encrypted") if number else b""
    sealed = _sealed(number, mask_id_number, binding, crypto.keyring())
    person.id_number_encrypted, person.id_number_index, person.id_number_masked = sealed


def _set_phone(person: Person, phone: str) -> None:
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
        raise DomainError("person_name_required", _("A person needs a name."))
    sealed = data.sealed
    if sealed is None or sealed[0] != ring.data_current or sealed[1] != ring.index_current or sealed[2] != pk:
        sealed = seal(pk, data.id_number, data.phone, data.sensitive, ring)
    household = data.household
    if household is not None and household.level != Level.HOUSEHOLD:
        raise DomainError("not_a_household", _("A person can only belong to a household."))
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


def _id_number_exists() -> DomainError:
    return DomainError("id_number_exists", _("A person with this ID number is already registered."))


def _check_previous_index(district_id: int, numbers: Iterable[str], exclude_pk: int | None = None) -> None:
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
        raise _id_number_exists()


# --- inserting many rows ---------------------------------------------------------------------------

# Rows per INSERT statement on SQLite (within its limit of bound parameters).
INSERT_BATCH = 2000
# Rows per write of a COPY to PostgreSQL.
COPY_BATCH = 500
# Field types whose Python values the database drivers take as they are (dates: Django's SQLite
# backend registers the adapter that writes them as Django does).
_AS_IS = frozenset({"CharField", "TextField", "ForeignKey", "BinaryField", "DateField"})


def _insert_rows(
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
    every other field takes the value the model gives it (`_model_defaults`). `pks`: the rows'
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
    defaults = _model_defaults(model, columns, now or timezone.now())
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


def _model_defaults(model: type[Model], given: Collection[str], now: dt.datetime) -> list[tuple[Field, Any]]:
    """(field, value) for each concrete field of `model` outside `given` (attnames) and the
    primary key: what a new instance holds when saved (the field's default; `now` for
    `auto_now` / `auto_now_add`)."""
    return [
        (f, now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default())
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in given
    ]


def add_persons(acting_user: User | None, *, district: AreaNode, people: Sequence[PersonInput]) -> list[int]:
    """Add persons (with their household membership) in one transaction, all or none; their ids,
    in order. What `create_persons` does, without making model instances (for imports)."""
    return _add_persons(district, people, timezone.now())[0]


def create_persons(acting_user: User | None, *, district: AreaNode, people: Sequence[PersonInput]) -> list[Person]:
    """Add persons (with their household membership) in one transaction: all or none."""
    now = timezone.now()
    ids, rows = _add_persons(district, people, now)
    # The instances as a query would load them: the values written, with their ids.
    defaults = _model_defaults(Person, PERSON_GIVEN, now)
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
                _check_previous_index(district.pk, numbers)
            ahead = [_reserved_id(data) for data in people]
            fresh = iter(reserve_ids(Person, ahead.count(None)))
            ids = [pk if pk is not None else next(fresh) for pk in ahead]
            keyed = list(zip(ids, people, strict=True))
            _insert_rows(Person, PERSON_GIVEN, keyed, values=values, rendered=rendered, pks=ids, now=now)
            _insert_rows(
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
        raise _id_number_exists() from None
    return ids, rows


def create_person(acting_user: User | None, *, district: AreaNode, data: PersonInput) -> Person:
    return create_persons(acting_user, district=district, people=[data])[0]


def find_by_id_number(district: AreaNode, id_number: str) -> Person | None:
    indexes = blind_indexes(normalise_id_number(id_number))
    return Person.objects.filter(district=district, id_number_index__in=indexes).first()


def find_by_phone(district: AreaNode, phone: str) -> list[Person]:
    return list(Person.objects.filter(district=district, phone_index__in=blind_indexes(normalise_phone(phone))))


# --- permission, reason ----------------------------------------------------------------------------


def person_not_found() -> DomainError:
    return DomainError("person_not_found", _("There is no such person in your area."), status=404)


def require_personal_data_access(acting_user: User, person: Person) -> None:
    """404 unless the user holds a personal-data role over the person (outside scope = not found)."""
    if not may_read_personal_data(acting_user, person):
        raise person_not_found()


# --- reveal and what a user sees -------------------------------------------------------------------


def _clear_values(person: Person, fields: Collection[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "id_number" in fields:
        values["id_number"] = decrypt_field(person, "id_number_encrypted")
    if "phone" in fields:
        values["phone"] = decrypt_field(person, "phone_encrypted")
    if "sensitive" in fields:
        values["sensitive"] = decrypt_sensitive(person)
    return values


def reveal_personal_data(
    acting_user: User,
    *,
    person: Person,
    reason: str,
    fields: Collection[str] = REVEALABLE_FIELDS,
    ip_address: str | None = None,
) -> dict[str, Any]:
    """The person's ID number, phone and sensitive facts (or the `fields` asked for) in clear,
    for a stated reason: an audit row (reason and field names, never values) and a grant that
    lets the same user see these fields in clear for `settings.REVEAL_MINUTES` more.

    404 `person_not_found` without a personal-data role over the person; 400
    `reveal_reason_required` without a reason, `reveal_field_unknown` for an unknown field."""
    require_personal_data_access(acting_user, person)
    text = require_reason(reason)
    wanted = [f for f in REVEALABLE_FIELDS if f in set(fields)]
    if not wanted or set(fields) - set(REVEALABLE_FIELDS):
        raise DomainError("reveal_field_unknown", _("Choose what to reveal: ID number, phone or sensitive facts."))
    expires_at = timezone.now() + dt.timedelta(minutes=settings.REVEAL_MINUTES)
    with transaction.atomic():
        grant = RevealGrant.objects.create(
            district_id=person.district_id,
            user=acting_user,
            person=person,
            fields=wanted,
            reason=text,
            expires_at=expires_at,
        )
        record(
            acting_user,
            AuditAction.PERSONAL_DATA_REVEALED,
            obj=person,
            district_id=person.district_id,
            ip_address=ip_address,
            detail={"reason": text, "fields": wanted, "grant": grant.pk, "expires_at": expires_at.isoformat()},
        )
    return {**_clear_values(person, wanted), "expires_at": expires_at}


@dataclass(frozen=True)
class PersonFields:
    """What one user sees of one person now: `id_number` and `phone` masked unless listed in
    `clear`; `sensitive` only in clear (None when not revealed)."""

    person_id: int
    name: str
    id_number: str
    phone: str
    sensitive: dict[str, Any] | None
    clear: frozenset[str]
    expires_at: dt.datetime | None


def _fields_of(person: Person, clear: Collection[str], expires_at: dt.datetime | None) -> PersonFields:
    values = _clear_values(person, clear)
    return PersonFields(
        person_id=person.pk,
        name=person.name,
        id_number=values.get("id_number", person.id_number_masked),
        phone=values.get("phone", person.phone_masked),
        sensitive=values.get("sensitive"),
        clear=frozenset(clear),
        expires_at=expires_at,
    )


def visible_fields_for(
    acting_user: User, persons: Sequence[Person], *, ip_address: str | None = None
) -> dict[int, PersonFields]:
    """What the user may see of each person now, by person id; persons the user holds no
    personal-data role over are left out. Masked unless the user holds a valid grant; every
    person shown in clear gets a "viewed" audit row. At most three queries for any number of
    persons (scope nodes, grants, audit rows)."""
    nodes = scope_nodes(persons)
    allowed = [p for p in persons if may_read_personal_data(acting_user, p, nodes)]
    if not allowed:
        return {}
    now = timezone.now()
    grants: dict[int, tuple[set[str], dt.datetime, int]] = {}
    for grant in RevealGrant.objects.filter(
        user=acting_user, person_id__in=[p.pk for p in allowed], expires_at__gt=now
    ).order_by("expires_at", "pk"):
        earlier = grants[grant.person_id][0] if grant.person_id in grants else set()
        grants[grant.person_id] = (earlier | set(grant.fields), grant.expires_at, grant.pk)
    result = {}
    events = []
    for person in allowed:
        entry = grants.get(person.pk)
        result[person.pk] = _fields_of(person, entry[0] if entry else (), entry[1] if entry else None)
        if entry:
            events.append(
                AuditEvent(
                    actor=acting_user,
                    actor_name=acting_user.get_username(),
                    action=AuditAction.PERSONAL_DATA_VIEWED,
                    object_type=Person._meta.label_lower,
                    object_id=str(person.pk),
                    district_id=person.district_id,
                    ip_address=ip_address,
                    detail={"fields": sorted(entry[0]), "grant": entry[2]},
                )
            )
    if events:
        AuditEvent.objects.bulk_create(events)
    return result


def visible_fields(acting_user: User, person: Person, *, ip_address: str | None = None) -> PersonFields:
    """What the user may see of this person now (see `visible_fields_for`); 404 outside scope."""
    found = visible_fields_for(acting_user, [person], ip_address=ip_address).get(person.pk)
    if found is None:
        raise person_not_found()
    return found


# --- residents' rights: access, correction, anonymisation ------------------------------------------


def access_report(acting_user: User, person: Person, *, reason: str, ip_address: str | None = None) -> dict[str, Any]:
    """Everything held about one person (registry fields and sensitive facts in clear,
    households, member and worker profiles, corrections, audit events about them, and what the
    other apps hold about them: `people.holders`), as a JSON-ready dict; `people.report.report_json` and
    `report_xlsx` turn it into a file. The request it answers is the reason; audited."""
    require_personal_data_access(acting_user, person)
    text = require_reason(reason, "access_report_reason_required")
    person = Person.objects.select_related("community", "grid").get(pk=person.pk)
    result = report.build_report(person)
    record(
        acting_user,
        AuditAction.ACCESS_REPORT,
        obj=person,
        district_id=person.district_id,
        ip_address=ip_address,
        detail={"reason": text, "fields": list(REVEALABLE_FIELDS)},
    )
    return result


_CHOICES: dict[str, Collection[str]] = {
    "gender": Gender.values,
    "residence_status": ResidenceStatus.values,
    "political_status": PoliticalStatus.values,
    "education": Education.values,
    "status": PersonStatus.values,
}
_TEXT_FIELDS = {"name": 100, "ethnicity": 20, "registered_address": 300, "current_address": 300, "employer": 200}
_DATE_FIELDS = ("birth_date", "status_changed_on")
CORRECTABLE_FIELDS = frozenset({"id_number", "phone", "sensitive", *_CHOICES, *_TEXT_FIELDS, *_DATE_FIELDS})


def _as_date(name: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        raise DomainError("date_invalid", _("Give a date as YYYY-MM-DD."))
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError("date_invalid", _("Give a date as YYYY-MM-DD.")) from None


def _current_values(person: Person, names: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        if name == "id_number":
            values[name] = decrypt_field(person, "id_number_encrypted")
        elif name == "phone":
            values[name] = decrypt_field(person, "phone_encrypted")
        elif name == "sensitive":
            values[name] = decrypt_sensitive(person)
        else:
            values[name] = getattr(person, name)
    return values


def _clean_change(name: str, value: Any) -> Any:
    if name == "id_number":
        return normalise_id_number(value) if value else ""
    if name == "phone":
        return normalise_phone(value) if value else ""
    if name == "sensitive":
        if not isinstance(value, dict):
            raise DomainError("sensitive_facts_invalid", _("Sensitive facts are given as a set of named facts."))
        return sensitive_kept(value)
    if name in _DATE_FIELDS:
        return _as_date(name, value)
    text = "" if value is None else clean_text(str(value))
    if name in _CHOICES and text and text not in _CHOICES[name]:
        raise DomainError("choice_invalid", _("This value is not one of the choices: %(field)s.") % {"field": name})
    if name == "status" and not text:
        raise DomainError("choice_invalid", _("This value is not one of the choices: %(field)s.") % {"field": name})
    if name == "name" and not text:
        raise DomainError("person_name_required", _("A person needs a name."))
    if name in _TEXT_FIELDS and len(text) > _TEXT_FIELDS[name]:
        raise DomainError("value_too_long", _("This value is too long: %(field)s.") % {"field": name})
    return text


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def correct_person(
    acting_user: User,
    person: Person,
    changes: Mapping[str, Any],
    reason: str,
    *,
    ip_address: str | None = None,
) -> Person:
    """Correct a person's record (residents' right to correction): ID number and phone are
    re-encrypted and re-indexed, the sensitive facts replaced as a whole; the previous values of
    the changed fields are kept encrypted in a `PersonCorrection` with who, when and why, and an
    audit row names the fields (never values). Changing `status` dates it today unless
    `status_changed_on` is given. Nothing changes → nothing is written.

    404 outside scope; 400 `correction_reason_required`, `correction_field_unknown`, the
    validation codes of each field; 409 `person_anonymised`; 400 `id_number_exists`."""
    require_personal_data_access(acting_user, person)
    text = require_reason(reason, "correction_reason_required")
    unknown = set(changes) - CORRECTABLE_FIELDS
    if unknown:
        raise DomainError(
            "correction_field_unknown", _("This field cannot be corrected: %(field)s.") % {"field": sorted(unknown)[0]}
        )
    if not changes:
        raise DomainError("correction_empty", _("Nothing to correct."))
    cleaned = {name: _clean_change(name, value) for name, value in changes.items()}
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            if locked.anonymised_at is not None:
                raise DomainError("person_anonymised", _("This person has been anonymised."), status=409)
            before = _current_values(locked, cleaned)
            changed = {name: value for name, value in cleaned.items() if before[name] != value}
            if "status" in changed and "status_changed_on" not in cleaned:
                before.setdefault("status_changed_on", locked.status_changed_on)
                changed["status_changed_on"] = timezone.localdate()
            if changed.get("id_number") and "birth_date" not in cleaned:
                born = birth_date_of(changed["id_number"])
                if born != locked.birth_date:
                    before.setdefault("birth_date", locked.birth_date)
                    changed["birth_date"] = born
            if not changed:
                return locked
            for name, value in changed.items():
                if name == "id_number":
                    _check_previous_index(locked.district_id, [value] if value else [], exclude_pk=locked.pk)
                    _set_id_number(locked, value)
                elif name == "phone":
                    _set_phone(locked, value)
                elif name == "sensitive":
                    locked.sensitive_encrypted = encrypt_sensitive(value, locked.pk)
                else:
                    setattr(locked, name, value)
            locked.save()
            correction = PersonCorrection(
                district_id=locked.district_id, person=locked, actor=acting_user, reason=text, fields=sorted(changed)
            )
            assign_id(correction)
            correction.old_values_encrypted = crypto.encrypt_field(
                correction,
                "old_values_encrypted",
                json.dumps({name: _jsonable(before[name]) for name in changed}, ensure_ascii=False, sort_keys=True),
            )
            correction.save(force_insert=True)
            record(
                acting_user,
                AuditAction.PERSON_CORRECTED,
                obj=locked,
                district_id=locked.district_id,
                ip_address=ip_address,
                detail={"reason": text, "fields": sorted(changed), "correction": correction.pk},
            )
    except IntegrityError:
        raise _id_number_exists() from None
    return locked


def retention_cutoff(today: dt.date | None = None) -> dt.date:
    """Persons whose move or death is dated on or before this day are due for anonymisation."""
    return (today or timezone.localdate()) - dt.timedelta(days=settings.RETENTION_DAYS)


_GONE = (PersonStatus.MOVED_AWAY, PersonStatus.DECEASED)


def due_for_anonymisation(today: dt.date | None = None) -> Any:
    return Person.objects.filter(
        status__in=_GONE,
        status_changed_on__isnull=False,
        status_changed_on__lte=retention_cutoff(today),
        anonymised_at__isnull=True,
    )


_ANONYMISED_FIELDS = [
    "name",
    "birth_date",
    *SEALED_COLUMNS,
    "sensitive_encrypted",
    "ethnicity",
    "registered_address",
    "current_address",
    "employer",
    "anonymised_at",
    "updated_at",
]


def _anonymise(acting_user: User | None, person_ids: list[int], today: dt.date | None) -> int:
    """Anonymise those of `person_ids` still due, in one transaction; how many."""
    now = timezone.now()
    with transaction.atomic():
        persons = list(due_for_anonymisation(today).filter(pk__in=person_ids).select_for_update().order_by("pk"))
        if not persons:
            return 0
        for p in persons:
            p.name = ANONYMISED_NAME
            p.birth_date = dt.date(p.birth_date.year, 1, 1) if p.birth_date else None
            _set_id_number(p, "")
            _set_phone(p, "")
            p.sensitive_encrypted = None
            p.ethnicity = p.registered_address = p.current_address = p.employer = ""
            p.anonymised_at = now
            p.updated_at = now
        ids = [p.pk for p in persons]
        Person.objects.bulk_update(persons, _ANONYMISED_FIELDS)
        # A household (one flat) with a birth year and a gender points at one person: the link goes.
        HouseholdMember.objects.filter(person_id__in=ids).delete()
        RevealGrant.objects.filter(person_id__in=ids).delete()
        holders.forget(acting_user, ids)  # what the apps that build on this one hold about them
        PersonCorrection.objects.filter(person_id__in=ids).update(old_values_encrypted=None)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor=acting_user if acting_user is not None and acting_user.is_authenticated else None,
                    actor_name=acting_user.get_username() if acting_user is not None else "retention",
                    action=AuditAction.PERSON_ANONYMISED,
                    object_type=Person._meta.label_lower,
                    object_id=str(p.pk),
                    district_id=p.district_id,
                    detail={"status": p.status, "retention_days": settings.RETENTION_DAYS},
                )
                for p in persons
            ]
        )
    return len(persons)


def anonymise_person(
    acting_user: User | None, person: Person, *, today: dt.date | None = None, ip_address: str | None = None
) -> Person:
    """Anonymise one person whose retention has passed (idempotent: an anonymised person is
    returned as is). 404 outside the user's scope; 409 `retention_not_passed`."""
    if acting_user is not None:
        require_personal_data_access(acting_user, person)
    if person.anonymised_at is None:
        if not due_for_anonymisation(today).filter(pk=person.pk).exists():
            raise DomainError(
                "retention_not_passed",
                _("Only persons who moved away or died more than the retention period ago are anonymised."),
                status=409,
            )
        _anonymise(acting_user, [person.pk], today)
    return Person.objects.get(pk=person.pk)


@dataclass
class AnonymiseReport:
    due: int
    anonymised: int
    # Moved away or deceased without a date: never anonymised automatically (the date is needed).
    undated: int
    by_status: dict[str, int]


def anonymise_persons(
    acting_user: User | None, *, commit: bool, today: dt.date | None = None, batch: int = 500
) -> AnonymiseReport:
    """Anonymise everyone due (moved away or died more than `RETENTION_DAYS` ago); with
    `commit=False` only count them. Batches of `batch` persons, each in its own transaction;
    running it again anonymises nobody twice."""
    due = due_for_anonymisation(today)
    by_status = {str(status): due.filter(status=status).count() for status in _GONE}
    undated = Person.objects.filter(
        status__in=_GONE, status_changed_on__isnull=True, anonymised_at__isnull=True
    ).count()
    done = 0
    if commit:
        while True:
            ids = list(due_for_anonymisation(today).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            done += _anonymise(acting_user, ids, today)
    return AnonymiseReport(due=sum(by_status.values()), anonymised=done, undated=undated, by_status=by_status)


# --- key rotation ----------------------------------------------------------------------------------


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
        raise DomainError("keys_in_environment", _("The keys come from the environment; set the new key there."))
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
        raise DomainError("keys_in_environment", _("The keys come from the environment; set the new key there."))
    _previous, key_id = crypto.start_index_rotation()
    time.sleep(settle)
    results = reindex_values(acting_user, batch=batch, audit=False)
    if not any(r.remaining for r in results.values()):
        crypto.finish_index_rotation()
    _audit_rotation(acting_user, "index", key_id, results)
    return key_id, results


# --- members and workers -----------------------------------------------------------------------


def register_members(acting_user: User | None, rows: Sequence[tuple[Person, str, AreaNode]]) -> list[MemberProfile]:
    """Member profiles for (person, kind, home community)."""
    profiles = []
    for person, kind, community in rows:
        if community.level != Level.COMMUNITY:
            raise DomainError("home_community_level", _("A member's home community must be a community."))
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
            raise DomainError("unknown_worker_kind", _("Unknown kind of community worker."))
        if area.level not in (Level.COMMUNITY, Level.GRID):
            raise DomainError("worker_area_level", _("A community worker works in a community or a grid."))
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
