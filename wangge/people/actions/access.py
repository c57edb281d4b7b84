"""Who may read a person's personal data, and every reading of it in clear.

Each function checks role and scope (the personal-data roles over the person's grid; outside
scope a person does not exist: 404) and writes an audit row that names the fields and the
reason, never the values:

- `reveal_personal_data`: with a reason; grants the user a clear view of that person for
  `settings.REVEAL_MINUTES` (`RevealGrant`);
- `visible_fields` / `visible_fields_for`: what a user sees of persons now, masked unless a
  grant is valid (each clear reading audited as a view);
- `access_report`: everything held about one person (residents' right of access).
"""

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import second_factor
from wangge.accounts.audit import record, require_reason
from wangge.accounts.models import AuditAction, AuditEvent, User
from wangge.lib.crypto import decrypt_field
from wangge.lib.errors import DomainError
from wangge.people import report
from wangge.people.errors import PeopleError
from wangge.people.models import REVEALABLE_FIELDS, Person, RevealGrant
from wangge.people.queries import may_read_personal_data, scope_nodes
from wangge.people.sensitive import decrypt_sensitive


def person_not_found() -> DomainError:
    return DomainError(PeopleError.PERSON_NOT_FOUND, _("There is no such person in your area."), status=404)


def require_personal_data_access(acting_user: User, person: Person) -> None:
    """404 unless the user holds a personal-data role over the person (outside scope = not found)."""
    if not may_read_personal_data(acting_user, person):
        raise person_not_found()


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

    404 `person_not_found` without a personal-data role over the person; 403
    `second_factor_required` when the policy asks for a second factor this session has not
    verified (`accounts.second_factor`); 400 `reveal_reason_required` without a reason,
    `reveal_field_unknown` for an unknown field."""
    require_personal_data_access(acting_user, person)
    second_factor.require_verified(acting_user)
    text = require_reason(reason)
    wanted = [f for f in REVEALABLE_FIELDS if f in set(fields)]
    if not wanted or set(fields) - set(REVEALABLE_FIELDS):
        raise DomainError(
            PeopleError.REVEAL_FIELD_UNKNOWN, _("Choose what to reveal: ID number, phone or sensitive facts.")
        )
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


def access_report(acting_user: User, person: Person, *, reason: str, ip_address: str | None = None) -> dict[str, Any]:
    """Everything held about one person (registry fields and sensitive facts in clear,
    households, member and worker profiles, corrections, audit events about them, and what the
    other apps hold about them: `people.holders`), as a JSON-ready dict; `people.report.report_json` and
    `report_xlsx` turn it into a file. The request it answers is the reason; audited."""
    require_personal_data_access(acting_user, person)
    text = require_reason(reason, PeopleError.ACCESS_REPORT_REASON_REQUIRED)
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
