"""Ledgers (台账) of personal data as xlsx: residents, households, members per responsibility zone.

One function per ledger: `(area, clear) → (xlsx bytes, number of rows)`. They do not check
permission and write no audit row; the only caller is `ledgers.exporting.export_ledger`, which
does both. ID and phone numbers are masked unless `clear`; sensitive facts appear only when
`clear`. A fixed number of queries per ledger, whatever the number of rows.
"""

import json
from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.lib.crypto import decrypt_field
from wangge.lib.xlsx import Workbook
from wangge.orgs.models import ZoneArea
from wangge.people.models import SENSITIVE_FACTS, HouseholdMember, Person, Relation
from wangge.people.sensitive import fact_text

# Ledgers are taken for a district, a community or a grid.
LEDGER_LEVELS = (Level.DISTRICT, Level.COMMUNITY, Level.GRID)


def ledger_titles() -> dict[str, str]:
    return {"residents": _("Residents"), "households": _("Households"), "members": _("Members by responsibility zone")}


def _id_number(person: Person, clear: bool) -> str:
    if clear and person.id_number_encrypted:
        return decrypt_field(person, "id_number_encrypted")
    return person.id_number_masked


def _phone(person: Person, clear: bool) -> str:
    if clear and person.phone_encrypted:
        return decrypt_field(person, "phone_encrypted")
    return person.phone_masked


def _workbook(
    title: str,
    area: AreaNode,
    clear: bool,
    headers: list[str],
    rows: list[list[Any]],
    widths: list[int],
) -> bytes:
    book = Workbook()
    # Every value as text: an ID number must never become a number in a spreadsheet.
    book.sheet(title).table(
        headers, [["" if v is None else str(v) for v in row] for row in rows], widths, style=book.header
    )
    about = book.sheet(_("About this file"))
    about.widths([22, 60])
    about.cell(0, 0, title, book.bold)
    about.row(1, [_("Area"), area.name])
    about.row(2, [_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    about.row(3, [_("Rows"), len(rows)])
    about.row(
        4,
        [
            _("ID and phone numbers"),
            _("In clear (revealed with a stated reason)") if clear else _("Masked"),
        ],
    )
    about.cell(6, 0, _("This file contains personal information. Use it only for your work; do not pass it on."))
    return book.close()


def _subtree(area: AreaNode, prefix: str = "") -> dict[str, int]:
    return {f"{prefix}{area.level}_id": area.pk}


def _households_text(links: list[HouseholdMember]) -> tuple[str, str]:
    return "、".join(link.household.name for link in links), "、".join(
        str(link.get_relation_display()) for link in links
    )


def residents_ledger(area: AreaNode, *, clear: bool) -> tuple[bytes, int]:
    """Every (not anonymised) person of the area, by grid and name: three queries."""
    persons: QuerySet[Person] = (
        Person.objects.filter(**_subtree(area), anonymised_at__isnull=True)
        .select_related("grid")
        .prefetch_related(Prefetch("households", queryset=HouseholdMember.objects.select_related("household")))
        .order_by("grid__code", "name", "pk")
    )
    headers = [
        _("Grid"),
        _("Full name"),
        _("Gender"),
        _("Birth date"),
        _("ID number"),
        _("Phone"),
        _("Ethnicity"),
        _("Registered address"),
        _("Current address"),
        _("Residence status"),
        _("Political affiliation"),
        _("Education"),
        _("Employer"),
        _("Status"),
        _("Household"),
        _("Relation"),
    ]
    widths = [22, 12, 6, 12, 22, 16, 8, 30, 30, 14, 14, 12, 24, 10, 30, 10]
    if clear:
        headers += [str(label) for label in SENSITIVE_FACTS.values()]
        widths += [16] * len(SENSITIVE_FACTS)
    rows = []
    for p in persons:
        households, relations = _households_text(list(p.households.all()))
        row: list[Any] = [
            p.grid.name if p.grid else "",
            p.name,
            p.get_gender_display(),
            p.birth_date.isoformat() if p.birth_date else "",
            _id_number(p, clear),
            _phone(p, clear),
            p.ethnicity,
            p.registered_address,
            p.current_address,
            p.get_residence_status_display(),
            p.get_political_status_display(),
            p.get_education_display(),
            p.employer,
            p.get_status_display(),
            households,
            relations,
        ]
        if clear:
            facts = json.loads(decrypt_field(p, "sensitive_encrypted") or "{}")
            row += [fact_text(key, facts[key]) if key in facts else "" for key in SENSITIVE_FACTS]
        rows.append(row)
    return _workbook(ledger_titles()["residents"], area, clear, headers, rows, widths), len(rows)


def households_ledger(area: AreaNode, *, clear: bool) -> tuple[bytes, int]:
    """Every household of the area with its head and members: three queries."""
    households = (
        AreaNode.objects.filter(level=Level.HOUSEHOLD, **_subtree(area))
        .select_related("grid", "building")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=HouseholdMember.objects.filter(person__anonymised_at__isnull=True)
                .select_related("person")
                .order_by("id"),
            )
        )
        .order_by("code")
    )
    headers = [
        _("Grid"),
        _("Building"),
        _("Household"),
        _("Code"),
        _("Head of household"),
        _("Head's ID number"),
        _("Head's phone"),
        _("Number of members"),
        _("Members"),
    ]
    widths = [22, 22, 26, 18, 12, 22, 16, 10, 40]
    rows = []
    for h in households:
        links = list(h.members.all())  # type: ignore[attr-defined]
        head = next((link.person for link in links if link.relation == Relation.HEAD), None)
        rows.append(
            [
                h.grid.name if h.grid else "",
                h.building.name if h.building else "",
                h.name,
                h.code,
                head.name if head else "",
                _id_number(head, clear) if head else "",
                _phone(head, clear) if head else "",
                len(links),
                "、".join(f"{link.person.name}（{link.get_relation_display()}）" for link in links),
            ]
        )
    return _workbook(ledger_titles()["households"], area, clear, headers, rows, widths), len(rows)


def members_ledger(area: AreaNode, *, clear: bool) -> tuple[bytes, int]:
    """Each responsibility zone with a building or household in the area, its member and the
    places it answers for (those in the area): one query."""
    links = (
        ZoneArea.objects.filter(**_subtree(area, "area__"))
        .select_related("zone__member__person", "zone__member__home_community", "area", "grid")
        .order_by("zone__name", "zone_id", "area__code")
    )
    zones: dict[int, dict[str, Any]] = {}
    for link in links:
        zone = link.zone
        entry = zones.setdefault(zone.pk, {"zone": zone, "areas": [], "grids": []})
        entry["areas"].append(link.area.name)
        if link.grid and link.grid.name not in entry["grids"]:
            entry["grids"].append(link.grid.name)
    headers = [
        _("Responsibility zone"),
        _("Member"),
        _("Kind"),
        _("Phone"),
        _("Home community"),
        _("Grid"),
        _("Buildings and households answered for"),
    ]
    widths = [24, 12, 14, 16, 18, 22, 50]
    rows = []
    for entry in zones.values():
        member = entry["zone"].member
        rows.append(
            [
                entry["zone"].name,
                member.person.name,
                member.get_kind_display(),
                _phone(member.person, clear),
                member.home_community.name,
                "、".join(entry["grids"]),
                "、".join(entry["areas"]),
            ]
        )
    return _workbook(ledger_titles()["members"], area, clear, headers, rows, widths), len(rows)


LEDGERS: dict[str, Callable[..., tuple[bytes, int]]] = {
    "residents": residents_ledger,
    "households": households_ledger,
    "members": members_ledger,
}
