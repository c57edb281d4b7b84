"""End to end in Debian's Chromium: a grid worker on a phone, a district admin on a desktop,
the language switch. Screenshots go to test-artifacts/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from wangge.web.tests.browser import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    log_in,
    no_horizontal_scroll,
    open_menu,
    wait_for_map,
)

pytestmark = pytest.mark.browser


def test_grid_worker_on_a_phone(make_page, live_server, populated, worker_a, worker_b):
    small = populated.small
    page = make_page(PHONE, mobile=True)
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.screenshot(path=SCREENSHOTS / "phone-login.png", full_page=True)
    log_in(page, live_server, "worker_a")

    # Home: the own grid's work; the own grid's page one tap away.
    assert page.get_by_test_id("report").is_visible()
    assert page.get_by_text(small.grids[2].name).count() == 0
    open_menu(page)
    assert page.locator("header .who-name").inner_text() == "worker_a"
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "phone-home-worker-a.png", full_page=True)

    # The grid page, with its buildings on the small map.
    page.get_by_test_id("my-area").click()
    page.wait_for_url(re.compile(r"/areas/\d+/$"))
    assert wait_for_map(page, "#grid-map") == 2
    assert page.get_by_text("第1网格党总支").is_visible()
    assert page.get_by_text("书记乙").is_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "phone-grid-worker-a.png", full_page=True)

    # A building page with masked residents.
    page.get_by_role("link", name=small.buildings[0].name, exact=True).first.click()
    page.wait_for_url(re.compile(r"/areas/\d+/$"))
    assert page.get_by_text(populated.resident.id_number_masked).is_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "phone-building-worker-a.png", full_page=True)

    # Coverage: the gaps of the own grid by name; the other grid absent.
    open_menu(page)
    page.locator("nav.main-nav a[href='/coverage/']").click()
    page.wait_for_url(f"{live_server.url}/coverage/")
    gaps = page.locator("#gap-list")
    assert gaps.get_by_role("link", name=small.buildings[1].name, exact=True).is_visible()
    assert gaps.get_by_role("link", name=small.households[3].name, exact=True).is_visible()
    assert page.get_by_text(small.grids[2].name).count() == 0
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "phone-coverage-worker-a.png", full_page=True)

    # The other worker's grid answers 404.
    response = page.goto(f"{live_server.url}/areas/{small.grids[2].pk}/")
    assert response.status == 404


def test_district_admin_on_a_desktop(make_page, live_server, populated, district_admin):
    small = populated.small
    page = make_page(DESKTOP)
    log_in(page, live_server, "admin_d")
    assert wait_for_map(page, "#district-map") == 4
    assert page.locator("#district-map path.leaflet-interactive").count() == 4
    side = page.locator("section.side table").last
    for community in small.communities:
        assert side.get_by_role("link", name=community.name, exact=True).is_visible()
    assert page.get_by_text(small.district.name).first.is_visible()
    page.screenshot(path=SCREENSHOTS / "desktop-home-district-admin.png")

    # Clicking a grid polygon opens the grid page.
    box = page.locator("#district-map path.leaflet-interactive").nth(3).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/areas/\d+/$"))
    assert page.locator("h1").inner_text().startswith(small.grids[3].name)
    page.screenshot(path=SCREENSHOTS / "desktop-grid-district-admin.png", full_page=True)

    page.goto(f"{live_server.url}/coverage/")
    assert page.locator("table").nth(0).get_by_role("link", name=small.communities[1].name, exact=True).is_visible()
    page.screenshot(path=SCREENSHOTS / "desktop-coverage-district-admin.png", full_page=True)


def test_switch_language_to_english(make_page, live_server, populated, district_admin):
    page = make_page(DESKTOP)
    log_in(page, live_server, "admin_d")
    page.locator("form.lang button[value=en]").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.url == f"{live_server.url}/"
    # The English page may still be arriving: wait for it, do not glance.
    expect(page.get_by_role("heading", name="Communities")).to_be_visible()
    expect(page.get_by_role("link", name="Coverage", exact=True)).to_be_visible()
    expect(page.locator("form.lang button[value=en]")).to_have_attribute("aria-pressed", "true")
    wait_for_map(page, "#district-map")
    page.screenshot(path=SCREENSHOTS / "desktop-home-english.png")

    # Logged out, the login page is English too (Django's own catalogue).
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))
    assert page.get_by_label("Username").is_visible()

    # And back to Chinese.
    page.locator("form.lang button[value=zh-hans]").click()
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")
    expect(page.get_by_label("用户名")).to_be_visible()
