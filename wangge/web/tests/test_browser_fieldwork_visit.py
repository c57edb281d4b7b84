"""A visit's page on a 390 × 844 phone in Debian's Chromium: the needs and note revealed with a
reason, a member of the household marked moved away, and the notice in a responsible member's
inbox. Screenshots go to test-artifacts/screenshots/fieldwork-visit-*.png."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.fieldwork import actions
from wangge.fieldwork.tests.factories import member, visit
from wangge.people.models import Person, PersonStatus
from wangge.people.tests.factories import resident
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

NEEDS = "家中老人卧床，需要申请居家养老上门服务"


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"fieldwork-visit-{name}.png", full_page=True)


def test_a_grid_worker_reveals_a_visit_and_corrects_the_registry_on_a_phone(make_page, live_server, small, worker_a):
    household = small.households[0]
    mover = resident(small, 0, name="王大伟", id_number="11010519491231002X")
    resident(small, 0, name="王小红")
    member(small, "楼长党员", [small.buildings[0]], user=make_persona("member_a", Role.MEMBER, small.buildings[0]))
    member(small, "无账号党员", [household])
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    record = visit(
        worker_a,
        household,
        when,
        met="户主王大伟的妻子",
        needs=NEEDS,
        note="与楼上住户因漏水有纠纷",
        flags=["hardship"],
        changes=["moved_out", "birth"],
    )
    actions.edit_record(worker_a, record, {"met": "户主的妻子"}, record.updated_at + dt.timedelta(minutes=5))

    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/fieldwork/visits/{record.pk}/")
    expect(page.get_by_test_id("visit-facts")).to_contain_text("户主的妻子")
    expect(page.get_by_test_id("told")).to_contain_text("1")
    expect(page.locator("body")).not_to_contain_text(NEEDS)
    shot(page, "detail")

    page.get_by_test_id("reveal").locator("summary").tap()
    page.locator("#reveal-reason").fill("安排居家养老上门服务")
    with page.expect_navigation():
        page.get_by_test_id("reveal-button").tap()
    expect(page.get_by_test_id("clear")).to_contain_text(NEEDS)
    shot(page, "revealed")
    assert AuditEvent.objects.filter(action=AuditAction.VISIT_REVEALED, object_id=str(record.pk)).count() == 1

    page.goto(f"{live_server.url}/fieldwork/visits/{record.pk}/")
    card = page.get_by_test_id("member").filter(has_text="王大伟")
    card.locator("input[type=date]").fill((when.date() - dt.timedelta(days=3)).isoformat())
    shot(page, "corrections")
    with page.expect_navigation():
        card.get_by_test_id("mark-moved_away").tap()
    expect(page.get_by_test_id("member").filter(has_text="王大伟").get_by_test_id("member-status")).to_be_visible()
    shot(page, "corrected")
    assert Person.objects.get(pk=mover.pk).status == PersonStatus.MOVED_AWAY

    inbox = make_page(PHONE_390, mobile=True)
    log_in(inbox, live_server, "member_a")
    inbox.goto(f"{live_server.url}/notifications/")
    expect(inbox.locator(".notifications")).to_contain_text("有需求待跟进")
    expect(inbox.locator("body")).not_to_contain_text(NEEDS)
    shot(inbox, "notice")
