"""The team's pages: the roster in scope (two grids' personas), its masked and audited export,
a score explained down to its records, adjustment and appeal through the forms, 404 outside
scope, and flat query counts."""

import io

import openpyxl
import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.fieldwork.tests.factories import WORKING_MONDAY, patrol
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import actions
from wangge.team.models import Appeal, Score
from wangge.team.tests.factories import worker_of


@pytest.fixture
def scored(small, worker_a, worker_b):
    mine, theirs = worker_of(worker_a, small.grids[0]), worker_of(worker_b, small.grids[2])
    patrol(worker_a, small.grids[0], WORKING_MONDAY)
    actions.run_period(None, district=small.district, period_text="2026-11", commit=True)
    return Score.objects.get(worker=mine), Score.objects.get(worker=theirs)


def test_each_grid_worker_sees_their_own_grids_roster_and_not_the_others(client, small, scored, worker_a, worker_b):
    client.force_login(worker_a)
    page = client.get(reverse("team")).content.decode()
    assert reverse("team_worker", args=[scored[0].worker_id]) in page
    assert reverse("team_worker", args=[scored[1].worker_id]) not in page
    assert client.get(reverse("team_worker", args=[scored[1].worker_id])).status_code == 404
    assert client.get(reverse("team_score", args=[scored[1].pk])).status_code == 404
    assert client.post(reverse("team_adjust", args=[scored[1].pk]), {"stars": 5, "reason": "x"}).status_code == 404
    client.force_login(worker_b)
    assert client.get(reverse("team_score", args=[scored[1].pk])).status_code == 200
    assert client.get(reverse("team_score", args=[scored[0].pk])).status_code == 404


def test_residents_departments_and_supervisors_find_no_team_page(client, small, scored, resident, dept_a, supervisor):
    for user in (resident, dept_a, supervisor):
        client.force_login(user)
        assert client.get(reverse("team")).status_code == 404
        assert client.get(reverse("team_score", args=[scored[0].pk])).status_code == 404
        assert reverse("team") not in client.get(reverse("board")).content.decode()


def test_the_roster_export_is_masked_and_audited(client, small, scored, community_staff):
    client.force_login(community_staff)
    response = client.get(reverse("team_roster_xlsx") + f"?area={small.communities[0].pk}")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["worker_a"]
    assert "13800138000" not in str(rows) and rows[1][7] == "138****8000"
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.detail == {
        "export": "roster",
        "format": "xlsx",
        "area": small.communities[0].pk,
        "rows": 1,
        "masked": True,
    }
    assert client.get(reverse("team_roster_xlsx") + f"?area={small.communities[1].pk}").status_code == 404


def test_the_score_page_lists_the_records_counted_and_the_rule(client, small, scored, worker_a):
    client.force_login(worker_a)
    page = client.get(reverse("team_score", args=[scored[0].pk])).content.decode()
    [patrol_id] = scored[0].indicators["patrols"]["records"]
    assert f'data-record="{patrol_id}"' in page
    assert 'data-indicator="patrols"' in page and 'data-indicator="cases_on_time"' not in page
    assert 'data-testid="appeal"' in page and 'data-testid="adjust"' not in page


def test_staff_adjust_through_the_form_with_a_reason_and_decide_the_workers_appeal(
    client, small, scored, community_staff, worker_a
):
    url = reverse("team_score", args=[scored[0].pk])
    client.force_login(community_staff)
    client.post(reverse("team_adjust", args=[scored[0].pk]), {"stars": 4, "reason": ""})
    assert Score.objects.get(pk=scored[0].pk).stars == scored[0].stars
    client.post(reverse("team_adjust", args=[scored[0].pk]), {"stars": 4, "reason": "带头抗洪"})
    assert Score.objects.get(pk=scored[0].pk).stars == 4
    client.force_login(worker_a)
    client.post(reverse("team_appeal", args=[scored[0].pk]), {"text": "请复核"})
    assert Appeal.objects.get().status == "open"
    client.force_login(community_staff)
    assert "带头抗洪" in client.get(url).content.decode()
    client.post(reverse("team_appeal", args=[scored[0].pk]), {"decide": "reject", "decision": "维持"})
    assert Appeal.objects.get().status == "rejected"


def test_the_roster_costs_the_same_queries_for_more_workers(client, small, scored):
    client.force_login(make_persona("admin_p", Role.DISTRICT_ADMIN, small.district))
    with count_queries() as few:
        client.get(reverse("team"))
    for index in range(5):
        worker_of(make_persona(f"more_{index}", Role.GRID_WORKER, small.grids[index % 4]), small.grids[index % 4])
    with count_queries() as many:
        client.get(reverse("team"))
    assert_flat(few, many, at_most=12)


def test_a_district_administrator_runs_a_period_from_the_web_and_others_cannot(
    client, small, worker_a, community_staff
):
    worker_of(worker_a, small.grids[0])
    client.force_login(community_staff)
    assert 'data-testid="run"' not in client.get(reverse("team")).content.decode()
    assert client.post(reverse("team_run"), {"period": "2026-11"}).status_code == 404
    client.force_login(make_persona("admin_w", Role.DISTRICT_ADMIN, small.district))
    assert 'data-testid="run"' in client.get(reverse("team")).content.decode()
    client.post(reverse("team_run"), {"period": "2026-11"})
    client.post(reverse("team_run"), {"period": "2026-11"})
    assert Score.objects.filter(period_start="2026-11-01").count() == 1
    client.post(reverse("team_run"), {"period": "bad"})
    assert Score.objects.count() == 1
