"""On a 390 × 844 phone in Debian's Chromium: a grid worker opens the team menu, their score and
its patrols counted, and appeals; community staff adjust the stars with a reason. Screenshots
go to test-artifacts/screenshots/team-*.png."""

import pytest
from playwright.sync_api import expect

from wangge.fieldwork.tests.factories import WORKING_MONDAY, briefing, patrol
from wangge.team import actions
from wangge.team.models import Appeal, Score
from wangge.team.tests.factories import worker_of
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll, open_menu

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"team-{name}.png"), full_page=True)


def test_a_grid_worker_reads_their_score_and_appeals_and_staff_adjust_it_on_a_phone(
    make_page, live_server, small, worker_a, worker_b, community_staff
):
    worker_of(worker_a, small.grids[0], name="王小网")
    worker_of(worker_b, small.grids[2], name="李另格")
    worker_of(community_staff, small.communities[0], kind="full_time", name="张社工")
    patrol(worker_a, small.grids[0], WORKING_MONDAY)
    patrol(worker_a, small.grids[0], WORKING_MONDAY, hour=14)
    briefing(worker_a, small.grids[0], WORKING_MONDAY, attendees=[worker_a.pk])
    actions.run_period(None, district=small.district, period_text="2026-11", commit=True)
    score = Score.objects.get(worker__person__user=worker_a)

    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    open_menu(page)
    page.get_by_role("link", name="队伍").click()
    page.wait_for_url(f"{live_server.url}/team/")
    expect(page.get_by_text("王小网")).to_be_visible()
    assert page.get_by_text("李另格").count() == 0
    shot(page, "roster")
    page.get_by_text("王小网").click()
    page.locator("[data-testid=score]").first.click()
    page.locator("[data-indicator=patrols] summary").click()
    assert page.locator("[data-indicator=patrols] [data-record]").count() == 2
    page.get_by_label("申诉理由").fill("十一月中旬借调防汛，请复核巡查次数")
    shot(page, "score")
    page.locator("[data-testid=appeal]").click()
    page.wait_for_selector("text=您的申诉已记录。")
    assert Appeal.objects.get().score_id == score.pk

    staff = make_page(PHONE_390, mobile=True)
    log_in(staff, live_server, "staff_1")
    staff.goto(f"{live_server.url}/team/scores/{score.pk}/")
    staff.locator("form:has([data-testid=adjust]) select[name=stars]").select_option("3")
    staff.locator("form:has([data-testid=adjust]) textarea[name=reason]").fill("借调防汛期间巡查由他人代劳")
    staff.locator("[data-testid=adjust]").click()
    staff.wait_for_selector("text=星级已调整。")
    shot(staff, "adjusted")
    assert Score.objects.get(pk=score.pk).stars == 3
