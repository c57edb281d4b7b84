"""The dashboard in Debian's Chromium: the district administrator's dashboard at 1366 × 900 with
its figures, trend chart and the map of grids coloured by overdue cases; the same on a 390 px
phone; the big screen at 1920 × 1080. No console error (the Content Security Policy refuses
nothing). Screenshots go to test-artifacts/screenshots/ (dashboard-*.png)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.cases.actions import sweep_overdue
from wangge.cases.models import Case, Channel
from wangge.cases.tests.factories import IN_GRID_1, accepted, closed_off, file_at
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

SCREEN = {"width": 1920, "height": 1080}


@pytest.fixture
def figures(transactional_db, small, catalogue, district_admin, dept_a, worker_a):
    """Cases closed off (one a petition), and two cases of grid 1 accepted and left overdue."""
    closed_off(district_admin, dept_a, file_at(worker_a))
    closed_off(district_admin, dept_a, file_at(worker_a, channel=Channel.PETITION))
    for _ in range(2):
        accepted(district_admin, file_at(worker_a, point=IN_GRID_1))
    sweep_overdue(timezone.now() + dt.timedelta(days=60))
    assert Case.objects.filter(overdue=True, grid=small.grids[1]).count() == 2


def _errors(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if message.type == "error" else None)
    return found


def test_the_dashboard_shows_the_figures_the_trend_and_the_map_coloured_by_overdue(make_page, live_server, figures):
    page = make_page(OFFICE)
    errors = _errors(page)
    log_in(page, live_server, "admin_d")
    page.locator("nav.main-nav").get_by_role("link", name="数据看板").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    expect(page.get_by_test_id("figure-issues_resolved")).to_contain_text("2")
    expect(page.get_by_test_id("figure-petitions")).to_contain_text("1")
    page.wait_for_selector("#dashboard-map[data-state=ready][data-colour-by=overdue]")
    page.wait_for_function("() => document.querySelector('#dashboard-trend canvas') !== null")
    page.screenshot(path=SCREENSHOTS / "dashboard-1366.png", full_page=True)
    page.locator("#dashboard-map").scroll_into_view_if_needed()
    page.locator("#dashboard-map").screenshot(path=SCREENSHOTS / "dashboard-map-overdue.png")
    page.select_option("#dashboard-colour-by", "closed")
    page.wait_for_selector("#dashboard-map[data-colour-by=closed]")
    with page.expect_navigation():
        page.get_by_test_id("figure-petitions").click()
    expect(page.get_by_test_id("records-total")).to_contain_text("1")
    assert errors == []


def test_the_dashboard_reads_on_a_phone(make_page, live_server, figures):
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#dashboard-map[data-state=ready]")
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "dashboard-390.png", full_page=True)


def test_the_big_screen_fills_1920_by_1080_dark(make_page, live_server, figures):
    page = make_page(SCREEN)
    errors = _errors(page)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/dashboard/screen/")
    page.wait_for_selector("#dashboard-map[data-state=ready]")
    page.wait_for_function("() => document.querySelector('#dashboard-trend canvas') !== null")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(11, 26, 47)"
    assert page.evaluate("document.body.getAttribute('data-refresh-seconds')") == "300"
    page.screenshot(path=SCREENSHOTS / "dashboard-screen-1920.png")
    assert errors == []
