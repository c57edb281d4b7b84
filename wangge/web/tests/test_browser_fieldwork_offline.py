"""The field pages without a connection, on a 390 × 844 phone in Debian's Chromium: a grid worker
opens the grid's field pages once online, switches the network off, records the morning briefing,
a patrol with three check-ins (one through a building's QR page never opened before) and a visit
to a household whose form was never opened; nothing reaches the server until the network is back,
then each record arrives exactly once, and replaying the queue creates nothing. An edit made on
the phone earlier than the server's is kept in the record's history. Screenshots go to
test-artifacts/screenshots/offline-*.png."""

import datetime as dt
import uuid

import pytest
from django.core.signals import request_started
from django.utils import timezone
from playwright.sync_api import expect

from wangge.areas import actions as area_actions
from wangge.areas.models import Level
from wangge.areas.tests.factories import grid_square
from wangge.fieldwork import actions
from wangge.fieldwork.models import Briefing, Patrol, RecordVersion, Visit
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"offline-{name}.png", full_page=True)


def go(page, url: str) -> None:
    """Open a field page and wait until its script has done what it does for the offline pages."""
    page.goto(url)
    page.wait_for_selector("html[data-field-ready=true]", state="attached")


@pytest.fixture
def server_requests():
    """The paths of the requests the live server received, in order."""
    paths: list[str] = []

    def seen(sender, environ, **kwargs):
        paths.append(environ["PATH_INFO"])

    request_started.connect(seen)
    yield paths
    request_started.disconnect(seen)


def test_a_grid_worker_records_a_field_day_offline_and_each_record_arrives_once(
    make_page, live_server, small, worker_a, catalogue, server_requests
):
    assert live_server.url.startswith("http://localhost:")  # a secure context: service workers run
    grid = small.grids[0]
    square = grid_square(0)
    third = area_actions.create_area(
        None,
        parent=small.building_groups[0],
        name=f"{grid.name}3号楼",
        code=f"{grid.code}-B3",
        lng=square.centroid.x,
        lat=square.centroid.y,
    )
    first, second = [b for b in small.buildings if b.grid_id == grid.pk]
    households = [h for h in small.households if h.grid_id == grid.pk]
    opened, never_opened = households[0], households[1]
    base = live_server.url

    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    # Online once: the start page (the service worker is installed, the grid's data kept), then
    # the briefing, the patrol, the visit list and one household's visit form.
    go(page, f"{base}/fieldwork/")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    # Installable: the manifest has no error, and Chromium's only objection is the test's own
    # private (incognito) browser context.
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getAppManifest")["errors"] == []
    assert [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]] == ["in-incognito"]
    cdp.detach()
    for path in (
        f"/fieldwork/grids/{grid.pk}/briefing/",
        f"/fieldwork/grids/{grid.pk}/patrol/",
        f"/fieldwork/grids/{grid.pk}/visits/",
        f"/fieldwork/households/{opened.pk}/visit/",
    ):
        go(page, base + path)

    page.context.set_offline(True)
    server_requests.clear()
    queue = page.get_by_test_id("queue")

    # 1. The morning briefing, from the page kept on the phone.
    go(page, f"{base}/fieldwork/grids/{grid.pk}/briefing/")
    expect(page.get_by_test_id("briefing-form")).to_be_visible()
    expect(queue).to_contain_text("没有网络")
    page.locator("#matters").fill("3号楼楼道堆物，居民反映")
    page.locator("input[name=task_text]").first.fill("清理3号楼楼道")
    page.get_by_role("button", name="保存早碰头").tap()
    expect(page.get_by_test_id("saved")).to_have_text("早碰头已保存在手机上。")
    expect(queue).to_have_attribute("data-waiting", "1")
    expect(queue).to_contain_text("待发送 1 条")
    shot(page, "briefing")

    # 2. A patrol: two buildings tapped on the patrol page, the third through its QR code's page,
    # which was never opened online (the offline page answers it).
    go(page, f"{base}/fieldwork/grids/{grid.pk}/patrol/")
    page.get_by_test_id("start").tap()
    expect(page.get_by_test_id("local-patrol")).to_be_visible()
    page.locator("#fw-note").fill("门禁损坏")
    page.get_by_test_id(f"building-{first.pk}").tap()
    expect(page.get_by_test_id("checkin")).to_have_count(1)
    page.get_by_test_id(f"building-{second.pk}").tap()
    expect(page.get_by_test_id("checkin")).to_have_count(2)
    shot(page, "patrol")
    go(page, f"{base}/fieldwork/checkin/{third.pk}/")
    expect(page.locator("h1")).to_contain_text(third.name)
    shot(page, "qr-checkin")
    with page.expect_navigation():
        page.get_by_test_id("qr-checkin").tap()
    page.wait_for_selector("html[data-field-ready=true]", state="attached")
    expect(page.get_by_test_id("checkin")).to_have_count(3)
    expect(page.get_by_test_id(f"building-{third.pk}")).to_contain_text("✓")
    page.locator("#fw-findings").fill("1号楼门禁损坏")
    page.get_by_test_id("finish").tap()
    expect(page.get_by_test_id("saved")).to_have_text("巡查已保存在手机上。")
    expect(queue).to_have_attribute("data-waiting", "2")

    # 3. A visit to a household whose form was never opened online.
    go(page, f"{base}/fieldwork/households/{never_opened.pk}/visit/")
    expect(page.locator("h1")).to_contain_text(never_opened.name)
    page.locator("#met").fill("户主本人")
    page.locator("#needs").fill("需要申请临时救助")
    page.locator("input[name=flag][value=hardship]").check()
    shot(page, "visit")
    page.get_by_test_id("save-visit").tap()
    expect(page.get_by_test_id("saved")).to_have_text("走访已保存在手机上。")
    expect(queue).to_have_attribute("data-waiting", "3")
    expect(queue).to_contain_text("待发送 3 条")
    shot(page, "queued")

    # Nothing has reached the server: not a record, not a request.
    assert server_requests == []
    assert not Briefing.objects.exists() and not Patrol.objects.exists() and not Visit.objects.exists()
    kept = page.evaluate("wanggeField.queued()")
    assert [item["kind"] for item in kept] == ["briefing", "patrol", "visit"]

    # The connection returns: the queue is sent by itself, each record once.
    page.context.set_offline(False)
    expect(queue).to_have_attribute("data-waiting", "0")
    expect(queue).to_contain_text("已全部发送")
    shot(page, "sent")
    briefing = Briefing.objects.get()
    assert briefing.grid_id == grid.pk and briefing.date == timezone.localdate()
    assert briefing.matters == "3号楼楼道堆物，居民反映" and list(briefing.attendees.all()) == [worker_a]
    assert [t.text for t in briefing.tasks.all()] == ["清理3号楼楼道"]  # type: ignore[attr-defined]
    patrol = Patrol.objects.get()
    assert patrol.finished_at is not None and patrol.findings == "1号楼门禁损坏"
    checkins = list(patrol.checkins.order_by("at"))  # type: ignore[attr-defined]
    assert [c.building_id for c in checkins] == [first.pk, second.pk, third.pk]
    assert [c.note for c in checkins] == ["门禁损坏", "", ""]
    visit = Visit.objects.get()
    assert visit.household_id == never_opened.pk and visit.met == "户主本人" and visit.flags == ["hardship"]
    assert actions.visit_text(visit)["needs"] == "需要申请临时救助"
    assert {str(briefing.uuid), str(patrol.uuid), str(visit.uuid)} == {item["uuid"] for item in kept}

    # Sending the same records again, through the page's own sender: 200, nothing created.
    statuses = page.evaluate(
        "items => Promise.all(items.map(i => wanggeField.send(i.kind, i.body).then(a => a.status)))", kept
    )
    assert statuses == [200, 200, 200]
    assert (Briefing.objects.count(), Patrol.objects.count(), Visit.objects.count()) == (1, 1, 1)
    assert patrol.checkins.count() == 3  # type: ignore[attr-defined]
    assert not RecordVersion.objects.exists()
    assert any(path.startswith("/api/v1/patrols") for path in server_requests)  # the server was listening

    # The broken door noted at the first building becomes a case, from the sent patrol's check-in.
    finding = checkins[0]
    with page.expect_navigation():
        page.get_by_test_id(f"report-{finding.pk}").tap()
    page.locator("#category").select_option(index=1)
    page.locator("#description").fill("单元门禁损坏，无法关闭")
    with page.expect_navigation():
        page.get_by_test_id("file-case").tap()
    finding.refresh_from_db()
    assert finding.case is not None and finding.case.building_id == first.pk


def test_a_visit_edited_on_the_server_after_the_phone_keeps_the_phone_version_in_its_history(
    make_page, live_server, small, worker_a
):
    household = next(h for h in small.households if h.grid_id == small.grids[0].pk and h.level == Level.HOUSEHOLD)
    visited = timezone.now() - dt.timedelta(hours=1)
    visit, _created = actions.record_visit(
        worker_a, uuid=uuid.uuid4(), household=household, visited_at=visited, met="户主", updated_at=visited
    )
    phone_edit = visited + dt.timedelta(minutes=10)
    actions.edit_record(worker_a, visit, {"met": "户主和女儿"}, visited + dt.timedelta(minutes=20))

    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    go(page, f"{live_server.url}/fieldwork/")
    page.context.set_offline(True)
    body = {
        "uuid": str(visit.uuid),
        "household": household.pk,
        "visited_at": visited.isoformat(),
        "met": "户主的儿子",
        "updated_at": phone_edit.isoformat(),
    }
    page.evaluate("body => wanggeField.enqueue('visit', body, '走访')", body)
    queue = page.get_by_test_id("queue")
    expect(queue).to_have_attribute("data-waiting", "1")
    page.context.set_offline(False)
    expect(queue).to_have_attribute("data-waiting", "0")

    visit.refresh_from_db()
    assert visit.met == "户主和女儿"  # the server's later edit stays
    kept = [actions.version_data(v) for v in RecordVersion.objects.filter(record_id=visit.pk).order_by("id")]
    assert kept[-1]["met"] == "户主的儿子"  # the phone's earlier one is in the history
    assert Visit.objects.count() == 1


def test_a_record_the_server_refuses_stays_with_its_message_and_is_not_sent_again_by_itself(
    make_page, live_server, small, worker_a, server_requests
):
    theirs = next(h for h in small.households if h.grid_id == small.grids[2].pk)  # outside worker_a's scope
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    go(page, f"{live_server.url}/fieldwork/")
    page.context.set_offline(True)
    body = {"uuid": str(uuid.uuid4()), "household": theirs.pk, "visited_at": timezone.now().isoformat()}
    page.evaluate("body => wanggeField.enqueue('visit', body, '走访 别的网格')", body)
    server_requests.clear()
    page.context.set_offline(False)
    queue = page.get_by_test_id("queue")
    expect(queue).to_have_attribute("data-refused", "1")
    expect(page.get_by_test_id("refused")).to_contain_text("走访 别的网格 · 未被接受：")
    shot(page, "refused")
    assert server_requests.count("/api/v1/visits") == 1

    go(page, f"{live_server.url}/fieldwork/")  # a page load sends the queue, but not what was refused
    expect(queue).to_have_attribute("data-refused", "1")
    assert server_requests.count("/api/v1/visits") == 1
    page.get_by_test_id("send-now").tap()  # by hand: sent again, refused again
    expect(page.get_by_test_id("refused")).to_have_count(1)
    page.wait_for_function("() => document.getElementById('fw-queue').dataset.sending === undefined")
    assert server_requests.count("/api/v1/visits") == 2
    page.get_by_test_id("refused").get_by_role("button").tap()  # discarded
    expect(page.get_by_test_id("refused")).to_have_count(0)
    assert page.evaluate("wanggeField.queued()") == []
    assert not Visit.objects.exists()
