"""On a 390 × 844 phone in Debian's Chromium: a resident posts a small wish, a member of the
community claims and fulfils it with a photo, the resident confirms, and the member's and the
community's practical things done go up by one. Screenshots: test-artifacts/screenshots/wishes-*.png."""

import pytest
from playwright.sync_api import expect

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.team.models import Wish, WishStatus
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll, open_menu

pytestmark = pytest.mark.browser

# A 1 × 1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"wishes-{name}.png"), full_page=True)


def test_a_resident_posts_a_wish_a_member_fulfils_it_and_the_counts_go_up(
    make_page, live_server, small, resident, media, tmp_path
):
    make_persona("member_1", Role.MEMBER, small.communities[0])
    make_persona("member_far", Role.MEMBER, small.communities[1])
    home = make_page(PHONE_390, mobile=True)
    log_in(home, live_server, "resident")
    open_menu(home)
    home.get_by_role("link", name="微心愿").click()
    home.get_by_label("需要什么帮助").fill("家里灯泡坏了，老人够不着，想请人帮忙换一下")
    shot(home, "post")
    home.get_by_role("button", name="发布").click()
    expect(home.get_by_text("您的心愿已发布。")).to_be_visible()

    far = make_page(PHONE_390, mobile=True)
    log_in(far, live_server, "member_far")
    far.goto(f"{live_server.url}/wishes/")
    assert far.locator("[data-testid=claim]").count() == 0

    member = make_page(PHONE_390, mobile=True)
    log_in(member, live_server, "member_1")
    member.goto(f"{live_server.url}/wishes/")
    assert member.get_by_test_id("deeds-mine").inner_text() == "0"
    before = int(member.get_by_test_id("deeds-community").inner_text())
    shot(member, "to-claim")
    member.locator("[data-testid=claim]").click()
    expect(member.get_by_text("您已认领该心愿。")).to_be_visible()
    member.get_by_label("处置结果").fill("已上门换了节能灯泡")
    photo = tmp_path / "bulb.png"
    photo.write_bytes(PNG)
    member.get_by_label("照片（可不传）").set_input_files(str(photo))
    shot(member, "fulfil")
    member.locator("[data-testid=fulfil]").click()
    expect(member.get_by_text("心愿已完成。")).to_be_visible()

    home.goto(f"{live_server.url}/wishes/")
    home.locator("[data-testid=confirm]").click()
    expect(home.get_by_text("谢谢：心愿已确认。")).to_be_visible()
    shot(home, "confirmed")
    wish = Wish.objects.get()
    assert wish.status == WishStatus.CONFIRMED and wish.photo.name

    member.goto(f"{live_server.url}/wishes/")
    assert member.get_by_test_id("deeds-mine").inner_text() == "1"
    assert int(member.get_by_test_id("deeds-community").inner_text()) == before + 1
