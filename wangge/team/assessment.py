"""The star-rated rolling assessment (星级滚动考核): a period's scores computed from records.

A score is the weighted mean of the points (0–100) of the indicators present for the worker
(`indicators.installed()`; a rate earns rate × 100 points, a count its share of the district's
target, capped at 100). The score earns 1 star plus one per threshold it reaches; the stars
then move from last period's by at most one step (`StarRule`). A worker with no indicator
present keeps last period's stars (3 in a first period).

`compute_period` reads; `actions.run_period` writes what it computed (idempotently: a rerun
updates the same rows and keeps a supervisor's adjustment).
"""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode
from wangge.lib.errors import DomainError
from wangge.people.models import WorkerProfile
from wangge.team import indicators
from wangge.team.errors import TeamError
from wangge.team.models import AssessmentRules, PeriodKind, Score, StarRule, WorkerStatus

MIN_STARS, MAX_STARS = 1, 5
FIRST_STARS_WITHOUT_SCORE = 3
DEFAULT_WEIGHTS: dict[str, float] = {
    "cases_accepted_on_time": 10,
    "coverage_gaps": 10,
    "cases_on_time": 30,
    "satisfaction": 20,
    "briefings": 15,
    "patrols": 20,
    "visits": 15,
    "needs_met": 15,
}
# A month's count that earns full points.
# For a count where fewer is better (coverage_gaps): the count that earns no points.
DEFAULT_TARGETS: dict[str, float] = {"briefings": 20, "patrols": 40, "visits": 30, "coverage_gaps": 20}
# The score that earns 2, 3, 4 and 5 stars.
DEFAULT_THRESHOLDS = [40.0, 60.0, 75.0, 90.0]
PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Rules:
    period_kind: str
    weights: dict[str, float]
    targets: dict[str, float]
    thresholds: list[float]


def rules_for(district: AreaNode) -> Rules:
    """The district's rules, each part missing from its `AssessmentRules` taken from the defaults."""
    row = AssessmentRules.objects.filter(district=district).first()
    if row is None:
        return Rules(PeriodKind.MONTH, DEFAULT_WEIGHTS, DEFAULT_TARGETS, DEFAULT_THRESHOLDS)
    return Rules(
        row.period_kind,
        {**DEFAULT_WEIGHTS, **row.weights},
        {**DEFAULT_TARGETS, **row.targets},
        list(row.thresholds) or DEFAULT_THRESHOLDS,
    )


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    months: int

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    def previous(self) -> "Period":
        return period_of(self.start - dt.timedelta(days=1), self.months)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(day: dt.date, months: int) -> Period:
    """The month (months=1) or quarter (3) that holds `day`."""
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    return Period(start, _add_months(start, months) - dt.timedelta(days=1), months)


def parse_period(text: str, kind: str) -> Period:
    """ "YYYY-MM": that month, or the quarter that holds it."""
    match = PERIOD_RE.match(text or "")
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise DomainError(TeamError.PERIOD_INVALID_FORMAT, _("Write the period as YYYY-MM, for example 2026-03."))
    return period_of(dt.date(int(match[1]), int(match[2]), 1), 3 if kind == PeriodKind.QUARTER else 1)


def stars_earned(score: float | None, thresholds: Sequence[float]) -> int | None:
    if score is None:
        return None
    return MIN_STARS + sum(1 for threshold in thresholds if score >= threshold)


def roll(previous: int | None, earned: int | None) -> tuple[int, str]:
    """The stars that hold and the rule that gave them: never more than one step from last period's."""
    if previous is None:
        return (earned if earned is not None else FIRST_STARS_WITHOUT_SCORE), StarRule.FIRST
    if earned is None or earned == previous:
        return previous, StarRule.HELD
    if earned > previous:
        return previous + 1, StarRule.UP if earned == previous + 1 else StarRule.CAPPED_UP
    return previous - 1, StarRule.DOWN if earned == previous - 1 else StarRule.CAPPED_DOWN


@dataclass
class Line:
    worker: WorkerProfile
    score: float | None
    earned: int | None
    previous_stars: int | None
    stars: int
    rule: str
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "worker": self.worker.pk,
            "name": self.worker.person.name,
            "score": self.score,
            "stars": self.stars,
            "previous_stars": self.previous_stars,
            "rule": self.rule,
            "indicators": {name: data["value"] for name, data in self.indicators.items()},
        }


def assessed_workers(district: AreaNode) -> QuerySet[WorkerProfile]:
    """The district's workers in post (or on leave): those who left are not assessed."""
    return (
        WorkerProfile.objects.filter(district=district)
        .exclude(roster_entry__status=WorkerStatus.LEFT)
        .select_related("person")
        .order_by("pk")
    )


def compute_period(district: AreaNode, period: Period, rules: Rules) -> list[Line]:
    """Every assessed worker's line for the period: one query per indicator, one for the
    workers, one for last period's stars."""
    workers = list(assessed_workers(district))
    previous = dict(
        Score.objects.filter(district=district, period_start=period.previous().start).values_list("worker_id", "stars")
    )
    measured = {ind.name: (ind, ind.compute(workers, period.start, period.end)) for ind in indicators.installed()}
    lines = []
    for worker in workers:
        parts: dict[str, dict[str, Any]] = {}
        for name, (indicator, measures) in measured.items():
            measure = measures.get(worker.pk)
            if measure is None:
                continue
            if indicator.rate:
                points = measure.value * 100
            elif indicator.fewer_is_better:
                limit = rules.targets.get(name, 0)
                points = max(0.0, 100 * (1 - measure.value / limit)) if limit else (100.0 if not measure.value else 0.0)
            else:
                target = rules.targets.get(name, 0) * period.months
                points = min(100.0, measure.value / target * 100) if target else 100.0
            parts[name] = {
                "value": measure.value,
                "points": round(points, 1),
                "weight": rules.weights.get(name, 0),
                "records": measure.records,
                "hits": measure.hits,
            }
        weight = sum(part["weight"] for part in parts.values())
        score = round(sum(p["weight"] * p["points"] for p in parts.values()) / weight, 1) if weight else None
        earned = stars_earned(score, rules.thresholds)
        stars, rule = roll(previous.get(worker.pk), earned)
        lines.append(Line(worker, score, earned, previous.get(worker.pk), stars, rule, parts))
    return lines
