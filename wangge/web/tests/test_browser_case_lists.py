"""Finding a case again on a 390 × 844 phone: the grid worker opens the cases page (an overdue
card's red bar beside its number, not over it), taps the finished tab and finds the case closed
yesterday by the last digits of its number. Screenshots: test-artifacts/screenshots/lists-*.png."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.cases import actions
from wangge.cases.models import Case, Category, Channel
from wangge.cases.queries import Worklist
from wangge.cases.tests.factories import IN_GRID_0
from wangge.web.tests.browser import SCREENSHOTS, log_in, no_horizontal_scroll
from wangge.web.tests.conftest import zh

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

PHONE_390 = {"width": 390, "height": 844}
DESK_1366 = {"width": 1366, "height": 900}


def file(user, description: str, offset: float = 0.0) -> Case:
    category = Category.objects.get(code="SZ01")
    return actions.file_case(
        user,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description=description,
        lng=IN_GRID_0[0] + offset,
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )


def closed(case: Case, admin, dept) -> Case:
    case = actions.dispatch(admin, actions.accept(admin, case))
    case = actions.handle(dept, actions.start(dept, case), result="已更换灯泡")
    case = actions.verify(admin, case, passed=True)
    return actions.record_visit(admin, case, result="satisfied", by_phone=True)


def test_the_grid_worker_finds_a_finished_case_by_the_last_digits_of_its_number(
    make_page, live_server, small, catalogue, worker_a, district_admin, dept_a
):
    wanted = closed(file(worker_a, "3号楼东门路灯不亮，晚上看不清台阶"), district_admin, dept_a)
    for n in range(3):
        closed(file(worker_a, f"2号楼路灯闪烁第{n}处", 0.0005 * (n + 1)), district_admin, dept_a)
    late = actions.accept(district_admin, file(worker_a, "小区南门路灯不亮", 0.002))
    actions.sweep_overdue(now=timezone.now() + dt.timedelta(days=30))
    assert Case.objects.get(pk=late.pk).overdue
    last_digits = wanted.number.rsplit("-", 1)[1]

    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "worker_a")
    phone.goto(f"{live_server.url}/cases/")
    taps = 0

    # The overdue card: its red bar lies left of the number, which is read whole.
    card = phone.locator("tr.row-overdue").first
    expect(card).to_contain_text(late.number)
    number = card.get_by_role("link", name=late.number, exact=True).bounding_box()
    row = card.bounding_box()
    assert number is not None and row is not None
    assert number["x"] >= row["x"] + 8, (number, row)  # the 4 px bar and some room
    expect(card.locator(".excerpt")).to_have_text("小区南门路灯不亮")
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "lists-1-phone-grid-overdue.png", full_page=True)

    phone.locator("nav.tabs").get_by_role("link", name=zh(Worklist.DONE.label)).click()
    taps += 1
    phone.wait_for_url(re.compile(r"list=done"))
    expect(phone.get_by_test_id("case-row")).to_have_count(4)
    phone.get_by_test_id("search").fill(last_digits)
    taps += 1
    phone.get_by_role("button", name=zh("Search")).click()
    taps += 1
    phone.wait_for_url(re.compile(rf"q={last_digits}"))
    rows = phone.get_by_test_id("case-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(wanted.number)
    expect(rows.first).to_contain_text("3号楼东门路灯不亮")
    expect(rows.first).to_contain_text(zh("Closed off"))
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "lists-2-phone-found-by-last-digits.png", full_page=True)

    phone.get_by_role("link", name=wanted.number, exact=True).click()
    taps += 1
    phone.wait_for_url(re.compile(rf"/cases/{wanted.pk}/$"))
    expect(phone.locator("h1")).to_contain_text(wanted.number)
    print(f"From the cases page to the finished case: {taps} taps and fields")
    assert taps <= 4

    # The district's finished cases at an office screen: one row each, readable.
    desk = make_page(DESK_1366)
    log_in(desk, live_server, "admin_d")
    desk.goto(f"{live_server.url}/cases/?list=done")
    expect(desk.get_by_test_id("case-row")).to_have_count(4)
    expect(desk.get_by_test_id("case-row").first).not_to_contain_text(late.number)
    assert no_horizontal_scroll(desk)
    desk.screenshot(path=SCREENSHOTS / "lists-3-desktop-finished.png", full_page=True)
