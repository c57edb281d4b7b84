"""Placing a case on the filing form: a chosen building, a typed address matched forgivingly
(with a list to choose from when several buildings fit), the phone's coordinate system, a
refused form that keeps everything typed, and the duplicate check whatever gave the place."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wangge.api.testing import session_client
from wangge.areas.tests.factories import build_small_district
from wangge.cases.models import Case, Category
from wangge.cases.tests.factories import IN_GRID_0
from wangge.lib.geo import from_wgs84
from wangge.web.tests.conftest import zh

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def form(**extra) -> dict[str, str]:
    return {
        "category": str(Category.objects.get(code="SZ01").pk),
        "answer_since": "week",
        "answer_lamp_count": "3",
        "description": "3号楼门口路灯不亮",
        "channel": "patrol",
        **extra,
    }


def code_of(response) -> str:
    found = re.search(r'data-code="([^"]+)"', response.content.decode())
    return found[1] if found else ""


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_refused_form_keeps_the_answers_and_everything_typed(small, catalogue, worker_a):
    response = session_client(worker_a).post(
        "/cases/new/",
        form(channel="visit", reporter_name="李大妈", reporter_contact="13812345678", address=""),
    )
    text = response.content.decode()
    assert response.status_code == 400 and code_of(response) == "location_required"
    assert re.search(r'name="answer_since" value="week" checked', text)
    assert not re.search(r'name="answer_since" value="today" checked', text)
    assert 'name="answer_lamp_count" type="number" step="any" value="3"' in text
    assert "3号楼门口路灯不亮</textarea>" in text
    assert re.search(r'value="visit" required checked', text)
    assert 'value="李大妈"' in text and 'value="13812345678"' in text
    assert zh("Please choose the photos again.") not in text  # no photo was chosen
    assert Case.objects.count() == 0


def test_a_refused_form_asks_for_the_photos_again(small, catalogue, worker_a):
    photo = SimpleUploadedFile("a.png", png(), content_type="image/png")
    response = session_client(worker_a).post("/cases/new/", form(photos=photo))
    assert response.status_code == 400 and zh("Please choose the photos again.") in response.content.decode()


def test_the_chosen_building_places_the_case(small, catalogue, worker_a):
    building = small.buildings[1]
    response = session_client(worker_a).post("/cases/new/", form(building=str(building.pk)))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.building == building and case.grid == small.grids[0]
    assert (case.lng, case.lat) == (building.lng, building.lat)


def test_a_building_of_another_district_is_refused(small, catalogue, worker_a):
    other = build_small_district("U").buildings[0]
    for raw in (str(other.pk), "abc", "99999999"):
        response = session_client(worker_a).post("/cases/new/", form(building=raw))
        assert response.status_code == 400 and code_of(response) == "not_a_building"
    assert Case.objects.count() == 0


def test_a_typed_address_is_matched_forgivingly(small, catalogue, worker_a):
    building = small.buildings[1]
    building.address = "青年东路5号2号楼"
    building.save()
    response = session_client(worker_a).post("/cases/new/", form(address="青年东璐5号2号楼"))  # a typo
    assert response.status_code == 302
    assert Case.objects.get().building == building


def test_an_ambiguous_address_offers_the_buildings_to_choose_from(small, catalogue, resident):
    client = session_client(resident)
    response = client.post("/cases/new/", form(address="1号楼"))
    text = response.content.decode()
    assert response.status_code == 400 and code_of(response) == "address_ambiguous"
    assert zh("Did you mean:") in text
    offered = re.findall(r'class="place-choice" data-building="(\d+)"', text)
    assert sorted(offered) == sorted(str(small.buildings[i].pk) for i in (0, 2, 4, 6))  # every grid's 1号楼
    assert Case.objects.count() == 0  # never picked silently
    response = client.post("/cases/new/", form(address="1号楼", building=offered[1]))
    assert response.status_code == 302 and str(Case.objects.get().building_id) == offered[1]


def test_an_unknown_address_is_still_refused(small, catalogue, worker_a):
    response = session_client(worker_a).post("/cases/new/", form(address="不存在的路"))
    assert response.status_code == 400 and code_of(response) == "address_unknown"


def test_the_phones_position_comes_in_wgs84_while_the_tiles_are_gcj02(small, catalogue, worker_a, settings):
    settings.MAP_TILE_CRS = "gcj02"
    client = session_client(worker_a)
    assert 'id="crs" name="crs" value="gcj02"' in client.get("/cases/new/").content.decode()
    response = client.post("/cases/new/", form(lng=str(IN_GRID_0[0]), lat=str(IN_GRID_0[1]), crs="wgs84"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.lng, case.lat) == pytest.approx(IN_GRID_0)
    tiles_point = from_wgs84(*IN_GRID_0, "gcj02")
    response = client.post(
        "/cases/new/", form(lng=str(tiles_point[0]), lat=str(tiles_point[1]), crs="gcj02", confirm_new="1")
    )
    assert response.status_code == 302
    assert (Case.objects.latest("pk").lng, Case.objects.latest("pk").lat) == pytest.approx(IN_GRID_0, abs=1e-6)


def test_an_unknown_coordinate_system_is_refused(small, catalogue, worker_a):
    response = session_client(worker_a).post(
        "/cases/new/", form(lng=str(IN_GRID_0[0]), lat=str(IN_GRID_0[1]), crs="mercator")
    )
    assert response.status_code == 400 and code_of(response) == "bad_crs"
    assert Case.objects.count() == 0
