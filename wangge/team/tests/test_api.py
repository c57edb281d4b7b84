"""REST: the roster and the assessment's scores in scope (two grids' personas), a score's
explanation down to its records, adjustment and appeal, and flat query counts."""

import pytest

from wangge.accounts.models import Role
from wangge.api.testing import assert_error, bearer_client
from wangge.cases.tests.factories import ok
from wangge.conftest import make_persona
from wangge.fieldwork.tests.factories import WORKING_MONDAY, patrol
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import actions
from wangge.team.models import Score
from wangge.team.tests.factories import worker_of

NOVEMBER = "2026-11"


@pytest.fixture
def scored(small, worker_a, worker_b):
    mine, theirs = worker_of(worker_a, small.grids[0]), worker_of(worker_b, small.grids[2])
    patrol(worker_a, small.grids[0], WORKING_MONDAY)
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    return Score.objects.get(worker=mine), Score.objects.get(worker=theirs)


def test_each_grid_worker_reads_their_own_grids_roster_and_staff_their_community(
    small, scored, community_staff, worker_a, worker_b
):
    names = lambda user, q="": [w["name"] for w in ok(bearer_client(user).get(f"/api/v1/roster{q}"))["items"]]  # noqa: E731
    assert names(worker_a) == ["worker_a"]
    assert names(worker_b) == ["worker_b"]
    assert names(community_staff) == ["worker_a"]
    admin = make_persona("admin_r", Role.DISTRICT_ADMIN, small.district)
    assert sorted(names(admin)) == ["worker_a", "worker_b"]
    assert names(admin, f"?area={small.communities[1].pk}") == ["worker_b"]
    assert_error(bearer_client(worker_a).get(f"/api/v1/roster?area={small.grids[2].pk}"), 404, "not_found")


def test_the_scores_of_a_period_answer_stars_previous_stars_score_and_indicators(small, scored, worker_a, worker_b):
    items = ok(bearer_client(worker_a).get(f"/api/v1/assessment/scores?period={NOVEMBER}"))["items"]
    assert len(items) == 1
    [item] = items
    assert item["worker"] == scored[0].worker_id and item["indicators"]["patrols"] == 1
    assert {"stars", "previous_stars", "score"} <= item.keys()
    assert (
        ok(bearer_client(worker_b).get(f"/api/v1/assessment/scores?period={NOVEMBER}"))["items"][0]["worker"]
        == scored[1].worker_id
    )
    assert_error(bearer_client(worker_a).get("/api/v1/assessment/scores?period=11-2026"), 400, "period_invalid_format")


def test_a_score_explains_itself_with_the_records_counted_and_another_grids_is_not_found(small, scored, worker_a):
    body = ok(bearer_client(worker_a).get(f"/api/v1/assessment/scores/{scored[0].pk}"))
    patrols = next(part for part in body["explained"] if part["name"] == "patrols")
    assert patrols["records"] == scored[0].indicators["patrols"]["records"] and len(patrols["records"]) == 1
    assert patrols["definition"] and patrols["weight"] == 20
    assert_error(bearer_client(worker_a).get(f"/api/v1/assessment/scores/{scored[1].pk}"), 404, "not_found")


def test_staff_adjust_with_a_reason_and_the_worker_appeals_once(small, scored, community_staff, worker_a):
    staff = bearer_client(community_staff)
    url = f"/api/v1/assessment/scores/{scored[0].pk}"
    assert_error(
        staff.post(f"{url}/adjust", {"stars": 4, "reason": ""}, content_type="application/json"),
        400,
        "team_reason_required",
    )
    assert_error(
        staff.post(f"{url}/adjust", {"stars": 9, "reason": "x"}, content_type="application/json"),
        400,
        "stars_out_of_range",
    )
    assert (
        ok(staff.post(f"{url}/adjust", {"stars": 4, "reason": "表现好"}, content_type="application/json"))["stars"] == 4
    )
    assert_error(
        bearer_client(worker_a).post(f"{url}/adjust", {"stars": 5, "reason": "我"}, content_type="application/json"),
        403,
        "team_forbidden",
    )
    assert_error(
        staff.post(
            f"/api/v1/assessment/scores/{scored[1].pk}/adjust",
            {"stars": 4, "reason": "x"},
            content_type="application/json",
        ),
        404,
        "not_found",
    )
    mine = bearer_client(worker_a)
    assert ok(mine.post(f"{url}/appeal", {"text": "请复核"}, content_type="application/json"), 201)["status"] == "open"
    assert_error(mine.post(f"{url}/appeal", {"text": "再次"}, content_type="application/json"), 409, "appeal_open")
    assert_error(
        staff.post(f"{url}/appeal", {"text": "代申诉"}, content_type="application/json"), 403, "not_your_score"
    )


def test_the_roster_and_scores_cost_the_same_queries_for_more_workers(small, scored):
    admin = bearer_client(make_persona("admin_q", Role.DISTRICT_ADMIN, small.district))
    with count_queries() as few:
        admin.get("/api/v1/roster")
        admin.get(f"/api/v1/assessment/scores?period={NOVEMBER}")
    for index in range(5):
        worker_of(make_persona(f"more_{index}", Role.GRID_WORKER, small.grids[index % 4]), small.grids[index % 4])
    actions.run_period(None, district=small.district, period_text=NOVEMBER, commit=True)
    with count_queries() as many:
        admin.get("/api/v1/roster")
        admin.get(f"/api/v1/assessment/scores?period={NOVEMBER}")
    assert_flat(few, many, at_most=12)
