"""Every administration page on a 390 px phone, as the district administrator opens it from the
hub: each section's page loads and nothing on it scrolls sideways (a long option in a select once
widened the onboarding page past the screen). Screenshots: test-artifacts/screenshots/manage-phone-*.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from wangge.web.manage.hub import SECTIONS
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_every_section_of_the_hub_opens_on_a_phone_without_sideways_scrolling(
    make_page, live_server, small, catalogue, district_admin
):
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/manage/")
    links = page.locator(".manage-sections a")
    expect(links).to_have_count(len(SECTIONS))
    for section in SECTIONS:
        page.goto(f"{live_server.url}/manage/")
        page.locator(".manage-sections a", has_text=str(section.title)).first.click()
        page.wait_for_url(f"{live_server.url}{reverse(section.url_name)}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"manage-phone-{section.url_name}.png", full_page=True)
        assert no_horizontal_scroll(page), section.url_name
