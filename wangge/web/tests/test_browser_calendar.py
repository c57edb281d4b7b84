"""The work calendar in Debian's Chromium at 1366 × 900 and on a 390 px phone: the district
administrator pastes next year's notice, sees the twelve months with what changes, publishes it
and finds the year published. Screenshots go to test-artifacts/screenshots/ (calendar-*.png)."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from wangge.calendars import actions
from wangge.calendars.models import CalendarYear
from wangge.calendars.queries import calendar_for
from wangge.calendars.tests.factories import EXAMPLE_2027
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

NOVEMBER_2026 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def november_2026(transactional_db):
    actions.seed_national_calendar()  # the live server's database is emptied, seed data too
    with time_machine.travel(NOVEMBER_2026, tick=True):
        yield


def _paste_and_preview(page, live_server) -> None:
    log_in(page, live_server, "admin_d")
    expect(page.get_by_test_id("calendar-warning-link").first).to_be_visible()
    page.get_by_test_id("calendar-warning-link").first.click()
    page.wait_for_url(f"{live_server.url}/manage/calendar/")
    expect(page.get_by_test_id("calendar-missing")).to_contain_text("2027")
    page.locator("#cal-notice").fill(EXAMPLE_2027.read_text(encoding="utf-8"))
    with page.expect_navigation():
        page.get_by_role("button", name="预览").click()
    expect(page.get_by_test_id("calendar-changes")).to_contain_text("23")
    expect(page.locator(".cal-month")).to_have_count(12)
    expect(page.locator('td[data-date="2027-10-01"]')).to_have_class("holiday changed")


def test_the_district_admin_pastes_previews_and_publishes_next_year(make_page, live_server, small, district_admin):
    page = make_page(OFFICE)
    _paste_and_preview(page, live_server)
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "calendar-preview-1366.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="发布 2027").click()
    expect(page.locator(".messages")).to_contain_text("2027")
    expect(page.locator('tr[data-year="2027"]')).to_contain_text("已为本区发布")
    expect(page.get_by_test_id("calendar-missing")).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / "calendar-published-1366.png", full_page=True)
    assert CalendarYear.objects.filter(district=small.district, year=2027).exists()
    assert calendar_for(small.district.pk).add_working_days(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 8)


def test_the_preview_reads_on_a_phone(make_page, live_server, small, district_admin):
    page = make_page(PHONE_390, mobile=True)
    _paste_and_preview(page, live_server)
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "calendar-preview-390.png", full_page=True)
