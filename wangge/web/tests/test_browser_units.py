"""The handling units' staff in Debian's Chromium at 1366 × 900: the district administrator
opens the page, picks a department user for 住房和城乡建设局 and adds them, then removes them.
Screenshots go to test-artifacts/screenshots/ (units-*.png)."""

import pytest
from playwright.sync_api import expect

from wangge.accounts.models import Role
from wangge.cases.models import HandlingUnit
from wangge.conftest import make_persona
from wangge.web.tests.browser import SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

OFFICE = {"width": 1366, "height": 900}


def test_the_district_admin_adds_and_removes_a_departments_staff(
    make_page, live_server, small, district_admin, dept_a, dept_b
):
    make_persona("zhujian_li", Role.DEPARTMENT, small.district)
    unit = HandlingUnit.objects.get(district=small.district, name="住房和城乡建设局")
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/units/")
    row = page.locator(f"#unit-{unit.pk}")
    expect(row).to_contain_text("住房和城乡建设局")
    expect(row).to_contain_text("无人办理")
    expect(
        page.locator("#unit-" + str(HandlingUnit.objects.get(name="城市管理局", district=small.district).pk))
    ).to_contain_text("dept_a")
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "units-desktop-district-admin.png", full_page=True)

    row.get_by_placeholder("用户名").fill("zhujian_li")
    with page.expect_navigation():
        row.get_by_role("button", name="添加").click()
    assert page.url == f"{live_server.url}/units/#unit-{unit.pk}"
    expect(page.locator(".messages")).to_contain_text("zhujian_li")
    row = page.locator(f"#unit-{unit.pk}")
    expect(row.locator(".staff-list")).to_contain_text("zhujian_li")
    assert [u.username for u in unit.users.all()] == ["zhujian_li"]
    page.screenshot(path=SCREENSHOTS / "units-desktop-added.png", full_page=True)

    with page.expect_navigation():
        row.get_by_role("button", name="移除").click()
    expect(page.locator(f"#unit-{unit.pk}")).to_contain_text("无人办理")
    assert not unit.users.exists()
