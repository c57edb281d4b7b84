"""Helpers of the browser tests: the viewports, logging in through the form, waiting for a map,
taking a step of a case, and where screenshots go. The browser itself and its pages are fixtures in `conftest.py`."""

from pathlib import Path

from django.utils import translation
from playwright.sync_api import expect

from wangge.cases.workflow import State
from wangge.conftest import PASSWORD
from wangge.web.cases import STEP_LABELS

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"

PHONE = {"width": 375, "height": 812}
PHONE_390 = {"width": 390, "height": 844}
OFFICE = {"width": 1366, "height": 900}
DESKTOP = {"width": 1280, "height": 800}


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_label("用户名").is_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def open_menu(page) -> None:
    """On a phone the header's menu folds behind a button: unfold it (nothing on a wide screen)."""
    button = page.locator("header .menu-button")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()


def header_height(page) -> float:
    return page.evaluate("document.querySelector('header.site-header').getBoundingClientRect().height")


def wait_for_map(page, selector: str) -> int:
    page.wait_for_selector(f"{selector}[data-state=ready]")
    return int(page.locator(selector).get_attribute("data-features"))


def no_horizontal_scroll(page) -> bool:
    # Against the screen too: an emulated phone (is_mobile) widens its layout viewport to fit
    # content wider than the screen, so innerWidth alone would grow with the overflow.
    return page.evaluate("document.documentElement.scrollWidth <= Math.min(window.innerWidth, screen.width) + 1")


def zh_label(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def state_is(page, state: State) -> None:
    expect(page.get_by_test_id("state")).to_have_text(zh_label(state.label))


def take_step(page, step: str, fill=None) -> None:
    """Open the step's <details>, let `fill` fill its form, submit, and wait for the page to come back."""
    details = page.locator(f"details.step[data-step={step}]")
    details.locator("summary").click()
    expect(details.locator("form")).to_be_visible()
    if fill:
        fill(details)
    with page.expect_navigation():
        details.locator("button[type=submit]").click()
    expect(page.locator(".message.success")).to_contain_text(zh_label(STEP_LABELS[step]))
