"""What the volunteers' records hold about a person, registered with the people app's holders
(`wangge.people.holders`) by `VolunteersConfig.ready`: their registration with a station, the
activities they were credited hours for, the hours they logged themselves and the certificates
issued to them.

Anonymisation clears the descriptions of the hours the person logged themselves (free text) and
unlinks their account from the households activities served; the hours, dates and statuses stay
(the record of the service, saying nothing about anyone once the person is anonymised)."""

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.people.holders import Holder
from wangge.people.models import Person
from wangge.volunteers.models import Attendee, Certificate, HoursLog, SignUp, Volunteer


def held(person: Person) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for v in Volunteer.objects.filter(person=person).select_related("station"):
        rows.append({"record": gettext("Volunteer"), "date": v.joined_on, "detail": v.station.name, "hours": ""})
    for s in SignUp.objects.filter(volunteer__person=person).select_related("activity").order_by("activity__starts_at"):
        rows.append(
            {
                "record": gettext("Activity"),
                "date": s.activity.starts_at,
                "detail": f"{s.activity.title} ({s.get_status_display()})",
                "hours": str(s.hours or ""),
            }
        )
    for h in HoursLog.objects.filter(volunteer__person=person).order_by("day", "id"):
        rows.append(
            {
                "record": gettext("Self-logged hours"),
                "date": h.day,
                "detail": f"{h.what} ({h.get_status_display()})",
                "hours": str(h.hours),
            }
        )
    for c in Certificate.objects.filter(volunteer__person=person).order_by("created_at"):
        rows.append(
            {
                "record": gettext("Certificate of hours"),
                "date": c.created_at,
                "detail": f"{c.first_day}–{c.last_day} · {c.code}",
                "hours": str(c.hours),
            }
        )
    return rows


def forget(acting_user: User | None, person_ids: list[int]) -> None:
    HoursLog.objects.filter(volunteer__person_id__in=person_ids).update(what="")
    Attendee.objects.filter(user__person__pk__in=person_ids).update(user=None)


HOLDER = Holder(
    key="volunteers",
    title=_("Volunteer service records"),
    columns=[
        ("record", _("Record")),
        ("date", _("Date")),
        ("detail", _("Detail")),
        ("hours", _("Hours")),
    ],
    held=held,
    forget=forget,
)
