"""The whole case chain in Debian's Chromium: a resident reports on a phone (category with an
extra question, a place tapped on the map, a photo), the district admin accepts and dispatches on
a desktop, the department handles on a phone, the admin checks the result, the resident records
the return visit and the case is closed off; the public board shows it without personal data.
Screenshots go to test-artifacts/screenshots/ (case-*.png)."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from wangge.accounts.models import Role
from wangge.cases.models import Attachment, Case
from wangge.cases.tests.factories import IN_GRID_0
from wangge.cases.workflow import State
from wangge.conftest import make_persona
from wangge.web.tests.browser import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    log_in,
    no_horizontal_scroll,
    open_menu,
    state_is,
    take_step,
)
from wangge.web.tests.conftest import zh

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

RESIDENT_NAME = "王小明"


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"  # the point tapped on the map is the one stored


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (230, 160, 20)).save(out, format="PNG")
    return out.getvalue()


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"case-{name}.png", full_page=True)


def photo_loaded(page) -> bool:
    img = page.locator("ul.photos img").first
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=img.element_handle())
    return page.evaluate("img => img.naturalWidth > 0", img.element_handle())


def open_case(page, case: Case) -> None:
    page.get_by_role("link", name=case.number, exact=True).click()
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("h1")).to_contain_text(case.number)


def test_resident_report_to_closed_off(make_page, live_server, small, catalogue, district_admin, dept_a):
    resident = make_persona("resident", Role.RESIDENT, small.households[0])
    resident.display_name = RESIDENT_NAME
    resident.save(update_fields=["display_name"])

    # 1. The resident reports a broken street light on a phone.
    phone = make_page(PHONE, mobile=True)
    log_in(phone, live_server, "resident")
    phone.goto(f"{live_server.url}/cases/new/")
    expect(phone.locator("h1")).to_have_text(zh("Report a problem"))
    # The map has loaded its grids first: on in-memory SQLite the live server's threads share
    # one connection, and with the grids' request running alongside, the questions once came
    # back without their inputs (CI, SQLite).
    pick = phone.locator("#pick-map")
    expect(pick).to_have_attribute("data-state", "ready")
    # The extra questions of the category arrive through htmx.
    with phone.expect_response(lambda response: "/cases/new/questions/" in response.url) as answer:
        phone.locator("#category").select_option(label="路灯不亮")
    assert answer.value.ok
    since = phone.locator("#questions input[name=answer_since]")
    expect(since).to_have_count(3)
    phone.locator("#questions").get_by_label("今天", exact=True).check()
    phone.locator("#description").fill("小区东门口的路灯连续三晚不亮，行人看不清台阶。")

    pick.scroll_into_view_if_needed()
    point = phone.evaluate(
        "([lat, lng]) => { const p = document.getElementById('pick-map')._wanggeMap"
        ".latLngToContainerPoint([lat, lng]); return {x: p.x, y: p.y}; }",
        [IN_GRID_0[1], IN_GRID_0[0]],
    )
    box = pick.bounding_box()
    assert 0 < point["x"] < box["width"] and 0 < point["y"] < box["height"], (point, box)
    pick.tap(position=point)
    expect(phone.locator("#picked")).to_have_text(zh("Place marked on the map. Tap again to move it."))
    expect(pick.locator(".leaflet-marker-icon")).to_have_count(1)
    lng, lat = float(phone.input_value("#lng")), float(phone.input_value("#lat"))
    assert abs(lng - IN_GRID_0[0]) < 0.0005 and abs(lat - IN_GRID_0[1]) < 0.0005, (lng, lat)

    phone.locator("#photos").set_input_files(files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": png()}])
    assert no_horizontal_scroll(phone)
    shot(phone, "1-phone-resident-filling")
    phone.get_by_role("button", name=zh("Report"), exact=True).click()
    phone.wait_for_url(re.compile(r"/cases/\d+/$"))

    case = Case.objects.get()
    assert case.reporter == resident and case.grid_id == small.grids[0].pk
    assert case.answers == {"since": "today"}
    assert Attachment.objects.filter(case=case).count() == 1
    expect(phone.locator(".message.success")).to_contain_text(case.number)
    expect(phone.locator("h1")).to_contain_text(case.number)
    state_is(phone, State.REPORTED)
    expect(phone.locator("dl.facts")).to_contain_text("从什么时候开始")
    expect(phone.locator("dl.facts")).to_contain_text("今天")
    expect(phone.locator("#case-map")).to_have_attribute("data-state", "ready")
    assert photo_loaded(phone)
    phone.evaluate("window.scrollTo(0, 0)")
    assert no_horizontal_scroll(phone)
    shot(phone, "2-phone-resident-filed")

    # 2. The district admin accepts and dispatches on a desktop.
    desk = make_page(DESKTOP)
    log_in(desk, live_server, "admin_d")
    desk.goto(f"{live_server.url}/cases/?list=dispatch")
    expect(desk.locator("nav.tabs a[aria-current=page]")).to_have_text(zh("Dispatch queue"))
    open_case(desk, case)
    assert photo_loaded(desk)
    take_step(desk, "accept")
    state_is(desk, State.ACCEPTED)
    take_step(desk, "dispatch")
    state_is(desk, State.DISPATCHED)
    expect(desk.locator("dl.facts")).to_contain_text("城市管理局")
    kinds = desk.locator("ol.timeline li strong")
    expect(kinds.first).to_have_text(zh("Filed"))
    expect(kinds.filter(has_text=zh("Routed"))).to_have_count(1)
    # A state change reads as the state it led to.
    expect(kinds.filter(has_text=zh(State.ACCEPTED.label))).to_have_count(1)
    expect(kinds.last).to_have_text(zh(State.DISPATCHED.label))
    shot(desk, "3-desktop-admin-dispatched")

    # 3. The department handles it on a phone.
    dept = make_page(PHONE, mobile=True)
    log_in(dept, live_server, "dept_a")
    dept.goto(f"{live_server.url}/cases/?list=inbox")
    expect(dept.locator("nav.tabs a[aria-current=page]")).to_have_text(zh("My unit's inbox"))
    assert no_horizontal_scroll(dept)
    shot(dept, "4-phone-department-inbox")
    open_case(dept, case)
    take_step(dept, "start")
    state_is(dept, State.IN_PROGRESS)
    take_step(
        dept, "handle", lambda form: form.locator("#handle-result").fill("已更换路灯灯泡并检修线路，当晚恢复照明。")
    )
    state_is(dept, State.HANDLED)
    assert no_horizontal_scroll(dept)
    shot(dept, "5-phone-department-handled")

    # 4. The admin checks the result.
    desk.reload()
    take_step(desk, "verify", lambda form: form.get_by_label(zh("Yes, passed")).check())
    state_is(desk, State.VERIFIED)

    # 5. The resident finds the case among their reports and records the return visit.
    open_menu(phone)
    phone.locator("nav.main-nav").get_by_role("link", name=zh("Cases"), exact=True).click()
    phone.wait_for_url(re.compile(r"/cases/"))
    expect(phone.locator("nav.tabs a[aria-current=page]")).to_have_text(zh("Cases I reported or filed"))
    assert no_horizontal_scroll(phone)
    shot(phone, "6-phone-resident-my-reports")
    open_case(phone, case)

    def satisfied(form):
        form.get_by_label(zh("Satisfied"), exact=True).check()
        form.locator("#visit-comment").fill("修得很快，谢谢！")

    take_step(phone, "visit", satisfied)
    state_is(phone, State.CLOSED)
    assert zh("Closed off") == "已销号"
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.closed_at is not None
    timeline = phone.locator("ol.timeline li")
    expect(timeline.filter(has_text="修得很快")).to_have_count(1)
    expect(timeline.last.locator("strong")).to_have_text(zh(State.CLOSED.label))
    expect(timeline.filter(has_text=zh("Routed"))).to_have_count(0)  # internal: not for the reporter
    expect(phone.locator("ol.timeline")).not_to_contain_text("admin_d")  # no staff names for the reporter
    assert no_horizontal_scroll(phone)
    shot(phone, "7-phone-resident-closed")

    # 6. Anyone sees it on the public board, without the resident's name.
    public = make_page(PHONE, mobile=True)
    public.goto(f"{live_server.url}/board/")
    assert "/login/" not in public.url
    row = public.locator("table.board tbody tr", has_text=case.number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("路灯不亮")
    expect(row.locator(".state")).to_have_text(zh("Closed off"))
    expect(public.locator("#board-map")).to_have_attribute("data-state", "ready")
    assert public.locator("#board-map").get_attribute("data-features") == "1"
    body = public.locator("body").inner_text()
    assert RESIDENT_NAME not in body and "resident" not in body
    assert "小区东门口" not in body  # the description may name people or places: not public
    assert no_horizontal_scroll(public)
    shot(public, "8-phone-public-board")
