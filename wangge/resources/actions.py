"""Every change to shared facilities and their bookings, each in one transaction with its audit
row: creating a facility (with its weekly hours), editing it (its fields, hours, closures and
photos), adding a closure, linking a resident unit's account, booking a slot, approving or
refusing it, cancelling it, checking in or marking a no-show; and scheduling the reminder the
day before (`reminders`).

**No double booking.** `book` checks for a held booking overlapping the slot and inserts, in one
transaction. On SQLite every transaction begins `IMMEDIATE` (settings), so the check runs
under the database's one write lock and nothing can be inserted between it and the insert. On
PostgreSQL two transactions may pass the check together; the exclusion constraint
`booking_no_overlap` then refuses the second insert (it waits for the first to commit), which
answers `booking_conflict` like the check.

Who may do what: `queries` (managing, seeing). A facility or booking the user does not see is
not found (404); one they see but may not change is 403 `resource_forbidden`.
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts import audit
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import has_role, has_role_over
from wangge.areas.models import AreaNode, Level
from wangge.cases.actions.notifications import notify
from wangge.lib.errors import DomainError
from wangge.lib.images import clean_image
from wangge.orgs.models import ResidentUnit
from wangge.resources import queries
from wangge.resources.errors import ResourceError
from wangge.resources.hours import local_date, open_periods, within_open_period
from wangge.resources.models import (
    HELD,
    MAX_PHOTOS,
    MAX_TEXT,
    BookableBy,
    Booking,
    BookingStatus,
    Closure,
    Facility,
    FacilityKind,
    FacilityPhoto,
    OpeningHours,
    UnitAccount,
)
from wangge.resources.reminders import booking_words
from wangge.resources.tasks import remind_booking

MAX_SLOT = dt.timedelta(hours=12)
# Check-in is marked from this long before the start (the user arrives a little early).
CHECKIN_EARLY = dt.timedelta(minutes=30)
REMIND_BEFORE = dt.timedelta(days=1)
MAX_CANCEL_HOURS = 168


@dataclass(frozen=True)
class ClosureDays:
    """Days a facility is closed, from `starts_on` to `ends_on` (both included), with the reason."""

    starts_on: dt.date
    ends_on: dt.date
    reason: str = ""


@dataclass(frozen=True)
class Hours:
    """One opening period of a weekday (0 Monday … 6 Sunday)."""

    weekday: int
    opens: dt.time
    closes: dt.time


def _forbidden() -> DomainError:
    return DomainError(ResourceError.RESOURCE_FORBIDDEN, _("Managing this facility is not your role."))


def _invalid(message: str) -> DomainError:
    return DomainError(ResourceError.FACILITY_INVALID, message)


def _check_fields(
    *,
    name: str,
    kind: str,
    bookable_by: str,
    capacity: int,
    cancel_hours: int,
    rules: str,
    building: AreaNode | None,
    community_id: int | None,
    hours: Sequence[Hours],
) -> None:
    """The checks a facility's fields pass when it is created and when it is edited."""
    if not name or len(name) > 200:
        raise _invalid(_("A facility's name is 1 to 200 characters."))
    if kind not in FacilityKind.values or bookable_by not in BookableBy.values:
        raise _invalid(_("Choose a kind and who may book from the lists."))
    if not 1 <= capacity <= 100_000 or not 0 <= cancel_hours <= MAX_CANCEL_HOURS or len(rules) > MAX_TEXT:
        raise _invalid(
            _("Capacity is 1 to 100,000, the cancellation limit 0 to 168 hours, the rules at most 2,000 characters.")
        )
    if building is not None and (building.level != Level.BUILDING or building.community_id != community_id):
        raise _invalid(_("The facility's building is a building of its community."))
    if any(not 0 <= h.weekday <= 6 or h.closes <= h.opens for h in hours):
        raise _invalid(_("Each opening period has a weekday and closes after it opens."))
    by_day = sorted((h.weekday, h.opens, h.closes) for h in hours)
    if any(a[0] == b[0] and b[1] < a[2] for a, b in zip(by_day, by_day[1:], strict=False)):
        raise _invalid(_("The opening periods of one weekday do not overlap."))


def create_facility(
    acting_user: User,
    *,
    area: AreaNode,
    name: str,
    kind: str,
    hours: Sequence[Hours],
    owner_unit: ResidentUnit | None = None,
    building: AreaNode | None = None,
    capacity: int = 1,
    rules: str = "",
    bookable_by: str = BookableBy.RESIDENTS,
    needs_approval: bool = False,
    cancel_hours: int = 2,
    closed_on_holidays: bool = True,
) -> Facility:
    """A facility in `area` (a community or a place in it), owned by `owner_unit` or, without
    one, by the community. Created by the community's staff or the district's administrators."""
    if area.level == Level.DISTRICT or area.community_id is None:
        raise _invalid(_("A facility lies in a community."))
    if not has_role_over(acting_user, area, *queries.MANAGING_ROLES):
        raise _forbidden()
    name = name.strip()
    _check_fields(
        name=name,
        kind=kind,
        bookable_by=bookable_by,
        capacity=capacity,
        cancel_hours=cancel_hours,
        rules=rules,
        building=building,
        community_id=area.community_id,
        hours=hours,
    )
    if owner_unit is not None and owner_unit.district_id != area.district_id:
        raise _invalid(_("The owner is a resident unit of the facility's district."))
    with transaction.atomic():
        facility = Facility.objects.create(
            district_id=area.district_id,
            community_id=area.community_id,
            grid_id=area.grid_id,
            owner_unit=owner_unit,
            name=name,
            kind=kind,
            building=building,
            lng=building.lng if building is not None else None,
            lat=building.lat if building is not None else None,
            capacity=capacity,
            rules=rules,
            bookable_by=bookable_by,
            needs_approval=needs_approval,
            cancel_hours=cancel_hours,
            closed_on_holidays=closed_on_holidays,
        )
        OpeningHours.objects.bulk_create(
            [OpeningHours(facility=facility, weekday=h.weekday, opens=h.opens, closes=h.closes) for h in hours]
        )
        audit.record(
            acting_user,
            AuditAction.FACILITY_CHANGED,
            obj=facility,
            district_id=facility.district_id,
            detail={"created": True, "name": name},
        )
    return facility


def add_closure(acting_user: User, facility: Facility, starts_on: dt.date, ends_on: dt.date, reason: str) -> Closure:
    """Close the facility from `starts_on` to `ends_on` (both included). Held bookings in those
    days are left for the manager to cancel (each booker is told then)."""
    if not queries.can_manage(acting_user, facility):
        raise _forbidden()
    if ends_on < starts_on or len(reason) > 200:
        raise _invalid(_("A closure ends on or after the day it starts; its reason is at most 200 characters."))
    with transaction.atomic():
        closure = Closure.objects.create(facility=facility, starts_on=starts_on, ends_on=ends_on, reason=reason)
        audit.record(
            acting_user,
            AuditAction.FACILITY_CHANGED,
            obj=facility,
            district_id=facility.district_id,
            detail={"closure": [starts_on.isoformat(), ends_on.isoformat()]},
        )
    return closure


def update_facility(
    acting_user: User,
    facility: Facility,
    *,
    name: str,
    kind: str,
    hours: Sequence[Hours],
    closures: Sequence[ClosureDays],
    building: AreaNode | None = None,
    capacity: int = 1,
    rules: str = "",
    bookable_by: str = BookableBy.RESIDENTS,
    needs_approval: bool = False,
    cancel_hours: int = 2,
    closed_on_holidays: bool = True,
) -> Facility:
    """Edit the facility: its fields, and its weekly hours and closures, each replaced by the
    lists given. Its owner's accounts, the community's staff over it and the district's
    administrators edit it.

    **Held bookings are never stranded.** When a requested or approved booking that has not yet
    started would fall outside the new hours (a shorter day, a closure, holidays now closed), the
    edit is refused with `hours_strand_bookings` and nothing changes: the manager cancels those
    bookings first (each booker is told), then edits."""
    name = name.strip()
    _check_fields(
        name=name,
        kind=kind,
        bookable_by=bookable_by,
        capacity=capacity,
        cancel_hours=cancel_hours,
        rules=rules,
        building=building,
        community_id=facility.community_id,
        hours=hours,
    )
    if any(c.ends_on < c.starts_on or len(c.reason) > 200 for c in closures):
        raise _invalid(_("A closure ends on or after the day it starts; its reason is at most 200 characters."))
    with transaction.atomic():
        locked = Facility.objects.select_for_update().filter(pk=facility.pk).first()
        if locked is None or not queries.can_manage(acting_user, locked):
            raise _forbidden()
        fields = {
            "name": name,
            "kind": kind,
            "building": building,
            "lng": building.lng if building is not None else locked.lng,
            "lat": building.lat if building is not None else locked.lat,
            "capacity": capacity,
            "rules": rules,
            "bookable_by": bookable_by,
            "needs_approval": needs_approval,
            "cancel_hours": cancel_hours,
            "closed_on_holidays": closed_on_holidays,
        }
        for field, value in fields.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*fields, "updated_at"])
        locked.hours.all().delete()
        OpeningHours.objects.bulk_create(
            [OpeningHours(facility=locked, weekday=h.weekday, opens=h.opens, closes=h.closes) for h in hours]
        )
        locked.closures.all().delete()
        Closure.objects.bulk_create(
            [Closure(facility=locked, starts_on=c.starts_on, ends_on=c.ends_on, reason=c.reason) for c in closures]
        )
        stranded = _stranded_bookings(locked)
        if stranded:
            raise DomainError(
                ResourceError.HOURS_STRAND_BOOKINGS,
                _(
                    "%(count)d held bookings would fall outside the new hours or closures (the first on %(when)s): "
                    "cancel them first, then change the hours."
                )
                % {
                    "count": len(stranded),
                    "when": timezone.localtime(stranded[0].starts_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
        audit.record(
            acting_user,
            AuditAction.FACILITY_CHANGED,
            obj=locked,
            district_id=locked.district_id,
            detail={"edited": True},
        )
    return locked


def _stranded_bookings(facility: Facility) -> list[Booking]:
    """The requested or approved bookings not yet started that lie outside every open period of
    their day under the facility's current hours, closures and holidays."""
    pending = list(
        Booking.objects.filter(
            facility=facility,
            status__in=(BookingStatus.REQUESTED, BookingStatus.APPROVED),
            starts_at__gt=timezone.now(),
        ).order_by("starts_at")
    )
    if not pending:
        return []
    first, last = local_date(pending[0].starts_at), local_date(pending[-1].starts_at)
    periods = open_periods([facility], first, last)[facility.pk]
    return [
        b for b in pending if not any(a <= b.starts_at and b.ends_at <= z for a, z in periods[local_date(b.starts_at)])
    ]


def add_photo(acting_user: User, facility: Facility, upload: Any) -> FacilityPhoto:
    """Add a photo to the facility (at most `MAX_PHOTOS`): checked by content, re-encoded as JPEG,
    its metadata (EXIF, GPS) dropped (`wangge.lib.images`)."""
    if not queries.can_manage(acting_user, facility):
        raise _forbidden()
    data, width, height = clean_image(upload)
    with transaction.atomic():
        locked = Facility.objects.select_for_update().get(pk=facility.pk)
        if locked.photos.count() >= MAX_PHOTOS:
            raise DomainError(
                ResourceError.TOO_MANY_PHOTOS,
                _("A facility has at most %(count)d photos: remove one first.") % {"count": MAX_PHOTOS},
            )
        photo = FacilityPhoto(facility=locked, uploaded_by=acting_user, width=width, height=height, size=len(data))
        photo.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
        photo.save()
        audit.record(
            acting_user,
            AuditAction.FACILITY_CHANGED,
            obj=locked,
            district_id=locked.district_id,
            detail={"photo_added": photo.pk},
        )
    return photo


def remove_photo(acting_user: User, photo: FacilityPhoto) -> None:
    """Remove a photo of a facility the user manages; its file is deleted once the removal is
    committed."""
    with transaction.atomic():
        locked = Facility.objects.select_for_update().get(pk=photo.facility_id)
        if not queries.can_manage(acting_user, locked):
            raise _forbidden()
        photo_id, stored = photo.pk, photo.file.name or ""
        storage = photo.file.storage
        photo.delete()
        audit.record(
            acting_user,
            AuditAction.FACILITY_CHANGED,
            obj=locked,
            district_id=locked.district_id,
            detail={"photo_removed": photo_id},
        )
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))


def add_unit_account(acting_user: User, unit: ResidentUnit, user: User) -> UnitAccount:
    """Let `user` act for the resident unit (manage its facilities); granted by the community's
    staff over the unit's area or the district's administrators."""
    if not has_role_over(acting_user, unit.area, *queries.MANAGING_ROLES):
        raise _forbidden()
    with transaction.atomic():
        account, _created = UnitAccount.objects.get_or_create(unit=unit, user=user)
        audit.record(
            acting_user,
            AuditAction.FACILITY_CHANGED,
            obj=unit,
            district_id=unit.district_id,
            detail={"unit_account": user.pk},
        )
    return account


def _may_book(user: User, facility: Facility, as_organisation: bool) -> bool:
    if facility.district_id not in queries.booking_districts(user):
        return False
    role = Role.SOCIAL_ORG if as_organisation else Role.RESIDENT
    allowed = {
        BookableBy.RESIDENTS: {Role.RESIDENT},
        BookableBy.ORGANISATIONS: {Role.SOCIAL_ORG},
        BookableBy.BOTH: {Role.RESIDENT, Role.SOCIAL_ORG},
    }[BookableBy(facility.bookable_by)]
    return role in allowed and has_role(user, role)


def _conflict() -> DomainError:
    return DomainError(ResourceError.BOOKING_CONFLICT, _("The slot overlaps another booking: choose another time."))


def book(
    acting_user: User,
    facility: Facility,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    purpose: str = "",
    *,
    as_organisation: bool = False,
) -> Booking:
    """Book the slot for the user (a resident), or for their organisation. Requested when the
    facility needs approval, else approved at once. The booker is reminded the day before."""
    if not facility.active or not _may_book(acting_user, facility, as_organisation):
        raise DomainError(ResourceError.NOT_BOOKABLE_BY_YOU, _("This facility is not open to booking by you."))
    if ends_at <= starts_at or starts_at <= timezone.now() or ends_at - starts_at > MAX_SLOT:
        raise DomainError(
            ResourceError.SLOT_INVALID,
            _("A booking starts in the future, ends after it starts and lasts 12 hours at most."),
        )
    if len(purpose) > 200:
        raise _invalid(_("The purpose is at most 200 characters."))
    if not within_open_period(facility, starts_at, ends_at):
        raise DomainError(
            ResourceError.OUTSIDE_OPENING_HOURS, _("The facility is not open for the whole slot: see its hours.")
        )
    status = BookingStatus.REQUESTED if facility.needs_approval else BookingStatus.APPROVED
    try:
        with transaction.atomic():
            overlapping = Booking.objects.filter(
                facility=facility, status__in=HELD, starts_at__lt=ends_at, ends_at__gt=starts_at
            )
            if overlapping.exists():
                raise _conflict()
            booking = Booking.objects.create(
                district_id=facility.district_id,
                community_id=facility.community_id,
                facility=facility,
                booked_by=acting_user,
                as_organisation=as_organisation,
                starts_at=starts_at,
                ends_at=ends_at,
                purpose=purpose,
                status=status,
            )
            audit.record(acting_user, AuditAction.BOOKING_MADE, obj=booking, district_id=booking.district_id, detail={})
            _schedule_reminder(booking)
    except IntegrityError as error:  # PostgreSQL's booking_no_overlap, under a concurrent booking
        raise _conflict() from error
    return booking


def _schedule_reminder(booking: Booking) -> None:
    run_after = booking.starts_at - REMIND_BEFORE
    if run_after > timezone.now():
        transaction.on_commit(lambda: remind_booking.using(run_after=run_after).enqueue(booking.pk))


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("facility").get(pk=booking.pk)


def _state(booking: Booking, *allowed: str) -> None:
    if booking.status not in allowed:
        raise DomainError(
            ResourceError.BOOKING_STATE,
            _("The booking is %(status)s: this step is not open to it.")
            % {"status": BookingStatus(booking.status).label},
        )


def decide(acting_user: User, booking: Booking, *, approve: bool) -> Booking:
    """The owner approves or refuses a requested booking; the booker is told."""
    with transaction.atomic():
        booking = _locked(booking)
        if not queries.can_manage(acting_user, booking.facility):
            raise _forbidden()
        _state(booking, BookingStatus.REQUESTED)
        booking.status = BookingStatus.APPROVED if approve else BookingStatus.REFUSED
        booking.decided_by, booking.decided_at = acting_user, timezone.now()
        booking.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit.record(
            acting_user,
            AuditAction.BOOKING_DECIDED,
            obj=booking,
            district_id=booking.district_id,
            detail={"status": booking.status},
        )
        text = (
            _("Your booking of %(facility)s on %(when)s was approved.")
            if approve
            else _("Your booking of %(facility)s on %(when)s was refused.")
        )
        notify([booking.booked_by], None, text % booking_words(booking))
    return booking


def cancel(acting_user: User, booking: Booking) -> Booking:
    """The booker cancels up to the facility's limit before the start; a manager cancels a
    booking that has not started (a closure, an emergency), and the booker is told."""
    with transaction.atomic():
        booking = _locked(booking)
        manager = queries.can_manage(acting_user, booking.facility)
        if booking.booked_by_id != acting_user.pk and not manager:
            raise _forbidden()
        _state(booking, BookingStatus.REQUESTED, BookingStatus.APPROVED)
        now = timezone.now()
        limit = booking.starts_at - dt.timedelta(hours=booking.facility.cancel_hours)
        if (booking.booked_by_id == acting_user.pk and not manager and now > limit) or now >= booking.starts_at:
            raise DomainError(
                ResourceError.CANCEL_TOO_LATE,
                _("Bookings of this facility are cancelled up to %(hours)d hours before they start.")
                % {"hours": booking.facility.cancel_hours},
            )
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        audit.record(acting_user, AuditAction.BOOKING_CANCELLED, obj=booking, district_id=booking.district_id)
        if booking.booked_by_id != acting_user.pk:
            notify(
                [booking.booked_by],
                None,
                _("Your booking of %(facility)s on %(when)s was cancelled.") % booking_words(booking),
            )
    return booking


def mark_attendance(acting_user: User, booking: Booking, *, checked_in: bool) -> Booking:
    """The owner checks the booker in (from 30 minutes before the start) or marks a no-show
    (from the start) on an approved booking."""
    with transaction.atomic():
        booking = _locked(booking)
        if not queries.can_manage(acting_user, booking.facility):
            raise _forbidden()
        _state(booking, BookingStatus.APPROVED)
        opens = booking.starts_at - CHECKIN_EARLY if checked_in else booking.starts_at
        if timezone.now() < opens:
            raise DomainError(
                ResourceError.ATTENDANCE_TOO_EARLY,
                _("Check-in opens 30 minutes before the start, a no-show is marked from the start."),
            )
        booking.status = BookingStatus.CHECKED_IN if checked_in else BookingStatus.NO_SHOW
        booking.save(update_fields=["status", "updated_at"])
        audit.record(
            acting_user,
            AuditAction.BOOKING_ATTENDANCE,
            obj=booking,
            district_id=booking.district_id,
            detail={"status": booking.status},
        )
    return booking
