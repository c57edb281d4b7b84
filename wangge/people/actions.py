"""Every change to persons and their profiles, and every reading of personal data in clear.

Personal data (ID number, phone) is encrypted here on the way in; the only way to read it
back in clear is `reveal_personal_data`, which requires a reason and writes an audit row.
"""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode, Level
from wangge.lib.crypto import blind_index, decrypt, encrypt
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import birth_date_of, mask_id_number, mask_phone, normalise_id_number
from wangge.people.models import (
    SENSITIVE_FACTS,
    HouseholdMember,
    MemberProfile,
    Person,
    Relation,
    WorkerKind,
    WorkerProfile,
)


def normalise_phone(raw: str) -> str:
    phone = "".join(ch for ch in raw if ch.isdigit())
    if not 7 <= len(phone) <= 15:
        raise DomainError("phone_format", _("A phone number has 7 to 15 digits."))
    return phone


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


PLAIN_FIELDS = (
    "ethnicity",
    "registered_address",
    "current_address",
    "residence_status",
    "political_status",
    "education",
    "employer",
)


def encrypt_sensitive(facts: dict[str, Any]) -> bytes | None:
    """The encrypted sensitive-facts document, or None when there is nothing to keep."""
    unknown = set(facts) - set(SENSITIVE_FACTS)
    if unknown:
        raise DomainError("sensitive_fact_unknown", _("Unknown sensitive fact: %(key)s.") % {"key": sorted(unknown)[0]})
    kept = {key: value for key, value in facts.items() if value not in (None, "", False, {})}
    return encrypt(json.dumps(kept, ensure_ascii=False, sort_keys=True)) if kept else None


def decrypt_sensitive(person: Person) -> dict[str, Any]:
    """The person's sensitive facts in clear: only for `reveal_personal_data` and audited paths."""
    if not person.sensitive_encrypted:
        return {}
    return dict(json.loads(decrypt(person.sensitive_encrypted)))


def _build_person(district: AreaNode, data: PersonInput) -> Person:
    if not data.name.strip():
        raise DomainError("person_name_required", _("A person needs a name."))
    person = Person(
        district=district,
        name=data.name.strip(),
        gender=data.gender,
        birth_date=data.birth_date,
        **{name: getattr(data, name).strip() for name in PLAIN_FIELDS},
    )
    person.sensitive_encrypted = encrypt_sensitive(data.sensitive)
    if data.id_number:
        number = normalise_id_number(data.id_number)
        person.id_number_encrypted = encrypt(number)
        person.id_number_index = blind_index(number)
        person.id_number_masked = mask_id_number(number)
        person.birth_date = person.birth_date or birth_date_of(number)
    if data.phone:
        phone = normalise_phone(data.phone)
        person.phone_encrypted = encrypt(phone)
        person.phone_index = blind_index(phone)
        person.phone_masked = mask_phone(phone)
    if data.household is not None:
        if data.household.level != Level.HOUSEHOLD:
            raise DomainError("not_a_household", _("A person can only belong to a household."))
        person.community_id = data.household.community_id
        person.grid_id = data.household.grid_id
    return person


def create_persons(acting_user: User | None, *, district: AreaNode, people: Sequence[PersonInput]) -> list[Person]:
    """Add persons (with their household membership) in one transaction: all or none."""
    persons = [_build_person(district, data) for data in people]
    try:
        with transaction.atomic():
            Person.objects.bulk_create(persons, batch_size=2000)
            HouseholdMember.objects.bulk_create(
                [
                    HouseholdMember(person=p, household=data.household, relation=data.relation)
                    for p, data in zip(persons, people, strict=True)
                    if data.household is not None
                ],
                batch_size=2000,
            )
    except IntegrityError:
        raise DomainError("id_number_exists", _("A person with this ID number is already registered.")) from None
    return persons


def create_person(acting_user: User | None, *, district: AreaNode, data: PersonInput) -> Person:
    return create_persons(acting_user, district=district, people=[data])[0]


def find_by_id_number(district: AreaNode, id_number: str) -> Person | None:
    return Person.objects.filter(district=district, id_number_index=blind_index(normalise_id_number(id_number))).first()


def find_by_phone(district: AreaNode, phone: str) -> list[Person]:
    return list(Person.objects.filter(district=district, phone_index=blind_index(normalise_phone(phone))))


def reveal_personal_data(
    acting_user: User, *, person: Person, reason: str, ip_address: str | None = None
) -> dict[str, str]:
    """The person's ID number and phone in clear, for a stated reason, with an audit row."""
    if len(reason.strip()) < 4:
        raise DomainError("reveal_reason_required", _("State why you need to see this person's data."))
    with transaction.atomic():
        record(
            acting_user,
            AuditAction.PERSONAL_DATA_REVEALED,
            obj=person,
            district_id=person.district_id,
            ip_address=ip_address,
            detail={"reason": reason.strip(), "fields": ["id_number", "phone"]},
        )
    return {
        "id_number": decrypt(bytes(person.id_number_encrypted)) if person.id_number_encrypted else "",
        "phone": decrypt(bytes(person.phone_encrypted)) if person.phone_encrypted else "",
    }


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
