"""The case figures the home pages show, each defined once, with its definition in words.

Every function takes cases (or return visits) already narrowed to the reader's scope
(`queries.visible_cases`, `queries.worklist`) and counts them in one grouped query, however
many cases there are. "Now" is passed in so that a page counts every figure at one instant.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from wangge.cases.models import Case, Channel, ReturnVisit, Satisfaction, Supervision
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


# --- figures over a period (the dashboard, docs/dashboard.md) ------------------------------------


def in_area(cases: QuerySet[Case], level: str, area_id: int) -> QuerySet[Case]:
    """The cases of a district, community or grid (the copy of the area on the case: one column)."""
    return cases.filter(**{f"{level}_id": area_id})


def closed_between(cases: QuerySet[Case], since: dt.datetime, until: dt.datetime) -> QuerySet[Case]:
    """**Issues resolved** (问题解决): the cases closed off (state closed) with `closed_at` in
    [since, until). A case closed off, reopened by an unsatisfied return visit and closed off
    again counts once, in the period of its last closing; a case rejected or merged as a
    duplicate never counts."""
    return cases.filter(state=State.CLOSED, closed_at__gte=since, closed_at__lt=until)


def closed_by_channel(cases: QuerySet[Case], since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """`closed_between` counted by the channel each case came in through (one query); every
    channel present, 0 when none."""
    found = dict(closed_between(cases, since, until).order_by().values_list("channel").annotate(n=Count("pk")))
    return {channel.value: found.get(channel.value, 0) for channel in Channel}


def petitions_between(cases: QuerySet[Case], since: dt.datetime, until: dt.datetime) -> QuerySet[Case]:
    """**Petitions** (信访): cases filed through the channel petition (a petition or complaint to
    the petitions office, recorded in the case chain) with `created_at` in [since, until), except
    those merged as a duplicate of another (the same matter petitioned again counts once)."""
    return cases.filter(channel=Channel.PETITION, created_at__gte=since, created_at__lt=until).exclude(
        state=State.DUPLICATE
    )


def visits_between(visits: QuerySet[ReturnVisit], since: dt.datetime, until: dt.datetime) -> QuerySet[ReturnVisit]:
    """The return visits recorded (`created_at`) in [since, until)."""
    return visits.filter(created_at__gte=since, created_at__lt=until)


def satisfaction(visits: QuerySet[ReturnVisit]) -> dict[str, Any]:
    """**Satisfaction from return visits**: of the return visits `visits`, the share answered
    satisfied or basically satisfied (`queries.satisfaction_rates`' rate, over all of them at
    once): {total, pleased, rate}, rate None when there was no visit. One query."""
    counts = visits.order_by().aggregate(
        total=Count("pk"), pleased=Count("pk", filter=Q(result__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY]))
    )
    total, pleased = int(counts["total"] or 0), int(counts["pleased"] or 0)
    return {"total": total, "pleased": pleased, "rate": pleased / total if total else None}


@dataclass
class PeriodLine:
    """One unit's or grid's cases over a period (key None: none)."""

    key: int | None
    name: str
    closed: int = 0
    on_time: int = 0
    open_overdue: int = 0
    accept_seconds: float | None = None
    close_seconds: float | None = None

    @property
    def accept_days(self) -> float | None:
        return self.accept_seconds / 86400 if self.accept_seconds is not None else None

    @property
    def close_days(self) -> float | None:
        return self.close_seconds / 86400 if self.close_seconds is not None else None

    @property
    def late(self) -> int:
        return self.closed - self.on_time

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(self.closed, self.on_time)


def period_lines(cases: QuerySet[Case], since: dt.datetime, until: dt.datetime, by: str) -> list[PeriodLine]:
    """Per handling unit (`by="unit"`) or grid (`by="grid"`), one grouped query:

    - closed: cases closed off in [since, until) (`closed_between`); on_time: of those, the ones
      never marked overdue (`on_time_rate`); late = closed − on_time;
    - open_overdue: open cases marked overdue now (as in `open_counts`);
    - accept_seconds: the average time from filing to acceptance of the cases closed off in the
      period; close_seconds: the average time from filing to closing off of the same cases.
    """
    if by not in ("unit", "grid"):
        raise ValueError(by)
    closed = Q(state=State.CLOSED, closed_at__gte=since, closed_at__lt=until)
    rows = (
        cases.filter(closed | (OPEN & Q(overdue=True)))
        .values(f"{by}_id", f"{by}__name")
        .annotate(
            n_closed=Count("pk", filter=closed),
            n_on_time=Count("pk", filter=closed & Q(overdue=False)),
            n_open_overdue=Count("pk", filter=OPEN & Q(overdue=True)),
            accept=Avg(F("accepted_at") - F("created_at"), filter=closed & Q(accepted_at__isnull=False)),
            close=Avg(F("closed_at") - F("created_at"), filter=closed),
        )
        .order_by(f"{by}__name")
    )
    return [
        PeriodLine(
            row[f"{by}_id"],
            row[f"{by}__name"] or "",
            row["n_closed"],
            row["n_on_time"],
            row["n_open_overdue"],
            _seconds(row["accept"]),
            _seconds(row["close"]),
        )
        for row in rows
    ]


def _seconds(value: Any) -> float | None:
    """An average duration as seconds (PostgreSQL answers a timedelta, SQLite microseconds)."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000
