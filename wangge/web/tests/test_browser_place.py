"""A grid worker files a street-lamp case on a 390 × 844 phone by typing in the building search
("3号") and tapping the result; the category is found by its pinyin initials ("ld") and a tap. The taps
and fields are counted and printed; screenshots go to test-artifacts/screenshots/place-*.png."""

import re

import pytest
from playwright.sync_api import expect

from wangge.areas import actions as area_actions
from wangge.cases.models import Case
from wangge.web.tests.browser import SCREENSHOTS, log_in, no_horizontal_scroll
from wangge.web.tests.conftest import zh

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def test_a_grid_worker_files_by_typing_the_building(make_page, live_server, small, catalogue, worker_a):
    building = area_actions.create_area(
        None,
        parent=small.building_groups[0],
        name="3号楼",
        code="T-C1-G1-B3",
        lng=small.buildings[0].lng,
        lat=small.buildings[0].lat + 0.001,
        address="青年东路5号3号楼",
    )
    taps = fields = 0
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/cases/new/")
    expect(page.locator("#pick-map")).to_have_attribute("data-state", "ready")
    page.evaluate("window.placed = []; document.addEventListener('wangge:place', e => window.placed.push(e.detail))")

    # The category by its pinyin initials: 路灯不亮 and 楼道堆物 are left as buttons; one tap.
    page.locator("#category-filter").fill("ld")
    fields += 1
    options = page.locator("#category-filter-options button.pick-option")
    expect(options).to_have_count(2)
    page.screenshot(path=SCREENSHOTS / "place-0-category.png", full_page=True)
    with page.expect_response(lambda response: "/cases/new/questions/" in response.url):
        options.filter(has_text="路灯不亮").tap()
    taps += 1
    expect(page.locator("#category option:checked")).to_have_text("路灯不亮")
    page.locator("#questions").get_by_label("今天", exact=True).tap()
    taps += 1
    page.locator("#description").fill("3号楼东侧路灯不亮")
    fields += 1

    # The building by its number, as one types it.
    with page.expect_response(lambda response: "/places/buildings/" in response.url and "q=3" in response.url):
        page.locator("#building-search").fill("3号")
    fields += 1
    result = page.locator("#place-results button.place-choice").first
    expect(result).to_contain_text("3号楼")
    expect(result).to_contain_text("青年东路5号3号楼")
    page.screenshot(path=SCREENSHOTS / "place-1-search.png", full_page=True)
    result.tap()
    taps += 1
    expect(page.locator("#chosen-label")).to_contain_text("社区1第1网格 3号楼")
    assert page.input_value("#building") == str(building.pk)
    assert float(page.input_value("#lng")) == pytest.approx(building.lng, abs=1e-6)
    assert page.evaluate("window.placed")[0]["building"] == str(building.pk)
    assert no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / "place-2-chosen.png", full_page=True)

    page.get_by_role("button", name=zh("Report"), exact=True).tap()
    taps += 1
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.building == building and case.grid == small.grids[0] and case.answers == {"since": "today"}
    assert case.channel == "patrol"
    print(f"\nFiling by building search: {taps} taps + {fields} fields = {taps + fields}")
    assert taps + fields <= 7
    page.screenshot(path=SCREENSHOTS / "place-3-filed.png", full_page=True)
