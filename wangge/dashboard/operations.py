"""The operations figures under the headline, each from the owning app's one definition:

- cases on time and late, open overdue, average time to accept and to close off, by handling
  unit (department) and by grid: `cases.figures.period_lines`;
- briefing, patrol and visit compliance per grid: `fieldwork.compliance.compliance`;
- coverage gaps: `orgs.coverage.coverage_report`;
- the distribution of star ratings of the latest assessed period: the `team.Score` rows of the
  area's workers for that period, counted by stars;
- households in difficulty by state: `assistance.figures.by_state`.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from wangge.accounts.models import User
from wangge.areas.models import AreaNode
from wangge.assistance.figures import by_state
from wangge.assistance.models import DossierState
from wangge.cases import figures as case_figures
from wangge.cases.models import Case
from wangge.dashboard.periods import Period
from wangge.fieldwork.compliance import Compliance, compliance
from wangge.orgs.coverage import CoverageReport, coverage_report
from wangge.team.models import Score


@dataclass
class Operations:
    by_unit: list[case_figures.PeriodLine]
    by_grid: list[case_figures.PeriodLine]
    compliance: Compliance | None
    coverage: CoverageReport
    stars: dict[int, int]
    stars_period: dt.date | None
    households: list[tuple[str, str, int]]


def star_distribution(area: AreaNode) -> tuple[dt.date | None, dict[int, int]]:
    """The latest period the area's workers were assessed in, and how many hold 1 … 5 stars then
    (the stars that hold, after any adjustment). Two queries."""
    scores = Score.objects.filter(**{f"{area.level}_id": area.pk})
    latest = scores.aggregate(latest=Max("period_start"))["latest"]
    found: dict[int, int] = dict.fromkeys(range(1, 6), 0)
    if latest is not None:
        for stars, n in scores.filter(period_start=latest).order_by().values_list("stars").annotate(n=Count("pk")):
            found[stars] = n
    return latest, found


def operations(user: User, area: AreaNode, period: Period) -> Operations:
    cases = case_figures.in_area(Case.objects.all(), area.level, area.pk)
    today = timezone.localdate()
    last = min(period.last, today)
    worked = compliance(area, period.first, last) if period.first <= last else None
    latest, stars = star_distribution(area)
    states = by_state(area)
    return Operations(
        by_unit=case_figures.period_lines(cases, period.since, period.until, "unit"),
        by_grid=case_figures.period_lines(cases, period.since, period.until, "grid"),
        compliance=worked,
        coverage=coverage_report(user, within=area),
        stars=stars,
        stars_period=latest,
        households=[(state.value, str(state.label), states.get(state.value, 0)) for state in DossierState],
    )


def grid_values(ops: Operations) -> dict[str, dict[int, Any]]:
    """Per grid id, the figures a map can be coloured by."""
    values: dict[str, dict[int, Any]] = {"overdue": {}, "closed": {}, "on_time_rate": {}, "patrols": {}, "gaps": {}}
    for line in ops.by_grid:
        if line.key is None:
            continue
        values["overdue"][line.key] = line.open_overdue
        values["closed"][line.key] = line.closed
        values["on_time_rate"][line.key] = round(line.on_time_rate * 100, 1) if line.on_time_rate is not None else None
    if ops.compliance is not None:
        for grid in ops.compliance.grids:
            owed = grid.patrols_owed
            values["patrols"][grid.grid_id] = round(grid.patrols / owed * 100, 1) if owed else None
    for gaps in ops.coverage.grids:
        values["gaps"][gaps.area_id] = gaps.total
    return values
