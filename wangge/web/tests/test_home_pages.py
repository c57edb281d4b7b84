"""Each role's home page shows its own work: the sections of each role the user holds, the most
operational first, with counts from `cases.figures` over cases driven through the real actions;
personas of different grids see only their own; every home page's query count stays flat."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role
from wangge.cases import actions
from wangge.cases.models import HandlingUnit
from wangge.cases.tests.factories import IN_GRID_1, IN_GRID_2, accepted, closed_off, dispatched, file
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.coverage import coverage_report
from wangge.web.tests.conftest import zh

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKING_MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def working_morning():
    with time_machine.travel(WORKING_MORNING):
        yield


def _home(user):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def _sections(response):
    return {s.name: s.data for s in response.context["sections"]}


def _file(small, catalogue, code="SZ01", *, user=None, channel="patrol", description="3号楼前路灯不亮", point=None):
    """A case filed through the real action (`file` with a chosen channel and description)."""
    lng, lat = point or (117.005, 36.605)
    return actions.file_case(
        user,
        district=small.district,
        category=catalogue[code],
        channel=channel,
        description=description,
        lng=lng,
        lat=lat,
        answers={"since": "today"} if code == "SZ01" else {},
    )


def _count(html: str, key: str) -> int:
    match = re.search(rf'data-testid="count-{key}"><span class="tile-n">(\d+)</span>', html)
    assert match, key
    return int(match.group(1))


@pytest.fixture
def work(small, catalogue, district_admin, dept_a, worker_a):
    """Grid 0: a fast case due today (4 working hours), a case dispatched to 城市管理局, one
    reported by worker_a, one closed; grid 2: one accepted case."""
    admin = district_admin
    fast = accepted(admin, _file(small, catalogue, "SZ03", description="楼道灯坏了，3单元"))
    sent = dispatched(admin, file(small, catalogue))
    mine = file(small, catalogue, user=worker_a)
    closed_off(admin, dept_a, file(small, catalogue))
    other = accepted(admin, file(small, catalogue, point=IN_GRID_2))
    return {"fast": fast, "sent": sent, "mine": mine, "other": other}


def test_grid_worker_sees_report_counts_links_and_todays_tasks(work, worker_a):
    response = _home(worker_a)
    assert [s.name for s in response.context["sections"]] == ["grid"]
    html = response.content.decode()
    assert f'href="{reverse("case_new")}"' in html and zh("Report a problem") in html
    assert (_count(html, "open"), _count(html, "due_soon"), _count(html, "overdue")) == (3, 1, 0)
    assert 'href="/cases/?list=grid&amp;flag=due_soon"' in html
    assert 'href="/cases/?list=grid&amp;flag=overdue"' in html
    assert 'href="/cases/?list=mine"' in html and 'href="/cases/?list=done"' in html
    tasks = _sections(response)["grid"]["tasks"]
    assert [c.pk for c in tasks] == [work["fast"].pk]
    assert work["fast"].number in html and "楼道灯坏了" in html


@pytest.mark.parametrize(("persona", "own", "other"), [("worker_a", 3, "other"), ("worker_b", 1, "fast")])
def test_two_grid_workers_see_only_their_own_grids_counts(work, request, persona, own, other):
    response = _home(request.getfixturevalue(persona))
    assert _sections(response)["grid"]["counts"]["open"] == own
    html = response.content.decode()
    assert _count(html, "open") == own
    assert work[other].number not in html


def test_overdue_cases_are_counted_and_listed_as_todays_tasks(work, worker_a):
    with time_machine.travel(work["sent"].due_at + dt.timedelta(hours=1)):
        actions.sweep_overdue()
        data = _sections(_home(worker_a))["grid"]
    assert data["counts"]["overdue"] == 2
    assert {c.pk for c in data["tasks"]} == {work["fast"].pk, work["sent"].pk}


def test_community_staff_sees_its_grids_with_cases_and_coverage_gaps(work, community_staff, small):
    response = _home(community_staff)
    assert list(_sections(response)) == ["community"]
    data = _sections(response)["community"]
    report = coverage_report(community_staff)
    assert [(r["grid"].area_id, r["open"], r["overdue"], r["gaps"]) for r in data["rows"]] == [
        (small.grids[0].pk, 3, 0, report.grids[0].total),
        (small.grids[1].pk, 0, 0, report.grids[1].total),
    ]
    assert data["dispatch"] == 2  # worker_a's report to accept, the fast case to dispatch
    html = response.content.decode()
    assert 'href="/cases/?list=dispatch"' in html
    assert small.grids[2].name not in html


def test_district_admin_sees_the_district_by_department(work, district_admin, small):
    response = _home(district_admin)
    data = _sections(response)["district"]
    units = {line.name: line for line in data["units"].lines}
    city = units["城市管理局"]
    assert (city.closed, city.on_time, city.satisfaction["rate"]) == (1, 1, 1.0)
    assert data["units"].total.open == 4
    assert data["on_time_rate"] == 1.0
    html = response.content.decode()
    assert 'data-testid="unit-table"' in html and "城市管理局" in html
    assert 'data-map="district"' in html and 'data-config="map-config"' in html
    assert re.search(r'data-testid="on-time-rate"><span class="tile-n">100%', html)


def test_a_department_sees_its_inbox(work, dept_a, dept_b):
    counts = _sections(_home(dept_a))["inbox"]["counts"]
    assert (counts["open"], counts["waiting"]) == (1, 1)
    html = _home(dept_a).content.decode()
    assert 'href="/cases/?list=inbox&amp;state=dispatched"' in html
    assert work["sent"].number in html and work["fast"].number not in html
    assert _sections(_home(dept_b))["inbox"]["counts"]["open"] == 0


def test_a_supervisor_sees_its_queue(work, supervisor, district_admin):
    actions.supervise(supervisor, work["fast"], body="区纪委", level="yellow")
    response = _home(supervisor)
    assert list(_sections(response)) == ["supervision"]
    assert _sections(response)["supervision"]["counts"] == {"overdue": 0, "supervised": 1}
    html = response.content.decode()
    assert 'href="/cases/?list=supervision"' in html
    assert work["fast"].number in html and work["sent"].number not in html


def test_a_resident_sees_report_their_cases_and_the_board_and_no_map(small, catalogue, resident, district_admin):
    own = accepted(district_admin, _file(small, catalogue, user=resident, channel="web"))
    someone_else = file(small, catalogue)
    response = _home(resident)
    assert list(_sections(response)) == ["mine"]
    html = response.content.decode()
    assert own.number in html and someone_else.number not in html
    assert zh("Accepted and tagged") in html
    assert f'href="{reverse("board")}"' in html and f'href="{reverse("case_new")}"' in html
    assert "data-map" not in html and 'data-testid="grid-table"' not in html
    assert reverse("coverage") not in html


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.RESIDENT_UNIT, Role.SOCIAL_ORG])
def test_members_volunteers_and_organisations_see_their_own_cases_and_no_map(small, role):
    html = _home(make_persona(f"user_{role}", role, small.grids[0])).content.decode()
    assert 'data-section="mine"' in html and 'data-section="grid"' not in html
    assert "data-map" not in html and reverse("coverage") not in html and reverse("people") not in html


def test_a_user_of_several_roles_sees_each_section_the_most_operational_first(small, worker_a, dept_a):
    account_actions.assign_role(None, user=worker_a, role=Role.RESIDENT, area=small.households[0])
    HandlingUnit.objects.get(district=small.district, name="城市管理局").users.add(worker_a)
    assert [s.name for s in _home(worker_a).context["sections"]] == ["grid", "inbox", "mine"]


def test_the_superuser_sees_the_district_view_and_no_no_role_line(small):
    root = get_user_model().objects.create_superuser(username="root", password="x-very-long-password")
    response = _home(root)
    assert list(_sections(response)) == ["district"]
    html = response.content.decode()
    assert zh("Superuser") in html and zh("No role yet") not in html


PERSONAS = ["worker_a", "community_staff", "district_admin", "dept_a", "supervisor", "resident"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_roles_home_page_costs_the_same_queries_however_many_cases(
    small, catalogue, district_admin, dept_a, request, persona, client
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    accepted(district_admin, _file(small, catalogue, user=user if persona == "resident" else None, channel="web"))
    with count_queries() as few:
        client.get(reverse("home"))
    for point in (IN_GRID_1, IN_GRID_2, IN_GRID_1):
        closed_off(district_admin, dept_a, file(small, catalogue, point=point))
        dispatched(district_admin, file(small, catalogue, point=point))
        _file(small, catalogue, user=user if persona == "resident" else None, channel="web")
    with count_queries() as many:
        client.get(reverse("home"))
    assert_flat(few, many, at_most=16)
