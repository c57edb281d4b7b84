"""The star-rated rolling assessment: indicators computed from records with the exact records
behind them, absent (not zero) when there is nothing to judge, stars that move at most one step
a period, an idempotent run, adjustments with a reason, appeals and their decision."""

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.cases.tests.factories import closed_off, file
from wangge.conftest import make_persona
from wangge.fieldwork.tests.factories import WORKING_MONDAY, at, briefing, patrol, visit
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import actions
from wangge.team.assessment import compute_period, parse_period, roll, rules_for
from wangge.team.models import Appeal, AppealStatus, AssessmentRules, Score, StarRule
from wangge.team.tasks import assess_ended_periods
from wangge.team.tests.factories import account_less_worker, worker_of

NOVEMBER = "2026-11"


@pytest.fixture
def team(small, worker_a, worker_b):
    return worker_of(worker_a, small.grids[0]), worker_of(worker_b, small.grids[2])


@pytest.mark.parametrize("previous", [None, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("earned", [None, 1, 2, 3, 4, 5])
def test_stars_never_move_more_than_one_step_in_a_period(previous, earned):
    stars, rule = roll(previous, earned)
    assert 1 <= stars <= 5
    if previous is not None:
        assert abs(stars - previous) <= 1
        if earned is not None and abs(earned - previous) > 1:
            assert rule in (StarRule.CAPPED_UP, StarRule.CAPPED_DOWN)
    elif earned is not None:
        assert stars == earned


def test_a_period_is_a_month_or_the_quarter_holding_it():
    assert parse_period("2026-11", "month").start == dt.date(2026, 11, 1)
    quarter = parse_period("2026-11", "quarter")
    assert (quarter.start, quarter.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    for bad in ("2026-13", "26-11", "2026/11", ""):
        with pytest.raises(DomainError) as error:
            parse_period(bad, "month")
        assert error.value.code == "period_invalid_format"


def test_the_drill_down_lists_exactly_the_patrols_briefings_and_visits_counted(small, team, worker_a, worker_b):
    mine = [patrol(worker_a, small.grids[0], WORKING_MONDAY), patrol(worker_a, small.grids[0], WORKING_MONDAY, hour=14)]
    patrol(worker_a, small.grids[0], dt.date(2026, 10, 30))  # October: not counted
    patrol(worker_b, small.grids[2], WORKING_MONDAY)  # someone else's
    attended = briefing(worker_a, small.grids[0], WORKING_MONDAY, attendees=[worker_a.pk])
    briefing(worker_b, small.grids[2], WORKING_MONDAY, attendees=[worker_b.pk])
    seen = visit(worker_a, small.households[0], at(WORKING_MONDAY, 15))
    _period, lines = actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    score = Score.objects.get(worker=team[0])
    assert score.indicators["patrols"]["records"] == sorted(p.pk for p in mine)
    assert score.indicators["patrols"]["value"] == 2
    assert score.indicators["briefings"]["records"] == [attended.pk]
    assert score.indicators["visits"]["records"] == [seen.pk]
    other = Score.objects.get(worker=team[1])
    assert other.indicators["visits"] == {**other.indicators["visits"], "value": 0, "records": []}


def test_an_indicator_with_nothing_to_judge_is_absent_not_zero(small, team):
    nobody = account_less_worker(small.grids[1], "无账号")
    lines = {
        line.worker.pk: line
        for line in compute_period(small.district, parse_period(NOVEMBER, "month"), rules_for(small.district))
    }
    assert "cases_on_time" not in lines[team[0].pk].indicators  # no case closed in the grid
    assert "satisfaction" not in lines[team[0].pk].indicators
    # Nothing recorded in the name of a worker without an account; their grid's gaps still judge.
    assert set(lines[nobody.pk].indicators) == {"coverage_gaps"}
    assert roll(None, None) == (3, StarRule.FIRST)  # a first period with nothing to judge


def test_cases_closed_on_time_and_satisfaction_count_the_grids_cases(small, catalogue, team, district_admin, dept_a):
    case = closed_off(district_admin, dept_a, file(small, catalogue))
    period = f"{timezone.localdate():%Y-%m}"
    lines = {
        line.worker.pk: line
        for line in actions.run_period(None, district=small.district, period_text=period, commit=False)[1]
    }
    mine = lines[team[0].pk].indicators
    assert mine["cases_on_time"]["records"] == [case.pk] and mine["cases_on_time"]["value"] == 1.0
    assert mine["satisfaction"]["value"] == 1.0 and len(mine["satisfaction"]["records"]) == 1
    assert "cases_on_time" not in lines[team[1].pk].indicators  # grid 2 had none


def test_a_dry_run_writes_nothing_and_a_committed_run_twice_writes_each_score_once(small, team, worker_a):
    patrol(worker_a, small.grids[0], WORKING_MONDAY)
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=False)
    assert not Score.objects.exists()
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    first = {s.worker_id: (s.pk, s.stars, s.score) for s in Score.objects.all()}
    patrol(worker_a, small.grids[0], WORKING_MONDAY, hour=15)
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    again = {s.worker_id: (s.pk, s.stars, s.score) for s in Score.objects.all()}
    assert len(again) == 2 and {k: v[0] for k, v in again.items()} == {k: v[0] for k, v in first.items()}
    assert Score.objects.get(worker=team[0]).indicators["patrols"]["value"] == 2
    assert AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_RUN).count() == 2


def test_the_stars_move_one_step_from_last_period_however_far_the_score_moves(small, team, worker_a):
    admin = make_persona("admin_x", Role.DISTRICT_ADMIN, small.district)
    AssessmentRules.objects.create(district=small.district, weights={"coverage_gaps": 0})  # field work only
    actions.run_period(None, district=small.district, period_text="2026-10", commit=True)
    october = Score.objects.get(worker=team[0])
    actions.adjust_score(admin, october, stars=1, reason="十月考核下调")
    for day in range(2, 28):  # a month of full work: 5 stars earned
        when = dt.date(2026, 11, day)
        patrol(worker_a, small.grids[0], when)
        patrol(worker_a, small.grids[0], when, hour=14)
        briefing(worker_a, small.grids[0], when, attendees=[worker_a.pk])
        visit(worker_a, small.households[0], at(when, 16))
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    november = Score.objects.get(worker=team[0], period_start=dt.date(2026, 11, 1))
    assert november.score >= 90 and november.previous_stars == 1  # 5 stars earned
    assert (november.stars, november.rule) == (2, StarRule.CAPPED_UP)


def test_an_adjustment_needs_a_reason_is_audited_and_survives_a_rerun(small, team, community_staff, worker_b):
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    score = Score.objects.get(worker=team[0])
    for reason in ("", "   "):
        with pytest.raises(DomainError) as error:
            actions.adjust_score(community_staff, score, stars=5, reason=reason)
        assert error.value.code == "team_reason_required"
    with pytest.raises(DomainError) as error:
        actions.adjust_score(worker_b, score, stars=5, reason="我想改")
    assert error.value.code == "team_forbidden"
    actions.adjust_score(community_staff, score, stars=5, reason="抗疫表现突出")
    event = AuditEvent.objects.get(action=AuditAction.SCORE_ADJUSTED)
    assert event.detail["reason"] == "抗疫表现突出" and event.detail["to"] == 5
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    assert Score.objects.get(pk=score.pk).stars == 5


def test_the_worker_appeals_once_at_a_time_and_the_decision_is_recorded(
    small, team, worker_a, worker_b, community_staff
):
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    score = Score.objects.get(worker=team[0])
    with pytest.raises(DomainError) as error:
        actions.appeal_score(worker_b, score, text="不公平")
    assert error.value.code == "not_your_score"
    appeal = actions.appeal_score(worker_a, score, text="十一月我请了婚假")
    with pytest.raises(DomainError) as error:
        actions.appeal_score(worker_a, score, text="再申诉")
    assert error.value.code == "appeal_open"
    decided = actions.decide_appeal(community_staff, appeal, upheld=True, decision="婚假期间不计", stars=4)
    assert (decided.status, decided.stars, Score.objects.get(pk=score.pk).stars) == (AppealStatus.UPHELD, 4, 4)
    with pytest.raises(DomainError) as error:
        actions.decide_appeal(community_staff, Appeal.objects.get(pk=appeal.pk), upheld=False, decision="再议")
    assert error.value.code == "appeal_decided"
    assert AuditEvent.objects.filter(action=AuditAction.APPEAL_DECIDED).count() == 1


def test_a_period_costs_the_same_queries_for_two_workers_or_eight(small, team, worker_a):
    patrol(worker_a, small.grids[0], dt.date(2026, 8, 3))
    # rules, workers, last period, 6 indicators (accepted cases: 1 while none; coverage gaps: one
    # per kind of gap), scores, adjustments, write, audit
    with count_queries() as few:
        actions.run_period(None, district=small.district, period_text="2026-08", commit=True)
    for index in range(6):
        user = make_persona(f"extra_{index}", Role.GRID_WORKER, small.grids[index % 4])
        worker_of(user, small.grids[index % 4])
        patrol(user, small.grids[index % 4], dt.date(2026, 9, 7))
    with count_queries() as many:
        actions.run_period(None, district=small.district, period_text="2026-09", commit=True)
    assert_flat(few, many, at_most=19)


def test_the_command_runs_dry_by_default_and_writes_with_commit(small, team, worker_a):
    patrol(worker_a, small.grids[0], WORKING_MONDAY)
    out = StringIO()
    call_command("assessment", "run", "--period", NOVEMBER, "--json", stdout=out)
    [result] = json.loads(out.getvalue())
    assert result["committed"] is False and not Score.objects.exists()
    mine = next(s for s in result["scores"] if s["worker"] == team[0].pk)
    assert mine["indicators"]["patrols"] == 1 and mine["previous_stars"] is None
    call_command("assessment", "run", "--period", NOVEMBER, "--commit", stdout=StringIO())
    call_command("assessment", "run", "--period", NOVEMBER, "--commit", stdout=StringIO())
    assert Score.objects.count() == 2


def test_the_background_task_closes_the_month_that_ended_yesterday(small, team):
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        assert assess_ended_periods.call() == [f"{small.district.code} 2026-11"]
    assert Score.objects.filter(period_start=dt.date(2026, 11, 1)).count() == 2
    with time_machine.travel(dt.datetime(2026, 12, 15, 2, 0, tzinfo=dt.UTC), tick=False):
        assert assess_ended_periods.call() == []
