"""The case figures the home pages show, each defined once, with its definition in words.

Every function takes cases (or return visits) already narrowed to the reader's scope
(`queries.visible_cases`, `queries.worklist`) and counts them in one grouped query, however
many cases there are. "Now" is passed in so that a page counts every figure at one instant.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wangge.cases.models import Case, ReturnVisit, Supervision
from wangge.cases.queries import satisfaction_rates
from wangge.cases.workflow import OPEN_STATES, State

OPEN = Q(state__in=OPEN_STATES)


def month_start(now: dt.datetime) -> dt.datetime:
    """Midnight (local time) of the first day of `now`'s month: where "this month" begins."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def end_of_today(now: dt.datetime) -> dt.datetime:
    """Midnight (local time) at the end of `now`'s day."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


def _due_soon(now: dt.datetime) -> Q:
    soon = now + dt.timedelta(hours=settings.CASE_DUE_SOON_HOURS)
    return OPEN & Q(overdue=False, due_at__gt=now, due_at__lte=soon)


def _due_today(now: dt.datetime) -> Q:
    return OPEN & (Q(overdue=True) | Q(due_at__lt=end_of_today(now)))


def _closed_this_month(now: dt.datetime) -> Q:
    return Q(state=State.CLOSED, closed_at__gte=month_start(now))


def open_counts(cases: QuerySet[Case], now: dt.datetime) -> dict[str, int]:
    """Counts of the open cases among `cases` (one query):

    - open: cases in an open state (every state but not accepted, closed off and merged as duplicate);
    - overdue: open cases the deadline sweep has marked overdue (their deadline passed while open);
    - due_soon: open cases not yet overdue whose deadline falls within CASE_DUE_SOON_HOURS from
      now (the same test as the lists' "due soon" flag, `queries.with_flags`);
    - due_today: open cases that are overdue or whose deadline falls before the end of today
      (local time): today's tasks;
    - waiting: cases dispatched to their unit and not yet started (state "dispatched").
    """
    counts = cases.order_by().aggregate(
        n_open=Count("pk", filter=OPEN),
        n_overdue=Count("pk", filter=OPEN & Q(overdue=True)),
        n_due_soon=Count("pk", filter=_due_soon(now)),
        n_due_today=Count("pk", filter=_due_today(now)),
        n_waiting=Count("pk", filter=Q(state=State.DISPATCHED)),
    )
    return {key.removeprefix("n_"): value for key, value in counts.items()}


def todays_tasks(cases: QuerySet[Case], now: dt.datetime, limit: int = 5) -> list[Case]:
    """Today's tasks: the first `limit` of the cases `open_counts` counts as due_today,
    the most urgent (earliest deadline) first, with category and building (one query)."""
    return list(cases.filter(_due_today(now)).select_related("category", "building").order_by("due_at", "id")[:limit])


def open_by_grid(cases: QuerySet[Case]) -> dict[int, dict[str, int]]:
    """Per grid id: its open and overdue cases (as in `open_counts`), one grouped query."""
    rows = (
        cases.filter(OPEN)
        .values("grid_id")
        .annotate(n_open=Count("pk"), n_overdue=Count("pk", filter=Q(overdue=True)))
        .order_by()
    )
    return {row["grid_id"]: {"open": row["n_open"], "overdue": row["n_overdue"]} for row in rows}


def on_time_rate(closed: int, on_time: int) -> float | None:
    """The on-time rate: of the cases closed off this month, the share that were closed on time,
    i.e. never marked overdue (handled before their deadline, extensions granted counted). None
    when nothing was closed this month."""
    return on_time / closed if closed else None


@dataclass
class UnitLine:
    """One handling unit's figures (unit None: cases not yet dispatched to any unit)."""

    unit_id: int | None
    name: str
    open: int = 0
    overdue: int = 0
    closed: int = 0
    on_time: int = 0
    satisfaction: dict[str, Any] | None = None

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(self.closed, self.on_time)


@dataclass
class UnitFigures:
    lines: list[UnitLine]
    total: UnitLine
    satisfaction: dict[str, Any] = field(default_factory=dict)


def by_unit(cases: QuerySet[Case], visits: QuerySet[ReturnVisit], now: dt.datetime) -> UnitFigures:
    """Per handling unit (department): open and overdue cases (as in `open_counts`), cases closed
    off this month (state closed, closed at or after `month_start`), of those the ones closed on
    time (`on_time_rate`), and the satisfaction of this month's return visits
    (`queries.satisfaction_rates`: satisfied plus basically satisfied over all visits). Two
    queries: the cases grouped by unit, the visits grouped by unit.
    """
    closed = _closed_this_month(now)
    rows = (
        cases.filter(OPEN | closed)
        .values("unit_id", "unit__name")
        .annotate(
            n_open=Count("pk", filter=OPEN),
            n_overdue=Count("pk", filter=OPEN & Q(overdue=True)),
            n_closed=Count("pk", filter=closed),
            n_on_time=Count("pk", filter=closed & Q(overdue=False)),
        )
        .order_by("unit__name")
    )
    lines = {
        row["unit_id"]: UnitLine(
            row["unit_id"], row["unit__name"] or "", row["n_open"], row["n_overdue"], row["n_closed"], row["n_on_time"]
        )
        for row in rows
    }
    rates = satisfaction_rates(visits.filter(created_at__gte=month_start(now)), by="unit")
    for rate in rates:
        lines.setdefault(rate["id"], UnitLine(rate["id"], str(rate["name"] or ""))).satisfaction = rate  # type: ignore[arg-type]
    total = UnitLine(None, "")
    for line in lines.values():
        total.open += line.open
        total.overdue += line.overdue
        total.closed += line.closed
        total.on_time += line.on_time
    answered = sum(int(r["total"]) for r in rates)  # type: ignore[call-overload]
    pleased = sum(int(r["satisfied"]) + int(r["basically"]) for r in rates)  # type: ignore[call-overload]
    satisfaction = {"total": answered, "rate": pleased / answered if answered else None}
    ordered = sorted(lines.values(), key=lambda line: (line.unit_id is None, line.name))
    return UnitFigures(ordered, total, satisfaction)


def closed_this_month(cases: QuerySet[Case], now: dt.datetime) -> int:
    """Cases closed off this month (state closed, closed at or after `month_start`): one query."""
    return cases.filter(_closed_this_month(now)).count()


def supervision_counts(cases: QuerySet[Case]) -> dict[str, int]:
    """Of the open cases among `cases` (one query): overdue (as in `open_counts`) and supervised
    (an open supervision: a supervising body has taken the case up and not closed it)."""
    supervised = Exists(Supervision.objects.filter(case=OuterRef("pk"), closed_at__isnull=True))
    counts = (
        cases.filter(OPEN)
        .order_by()
        .aggregate(
            n_overdue=Count("pk", filter=Q(overdue=True)),
            n_supervised=Count("pk", filter=Q(supervised)),
        )
    )
    return {key.removeprefix("n_"): value for key, value in counts.items()}
