"""What cases hold about a person, for the residents' access report: the cases reported with
the person's phone number. Registered with the people app's holders (`wangge.people.holders`)
by `CasesConfig.ready`.

Cases have no link to the registry (and users none to persons): a case is matched by the
person's phone number against the encrypted contact it was filed with. Every contact of the
person's district is decrypted and compared, linear in the district's cases: acceptable for a
request that comes rarely. Cases reported under another number are not found. The holder has
no `forget`: anonymisation does not change cases.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.cases.models import Case
from wangge.lib.crypto import decrypt_field
from wangge.people.holders import Holder
from wangge.people.models import Person


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def cases_reported_with_phone(person: Person, phone: str) -> list[Case]:
    """Cases of the person's district whose reporter contact is this phone number."""
    if not phone:
        return []
    found = []
    cases = (
        Case.objects.filter(district_id=person.district_id, reporter_contact_encrypted__isnull=False)
        .select_related("category")
        .order_by("created_at", "pk")
    )
    for case in cases.iterator(chunk_size=2000):
        if case.reporter_contact_encrypted and _digits(decrypt_field(case, "reporter_contact_encrypted")) == phone:
            found.append(case)
    return found


def cases_reported(person: Person) -> list[dict[str, Any]]:
    """The cases reported with the person's phone number, for the access report."""
    phone = decrypt_field(person, "phone_encrypted")
    return [
        {
            "number": c.number,
            "category": c.category.name,
            "state": c.get_state_display(),
            "filed_at": c.created_at,
            "description": c.description,
        }
        for c in cases_reported_with_phone(person, phone)
    ]


HOLDER = Holder(
    key="cases_reported",
    title=_("Cases reported"),
    columns=[
        ("number", _("Case number")),
        ("category", _("Category")),
        ("state", _("State")),
        ("filed_at", _("Filed at")),
        ("description", _("Description")),
    ],
    held=cases_reported,
)
