"""`wangge import people`: the dry run, --commit, --json, --errors, --mapping; no ID number in
clear anywhere it writes (output, error report, logs)."""

import datetime as dt
import io
import json
import logging

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from wangge.ledgers.models import ImportRun, ReviewItem
from wangge.ledgers.tests.factories import first_generation, grid_row, id_number, write_csv, write_xlsx
from wangge.people.actions import PersonInput, create_persons
from wangge.people.models import Person

ID_A = id_number(dt.date(1980, 5, 17), 101)
ID_B = id_number(dt.date(1955, 11, 20), 202)
BAD = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")  # wrong check digit
PHONE = "13812345678"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", "people", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def ledger(small, tmp_path):
    create_persons(None, district=small.district, people=[PersonInput(name="王小明", id_number=ID_A, phone=PHONE)])
    rows = [
        grid_row(name="王小明", id_number=ID_A.lower(), phone=PHONE, relation="户主"),  # 2 conflict: household
        grid_row(room="201", name="孙大爷", id_number=first_generation(dt.date(1955, 11, 20), 202)),  # 3 new
        grid_row(room="301", name="坏号", id_number=BAD, phone="13999998888"),  # 4 invalid
        grid_row(room="301", name="孙大爷", id_number=ID_B),  # 5 duplicate of 3
    ]
    return write_xlsx(tmp_path / "网格台账.xlsx", rows)


def secrets_absent(text: str) -> None:
    for secret in (ID_A, ID_A.lower(), ID_B, BAD, first_generation(dt.date(1955, 11, 20), 202), PHONE, "13999998888"):
        assert secret not in text


def test_dry_run_prints_counts_and_rows_by_number_and_writes_nothing(ledger, caplog):
    with caplog.at_level(logging.DEBUG):
        output = run(str(ledger), "--layout", "grid")
    assert "网格台账.xlsx" in output
    assert "Row 4" in output or "第 4 行" in output
    assert "id_number_check_digit" in output and "duplicate_row" in output
    assert "Dry run" in output or "试运行" in output
    secrets_absent(output + caplog.text)
    assert not ImportRun.objects.exists() and Person.objects.count() == 1


def test_json_summary_and_commit_then_idempotent(ledger, caplog):
    with caplog.at_level(logging.DEBUG):
        summary = json.loads(run(str(ledger), "--layout", "grid", "--json"))
        assert {k: summary[k] for k in ("rows", "new", "matched", "review", "conflicts", "invalid")} == {
            "rows": 4,
            "new": 1,
            "matched": 0,
            "review": 0,
            "conflicts": 1,
            "invalid": 2,
        }
        assert [r["row"] for r in summary["invalid_rows"]] == [4, 5]
        committed = json.loads(run(str(ledger), "--layout", "grid", "--json", "--commit"))
        again = json.loads(run(str(ledger), "--layout", "grid", "--json", "--commit"))
    assert committed["committed"] and committed["queued_for_review"] == 1 and committed["run"]
    assert (again["new"], again["matched"], again["conflicts"], again["queued_for_review"]) == (0, 1, 1, 0)
    assert Person.objects.count() == 2 and ReviewItem.objects.count() == 1
    assert ImportRun.objects.count() == 2
    secrets_absent(json.dumps([summary, committed, again], ensure_ascii=False) + caplog.text)


def test_the_error_report_lists_rejected_and_review_rows_masked(ledger, tmp_path):
    report = tmp_path / "errors.xlsx"
    run(str(ledger), "--layout", "grid", "--errors", str(report))
    book = openpyxl.load_workbook(report)
    rejected, review = book.worksheets
    rows = list(rejected.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [4, 5]
    assert rows[0][1] == "id_number_check_digit"
    assert rows[0][3] == "坏*" and rows[0][4] == BAD[:3] + "*" * 11 + BAD[-4:] and rows[0][5] == "139****8888"
    assert "3" in rows[1][2]  # "same ID number as row 3"
    assert [r[0] for r in review.iter_rows(min_row=2, values_only=True)] == [2]
    everything = "".join(str(c) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True) for c in r)
    secrets_absent(everything)


def test_a_mapping_file_names_the_headers_of_another_layout(small, tmp_path):
    header = ["居民名称", "身份证件", "居委会名称", "网格编号", "楼宇编号", "门牌号码", "学历情况"]
    rows = [["王小明", ID_A, "社区一", "1", "1号楼", "101", "研究生班"]]
    path = write_csv(tmp_path / "other.csv", rows, header=header, encoding="gbk")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        """\
columns:
  name: 居民名称
  id_number: [身份证件]
  community: 居委会名称
  grid: 网格编号
  building: 楼宇编号
  room: 门牌号码
  education: 学历情况
values:
  education: {研究生班: master}
  community: {社区一: 社区1}
""",
        encoding="utf-8",
    )
    summary = json.loads(run(str(path), "--layout", "grid", "--mapping", str(mapping), "--json", "--commit"))
    assert summary["new"] == 1, summary["invalid_rows"]
    assert Person.objects.get(name="王小明").education == "master"
    as_json = tmp_path / "mapping.json"
    as_json.write_text(json.dumps({"columns": {"name": "居民名称", "unknown_field": "x"}}), encoding="utf-8")
    with pytest.raises(CommandError, match="mapping_unknown_field"):
        run(str(path), "--layout", "grid", "--mapping", str(as_json))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/ledger.xlsx", "--layout", "grid"], "nonexistent"),
        (["{ledger}", "--layout", "grid", "--district", "NOPE"], "NOPE"),
        (["{ledger}", "--layout", "grid", "--user", "nobody-here"], "nobody-here"),
        (["{ledger}", "--layout", "members"], "column_missing"),
    ],
)
def test_command_errors(ledger, args, message):
    with pytest.raises(CommandError, match=message):
        run(*[a.format(ledger=ledger) for a in args])


def test_as_a_user_their_scope_applies(ledger, worker_b):
    summary = json.loads(run(str(ledger), "--layout", "grid", "--json", "--user", "worker_b"))
    assert summary["invalid"] == 4
    assert {reason["code"] for row in summary["invalid_rows"] for reason in row["reasons"]} >= {"out_of_scope"}
