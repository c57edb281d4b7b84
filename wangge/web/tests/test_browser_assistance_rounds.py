"""摸排 on a 390 × 844 phone in Debian's Chromium: community staff create a round for their
community, upload its sheet, read the dry run and import it; then create a campaign and pair a
member. Screenshots go to test-artifacts/screenshots/assistance-round-*.png."""

import pytest
from playwright.sync_api import expect

from wangge.assistance import queries
from wangge.assistance.models import Dossier, Pair, SurveyRound, SurveySheetImport
from wangge.assistance.tests.factories import member_with_account
from wangge.onboarding.survey import run_commit
from wangge.onboarding.tests.factories import write_table
from wangge.web.tests.browser import PHONE_390, SCREENSHOTS, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    assert no_horizontal_scroll(page), name
    page.screenshot(path=SCREENSHOTS / f"assistance-round-{name}.png", full_page=True)


def test_staff_create_a_round_import_its_sheet_and_pair_in_a_campaign(
    make_page, live_server, small, community_staff, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    sheet = write_table(
        tmp_path / "摸排.xlsx",
        ["户编码", "困难原因", "需求", "优先级", "需求说明", "家庭情况"],
        [
            [small.households[0].code, "疾病、独居", "医疗", "最急", "每周透析", "独居老人患尿毒症"],
            [small.households[1].code, "", "", "", "", ""],
        ],
        title="2026年冬季摸排结果",
    )
    member_with_account(small, "李党员")
    page = make_page(PHONE_390, mobile=True)
    log_in(page, live_server, "staff_1")
    page.goto(f"{live_server.url}/assistance/")
    with page.expect_navigation():
        page.get_by_test_id("rounds-link").tap()
    page.get_by_test_id("rounds").locator("summary").tap()
    page.locator("#round-name").fill("冬季摸排")
    shot(page, "list")
    with page.expect_navigation():
        page.get_by_test_id("rounds").locator("button[type=submit]").tap()
    survey = SurveyRound.objects.get()
    expect(page.get_by_test_id("progress")).to_contain_text("0 / 12")

    page.locator("#sheet").set_input_files(str(sheet))
    with page.expect_navigation():
        page.get_by_test_id("upload").locator("button[type=submit]").tap()
    expect(page.get_by_test_id("would")).to_be_visible()
    shot(page, "dry-run")
    assert not Dossier.objects.exists()
    with page.expect_navigation():
        page.get_by_test_id("commit").tap()
    expect(page.get_by_test_id("sheet-import")).to_have_attribute("data-state", "queued")
    run_commit(SurveySheetImport.objects.get().pk)  # what `wangge worker` does
    page.reload()
    expect(page.get_by_test_id("sheet-import")).to_have_attribute("data-state", "succeeded")
    expect(page.get_by_test_id("progress")).to_contain_text("2 / 12")
    shot(page, "imported")
    assert queries.survey_progress(survey) == (2, 12)
    dossier = Dossier.objects.get()

    page.goto(f"{live_server.url}/assistance/rounds/")
    page.get_by_test_id("campaigns").locator("summary").tap()
    page.locator("#campaign-name").fill("千帮千行动")
    with page.expect_navigation():
        page.get_by_test_id("campaigns").locator("button[type=submit]").tap()
    page.get_by_test_id("unpaired").first.select_option(label="李党员")
    shot(page, "campaign")
    with page.expect_navigation():
        page.get_by_test_id("pair").tap()
    expect(page.get_by_test_id("campaign-pair")).to_have_count(1)
    assert Pair.objects.get().dossier_id == dossier.pk
