"""The assessment's indicators, each defined once here with its definition in words, computed
from records for every worker of a period in one query per indicator (however many workers).

An indicator gives, per worker, a `Measure`: its value, the ids of the records behind it (the
drill-down lists exactly these) and, for a rate, the ids among them that count as hits. A worker
for whom an indicator has nothing to judge (no case closed in the grid) gets no measure: the
indicator is absent from their score, not zero.

The registry is `INDICATORS`. An indicator names the app that owns its records (`app`); while
that app is not installed the indicator is absent everywhere (the needs met for paired
households is `assistance`'s).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode
from wangge.assistance.models import Need, NeedState, Pair
from wangge.calendars.queries import calendar_for
from wangge.cases.models import Case, ReturnVisit, Satisfaction
from wangge.cases.workflow import State
from wangge.fieldwork.models import Briefing, Patrol, Visit
from wangge.orgs.coverage import gaps_in
from wangge.people.models import WorkerProfile
from wangge.team.models import AssessmentRules

# A case is accepted on time within this many working hours, unless the district's rules say otherwise.
DEFAULT_ACCEPT_HOURS = 8


@dataclass
class Measure:
    value: float
    records: list[int] = field(default_factory=list)
    hits: list[int] | None = None


Compute = Callable[[Sequence[WorkerProfile], dt.date, dt.date], dict[int, Measure]]


@dataclass(frozen=True)
class Indicator:
    name: str
    label: Promise
    definition: Promise
    # What the record ids name: "case", "return_visit", "briefing", "patrol", "visit", "need".
    records: str
    # A rate (0–1, points = rate × 100) or a count (points = count against the district's target).
    rate: bool
    app: str
    compute: Compute
    # A count where fewer is better (coverage gaps): points fall from 100 to 0 as the count
    # reaches the district's limit (`targets`, not multiplied by the period's months).
    fewer_is_better: bool = False


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and last day as aware instants: [start 00:00, day after end 00:00),
    local time."""
    return _midnight(start), _midnight(end + dt.timedelta(days=1))


def _district(workers: Sequence[WorkerProfile]) -> int | None:
    """The district of the workers assessed together (a period is computed per district)."""
    return workers[0].district_id if workers else None


def _area_of(worker: WorkerProfile) -> tuple[str, int | None]:
    """The area whose cases are the worker's: their grid, or their community for a worker of a
    community as a whole."""
    return ("grid", worker.grid_id) if worker.grid_id else ("community", worker.community_id)


def _by_area(
    workers: Sequence[WorkerProfile], rows: list[tuple[int | None, int | None, int, bool]]
) -> dict[int, Measure]:
    """Rate measures per worker from (grid id, community id, record id, hit) rows."""
    pooled: dict[tuple[str, int | None], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for grid_id, community_id, pk, hit in rows:
        for key in (("grid", grid_id), ("community", community_id)):
            records, hits = pooled[key]
            records.append(pk)
            if hit:
                hits.append(pk)
    measures = {}
    for worker in workers:
        records, hits = pooled.get(_area_of(worker), ([], []))
        if records:
            measures[worker.pk] = Measure(len(hits) / len(records), sorted(records), sorted(hits))
    return measures


def cases_closed_on_time(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """Of the cases of the worker's grid (or community) closed off in the period, the share closed
    on time: never marked overdue (the on-time rate of `cases.figures.on_time_rate`)."""
    since, until = _bounds(start, end)
    rows = (
        Case.objects.filter(
            district_id=_district(workers), state=State.CLOSED, closed_at__gte=since, closed_at__lt=until
        )
        .order_by()
        .values_list("grid_id", "community_id", "pk", "overdue")
    )
    return _by_area(workers, [(g, c, pk, not overdue) for g, c, pk, overdue in rows])


def accept_within_hours(district_id: int | None) -> int:
    """The district's rule for cases_accepted_on_time (`AssessmentRules.accept_within_hours`)."""
    hours = AssessmentRules.objects.filter(district_id=district_id).values_list("accept_within_hours", flat=True)
    return next(iter(hours), DEFAULT_ACCEPT_HOURS)


def cases_accepted_on_time(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """Of the cases of the worker's grid (or community) accepted (受理, the step reported →
    accepted) in the period, the share accepted within the district's working hours
    (`AssessmentRules.accept_within_hours`, default 8: one working day) of being reported
    (`Case.created_at`), counted on the district's work calendar (working periods, holidays and
    make-up days): accepted at or before `add_working_hours(reported, N)`."""
    district_id = _district(workers)
    since, until = _bounds(start, end)
    rows = list(
        Case.objects.filter(district_id=district_id, accepted_at__gte=since, accepted_at__lt=until)
        .order_by()
        .values_list("grid_id", "community_id", "pk", "created_at", "accepted_at")
    )
    if not rows:
        return {}
    hours = accept_within_hours(district_id)
    calendar = calendar_for(district_id)
    return _by_area(
        workers,
        [
            (
                g,
                c,
                pk,
                accepted is not None and accepted <= calendar.add_working_hours(timezone.localtime(reported), hours),
            )
            for g, c, pk, reported, accepted in rows
        ],
    )


def coverage_gaps(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """The gaps of the coverage report (`orgs.coverage`: a grid without its grid general branch,
    a building group without its branch, a building or a household without a responsible member)
    in the worker's grid (or community), as the records stand when the period is assessed: the
    report has no history, so a past period rerun later reads today's gaps. Fewer is better."""
    district_id = _district(workers)
    if district_id is None:
        return {}
    pooled: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for gap in gaps_in(AreaNode.objects.filter(district_id=district_id)):
        pooled["grid", gap.grid_id].append(gap.area_id)
        pooled["community", gap.community_id].append(gap.area_id)
    measures = {}
    for worker in workers:
        area = _area_of(worker)
        if area[1] is not None:
            records = sorted(pooled.get(area, []))
            measures[worker.pk] = Measure(len(records), records)
    return measures


PLEASED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


def return_visit_satisfaction(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """Of the return visits recorded in the period on cases of the worker's grid (or community),
    the share satisfied or basically satisfied (the rate of `cases.queries.satisfaction_rates`)."""
    since, until = _bounds(start, end)
    rows = (
        ReturnVisit.objects.filter(case__district_id=_district(workers), created_at__gte=since, created_at__lt=until)
        .order_by()
        .values_list("case__grid_id", "case__community_id", "pk", "result")
    )
    return _by_area(workers, [(g, c, pk, result in PLEASED) for g, c, pk, result in rows])


def _counted(workers: Sequence[WorkerProfile], rows: list[tuple[int, int]]) -> dict[int, Measure]:
    """Count measures per worker from (user id, record id) rows; a worker without an account
    has nothing recorded in their name and gets no measure."""
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, pk in rows:
        by_user[user_id].append(pk)
    measures = {}
    for worker in workers:
        account = worker.person.user_id
        if account is not None:
            records = sorted(by_user.get(account, []))
            measures[worker.pk] = Measure(len(records), records)
    return measures


def _accounts(workers: Sequence[WorkerProfile]) -> list[int]:
    return [user_id for w in workers if (user_id := w.person.user_id) is not None]


def briefings_attended(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """Morning briefings (早碰头) dated in the period that list the worker's account among the attendees."""
    rows = (
        Briefing.attendees.through.objects.filter(
            user_id__in=_accounts(workers), briefing__date__gte=start, briefing__date__lte=end
        )
        .order_by()
        .values_list("user_id", "briefing_id")
    )
    return _counted(workers, list(rows))


def patrols_done(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """Patrols (日双巡) started on a day of the period and recorded by the worker's account."""
    rows = (
        Patrol.objects.filter(recorded_by_id__in=_accounts(workers), date__gte=start, date__lte=end)
        .order_by()
        .values_list("recorded_by_id", "pk")
    )
    return _counted(workers, list(rows))


def households_visited(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """Household visits (走访) made in the period and recorded by the worker's account."""
    since, until = _bounds(start, end)
    rows = (
        Visit.objects.filter(recorded_by_id__in=_accounts(workers), visited_at__gte=since, visited_at__lt=until)
        .order_by()
        .values_list("recorded_by_id", "pk")
    )
    return _counted(workers, list(rows))


def needs_met(workers: Sequence[WorkerProfile], start: dt.date, end: dt.date) -> dict[int, Measure]:
    """Of the needs of the paired households of the worker's grid (or community) that were to be
    met in the period, the share met in the period (`Need.met_at`). A household is paired when its
    dossier had a pair current on some day of the period (started by its end, not ended before its
    start); a need was to be met when it was open by the period's end, not met before the period
    began and not judged one that cannot be met."""
    since, until = _bounds(start, end)
    paired = Pair.objects.filter(dossier_id=OuterRef("dossier_id"), started_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )
    rows = (
        Need.objects.filter(Exists(paired), dossier__district_id=_district(workers), opened_at__lt=until)
        .filter(Q(met_at__isnull=True) | Q(met_at__gte=since))
        .exclude(state=NeedState.CANNOT_BE_MET)
        .order_by()
        .values_list("dossier__grid_id", "dossier__community_id", "pk", "met_at")
    )
    return _by_area(workers, [(g, c, pk, met is not None and met < until) for g, c, pk, met in rows])


ALL: list[Indicator] = [
    Indicator(
        "cases_accepted_on_time",
        _("Cases accepted on time"),
        _(
            "Of the cases of the worker's grid (or community) accepted in the period, the share accepted "
            "within the district's working hours of being reported (on the work calendar)."
        ),
        "case",
        True,
        "wangge.cases",
        cases_accepted_on_time,
    ),
    Indicator(
        "cases_on_time",
        _("Cases closed on time"),
        _("Of the cases of the worker's grid (or community) closed off in the period, the share never marked overdue."),
        "case",
        True,
        "wangge.cases",
        cases_closed_on_time,
    ),
    Indicator(
        "satisfaction",
        _("Satisfaction of return visits"),
        _(
            "Of the return visits recorded in the period on cases of the worker's grid (or "
            "community), the share satisfied or basically satisfied."
        ),
        "return_visit",
        True,
        "wangge.cases",
        return_visit_satisfaction,
    ),
    Indicator(
        "briefings",
        _("Briefings attended"),
        _("Morning briefings dated in the period with the worker among the attendees."),
        "briefing",
        False,
        "wangge.fieldwork",
        briefings_attended,
    ),
    Indicator(
        "patrols",
        _("Patrols done"),
        _("Patrols started in the period and recorded by the worker."),
        "patrol",
        False,
        "wangge.fieldwork",
        patrols_done,
    ),
    Indicator(
        "visits",
        _("Households visited"),
        _("Household visits made in the period and recorded by the worker."),
        "visit",
        False,
        "wangge.fieldwork",
        households_visited,
    ),
    Indicator(
        "needs_met",
        _("Needs met for paired households"),
        _(
            "Of the needs of the paired households of the worker's grid (or community) that were to be "
            "met in the period (open by its end, not met before it began, not judged unmeetable), the "
            "share met in the period."
        ),
        "need",
        True,
        "wangge.assistance",
        needs_met,
    ),
    Indicator(
        "coverage_gaps",
        _("Coverage gaps"),
        _(
            "Gaps of the coverage report in the worker's grid (or community) when the period is assessed: "
            "a grid without its grid general branch, a building group without its branch, a building or a "
            "household without a responsible member. Fewer is better: no gap earns full points, the "
            "district's limit or more earns none."
        ),
        "area",
        False,
        "wangge.orgs",
        coverage_gaps,
        fewer_is_better=True,
    ),
]


def installed() -> list[Indicator]:
    """The indicators whose app is installed: the others are absent, not zero."""
    return [indicator for indicator in ALL if apps.is_installed(indicator.app)]


def by_name() -> dict[str, Indicator]:
    return {indicator.name: indicator for indicator in installed()}
