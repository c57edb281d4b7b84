"""The school's account edits its sports ground on a 390 × 844 phone: shortens Sunday's hours,
uploads a photo, and a resident sees the photo on the facility page. Screenshots go to
test-artifacts/screenshots/resources-edit-*.png."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.orgs.actions import create_resident_unit
from wangge.resources import actions
from wangge.resources.models import FacilityPhoto
from wangge.resources.tests.factories import facility
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"resources-edit-{name}.png", full_page=True)


def test_the_owner_edits_hours_and_adds_a_photo_on_a_phone_and_a_resident_sees_it(
    make_page, live_server, small, resident, community_staff, tmp_path
):
    school = create_resident_unit(None, area=small.grids[0], name="第一中学", kind="学校")
    owner = make_persona("school", Role.RESIDENT_UNIT, small.grids[0])
    actions.add_unit_account(community_staff, school, owner)
    ground = facility(community_staff, small.grids[0], owner_unit=school, rules="请穿运动鞋。")
    photo = tmp_path / "ground.jpg"
    Image.new("RGB", (800, 600), (40, 140, 60)).save(photo, format="JPEG")

    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "school")
    phone.goto(f"{live_server.url}/resources/facilities/{ground.pk}/")
    phone.get_by_test_id("edit-facility").tap()
    phone.get_by_test_id("hours-6").fill("09:00-12:00")
    with phone.expect_navigation():
        phone.get_by_role("button", name="保存", exact=True).tap()
    expect(phone.locator(".messages")).to_contain_text("设施已保存")
    phone.locator("input[name=photo]").set_input_files(str(photo))
    with phone.expect_navigation():
        phone.get_by_role("button", name="上传", exact=True).tap()
    expect(phone.get_by_test_id("edit-photos").locator("img")).to_have_count(1)
    shot(phone, "page-390")
    assert ground.hours.get(weekday=6).closes.hour == 12 and FacilityPhoto.objects.count() == 1

    reader = make_page(PHONE_390, mobile=True)
    log_in(reader, live_server, "resident")
    reader.goto(f"{live_server.url}/resources/facilities/{ground.pk}/")
    expect(reader.get_by_test_id("facility-photos").locator("img")).to_have_count(1)
    reader.wait_for_function("() => document.querySelector('[data-testid=facility-photos] img').naturalWidth > 0")
    expect(reader.get_by_test_id("edit-facility")).to_have_count(0)
    shot(reader, "facility-390")
