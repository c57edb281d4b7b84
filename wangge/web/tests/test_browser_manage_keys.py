"""The district's administration in Debian's Chromium: at 1366 × 900 the administrator creates
an Open311 key, sees its secret once, revokes it, and the revoked key is refused by
/open311/v2/requests.json; creates a department on the handling units page and adds its staff;
the keys, organisation and units pages also at 390 px. Screenshots go to
test-artifacts/screenshots/ (manage-keys-*.png, manage-organisation-*.png, units-new-*.png)."""

import pytest
from playwright.sync_api import expect

from wangge.accounts.models import Role
from wangge.cases.models import Category, HandlingUnit
from wangge.conftest import make_persona
from wangge.open311.actions import create_api_key
from wangge.open311.models import ApiKey
from wangge.orgs import actions as org_actions
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_the_admin_creates_an_open311_key_sees_it_once_and_revokes_it(
    make_page, live_server, small, district_admin, catalogue
):
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/manage/keys/")
    expect(page.locator("h1")).to_contain_text("Open311")
    page.get_by_label("客户端应用名称").fill("微信小程序")
    with page.expect_navigation():
        page.get_by_role("button", name="创建密钥").click()
    shown = page.get_by_test_id("new-secret")
    expect(shown).to_contain_text("只显示这一次")
    secret = page.locator("input.secret").input_value()
    assert secret.startswith("o311_") and secret not in page.url
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "manage-keys-desktop-created.png", full_page=True)

    page.goto(f"{live_server.url}/manage/keys/")  # once only: the list shows the prefix
    key = ApiKey.objects.get(name="微信小程序")
    row = page.locator(f"#key-{key.pk}")
    expect(row).to_contain_text(key.prefix)
    assert secret not in page.content()
    with page.expect_navigation():
        row.get_by_role("button", name="吊销").click()
    expect(page.locator(".messages")).to_contain_text("微信小程序")
    expect(page.locator(f"#key-{key.pk}")).to_contain_text("已于")
    page.screenshot(path=SCREENSHOTS / "manage-keys-desktop-revoked.png", full_page=True)

    service = Category.objects.filter(district=small.district, parent__isnull=False).order_by("pk").first()
    answer = page.request.post(
        f"{live_server.url}/open311/v2/requests.json",
        form={"api_key": secret, "service_code": service.code, "lat": "0", "long": "0", "description": "测试"},
    )
    assert answer.status == 403 and answer.headers["wangge-error-code"] == "api_key_invalid"


def test_the_admin_creates_a_department_and_adds_its_staff(make_page, live_server, small, district_admin, catalogue):
    make_persona("yingji_li", Role.DEPARTMENT, small.district)
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/units/")
    add = page.locator(f"#add-unit-{small.district.pk}")
    add.locator("summary").click()
    add.get_by_label("类别").select_option("department")
    add.get_by_label("名称").fill("应急管理局")
    with page.expect_navigation():
        add.get_by_role("button", name="创建单位").click()
    unit = HandlingUnit.objects.get(district=small.district, name="应急管理局")
    row = page.locator(f"#unit-{unit.pk}")
    expect(row).to_contain_text("无人办理")
    row.get_by_placeholder("用户名").fill("yingji_li")
    with page.expect_navigation():
        row.get_by_role("button", name="添加").click()
    expect(page.locator(f"#unit-{unit.pk} .staff-list")).to_contain_text("yingji_li")
    assert [u.username for u in unit.users.all()] == ["yingji_li"]
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "units-new-desktop.png", full_page=True)


@pytest.mark.parametrize("viewport", [OFFICE, PHONE_390], ids=["desktop", "phone"])
def test_the_administration_pages_read_at_both_widths(
    make_page, live_server, small, district_admin, catalogue, viewport
):
    org_actions.set_level_name(None, district=small.district, kind="grid_branch", name="网格党支部")
    for n, (name, kind) in enumerate([("第一中学", "学校"), ("区人民医院", "医院"), ("城东供电所", "国有企业")]):
        org_actions.create_resident_unit(None, area=small.grids[n], name=name, kind=kind, address=f"解放路{n + 1}号")
    create_api_key(None, name="12345热线", district=small.district)
    mobile = viewport is PHONE_390
    page = make_page(viewport, mobile=mobile)
    log_in(page, live_server, "admin_d")
    width = "phone" if mobile else "desktop"
    for url, name, heading in [
        ("/manage/keys/", "manage-keys", "Open311"),
        ("/manage/organisation/", "manage-organisation", "组织设置"),
        ("/units/", "units-list", "承办单位"),
    ]:
        page.goto(f"{live_server.url}{url}")
        expect(page.locator("h1")).to_contain_text(heading)
        assert no_horizontal_scroll(page), url
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
