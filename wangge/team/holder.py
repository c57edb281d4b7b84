"""What the team holds about a person as a member: their registrations (报到) with communities and
their service commitments (承诺), registered with the people app's holders
(`wangge.people.holders`) by `TeamConfig.ready`. Anonymisation deletes both; the practical things
done (wishes, helps, cases) keep their counts."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.people.holders import Holder
from wangge.people.models import Person
from wangge.team.models import Commitment, Registration


def held(person: Person) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "what": str(r.get_place_display()),
            "community": r.community.name,
            "text": str(r.get_status_display()),
            "from": r.registered_on,
            "until": r.left_on,
        }
        for r in Registration.objects.filter(member__person=person).select_related("community").order_by("pk")
    ]
    rows += [
        {
            "what": str(c.get_theme_display()),
            "community": c.community.name,
            "text": c.text,
            "from": c.starts_on,
            "until": c.ends_on,
        }
        for c in Commitment.objects.filter(member__person=person).select_related("community").order_by("pk")
    ]
    return rows


def forget(acting_user: User | None, person_ids: list[int]) -> None:
    Registration.objects.filter(member__person_id__in=person_ids).delete()
    Commitment.objects.filter(member__person_id__in=person_ids).delete()


HOLDER = Holder(
    key="team_members",
    title=_("Registrations with communities and service commitments"),
    columns=[
        ("what", _("Registration or commitment")),
        ("community", _("Community")),
        ("text", _("Status or commitment")),
        ("from", _("From")),
        ("until", _("Until")),
    ],
    held=held,
    forget=forget,
)
