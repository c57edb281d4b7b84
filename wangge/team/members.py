"""Members go to their community (在职党员进社区): registration (报到) with the community where they
live, confirmed by its staff, ended when they leave; their service commitments (承诺) with a theme
and a term, and the fulfilment noted.

**Registration.** A `Registration` row is the record. Every member (in-service, retired or
student) registers with one home community at a time; a student member may also register with
their university's community (two at once), nobody else may (`register`, and a constraint of one
current registration per member and place). The member system's import fills the member
profile's `home_community` and `reported_on`: a member imported with a registration date and
without a home registration here counts as registered with their home community (source
"imported"); the community's staff confirm it, which writes the row. Registering a home
community here updates the profile's `home_community` and `reported_on` to match.

A member registered with a community (row registered or confirmed, or imported as above) claims
its wishes (`wishes.claim_wish`), as does a user holding the `member` role over it.

Every change takes `acting_user` (None: the system — the demo, the command line), runs in one
transaction and writes an audit row (`member_registered`, with the step in its detail).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.people.models import MemberKind, MemberProfile
from wangge.team.errors import TeamError
from wangge.team.models import (
    ACTIVE_REGISTRATION,
    Commitment,
    CommitmentTheme,
    Registration,
    RegistrationPlace,
    RegistrationSource,
    RegistrationStatus,
)

MAX_TEXT = 500
MAX_NOTE = 1000
MAX_TERM_DAYS = 3 * 366
# Who confirms registrations and notes commitments fulfilled for a community.
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN)


def _is_staff(user: User | None, community: AreaNode) -> bool:
    return user is None or has_role_over(user, community, *STAFF_ROLES)


def _is_member(user: User | None, member: MemberProfile) -> bool:
    return user is not None and member.person.user_id == user.pk


def _imported_home() -> Q:
    """Member profiles registered with their home community by the member system's import and
    without a home registration row here (that row, once written, decides)."""
    home_rows = Registration.objects.filter(member=OuterRef("pk"), place=RegistrationPlace.HOME)
    return Q(reported_on__isnull=False) & ~Q(Exists(home_rows))


def registered_with(user: User, community_id: int) -> bool:
    """Whether the user's registry person is a member registered (报到) with the community: a
    current registration row, or imported with a registration date (see the module)."""
    rows = Registration.objects.filter(
        ACTIVE_REGISTRATION, member__person__user=user, community_id=community_id
    ).exists()
    return (
        rows
        or MemberProfile.objects.filter(_imported_home(), person__user=user, home_community_id=community_id).exists()
    )


def _audit(acting_user: User | None, member: MemberProfile, step: str, registration: Registration) -> None:
    record(
        acting_user,
        AuditAction.MEMBER_REGISTERED,
        obj=member,
        district_id=member.district_id,
        actor_name="" if acting_user is not None else "team",
        detail={
            "step": step,
            "registration": registration.pk,
            "community": registration.community_id,
            "place": registration.place,
        },
    )


def register(
    acting_user: User | None,
    member: MemberProfile,
    *,
    community: AreaNode,
    on: dt.date,
    place: str = RegistrationPlace.HOME,
) -> Registration:
    """Record the member's registration with `community` on `on`: by the member themself, or by
    the community's staff (then it is confirmed at once). A student may hold a home and a
    university registration; everyone else one home registration."""
    if community.level != Level.COMMUNITY or community.district_id != member.district_id:
        raise DomainError(TeamError.WISH_AREA, _("A member registers with a community of their district."))
    by_member = _is_member(acting_user, member)
    by_staff = _is_staff(acting_user, community)
    if not by_member and not by_staff:
        raise DomainError(
            TeamError.TEAM_FORBIDDEN, _("Only the member or the community's staff record a registration.")
        )
    if place not in RegistrationPlace.values:
        place = RegistrationPlace.HOME
    if place == RegistrationPlace.UNIVERSITY and member.kind != MemberKind.STUDENT:
        raise DomainError(
            TeamError.REGISTRATION_LIMIT,
            _("Only a student member registers with their university's community as well."),
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            MemberProfile.objects.select_for_update().filter(pk=member.pk).first()
            current = Registration.objects.filter(ACTIVE_REGISTRATION, member=member)
            if current.filter(Q(place=place) | Q(community=community)).exists():
                raise DomainError(
                    TeamError.REGISTRATION_LIMIT,
                    _("The member is already registered there: leave that registration first."),
                )
            row = Registration.objects.create(
                district_id=member.district_id,
                member=member,
                community=community,
                place=place,
                source=RegistrationSource.MEMBER if by_member else RegistrationSource.STAFF,
                registered_on=on,
                status=RegistrationStatus.REGISTERED if by_member else RegistrationStatus.CONFIRMED,
                confirmed_by=None if by_member else acting_user,
                confirmed_at=None if by_member else now,
            )
            if place == RegistrationPlace.HOME:
                member.home_community = community
                member.reported_on = on
                member.save(update_fields=["home_community", "reported_on", "updated_at"])
            _audit(acting_user, member, "registered", row)
    except IntegrityError:
        raise DomainError(
            TeamError.REGISTRATION_LIMIT, _("The member is already registered there: leave that registration first.")
        ) from None
    return row


def confirm(acting_user: User | None, member: MemberProfile, *, community: AreaNode) -> Registration:
    """The community's staff confirm the member's registration with it: a row waiting for
    confirmation, or the member system's imported registration (the row is written then)."""
    if not _is_staff(acting_user, community):
        raise DomainError(TeamError.TEAM_FORBIDDEN, _("Only the community's staff confirm a registration."))
    with transaction.atomic():
        row = (
            Registration.objects.select_for_update()
            .filter(ACTIVE_REGISTRATION, member=member, community=community)
            .first()
        )
        imported = MemberProfile.objects.filter(_imported_home(), pk=member.pk, home_community=community).first()
        if row is None and imported is not None and imported.reported_on is not None:
            row = Registration(
                district_id=member.district_id,
                member=member,
                community=community,
                place=RegistrationPlace.HOME,
                source=RegistrationSource.IMPORTED,
                registered_on=imported.reported_on,
            )
        if row is None or row.status == RegistrationStatus.CONFIRMED:
            raise DomainError(TeamError.REGISTRATION_STATE, _("There is no registration waiting for confirmation."))
        row.status = RegistrationStatus.CONFIRMED
        row.confirmed_by = acting_user
        row.confirmed_at = timezone.now()
        row.save()
        _audit(acting_user, member, "confirmed", row)
    return row


def leave(acting_user: User | None, registration: Registration, *, on: dt.date) -> Registration:
    """The registration ends (the member moved, graduated, left): by the member or the staff."""
    with transaction.atomic():
        row = (
            Registration.objects.select_for_update()
            .select_related("member__person", "community")
            .get(pk=registration.pk)
        )
        if not _is_member(acting_user, row.member) and not _is_staff(acting_user, row.community):
            raise DomainError(
                TeamError.TEAM_FORBIDDEN, _("Only the member or the community's staff end a registration.")
            )
        if row.status == RegistrationStatus.LEFT:
            raise DomainError(TeamError.REGISTRATION_STATE, _("This registration has already ended."))
        if on < row.registered_on:
            raise DomainError(TeamError.TERM_INVALID, _("A registration ends after it began."))
        row.status = RegistrationStatus.LEFT
        row.left_on = on
        row.save(update_fields=["status", "left_on", "updated_at"])
        _audit(acting_user, row.member, "left", row)
    return row


@dataclass
class CommunityMember:
    """One line of a community's registration list."""

    member: MemberProfile
    registration: Registration | None
    # confirmed, registered (waiting), imported (from the member system, waiting), none, left
    state: str


def community_members(community: AreaNode) -> list[CommunityMember]:
    """The members who live in the community (home community) or are registered with it (a
    student's university registration), each with their registration's state: two queries."""
    current: dict[int, Registration] = {}
    for found in Registration.objects.filter(community=community).order_by("registered_on", "pk"):
        # The member's current row with the community, else their latest ended one.
        if found.member_id not in current or found.status != RegistrationStatus.LEFT:
            current[found.member_id] = found
    profiles = (
        MemberProfile.objects.filter(Q(home_community=community) | Q(pk__in=list(current)))
        .select_related("person")
        .annotate(imported=_imported_home())
        .order_by("person__name", "pk")
    )
    lines = []
    for profile in profiles:
        row = current.get(profile.pk)
        if row is not None and row.status != RegistrationStatus.LEFT:
            state = row.status
        elif profile.home_community_id == community.pk and profile.imported:  # type: ignore[attr-defined]
            state = "imported"
        elif row is not None:
            state = RegistrationStatus.LEFT
        else:
            state = "none"
        lines.append(CommunityMember(profile, row, state))
    return lines


# --- commitments -------------------------------------------------------------------------------


def commit(
    acting_user: User, member: MemberProfile, *, theme: str, text: str, starts_on: dt.date, ends_on: dt.date
) -> Commitment:
    """The member's own commitment to their home community, for a term of up to three years."""
    if member.person.user_id != acting_user.pk:
        raise DomainError(TeamError.TEAM_FORBIDDEN, _("Members make their own commitments."))
    body = (text or "").strip()
    if not body or len(body) > MAX_TEXT:
        raise DomainError(TeamError.WISH_TEXT, _("Write the text (at most %(n)s characters).") % {"n": MAX_TEXT})
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_TERM_DAYS:
        raise DomainError(TeamError.TERM_INVALID, _("The term ends after it starts and lasts at most three years."))
    with transaction.atomic():
        made = Commitment.objects.create(
            district_id=member.district_id,
            member=member,
            community_id=member.home_community_id,
            theme=theme if theme in CommitmentTheme.values else CommitmentTheme.OTHER,
            text=body,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        record(
            acting_user,
            AuditAction.MEMBER_REGISTERED,
            obj=member,
            district_id=member.district_id,
            detail={"step": "committed", "commitment": made.pk, "community": made.community_id},
        )
    return made


def note_fulfilment(acting_user: User, commitment: Commitment, *, text: str, on: dt.date) -> Commitment:
    """The member or the community's staff note what was done to keep the commitment, and when."""
    body = (text or "").strip()
    if not body or len(body) > MAX_NOTE:
        raise DomainError(TeamError.WISH_TEXT, _("Write the text (at most %(n)s characters).") % {"n": MAX_NOTE})
    with transaction.atomic():
        row = Commitment.objects.select_for_update().select_related("member__person", "community").get(pk=commitment.pk)
        if not _is_member(acting_user, row.member) and not _is_staff(acting_user, row.community):
            raise DomainError(
                TeamError.TEAM_FORBIDDEN, _("Only the member or the community's staff note a commitment fulfilled.")
            )
        if on < row.starts_on:
            raise DomainError(TeamError.TERM_INVALID, _("A commitment is fulfilled within or after its term."))
        row.fulfilled_on = on
        row.fulfilment = body
        row.noted_by = acting_user
        row.save(update_fields=["fulfilled_on", "fulfilment", "noted_by", "updated_at"])
        record(
            acting_user,
            AuditAction.MEMBER_REGISTERED,
            obj=row.member,
            district_id=row.district_id,
            detail={"step": "commitment_fulfilled", "commitment": row.pk},
        )
    return row


def own_members(user: User) -> QuerySet[MemberProfile]:
    """The member profiles of the user's registry person (one at most)."""
    return MemberProfile.objects.filter(person__user=user).select_related("person", "home_community")
