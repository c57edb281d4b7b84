"""On a 390 × 844 phone the community's staff record a residents' consultation (民事共商) with the
school sitting in and give its decision to a grid worker as a task; the worker finds it among
their open tasks and marks it done. Screenshots go to test-artifacts/screenshots/cobuilding-*.png."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.orgs.actions import create_resident_unit
from wangge.resources import actions
from wangge.resources.models import Decision, Meeting
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"cobuilding-{name}.png", full_page=True)


def test_a_meetings_decision_becomes_a_task_that_its_owner_marks_done_on_a_phone(
    make_page, live_server, small, community_staff, worker_a
):
    school = create_resident_unit(None, area=small.grids[0], name="第一中学", kind="学校")
    actions.add_unit_account(community_staff, school, make_persona("school", Role.RESIDENT_UNIT, small.grids[0]))
    due = timezone.localdate() + dt.timedelta(days=7)

    staff = make_page(PHONE_390, mobile=True)
    log_in(staff, live_server, "staff_1")
    staff.goto(f"{live_server.url}/resources/cobuilding/")
    staff.get_by_test_id("meeting-new").tap()
    staff.locator("select[name=kind]").select_option("consultation")
    staff.locator("textarea[name=participants]").fill("居民代表 12 人，第一中学")
    staff.get_by_label("第一中学").check()
    staff.locator("textarea[name=matters]").fill("学校运动场晚间向居民开放")
    staff.locator("textarea[name=minutes]").fill("同意工作日 18:00–20:00 开放，由网格员制定安排")
    shot(staff, "meeting-form-390")
    with staff.expect_navigation():
        staff.get_by_test_id("save").tap()
    meeting = Meeting.objects.get()
    assert list(meeting.units.all()) == [school]
    staff.locator("textarea[name=text]").fill("制定运动场晚间开放安排并在楼栋公示")
    staff.locator("select[name=owner]").select_option(str(worker_a.pk))
    staff.locator("input[name=due_on]").fill(due.isoformat())
    with staff.expect_navigation():
        staff.get_by_test_id("add-decision").tap()
    expect(staff.get_by_test_id("decision")).to_contain_text("制定运动场晚间开放安排")
    shot(staff, "meeting-390")

    worker = make_page(PHONE_390, mobile=True)
    log_in(worker, live_server, "worker_a")
    worker.goto(f"{live_server.url}/resources/cobuilding/")
    expect(worker.get_by_test_id("owed")).to_have_count(1)
    shot(worker, "tasks-390")
    worker.get_by_test_id("owed").get_by_role("link").tap()
    worker.locator("textarea[name=outcome]").fill("安排已在 1–3 号楼公示")
    with worker.expect_navigation():
        worker.get_by_test_id("mark-done").tap()
    expect(worker.get_by_test_id("decision-done")).to_be_visible()
    shot(worker, "decision-done-390")
    decision = Decision.objects.get()
    assert decision.done_at is not None and decision.outcome == "安排已在 1–3 号楼公示"
    worker.goto(f"{live_server.url}/resources/cobuilding/")
    expect(worker.get_by_test_id("owed")).to_have_count(0)
