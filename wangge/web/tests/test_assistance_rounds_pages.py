"""摸排 and 千帮千 pages: the rounds and campaigns list, a round's page with its sheet's upload →
dry run → commit or discard (the file in no URL, deleted after), a campaign's page pairing many
at once; scope with two grids' personas; flat query counts."""

import datetime as dt
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.assistance import actions, queries
from wangge.assistance.models import Dossier, Pair, SheetState, SurveyRound, SurveySheetImport
from wangge.assistance.tests.factories import URGENT, dossier, member_with_account
from wangge.ledgers.files import media_path
from wangge.lib.testing import assert_flat, count_queries
from wangge.onboarding.survey import commit_survey_sheet, run_commit
from wangge.onboarding.tests.factories import write_table

HEADER = ["户编码", "困难原因", "需求", "优先级", "家庭情况"]


@pytest.fixture
def survey(small, community_staff):
    today = timezone.localdate()
    return actions.create_survey_round(
        community_staff, area=small.communities[0], name="冬季摸排", starts_on=today, ends_on=today
    )


@pytest.fixture
def campaign(small, community_staff):
    return actions.create_campaign(
        community_staff, area=small.communities[0], name="春风结对", starts_on=timezone.localdate()
    )


def _upload(client, survey, path):
    with path.open("rb") as f:
        file = SimpleUploadedFile(path.name, f.read())
    return client.post(reverse("assistance_round_upload", args=[survey.pk]), {"file": file})


def test_community_staff_upload_a_sheet_see_the_dry_run_then_commit_in_the_background_and_the_file_is_gone(
    client, small, survey, community_staff, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [[small.households[0].code, "疾病", "医疗", "最急", "透析"], [small.households[1].code, "", "", "", ""]]
    path = write_table(tmp_path / "s.xlsx", HEADER, rows)
    client.force_login(community_staff)

    response = _upload(client, survey, path)
    assert response.status_code == 302 and response["Location"] == reverse("assistance_round", args=[survey.pk])
    stored = client.session["survey_uploads"][str(survey.pk)]["file"]
    assert stored not in response["Location"] and media_path(stored).is_file()
    page = client.get(reverse("assistance_round", args=[survey.pk])).content.decode()
    assert 'data-testid="commit"' in page and not Dossier.objects.exists()

    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("assistance_round_commit", args=[survey.pk]))

    # The commit is queued for the worker: nothing written yet, the page refreshes while it waits.
    sheet = SurveySheetImport.objects.get()
    assert sheet.state == SheetState.QUEUED and len(queued) == 1 and not Dossier.objects.exists()
    assert str(survey.pk) not in client.session["survey_uploads"] and media_path(stored).is_file()
    page = client.get(reverse("assistance_round", args=[survey.pk])).content.decode()
    assert 'data-state="queued"' in page and 'http-equiv="refresh"' in page

    assert commit_survey_sheet.call(sheet.pk) == SheetState.SUCCEEDED  # what `wangge worker` does

    assert Dossier.objects.get().household_id == small.households[0].pk
    assert queries.survey_progress(survey) == (2, 12)
    assert not media_path(stored).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ONBOARDING_IMPORTED).count() == 1
    page = client.get(reverse("assistance_round", args=[survey.pk])).content.decode()
    assert page.count('data-seen="1"') == 2 and page.count('data-seen="0"') == 10
    assert 'data-state="succeeded"' in page and 'http-equiv="refresh"' not in page
    assert commit_survey_sheet.call(sheet.pk) == SheetState.SUCCEEDED  # delivered twice: runs once
    assert AuditEvent.objects.filter(action=AuditAction.ONBOARDING_IMPORTED).count() == 1


def test_a_sheet_with_problems_lists_them_and_cannot_be_committed_and_discard_deletes_it(
    client, small, survey, community_staff, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_table(
        tmp_path / "s.csv", HEADER, [["X-NONE", "", "", "", ""], [small.households[12].code, "", "", "", ""]]
    )
    client.force_login(community_staff)
    _upload(client, survey, path)
    stored = client.session["survey_uploads"][str(survey.pk)]["file"]
    page = client.get(reverse("assistance_round", args=[survey.pk])).content.decode()
    assert 'data-code="unknown_household"' in page and 'data-code="household_not_in_round"' in page
    assert 'data-testid="commit"' not in page
    client.post(reverse("assistance_round_discard", args=[survey.pk]))
    assert not media_path(stored).exists()
    # Committed anyway (a form posted by hand): the background run writes nothing, says why by
    # row and code, and deletes the file.
    _upload(client, survey, path)
    stored = client.session["survey_uploads"][str(survey.pk)]["file"]
    client.post(reverse("assistance_round_commit", args=[survey.pk]))
    sheet = SurveySheetImport.objects.get()
    assert run_commit(sheet.pk) == SheetState.FAILED
    sheet.refresh_from_db()
    assert sorted(code for _row, code in sheet.problems) == ["household_not_in_round", "unknown_household"]
    assert queries.survey_progress(survey) == (0, 12) and not media_path(stored).exists()


def test_a_sheet_left_for_a_day_is_deleted_at_the_next_upload(
    client, small, survey, community_staff, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_table(tmp_path / "s.csv", HEADER, [[small.households[0].code, "", "", "", ""]])
    client.force_login(community_staff)
    _upload(client, survey, path)
    old = media_path(client.session["survey_uploads"][str(survey.pk)]["file"])
    day_ago = (timezone.now() - dt.timedelta(hours=25)).timestamp()
    os.utime(old, (day_ago, day_ago))
    other = actions.create_survey_round(
        community_staff,
        area=small.grids[0],
        name="另一轮",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    _upload(client, other, path)
    assert not old.exists()
    page = client.get(reverse("assistance_round", args=[survey.pk])).content.decode()
    assert 'data-testid="commit"' not in page and str(survey.pk) not in client.session["survey_uploads"]


def test_the_round_and_campaign_pages_answer_404_outside_the_areas_kept(
    client, small, survey, campaign, worker_a, worker_b, supervisor, resident, district_admin, community_staff
):
    urls = [reverse("assistance_round", args=[survey.pk]), reverse("assistance_campaign", args=[campaign.pk])]
    for user in (community_staff, district_admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)
        assert client.get(reverse("assistance_rounds")).status_code == 200
    # A grid worker keeps one grid, not the community the round is over; worker_b another community.
    for user in (worker_a, worker_b):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        listing = client.get(reverse("assistance_rounds")).content.decode()
        assert "冬季摸排" not in listing and "春风结对" not in listing
    for user in (supervisor, resident):
        client.force_login(user)
        assert client.get(urls[0]).status_code in (403, 404)
        assert client.get(reverse("assistance_rounds")).status_code in (403, 404)


def test_rounds_and_campaigns_are_created_from_the_list_and_listed_with_progress(
    client, small, community_staff, worker_b
):
    client.force_login(community_staff)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("assistance_rounds_create", args=["round"]),
        {"area": small.grids[0].pk, "name": "一网格摸排", "starts_on": today, "ends_on": today},
    )
    survey = SurveyRound.objects.get()
    assert response["Location"] == reverse("assistance_round", args=[survey.pk])
    assert queries.survey_progress(survey) == (0, 6)
    client.post(
        reverse("assistance_rounds_create", args=["campaign"]),
        {"area": small.communities[0].pk, "name": "千帮千行动", "starts_on": today},
    )
    page = client.get(reverse("assistance_rounds")).content.decode()
    assert "一网格摸排" in page and "千帮千行动" in page and 'data-progress="0/6"' in page
    # Another community's worker cannot create over this one.
    client.force_login(worker_b)
    refused = client.post(
        reverse("assistance_rounds_create", args=["round"]),
        {"area": small.communities[0].pk, "name": "x", "starts_on": today, "ends_on": today},
    )
    assert refused.status_code == 404 and SurveyRound.objects.count() == 1


def test_a_round_of_flagged_households_only_is_created_from_the_list(client, small, community_staff, worker_a):
    in_database = dossier(worker_a, small.households[0], ("medical", URGENT))
    client.force_login(community_staff)
    today = timezone.localdate().isoformat()
    client.post(
        reverse("assistance_rounds_create", args=["round"]),
        {"area": small.grids[0].pk, "name": "重点户回访", "starts_on": today, "ends_on": today, "only_flagged": "1"},
    )
    survey = SurveyRound.objects.get()
    assert survey.only_flagged and queries.survey_progress(survey) == (0, 1)
    assert list(survey.households.values_list("household_id", flat=True)) == [in_database.household_id]
    page = client.get(reverse("assistance_rounds")).content.decode()
    assert 'data-progress="0/1"' in page and "仅重点户" in page
    # A name but the end before the start: said, nothing created.
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    refused = client.post(
        reverse("assistance_rounds_create", args=["round"]),
        {"area": small.grids[0].pk, "name": "x", "starts_on": today, "ends_on": yesterday},
        follow=True,
    )
    assert "assistance_dates_invalid" in refused.content.decode() and SurveyRound.objects.count() == 1


def test_a_campaign_pairs_many_members_with_many_households_at_once(client, small, campaign, community_staff, worker_a):
    d1 = dossier(worker_a, small.households[0], ("medical", URGENT))
    d2 = dossier(community_staff, small.households[7], ("money", URGENT))
    m1, _u1 = member_with_account(small, "李党员")
    m2, _u2 = member_with_account(small, "王党员")
    client.force_login(community_staff)
    page = client.get(reverse("assistance_campaign", args=[campaign.pk])).content.decode()
    assert page.count('data-testid="unpaired"') == 2

    client.post(
        reverse("assistance_campaign_pair", args=[campaign.pk]), {f"member_{d1.pk}": m1.pk, f"member_{d2.pk}": m2.pk}
    )

    pairs = {(p.dossier_id, p.helper_id, p.campaign_id) for p in Pair.objects.all()}
    assert pairs == {(d1.pk, m1.pk, campaign.pk), (d2.pk, m2.pk, campaign.pk)}
    page = client.get(reverse("assistance_campaign", args=[campaign.pk])).content.decode()
    assert page.count('data-testid="campaign-pair"') == 2 and 'data-testid="unpaired"' not in page
    # A dossier the user does not keep: 404, nothing paired.
    client.force_login(worker_a)
    other = dossier(community_staff, small.households[8])  # grid 2: not worker_a's
    assert (
        client.post(reverse("assistance_campaign_pair", args=[campaign.pk]), {f"member_{other.pk}": m1.pk}).status_code
        == 404
    )


def test_the_pages_take_as_many_queries_with_more_rounds_households_and_pairs(client, small, community_staff, worker_a):
    client.force_login(community_staff)
    today = timezone.localdate()
    campaign = actions.create_campaign(community_staff, area=small.communities[0], name="c", starts_on=today)
    runs = []
    for n in (1, 3):
        for i in range(n):
            actions.create_survey_round(
                community_staff, area=small.grids[i % 2], name=f"r{n}{i}", starts_on=today, ends_on=today
            )
        for h in small.households[(n - 1) * 2 : n * 2]:
            dossier(community_staff, h, ("medical", URGENT))
        survey = SurveyRound.objects.filter(area=small.communities[0]).first() or actions.create_survey_round(
            community_staff, area=small.communities[0], name="all", starts_on=today, ends_on=today
        )
        actions.mark_surveyed(community_staff, survey, small.households[n], today)
        with count_queries() as run:
            for url in (
                reverse("assistance_rounds"),
                reverse("assistance_round", args=[survey.pk]),
                reverse("assistance_campaign", args=[campaign.pk]),
            ):
                assert client.get(url).status_code == 200
        runs.append(run)
    assert_flat(*runs)
