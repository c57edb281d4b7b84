"""Residents' records in Debian's Chromium: the district admin imports a ledger through the
wizard on a desktop (progress, dry-run report, commit), opens a created person and reveals the
ID number with a reason; a grid worker on a phone finds a resident by ID number and opens the
page. The background task is run from the test, as `wangge worker` would, while the page polls.
Screenshots go to test-artifacts/screenshots/ (people-*.png)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from wangge.accounts.models import AuditEvent
from wangge.ledgers.models import ImportRun, RunMode
from wangge.ledgers.tasks import run_import
from wangge.ledgers.tests.factories import grid_row, id_number, write_csv
from wangge.people.models import Person
from wangge.web.tests.browser import DESKTOP, PHONE, SCREENSHOTS, log_in, no_horizontal_scroll, open_menu
from wangge.web.tests.conftest import id_number as resident_id
from wangge.web.tests.conftest import zh

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

ID_SUN = id_number(dt.date(1950, 1, 2), 11)
REASON = "核实高龄津贴申请材料"


def shot(page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"people-{name}.png", full_page=True)


def ledger_bytes(tmp_path) -> bytes:
    rows = [
        grid_row(name="孙大爷", id_number=ID_SUN, phone="13700001111", education="高中", residence="人户一致"),
        grid_row(room="201", name="钱多多", birth="2001-09-09", political="共青团员"),
        grid_row(room="301", name=""),
        grid_row(building="9号楼", name="李四"),
    ]
    return write_csv(tmp_path / "ledger.csv", rows).read_bytes()


def test_admin_imports_a_ledger_and_reveals_a_created_person(make_page, live_server, small, district_admin, tmp_path):
    page = make_page(DESKTOP)
    log_in(page, live_server, "admin_d")
    page.get_by_role("link", name=zh("Ledger imports"), exact=True).click()
    page.wait_for_url(f"{live_server.url}/imports/")
    page.get_by_role("link", name=zh("Upload a ledger"), exact=True).click()
    page.get_by_label(zh("Grid-system ledger")).check()
    page.locator("#file").set_input_files(
        files=[{"name": "第一网格台账.csv", "mimeType": "text/csv", "buffer": ledger_bytes(tmp_path)}]
    )
    shot(page, "1-desktop-upload")
    page.get_by_role("button", name=zh("Upload and check")).click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    run = ImportRun.objects.get()
    status = page.locator("#run-status")
    expect(status).to_have_attribute("data-state", "queued")
    expect(page.get_by_test_id("run-state")).to_have_text(zh("Queued"))
    expect(page.locator("#run-status progress")).to_be_visible()
    shot(page, "2-desktop-progress")

    run_import.call(run.pk)  # the worker; the page notices within a second
    expect(status).to_have_attribute("data-state", "succeeded", timeout=5000)
    counts = page.get_by_test_id("counts")
    expect(counts.locator("[data-count=new] .tile-n")).to_have_text("2")
    expect(counts.locator("[data-count=invalid] .tile-n")).to_have_text("2")
    invalid = page.get_by_test_id("invalid-rows")
    expect(invalid.locator("tbody tr")).to_have_count(2)
    # The reason in words; its stable code on the row, for scripts, not beside the words.
    expect(invalid.locator("tbody tr[data-codes=name_missing]")).to_contain_text("该行没有姓名。")
    expect(invalid).not_to_contain_text("name_missing")
    expect(page.get_by_role("link", name=zh("Download the error report (.xlsx)"))).to_be_visible()
    assert ID_SUN not in page.content()
    shot(page, "3-desktop-dry-run-report")

    page.get_by_test_id("commit").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    committed = ImportRun.objects.get(mode=RunMode.COMMIT)
    assert page.url.endswith(f"/imports/{committed.pk}/")
    run_import.call(committed.pk)
    expect(page.locator("#run-status")).to_have_attribute("data-state", "succeeded", timeout=5000)
    expect(page.get_by_test_id("counts").locator("[data-count=new] .tile-n")).to_have_text("2")
    assert Person.objects.filter(name="孙大爷").exists()
    shot(page, "4-desktop-committed")

    # The created person, found by name, masked; then revealed with a reason.
    page.get_by_role("link", name=zh("Residents"), exact=True).click()
    page.locator("#q").fill("孙大爷")
    page.get_by_role("button", name=zh("Search"), exact=True).click()
    page.get_by_role("link", name="孙大爷", exact=True).click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    sun = Person.objects.get(name="孙大爷")
    expect(page.get_by_test_id("id-number")).to_have_text(sun.id_number_masked)
    expect(page.get_by_test_id("facts")).to_contain_text(zh("Senior secondary"))
    reveal = page.get_by_test_id("reveal")
    reveal.locator("summary").click()
    shot(page, "5-desktop-person-masked")
    # Without a reason: the translated error, nothing revealed.
    page.locator("#reveal-reason").evaluate(
        "el => { el.removeAttribute('required'); el.removeAttribute('minlength'); }"
    )
    page.locator("#reveal-reason").fill("看")
    reveal.get_by_role("button", name=zh("Show in clear")).click()
    expect(page.locator("[data-code=reveal_reason_required]")).to_have_text(
        zh("State why you need to see this person's data.")
    )
    # Least privilege: nothing is ticked until the user ticks what the reason needs.
    boxes = reveal.locator("input[name=fields]")
    assert boxes.count() == 3 and all(not boxes.nth(i).is_checked() for i in range(3))
    reveal.locator("input[value=id_number]").check()
    reveal.locator("input[value=phone]").check()
    page.locator("#reveal-reason").fill(REASON)
    reveal.get_by_role("button", name=zh("Show in clear")).click()
    page.wait_for_url(re.compile(rf"/people/{sun.pk}/$"))
    expect(page.get_by_test_id("id-number")).to_contain_text(ID_SUN)
    expect(page.get_by_test_id("phone")).to_contain_text("13700001111")
    expect(page.get_by_test_id("expires")).to_be_visible()
    assert AuditEvent.objects.filter(action="personal_data_revealed", object_id=str(sun.pk)).count() == 1
    shot(page, "6-desktop-person-revealed")


def test_grid_worker_finds_a_resident_on_a_phone(make_page, live_server, populated, worker_a):
    page = make_page(PHONE, mobile=True)
    log_in(page, live_server, "worker_a")
    open_menu(page)
    page.locator("nav.main-nav").get_by_role("link", name=zh("Residents"), exact=True).click()
    page.wait_for_url(f"{live_server.url}/people/")
    assert no_horizontal_scroll(page)
    page.locator("#q").fill(resident_id(1))
    page.get_by_role("button", name=zh("Search"), exact=True).click()
    page.wait_for_load_state()
    assert "?" not in page.url and resident_id(1) not in page.url
    rows = page.locator("table.people tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(populated.resident.id_number_masked)
    assert no_horizontal_scroll(page)
    shot(page, "7-phone-search")
    rows.first.get_by_role("link", name=populated.resident.name).click()
    page.wait_for_url(re.compile(rf"/people/{populated.resident.pk}/$"))
    expect(page.get_by_test_id("id-number")).to_have_text(populated.resident.id_number_masked)
    page.get_by_test_id("reveal").locator("summary").click()
    assert no_horizontal_scroll(page)
    shot(page, "8-phone-person")
