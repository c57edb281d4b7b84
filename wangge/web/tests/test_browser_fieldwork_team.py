"""On a 390 × 844 phone in Debian's Chromium: community staff edit a grid's team from its grid
page (add a grid worker, add a building to a member's zone, take one out), and a grid worker
turns a task of the morning briefing into a case. Screenshots go to
test-artifacts/screenshots/fieldwork-team-*.png and fieldwork-task-case.png."""

import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.accounts.models import Role, RoleAssignment
from wangge.conftest import make_persona
from wangge.fieldwork import actions
from wangge.fieldwork.models import BriefingTask
from wangge.orgs import actions as org_actions
from wangge.orgs.models import ZoneArea
from wangge.people import actions as people_actions
from wangge.people.actions import PersonInput
from wangge.people.models import MemberKind
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"fieldwork-{name}.png", full_page=True)


def test_community_staff_edit_a_grids_team_on_a_phone(make_page, live_server, small, worker_a, community_staff):
    grid = small.grids[0]
    first, second = small.buildings[0], small.buildings[1]
    candidate = make_persona("worker_g1", Role.GRID_WORKER, small.grids[1])
    # The community's members: more than ten, so the form offers a filter.
    names = ["党员甲", *(f"社区党员{i}" for i in range(11))]
    persons = people_actions.create_persons(None, district=small.district, people=[PersonInput(name=n) for n in names])
    member, *_others = people_actions.register_members(
        None, [(p, MemberKind.RETIRED, small.communities[0]) for p in persons]
    )
    org_actions.add_zone_area(None, member=member, area=first)

    page = make_page(PHONE_390, mobile=True)
    asked: list[str] = []

    def confirm(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    log_in(page, live_server, "staff_1")
    page.goto(f"{live_server.url}/areas/{grid.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("edit-team").tap()
    expect(page.get_by_test_id("role-grid_worker").get_by_test_id("holder")).to_have_count(1)
    shot(page, "team")

    # A grid worker from the next grid of the community.
    page.locator("#team-user").select_option(str(candidate.pk))
    page.locator("#team-role").select_option(Role.GRID_WORKER)
    with page.expect_navigation():
        page.get_by_test_id("add-holder").tap()
    expect(page.get_by_test_id("role-grid_worker").get_by_test_id("holder")).to_have_count(2)
    expect(page.get_by_test_id("role-grid_worker")).to_contain_text("worker_g1")
    assert RoleAssignment.objects.filter(user=candidate, area=grid, role=Role.GRID_WORKER).exists()

    # The member also answers for the second building; then the first is taken out.
    # Typing narrows the members; with one left it is chosen.
    page.locator("#team-member-filter").fill("党员")
    expect(page.locator(".pick-option")).to_have_count(8)
    page.locator("#team-member-filter").fill("甲")
    expect(page.locator("#team-member")).to_have_value(str(member.pk))
    page.locator("#team-building").select_option(str(second.pk))
    with page.expect_navigation():
        page.get_by_test_id("add-zone-area").tap()
    expect(page.get_by_test_id("zone-area")).to_have_count(2)
    shot(page, "team-added")
    with page.expect_navigation():
        page.get_by_test_id("zone-area").filter(has_text=first.name).get_by_role("button").tap()
    expect(page.get_by_test_id("zone-area")).to_have_count(1)
    assert asked == [f"确定把 {first.name} 移出 党员甲 的责任区吗？"]  # the removal was confirmed first
    expect(page.get_by_test_id("zone-area")).to_contain_text(second.name)
    assert list(ZoneArea.objects.filter(zone__member=member).values_list("area_id", flat=True)) == [second.pk]
    shot(page, "team-removed")


def test_a_grid_worker_turns_a_briefing_task_into_a_case_on_a_phone(make_page, live_server, small, worker_a, catalogue):
    grid = small.grids[0]
    building = small.buildings[1]
    actions.record_briefing(
        worker_a,
        uuid=uuid.uuid4(),
        grid=grid,
        date=timezone.localdate(),
        tasks=[actions.TaskData("清理2号楼楼道堆物")],
    )
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/fieldwork/grids/{grid.pk}/briefing/")
    with page.expect_navigation():
        page.get_by_test_id("to-case").tap()
    expect(page.locator("#description")).to_have_value("清理2号楼楼道堆物")
    page.locator("#category").select_option(index=1)
    page.get_by_test_id(f"place-{building.pk}").check()
    shot(page, "task-case")
    with page.expect_navigation():
        page.get_by_test_id("file-case").tap()
    task = BriefingTask.objects.select_related("case").get()
    assert task.case is not None and task.case.building_id == building.pk
    expect(page.get_by_test_id("task-case")).to_have_text(f"案件 {task.case.number}")
    expect(page.get_by_test_id("to-case")).to_have_count(0)
    shot(page, "task-case-linked")
