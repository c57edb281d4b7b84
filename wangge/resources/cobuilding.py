"""Co-building (共驻共建) and joint consultation: agreements between a community and a resident
unit (what each commits, the term, renewal), joint meetings (联席会) and residents' consultations
(民事共商) with their participants, matters, minutes and decisions; each decision is a task with an
owner and a due date, followed until done. Every change in one transaction with its audit row.

Kept by the community's staff over the community and the district's administrators; a resident
unit's accounts (`UnitAccount`) read their unit's agreements and the meetings their unit sat in;
a decision's owner reads its meeting and marks it done. A decision that is a problem to be
handled becomes a case (`decision_to_case`, through the case chain's `file_case`) and is then
followed there. Outside what one reads answers 404.
"""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
from wangge.cases.actions.filing import file_case
from wangge.cases.actions.notifications import notify
from wangge.cases.models import Case, Category, Channel
from wangge.lib.errors import DomainError
from wangge.orgs.models import ResidentUnit
from wangge.resources.errors import ResourceError
from wangge.resources.models import MAX_TEXT, Agreement, Decision, Meeting, MeetingKind, UnitAccount

KEEPING_ROLES = (Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN)
_LEVELS: dict[str, str] = {Level.DISTRICT: "district", Level.COMMUNITY: "community"}


def visible_agreements(user: User) -> QuerySet[Agreement]:
    units = UnitAccount.objects.filter(user_id=user.pk).values("unit_id")
    return Agreement.objects.filter(scope_q(user, _LEVELS, roles=KEEPING_ROLES) | Q(unit_id__in=units))


def visible_meetings(user: User) -> QuerySet[Meeting]:
    """The meetings of the communities the user keeps, those the user's resident unit sat in,
    and those with a decision the user owns."""
    units = UnitAccount.objects.filter(user_id=user.pk).values("unit_id")
    sat_in = Meeting.units.through.objects.filter(meeting_id=OuterRef("pk"), residentunit_id__in=units)
    owes = Decision.objects.filter(meeting_id=OuterRef("pk"), owner_id=user.pk)
    return Meeting.objects.filter(scope_q(user, _LEVELS, roles=KEEPING_ROLES) | Exists(sat_in) | Exists(owes))


def visible_decisions(user: User) -> QuerySet[Decision]:
    return Decision.objects.filter(meeting__in=visible_meetings(user))


def kept_communities(user: User) -> QuerySet[AreaNode]:
    """The communities whose co-building records the user keeps."""
    return AreaNode.objects.filter(scope_q(user, _LEVELS, roles=KEEPING_ROLES), level=Level.COMMUNITY).order_by("code")


def may_keep(user: User, community: AreaNode) -> bool:
    """Whether the user keeps the community's co-building records (creates and edits them)."""
    return has_role_over(user, community, *KEEPING_ROLES)


# Those a decision may be given to: the community's staff and grid team, its resident units'
# and organisations' accounts, members and volunteers (never a resident as such).
OWNER_ROLES = (
    Role.COMMUNITY_STAFF,
    Role.GRID_SECRETARY,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.MEMBER,
    Role.VOLUNTEER,
    Role.RESIDENT_UNIT,
    Role.SOCIAL_ORG,
)


def owner_choices(community: AreaNode) -> QuerySet[User]:
    """The users a decision of the community's meeting may be given to: those holding one of
    `OWNER_ROLES` over the community or a place in it, and the district's administrators."""
    inside = Q(assignments__area__community_id=community.pk, assignments__role__in=OWNER_ROLES)
    admins = Q(assignments__area_id=community.district_id, assignments__role=Role.DISTRICT_ADMIN)
    return User.objects.filter(inside | admins, is_active=True).distinct().order_by("username")


def open_decisions(user: User) -> QuerySet[Decision]:
    """The decisions the user owns that are neither done nor turned into a case, soonest due first."""
    return (
        Decision.objects.filter(owner=user, done_at__isnull=True, case__isnull=True)
        .select_related("meeting")
        .order_by("due_on", "pk")
    )


def _keep(user: User, community: AreaNode) -> None:
    if community.level != Level.COMMUNITY:
        raise DomainError(ResourceError.COBUILDING_INVALID, _("Agreements and meetings belong to a community."))
    if not has_role_over(user, community, *KEEPING_ROLES):
        raise DomainError(
            ResourceError.RESOURCE_FORBIDDEN, _("Keeping the community's co-building records is not your role.")
        )


def _text(*values: str) -> None:
    if any(len(v) > MAX_TEXT for v in values):
        raise DomainError(ResourceError.COBUILDING_INVALID, _("Each text is at most 2,000 characters."))


def _check_terms(
    community: AreaNode,
    unit: ResidentUnit,
    unit_commits: str,
    community_commits: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> None:
    _text(unit_commits, community_commits)
    if not unit_commits.strip() or ends_on < starts_on or unit.district_id != community.district_id:
        raise DomainError(
            ResourceError.COBUILDING_INVALID,
            _("Say what the unit commits; the term ends on or after it starts; the unit is of the district."),
        )


def sign_agreement(
    acting_user: User,
    *,
    community: AreaNode,
    unit: ResidentUnit,
    unit_commits: str,
    community_commits: str,
    starts_on: dt.date,
    ends_on: dt.date,
    renews: Agreement | None = None,
) -> Agreement:
    """A new agreement, or the renewal of `renews` (same community and unit, starting after it)."""
    _keep(acting_user, community)
    _check_terms(community, unit, unit_commits, community_commits, starts_on, ends_on)
    if renews is not None and (
        renews.unit_id != unit.pk or renews.community_id != community.pk or starts_on <= renews.starts_on
    ):
        raise DomainError(
            ResourceError.COBUILDING_INVALID, _("A renewal is between the same community and unit, and starts later.")
        )
    with transaction.atomic():
        agreement = Agreement.objects.create(
            district_id=community.district_id,
            community=community,
            unit=unit,
            unit_commits=unit_commits.strip(),
            community_commits=community_commits.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            renews=renews,
        )
        audit.record(
            acting_user,
            AuditAction.AGREEMENT_CHANGED,
            obj=agreement,
            district_id=agreement.district_id,
            detail={"renews": renews.pk if renews else None},
        )
    return agreement


def amend_agreement(
    acting_user: User,
    agreement: Agreement,
    *,
    unit_commits: str,
    community_commits: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> Agreement:
    """Correct what each side commits and the term of an agreement (a renewal is a new one)."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().select_related("community", "unit").get(pk=agreement.pk)
        _keep(acting_user, agreement.community)
        _check_terms(agreement.community, agreement.unit, unit_commits, community_commits, starts_on, ends_on)
        if agreement.renews_id is not None and starts_on <= Agreement.objects.get(pk=agreement.renews_id).starts_on:
            raise DomainError(
                ResourceError.COBUILDING_INVALID,
                _("A renewal is between the same community and unit, and starts later."),
            )
        agreement.unit_commits, agreement.community_commits = unit_commits.strip(), community_commits.strip()
        agreement.starts_on, agreement.ends_on = starts_on, ends_on
        agreement.save(update_fields=["unit_commits", "community_commits", "starts_on", "ends_on", "updated_at"])
        audit.record(
            acting_user,
            AuditAction.AGREEMENT_CHANGED,
            obj=agreement,
            district_id=agreement.district_id,
            detail={"amended": True},
        )
    return agreement


def _check_meeting(kind: str, participants: str, matters: str, minutes: str) -> None:
    _text(participants, matters, minutes)
    if kind not in MeetingKind.values or not participants.strip() or not matters.strip():
        raise DomainError(
            ResourceError.COBUILDING_INVALID, _("Choose the kind of meeting and give its participants and matters.")
        )


def record_meeting(
    acting_user: User,
    *,
    community: AreaNode,
    kind: str,
    held_on: dt.date,
    participants: str,
    matters: str,
    minutes: str = "",
    units: Sequence[ResidentUnit] = (),
) -> Meeting:
    _keep(acting_user, community)
    _check_meeting(kind, participants, matters, minutes)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            district_id=community.district_id,
            community=community,
            kind=kind,
            held_on=held_on,
            participants=participants.strip(),
            matters=matters.strip(),
            minutes=minutes.strip(),
        )
        meeting.units.set([u for u in units if u.district_id == community.district_id])
        audit.record(acting_user, AuditAction.MEETING_RECORDED, obj=meeting, district_id=meeting.district_id)
    return meeting


def amend_meeting(
    acting_user: User,
    meeting: Meeting,
    *,
    kind: str,
    held_on: dt.date,
    participants: str,
    matters: str,
    minutes: str = "",
    units: Sequence[ResidentUnit] = (),
) -> Meeting:
    """Correct a meeting's record or add its minutes after it was held."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)
        _keep(acting_user, meeting.community)
        _check_meeting(kind, participants, matters, minutes)
        meeting.kind, meeting.held_on = kind, held_on
        meeting.participants, meeting.matters, meeting.minutes = participants.strip(), matters.strip(), minutes.strip()
        meeting.save(update_fields=["kind", "held_on", "participants", "matters", "minutes", "updated_at"])
        meeting.units.set([u for u in units if u.district_id == meeting.district_id])
        audit.record(
            acting_user,
            AuditAction.MEETING_RECORDED,
            obj=meeting,
            district_id=meeting.district_id,
            detail={"amended": True},
        )
    return meeting


def add_decision(acting_user: User, meeting: Meeting, *, text: str, owner: User, due_on: dt.date) -> Decision:
    """A decision of the meeting, given to `owner` (a user with a role in the district) by `due_on`."""
    _keep(acting_user, meeting.community)
    _text(text)
    district_users = owner.assignments.filter(district_id=meeting.district_id).exists()
    if not text.strip() or not district_users:
        raise DomainError(
            ResourceError.COBUILDING_INVALID, _("A decision has its words and an owner who is a user of the district.")
        )
    with transaction.atomic():
        decision = Decision.objects.create(meeting=meeting, text=text.strip(), owner=owner, due_on=due_on)
        audit.record(
            acting_user,
            AuditAction.DECISION_CHANGED,
            obj=decision,
            district_id=meeting.district_id,
            detail={"owner": owner.pk, "due_on": due_on.isoformat()},
        )
        if owner.pk != acting_user.pk:
            notify(
                [owner],
                None,
                _("A meeting of %(community)s gave you a task due on %(due)s: %(text)s")
                % {"community": meeting.community.name, "due": due_on.isoformat(), "text": decision.text[:80]},
            )
    return decision


def finish_decision(acting_user: User, decision: Decision, outcome: str) -> Decision:
    """Its owner (or the community's staff) marks the decision done, saying what was done."""
    with transaction.atomic():
        decision = Decision.objects.select_for_update().select_related("meeting__community").get(pk=decision.pk)
        if decision.owner_id != acting_user.pk and not has_role_over(
            acting_user, decision.meeting.community, *KEEPING_ROLES
        ):
            raise DomainError(
                ResourceError.RESOURCE_FORBIDDEN, _("Only its owner or the community's staff finish a decision.")
            )
        if decision.done_at is not None or decision.case_id is not None:
            raise DomainError(
                ResourceError.BOOKING_STATE, _("The decision is already done, or it is followed as a case.")
            )
        _text(outcome)
        decision.done_at, decision.outcome = timezone.now(), outcome.strip()
        decision.save(update_fields=["done_at", "outcome", "updated_at"])
        audit.record(
            acting_user,
            AuditAction.DECISION_CHANGED,
            obj=decision,
            district_id=decision.meeting.district_id,
            detail={"done": True},
        )
    return decision


class _Taken(Exception):
    """The decision was finished or turned into a case while its case was being filed."""


def decision_to_case(
    acting_user: User,
    decision: Decision,
    *,
    category: Category,
    building: AreaNode,
    description: str = "",
    channel: str = Channel.WEB,
) -> Case:
    """File the decision as a case (挂牌销号) at a building of the meeting's community, described
    by the decision's words unless given, through the case chain's `file_case`; the decision keeps
    the case and is followed there. Only the community's staff; an open decision only."""
    meeting = Meeting.objects.select_related("community", "district").get(pk=decision.meeting_id)
    _keep(acting_user, meeting.community)
    if building.level != Level.BUILDING or building.community_id != meeting.community_id:
        raise DomainError(ResourceError.COBUILDING_INVALID, _("Choose a building of the meeting's community."))
    current = Decision.objects.filter(pk=decision.pk).values_list("done_at", "case_id").get()
    if current != (None, None):
        raise DomainError(ResourceError.BOOKING_STATE, _("The decision is already done, or it is followed as a case."))

    def link(case: Case) -> None:
        if not Decision.objects.filter(pk=decision.pk, done_at__isnull=True, case__isnull=True).update(case=case):
            raise _Taken
        audit.record(
            acting_user,
            AuditAction.DECISION_CHANGED,
            obj=decision,
            district_id=meeting.district_id,
            detail={"case": case.pk},
        )

    try:
        case = file_case(
            acting_user,
            district=meeting.district,
            category=category,
            channel=channel,
            description=description.strip() or decision.text,
            building=building,
            with_case=link,
        )
    except _Taken as error:
        raise DomainError(
            ResourceError.BOOKING_STATE, _("The decision is already done, or it is followed as a case.")
        ) from error
    decision.case = case
    return case
