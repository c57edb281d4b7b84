"""The grid team's field-work pages: scope (404 outside it), what they record through the
actions, that a visit's needs and note are never shown, and flat query counts."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from wangge.accounts.models import Role
from wangge.areas.models import AreaNode
from wangge.conftest import make_persona
from wangge.fieldwork import actions, queries
from wangge.fieldwork.models import Briefing, Checkin, Patrol, Visit
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import add_rows


def grid_pages(small, grid_index: int = 0) -> list[str]:
    grid = small.grids[grid_index]
    building = next(b for b in small.buildings if b.grid_id == grid.pk)
    household = next(h for h in small.households if h.grid_id == grid.pk)
    return [
        reverse("fieldwork_briefing", args=[grid.pk]),
        reverse("fieldwork_patrol", args=[grid.pk]),
        reverse("fieldwork_qr", args=[grid.pk]),
        reverse("fieldwork_visits", args=[grid.pk]),
        reverse("fieldwork_building_checkin", args=[building.pk]),
        reverse("fieldwork_visit_new", args=[household.pk]),
        reverse("fieldwork_compliance") + f"?area={grid.pk}",
    ]


def start_patrol(user, grid) -> Patrol:
    patrol, _created = actions.record_patrol(user, uuid=uuid.uuid4(), grid=grid, started_at=timezone.now())
    return patrol


def test_a_grid_worker_reaches_every_page_of_their_own_grid(client, small, worker_a):
    client.force_login(worker_a)
    assert client.get(reverse("fieldwork")).status_code == 200
    for url in grid_pages(small, 0):
        assert client.get(url).status_code == 200, url


def test_every_page_of_another_grid_is_not_found_for_a_grid_worker(client, small, worker_a, worker_b):
    client.force_login(worker_a)
    for url in grid_pages(small, 2):
        assert client.get(url).status_code == 404, url
    patrol = start_patrol(worker_b, small.grids[2])
    for name in ("fieldwork_checkin", "fieldwork_patrol_finish"):
        assert client.post(reverse(name, args=[patrol.pk]), {"building": small.buildings[4].pk}).status_code == 404
    assert not Checkin.objects.exists()


def test_residents_departments_and_supervisors_find_no_field_work_page(client, small, resident, dept_a, supervisor):
    for user in (resident, dept_a, supervisor):
        client.force_login(user)
        assert client.get(reverse("fieldwork")).status_code == 404
        for url in grid_pages(small, 0):
            assert client.get(url).status_code == 404, (user.username, url)


def test_the_menu_links_field_work_for_the_grid_team_only(client, small, worker_a, resident):
    client.force_login(worker_a)
    assert reverse("fieldwork") in client.get(reverse("home")).content.decode()
    client.force_login(resident)
    assert reverse("fieldwork") not in client.get(reverse("board")).content.decode()


def test_the_briefing_form_records_attendees_matters_and_tasks_once_a_day(client, small, worker_a):
    leader = make_persona("leader_a", Role.GRID_LEADER, small.grids[0])
    client.force_login(worker_a)
    url = reverse("fieldwork_briefing", args=[small.grids[0].pk])
    page = client.get(url).content.decode()
    assert "leader_a" in page and "worker_a" in page
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = client.post(
        url,
        {
            "attendee": [worker_a.pk, leader.pk],
            "matters": "楼道堆物",
            "task_text": ["清理3号楼楼道", "", ""],
            "task_assignee": [str(leader.pk), "", ""],
            "task_due": [due, "", ""],
        },
    )
    assert response.status_code == 302
    briefing = Briefing.objects.get()
    assert briefing.date == timezone.localdate() and briefing.matters == "楼道堆物"
    assert set(briefing.attendees.values_list("username", flat=True)) == {"worker_a", "leader_a"}
    task = briefing.tasks.get()  # type: ignore[attr-defined]
    assert (task.text, task.assignee, task.due.isoformat()) == ("清理3号楼楼道", leader, due)
    # The same day again: the page shows it and a second post records nothing.
    assert 'data-testid="held"' in client.get(url).content.decode()
    client.post(url, {"matters": "again"})
    assert Briefing.objects.count() == 1


def test_a_patrol_is_started_checked_in_and_finished(client, small, worker_a, catalogue):
    client.force_login(worker_a)
    grid = small.grids[0]
    url = reverse("fieldwork_patrol", args=[grid.pk])
    assert client.post(url).status_code == 302
    patrol = Patrol.objects.get(finished_at__isnull=True)
    first, second = [b for b in small.buildings if b.grid_id == grid.pk]
    client.post(reverse("fieldwork_checkin", args=[patrol.pk]), {"building": first.pk, "note": "门禁坏了"})
    # Its QR code's page checks the other one in.
    qr_url = reverse("fieldwork_building_checkin", args=[second.pk])
    assert "qr-checkin" in client.get(qr_url).content.decode()
    client.post(qr_url)
    # A building of another grid is refused, and nothing is written.
    client.post(reverse("fieldwork_checkin", args=[patrol.pk]), {"building": small.buildings[4].pk})
    assert list(patrol.checkins.values_list("building_id", "note")) == [(first.pk, "门禁坏了"), (second.pk, "")]  # type: ignore[attr-defined]
    checkin = patrol.checkins.first()  # type: ignore[attr-defined]
    category = next(iter(catalogue.values()))
    category = type(category).objects.filter(district=small.district, parent__isnull=False, active=True).first()
    response = client.post(
        reverse("fieldwork_checkin_case", args=[checkin.pk]), {"category": category.pk, "description": "门禁坏了"}
    )
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.case is not None and checkin.case.building_id == first.pk
    client.post(reverse("fieldwork_patrol_finish", args=[patrol.pk]), {"findings": "一处问题"})
    patrol.refresh_from_db()
    assert patrol.finished_at is not None and patrol.findings == "一处问题"
    # The QR code opened without a patrol in progress offers to start one.
    assert "qr-start" in client.get(qr_url).content.decode()
    # The finished patrol takes no more check-ins.
    assert client.post(reverse("fieldwork_checkin", args=[patrol.pk]), {"building": first.pk}).status_code == 404


def test_a_point_where_the_worker_stands_is_checked_in_inside_the_grid_only(client, small, worker_a):
    client.force_login(worker_a)
    grid = small.grids[0]
    client.post(reverse("fieldwork_patrol", args=[grid.pk]))
    patrol = Patrol.objects.get(finished_at__isnull=True)
    inside, outside = small.buildings[0], small.buildings[4]
    assert inside.grid_id == grid.pk and outside.grid_id != grid.pk
    url = reverse("fieldwork_checkin", args=[patrol.pk])
    client.post(url, {"lng": f"{inside.lng:.6f}", "lat": f"{inside.lat:.6f}", "note": "路灯不亮"})
    for bad in ({"lng": f"{outside.lng:.6f}", "lat": f"{outside.lat:.6f}"}, {"lng": "nan", "lat": "1"}, {}):
        response = client.post(url, bad, follow=True)
        assert response.status_code == 200 and list(response.context["messages"])
    ((lng, lat, building, note),) = patrol.checkins.values_list("lng", "lat", "building_id", "note")  # type: ignore[attr-defined]
    assert (round(lng, 5), round(lat, 5), building, note) == (
        round(inside.lng, 5),
        round(inside.lat, 5),
        None,
        "路灯不亮",
    )


def test_the_qr_sheet_has_one_code_per_building_opening_its_check_in_page(client, small, worker_a):
    client.force_login(worker_a)
    page = client.get(reverse("fieldwork_qr", args=[small.grids[0].pk])).content.decode()
    assert page.count("<svg") == 2
    for building in small.buildings[:2]:
        assert reverse("fieldwork_building_checkin", args=[building.pk]) in page


def test_a_visit_is_recorded_and_its_needs_and_note_are_never_shown(client, small, worker_a, catalogue):
    client.force_login(worker_a)
    household = small.households[0]
    category = (
        type(next(iter(catalogue.values()))).objects.filter(district=small.district, parent__isnull=False).first()
    )
    response = client.post(
        reverse("fieldwork_visit_new", args=[household.pk]),
        {
            "met": "户主",
            "needs": "需要低保申请帮助",
            "note": "邻里纠纷",
            "change": ["birth"],
            "flag": ["hardship"],
            "raise_case": "1",
            "category": category.pk,
            "case_description": "楼道灯坏",
        },
        follow=True,
    )
    page = response.content.decode()
    visit = Visit.objects.get()
    assert (visit.flags, visit.changes, visit.met) == (["hardship"], ["birth"], "户主")
    assert actions.visit_text(visit) == {"needs": "需要低保申请帮助", "note": "邻里纠纷"}
    assert visit.case is not None
    assert "需要低保申请帮助" not in page and "邻里纠纷" not in page
    visits = client.get(reverse("fieldwork_visits", args=[small.grids[0].pk])).content.decode()
    assert "需要低保申请帮助" not in visits and "邻里纠纷" not in visits and "户主" not in visits


def test_the_visit_list_puts_never_visited_households_first_then_the_oldest_visit(client, small, worker_a):
    grid = small.grids[0]
    households = [h for h in small.households if h.grid_id == grid.pk]
    now = timezone.now()
    for household, days in ((households[0], 1), (households[1], 10)):
        actions.record_visit(worker_a, uuid=uuid.uuid4(), household=household, visited_at=now - dt.timedelta(days=days))
    client.force_login(worker_a)
    listed = list(client.get(reverse("fieldwork_visits", args=[grid.pk])).context["households"])
    assert listed[-2:] == [households[1], households[0]]
    assert all(h.last_visit is None for h in listed[:-2])


def test_households_another_app_puts_first_come_before_the_never_visited(client, small, worker_a):
    grid = small.grids[0]
    households = [h for h in small.households if h.grid_id == grid.pk]
    flagged = households[-1]
    actions.record_visit(worker_a, uuid=uuid.uuid4(), household=flagged, visited_at=timezone.now())

    def flagged_by_assistance(asked: AreaNode):
        assert asked == grid
        return AreaNode.objects.filter(pk=flagged.pk).values("pk")

    queries.register_visit_priority(flagged_by_assistance)
    try:
        client.force_login(worker_a)
        response = client.get(reverse("fieldwork_visits", args=[grid.pk]))
        listed = list(response.context["households"])
    finally:
        queries.unregister_visit_priority(flagged_by_assistance)
    assert listed[0] == flagged and listed[0].last_visit is not None
    assert all(h.last_visit is None for h in listed[1:])
    assert response.content.decode().count('data-testid="priority"') == 1
    # Without the provider the recently visited household goes back to the end.
    assert list(queries.visit_plan(grid))[-1] == flagged


@pytest.mark.parametrize("name", ["fieldwork_visits", "area", "fieldwork_compliance"])
def test_the_visit_list_grid_page_and_compliance_take_as_many_queries_with_more_rows(client, small, worker_a, name):
    grid = small.grids[0]
    client.force_login(worker_a)
    url = reverse(name, args=[grid.pk]) if name != "fieldwork_compliance" else reverse(name) + f"?area={grid.pk}"

    def run():
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries

    run()  # warms the work calendar's cache (compliance), kept between requests
    first = run()
    add_rows(small, 0, tag="X")
    for household in small.households[:3]:
        actions.record_visit(worker_a, uuid=uuid.uuid4(), household=household, visited_at=timezone.now())
    make_persona("leader_x", Role.GRID_LEADER, grid)
    make_persona("secretary_x", Role.GRID_SECRETARY, grid)
    second = run()
    add_rows(small, 0, tag="Y")
    third = run()
    assert_flat(first, second, third)


def test_the_grid_page_shows_the_grid_team_from_the_role_holders(client, small, worker_a, community_staff):
    make_persona("leader_a", Role.GRID_LEADER, small.grids[0])
    client.force_login(community_staff)
    response = client.get(reverse("area", args=[small.grids[0].pk]))
    assert [str(u) for _label, u in response.context["team_users"]] == ["leader_a", "worker_a"]


def test_the_compliance_page_and_its_xlsx_for_a_community(client, small, community_staff, worker_a):
    actions.record_briefing(worker_a, uuid=uuid.uuid4(), grid=small.grids[0], date=timezone.localdate())
    client.force_login(community_staff)
    community = small.communities[0]
    response = client.get(reverse("fieldwork_compliance") + f"?area={community.pk}")
    assert [g.grid_name for g in response.context["result"].grids] == [g.name for g in small.grids[:2]]
    export = client.get(reverse("fieldwork_compliance_xlsx") + f"?area={community.pk}")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    # Another community's area is not found.
    assert client.get(reverse("fieldwork_compliance") + f"?area={small.communities[1].pk}").status_code == 404


def test_add_checkin_refuses_a_finished_patrol_and_a_building_of_another_grid(small, worker_a):
    patrol = start_patrol(worker_a, small.grids[0])
    now = timezone.now()
    with pytest.raises(DomainError) as outside:
        actions.add_checkin(worker_a, patrol, actions.CheckinData(at=now, building_id=small.buildings[4].pk))
    assert outside.value.code == "checkin_outside_grid"
    actions.edit_record(worker_a, patrol, {"finished_at": now.isoformat()}, now + dt.timedelta(seconds=1))
    with pytest.raises(DomainError) as finished:
        actions.add_checkin(worker_a, patrol, actions.CheckinData(at=now, building_id=small.buildings[0].pk))
    assert finished.value.code == "patrol_finished"
    assert not Checkin.objects.exists()
