"""The street-lamp task of issue 13, on the reference district as `wangge demo` builds it and
with the accounts it prints: a resident tells the grid worker that the street lamp at 3号楼 is
broken; the grid worker files it on a 390 × 844 phone from the home page in at most 12 taps and
fields; community staff accept and dispatch it, the department the rules route it to (住建局)
handles it on a phone, community staff check it and record the return visit with the resident
who reported it; the grid worker, told it is closed, finds it as done from the home page.

The taps and fields of the filing are counted and printed; screenshots go to
test-artifacts/screenshots/lamp-*.png."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from wangge.accounts.models import User
from wangge.cases.models import Case, Notification
from wangge.cases.workflow import State
from wangge.conftest import FAST_HASHERS, PASSWORD
from wangge.demo.blueprint import ScaleSpec
from wangge.demo.generator import build_reference_district, demo_accounts
from wangge.web.tests.browser import (
    OFFICE,
    PHONE_390,
    SCREENSHOTS,
    log_in,
    no_horizontal_scroll,
    state_is,
    take_step,
)
from wangge.web.tests.conftest import zh

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

# The small scale's shape with fewer households: two groups of two buildings in every grid, so
# that every grid has a 3号楼.
LAMP_SCALE = ScaleSpec(
    households=3_200, groups_per_grid=(2, 2), buildings_per_group=(2, 2), units=(1, 1), floors=(2, 3)
)
MOST_TAPS_AND_FIELDS = 12
RESIDENT, RESIDENT_PHONE = "李桂兰", "13912345678"


@pytest.fixture
def demo(transactional_db, settings):
    settings.MAP_TILE_CRS = "wgs84"
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        result = build_reference_district("small", spec=LAMP_SCALE, password=PASSWORD)
    return {a.username: a for a in demo_accounts(result.district, PASSWORD, check=False)}


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"lamp-{name}.png", full_page=True)


def open_case(page, case: Case) -> None:
    page.get_by_role("link", name=case.number, exact=True).first.click()
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("h1")).to_contain_text(case.number)


def test_the_street_lamp_at_3号楼_from_the_grid_workers_home_to_done(make_page, live_server, demo):
    # The accounts the demo prints: the grid worker, community staff and 住建局's staff.
    assert demo["grid_worker"].role_label == "网格员"
    assert demo["community_staff"].role_label == "社区党委/居委会工作人员"
    assert demo["dept_zhujian"].scope_path.endswith("住房和城乡建设局")
    worker = User.objects.get(username="grid_worker")

    # 1. The grid worker files it on a phone, from the home page.
    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "grid_worker")
    taps = fields = 0
    phone.get_by_test_id("report").tap()
    taps += 1
    phone.wait_for_url(re.compile(r"/cases/new/$"))
    expect(phone.locator("#pick-map")).to_have_attribute("data-state", "ready")

    # Typing 路灯 leaves one category, which is chosen; its questions arrive through htmx.
    with phone.expect_response(lambda response: "/cases/new/questions/" in response.url):
        phone.locator("#category-filter").fill("路灯")
    fields += 1
    expect(phone.locator("#category option:checked")).to_have_text("路灯不亮")
    phone.locator("#questions").get_by_label("今天", exact=True).tap()
    taps += 1
    phone.locator("#description").fill("3号楼门前的路灯不亮，晚上看不清台阶")
    fields += 1

    with phone.expect_response(lambda response: "/places/buildings/" in response.url):
        phone.locator("#building-search").fill("3号")
    fields += 1
    building = phone.locator("#place-results button.place-choice").first
    expect(building).to_contain_text("3号楼")
    building.tap()
    taps += 1
    expect(phone.locator("#chosen-label")).to_contain_text("南苑社区第1网格 3号楼")

    # The resident who said it, for the return visit (stored encrypted, shown masked).
    phone.locator("#reporter_name").fill(RESIDENT)
    fields += 1
    phone.locator("#reporter_contact").fill(RESIDENT_PHONE)
    fields += 1
    assert no_horizontal_scroll(phone)
    shot(phone, "1-phone-grid-worker-filling")
    with phone.expect_navigation():
        phone.get_by_role("button", name=zh("Report"), exact=True).tap()
    taps += 1
    expect(phone.locator("p.error")).to_have_count(0)
    if phone.locator("#dup-title").count():
        # An open 路灯不亮 in the same grid is offered first; this is a different lamp.
        shot(phone, "2-phone-grid-worker-duplicates")
        expect(phone.locator("#building")).to_have_value(re.compile(r"\d+"))  # nothing typed is lost
        phone.locator("input[name=confirm_new]").tap()
        taps += 1
        with phone.expect_navigation():
            phone.get_by_role("button", name=zh("Report"), exact=True).tap()
        taps += 1
    phone.wait_for_url(re.compile(r"/cases/\d+/$"))
    print(f"\nStreet lamp at 3号楼, filed from the home page: {taps} taps + {fields} fields = {taps + fields}")
    assert taps + fields <= MOST_TAPS_AND_FIELDS

    case = Case.objects.select_related("building", "grid", "unit").get(pk=int(phone.url.rstrip("/").split("/")[-1]))
    assert (case.building.name, case.grid.name, case.category.code) == ("3号楼", "南苑社区第1网格", "SZ01")
    assert case.filed_by == worker and case.reporter_name == RESIDENT
    assert RESIDENT_PHONE not in case.reporter_contact_masked
    state_is(phone, State.REPORTED)
    shot(phone, "3-phone-grid-worker-filed")

    # 2. Community staff accept and dispatch it on a desktop; the rules route it to 住建局.
    desk = make_page(OFFICE)
    log_in(desk, live_server, "community_staff")
    desk.goto(f"{live_server.url}/cases/?list=dispatch")
    open_case(desk, case)
    take_step(desk, "accept")
    take_step(desk, "dispatch")
    state_is(desk, State.DISPATCHED)
    expect(desk.locator("dl.facts")).to_contain_text("住房和城乡建设局")

    # 3. 住建局's staff handle it on a phone.
    dept = make_page(PHONE_390, mobile=True)
    log_in(dept, live_server, "dept_zhujian")
    dept.goto(f"{live_server.url}/cases/?list=inbox")
    open_case(dept, case)
    take_step(dept, "start")
    take_step(dept, "handle", lambda form: form.locator("#handle-result").fill("已更换灯泡并检修线路，当晚恢复照明。"))
    state_is(dept, State.HANDLED)
    shot(dept, "4-phone-department-handled")

    # 4. Community staff check the result and call the resident back.
    desk.reload()
    take_step(desk, "verify", lambda form: form.get_by_label(zh("Yes, passed")).check())
    state_is(desk, State.VERIFIED)
    facts = desk.locator("dl.facts")
    expect(facts).to_contain_text(RESIDENT)  # whom to call, by name …
    expect(facts).to_contain_text(case.reporter_contact_masked)  # … and the masked number
    expect(facts).not_to_contain_text(RESIDENT_PHONE)

    def satisfied(form):
        form.get_by_label(zh("Satisfied"), exact=True).check()
        form.locator("#visit-comment").fill("居民说灯已经亮了")

    take_step(desk, "visit", satisfied)
    state_is(desk, State.CLOSED)
    shot(desk, "5-desktop-community-closed")

    # 5. The grid worker is told, and finds the case as done from the home page.
    assert Notification.objects.filter(user=worker, case=case).exists()
    phone.locator("header a.brand").tap()  # home, from the case page it was left on
    phone.wait_for_url(f"{live_server.url}/")
    expect(phone.get_by_test_id("unread")).to_be_visible()
    phone.get_by_test_id("done").tap()
    expect(phone.get_by_role("link", name=case.number, exact=True)).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "6-phone-grid-worker-done")
    open_case(phone, case)
    state_is(phone, State.CLOSED)
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.unit.name == "住房和城乡建设局"
