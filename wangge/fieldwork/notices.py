"""What a visit learns, passed as a notice to the in-service members responsible for the household.

The members told are the in-service members (在职党员) of the registry, still living in the
district, whose responsibility zone covers the household: the household itself or its building
(`orgs.ZoneArea`). A member is told through their own account (`Person.user`, active); one
without an account is counted, not told.

The notice's text is stored in clear, so it holds **no sensitive fact**: the date, the
household's address, the changes anyone may know (moved in, moved out, a birth, a death) and,
when the visit found needs, that there are some and whom to contact. Flags, a new hardship,
the needs and the note never go in it. The notice is tied to the visit (`VisitNotice`): a reader
who holds a personal-data role over the household finds a link to the visit's page in the inbox,
where the needs and note are revealed only with a stated reason.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import PERSONAL_DATA_ROLES, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode
from wangge.cases.actions.notifications import notify
from wangge.cases.models import Notification
from wangge.fieldwork.models import HouseholdChange, Visit, VisitNotice
from wangge.orgs.models import ZoneArea
from wangge.people.models import MemberKind, MemberProfile, PersonStatus

# The changes a notice may name: facts neighbours know. A new hardship is not one of them.
PUBLIC_CHANGES = (HouseholdChange.MOVED_IN, HouseholdChange.MOVED_OUT, HouseholdChange.BIRTH, HouseholdChange.DEATH)
MAX_NOTICE = 300  # cases.Notification.text


def household_label(household: AreaNode, building: AreaNode | None) -> str:
    """The household's address as a notice names it: the building's address (or name) and the
    household's name, e.g. "青年东路5号3号楼 101"."""
    place = (building.address or building.name) if building is not None else ""
    return f"{place} {household.name}".strip()


def responsible_members(household: AreaNode) -> QuerySet[MemberProfile]:
    """The in-service members living in the district whose responsibility zone covers the
    household (the household itself or its building), with their persons and accounts."""
    covering = ZoneArea.objects.filter(area_id__in=[household.pk, household.building_id or household.pk])
    return (
        MemberProfile.objects.filter(
            pk__in=covering.values("zone__member_id"), kind=MemberKind.IN_SERVICE, person__status=PersonStatus.ACTIVE
        )
        .select_related("person__user")
        .order_by("person__name", "pk")
    )


def notice_text(visit: Visit, household: AreaNode, building: AreaNode | None, has_needs: bool) -> str:
    """The notice's words: nothing sensitive (see the module's docstring)."""
    parts = [
        _("Household visit on %(date)s at %(place)s. ")
        % {"date": f"{timezone.localdate(visit.visited_at):%Y-%m-%d}", "place": household_label(household, building)}
    ]
    changes = [str(HouseholdChange(c).label) for c in PUBLIC_CHANGES if c in visit.changes]
    if changes:
        parts.append(_("Changes: %(changes)s. ") % {"changes": _(", ").join(changes)})
    if has_needs:
        parts.append(_("Needs to follow up: contact grid worker %(worker)s. ") % {"worker": str(visit.recorded_by)})
    text = "".join(parts).strip()  # each sentence ends with its own space (none in Chinese)
    return text if len(text) <= MAX_NOTICE else text[: MAX_NOTICE - 1] + "…"


@dataclass(frozen=True)
class Told:
    """The responsible members of a visit's household: how many were told, how many have no
    (active) account and so could not be."""

    told: int
    without_account: int


def tell_members(visit: Visit, household: AreaNode, has_needs: bool) -> None:
    """Notices to the members responsible for the household who have an active account, in the
    caller's transaction (as `cases.actions.notifications.notify` writes them), each tied to the
    visit."""
    users = [m.person.user for m in responsible_members(household) if m.person.user and m.person.user.is_active]
    if users:
        building = AreaNode.objects.filter(pk=household.building_id or 0).first()
        written = notify(users, None, notice_text(visit, household, building, has_needs))
        VisitNotice.objects.bulk_create([VisitNotice(notification=n, visit=visit) for n in written])


def told_about(visit: Visit, household: AreaNode) -> Told:
    """How many members were told of the visit (its household), and how many of the household's
    responsible members have no account (now)."""
    members = list(responsible_members(household))
    without = sum(1 for m in members if m.person.user is None or not m.person.user.is_active)
    return Told(told=VisitNotice.objects.filter(visit=visit).count(), without_account=without)


def visit_link_for(user: User, notification: Notification) -> Visit | None:
    """The visit a notice is about, when the reader may open its page (a personal-data role over
    its grid); None otherwise. No query when the notice was loaded with
    `select_related("visit_notice__visit__grid")`."""
    notice: VisitNotice | None = getattr(notification, "visit_notice", None)
    if notice is None:
        return None
    visit = notice.visit
    return visit if has_role_over(user, visit.grid, *PERSONAL_DATA_ROLES) else None
