"""The Content Security Policy in Debian's Chromium: the main pages of every part of the site
(home, cases, a case, the maps, field work, residents, imports, administration, the login and
error pages) open, run their scripts and draw their maps without one violation reported — no
inline script, style or handler left that the policy would refuse."""

import pytest

from wangge.cases.tests.factories import file
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

# Collected in the page before any of its own scripts runs.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " "
    + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


def open_page(page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status in (200, 404), f"{url}: {response and response.status}"
    assert "script-src" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    # Every map drawn (its layers fetched and laid out), or failed.
    page.wait_for_function("() => !document.querySelector('[data-state=loading]')")
    page.wait_for_timeout(200)
    problems.extend(f"{url}: {v}" for v in page.evaluate("window.__violations"))


def watched(make_page, viewport, *, mobile: bool = False):
    page = make_page(viewport, mobile=mobile)
    problems: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    return page, problems


def test_the_main_pages_report_no_csp_violation(
    make_page, live_server, small, catalogue, district_admin, worker_a, populated
):
    case = file(small, catalogue)
    grid = small.grids[0]
    building = next(b for b in small.buildings if b.grid_id == grid.pk)
    household = next(h for h in small.households if h.building_id == building.pk)
    base = live_server.url

    page, problems = watched(make_page, OFFICE)
    open_page(page, f"{base}/login/", problems)
    open_page(page, f"{base}/board/", problems)
    open_page(page, f"{base}/no-such-page/", problems)
    log_in(page, live_server, district_admin.username)
    for path in [
        "/",
        "/cases/",
        f"/cases/{case.pk}/",
        "/cases/map/",
        "/cases/new/",
        f"/areas/{grid.pk}/",
        "/coverage/",
        "/people/",
        f"/people/{populated.resident.pk}/",
        "/imports/",
        "/units/",
        "/notifications/",
        "/manage/",
        "/manage/users/",
        "/account/two-factor/",
        "/account/two-factor/setup/",
        "/manage/catalogue/",
        "/manage/routing/",
        "/manage/calendar/",
        "/manage/organisation/",
        "/manage/onboarding/",
        "/manage/keys/",
        "/manage/checklist/",
        f"/fieldwork/grids/{grid.pk}/team/",
        f"/fieldwork/grids/{grid.pk}/qr/",
        f"/fieldwork/compliance/?area={grid.pk}",
    ]:
        open_page(page, base + path, problems)
    page.goto(f"{base}/fieldwork/grids/{grid.pk}/qr/")
    assert page.locator("button[data-print]").is_visible()  # print.js ran
    page.screenshot(path=SCREENSHOTS / "csp-qr-sheet.png")

    phone, on_phone = watched(make_page, PHONE_390, mobile=True)
    log_in(phone, live_server, worker_a.username)
    open_menu(phone)
    assert phone.locator("header .menu-button").get_attribute("aria-expanded") == "true"  # menu.js ran
    assert no_horizontal_scroll(phone)
    phone.screenshot(path=SCREENSHOTS / "csp-phone-menu.png")
    for path in [
        "/fieldwork/",
        f"/fieldwork/grids/{grid.pk}/briefing/",
        f"/fieldwork/grids/{grid.pk}/patrol/",
        f"/fieldwork/grids/{grid.pk}/visits/",
        f"/fieldwork/checkin/{building.pk}/",
        f"/fieldwork/households/{household.pk}/visit/",
        "/fieldwork/offline/",
        "/cases/new/",
    ]:
        open_page(phone, base + path, on_phone)
    # The briefing's "add a task" (briefing.js) shows a hidden row.
    phone.goto(f"{base}/fieldwork/grids/{grid.pk}/briefing/")
    hidden = phone.locator(".fw-task[hidden]").count()
    if hidden:
        phone.locator("#add-task").tap()
        assert phone.locator(".fw-task[hidden]").count() == hidden - 1
    on_phone.extend(phone.evaluate("window.__violations"))

    assert problems == [] and on_phone == []
