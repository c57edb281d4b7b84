"""Residents' small wishes (微心愿) and service tasks: post, claim (one claimant at a time), fulfil,
confirm. Every change goes through a function here (takes `acting_user`, one transaction).

One claimant at a time is guaranteed by the database: a claim is one conditional UPDATE that
matches only a wish still open, or claimed with a lapsed claim; of two members claiming at once,
exactly one UPDATE changes the row. A claim lapses `CLAIM_DAYS` after it is made if the wish is
not fulfilled by then: it is computed where it matters (the claim's condition, `is_open`), so
no background task has to release it.

**Services** (culture and recreation, care for the elderly, emotional support, tutoring) are
service tasks with a `service` kind: posted for a community like any task, or offered by a
retired or student member registered with it (`offer_service`: the task is posted and claimed by
that member at once). The claimant records the hours given when fulfilling it; a service its
member offered is confirmed by the community's staff. They count as practical things done as
every fulfilled task does.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Role, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.people.models import MemberKind, MemberProfile
from wangge.team.errors import TeamError
from wangge.team.members import STAFF_ROLES, registered_with
from wangge.team.models import ServiceKind, Wish, WishKind, WishStatus

CLAIM_DAYS = 7
MAX_TEXT = 500
MAX_NOTE = 1000
# Who posts service tasks for a community (residents post wishes for their household).
MAX_HOURS = Decimal(24)
# Members who offer services of their own.
OFFERING_KINDS = (MemberKind.RETIRED, MemberKind.STUDENT)
POSTING_ROLES = (Role.COMMUNITY_STAFF, Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER, Role.DISTRICT_ADMIN)


def claimable(now: dt.datetime) -> Q:
    """Wishes a member may claim now: open, or claimed with a claim that has lapsed."""
    return Q(status=WishStatus.OPEN) | Q(status=WishStatus.CLAIMED, claim_expires_at__lte=now)


def is_open(wish: Wish, now: dt.datetime) -> bool:
    return wish.status == WishStatus.OPEN or (
        wish.status == WishStatus.CLAIMED and wish.claim_expires_at is not None and wish.claim_expires_at <= now
    )


def _text(value: str, limit: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise DomainError(TeamError.WISH_TEXT, _("Write the text (at most %(n)s characters).") % {"n": limit})
    return text


def _service(service: str) -> str:
    return service if service in ServiceKind.values else ""


def post_wish(acting_user: User, *, area: AreaNode, text: str, kind: str = WishKind.WISH, service: str = "") -> Wish:
    """A wish for a household (its resident, or the grid team), or a task for a grid or community;
    a task may be a service of a service kind."""
    if area.level not in (Level.COMMUNITY, Level.GRID, Level.HOUSEHOLD):
        raise DomainError(TeamError.WISH_AREA, _("Post a wish for a community, a grid or a household."))
    body = _text(text, MAX_TEXT)
    community_id = area.pk if area.level == Level.COMMUNITY else area.community_id
    assert community_id is not None  # noqa: S101 (a grid or household lies in a community)
    service = _service(service)
    if service:
        kind = WishKind.TASK
    return Wish.objects.create(
        district_id=area.district_id,
        community_id=community_id,
        grid_id=area.grid_id if area.level != Level.GRID else area.pk,
        household=area if area.level == Level.HOUSEHOLD else None,
        kind=kind if kind in WishKind.values else WishKind.WISH,
        text=body,
        posted_by=acting_user,
        service=service,
    )


def offer_service(acting_user: User, member: MemberProfile, *, community: AreaNode, service: str, text: str) -> Wish:
    """A retired or student member offers a service to a community they are registered with: a
    service task posted and claimed by them at once, fulfilled with the hours given."""
    if member.person.user_id != acting_user.pk:
        raise DomainError(TeamError.TEAM_FORBIDDEN, _("Members offer their own services."))
    if member.kind not in OFFERING_KINDS:
        raise DomainError(TeamError.NOT_A_MEMBER, _("Retired and student members offer services."))
    if community.level != Level.COMMUNITY or not registered_with(acting_user, community.pk):
        raise DomainError(TeamError.NOT_A_MEMBER, _("Register with the community before offering it a service."))
    kind = _service(service)
    if not kind:
        raise DomainError(TeamError.WISH_AREA, _("Choose the kind of service."))
    body = _text(text, MAX_TEXT)
    now = timezone.now()
    return Wish.objects.create(
        district_id=community.district_id,
        community_id=community.pk,
        kind=WishKind.TASK,
        service=kind,
        text=body,
        posted_by=acting_user,
        status=WishStatus.CLAIMED,
        claimant=acting_user,
        claimed_at=now,
        claim_expires_at=now + dt.timedelta(days=CLAIM_DAYS),
    )


def _hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        hours = Decimal(0)
    if not Decimal(0) < hours <= MAX_HOURS:
        raise DomainError(TeamError.SERVICE_HOURS, _("Write the hours given (more than 0, at most 24)."))
    return hours


def claim_wish(acting_user: User, wish: Wish) -> Wish:
    """The member claims the wish: one conditional UPDATE, so one claimant at a time."""
    community = AreaNode.objects.get(pk=wish.community_id)
    if not has_role_over(acting_user, community, Role.MEMBER) and not registered_with(acting_user, community.pk):
        raise DomainError(TeamError.NOT_A_MEMBER, _("Only a member registered with this community claims its wishes."))
    now = timezone.now()
    changed = (
        Wish.objects.filter(claimable(now), pk=wish.pk)
        .exclude(claimant=acting_user, status=WishStatus.CLAIMED)
        .update(
            status=WishStatus.CLAIMED,
            claimant=acting_user,
            claimed_at=now,
            claim_expires_at=now + dt.timedelta(days=CLAIM_DAYS),
            updated_at=now,
        )
    )
    if not changed:
        raise DomainError(TeamError.WISH_TAKEN, _("Another member has claimed this wish."))
    return Wish.objects.get(pk=wish.pk)


def fulfil_wish(
    acting_user: User, wish: Wish, *, note: str, photo: UploadedFile | None = None, hours: object = None
) -> Wish:
    """The claimant records what was done (with a photo if they took one); for a service, the
    hours given."""
    text = _text(note, MAX_NOTE)
    with transaction.atomic():
        wish = Wish.objects.select_for_update().get(pk=wish.pk)
        if wish.status != WishStatus.CLAIMED:
            raise DomainError(TeamError.WISH_STATE, _("Only a claimed wish is fulfilled."))
        if wish.claimant_id != acting_user.pk:
            raise DomainError(TeamError.WISH_NOT_YOURS, _("Only the member who claimed the wish fulfils it."))
        if wish.service:
            wish.hours = _hours(hours)
        wish.status = WishStatus.FULFILLED
        wish.fulfilled_at = timezone.now()
        wish.note = text
        if photo is not None:
            wish.photo.save(photo.name or "photo.jpg", photo, save=False)
        wish.save()
    return wish


def confirms(user: User, wish: Wish, community: AreaNode) -> bool:
    """Who confirms: whoever posted it; a service a member offered, the community's staff."""
    if wish.service and wish.posted_by_id == wish.claimant_id:
        return wish.posted_by_id != user.pk and has_role_over(user, community, *STAFF_ROLES)
    return wish.posted_by_id == user.pk


def confirm_wish(acting_user: User, wish: Wish) -> Wish:
    """Whoever posted the wish confirms it was done (a member's offered service: the community's staff)."""
    with transaction.atomic():
        wish = Wish.objects.select_for_update().get(pk=wish.pk)
        if not confirms(acting_user, wish, AreaNode.objects.get(pk=wish.community_id)):
            raise DomainError(TeamError.WISH_NOT_YOURS, _("Only whoever posted the wish confirms it."))
        if wish.status != WishStatus.FULFILLED:
            raise DomainError(TeamError.WISH_STATE, _("Only a fulfilled wish is confirmed."))
        wish.status = WishStatus.CONFIRMED
        wish.confirmed_at = timezone.now()
        wish.save(update_fields=["status", "confirmed_at", "updated_at"])
    return wish
