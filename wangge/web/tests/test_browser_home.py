"""Each role's home page in Chromium at the role's usual size: a grid worker and a resident on a
390 × 844 phone (the header one row, the menu behind a button), the office roles at 1366 × 900.
Screenshots go to test-artifacts/screenshots/home-*.png."""

import datetime as dt

import pytest

from wangge.cases import actions
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, accepted, closed_off, dispatched, file
from wangge.web.tests.browser import (
    OFFICE,
    PHONE_390,
    SCREENSHOTS,
    header_height,
    log_in,
    no_horizontal_scroll,
    open_menu,
    wait_for_map,
)
from wangge.web.tests.conftest import zh

pytestmark = pytest.mark.browser

# One row: the brand, the notifications and the menu button.
PHONE_HEADER_MAX_PX = 64


@pytest.fixture
def cases(populated, catalogue, district_admin, dept_a, worker_a, resident):
    small = populated.small
    admin = district_admin
    late = accepted(admin, file(small, catalogue, "SZ03"))  # 4 working hours, overdue below
    dispatched(admin, file(small, catalogue))
    file(small, catalogue, user=worker_a)
    closed_off(admin, dept_a, file(small, catalogue))
    accepted(admin, file(small, catalogue, point=IN_GRID_2))
    web = {"district": small.district, "channel": "web", "description": "3号楼前路灯不亮，晚上很黑"}
    lng, lat = IN_GRID_0
    accepted(
        admin,
        actions.file_case(resident, category=catalogue["SZ01"], lng=lng, lat=lat, answers={"since": "today"}, **web),
    )
    actions.sweep_overdue(now=late.due_at + dt.timedelta(hours=1))
    return small


def _shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"home-{name}.png", full_page=True)


def _phone_header_is_one_row(page) -> None:
    height = header_height(page)
    print(f"phone header: {height:.0f} px")
    assert height <= PHONE_HEADER_MAX_PX
    assert not page.locator("nav.main-nav").is_visible()
    open_menu(page)
    assert page.locator("nav.main-nav").is_visible()
    assert page.locator("form.lang").is_visible()
    assert page.locator("header .who-roles").is_visible()


def test_grid_worker_home_on_a_phone(make_page, live_server, cases, worker_a):
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    assert page.get_by_test_id("report").is_visible()
    assert page.get_by_test_id("count-open").inner_text().startswith("4")  # the resident's report too
    assert page.locator("[data-section=grid] li.home-case").count() >= 1
    assert page.get_by_text(cases.grids[2].name).count() == 0
    assert no_horizontal_scroll(page)
    assert header_height(page) <= PHONE_HEADER_MAX_PX
    _shot(page, "phone-grid-worker")
    _phone_header_is_one_row(page)
    assert no_horizontal_scroll(page)
    _shot(page, "phone-grid-worker-menu")

    page.get_by_test_id("count-open").click()
    page.wait_for_url(f"{live_server.url}/cases/?list=grid")


def test_resident_home_on_a_phone(make_page, live_server, cases, resident):
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "resident")
    assert page.get_by_test_id("report").is_visible()
    assert page.locator("[data-section=mine] li.home-case").count() == 1
    assert page.get_by_test_id("board").is_visible()
    assert page.locator("[data-map]").count() == 0
    assert page.locator("a[href='/coverage/']").count() == 0
    assert no_horizontal_scroll(page)
    _shot(page, "phone-resident")
    _phone_header_is_one_row(page)
    assert page.locator("nav.main-nav a[href='/people/']").count() == 0
    _shot(page, "phone-resident-menu")


def test_community_staff_home_at_the_office(make_page, live_server, cases, community_staff):
    page = make_page(OFFICE)
    log_in(page, live_server, "staff_1")
    table = page.get_by_test_id("grid-table")
    assert table.locator("tbody tr").count() == 2
    assert page.get_by_test_id("count-dispatch").is_visible()
    assert page.locator("nav.main-nav").is_visible()  # the menu laid out in the bar
    assert no_horizontal_scroll(page)
    _shot(page, "office-community-staff")


def test_district_admin_home_at_the_office(make_page, live_server, cases, district_admin):
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")
    assert wait_for_map(page, "#district-map") == 4
    assert page.get_by_test_id("unit-table").get_by_text("城市管理局").is_visible()
    assert page.get_by_test_id("on-time-rate").inner_text().startswith("100%")
    assert page.get_by_test_id("satisfaction").inner_text().startswith("100%")
    assert header_height(page) <= PHONE_HEADER_MAX_PX
    assert no_horizontal_scroll(page)
    _shot(page, "office-district-admin")


def test_department_home_at_the_office(make_page, live_server, cases, dept_a):
    page = make_page(OFFICE)
    log_in(page, live_server, "dept_a")
    assert page.get_by_test_id("count-inbox-waiting").inner_text().startswith("1")
    assert page.locator("nav.main-nav a[href='/coverage/']").count() == 0
    assert no_horizontal_scroll(page)
    _shot(page, "office-department")


def test_supervisor_home_at_the_office(make_page, live_server, cases, supervisor):
    page = make_page(OFFICE)
    log_in(page, live_server, "supervisor")
    assert page.get_by_test_id("count-sup-overdue").is_visible()
    assert page.get_by_role("heading", name=zh("Supervision queue")).is_visible()
    assert no_horizontal_scroll(page)
    _shot(page, "office-supervisor")
