"""The indicator "needs met for paired households" (assistance): present now that assistance is
installed, the share of the paired households' needs met in the period, absent for a worker
whose grid has no paired household, and its drill-down lists exactly the needs counted."""

from django.utils import timezone

from wangge.assistance import actions as assistance_actions
from wangge.assistance.models import NeedState
from wangge.assistance.tests.factories import dossier, member_with_account, pair
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import actions, indicators
from wangge.team.assessment import compute_period, parse_period, rules_for
from wangge.team.models import Score
from wangge.team.queries import drill_down
from wangge.team.tests.factories import worker_of


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def test_needs_met_is_an_indicator_now_that_assistance_is_installed():
    known = indicators.by_name()
    assert "needs_met" in known
    assert known["needs_met"].app == "wangge.assistance" and known["needs_met"].records == "need"


def test_the_share_of_paired_households_needs_met_in_the_period_with_the_needs_behind_it(small, worker_a, worker_b):
    mine, theirs = worker_of(worker_a, small.grids[0]), worker_of(worker_b, small.grids[2])
    helper, _user = member_with_account(small, "孙帮扶")
    paired = dossier(worker_a, small.households[0], ("money", "ordinary"), ("care", "most_urgent"), ("jobs", "hardest"))
    pair(worker_a, paired, helper)
    met, waiting, given_up = paired.needs.order_by("pk")
    assistance_actions.change_need(worker_a, met, state=NeedState.MET)
    assistance_actions.change_need(worker_a, given_up, state=NeedState.CANNOT_BE_MET, reason="不符合政策")
    dossier(worker_a, small.households[1], ("goods", "ordinary"))  # not paired: not counted
    dossier(worker_b, small.households[12], ("goods", "ordinary"))  # grid 3, not paired

    _period, _lines = actions.run_period(None, district=small.district, period_text=this_month(), commit=True)
    score = Score.objects.get(worker=mine)
    part = score.indicators["needs_met"]
    assert (part["value"], part["records"], part["hits"]) == (0.5, sorted([met.pk, waiting.pk]), [met.pk])
    assert "needs_met" not in Score.objects.get(worker=theirs).indicators  # nothing to judge: absent
    (listed,) = [p for p in drill_down(score) if p["name"] == "needs_met"]
    assert [r["pk"] for r in listed["listed"]] == sorted([met.pk, waiting.pk])
    assert [r["hit"] for r in listed["listed"]] == [r["pk"] == met.pk for r in listed["listed"]]
    assert all(str(paired.pk) in r["label"] for r in listed["listed"])


def test_needs_met_is_one_query_however_many_workers_and_needs(small, worker_a, worker_b):
    workers = [worker_of(worker_a, small.grids[0])]
    helper, _user = member_with_account(small, "周帮扶")
    pair(worker_a, dossier(worker_a, small.households[0], ("money", "ordinary")), helper)
    period = parse_period(this_month(), rules_for(small.district).period_kind)
    with count_queries() as few:
        indicators.needs_met(workers, period.start, period.end)
    workers.append(worker_of(worker_b, small.grids[2]))
    for household in small.households[1:4]:
        pair(worker_a, dossier(worker_a, household, ("care", "ordinary"), ("jobs", "hardest")), helper)
    with count_queries() as many:
        measures = indicators.needs_met(workers, period.start, period.end)
    assert_flat(few, many, at_most=1)
    assert len(measures[workers[0].pk].records) == 7
    assert len(compute_period(small.district, period, rules_for(small.district))) == 2
