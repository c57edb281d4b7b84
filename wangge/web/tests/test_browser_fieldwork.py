"""A grid worker's field day on a 390 × 844 phone in Debian's Chromium: the morning briefing
(taps counted and printed), a patrol with three check-ins (one through a building's QR code
page), a case raised from a finding with a photo, and a household visit. Screenshots go to
test-artifacts/screenshots/fieldwork-*.png."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from wangge.areas import actions as area_actions
from wangge.areas.tests.factories import grid_square
from wangge.cases.models import Attachment
from wangge.fieldwork.models import Briefing, Checkin, Patrol, Visit
from wangge.web.tests.browser import OFFICE, PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll, wait_for_map

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

MOST_BRIEFING_TAPS = 5


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"fieldwork-{name}.png", full_page=True)


def test_a_grid_worker_briefs_patrols_reports_and_visits_on_a_phone(
    make_page, live_server, small, worker_a, catalogue, tmp_path
):
    grid = small.grids[0]
    group = small.building_groups[0]
    square = grid_square(0)
    third = area_actions.create_area(
        None,
        parent=group,
        name=f"{grid.name}3号楼",
        code=f"{grid.code}-B3",
        lng=square.centroid.x,
        lat=square.centroid.y,
    )
    first, second = [b for b in small.buildings if b.grid_id == grid.pk]
    photo = tmp_path / "finding.png"
    Image.new("RGB", (64, 48), (200, 60, 60)).save(photo)

    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")

    # 1. The morning briefing from the home page: the team is ticked already.
    taps = fields = 0
    page.get_by_test_id("fieldwork").tap()
    taps += 1
    expect(page.locator(f"section[data-grid='{grid.pk}']")).to_be_visible()
    shot(page, "home")
    page.locator(f"section[data-grid='{grid.pk}']").get_by_test_id("briefing").tap()
    taps += 1
    expect(page.get_by_test_id("briefing-form")).to_be_visible()
    expect(page.locator("input[name=attendee]")).to_be_checked()
    shot(page, "briefing")
    page.locator("#matters").fill("3号楼楼道堆物，居民反映")
    fields += 1
    page.locator("input[name=task_text]").first.fill("清理3号楼楼道")
    fields += 1
    with page.expect_navigation():
        page.get_by_role("button", name="保存早碰头").tap()
    taps += 1
    print(f"\nMorning briefing on a 390 px phone: {taps} taps and {fields} fields")
    assert taps + fields <= MOST_BRIEFING_TAPS
    briefing = Briefing.objects.get(grid=grid)
    assert briefing.matters.startswith("3号楼") and list(briefing.attendees.all()) == [worker_a]
    assert briefing.tasks.get().text == "清理3号楼楼道"  # type: ignore[attr-defined]

    # 2. A patrol: start, tap two buildings, the third through its QR code's page.
    section = page.locator(f"section[data-grid='{grid.pk}']")
    with page.expect_navigation():
        section.get_by_test_id("patrol").tap()
    with page.expect_navigation():
        page.get_by_test_id("start").tap()
    expect(page.get_by_test_id(f"building-{first.pk}")).to_be_visible()
    page.locator("#note").fill("门禁损坏")
    with page.expect_navigation():
        page.get_by_test_id(f"building-{first.pk}").tap()
    expect(page.get_by_test_id("checkin")).to_have_count(1)
    # The second building is tapped on the map: the tap presses its check-in button.
    wait_for_map(page, "#patrol-map")
    with page.expect_navigation():
        page.locator(f'#patrol-map [data-button="checkin-{second.pk}"]').tap()
    expect(page.get_by_test_id("checkin")).to_have_count(2)
    shot(page, "patrol")
    page.goto(f"{live_server.url}/fieldwork/checkin/{third.pk}/")
    shot(page, "qr-checkin")
    with page.expect_navigation():
        page.get_by_test_id("qr-checkin").tap()
    expect(page.get_by_test_id("checkin")).to_have_count(3)
    patrol = Patrol.objects.get(grid=grid)
    assert [c.building_id for c in patrol.checkins.all()] == [first.pk, second.pk, third.pk]  # type: ignore[attr-defined]
    # A point where the worker stands (the phone asked once, on the tap), inside the grid.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": third.lng, "latitude": third.lat})
    with page.expect_navigation():
        page.get_by_test_id("checkin-here").tap()
    expect(page.get_by_test_id("checkin")).to_have_count(4)
    point = patrol.checkins.last()  # type: ignore[attr-defined]
    assert point.building_id is None and (round(point.lng, 5), round(point.lat, 5)) == (
        round(third.lng, 5),
        round(third.lat, 5),
    )

    # 3. The broken door found at the first building becomes a case, with its photo.
    finding = Checkin.objects.get(patrol=patrol, building=first)
    with page.expect_navigation():
        page.get_by_test_id(f"report-{finding.pk}").tap()
    page.locator("#category").select_option(index=1)
    page.locator("#description").fill("单元门禁损坏，无法关闭")
    page.locator("#photo").set_input_files(str(photo))
    shot(page, "report")
    with page.expect_navigation():
        page.get_by_test_id("file-case").tap()
    finding.refresh_from_db()
    assert finding.case is not None and finding.case.building_id == first.pk
    assert Attachment.objects.filter(case=finding.case).count() == 1
    expect(page.locator(".messages")).to_contain_text(finding.case.number)
    with page.expect_navigation():
        page.get_by_test_id("finish").tap()
    patrol.refresh_from_db()
    assert patrol.finished_at is not None

    # 4. A visit to the first household on the list (never visited).
    with page.expect_navigation():
        page.locator(f"section[data-grid='{grid.pk}']").get_by_test_id("visits").tap()
    shot(page, "visits")
    with page.expect_navigation():
        page.get_by_test_id("household").first.get_by_role("link").tap()
    page.locator("#met").fill("户主本人")
    page.locator("#needs").fill("需要申请临时救助")
    page.locator("input[name=flag][value=hardship]").check()
    shot(page, "visit")
    with page.expect_navigation():
        page.get_by_test_id("save-visit").tap()
    visit = Visit.objects.get()
    assert visit.flags == ["hardship"] and visit.met == "户主本人"
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("需要申请临时救助")
    shot(page, "visits-after")

    # The compliance page of the grid, at 390 px and 1366 px.
    page.goto(f"{live_server.url}/fieldwork/compliance/?area={grid.pk}")
    expect(page.locator("h1")).to_contain_text(grid.name)
    shot(page, "compliance")
    office = make_page(OFFICE)
    log_in(office, live_server, "worker_a")
    office.goto(f"{live_server.url}/fieldwork/grids/{grid.pk}/qr/")
    expect(office.get_by_test_id("qr-code")).to_have_count(3)
    assert re.search(
        rf"/fieldwork/checkin/{third.pk}/$", office.get_by_test_id("qr-code").last.get_attribute("data-url")
    )
    office.screenshot(path=SCREENSHOTS / "fieldwork-qr-1366.png", full_page=True)
    office.goto(f"{live_server.url}/fieldwork/compliance/?area={grid.pk}")
    expect(office.locator("table.data")).to_contain_text(grid.name)
    assert no_horizontal_scroll(office)
    office.screenshot(path=SCREENSHOTS / "fieldwork-compliance-1366.png", full_page=True)
