"""困难帮扶 on a 390 × 844 phone in Debian's Chromium: a grid worker opens a dossier from a visit,
adds a 最急 need, pairs a member from the suggestions and assigns the need; the member sees the
task on their phone and records the help. Screenshots go to
test-artifacts/screenshots/assistance-*.png."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.assistance.models import Dossier, Help, NeedState, Source
from wangge.conftest import make_persona
from wangge.fieldwork.tests.factories import member, visit
from wangge.people.models import HouseholdMember
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

SITUATION = "独居老人，患尿毒症每周透析三次，子女均在外地"


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"assistance-{name}.png", full_page=True)


def test_a_dossier_opened_from_a_visit_reaches_the_paired_members_phone(make_page, live_server, small, worker_a):
    household = small.households[0]
    record = visit(worker_a, household, timezone.now(), met="户主")
    helper = member(small, "李党员", user=make_persona("member_li", Role.MEMBER, small.buildings[0]))
    HouseholdMember.objects.create(person=helper.person, household=small.households[1])  # same building

    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "worker_a")
    page.goto(f"{live_server.url}/fieldwork/visits/{record.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("open-dossier").tap()
    expect(page.get_by_test_id("from-visit")).to_be_visible()
    page.locator("#situation").fill(SITUATION)
    page.get_by_label("疾病").check()
    shot(page, "open")
    with page.expect_navigation():
        page.get_by_test_id("open-submit").tap()
    dossier = Dossier.objects.get(household=household)
    assert dossier.sources == [Source.VISIT]
    expect(page.get_by_test_id("situation")).to_contain_text(SITUATION)

    page.get_by_test_id("add-need").locator("summary").tap()
    page.locator("#kind").select_option("medical")
    page.locator("#priority").select_option("most_urgent")
    page.locator("#note").fill("每周三次接送透析")
    with page.expect_navigation():
        page.get_by_test_id("add-need-submit").tap()
    expect(page.get_by_test_id("need").first).to_have_attribute("data-priority", "most_urgent")

    suggestion = page.get_by_test_id("suggestion").filter(has_text="李党员")
    expect(suggestion).to_contain_text("同楼")
    shot(page, "dossier")
    with page.expect_navigation():
        suggestion.get_by_test_id("pair-button").tap()
    expect(page.get_by_test_id("pair")).to_contain_text("李党员")

    need = page.get_by_test_id("need").first
    need.locator("summary").tap()
    need.get_by_test_id("assign-pair").select_option(index=1)
    with page.expect_navigation():
        need.get_by_test_id("change-need").tap()
    expect(page.get_by_test_id("need").first).to_contain_text("已分派给结对")
    shot(page, "paired")
    assert AuditEvent.objects.filter(action=AuditAction.DOSSIER_VIEWED, object_id=str(dossier.pk)).count() >= 4

    phone = make_page(PHONE_390, mobile=True)
    log_in(phone, live_server, "member_li")
    phone.locator("header .menu-button").tap()
    with phone.expect_navigation():
        phone.get_by_role("link", name="我的结对户").tap()
    card = phone.get_by_test_id("my-pair")
    expect(card).to_contain_text(household.name)
    expect(card.get_by_test_id("my-need")).to_contain_text("医疗")
    expect(phone.locator("body")).not_to_contain_text(SITUATION)
    expect(phone.locator("body")).not_to_contain_text("疾病")
    shot(phone, "mine")
    card.locator("summary").tap()
    card.locator("input[name=what]").fill("开车接送透析")
    card.locator("input[name=hours]").fill("3")
    card.locator("select[name=need]").select_option(index=1)
    with phone.expect_navigation():
        card.get_by_test_id("my-help-submit").tap()
    expect(phone.locator(".message.success")).to_be_visible()
    shot(phone, "helped")
    helped = Help.objects.get()
    assert helped.pair.helper_id == helper.pk and helped.need.state == NeedState.BEING_MET
