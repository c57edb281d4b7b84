"""The map component in Debian's Chromium: the pick map of the filing form on a phone (framed on
the worker's grid, buildings when zoomed in, a tap on a building picks it, "use my location"),
the case detail with its grid highlighted, the case map and the public board with outlines and a
legend, grids shaded by overdue cases; no English left on the maps.
Screenshots go to test-artifacts/screenshots/ (map-*.png)."""

import pytest
from playwright.sync_api import expect

from wangge.areas.tests.factories import grid_square
from wangge.cases import actions
from wangge.cases.models import Case, Category, Channel
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_1, IN_GRID_2
from wangge.lib.geo import gcj02_to_bd09, wgs84_to_gcj02
from wangge.web.tests.browser import SCREENSHOTS, log_in, no_horizontal_scroll, wait_for_map
from wangge.web.tests.conftest import zh

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
OFFICE = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"map-{name}.png", full_page=True)


def point_on(page, selector: str, lng: float, lat: float) -> dict[str, float]:
    """Where (lng, lat) in the tiles' system is inside the map element, in CSS pixels."""
    return page.evaluate(
        "([sel, lat, lng]) => { const p = document.querySelector(sel)._wanggeMap"
        ".latLngToContainerPoint([lat, lng]); return {x: p.x, y: p.y}; }",
        [selector, lat, lng],
    )


def settled(page, selector: str, zoom: float) -> None:
    """Wait until the map has stopped at `zoom` (taps on a moving map land elsewhere)."""
    page.wait_for_function(
        "([sel, zoom]) => { const map = document.querySelector(sel)._wanggeMap;"
        " return map.getZoom() === zoom && !map._animatingZoom; }",
        arg=[selector, zoom],
    )


def marker_at(page, lng: float, lat: float) -> None:
    """Wait until the pick map's marker stands on (lng, lat)."""
    page.wait_for_function(
        """([lat, lng]) => {
          const el = document.getElementById('pick-map');
          const marker = el.querySelector('.pick-marker');
          if (!marker) return false;
          const r = marker.getBoundingClientRect(), c = el.getBoundingClientRect();
          const p = el._wanggeMap.latLngToContainerPoint([lat, lng]);
          return Math.abs(r.left + r.width / 2 - c.left - p.x) < 2 && Math.abs(r.top + r.height / 2 - c.top - p.y) < 2;
        }""",
        arg=[lat, lng],
    )


def english_on(page, selector: str) -> list[str]:
    """English words in the map's controls, titles and labels (data such as names is Chinese)."""
    return page.evaluate(
        """sel => {
          const el = document.querySelector(sel), found = [];
          for (const node of el.querySelectorAll('[title], [aria-label], [alt]')) {
            for (const name of ['title', 'aria-label', 'alt']) {
              const value = node.getAttribute(name);
              if (value && /[A-Za-z]{2,}/.test(value)) found.push(name + '=' + value);
            }
          }
          for (const control of el.querySelectorAll('.leaflet-control')) {
            if (/[A-Za-z]{2,}/.test(control.innerText)) found.push(control.innerText);
          }
          return found;
        }""",
        selector,
    )


def highlighted_grids(page, selector: str) -> list[int]:
    return page.evaluate(
        """sel => {
          const ids = [];
          document.querySelector(sel)._wanggeMap.eachLayer(layer => {
            const path = layer.feature && layer.getElement && layer.getElement();
            if (path && path.classList.contains('grid-highlighted')) ids.push(layer.feature.properties.id);
          });
          return ids;
        }""",
        selector,
    )


def file(user, point, description="路灯不亮") -> Case:
    category = Category.objects.get(code="SZ01")
    return actions.file_case(
        user,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description=description,
        lng=point[0],
        lat=point[1],
        answers={"since": "today"},
    )


def test_the_pick_map_opens_on_the_workers_grid_and_a_tap_on_a_building_picks_it(
    make_page, live_server, small, catalogue, worker_a, worker_b
):
    page = make_page(PHONE, mobile=True)
    log_in(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/cases/new/")
    pick = page.locator("#pick-map")
    assert wait_for_map(page, "#pick-map") == 1
    expect(pick.locator("path.grid-outline")).to_have_count(1)
    assert highlighted_grids(page, "#pick-map") == [small.grids[0].pk]
    expect(pick.locator(".grid-label")).to_have_text(small.grids[0].name)
    # Framed on the own grid: all of it in view, the other worker's grid far outside.
    west, south, east, north = page.evaluate(
        "() => { const b = document.getElementById('pick-map')._wanggeMap.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    x0, y0, x1, y1 = grid_square(0).bounds
    assert west <= x0 and south <= y0 and east >= x1 and north >= y1
    assert east < grid_square(2).centroid.x
    # The grid framed on a phone is near enough to show its buildings.
    start = page.evaluate("() => document.getElementById('pick-map')._wanggeMap.getZoom()")
    assert start >= 15  # buildings_min_zoom of the pick map
    settled(page, "#pick-map", start)
    expect(pick).to_have_attribute("data-buildings", "2")
    expect(pick.locator("path.building-point")).to_have_count(2)
    hint = pick.locator(".map-hint")
    expect(hint).to_be_hidden()
    assert english_on(page, "#pick-map") == []
    pick.scroll_into_view_if_needed()
    shot(page, "1-phone-pick-grid")

    # Zoomed out, no buildings and a hint; zoomed in again, the buildings.
    zoom_out = pick.get_by_role("button", name=zh("Zoom out"))
    for step in (1, 2):
        zoom_out.tap()
        settled(page, "#pick-map", start - step)
    expect(pick).to_have_attribute("data-buildings", "0")
    expect(hint).to_have_text(zh("Zoom in to see the buildings; tap one to pick it."))
    shot(page, "1b-phone-pick-zoomed-out")
    zoom_in = pick.get_by_role("button", name=zh("Zoom in"))
    for step in (1, 2, 3):
        zoom_in.tap()
        settled(page, "#pick-map", start - 2 + step)
    expect(pick).to_have_attribute("data-buildings", "2")
    expect(hint).to_be_hidden()

    page.evaluate(
        "() => { window.picked = []; document.addEventListener('wangge:picked', e => window.picked.push(e.detail)); }"
    )
    building = small.buildings[0]
    label = f"{building.name}（{small.grids[0].name}）"
    pick.tap(position=point_on(page, "#pick-map", building.lng, building.lat))
    expect(page.locator("#building")).to_have_value(str(building.pk))
    expect(page.locator("#picked")).to_have_text(zh("Building picked: %(label)s") % {"label": label})
    expect(pick.locator(".leaflet-tooltip:not(.grid-label)")).to_have_text(label)  # the tap shows the building's name
    assert page.evaluate("() => window.picked") == [
        {"building": building.pk, "lng": round(building.lng, 6), "lat": round(building.lat, 6), "label": label}
    ]
    assert float(page.input_value("#lng")) == pytest.approx(building.lng, abs=1e-6)
    assert float(page.input_value("#lat")) == pytest.approx(building.lat, abs=1e-6)
    marker_at(page, building.lng, building.lat)
    assert no_horizontal_scroll(page)
    shot(page, "2-phone-pick-building")

    # A tap elsewhere picks that point and no building.
    pick.tap(position=point_on(page, "#pick-map", *IN_GRID_0))
    expect(page.locator("#building")).to_have_value("")
    expect(page.locator("#picked")).to_have_text(zh("Place marked on the map. Tap again to move it."))
    last = page.evaluate("() => window.picked[window.picked.length - 1]")
    assert last["building"] is None and last["label"] is None
    assert last["lng"] == pytest.approx(IN_GRID_0[0], abs=0.0002)

    # The building search box says where: the marker goes there.
    other = small.buildings[1]
    page.evaluate(
        "([b, lng, lat]) => document.dispatchEvent(new CustomEvent('wangge:place',"
        " {detail: {building: b, lng: lng, lat: lat, label: 'x'}}))",
        [other.pk, other.lng, other.lat],
    )
    marker_at(page, other.lng, other.lat)


def test_a_residents_pick_map_opens_on_the_household_grid_among_the_districts(
    make_page, live_server, small, catalogue, resident
):
    page = make_page(PHONE, mobile=True)
    log_in(page, live_server, "resident")
    page.goto(f"{live_server.url}/cases/new/")
    assert wait_for_map(page, "#pick-map") == 4
    assert highlighted_grids(page, "#pick-map") == [small.grids[0].pk]
    west, south, east, north = page.evaluate(
        "() => { const b = document.getElementById('pick-map')._wanggeMap.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    x0, y0, x1, y1 = grid_square(0).bounds
    assert west <= x0 and south <= y0 and east >= x1 and north >= y1
    assert east < grid_square(2).centroid.x  # not the whole district
    expect(page.locator("#pick-map")).to_have_attribute("data-buildings", "2")
    shot(page, "1c-phone-pick-resident")


def test_use_my_location_fills_in_the_device_position_and_shows_it_in_the_tiles_system(
    make_page, live_server, small, catalogue, worker_a, settings
):
    settings.MAP_TILE_CRS = "gcj02"
    page = make_page(PHONE, mobile=True)
    log_in(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/cases/new/")
    wait_for_map(page, "#pick-map")
    # The conversion for display is the server's.
    for lng, lat in [(117.0062, 36.605), (116.4, 39.9)]:
        gcj = page.evaluate("([x, y]) => wanggeMap.fromWgs84(x, y, 'gcj02')", [lng, lat])
        bd = page.evaluate("([x, y]) => wanggeMap.fromWgs84(x, y, 'bd09')", [lng, lat])
        assert gcj == pytest.approx(list(wgs84_to_gcj02(lng, lat)), abs=1e-9)
        assert bd == pytest.approx(list(gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))), abs=1e-9)

    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"longitude": 117.0062, "latitude": 36.605})
    page.get_by_role("button", name=zh("Use my location")).tap()
    expect(page.locator("#picked")).to_have_text(
        zh("Your position is marked on the map. Tap a building or the map to change it.")
    )
    assert page.input_value("#crs") == "wgs84"
    assert (page.input_value("#lng"), page.input_value("#lat")) == ("117.006200", "36.605000")
    assert page.input_value("#building") == ""
    marker_at(page, *wgs84_to_gcj02(117.0062, 36.605))
    shot(page, "3-phone-pick-my-location")

    # A tap on the map afterwards is in the tiles' system again.
    page.locator("#pick-map").tap(position=point_on(page, "#pick-map", *wgs84_to_gcj02(*IN_GRID_0)))
    expect(page.locator("#crs")).to_have_value("gcj02")


def test_a_refused_position_is_said_in_chinese(make_page, live_server, small, catalogue, worker_a):
    page = make_page(PHONE, mobile=True)
    log_in(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/cases/new/")
    wait_for_map(page, "#pick-map")
    page.get_by_role("button", name=zh("Use my location")).tap()
    expect(page.locator("#picked")).to_have_text(zh("Your position could not be used: the permission was refused."))
    assert page.input_value("#lng") == ""


def test_the_case_detail_highlights_the_cases_grid(make_page, live_server, small, catalogue, community_staff):
    case = file(community_staff, IN_GRID_1)
    page = make_page(PHONE, mobile=True)
    log_in(page, live_server, "staff_1")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert wait_for_map(page, "#case-map") == 1
    case_map = page.locator("#case-map")
    assert case_map.get_attribute("data-grids") == "2"
    assert highlighted_grids(page, "#case-map") == [small.grids[1].pk]
    # Framed on the grid, with the case's place in it.
    west, south, east, north = page.evaluate(
        "() => { const b = document.getElementById('case-map')._wanggeMap.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    x0, y0, x1, y1 = grid_square(1).bounds
    assert west <= x0 and south <= y0 and east >= x1 and north >= y1 and east - west < 0.03
    assert english_on(page, "#case-map") == []
    case_map.scroll_into_view_if_needed()
    shot(page, "4-phone-case-detail")


@pytest.fixture
def cases(small, catalogue, worker_a, worker_b, district_admin, settings):
    """One overdue case in grid 0, one due soon in grid 2, one just reported in grid 1."""
    late = actions.accept(district_admin, file(worker_a, IN_GRID_0))
    actions.sweep_overdue(now=late.due_at.replace(year=late.due_at.year + 1))
    soon = actions.accept(district_admin, file(worker_b, IN_GRID_2))
    file(worker_a, IN_GRID_1)
    settings.CASE_DUE_SOON_HOURS = 24 * 365
    return Case.objects.get(pk=late.pk), soon


def test_the_case_map_shows_outlines_coloured_cases_a_legend_and_a_popup(
    make_page, live_server, small, cases, district_admin
):
    late, _soon = cases
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/cases/map/?list=grid")
    assert wait_for_map(page, "#case-map") == 3
    case_map = page.locator("#case-map")
    assert case_map.get_attribute("data-grids") == "4"
    expect(case_map.locator("path.grid-outline")).to_have_count(4)
    legend = case_map.locator(".map-legend")
    for text in ("Overdue", "Due soon", "Other cases"):
        expect(legend).to_contain_text(zh(text))
    fills = page.evaluate(
        "() => [...document.querySelectorAll("
        "'#case-map path.leaflet-interactive:not(.grid-outline):not(.building-point)')]"
        ".map(p => p.getAttribute('fill')).sort()"
    )
    assert fills == ["#1f6fb8", "#c62828", "#ef8f00"]
    case_map.click(position=point_on(page, "#case-map", late.lng, late.lat))
    popup = case_map.locator(".case-popup")
    expect(popup).to_contain_text(late.number)
    expect(popup).to_contain_text("路灯不亮")
    expect(popup.get_by_role("link", name=zh("Open the case"))).to_have_attribute("href", f"/cases/{late.pk}/")
    assert english_on(page, "#case-map") == []
    shot(page, "5-desktop-case-map")


def test_the_board_map_shows_the_district_outlines_and_the_legend_without_login(make_page, live_server, small, cases):
    page = make_page(PHONE, mobile=True)
    page.goto(f"{live_server.url}/board/")
    assert "/login/" not in page.url
    assert wait_for_map(page, "#board-map") == 2  # the accepted ones
    board = page.locator("#board-map")
    assert board.get_attribute("data-grids") == "4"
    expect(board.locator(".grid-label")).to_have_count(4)
    expect(board.locator(".map-legend")).to_contain_text(zh("Overdue"))
    assert english_on(page, "#board-map") == []
    assert no_horizontal_scroll(page)
    board.scroll_into_view_if_needed()
    shot(page, "6-phone-board")


def test_grids_are_shaded_by_their_overdue_cases(make_page, live_server, small, cases, district_admin):
    page = make_page(OFFICE)
    log_in(page, live_server, "admin_d")
    page.goto(f"{live_server.url}/cases/map/")
    wait_for_map(page, "#case-map")
    # The configuration the district administrator's home page gives its map.
    page.evaluate(
        """() => {
          const config = JSON.parse(document.getElementById('map-config').textContent);
          config.geojson_url = '/map/grids.geojson?overdue=1';
          config.color_by = 'overdue';
          const script = document.createElement('script');
          script.type = 'application/json';
          script.id = 'shade-config';
          script.textContent = JSON.stringify(config);
          document.body.appendChild(script);
          const el = document.createElement('div');
          el.id = 'shade-map';
          el.className = 'map';
          el.dataset.map = 'district';
          el.dataset.config = 'shade-config';
          document.getElementById('case-map').after(el);
          wanggeMap.mount(el);
        }"""
    )
    assert wait_for_map(page, "#shade-map") == 4
    shade = page.locator("#shade-map")
    expect(shade.locator(".map-legend")).to_contain_text(zh("Overdue cases per grid"))
    fills = page.evaluate(
        """() => {
          const out = {};
          document.getElementById('shade-map')._wanggeMap.eachLayer(layer => {
            if (layer.feature) out[layer.feature.properties.id] = layer.getElement().getAttribute('fill');
          });
          return out;
        }"""
    )
    assert fills == {
        str(small.grids[0].pk): "#fcbba1",
        str(small.grids[1].pk): "#eceff1",
        str(small.grids[2].pk): "#eceff1",
        str(small.grids[3].pk): "#eceff1",
    }
    expect(shade.locator(".grid-label").first).to_contain_text(small.grids[0].name)
    assert english_on(page, "#shade-map") == []
    shade.scroll_into_view_if_needed()
    shade.screenshot(path=SCREENSHOTS / "map-7-desktop-overdue-shades.png")
