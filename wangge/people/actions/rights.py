"""Residents' rights over their record: correction with an encrypted history (`correct_person`),
and anonymisation after the retention period (`anonymise_person`, `anonymise_persons`), which
also asks every app that holds data about the persons to forget them (`people.holders`).
"""

import datetime as dt
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record, require_reason
from wangge.accounts.models import AuditAction, AuditEvent, User
from wangge.lib import crypto
from wangge.lib.crypto import decrypt_field
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import birth_date_of, normalise_id_number, normalise_phone
from wangge.lib.rowids import assign_id
from wangge.lib.text import clean_text
from wangge.people import holders
from wangge.people.actions.access import require_personal_data_access
from wangge.people.actions.registry import (
    SEALED_COLUMNS,
    check_previous_index,
    id_number_exists,
    set_id_number,
    set_phone,
)
from wangge.people.errors import PeopleError
from wangge.people.models import (
    Education,
    Gender,
    HouseholdMember,
    Person,
    PersonCorrection,
    PersonStatus,
    PoliticalStatus,
    ResidenceStatus,
    RevealGrant,
)
from wangge.people.sensitive import decrypt_sensitive, encrypt_sensitive, sensitive_kept

# What an anonymised person's name becomes (stored data, shown as it is).
ANONYMISED_NAME = "已匿名"


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
        raise DomainError(PeopleError.DATE_INVALID, _("Give a date as YYYY-MM-DD."))
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(PeopleError.DATE_INVALID, _("Give a date as YYYY-MM-DD.")) from None


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
            raise DomainError(
                PeopleError.SENSITIVE_FACTS_INVALID, _("Sensitive facts are given as a set of named facts.")
            )
        return sensitive_kept(value)
    if name in _DATE_FIELDS:
        return _as_date(name, value)
    text = "" if value is None else clean_text(str(value))
    if name in _CHOICES and text and text not in _CHOICES[name]:
        raise DomainError(
            PeopleError.CHOICE_INVALID, _("This value is not one of the choices: %(field)s.") % {"field": name}
        )
    if name == "status" and not text:
        raise DomainError(
            PeopleError.CHOICE_INVALID, _("This value is not one of the choices: %(field)s.") % {"field": name}
        )
    if name == "name" and not text:
        raise DomainError(PeopleError.PERSON_NAME_REQUIRED, _("A person needs a name."))
    if name in _TEXT_FIELDS and len(text) > _TEXT_FIELDS[name]:
        raise DomainError(PeopleError.VALUE_TOO_LONG, _("This value is too long: %(field)s.") % {"field": name})
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
    text = require_reason(reason, PeopleError.CORRECTION_REASON_REQUIRED)
    unknown = set(changes) - CORRECTABLE_FIELDS
    if unknown:
        raise DomainError(
            PeopleError.CORRECTION_FIELD_UNKNOWN,
            _("This field cannot be corrected: %(field)s.") % {"field": sorted(unknown)[0]},
        )
    if not changes:
        raise DomainError(PeopleError.CORRECTION_EMPTY, _("Nothing to correct."))
    cleaned = {name: _clean_change(name, value) for name, value in changes.items()}
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            if locked.anonymised_at is not None:
                raise DomainError(PeopleError.PERSON_ANONYMISED, _("This person has been anonymised."), status=409)
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
                    check_previous_index(locked.district_id, [value] if value else [], exclude_pk=locked.pk)
                    set_id_number(locked, value)
                elif name == "phone":
                    set_phone(locked, value)
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
        raise id_number_exists() from None
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
            set_id_number(p, "")
            set_phone(p, "")
            p.sensitive_encrypted = None
            p.ethnicity = p.registered_address = p.current_address = p.employer = ""
            p.anonymised_at = now
            p.updated_at = now
        ids = [p.pk for p in persons]
        Person.objects.bulk_update(persons, _ANONYMISED_FIELDS)
        # What the apps that build on this one hold about them; first, while the persons' household
        # links still say which households' records are theirs.
        holders.forget(acting_user, ids)
        # A household (one flat) with a birth year and a gender points at one person: the link goes.
        HouseholdMember.objects.filter(person_id__in=ids).delete()
        RevealGrant.objects.filter(person_id__in=ids).delete()
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
                PeopleError.RETENTION_NOT_PASSED,
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
