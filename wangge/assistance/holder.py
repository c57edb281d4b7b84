"""What the assistance database holds about a person, registered with the people app's holders
(`wangge.people.holders`) by `AssistanceConfig.ready`.

A dossier is about a household: the records held about a person are the dossier of each
household they are a member of in the registry, with its needs, pairs and helps, given whole
in their own access report (the access report checks the reader's role and audits it).

Anonymisation forgets a household's dossier once no one of it is left who is not anonymised:
the situation, causes, each need's kind, note and reason, each help's description, each pair's
reason for ending and the reasons and values of the history are cleared; states, priority
classes, dates, values and hours stay (the record of the work, saying nothing about anyone once
no member is left). A member who helped keeps their pairs (they are the helper's record). The skills a person
declared as a member or volunteer helper are in their report and deleted when they are
anonymised.
"""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import User
from wangge.assistance.actions import dossier_text, help_text, need_text
from wangge.assistance.models import Cause, Dossier, DossierEvent, Help, HelperKind, HelperSkill, Need, NeedKind, Pair
from wangge.people.holders import Holder
from wangge.people.models import HouseholdMember, MemberProfile, Person


def _labels(values: list[str], choices: Any) -> str:
    return gettext(", ").join(str(choices(v).label) for v in values if v in choices.values)


def held(person: Person) -> list[dict[str, Any]]:
    """A row per dossier, need, pair and help of the person's households."""
    households = HouseholdMember.objects.filter(person=person).values("household_id")
    dossiers = list(Dossier.objects.filter(household_id__in=households).select_related("household"))
    ids = [d.pk for d in dossiers]
    names = {d.pk: d.household.name for d in dossiers}
    rows: list[dict[str, Any]] = []
    for d in dossiers:
        text = dossier_text(d)
        detail = gettext("%(situation)s (causes: %(causes)s)") % {
            "situation": text["situation"],
            "causes": _labels(text["causes"], Cause),
        }
        rows.append(
            {
                "record": gettext("Dossier"),
                "date": d.opened_on,
                "household": names[d.pk],
                "state": d.get_state_display(),
                "detail": detail,
            }
        )
    for n in Need.objects.filter(dossier_id__in=ids):
        clear = need_text(n)
        kind = _labels([clear["kind"]], NeedKind)
        rows.append(
            {
                "record": gettext("Need"),
                "date": n.opened_at,
                "household": names[n.dossier_id],
                "state": n.get_state_display(),
                "detail": " ".join(filter(None, [kind, clear["note"], clear["reason"]])),
            }
        )
    for p in Pair.objects.filter(dossier_id__in=ids):
        rows.append(
            {
                "record": gettext("Pair"),
                "date": p.started_on,
                "household": names[p.dossier_id],
                "state": str(p.get_helper_kind_display()),
                "detail": str(p.ended_on or ""),
            }
        )
    for h in Help.objects.filter(dossier_id__in=ids):
        rows.append(
            {
                "record": gettext("Help"),
                "date": h.given_on,
                "household": names[h.dossier_id],
                "state": "",
                "detail": help_text(h),
            }
        )
    for skill in _skills([person.pk]):
        rows.append(
            {
                "record": gettext("Skill as a helper"),
                "date": skill.created_at,
                "household": "",
                "state": skill.get_helper_kind_display(),
                "detail": skill.get_kind_display(),
            }
        )
    return rows


def _skills(person_ids: list[int]) -> Any:
    """The skills declared for the persons as members or volunteers."""
    members = MemberProfile.objects.filter(person_id__in=person_ids).values("pk")
    as_member = Q(helper_kind=HelperKind.MEMBER, helper_id__in=members)
    as_volunteer = Q(helper_kind=HelperKind.VOLUNTEER, helper_id__in=person_ids)
    return HelperSkill.objects.filter(as_member | as_volunteer).order_by("helper_kind", "kind")


def forget(acting_user: User | None, person_ids: list[int]) -> None:
    """Clear the dossiers of the persons' households that have no member left who is not being
    (or has not been) anonymised."""
    households = set(HouseholdMember.objects.filter(person_id__in=person_ids).values_list("household_id", flat=True))
    still_lived_in = set(
        HouseholdMember.objects.filter(household_id__in=households, person__anonymised_at__isnull=True)
        .exclude(person_id__in=person_ids)
        .values_list("household_id", flat=True)
    )
    dossiers = Dossier.objects.filter(household_id__in=households - still_lived_in).values("pk")
    Dossier.objects.filter(pk__in=dossiers).update(situation_encrypted=None, causes_encrypted=None)
    Need.objects.filter(dossier_id__in=dossiers).update(kind_encrypted=None, note_encrypted=None, reason_encrypted=None)
    Help.objects.filter(dossier_id__in=dossiers).update(what_encrypted=None)
    Pair.objects.filter(dossier_id__in=dossiers).update(end_reason_encrypted=None)
    DossierEvent.objects.filter(dossier_id__in=dossiers).update(detail_encrypted=None)
    HelperSkill.objects.filter(pk__in=_skills(person_ids).values("pk")).delete()


HOLDER = Holder(
    key="assistance",
    title=_("Help for households in difficulty"),
    columns=[
        ("record", _("Record")),
        ("date", _("Date")),
        ("household", _("Household")),
        ("state", _("State")),
        ("detail", _("Detail")),
    ],
    held=held,
    forget=forget,
)
