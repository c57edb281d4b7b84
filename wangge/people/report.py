"""The access report (PIPL art. 45): everything held about one person, as a structured dict,
as JSON and as xlsx. Built here without any check or audit; the only caller is
`people.actions.access_report`, which checks scope, requires a reason and writes the audit row.

What the apps that build on this one hold about the person (cases reported with their phone,
imported ledger rows, …) comes from the holders they registered (`people.holders`), under
`other_records`: a list of {key, title, columns, rows}.
"""

import datetime as dt
import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.crypto import decrypt_field
from wangge.lib.xlsx import Workbook
from wangge.people import holders
from wangge.people.models import SENSITIVE_FACTS, HouseholdMember, MemberProfile, Person, PersonCorrection
from wangge.people.sensitive import fact_text

# The sections of the report and the heading of each (xlsx sheet names, JSON keys stay English).
PERSON_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "ethnicity",
    "registered_address",
    "current_address",
    "residence_status",
    "political_status",
    "education",
    "employer",
    "status",
    "status_changed_on",
    "community",
    "grid",
    "created_at",
    "updated_at",
]


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def build_report(person: Person) -> dict[str, Any]:
    """The report as a JSON-ready dict (choice fields shown by their label)."""
    id_number = decrypt_field(person, "id_number_encrypted")
    phone = decrypt_field(person, "phone_encrypted")
    sensitive = json.loads(decrypt_field(person, "sensitive_encrypted") or "{}")
    data: dict[str, Any] = {
        "name": person.name,
        "gender": person.get_gender_display(),
        "birth_date": person.birth_date,
        "id_number": id_number,
        "phone": phone,
        "ethnicity": person.ethnicity,
        "registered_address": person.registered_address,
        "current_address": person.current_address,
        "residence_status": person.get_residence_status_display(),
        "political_status": person.get_political_status_display(),
        "education": person.get_education_display(),
        "employer": person.employer,
        "status": person.get_status_display(),
        "status_changed_on": person.status_changed_on,
        "community": person.community.name if person.community else "",
        "grid": person.grid.name if person.grid else "",
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }
    households = [
        {
            "household": link.household.name,
            "code": link.household.code,
            "relation": link.get_relation_display(),
            "since": link.created_at,
        }
        for link in HouseholdMember.objects.filter(person=person).select_related("household").order_by("id")
    ]
    member = (
        MemberProfile.objects.filter(person=person)
        .select_related("home_community", "org_unit")
        .prefetch_related("zones")
        .first()
    )
    member_data = None
    if member is not None:
        member_data = {
            "kind": member.get_kind_display(),
            "home_community": member.home_community.name,
            "organisation_unit": member.org_unit.name if member.org_unit else "",
            "registered_with_community_on": member.reported_on,
            "responsibility_zones": [zone.name for zone in member.zones.all()],
        }
    workers = [
        {"kind": w.get_kind_display(), "area": w.area.name, "since": w.created_at}
        for w in person.worker_roles.select_related("area").order_by("id")
    ]
    corrections = [
        {
            "at": c.created_at,
            "reason": c.reason,
            "fields": list(c.fields),
            "previous_values": json.loads(decrypt_field(c, "old_values_encrypted") or "{}"),
        }
        for c in PersonCorrection.objects.filter(person=person).order_by("created_at", "id")
    ]
    labels = dict(AuditAction.choices)
    audit = [
        {
            "at": e.at,
            "action": str(labels.get(e.action, e.action)),
            "by": e.actor_name,
            "reason": str(e.detail.get("reason", "")),
            "fields": list(e.detail.get("fields", [])),
        }
        for e in AuditEvent.objects.filter(object_type=Person._meta.label_lower, object_id=str(person.pk)).order_by(
            "at", "id"
        )
    ]
    report = {
        "generated_at": timezone.now(),
        "person": data,
        "sensitive": {key: fact_text(key, value) for key, value in sensitive.items()},
        "households": households,
        "member": member_data,
        "worker_roles": workers,
        "corrections": corrections,
        "other_records": holders.held_about(person),
        "audit": audit,
    }
    return _jsonable(report)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return _iso(value)


def report_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode()


def _person_labels() -> dict[str, str]:
    return {
        "name": _("Full name"),
        "gender": _("Gender"),
        "birth_date": _("Birth date"),
        "id_number": _("ID number"),
        "phone": _("Phone"),
        "ethnicity": _("Ethnicity"),
        "registered_address": _("Registered address"),
        "current_address": _("Current address"),
        "residence_status": _("Residence status"),
        "political_status": _("Political affiliation"),
        "education": _("Education"),
        "employer": _("Employer"),
        "status": _("Status"),
        "status_changed_on": _("Status changed on"),
        "community": _("Community"),
        "grid": _("Grid"),
        "created_at": _("Recorded on"),
        "updated_at": _("Last changed on"),
    }


def report_xlsx(report: dict[str, Any]) -> bytes:
    """The report as a workbook: one sheet per section."""
    book = Workbook()

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return "、".join(text(v) for v in value)
        if isinstance(value, dict):
            return "；".join(f"{k}: {text(v)}" for k, v in value.items())
        return str(value)

    def pairs(title: str, rows: list[tuple[str, Any]]) -> None:
        sheet = book.sheet(title)
        sheet.widths([24, 60])
        sheet.row(0, [_("Item"), _("Value")], book.header)
        for r, (label, value) in enumerate(rows, start=1):
            sheet.row(r, [label, text(value)])

    def table(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> None:
        sheet = book.sheet(title)
        sheet.row(0, [label for _key, label in columns], book.header)
        sheet.widths([22] * len(columns))
        for r, row in enumerate(rows, start=1):
            sheet.row(r, [text(row.get(key)) for key, _label in columns])

    labels = _person_labels()
    pairs(
        _("Person"),
        [(labels[k], report["person"].get(k)) for k in PERSON_FIELDS]
        + [(_("Report generated at"), report["generated_at"])],
    )
    pairs(_("Sensitive facts"), [(str(SENSITIVE_FACTS.get(k, k)), v) for k, v in report["sensitive"].items()])
    table(
        _("Households"),
        [("household", _("Household")), ("code", _("Code")), ("relation", _("Relation")), ("since", _("Since"))],
        report["households"],
    )
    member = report["member"] or {}
    pairs(
        _("Member"),
        [
            (_("Kind"), member.get("kind")),
            (_("Home community"), member.get("home_community")),
            (_("Organisation unit"), member.get("organisation_unit")),
            (_("Registered with the community on"), member.get("registered_with_community_on")),
            (_("Responsibility zones"), member.get("responsibility_zones")),
        ]
        if member
        else [],
    )
    table(
        _("Community work"),
        [("kind", _("Kind")), ("area", _("Works in")), ("since", _("Since"))],
        report["worker_roles"],
    )
    table(
        _("Corrections"),
        [("at", _("At")), ("reason", _("Reason")), ("fields", _("Fields")), ("previous_values", _("Previous values"))],
        report["corrections"],
    )
    for records in report["other_records"]:
        table(records["title"], [(c["key"], c["title"]) for c in records["columns"]], records["rows"])
    table(
        _("Who processed the data"),
        [("at", _("At")), ("action", _("Action")), ("by", _("By")), ("reason", _("Reason")), ("fields", _("Fields"))],
        report["audit"],
    )
    return book.close()
