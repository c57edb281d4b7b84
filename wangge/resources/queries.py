"""Who sees and who manages shared facilities and their bookings.

- **Managing** a facility (its hours and closures, approving its bookings, checking in, marking
  no-shows): the users acting for its owner unit (`UnitAccount`), the community's staff over
  its community and the district's administrators. A community's own facility is managed by
  its staff.
- **Seeing** the catalogue: every resident (`Role.RESIDENT`) and social organisation of the
  district sees the district's active facilities (they may book any of them); the grid team
  and supervisors read the facilities in their subtree; managers see what they manage.
- **Bookings**: one's own, those of the facilities one manages, and those a reader's scope holds.

A facility or booking outside these answers 404 (docs/decisions.md).
"""

import datetime as dt
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from wangge.accounts.models import Role, User
from wangge.accounts.scope import EVERYTHING, assignments_of, scope_q
from wangge.areas.models import Level
from wangge.calendars.queries import calendar_for
from wangge.resources.hours import is_holiday, local_date, open_periods, period_bounds
from wangge.resources.models import HELD, Booking, Closure, Facility, OpeningHours, UnitAccount

MANAGING_ROLES = (Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN)
READING_ROLES = (*MANAGING_ROLES, Role.GRID_SECRETARY, Role.GRID_LEADER, Role.GRID_WORKER, Role.SUPERVISOR)
# Those who book: residents for themselves, social organisations for their work.
BOOKING_ROLES = (Role.RESIDENT, Role.SOCIAL_ORG)

_MANAGED_LEVELS: dict[str, str] = {Level.DISTRICT: "district", Level.COMMUNITY: "community"}
_GRID_LEVEL: dict[str, str] = {Level.GRID: "grid"}
_READ_LEVELS: dict[str, str] = {Level.DISTRICT: "district", Level.COMMUNITY: "community", Level.GRID: "grid"}


def managed_q(user: User, prefix: str = "") -> Q:
    if user.is_authenticated and user.is_superuser:
        return EVERYTHING
    units = UnitAccount.objects.filter(user_id=user.pk).values("unit_id")
    return scope_q(user, _MANAGED_LEVELS, prefix=prefix, roles=MANAGING_ROLES) | Q(
        **{f"{prefix}owner_unit_id__in": units}
    )


def booking_districts(user: User) -> list[int]:
    """The districts whose facilities the user may book in (as a resident or an organisation)."""
    return sorted({a.area.district_id for a in assignments_of(user) if a.role in BOOKING_ROLES})


def managed_facilities(user: User) -> QuerySet[Facility]:
    return Facility.objects.filter(managed_q(user))


def visible_facilities(user: User) -> QuerySet[Facility]:
    catalogue = Q(district_id__in=booking_districts(user), active=True)
    return Facility.objects.filter(managed_q(user) | scope_q(user, _READ_LEVELS, roles=READING_ROLES) | catalogue)


def home_communities(user: User) -> list[int]:
    """The communities the user lives or works in (their assignments' communities)."""
    return sorted({a.area.community_id for a in assignments_of(user) if a.area.community_id is not None})


def own_community_first(user: User, facilities: QuerySet[Facility]) -> QuerySet[Facility]:
    """The facilities of the user's own communities first, then the others, each by community
    and name."""
    own = home_communities(user)
    first = Case(When(community_id__in=own, then=Value(0)), default=Value(1), output_field=IntegerField())
    return facilities.annotate(own_first=first).order_by("own_first", "community_id", "name", "pk")


def open_on(facilities: QuerySet[Facility], day: dt.date) -> QuerySet[Facility]:
    """The facilities with an opening period on `day`: hours on its weekday, no closure over it,
    and not a statutory holiday of its district for those closed on holidays (`hours`)."""
    holiday_districts = [
        district
        for district in facilities.order_by().values_list("district_id", flat=True).distinct()
        if is_holiday(calendar_for(district), day)
    ]
    weekday = OpeningHours.objects.filter(facility_id=OuterRef("pk"), weekday=day.weekday())
    closed = Closure.objects.filter(facility_id=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day)
    return (
        facilities.filter(Exists(weekday))
        .exclude(Exists(closed))
        .exclude(closed_on_holidays=True, district_id__in=holiday_districts)
    )


def can_manage(user: User, facility: Facility) -> bool:
    return managed_facilities(user).filter(pk=facility.pk).exists()


def visible_bookings(user: User) -> QuerySet[Booking]:
    read = scope_q(user, _MANAGED_LEVELS, roles=READING_ROLES)
    grids = scope_q(user, _GRID_LEVEL, prefix="facility__", roles=READING_ROLES)
    return Booking.objects.filter(Q(booked_by_id=user.pk) | managed_q(user, "facility__") | read | grids)


def availability(user: User, facility: Facility, start: dt.date, days: int) -> list[dict[str, Any]]:
    """The days of `get_availability` (the API's and the web calendar's): three queries and the calendar."""
    end = start + dt.timedelta(days=days - 1)
    periods = open_periods([facility], start, end)[facility.pk]
    since, until = period_bounds(start, end)
    held = Booking.objects.filter(facility=facility, status__in=HELD, starts_at__lt=until, ends_at__gt=since)
    by_day: dict[dt.date, list[dict[str, Any]]] = {day: [] for day in periods}
    for booking in held.order_by("starts_at"):
        day = local_date(booking.starts_at)
        by_day.setdefault(day, []).append(
            {
                "starts_at": timezone.localtime(booking.starts_at),
                "ends_at": timezone.localtime(booking.ends_at),
                "status": booking.status,
                "mine": booking.booked_by_id == user.pk,
            }
        )
    return [
        {"date": day, "open": [{"starts_at": a, "ends_at": b} for a, b in periods[day]], "held": by_day[day]}
        for day in periods
    ]
