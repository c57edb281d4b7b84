"""A survey round's sheet (摸排结果): dry run, then commit through the assistance actions, all or
none, a second commit changing nothing."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.assistance import actions, queries
from wangge.assistance.models import Dossier, DossierEvent, Need, Priority, Source, SurveyHousehold
from wangge.lib.errors import DomainError
from wangge.lib.testing import assert_flat, count_queries
from wangge.onboarding.survey import import_survey
from wangge.onboarding.tests.factories import write_table

HEADER = ["户编码", "社区", "网格", "楼栋", "房号", "摸排日期", "困难原因", "需求", "优先级", "需求说明", "家庭情况"]
SITUATION = "独居老人患尿毒症每周透析三次"


@pytest.fixture
def survey(small, community_staff):
    today = timezone.localdate()
    return actions.create_survey_round(
        community_staff, area=small.communities[0], name="冬季摸排", starts_on=today, ends_on=today
    )


def sheet(tmp_path, small, name="survey.xlsx"):
    h = small.households
    rows = [
        # By code: two rows, two needs of one household.
        [h[0].code, "", "", "", "", "2026-11-02", "疾病、独居", "医疗", "最急", "每周透析", SITUATION],
        [h[0].code, "", "", "", "", "2026-11-02", "", "照料", "最盼", "", ""],
        # By address as the address book writes it; seen, nothing found.
        ["", "社区1", "第1网格", "1号楼", "201", "2026-11-03", "", "", "", "", ""],
        # By address, with a need of ordinary priority.
        ["", "社区1", "第2网格", "2号楼", "301室", "", "失业", "就业", "", "", ""],
    ]
    return write_table(tmp_path / name, HEADER, rows, title="2026年冬季摸排结果")


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(small, survey, community_staff, tmp_path):
    report = import_survey(community_staff, survey=survey, path=sheet(tmp_path, small))

    assert report.ok, report.problems
    assert (report.rows, report.committed) == (4, False)
    assert report.created == {"dossiers_opened": 2, "needs": 3, "households_seen": 3}
    assert not Dossier.objects.exists() and queries.survey_progress(survey) == (0, 12)


def test_a_commit_opens_dossiers_from_the_survey_marks_the_households_seen_and_audits_counts(
    small, survey, community_staff, tmp_path
):
    report = import_survey(community_staff, survey=survey, path=sheet(tmp_path, small), commit=True)

    assert report.committed and queries.survey_progress(survey) == (3, 12)
    first = Dossier.objects.get(household=small.households[0])
    assert first.sources == [Source.SURVEY]
    assert actions.dossier_text(first) == {"situation": SITUATION, "causes": ["illness", "elderly_alone"]}
    needs = sorted((actions.need_text(n)["kind"], n.priority) for n in Need.objects.filter(dossier=first))
    assert needs == [("care", Priority.MOST_HOPED), ("medical", Priority.MOST_URGENT)]
    seen = SurveyHousehold.objects.get(round=survey, household=small.households[0])
    assert (seen.seen_on, seen.dossier_id) == (dt.date(2026, 11, 2), first.pk)
    nothing_found = SurveyHousehold.objects.get(round=survey, household=small.households[1])
    assert (nothing_found.seen_on, nothing_found.dossier_id) == (dt.date(2026, 11, 3), None)
    assert not Dossier.objects.filter(household=small.households[1]).exists()
    other = Dossier.objects.get(household=small.households[11])
    assert [n.priority for n in Need.objects.filter(dossier=other)] == [Priority.ORDINARY]
    audit = AuditEvent.objects.get(action=AuditAction.ONBOARDING_IMPORTED)
    assert audit.detail["kind"] == "survey" and audit.detail["created"]["needs"] == 3
    assert SITUATION not in str(audit.detail)


def test_a_second_commit_of_the_same_file_changes_nothing(small, survey, community_staff, tmp_path):
    path = sheet(tmp_path, small)
    import_survey(community_staff, survey=survey, path=path, commit=True)
    events, needs = DossierEvent.objects.count(), Need.objects.count()

    again = import_survey(community_staff, survey=survey, path=path, commit=True)

    assert again.ok and (again.created, again.unchanged) == ({}, 3)
    assert (DossierEvent.objects.count(), Need.objects.count()) == (events, needs)


def test_a_household_that_has_a_dossier_gets_only_what_is_new(small, survey, community_staff, worker_a, tmp_path):
    d = actions.open_dossier(
        worker_a,
        household=small.households[0],
        causes=["illness"],
        needs=[actions.NeedData("medical", Priority.MOST_URGENT, "每周透析")],
    )

    report = import_survey(community_staff, survey=survey, path=sheet(tmp_path, small), commit=True)

    assert report.created == {"dossiers_updated": 1, "dossiers_opened": 1, "needs": 2, "households_seen": 3}
    d.refresh_from_db()
    assert d.sources == [Source.SELF_REPORT, Source.SURVEY]
    assert Need.objects.filter(dossier=d).count() == 2


def test_every_problem_is_listed_by_row_with_its_code_and_nothing_is_written(small, survey, community_staff, tmp_path):
    h = small.households
    rows = [
        [h[0].code, "", "", "", "", "", "疾病", "医疗", "最急", "", ""],
        ["X-NONE", "", "", "", "", "", "", "", "", "", ""],
        [h[12].code, "", "", "", "", "", "", "", "", "", ""],  # community 2: not on the round's list
        [h[1].code, "", "", "", "", "", "运气不好", "", "", "", ""],
        [h[2].code, "", "", "", "", "", "", "买房", "", "", ""],
        [h[3].code, "", "", "", "", "", "", "", "最急", "", ""],
        [h[4].code, "", "", "", "", "昨天", "", "", "", "", ""],
        ["", "社区1", "第1网格", "9号楼", "101", "", "", "", "", "", ""],
    ]
    path = write_table(tmp_path / "bad.csv", HEADER, rows)

    report = import_survey(community_staff, survey=survey, path=path, commit=True)

    assert [(p.row, p.code) for p in report.problems] == [
        (3, "unknown_household"),
        (9, "unknown_building"),
        (4, "household_not_in_round"),
        (5, "unknown_choice"),
        (6, "unknown_choice"),
        (7, "value_missing"),
        (8, "date_format"),
    ]
    assert not report.committed and not Dossier.objects.exists()
    assert queries.survey_progress(survey) == (0, 12)


def test_a_file_without_the_columns_is_one_problem_of_the_file(small, survey, community_staff, tmp_path):
    path = write_table(tmp_path / "x.csv", ["姓名", "电话"], [["张三", "13800000000"]])
    report = import_survey(community_staff, survey=survey, path=path)
    assert [(p.row, p.code) for p in report.problems] == [(None, "header_not_found")]


def test_only_the_keepers_of_the_rounds_area_import_its_sheet(
    small, survey, worker_a, worker_b, district_admin, supervisor, resident, tmp_path
):
    path = sheet(tmp_path, small)
    assert import_survey(district_admin, survey=survey, path=path).ok
    for outsider in (worker_a, worker_b, supervisor, resident):  # worker_a keeps one grid of the community only
        with pytest.raises(DomainError) as refused:
            import_survey(outsider, survey=survey, path=path)
        assert refused.value.code == "not_found"


def test_the_dry_run_reads_the_sheet_in_the_same_queries_however_many_rows(small, survey, community_staff, tmp_path):
    runs = []
    for n in (1, 6):
        rows = [[h.code, "", "", "", "", "", "疾病", "医疗", "最急", "", ""] for h in small.households[:n]]
        path = write_table(tmp_path / f"n{n}.xlsx", HEADER, rows)
        with count_queries() as queries_:
            assert import_survey(community_staff, survey=survey, path=path).ok
        runs.append(queries_)
    assert_flat(*runs)


def test_the_import_command_dry_runs_and_commits_a_survey_sheet(small, survey, community_staff, tmp_path, capsys):
    path = sheet(tmp_path, small)
    call_command("import", "survey", str(path), "--round", str(survey.pk), "--user", community_staff.username, "--json")
    assert json.loads(capsys.readouterr().out)["created"]["dossiers_opened"] == 2
    assert not Dossier.objects.exists()
    call_command(
        "import", "survey", str(path), "--round", str(survey.pk), "--user", community_staff.username, "--commit"
    )
    assert Dossier.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("import", "survey", str(path), "--round", "999999", "--user", community_staff.username)
