"""What household visits hold about a person, registered with the people app's holders
(`wangge.people.holders`) by `FieldworkConfig.ready`.

A visit is about a household, not a person: the visits held about a person are the visits to the
households they are a member of in the registry (a link kept when they move away or die, until
they are anonymised). For the person's own access report they are given whole, the needs and
the note in clear (the access report checks the reader's role and audits the reading).

Anonymisation forgets a household's visits once no one of it is left who is not anonymised:
who was met, the needs, the note and the flags are cleared and the visits' earlier versions
deleted; the date, the grid, who recorded it and the changes stay (they are the record of the
work, and say nothing about anyone once no member is left).
"""

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.fieldwork.actions import visit_text
from wangge.fieldwork.models import HouseholdChange, RecordKind, RecordVersion, Visit, VisitFlag
from wangge.people.holders import Holder
from wangge.people.models import HouseholdMember, Person


def _labels(values: list[str], choices: type[VisitFlag] | type[HouseholdChange]) -> str:
    return gettext(", ").join(str(choices(v).label) for v in values if v in choices.values)


def visits_to_households(person: Person) -> list[dict[str, Any]]:
    """The visits to the households the person is a member of, oldest first."""
    households = HouseholdMember.objects.filter(person=person).values("household_id")
    visits = (
        Visit.objects.filter(household_id__in=households)
        .select_related("grid", "household", "recorded_by")
        .order_by("visited_at", "pk")
    )
    return [
        {
            "visited_at": v.visited_at,
            "household": v.household.name,
            "grid": v.grid.name,
            "recorded_by": str(v.recorded_by),
            "met": v.met,
            "changes": _labels(v.changes, HouseholdChange),
            "flags": _labels(v.flags, VisitFlag),
            **visit_text(v),
        }
        for v in visits
    ]


def forget(acting_user: User | None, person_ids: list[int]) -> None:
    """Clear the visits of the persons' households that have no member left who is not being
    (or has not been) anonymised. Called before the people app removes their household links."""
    households = set(HouseholdMember.objects.filter(person_id__in=person_ids).values_list("household_id", flat=True))
    still_lived_in = set(
        HouseholdMember.objects.filter(household_id__in=households, person__anonymised_at__isnull=True)
        .exclude(person_id__in=person_ids)
        .values_list("household_id", flat=True)
    )
    visits = list(Visit.objects.filter(household_id__in=households - still_lived_in).values_list("pk", flat=True))
    if not visits:
        return
    Visit.objects.filter(pk__in=visits).update(met="", needs_encrypted=None, note_encrypted=None, flags=[])
    RecordVersion.objects.filter(kind=RecordKind.VISIT, record_id__in=visits).delete()


HOLDER = Holder(
    key="fieldwork_visits",
    title=_("Household visits"),
    columns=[
        ("visited_at", _("Visited at")),
        ("household", _("Household")),
        ("grid", _("Grid")),
        ("recorded_by", _("Recorded by")),
        ("met", _("Who was met")),
        ("changes", _("Changes")),
        ("flags", _("Flags")),
        ("needs", _("What the household needs")),
        ("note", _("Note")),
    ],
    held=visits_to_households,
    forget=forget,
)
