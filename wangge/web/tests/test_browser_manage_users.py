"""Users and roles in Debian's Chromium: at 1366 × 900 the district administrator creates a grid
worker for a grid typed by name, reads the one-time password; the new user logs in with it, is
made to choose their own password, then sees their home page. The list and a user's page at 390 px
too. Screenshots go to test-artifacts/screenshots/ (manage-users-*.png)."""

import pytest
from playwright.sync_api import expect

from wangge.accounts.models import RoleAssignment, User
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern-river-42"


def test_a_new_grid_worker_is_created_logs_in_and_must_change_the_password(
    make_page, live_server, small, district_admin, community_staff, worker_a
):
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/manage/users/")
    expect(page.get_by_role("heading", level=1)).to_have_text("用户和角色")
    expect(page.get_by_test_id("user-row")).to_have_count(3)
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "manage-users-desktop.png", full_page=True)

    form = page.locator("#new")
    form.get_by_test_id("new-username").fill("li_si")
    form.get_by_test_id("new-display-name").fill("李四")
    form.get_by_test_id("role").select_option("grid_worker")
    form.get_by_test_id("area").fill("社区1第2网格")
    with page.expect_navigation():
        form.get_by_role("button", name="创建用户").click()
    shown = page.get_by_test_id("one-time-password")
    expect(shown).to_be_visible()
    password = shown.inner_text().strip()
    assert "li_si" not in page.url and password not in page.url
    page.screenshot(path=SCREENSHOTS / "manage-users-password.png", full_page=True)
    user = User.objects.get(username="li_si")
    assert [(a.role, a.area_id) for a in RoleAssignment.objects.filter(user=user)] == [
        ("grid_worker", small.grids[1].pk)
    ]

    newcomer = make_page(OFFICE)
    newcomer.goto(f"{live_server.url}/login/")
    newcomer.get_by_label("用户名").fill("li_si")
    newcomer.get_by_label("密码").fill(password)
    newcomer.locator("form.stack button[type=submit]").click()
    newcomer.wait_for_url(f"{live_server.url}/password/")
    expect(newcomer.get_by_test_id("must-change")).to_be_visible()
    newcomer.goto(f"{live_server.url}/cases/")
    newcomer.wait_for_url(f"{live_server.url}/password/")
    newcomer.locator("input[name=old_password]").fill(password)
    newcomer.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    newcomer.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    newcomer.screenshot(path=SCREENSHOTS / "manage-users-must-change.png", full_page=True)
    newcomer.get_by_role("button", name="修改密码").click()
    newcomer.wait_for_url(f"{live_server.url}/password/done/")
    newcomer.get_by_role("link", name="前往我的首页").click()
    newcomer.wait_for_url(f"{live_server.url}/")
    expect(newcomer.locator(".who-name")).to_have_text("李四")
    expect(newcomer.locator(".who-roles")).to_contain_text("社区1第2网格")
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)

    # The administrator's list now holds the new worker; their page on a phone.
    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "admin_d")
    phone.goto(f"{live_server.url}/manage/users/")
    expect(phone.get_by_test_id("user-row")).to_have_count(4)
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "manage-users-phone.png", full_page=True)
    phone.goto(f"{live_server.url}/manage/users/{user.pk}/")
    expect(phone.get_by_test_id("role-row")).to_have_count(1)
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "manage-users-phone-user.png", full_page=True)
