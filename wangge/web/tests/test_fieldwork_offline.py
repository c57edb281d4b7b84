"""The field pages as an installable web app: the manifest, the service worker, the offline page
and each grid's data for it (scope: 404 outside the grids one records in; no personal data; as
many queries with more rows). The offline behaviour itself: test_browser_fieldwork_offline.py."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from wangge.accounts.models import Role
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.web import offline
from wangge.web.tests.conftest import add_rows


def static_file(url: str) -> str | None:
    assert url.startswith(settings.STATIC_URL), url
    return finders.find(url.removeprefix(settings.STATIC_URL))


def test_the_manifest_installs_the_field_pages_with_a_png_icon_chrome_accepts(client):
    response = client.get(reverse("manifest"))
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "网格 外勤" and manifest["start_url"] == reverse("fieldwork") == "/fieldwork/"
    assert manifest["display"] == "standalone"
    css = Path(finders.find("wangge/site.css")).read_text(encoding="utf-8")  # type: ignore[arg-type]
    brand = re.search(r"--brand: (#[0-9a-f]{6});", css)
    assert brand is not None and manifest["theme_color"] == brand.group(1)
    pngs = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert {icon["sizes"] for icon in pngs} == {"192x192", "512x512"}
    assert all(static_file(icon["src"]) for icon in manifest["icons"])


def test_every_page_links_the_manifest(client, small, worker_a):
    client.force_login(worker_a)
    for url in (reverse("home"), reverse("fieldwork"), reverse("login")):
        assert f'<link rel="manifest" href="{reverse("manifest")}">' in client.get(url, follow=True).content.decode()


def test_the_service_worker_is_served_fresh_from_the_root_with_its_release_in_the_cache_name(client):
    assert reverse("service_worker") == "/sw.js"  # its scope may cover /fieldwork/
    response = client.get(reverse("service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert f'var CACHE = "wangge-field-{offline.release()}";' in script
    assets = json.loads(re.search(r"var ASSETS = (\[.*\]);", script).group(1))  # type: ignore[union-attr]
    assert assets and all(static_file(asset) for asset in assets)
    assert f'var SHELL = "{reverse("fieldwork_offline")}";' in script
    # It keeps field pages only: never the API, never the person pages.
    kept = script[script.index("var KEPT") : script.index("];", script.index("var KEPT"))]
    assert "fieldwork" in kept and "api" not in kept and "people" not in kept


def test_the_field_pages_load_the_queue_and_other_pages_do_not(client, small, worker_a):
    client.force_login(worker_a)
    assert "fieldqueue.js" in client.get(reverse("fieldwork")).content.decode()
    assert "fieldqueue.js" not in client.get(reverse("home")).content.decode()
    assert "fieldqueue.js" not in client.get(reverse("cases")).content.decode()


def test_the_offline_page_holds_the_forms_for_the_grid_team(client, small, worker_a):
    client.force_login(worker_a)
    response = client.get(reverse("fieldwork_offline"))
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    for template in ("fw-briefing", "fw-patrol-start", "fw-checkin", "fw-visit", "fw-local-patrol"):
        assert f'id="{template}"' in page
    assert 'value="hardship"' in page and 'value="moved_in"' in page


def test_the_offline_page_is_not_found_for_residents_departments_and_supervisors(
    client, small, resident, dept_a, supervisor
):
    for user in (resident, dept_a, supervisor):
        client.force_login(user)
        assert client.get(reverse("fieldwork_offline")).status_code == 404


def test_a_grid_worker_gets_the_buildings_households_and_team_of_their_grid(client, populated, worker_a):
    small = populated.small
    grid = small.grids[0]
    client.force_login(worker_a)
    response = client.get(reverse("fieldwork_grid_data", args=[grid.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == grid.pk and data["name"] == grid.name
    assert [b["id"] for b in data["buildings"]] == [b.pk for b in small.buildings if b.grid_id == grid.pk]
    households = {h.pk: h for h in small.households if h.grid_id == grid.pk}
    assert {h["id"] for h in data["households"]} == set(households)
    first = data["households"][0]
    household = households[first["id"]]
    assert first["label"] == f"{household.building.name} {household.name}"  # an address, as the visit list shows
    assert data["team"] == [{"id": worker_a.pk, "name": "worker_a"}]
    # No personal data: the residents of the grid's households are not in it.
    text = response.content.decode()
    assert populated.resident.name not in text and "1380000" not in text and "13912345678" not in text


def test_grid_data_is_not_found_outside_the_grids_one_records_in(
    client, small, worker_a, worker_b, community_staff, supervisor, resident, dept_a
):
    mine, theirs = small.grids[0], small.grids[2]
    url = lambda grid: reverse("fieldwork_grid_data", args=[grid.pk])  # noqa: E731
    client.force_login(worker_a)
    assert client.get(url(mine)).status_code == 200 and client.get(url(theirs)).status_code == 404
    client.force_login(worker_b)
    assert client.get(url(theirs)).status_code == 200 and client.get(url(mine)).status_code == 404
    client.force_login(community_staff)  # community 1: grids 0 and 1
    assert client.get(url(mine)).status_code == 200 and client.get(url(theirs)).status_code == 404
    building = next(b for b in small.buildings if b.grid_id == mine.pk)
    assert client.get(reverse("fieldwork_grid_data", args=[building.pk])).status_code == 404  # not a grid
    for user in (supervisor, resident, dept_a):
        client.force_login(user)
        assert client.get(url(mine)).status_code == 404, user.username


def test_grid_data_takes_as_many_queries_with_more_rows(client, small, worker_a):
    grid = small.grids[0]
    client.force_login(worker_a)
    url = reverse("fieldwork_grid_data", args=[grid.pk])

    def run():
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries

    first = run()
    add_rows(small, 0, tag="X")
    make_persona("leader_x", Role.GRID_LEADER, grid)
    second = run()
    add_rows(small, 0, tag="Y")
    make_persona("secretary_y", Role.GRID_SECRETARY, grid)
    third = run()
    assert_flat(first, second, third)


@pytest.mark.parametrize("name", ["fieldwork_offline", "fieldwork_grid_data"])
def test_the_offline_views_ask_a_visitor_to_log_in(client, small, name):
    url = reverse(name, args=[small.grids[0].pk]) if name == "fieldwork_grid_data" else reverse(name)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
