"""On a 390 × 844 phone in Debian's Chromium: a volunteer signs up for an activity, the organiser
(the community's staff) checks them in and out from the activity's check-in list, the volunteer's
hours go up and the certificate of hours downloads as a PDF. Screenshots:
test-artifacts/screenshots/volunteers-*.png (and /tmp/shots_volunteers/)."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from wangge.volunteers import actions
from wangge.volunteers.tests.factories import station, volunteer
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll, open_menu

pytestmark = pytest.mark.browser
LOOKED_AT = Path("/tmp/shots_volunteers")


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"volunteers-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    LOOKED_AT.mkdir(exist_ok=True)
    shutil.copy(path, LOOKED_AT / path.name)


def test_a_volunteer_signs_up_is_checked_in_and_out_and_downloads_the_certificate(
    make_page, live_server, small, community_staff
):
    place = station(community_staff, small.communities[0])
    _volunteer, _user = volunteer(small, community_staff, place, "张志愿", household=0)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(9), tzinfo=timezone.get_current_timezone())
    activity = actions.create_activity(
        community_staff, place, title="探访独居老人", starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=2
    )

    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "v_张志愿")
    open_menu(phone)
    phone.get_by_role("link", name="志愿服务").click()
    shot(phone, "station")
    phone.get_by_role("link", name="探访独居老人").click()
    phone.get_by_test_id("signup").click()
    expect(phone.get_by_text("报名成功。")).to_be_visible()
    shot(phone, "signed-up")
    phone.goto(f"{live_server.url}/volunteers/hours/")
    assert phone.get_by_test_id("total-hours").inner_text() == "0.00"

    organiser = make_page(PHONE_390, mobile=True)
    log_in(organiser, live_server, "staff_1")
    with time_machine.travel(start - dt.timedelta(minutes=5), tick=True) as clock:
        organiser.goto(f"{live_server.url}/volunteers/activities/{activity.pk}/")
        expect(organiser.get_by_test_id("qr").locator("svg")).to_be_visible()
        organiser.get_by_test_id("checkin").click()
        expect(organiser.get_by_text("已签到。")).to_be_visible()
        shot(organiser, "checked-in")
        clock.move_to(start + dt.timedelta(hours=1, minutes=28))
        organiser.get_by_test_id("checkout").click()
        expect(organiser.get_by_text("已签退。")).to_be_visible()
        assert organiser.get_by_test_id("credited").inner_text() == "1.50"
        shot(organiser, "checked-out")

        phone.goto(f"{live_server.url}/volunteers/hours/")
        assert phone.get_by_test_id("total-hours").inner_text() == "1.50"
        shot(phone, "hours")
        with phone.expect_download() as download:
            phone.get_by_test_id("certificate").click()
        pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
