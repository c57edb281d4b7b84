"""On a 390 × 844 phone in Debian's Chromium: a retired member registers with their community,
makes a commitment, offers a service and records it with its hours; the community's staff see
the member waiting, confirm the registration and the service. Screenshots:
test-artifacts/screenshots/members-*.png."""

import pytest
from playwright.sync_api import expect

from wangge.team.models import Registration, RegistrationStatus, Wish, WishStatus
from wangge.team.tests.factories import member_account
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"members-{name}.png"), full_page=True)


def test_a_retired_member_registers_commits_and_serves_and_the_staff_confirm_on_a_phone(
    make_page, live_server, small, community_staff
):
    _user, profile = member_account(small, "tuixiu", kind="retired")
    member = make_page(PHONE_390, mobile=True)
    log_in(member, live_server, "tuixiu")
    member.goto(f"{live_server.url}/members/mine/")
    member.get_by_text("向社区报到", exact=True).click()
    member.get_by_test_id("register").click()
    expect(member.get_by_text("报到成功，社区工作人员将予以确认。")).to_be_visible()
    member.get_by_text("作出承诺", exact=True).click()
    member.get_by_label("我承诺").fill("每周二下午为社区老人教太极拳")
    member.get_by_label("至", exact=True).fill("2027-06-30")
    member.get_by_test_id("commit").click()
    expect(member.get_by_text("您的承诺已记录。")).to_be_visible()
    member.get_by_text("提供服务", exact=True).click()
    member.get_by_label("服务内容").fill("陪独居老人聊天读报")
    member.get_by_test_id("offer").click()
    expect(member.get_by_text("您的服务已发布。")).to_be_visible()
    offer = Wish.objects.get(claimant__username="tuixiu")
    member.locator(f"#note-{offer.pk}").fill("陪王奶奶读报两小时")
    member.locator(f"#hours-{offer.pk}").fill("2")
    shot(member, "mine")
    member.get_by_test_id("service-done").click()
    expect(member.get_by_text("服务及时长已记录。")).to_be_visible()

    staff = make_page(PHONE_390, mobile=True)
    log_in(staff, live_server, "staff_1")
    staff.goto(f"{live_server.url}/members/community/")
    expect(staff.locator("[data-testid=member-line][data-state=registered]")).to_have_count(1)
    shot(staff, "community")
    staff.get_by_test_id("confirm-registration").click()
    expect(staff.get_by_text("报到已确认。")).to_be_visible()
    staff.get_by_test_id("confirm-service").click()
    expect(staff.get_by_text("服务已确认。")).to_be_visible()
    shot(staff, "community-confirmed")
    assert Registration.objects.get(member=profile).status == RegistrationStatus.CONFIRMED
    assert Wish.objects.get(pk=offer.pk).status == WishStatus.CONFIRMED
