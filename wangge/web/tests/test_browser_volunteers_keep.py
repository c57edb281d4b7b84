"""On a 390 × 844 phone in Debian's Chromium: the community's staff create an activity from the
station page and it appears there; the team, registration, approval queue and public
certificate check fit the phone. Screenshots: test-artifacts/screenshots/volunteers-keep-*.png
(and /tmp/shots_vol2/)."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.volunteers import actions
from wangge.volunteers.models import Activity
from wangge.volunteers.tests.factories import station, team, volunteer
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser
LOOKED_AT = Path("/tmp/shots_vol2")


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"volunteers-keep-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    LOOKED_AT.mkdir(exist_ok=True)
    shutil.copy(path, LOOKED_AT / path.name)


def test_staff_create_an_activity_on_a_phone_and_it_appears_on_the_station_page(
    make_page, live_server, small, community_staff
):
    place = station(community_staff, small.communities[0])
    team(community_staff, place, name="健康服务队")
    _volunteer, user = volunteer(small, community_staff, place, "张志愿", household=0)
    actions.log_hours(user, day=timezone.localdate(), hours=2, what="助老")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "staff_1")
    phone.goto(f"{live_server.url}/volunteers/")
    shot(phone, "station")
    phone.get_by_test_id("activity-new").click()
    phone.get_by_label("标题").fill("社区义诊")
    phone.get_by_label("服务队").select_option(label="健康服务队")
    phone.get_by_label("地点").fill("社区广场")
    phone.get_by_label("日期").fill(tomorrow.isoformat())
    phone.get_by_label("开始时间").fill("09:00")
    phone.get_by_label("结束时间").fill("11:30")
    phone.get_by_label("名额").fill("8")
    shot(phone, "activity-form")
    phone.get_by_test_id("activity-save").click()
    expect(phone.get_by_text("活动已创建。")).to_be_visible()
    created = Activity.objects.get(title="社区义诊")
    assert created.capacity == 8 and created.team is not None
    phone.goto(f"{live_server.url}/volunteers/")
    expect(phone.locator(f'[data-activity="{created.pk}"]')).to_contain_text("社区义诊")
    shot(phone, "station-with-activity")

    phone.get_by_test_id("register").click()
    phone.get_by_label("查找本社区居民：姓名（或拼音）、地址或身份证号后四位").fill("张")
    phone.get_by_role("button", name="查找").click()
    expect(phone.get_by_text("已登记为志愿者。")).to_be_visible()
    shot(phone, "register")
    phone.goto(f"{live_server.url}/volunteers/approvals/")
    phone.get_by_test_id("approve").click()
    expect(phone.get_by_test_id("queue-empty")).to_be_visible()
    shot(phone, "approvals")

    certificate = actions.issue_certificate(user, _volunteer, tomorrow.replace(month=1, day=1), tomorrow)
    public = make_page(PHONE_390, mobile=True)
    public.goto(f"{live_server.url}/volunteers/certificates/verify/?code={certificate.code}")
    expect(public.get_by_test_id("verified")).to_contain_text("张**")
    shot(public, "verify")
