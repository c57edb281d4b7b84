"""Compliance: the figures equal the records made through the actions, counted by hand here;
days the work calendar rests are never missed; the cost in queries does not grow with grids,
days or records; the endpoint answers in scope."""

import datetime as dt

from wangge.api.testing import assert_error, bearer_client
from wangge.calendars.queries import calendar_for
from wangge.cases.tests.factories import ok
from wangge.fieldwork import actions
from wangge.fieldwork.compliance import compliance
from wangge.fieldwork.tests.factories import WORKING_MONDAY, at, briefing, patrol, visit
from wangge.lib.testing import assert_flat, count_queries

MON = WORKING_MONDAY
TUE, WED, THU, FRI, SAT, SUN = (MON + dt.timedelta(days=n) for n in range(1, 7))


def _week(small, worker_a, district_admin):
    """A week of grid 0's field work (and one briefing of grid 2 on Friday)."""
    g0, b0, b1 = small.grids[0], small.buildings[0], small.buildings[1]
    briefing(worker_a, g0, MON)
    patrol(worker_a, g0, MON, [b0, b1], hour=8)
    patrol(worker_a, g0, MON, [b0], hour=14)
    briefing(worker_a, g0, TUE)
    patrol(worker_a, g0, TUE, [b0])
    patrol(worker_a, g0, TUE, [b1], hour=15, finished=False)  # not finished: not counted as done
    for hour in (8, 11, 15):  # three on Wednesday: two owed, two counted
        patrol(worker_a, g0, WED, [], hour=hour)
    briefing(worker_a, g0, THU)
    briefing(worker_a, g0, THU)  # a second one the same day is the same day held
    briefing(worker_a, g0, SAT)  # a rest day: neither owed nor counted
    patrol(worker_a, g0, SAT, [b0])
    briefing(district_admin, small.grids[2], FRI)
    households = small.households
    visit(worker_a, households[0], at(MON))
    visit(worker_a, households[0], at(TUE))
    visit(worker_a, households[1], at(dt.date(2026, 9, 1)))  # 68 days before Sunday: 90 days only
    visit(worker_a, households[2], at(dt.date(2026, 7, 1)))  # 130 days before: neither


def test_the_figures_of_a_week_equal_the_records(small, worker_a, district_admin):
    assert [d for d in (MON, TUE, WED, THU, FRI, SAT, SUN) if calendar_for(small.district.pk).is_workday(d)] == [
        MON,
        TUE,
        WED,
        THU,
        FRI,
    ]
    _week(small, worker_a, district_admin)
    result = compliance(small.district, MON, SUN)
    assert (result.working_days, result.patrols_per_day) == (5, 2)
    g0, g1, g2, g3 = result.grids
    assert g0.grid_id == small.grids[0].pk
    assert (g0.briefings_held, g0.briefings_missed, g0.briefing) == (3, 2, False)
    assert (g0.patrols, g0.patrols_owed, g0.patrol_days) == (5, 10, [2, 1, 2])  # Thu+Fri none, Tue one, Mon+Wed two
    assert (g0.buildings, g0.buildings_checked, g0.buildings_unchecked_14d) == (2, 2, 0)
    assert (g0.households, g0.households_visited_30d, g0.households_visited_90d) == (6, 1, 2)
    assert (g2.briefings_held, g2.briefings_missed, g2.patrols, g2.patrol_days) == (1, 4, 0, [5, 0, 0])
    assert (g1.buildings_checked, g1.buildings_unchecked_14d, g3.households_visited_90d) == (0, 2, 0)
    assert result.total("briefings_held") == 4 and result.total("patrols_owed") == 40
    assert result.grids_without_briefing == []  # Sunday is not a working day
    assert result.unchecked_buildings_count == 6
    assert [b["id"] for b in result.unchecked_buildings] == [b.pk for b in small.buildings[2:]]


def test_a_working_day_names_the_grids_without_a_briefing(small, worker_a, district_admin):
    _week(small, worker_a, district_admin)
    friday = compliance(small.district, FRI, FRI)
    assert [g.grid_id for g in friday.grids_without_briefing] == [small.grids[i].pk for i in (0, 1, 3)]
    assert [g.briefing for g in friday.grids] == [False, False, True, False]


def test_a_rest_day_is_never_counted_as_missed(small, worker_a, district_admin):
    _week(small, worker_a, district_admin)
    for day in (SAT, SUN):
        result = compliance(small.district, day, day)
        assert result.working_days == 0 and result.grids_without_briefing == []
        for grid in result.grids:
            assert (grid.briefing, grid.briefings_missed, grid.patrols, grid.patrols_owed) == (True, 0, 0, 0)


def test_the_districts_own_patrols_per_day_decide_what_is_owed_and_counted(small, worker_a, district_admin):
    _week(small, worker_a, district_admin)
    actions.set_patrols_per_day(district_admin, small.district, 1)
    g0 = compliance(small.grids[0], MON, SUN).grids[0]
    assert (g0.patrols, g0.patrols_owed, g0.patrol_days) == (3, 5, [2, 3])


def test_compliance_costs_the_same_queries_for_one_grid_and_day_as_for_a_district_and_a_month(
    small, worker_a, district_admin
):
    compliance(small.grids[0], MON, MON)  # the work calendar read once
    with count_queries() as few:
        compliance(small.grids[0], MON, MON)
    _week(small, worker_a, district_admin)
    with count_queries() as many:
        compliance(small.district, MON - dt.timedelta(days=20), SUN)
    assert_flat(few, many, at_most=11)


def test_the_endpoint_answers_per_grid_in_the_callers_scope(small, worker_a, worker_b, district_admin, community_staff):
    _week(small, worker_a, district_admin)
    body = ok(
        bearer_client(community_staff).get(
            "/api/v1/fieldwork/compliance", {"area": small.communities[0].pk, "from": MON, "to": SUN}
        )
    )
    assert (body["from"], body["to"], body["working_days"]) == (MON.isoformat(), SUN.isoformat(), 5)
    first = body["grids"][0]
    assert first["grid"] == {"id": small.grids[0].pk, "name": small.grids[0].name}
    assert (first["briefing"], first["patrols"], first["buildings_checked"], first["households_visited_30d"]) == (
        False,
        5,
        2,
        1,
    )
    assert [g["grid"]["id"] for g in body["grids"]] == [small.grids[0].pk, small.grids[1].pk]
    assert body["totals"]["patrols"] == 5
    one_day = ok(bearer_client(worker_a).get("/api/v1/fieldwork/compliance", {"area": small.grids[0].pk, "date": MON}))
    assert one_day["grids"][0]["briefing"] is True and one_day["grids"][0]["patrols"] == 2
    assert one_day["exceptions"]["grids_without_briefing"] == []
    for area in (small.grids[0], small.district):
        assert_error(bearer_client(worker_b).get("/api/v1/fieldwork/compliance", {"area": area.pk}), 404, "not_found")
    worker = bearer_client(worker_a)
    assert_error(
        worker.get("/api/v1/fieldwork/compliance", {"area": small.buildings[0].pk}), 400, "area_not_compliance"
    )
    for period in ({"from": SUN, "to": MON}, {"from": MON}, {"from": MON, "to": MON + dt.timedelta(days=366)}):
        assert_error(
            worker.get("/api/v1/fieldwork/compliance", {"area": small.grids[0].pk, **period}), 400, "period_invalid"
        )
