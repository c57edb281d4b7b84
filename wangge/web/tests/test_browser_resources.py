"""A resident books the school's sports ground on a 390 × 844 phone, the school approves and checks
them in on a 1366-wide screen, and the community's utilisation moves. Screenshots go to
test-artifacts/screenshots/resources-*.png."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.orgs.actions import create_resident_unit
from wangge.resources import actions
from wangge.resources.models import Booking, BookingStatus
from wangge.resources.tests.factories import facility
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"resources-{name}.png", full_page=True)


def test_a_resident_books_on_a_phone_the_owner_approves_and_checks_in_and_utilisation_moves(
    make_page, live_server, small, resident, community_staff
):
    school = create_resident_unit(None, area=small.grids[0], name="第一中学", kind="学校")
    owner = make_persona("school", Role.RESIDENT_UNIT, small.grids[0])
    actions.add_unit_account(community_staff, school, owner)
    ground = facility(community_staff, small.grids[0], owner_unit=school, needs_approval=True, rules="请穿运动鞋。")
    facility(community_staff, small.grids[0], name="社区图书室", kind="library")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "resident")
    phone.goto(f"{live_server.url}/resources/")
    expect(phone.get_by_test_id("facility")).to_have_count(2)
    shot(phone, "catalogue-390")
    phone.get_by_role("link", name="学校运动场").tap()
    phone.locator("input[name=day]").fill(tomorrow.isoformat())
    phone.locator("input[name=starts]").fill("09:00")
    phone.locator("input[name=ends]").fill("10:00")
    phone.locator("input[name=purpose]").fill("篮球训练")
    with phone.expect_navigation():
        phone.get_by_role("button", name="预约", exact=True).tap()
    expect(phone.locator(".messages")).to_contain_text("待设施所属单位审批")
    expect(phone.get_by_test_id("my-booking")).to_contain_text("已申请")
    shot(phone, "facility-390")

    office = make_page(OFFICE)
    log_in(office, live_server, "school")
    office.goto(f"{live_server.url}/resources/bookings/")
    with office.expect_navigation():
        office.get_by_role("button", name="批准", exact=True).click()
    assert Booking.objects.get().status == BookingStatus.APPROVED

    staff = make_page(OFFICE)
    log_in(staff, live_server, "staff_1")
    period = f"?from={tomorrow.isoformat()}&to={tomorrow.isoformat()}"
    staff.goto(f"{live_server.url}/resources/utilisation/{period}")
    expect(staff.get_by_test_id("total")).to_contain_text("使用 0 小时")

    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9, 5)))
    with time_machine.travel(start):
        office.goto(f"{live_server.url}/resources/bookings/")
        shot(office, "bookings-1366")
        with office.expect_navigation():
            office.get_by_role("button", name="签到", exact=True).click()
        assert Booking.objects.get().status == BookingStatus.CHECKED_IN
    staff.goto(f"{live_server.url}/resources/utilisation/{period}")
    expect(staff.get_by_test_id("total")).to_contain_text("使用率 4%")
    expect(staff.get_by_test_id("total")).to_contain_text("使用 1 小时")
    shot(staff, "utilisation-1366")
    assert ground.pk == Booking.objects.get().facility_id
