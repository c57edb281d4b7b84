"""The six headline figures of an area for a period, each beside the same period a year
earlier and the change, assembled from the one definition in the app that owns its records
(docs/dashboard.md lists them):

| key | owner |
|---|---|
| `deeds` | `team.practical.count` |
| `issues_resolved` | `cases.figures.closed_between` / `closed_by_channel` |
| `residents_benefited` | `assistance.benefited.benefited` |
| `facility_utilisation` | `resources.figures.utilisation` |
| `petitions` | `cases.figures.petitions_between` |
| `satisfaction` | `cases.figures.satisfaction` over `visits_between` |

Every figure is read live from the records (a case closed now moves `issues_resolved` at once);
`records` lists what a figure counted, in the same area and period, and its count equals the
figure's `count`. A figure with nothing to count from (no shared facility open in the area, no
return visit in the period) has `value` None and says why.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.areas.models import AreaNode, Level
from wangge.assistance import benefited as benefited_figures
from wangge.cases import figures as case_figures
from wangge.cases.models import Case, ReturnVisit
from wangge.dashboard.periods import Period
from wangge.resources import figures as resource_figures
from wangge.resources.models import Booking
from wangge.team import practical


@dataclass
class Measure:
    """A figure's value for one period: `count` is the number of records behind it (what its
    records list holds), `reason` why there is no value."""

    value: float | None
    count: int
    reason: str = ""
    breakdown: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Definition:
    key: str
    label: str | Promise
    unit: str | Promise
    definition: str | Promise
    owner: str
    measure: Callable[[AreaNode, Period], Measure]
    records: Callable[[AreaNode, Period], list[QuerySet]]


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    definition: str
    owner: str
    value: float | None
    count: int
    previous: float | None
    previous_count: int
    change: float | None
    reason: str
    breakdown: dict[str, Any]
    as_of: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "definition": self.definition,
            "previous": self.previous,
            "change": self.change,
            "count": self.count,
            "reason": self.reason or None,
            "breakdown": self.breakdown,
            "owner": self.owner,
            "as_of": self.as_of,
        }


def change(value: float | None, previous: float | None) -> float | None:
    """The change against the year before in percent of the year before's value (None when
    either is missing or the year before was 0)."""
    if value is None or previous is None or previous == 0:
        return None
    return round((value - previous) / previous * 100, 2)


def _cases(area: AreaNode) -> QuerySet[Case]:
    return case_figures.in_area(Case.objects.all(), area.level, area.pk)


def _visits(area: AreaNode) -> QuerySet[ReturnVisit]:
    return ReturnVisit.objects.filter(**{f"case__{area.level}_id": area.pk})


# --- deeds ---------------------------------------------------------------------------------


def _deeds(area: AreaNode, period: Period) -> Measure:
    counted = practical.count(area, period.first, period.last)
    n = int(counted["count"])  # type: ignore[call-overload]
    return Measure(n, n, breakdown=dict(counted["by_kind"]))  # type: ignore[call-overload]


def _deeds_records(area: AreaNode, period: Period) -> list[QuerySet]:
    return [
        practical.done(area, period.first, period.last).order_by("fulfilled_at", "pk"),
        practical.helps_given(area, period.first, period.last).order_by("given_on", "pk"),
    ]


# --- issues resolved -----------------------------------------------------------------------


def _issues(area: AreaNode, period: Period) -> Measure:
    by_channel = case_figures.closed_by_channel(_cases(area), period.since, period.until)
    n = sum(by_channel.values())
    return Measure(n, n, breakdown=by_channel)


def _issues_records(area: AreaNode, period: Period) -> list[QuerySet]:
    return [case_figures.closed_between(_cases(area), period.since, period.until).order_by("closed_at", "pk")]


# --- residents benefited -------------------------------------------------------------------


def _benefited(area: AreaNode, period: Period) -> Measure:
    found = benefited_figures.benefited(area, period.first, period.last)
    if not found.households:
        return Measure(None, 0, _("The area has no households in the registry."))
    return Measure(
        round(found.share * 100, 2),
        found.benefited,
        breakdown={"households": found.households, "benefited": found.benefited, "kinds": found.kinds},
    )


def _benefited_records(area: AreaNode, period: Period) -> list[QuerySet]:
    reached = Q(pk__in=[])
    for service in benefited_figures.services():
        reached |= Q(pk__in=service.households(area, period.first, period.last))
    households = AreaNode.objects.filter(reached, level=Level.HOUSEHOLD, **{f"{area.level}_id": area.pk})
    return [households.order_by("code", "pk")]


# --- facility utilisation ------------------------------------------------------------------


def _bookings(area: AreaNode, period: Period) -> QuerySet[Booking]:
    """The bookings utilisation counts: approved (also later checked in or no-show) and starting
    in the period, of the area's facilities."""
    return Booking.objects.filter(
        facility__in=resource_figures.facilities_in(area),
        status__in=resource_figures.BOOKED,
        starts_at__gte=period.since,
        starts_at__lt=period.until,
    )


def _utilisation(area: AreaNode, period: Period) -> Measure:
    found = resource_figures.utilisation(resource_figures.facilities_in(area), period.first, period.last)
    counted = _bookings(area, period).count()
    if not found.open_hours:
        return Measure(None, counted, _("No shared facility of the area was open in the period."))
    return Measure(
        round(found.rate * 100, 2),
        counted,
        breakdown={
            "open_hours": round(found.open_hours, 1),
            "booked_hours": round(found.booked_hours, 1),
            "used_hours": round(found.used_hours, 1),
        },
    )


def _utilisation_records(area: AreaNode, period: Period) -> list[QuerySet]:
    return [_bookings(area, period).order_by("starts_at", "pk")]


# --- petitions -----------------------------------------------------------------------------


def _petitions(area: AreaNode, period: Period) -> Measure:
    n = case_figures.petitions_between(_cases(area), period.since, period.until).count()
    return Measure(n, n)


def _petitions_records(area: AreaNode, period: Period) -> list[QuerySet]:
    return [case_figures.petitions_between(_cases(area), period.since, period.until).order_by("created_at", "pk")]


# --- satisfaction --------------------------------------------------------------------------


def _satisfaction(area: AreaNode, period: Period) -> Measure:
    found = case_figures.satisfaction(case_figures.visits_between(_visits(area), period.since, period.until))
    if found["rate"] is None:
        return Measure(None, 0, _("No return visit was recorded in the period."))
    return Measure(
        round(found["rate"] * 100, 2), found["total"], breakdown={"visits": found["total"], "pleased": found["pleased"]}
    )


def _satisfaction_records(area: AreaNode, period: Period) -> list[QuerySet]:
    return [case_figures.visits_between(_visits(area), period.since, period.until).order_by("created_at", "pk")]


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in (
        Definition(
            "deeds",
            gettext_lazy("Practical things done by members"),
            gettext_lazy("items"),
            gettext_lazy(
                "Small wishes and service tasks fulfilled (on the day fulfilled) and helps given by paired "
                "members to households in difficulty (on the day given), in the area and period."
            ),
            "wangge.team.practical",
            _deeds,
            _deeds_records,
        ),
        Definition(
            "issues_resolved",
            gettext_lazy("Issues found and resolved"),
            gettext_lazy("cases"),
            gettext_lazy(
                "Cases of the area closed off in the period (the last closing counts), by the channel they "
                "came in through; rejected cases and duplicates are not counted."
            ),
            "wangge.cases.figures.closed_between",
            _issues,
            _issues_records,
        ),
        Definition(
            "residents_benefited",
            gettext_lazy("Residents benefited"),
            "%",
            gettext_lazy(
                "Share of the area's households reached in the period by at least one recorded service: a "
                "help, a case of theirs closed off, a facility booking used."
            ),
            "wangge.assistance.benefited",
            _benefited,
            _benefited_records,
        ),
        Definition(
            "facility_utilisation",
            gettext_lazy("Shared facility utilisation"),
            "%",
            gettext_lazy(
                "Hours of checked-in bookings over the hours the area's shared facilities were open in the "
                "period (weekly hours less holidays and closures)."
            ),
            "wangge.resources.figures.utilisation",
            _utilisation,
            _utilisation_records,
        ),
        Definition(
            "petitions",
            gettext_lazy("Petitions"),
            gettext_lazy("petitions"),
            gettext_lazy(
                "Petitions and complaints to the petitions office (信访) recorded as cases of the channel "
                "petition and filed in the period, duplicates of another counted once; compared with the "
                "same period a year earlier."
            ),
            "wangge.cases.figures.petitions_between",
            _petitions,
            _petitions_records,
        ),
        Definition(
            "satisfaction",
            gettext_lazy("Satisfaction"),
            "%",
            gettext_lazy(
                "Share of the return visits recorded in the period that were answered satisfied or basically satisfied."
            ),
            "wangge.cases.figures.satisfaction",
            _satisfaction,
            _satisfaction_records,
        ),
    )
}
KEYS = tuple(DEFINITIONS)


def figure(key: str, area: AreaNode, period: Period, now: dt.datetime | None = None) -> Figure:
    """One headline figure, its value a year earlier and the change."""
    definition = DEFINITIONS[key]
    current = definition.measure(area, period)
    before = definition.measure(area, period.year_earlier())
    return Figure(
        key=key,
        label=str(definition.label),
        unit=str(definition.unit),
        definition=str(definition.definition),
        owner=definition.owner,
        value=current.value,
        count=current.count,
        previous=before.value,
        previous_count=before.count,
        change=change(current.value, before.value),
        reason=current.reason,
        breakdown=current.breakdown,
        as_of=now or timezone.now(),
    )


def headline(area: AreaNode, period: Period) -> list[Figure]:
    """The six figures, in their order. A fixed number of queries however many records."""
    now = timezone.now()
    return [figure(key, area, period, now) for key in KEYS]


def records(key: str, area: AreaNode, period: Period) -> list[QuerySet]:
    """The querysets of the records `key` counted (one or, for deeds, two kinds), ordered."""
    return DEFINITIONS[key].records(area, period)


def trend(key: str, area: AreaNode, period: Period) -> list[tuple[str, float | None]]:
    """The figure for each month of the period (label, value)."""
    measure = DEFINITIONS[key].measure
    return [(month.label, measure(area, month).value) for month in period.months()]
