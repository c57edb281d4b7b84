"""Utilisation of shared facilities, and the households their bookings served: each figure
defined once, here, with its definition in words (docs/resources.md says the same).

**Utilisation** of a set of facilities over a period (dates, both included):

- *open hours*: the hours the facilities were open in the period: their weekly opening hours,
  less statutory holidays (for those closed on holidays) and their closures (`hours`);
- *booked hours*: the hours of bookings starting in the period that were approved (including
  those later checked in or marked no-show); requested, refused and cancelled bookings do not
  count;
- *used hours*: the hours of those bookings that were checked in;
- *rate*: used hours over open hours (0 when nothing was open); *booked rate*: booked hours
  over open hours.

A facility's figure, its owner's, a community's and a district's are the same sums over their
facilities. Facilities that were inactive in the period still count if they have hours.

**Households served** (the assistance app's "residents benefited" reads it): the households of
the residents whose own booking (not one made for an organisation) was checked in during the
period, where the household lies in the area. A resident reaches a household through their
registry record (`Person.user`) and its household memberships.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import DurationField, ExpressionWrapper, F, QuerySet, Sum

from wangge.areas.models import AreaNode, Level
from wangge.people.models import HouseholdMember
from wangge.resources.hours import open_periods, open_seconds, period_bounds
from wangge.resources.models import Booking, BookingStatus, Facility

BOOKED = (BookingStatus.APPROVED, BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)
MAX_PERIOD_DAYS = 366
HOUR = 3600.0


@dataclass(frozen=True)
class Utilisation:
    open_hours: float
    booked_hours: float
    used_hours: float

    @property
    def rate(self) -> float:
        return self.used_hours / self.open_hours if self.open_hours else 0.0

    @property
    def booked_rate(self) -> float:
        return self.booked_hours / self.open_hours if self.open_hours else 0.0


def facilities_in(area: AreaNode) -> QuerySet[Facility]:
    """The facilities of a district, a community or a grid."""
    if area.level not in (Level.DISTRICT, Level.COMMUNITY, Level.GRID):
        return Facility.objects.none()
    return Facility.objects.filter(**{f"{area.level}_id": area.pk})


def utilisation_by_facility(facilities: QuerySet[Facility], start: dt.date, end: dt.date) -> dict[int, Utilisation]:
    """Each facility's utilisation over the period (see the module's docstring). A fixed number
    of queries, however many facilities and bookings."""
    listed = list(facilities.select_related(None).only("pk", "district_id", "closed_on_holidays"))
    periods = open_periods(listed, start, end)
    since, until = period_bounds(start, end)
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    booked: dict[tuple[int, str], dt.timedelta] = {
        (row["facility_id"], row["status"]): row["hours"]
        for row in Booking.objects.filter(
            facility__in=facilities, status__in=BOOKED, starts_at__gte=since, starts_at__lt=until
        )
        .order_by()
        .values("facility_id", "status")
        .annotate(hours=Sum(length))
    }
    found = {}
    for facility in listed:
        spans = [booked.get((facility.pk, status), dt.timedelta()) for status in BOOKED]
        used = booked.get((facility.pk, BookingStatus.CHECKED_IN), dt.timedelta())
        found[facility.pk] = Utilisation(
            open_hours=open_seconds(periods[facility.pk]) / HOUR,
            booked_hours=sum(span.total_seconds() for span in spans) / HOUR,
            used_hours=used.total_seconds() / HOUR,
        )
    return found


def utilisation(facilities: QuerySet[Facility], start: dt.date, end: dt.date) -> Utilisation:
    """The utilisation of the facilities together: the sums of each one's hours."""
    each = utilisation_by_facility(facilities, start, end).values()
    return Utilisation(
        open_hours=sum(u.open_hours for u in each),
        booked_hours=sum(u.booked_hours for u in each),
        used_hours=sum(u.used_hours for u in each),
    )


def households_served(area: AreaNode, start: dt.date, end: dt.date) -> QuerySet:
    """The ids of the households in `area` (a district, community, grid, building or household)
    of residents whose own booking was checked in during the period (dates, both included)."""
    since, until = period_bounds(start, end)
    used = Booking.objects.filter(
        status=BookingStatus.CHECKED_IN, as_organisation=False, starts_at__gte=since, starts_at__lt=until
    )
    where = {"household_id": area.pk} if area.level == Level.HOUSEHOLD else {f"household__{area.level}_id": area.pk}
    return (
        HouseholdMember.objects.filter(person__user__in=used.values("booked_by_id"), **where)
        .order_by()
        .values("household_id")
        .distinct()
    )
