"""Onboarding a new district end to end in Debian's Chromium at 1366 px: a superuser creates
the empty district XQ 新区 and its administrator; the administrator uploads the district's grid
file (a dry run with the map, then commit), checks the go-live checklist, and sees what is
still missing. Screenshots go to test-artifacts/screenshots/ (onboarding-*.png), including the
dry-run page and the checklist at 390 px."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role
from wangge.areas.actions import create_district
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.conftest import PASSWORD
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

FILES = Path(__file__).resolve().parents[2] / "onboarding" / "tests" / "files" / "xinqu"


@pytest.fixture
def xinqu(db):
    """The empty district XQ 新区 and its administrator, as a superuser creates them."""
    root = account_actions.create_user(None, username="root", password=PASSWORD)
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    district = create_district(root, name="新区", code="XQ")
    admin = account_actions.create_user(root, username="admin_xq", password=PASSWORD, display_name="新区管理员")
    account_actions.assign_role(root, user=admin, role=Role.DISTRICT_ADMIN, area=district)
    return district


def _upload(page, step: str, path: Path) -> None:
    step_box = page.locator(f"#step-{step}")
    step_box.locator("input[type=file]").set_input_files(str(path))
    with page.expect_navigation():
        step_box.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_test_id("dry-run-note")).to_be_visible()


def _commit(page) -> None:
    with page.expect_navigation():
        page.get_by_test_id("commit").click()
    expect(page.get_by_test_id("committed")).to_be_visible()


def test_a_new_district_is_onboarded_from_its_files(make_page, live_server, xinqu):
    district = xinqu
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_xq")
    page.goto(f"{live_server.url}/manage/")
    with page.expect_navigation():
        page.get_by_role("link", name="从文件导入上线").click()
    expect(page.locator("#step-grids")).to_have_attribute("data-done", "false")
    page.screenshot(path=SCREENSHOTS / "onboarding-steps-1366.png", full_page=True)

    # Grids: the dry run shows the four grids on the map and the two communities to create.
    _upload(page, "grids", FILES / "grids.geojson")
    expect(page.locator("[data-count=new_communities] .tile-n")).to_have_text("2")
    expect(page.locator("[data-count=new] .tile-n")).to_have_text("4")
    expect(page.locator("#preview-map")).to_have_attribute("data-state", "ready")
    expect(page.locator("#preview-map")).to_have_attribute("data-features", "4")
    expect(page.locator("#preview-map")).to_have_attribute("data-overlaps", "0")
    assert not AreaNode.objects.filter(district=district, level=Level.GRID).exists()
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "onboarding-grids-dry-run-1366.png", full_page=True)
    # The same on a phone (an upload belongs to the session that made it), then discarded.
    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "admin_xq")
    phone.goto(f"{live_server.url}/manage/onboarding/")
    _upload(phone, "grids", FILES / "grids.geojson")
    expect(phone.locator("#preview-map")).to_have_attribute("data-state", "ready")
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "onboarding-grids-dry-run-390.png", full_page=True)
    with phone.expect_navigation():
        phone.get_by_test_id("discard").click()
    expect(phone.locator(".messages")).to_contain_text("上传的文件已删除")
    _commit(page)
    assert GridBoundary.objects.filter(district=district, valid_to__isnull=True).count() == 4
    assert sorted(AreaNode.objects.filter(district=district, level=Level.COMMUNITY).values_list("name", flat=True)) == [
        "东湖社区",
        "西山社区",
    ]

    # The checklist: the grids tile the district; units, workers, categories and calendars missing.
    with page.expect_navigation():
        page.get_by_role("link", name="上线检查清单").first.click()
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-ok", "false")
    expect(page.locator("[data-requirement=grids_tile]")).to_have_attribute("data-ok", "true")
    expect(page.locator("[data-requirement=grids_staffed]")).to_contain_text("东湖社区第1网格 (XQ-C1-G1)")
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "onboarding-checklist-1366.png", full_page=True)
    phone.goto(page.url)
    expect(phone.get_by_test_id("verdict")).to_be_visible()
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "onboarding-checklist-390.png", full_page=True)
