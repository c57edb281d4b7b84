"""Onboarding a new district end to end in Debian's Chromium at 1366 px: a superuser creates
the empty district XQ 新区 and its administrator. The administrator uploads the district's grid
file (a dry run with the map, then commit: two communities and four grids), adds the department
住建局, imports the address book, the staff roster (one-time passwords shown once) and the
organisation units, checks the go-live checklist, configures a category with a question and a
routing rule, and publishes next year's calendar from the pasted notice; the checklist then says
the district can go live. A grid worker from the staff file logs in with the one-time password,
chooses their own, and files a case in the new category: accepted, it goes to the rule's unit and
its deadline skips the new year's holiday of the published calendar. Screenshots go to
test-artifacts/screenshots/ (onboarding-*.png), including the dry run and the checklist at 390 px."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role, User
from wangge.areas.actions import create_district
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.calendars import actions as calendar_actions
from wangge.calendars.queries import calendar_for
from wangge.calendars.tests.conftest import EXAMPLE_2027
from wangge.cases import actions as case_actions
from wangge.cases.models import Case, Category, HandlingUnit
from wangge.conftest import PASSWORD
from wangge.orgs.models import OrgUnit
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

FILES = Path(__file__).resolve().parents[2] / "onboarding" / "tests" / "files" / "xinqu"
# A Monday in December: ten working days later is in January 2027, after its New Year holiday.
MONDAY = dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
NEW_PASSWORD = "Xinqu-grid-2027!"


@pytest.fixture
def xinqu(transactional_db):
    """The empty district XQ 新区 and its administrator, as a superuser creates them (the live
    server's database starts empty: the national calendar up to 2026 is seeded again)."""
    calendar_actions.seed_national_calendar()
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


def _back_to_steps(page) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name="返回步骤列表").click()


def _checklist(page, live_server, district) -> None:
    page.goto(f"{live_server.url}/manage/checklist/?district={district.pk}")
    expect(page.get_by_test_id("verdict")).to_be_visible()


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

    # The department the staff roster names: added on the units page.
    page.goto(f"{live_server.url}/units/")
    page.locator(f"#add-unit-{district.pk} summary").click()
    page.locator(f"#new-kind-{district.pk}").select_option("department")
    page.locator(f"#new-name-{district.pk}").fill("住建局")
    with page.expect_navigation():
        page.get_by_role("button", name="创建单位").click()
    department = HandlingUnit.objects.get(district=district, name="住建局")

    # The address book, the staff roster and the organisation units.
    page.goto(f"{live_server.url}/manage/onboarding/")
    _upload(page, "addresses", FILES / "addresses.xlsx")
    expect(page.locator("[data-count=buildings] .tile-n")).to_have_text("12")
    expect(page.locator("[data-count=households] .tile-n")).to_have_text("96")
    _commit(page)
    _back_to_steps(page)
    expect(page.locator("#step-addresses")).to_have_attribute("data-done", "true")
    _upload(page, "staff", FILES / "staff.xlsx")
    expect(page.locator("[data-count=users] .tile-n")).to_have_text("8")
    expect(page.get_by_test_id("passwords")).to_have_count(0)
    _commit(page)
    expect(page.get_by_test_id("passwords")).to_be_visible()
    password = page.locator("[data-testid=passwords] tr", has_text="xq_dh_g1").get_by_test_id("password").inner_text()
    assert password and password not in page.url
    page.screenshot(path=SCREENSHOTS / "onboarding-staff-passwords-1366.png", full_page=True)
    assert set(department.users.values_list("username", flat=True)) == {"xq_zjj_1", "xq_zjj_2"}
    _back_to_steps(page)
    _upload(page, "org_units", FILES / "org_units.xlsx")
    _commit(page)
    assert OrgUnit.objects.filter(district=district, kind="grid_branch").count() == 4

    # The checklist: grids, units and workers are there; no category yet, 2027 not published.
    _checklist(page, live_server, district)
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-ok", "false")
    for requirement, ok in (("grids_tile", "true"), ("grids_staffed", "true"), ("categories_routed", "false")):
        expect(page.locator(f"[data-requirement={requirement}]")).to_have_attribute("data-ok", ok)
    expect(page.locator("[data-requirement=calendars]")).to_contain_text("2027")
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "onboarding-checklist-1366.png", full_page=True)
    phone.goto(page.url)
    expect(phone.get_by_test_id("verdict")).to_be_visible()
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "onboarding-checklist-390.png", full_page=True)

    # A category with a question (a group first: the district has none).
    page.goto(f"{live_server.url}/manage/catalogue/")
    page.locator("details.manage-new summary").nth(1).click()
    page.locator("#new-group-code").fill("SZ")
    page.locator("#new-group-name").fill("市政设施")
    with page.expect_navigation():
        page.get_by_role("button", name="创建大类").click()
    group = Category.objects.get(district=district, code="SZ")
    page.locator("details.manage-new summary").first.click()
    page.locator("#new-category-group").select_option(str(group.pk))
    page.locator("#new-category-code").fill("SZ01")
    page.locator("#new-category-name").fill("路灯不亮")
    page.locator("#new-category-limit").fill("10")
    with page.expect_navigation():
        page.get_by_role("button", name="创建小类").click()
    category = Category.objects.get(district=district, code="SZ01")
    form = page.locator("#question-new form")
    form.locator("#q-new-label").fill("不亮的路灯数量")
    form.locator("#q-new-code").fill("lamps")
    form.locator("#q-new-type").select_option("single")
    form.locator("#q-new-choices").fill("一盏\n多盏")
    form.get_by_label("必须回答").check()
    with page.expect_navigation():
        form.get_by_role("button", name="添加该问题").click()
    expect(page.locator("#questions details.question")).to_have_count(1)

    # Its routing rule: the whole district → 住建局.
    page.goto(f"{live_server.url}/manage/routing/")
    page.locator("#rule-new summary").click()
    page.locator("#new-priority").fill("5")
    page.locator("#new-category").select_option(str(category.pk))
    page.locator("#new-area").select_option(str(district.pk))
    page.locator("#new-unit").select_option(str(department.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="添加该规则").click()

    # Next year's calendar from the notice's text.
    page.goto(f"{live_server.url}/manage/calendar/")
    page.locator("#cal-notice").fill(EXAMPLE_2027.read_text(encoding="utf-8"))
    with page.expect_navigation():
        page.get_by_role("button", name="预览").click()
    with page.expect_navigation():
        page.get_by_role("button", name="发布 2027").click()
    expect(page.locator(".messages")).to_contain_text("2027")

    # Every requirement holds now.
    _checklist(page, live_server, district)
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-ok", "true")
    page.screenshot(path=SCREENSHOTS / "onboarding-checklist-done-1366.png", full_page=True)

    # A grid worker of the staff file: first login with the one-time password, then a case,
    # on a Monday in December.
    traveller = time_machine.travel(MONDAY, tick=True)
    traveller.start()
    worker = make_page(OFFICE)
    worker.goto(f"{live_server.url}/login/")
    worker.get_by_label("用户名").fill("xq_dh_g1")
    worker.get_by_label("密码").fill(password)
    worker.locator("form.stack button[type=submit]").click()
    worker.wait_for_url(f"{live_server.url}/password/")
    worker.locator("input[name=old_password]").fill(password)
    worker.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    worker.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    worker.get_by_role("button", name="修改密码").click()
    worker.wait_for_url(f"{live_server.url}/password/done/")
    building = AreaNode.objects.filter(district=district, level=Level.BUILDING, grid__code="XQ-C1-G1").order_by("code")[
        0
    ]
    worker.goto(f"{live_server.url}/cases/new/")
    worker.locator("#category").select_option(str(category.pk))
    question = worker.locator("#questions fieldset")
    expect(question).to_contain_text("不亮的路灯数量")
    question.get_by_label("多盏").check()
    worker.locator("#description").fill("东湖路的路灯晚上都不亮")
    worker.locator("#building-search").fill(building.name)
    worker.locator(f"#place-results button.place-choice[data-building='{building.pk}']").click()
    with worker.expect_navigation():
        worker.locator("form.case-form button[type=submit].primary").click()
    case = Case.objects.get(category=category)
    assert case.filed_by == User.objects.get(username="xq_dh_g1") and case.grid.code == "XQ-C1-G1"

    # Accepted, it goes to the rule's unit; ten working days from Monday 21 December skip the
    # published New Year holiday (1 January 2027): 5 January, not 4 January.
    accepted = case_actions.accept(User.objects.get(username="admin_xq"), case)
    assert accepted.unit == department
    assert timezone.localtime(accepted.due_at).date() == dt.date(2027, 1, 5)
    assert calendar_for(district.pk).add_working_days(dt.date(2026, 12, 21), 10) == dt.date(2027, 1, 5)
    traveller.stop()
