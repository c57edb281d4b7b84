"""The catalogue and routing pages in Debian's Chromium at 1366 × 900: the district administrator
adds a category with a choice question and a routing rule for it in grid 1, asks the tester
where a case in a building of that grid would go and sees the new rule win; a case then filed
in that category through /cases/new/ is asked the question and, accepted, goes to that unit.
The pages are also looked at on a 390 px phone. Screenshots go to test-artifacts/screenshots/
(catalogue-*.png, routing-*.png)."""

import pytest
from playwright.sync_api import expect

from wangge.cases import actions
from wangge.cases.catalogue import install_default_routing
from wangge.cases.models import Case, Category, HandlingUnit, RoutingRule
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_new_category_with_a_question_and_its_rule_route_a_filed_case(
    make_page, live_server, small, catalogue, district_admin
):
    install_default_routing(small.district)  # the groups to their departments, priorities 100 … 150
    civil = HandlingUnit.objects.get(district=small.district, name="民政局")
    building = small.buildings[0]  # 社区1第1网格1号楼, in grid 1 of community 1
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")

    # The catalogue: a new category in 市政设施.
    page.goto(f"{live_server.url}/manage/catalogue/")
    expect(page.locator(f"#category-{catalogue['SZ01'].pk}")).to_contain_text("路灯不亮")
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "catalogue-desktop-list.png", full_page=True)
    page.locator("details.manage-new summary").first.click()
    page.locator("#new-category-group").select_option(str(catalogue["SZ"].pk))
    page.locator("#new-category-code").fill("SZ05")
    page.locator("#new-category-name").fill("护栏损坏")
    page.locator("#new-category-limit").fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="创建小类").click()
    category = Category.objects.get(district=small.district, code="SZ05")
    assert page.url == f"{live_server.url}/manage/catalogue/{category.pk}/"
    expect(page.locator("#time-limit-note")).to_contain_text("新时限只适用于此后受理的案件")

    # Its choice question.
    form = page.locator("#question-new form")
    expect(form).to_be_visible()
    form.locator("#q-new-label").fill("损坏程度")
    form.locator("#q-new-code").fill("damage")
    form.locator("#q-new-type").select_option("single")
    form.locator("#q-new-choices").fill("轻微\n严重")
    form.get_by_label("必须回答").check()
    with page.expect_navigation():
        form.get_by_role("button", name="添加该问题").click()
    expect(page.locator("#questions details.question")).to_have_count(1)
    expect(page.locator("#questions details.question summary")).to_contain_text("损坏程度")
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "catalogue-desktop-category.png", full_page=True)

    # A routing rule: this category in grid 1 of community 1 → 民政局, tried first.
    page.goto(f"{live_server.url}/manage/routing/")
    page.locator("#rule-new summary").click()
    page.locator("#new-priority").fill("5")
    page.locator("#new-category").select_option(str(category.pk))
    page.locator("#new-area").select_option(str(small.grids[0].pk))
    page.locator("#new-unit").select_option(str(civil.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="添加该规则").click()
    rule = RoutingRule.objects.get(district=small.district, category=category)
    expect(page.locator(f"#rule-{rule.pk}")).to_contain_text("民政局")

    # The tester: this category at the building, found by its name.
    page.locator("#test-category").select_option(str(category.pk))
    page.locator("#building-search").fill(building.name)
    choice = page.locator(f"#place-results button.place-choice[data-building='{building.pk}']")
    choice.click()
    expect(page.locator("#chosen-label")).to_contain_text(building.name)
    with page.expect_navigation():
        page.locator(".tester-form button[type=submit]").click()
    expect(page.locator(".route-answer")).to_contain_text("民政局")
    expect(page.locator(".route-answer")).to_contain_text("优先级为 5 的规则命中")
    expect(page.locator(f"#rule-{rule.pk}")).to_have_class("winner")
    expect(page.locator("ol.route-trace li.outcome-wins")).to_contain_text("护栏损坏")
    expect(page.locator("ol.route-trace li.outcome-not_tried")).to_have_count(6)
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "routing-desktop-tester.png", full_page=True)

    # A case filed in the new category is asked the question and goes to 民政局 once accepted.
    page.goto(f"{live_server.url}/cases/new/")
    page.locator("#category").select_option(str(category.pk))
    question = page.locator("#questions fieldset")
    expect(question).to_contain_text("损坏程度")
    question.get_by_label("严重").check()
    page.locator("#description").fill("路边护栏被撞坏")
    page.locator("#building-search").fill(building.name)
    page.locator(f"#place-results button.place-choice[data-building='{building.pk}']").click()
    with page.expect_navigation():
        page.locator("form.case-form button[type=submit].primary").click()
    case = Case.objects.get(category=category)
    assert page.url == f"{live_server.url}/cases/{case.pk}/"
    severe = next(c["key"] for c in category.questions.get().choices if c["name"] == "严重")
    assert case.answers == {"damage": severe}
    assert actions.accept(district_admin, case).unit == civil


@pytest.mark.parametrize("path", ["catalogue", "routing"])
def test_the_pages_read_on_a_phone(make_page, live_server, small, catalogue, district_admin, path):
    install_default_routing(small.district)
    actions.add_rule(
        district_admin,
        district=small.district,
        category=catalogue["SZ01"],
        area=small.grids[0],
        unit=HandlingUnit.objects.get(district=small.district, name="民政局"),
        priority=5,
    )
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "admin_d")
    query = f"?category={catalogue['SZ01'].pk}&building={small.buildings[0].pk}" if path == "routing" else ""
    page.goto(f"{live_server.url}/manage/{path}/{query}")
    expect(page.locator("h1")).to_be_visible()
    if path == "routing":
        expect(page.locator(".route-answer")).to_contain_text("民政局")
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / f"{path}-phone.png", full_page=True)
    if path == "catalogue":
        page.goto(f"{live_server.url}/manage/catalogue/{catalogue['SZ01'].pk}/")
        expect(page.locator("#time-limit-note")).to_be_visible()
        assert no_horizontal_scroll(page)
        page.screenshot(path=SCREENSHOTS / "catalogue-phone-category.png", full_page=True)
