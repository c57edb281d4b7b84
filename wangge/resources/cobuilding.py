"""Co-building (共驻共建) and joint consultation: agreements between a community and a resident
unit (what each commits, the term, renewal), joint meetings (联席会) and residents' consultations
(民事共商) with their participants, matters, minutes and decisions; each decision is a task with an
owner and a due date, followed until done. Every change in one transaction with its audit row.

Kept by the community's staff over the community and the district's administrators; a resident
unit's accounts (`UnitAccount`) read their unit's agreements; a decision's owner marks it done.
Outside what one reads answers 404.
"""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
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
    return Meeting.objects.filter(scope_q(user, _LEVELS, roles=KEEPING_ROLES))


def open_decisions(user: User) -> QuerySet[Decision]:
    """The decisions the user owns that are not done, soonest due first."""
    return Decision.objects.filter(owner=user, done_at__isnull=True).select_related("meeting").order_by("due_on", "pk")


def _keep(user: User, community: AreaNode) -> None:
    if community.level != Level.COMMUNITY:
        raise DomainError(ResourceError.SOCIAL_ORG_INVALID, _("Agreements and meetings belong to a community."))
    if not has_role_over(user, community, *KEEPING_ROLES):
        raise DomainError(
            ResourceError.RESOURCE_FORBIDDEN, _("Keeping the community's co-building records is not your role.")
        )


def _text(*values: str) -> None:
    if any(len(v) > MAX_TEXT for v in values):
        raise DomainError(ResourceError.SOCIAL_ORG_INVALID, _("Each text is at most 2,000 characters."))


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
    _text(unit_commits, community_commits)
    if not unit_commits.strip() or ends_on < starts_on or unit.district_id != community.district_id:
        raise DomainError(
            ResourceError.SOCIAL_ORG_INVALID,
            _("Say what the unit commits; the term ends on or after it starts; the unit is of the district."),
        )
    if renews is not None and (
        renews.unit_id != unit.pk or renews.community_id != community.pk or starts_on <= renews.starts_on
    ):
        raise DomainError(
            ResourceError.SOCIAL_ORG_INVALID, _("A renewal is between the same community and unit, and starts later.")
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
    _text(participants, matters, minutes)
    if kind not in MeetingKind.values or not participants.strip() or not matters.strip():
        raise DomainError(
            ResourceError.SOCIAL_ORG_INVALID, _("Choose the kind of meeting and give its participants and matters.")
        )
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


def add_decision(acting_user: User, meeting: Meeting, *, text: str, owner: User, due_on: dt.date) -> Decision:
    """A decision of the meeting, given to `owner` (a user with a role in the district) by `due_on`."""
    _keep(acting_user, meeting.community)
    _text(text)
    district_users = owner.assignments.filter(district_id=meeting.district_id).exists()
    if not text.strip() or not district_users:
        raise DomainError(
            ResourceError.SOCIAL_ORG_INVALID, _("A decision has its words and an owner who is a user of the district.")
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
        if decision.done_at is not None:
            raise DomainError(ResourceError.BOOKING_STATE, _("The decision is already done."))
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
