"""The case pages: worklists, filing (with duplicates and photos), the detail with the steps the
user may take, the map data, and the public board — scoped, translated, a fixed number of queries."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from wangge.accounts.models import Role
from wangge.api.testing import session_client
from wangge.cases import actions
from wangge.cases.models import Attachment, Case, Category, CategoryQuestion, Channel
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, closed_off, file_at
from wangge.conftest import make_persona
from wangge.lib.testing import Queries, assert_flat, count_queries
from wangge.web.tests.conftest import zh

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"  # points in the forms are the stored ones


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_the_grid_worklist_lists_only_the_workers_grid(small, catalogue, worker_a, worker_b, dept_a):
    mine, other = file_at(worker_a), file_at(worker_b, point=IN_GRID_2)
    page = session_client(worker_a).get("/cases/?list=grid")
    assert page.status_code == 200
    text = page.content.decode()
    assert mine.number in text and other.number not in text
    assert session_client(worker_a).get("/cases/?list=inbox").status_code == 404  # not one of the worker's lists


def test_the_inbox_of_a_department(small, catalogue, worker_a, district_admin, dept_a, dept_b):
    case = file_at(worker_a)
    case = actions.accept(district_admin, case)
    actions.dispatch(district_admin, case)
    assert case.number in session_client(dept_a).get("/cases/?list=inbox").content.decode()
    assert case.number not in session_client(dept_b).get("/cases/?list=inbox").content.decode()
    assert session_client(dept_b).get(f"/cases/{case.pk}/").status_code == 404


def test_a_resident_files_with_a_photo_and_follows_the_case(small, catalogue, worker_a):
    resident = make_persona("resident", Role.RESIDENT, small.households[0])
    client = session_client(resident)
    assert client.get("/cases/new/").status_code == 200
    response = client.post(
        "/cases/new/",
        {
            "category": str(Category.objects.get(code="SZ01").pk),
            "answer_since": "today",
            "description": "小区门口路灯坏了",
            "lng": str(IN_GRID_0[0]),
            "lat": str(IN_GRID_0[1]),
            "photos": SimpleUploadedFile("a.png", png(), content_type="image/png"),
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (
        case.channel == Channel.WEB and case.reporter == resident and Attachment.objects.filter(case=case).count() == 1
    )
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in detail and "小区门口路灯坏了" in detail
    assert case.number in client.get("/cases/?list=mine").content.decode()
    # The resident may not accept their own case: no such form, and a forged post is refused.
    assert 'data-step="accept"' not in detail
    client.post(f"/cases/{case.pk}/steps/accept/", {"version": "1"})
    case.refresh_from_db()
    assert case.state == "reported"


def test_filing_offers_nearby_duplicates_first(small, catalogue, worker_a):
    existing = file_at(worker_a)
    client = session_client(worker_a)
    data = {
        "category": str(existing.category_id),
        "answer_since": "today",
        "description": "同一盏路灯",
        "lng": str(IN_GRID_0[0] + 0.0001),
        "lat": str(IN_GRID_0[1]),
        "channel": "patrol",
    }
    response = client.post("/cases/new/", data)
    assert response.status_code == 200 and existing.number in response.content.decode()
    assert Case.objects.count() == 1
    response = client.post("/cases/new/", {**data, "confirm_new": "1"})
    assert response.status_code == 302 and Case.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"category": "999999"}, "unknown_category"),
        ({"description": "x" * 4001}, "description_too_long"),
        ({"lng": "116.0", "lat": "36.605"}, "outside_every_grid"),
        ({"photos": SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")}, "not_an_image"),
    ],
)
def test_bad_filings_are_refused_with_nothing_written(small, catalogue, worker_a, change, code):
    data = {
        "category": str(Category.objects.get(code="SZ01").pk),
        "answer_since": "today",
        "description": "路灯",
        "lng": str(IN_GRID_0[0]),
        "lat": str(IN_GRID_0[1]),
        "channel": "patrol",
        **change,
    }
    response = session_client(worker_a).post("/cases/new/", data)
    assert response.status_code in (400, 404)
    assert f'data-code="{code}"' in response.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_steps_through_the_web_from_accept_to_closed(small, catalogue, worker_a, district_admin, dept_a):
    resident = make_persona("resident", Role.RESIDENT, small.households[0])
    case = file_at(resident, channel=Channel.WEB)
    admin, dept, reporter = session_client(district_admin), session_client(dept_a), session_client(resident)

    def step(client, name, **data):
        case.refresh_from_db()
        response = client.post(f"/cases/{case.pk}/steps/{name}/", {"version": str(case.version), **data})
        assert response.status_code == 302
        case.refresh_from_db()

    assert 'data-step="accept"' in admin.get(f"/cases/{case.pk}/").content.decode()
    step(admin, "accept")
    step(admin, "dispatch")
    assert case.state == "dispatched" and case.unit.name == "城市管理局"
    step(dept, "start")
    step(dept, "handle", result="已更换灯泡")
    step(admin, "verify", passed="true")
    assert case.state == "verified"
    assert 'data-step="visit"' in reporter.get(f"/cases/{case.pk}/").content.decode()
    step(reporter, "visit", result="satisfied", comment="很快")
    assert case.state == "closed"


def test_a_stale_form_says_the_case_changed_meanwhile(small, catalogue, worker_a, district_admin):
    case = file_at(worker_a)
    admin = session_client(district_admin)
    actions.accept(district_admin, case)
    response = admin.post(f"/cases/{case.pk}/steps/reject/", {"version": "1", "reason": "重复"}, follow=True)
    case.refresh_from_db()
    assert case.state == "accepted"
    assert 'class="message stale_version error"' in response.content.decode()
    assert zh("Someone else changed this case meanwhile. Reload it and try again.") in response.content.decode()


def test_the_list_costs_a_fixed_number_of_queries(small, catalogue, worker_a):
    client = session_client(worker_a)

    def count() -> Queries:
        with count_queries() as queries:
            assert client.get("/cases/?list=grid").status_code == 200
        return queries

    file_at(worker_a)
    before = count()
    for n in range(8):
        file_at(worker_a, description=f"第{n}处", point=(IN_GRID_0[0] + 0.001 * (n % 3), IN_GRID_0[1]))
    assert_flat(before, count())


def test_the_public_board_shows_no_personal_data(small, catalogue, worker_a, district_admin):
    case = file_at(worker_a, reporter_name="张三", reporter_contact="13812345678", description="张三家门口")
    hidden = Category.objects.get(code="SZ02")
    hidden.public_location = False
    hidden.save()
    other = file_at(worker_a, code="SZ02")
    reported_only = file_at(worker_a, point=(IN_GRID_0[0] + 0.002, IN_GRID_0[1]))
    for c in (case, other):
        actions.accept(district_admin, c)
    board = Client().get("/board/")
    text = board.content.decode()
    assert board.status_code == 200 and case.number in text and other.number in text
    assert reported_only.number not in text
    assert "张三" not in text and "13812345678" not in text and "138****5678" not in text
    features = Client().get("/board.geojson").json()["features"]
    assert [f["properties"]["number"] for f in features] == [case.number]  # no place for SZ02
    assert features[0]["properties"]["url"] is None


def test_the_case_map_data_is_scoped(small, catalogue, worker_a, worker_b):
    mine, other = file_at(worker_a), file_at(worker_b, point=IN_GRID_2)
    data = session_client(worker_a).get("/cases/map.geojson?list=grid").json()
    assert [f["properties"]["number"] for f in data["features"]] == [mine.number]
    assert other.number not in str(data)
    assert session_client(worker_a).get("/cases/map/?list=grid").status_code == 200


def test_the_case_map_widens_its_list_by_the_state_as_the_list_does(small, catalogue, worker_a, district_admin, dept_a):
    done = closed_off(district_admin, dept_a, file_at(worker_a))
    still_open = file_at(worker_a, description="井盖缺失")
    client = session_client(worker_a)

    def numbers(query: str) -> list[str]:
        return [f["properties"]["number"] for f in client.get(f"/cases/map.geojson?{query}").json()["features"]]

    assert numbers("list=grid") == [still_open.number]
    assert numbers("list=grid&state=closed") == [done.number]
    assert sorted(numbers("list=grid&state=all")) == sorted([done.number, still_open.number])


def test_a_duplicate_is_merged_by_the_other_cases_number(small, catalogue, worker_a, district_admin):
    first = file_at(worker_a)
    second = file_at(worker_a, point=(IN_GRID_0[0] + 0.0001, IN_GRID_0[1]))
    admin = session_client(district_admin)
    admin.post(f"/cases/{second.pk}/steps/merge/", {"version": "1", "into_number": "T-0000"})
    second.refresh_from_db()
    assert second.state == "reported"
    admin.post(f"/cases/{second.pk}/steps/merge/", {"version": "1", "into_number": first.number})
    second.refresh_from_db()
    assert second.state == "duplicate" and second.merged_into == first


def test_lists_filter_by_a_group_or_one_category(small, catalogue, worker_a, district_admin):
    lamp = file_at(worker_a)  # SZ01, group SZ
    heap = file_at(worker_a, code="HJ01", point=(IN_GRID_0[0] + 0.002, IN_GRID_0[1]))
    for case in (lamp, heap):
        actions.accept(district_admin, case)
    group, single = catalogue["SZ"], catalogue["HJ01"]
    by_group = Client().get(f"/board/?category={group.pk}").content.decode()
    assert lamp.number in by_group and heap.number not in by_group
    by_category = session_client(district_admin).get(f"/cases/?list=grid&category={single.pk}").content.decode()
    assert heap.number in by_category and lamp.number not in by_category


def test_a_whole_number_answer_reads_as_a_whole_number(small, catalogue, worker_a):
    category = Category.objects.get(code="SZ01")
    CategoryQuestion.objects.create(category=category, code="lamps", label="几盏灯", datatype="number")
    case = actions.file_case(
        worker_a,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today", "lamps": "3"},
    )
    page = session_client(worker_a).get(f"/cases/{case.pk}/").content.decode()
    assert "<dt>几盏灯</dt><dd>3</dd>" in page and "3.0" not in page


def test_the_supervise_form_offers_the_bodies_the_supervisor_named_before(small, catalogue, worker_a, supervisor):
    first, second = file_at(worker_a), file_at(worker_a, description="井盖缺失")
    actions.supervise(supervisor, first, body="区督查室", level="yellow")
    page = session_client(supervisor).get(f"/cases/{second.pk}/").content.decode()
    assert 'id="sup-body"' in page and 'value="区督查室" list="sup-bodies"' in page
    assert '<datalist id="sup-bodies"><option value="区督查室"></datalist>' in page
    # Another supervisor starts with an empty field: the bodies are remembered per user.
    other = make_persona("supervisor_2", Role.SUPERVISOR, small.district)
    page = session_client(other).get(f"/cases/{second.pk}/").content.decode()
    assert 'id="sup-body"' in page and 'value="" list="sup-bodies"' in page
