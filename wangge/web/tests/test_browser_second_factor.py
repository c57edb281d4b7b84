"""Two-factor login in Debian's Chromium on a 390 px phone: a grid worker asks to reveal a
resident's ID number, is sent to set up an authenticator app (the key read from the page, the
code computed with django-otp's own TOTP, as the phone's app would), keeps the recovery codes,
comes back to the resident and reveals; then, with the `login` policy, logs in again and is
asked for a code before any page, answered with a recovery code. Screenshots:
test-artifacts/screenshots/two-factor-*.png."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.conftest import PASSWORD
from wangge.people.models import RevealGrant
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, no_horizontal_scroll
from wangge.web.tests.conftest import id_number, zh

pytestmark = pytest.mark.browser

REASON = "核实高龄津贴申请材料"


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"two-factor-{name}.png", full_page=True)
    assert no_horizontal_scroll(page), name


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("worker_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()


def test_a_grid_worker_enrols_on_a_phone_reveals_and_later_logs_in_with_a_code(
    make_page, live_server, settings, populated, worker_a
):
    settings.REQUIRE_2FA = "reveal"
    resident = populated.resident
    person_url = f"{live_server.url}/people/{resident.pk}/"
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server)
    page.wait_for_url(f"{live_server.url}/")

    # Step-up: the reveal sends the worker to verify, and without an app to set one up.
    page.goto(person_url)
    reveal = page.get_by_test_id("reveal")
    reveal.locator("summary").click()
    reveal.locator("input[value=id_number]").check()
    page.locator("#reveal-reason").fill(REASON)
    reveal.get_by_role("button", name=zh("Show in clear")).click()
    page.wait_for_url("**/account/two-factor/setup/?next=*")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Set up two-factor login"))
    expect(page.get_by_test_id("qr")).to_be_visible()
    assert not RevealGrant.objects.exists()
    shot(page, "1-phone-setup")

    # The phone's app: the key typed by hand, the code it would show.
    key = page.get_by_test_id("key").inner_text().replace(" ", "")
    secret = b32decode(key + "=" * (-len(key) % 8))
    page.get_by_label(zh("Code from the app")).fill(f"{totp(secret):06d}")
    page.get_by_role("button", name=zh("Confirm")).click()
    expect(page.get_by_test_id("enrolled")).to_have_text(zh("Two-factor login is set up."))
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    shot(page, "2-phone-recovery-codes")
    page.get_by_role("link", name=zh("Continue")).click()
    page.wait_for_url(person_url)

    # Verified in this session: the reveal goes through.
    reveal = page.get_by_test_id("reveal")
    reveal.locator("summary").click()
    reveal.locator("input[value=id_number]").check()
    page.locator("#reveal-reason").fill(REASON)
    reveal.get_by_role("button", name=zh("Show in clear")).click()
    page.wait_for_url(person_url)
    expect(page.locator("main")).to_contain_text(id_number(1))
    assert RevealGrant.objects.filter(user=worker_a).count() == 1
    shot(page, "3-phone-revealed")

    # With the login policy, a new login asks for a code before the home page.
    settings.REQUIRE_2FA = "login"
    page.context.clear_cookies()
    log_in(page, live_server)
    page.wait_for_url("**/account/two-factor/verify/?next=*")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Confirm it is you"))
    page.get_by_label(zh("Code"), exact=True).fill("000000")
    page.get_by_role("button", name=zh("Confirm")).click()
    expect(page.locator("[data-code=second_factor_code_wrong]")).to_have_text(
        zh("The code is not right. Try the current code.")
    )
    shot(page, "4-phone-wrong-code")
    # The wrong code locks the app's codes for a second; a recovery code is checked on its own device.
    page.get_by_label(zh("Code"), exact=True).fill(recovery)
    page.get_by_role("button", name=zh("Confirm")).click()
    page.wait_for_url(f"{live_server.url}/")
    verified = AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_VERIFIED, actor=worker_a).last()
    assert verified is not None and verified.detail == {"kind": "recovery", "recovery_codes_left": 9}
