"""Volunteers' figures, each defined once here with its definition in words (docs/volunteers.md
says the same).

**Hours of a volunteer for a period** (dates, both included) = the **approved self-logged hours**
dated in the period (`HoursLog.day`, status approved) + the **credited activity hours** of the
activities starting in the period (`Activity.starts_at`, local date) for which the volunteer was
checked in and out (`SignUp.hours`). Pending or rejected self-logged hours, sign-ups never
checked out and cancelled sign-ups count nothing. Without a period: all of them (the
cumulative hours the star levels are earned by, `stars`).

**Credited hours of a sign-up**: the time from check-in to check-out, rounded to the nearest
quarter hour (a half quarter rounds up), and never more than the activity's length.

**Households served** (the assistance app's "residents benefited" reads it): the households
recorded as served by an activity that started in the period (`Attendee`: a resident who joined
it, their household; or a household the organiser recorded), where the household lies in the area.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from wangge.areas.models import AreaNode, Level
from wangge.volunteers.models import Activity, Attendee, HoursLog, HoursStatus, SignUp

QUARTER = Decimal("0.25")
ZERO = Decimal("0.00")


def credited_hours(activity: Activity, checked_in_at: dt.datetime, checked_out_at: dt.datetime) -> Decimal:
    """The hours credited for a check-in and a check-out (see the module's docstring)."""
    seconds = max((checked_out_at - checked_in_at).total_seconds(), 0)
    quarters = (Decimal(seconds) / Decimal(900)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    hours = quarters * QUARTER
    length = Decimal((activity.ends_at - activity.starts_at).total_seconds()) / Decimal(3600)
    return min(hours, length).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of `first` and the first moment after `last`, in the current time zone."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def _credited(first: dt.date | None, last: dt.date | None) -> QuerySet[SignUp]:
    found = SignUp.objects.filter(hours__isnull=False)
    if first is not None and last is not None:
        since, until = bounds(first, last)
        found = found.filter(activity__starts_at__gte=since, activity__starts_at__lt=until)
    return found


def _approved(first: dt.date | None, last: dt.date | None) -> QuerySet[HoursLog]:
    found = HoursLog.objects.filter(status=HoursStatus.APPROVED)
    if first is not None and last is not None:
        found = found.filter(day__range=(first, last))
    return found


def hours_by_volunteer(
    volunteer_ids: Iterable[int] | QuerySet, first: dt.date | None = None, last: dt.date | None = None
) -> dict[int, Decimal]:
    """Each volunteer's hours for the period (or all of them): two grouped queries however many
    volunteers and records. A volunteer with none is absent (read it with `.get(pk, ZERO)`)."""
    ids = volunteer_ids if isinstance(volunteer_ids, QuerySet) else list(volunteer_ids)
    found: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for source in (_credited(first, last), _approved(first, last)):
        rows = source.filter(volunteer_id__in=ids).order_by().values("volunteer_id").annotate(total=Sum("hours"))
        for row in rows:
            found[row["volunteer_id"]] += row["total"]
    return dict(found)


def hours(volunteer_id: int, first: dt.date | None = None, last: dt.date | None = None) -> Decimal:
    """One volunteer's hours for the period (or all of them)."""
    return hours_by_volunteer([volunteer_id], first, last).get(volunteer_id, ZERO)


@dataclass(frozen=True)
class Service:
    """One line of a volunteer's record: a date, what was done, where, the hours."""

    day: dt.date
    what: str
    place: str
    hours: Decimal


def services(volunteer_id: int, first: dt.date, last: dt.date) -> list[Service]:
    """The records behind `hours` for the period, by date: two queries."""
    rows = [
        Service(
            timezone.localdate(s.activity.starts_at),
            s.activity.title,
            s.activity.station.name if not s.activity.place else s.activity.place,
            s.hours or ZERO,
        )
        for s in _credited(first, last).filter(volunteer_id=volunteer_id).select_related("activity__station")
    ]
    rows += [Service(h.day, h.what, "", h.hours) for h in _approved(first, last).filter(volunteer_id=volunteer_id)]
    return sorted(rows, key=lambda s: (s.day, s.what))


def households_served(area: AreaNode, first: dt.date, last: dt.date) -> QuerySet:
    """The ids of the households in `area` that an activity starting in the period served."""
    since, until = bounds(first, last)
    where = {"household_id": area.pk} if area.level == Level.HOUSEHOLD else {f"household__{area.level}_id": area.pk}
    return (
        Attendee.objects.filter(activity__starts_at__gte=since, activity__starts_at__lt=until, **where)
        .order_by()
        .values("household_id")
        .distinct()
    )
