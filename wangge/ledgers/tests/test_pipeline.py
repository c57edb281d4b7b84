"""A large file is read and parsed in a second process (`ledgers.pipeline`) while the importing
one matches and writes: the same results, the same errors, from the command line and the
worker too, and no helper process left behind. The threshold is lowered so that small files
take that path."""

import datetime as dt
import io
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from wangge.ledgers import pipeline
from wangge.ledgers.actions import check_file, import_people, start_import
from wangge.ledgers.matching import RegistryOutline, Status
from wangge.ledgers.models import ImportedRecord, ImportRun, RunState
from wangge.ledgers.tasks import run_import
from wangge.ledgers.tests.factories import first_generation, grid_row, id_number, register_two, write_xlsx
from wangge.lib import crypto
from wangge.lib.errors import DomainError
from wangge.people.actions import decrypt_sensitive
from wangge.people.models import Person

ID_A = id_number(dt.date(1980, 5, 17), 101)
ID_B = id_number(dt.date(1955, 11, 20), 202)
ID_C = id_number(dt.date(1948, 10, 1), 303)


@pytest.fixture
def registered(small):
    return register_two(small, ID_A)


def ledger(tmp_path):
    rows = [
        grid_row(name="王小明", id_number=ID_A),  # 2 matched
        grid_row(name="王小明", id_number=ID_A, room="301"),  # 3 duplicate of 2
        grid_row(room="201", name="赵丽", birth="1975-03-01", current_address="泉华路1号", phone="13911112222"),
        grid_row(
            room="301",
            name="孙大爷",
            id_number=first_generation(dt.date(1948, 10, 1), 303),
            phone="13812345678",
            disability="肢体二级",
            illness="高血压",
            support="低保",
            elderly_alone="是",
        ),  # 5 new, sealed in the helper
        grid_row(grid="第2网格", room="201", name="钱多多", birth="2001-09-09", relation="户主"),  # 6 new, no ID
        grid_row(name="", id_number=id_number(dt.date(1990, 1, 1), 11)),  # invalid rows from here
        grid_row(name="甲", id_number="370102198005170021"),
        grid_row(name="乙", birth="1990-02-30"),
        grid_row(community="南苑", name="丁"),
        grid_row(room="999", name="辛"),
        grid_row(name="癸", id_number=ID_B, gender="男"),
        grid_row(name="丑", education="博士后"),
        grid_row(name="寅", phone="12345"),
        grid_row(grid="第2网格", room="201", name="钱多多", birth="2001-09-09", relation="户主"),  # repeats 6
    ]
    return write_xlsx(tmp_path / "台账.xlsx", rows)


@pytest.fixture
def in_a_second_process(monkeypatch):
    """Every file goes through the helper; the helpers started are recorded."""
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    started = []
    enter = pipeline.ParsedRows.__enter__

    def recording(self):
        try:
            return enter(self)
        finally:
            started.append((self, self.process))

    monkeypatch.setattr(pipeline.ParsedRows, "__enter__", recording)
    return started


def _ended(started) -> None:
    assert started, "the helper process was not used"
    for parsed, process in started:
        assert parsed.process is None and parsed.conn is None
        assert process is None or process.returncode is not None  # ended and reaped


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_same_classification_and_reasons_as_in_process(small, registered, tmp_path, monkeypatch, language):
    path = ledger(tmp_path)
    with translation.override(language):
        here = import_people(None, district=small.district, path=path, layout="grid").summary()
        monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
        there = import_people(None, district=small.district, path=path, layout="grid")
    assert there.check.helper_peak_kb > 0  # the helper read it
    assert there.summary() == here
    assert here["new"] == 2 and here["invalid"] == 10


def test_a_user_outside_the_rows_area_gets_the_same_answer(small, worker_a, tmp_path, monkeypatch):
    path = ledger(tmp_path)
    here = check_file(worker_a, district=small.district, path=path, layout="grid")
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    there = check_file(worker_a, district=small.district, path=path, layout="grid")
    assert [(r.number, r.status, [p.code for p in r.problems]) for r in there.results] == [
        (r.number, r.status, [p.code for p in r.problems]) for r in here.results
    ]
    assert "out_of_scope" in {p.code for r in there.results for p in r.problems}


def test_a_commit_through_the_helper_then_again_changes_nothing(small, registered, tmp_path, in_a_second_process):
    path = ledger(tmp_path)
    outcome = import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert outcome.committed and outcome.check.counts()["new"] == 2
    sun = Person.objects.get(name="孙大爷")
    assert sun.id_number_index and sun.id_number_masked.endswith(ID_C[-4:]) and sun.phone_masked
    assert decrypt_sensitive(sun)["support"] == "low_income"
    assert ImportedRecord.objects.filter(person__name="钱多多").count() == 1
    persons = Person.objects.count()
    again = import_people(None, district=small.district, path=path, layout="grid", commit=True)
    assert again.check.counts()["new"] == 0 and Person.objects.count() == persons
    _ended(in_a_second_process)


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"PK\x03\x04 not really", "x.xlsx"), ("姓名,备注\n张三,无\n".encode(), "x.csv")],
)
def test_a_file_that_cannot_be_read_fails_with_the_same_error(small, tmp_path, monkeypatch, content, name):
    path = tmp_path / name
    path.write_bytes(content)

    def failure() -> tuple[str, str, int]:
        with pytest.raises(DomainError) as raised:
            check_file(None, district=small.district, path=path, layout="grid")
        return raised.value.code, raised.value.message, raised.value.status

    here = failure()
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    assert failure() == here


def test_the_helper_ends_when_the_import_fails(small, registered, tmp_path, in_a_second_process):
    def fail(chunk):
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        check_file(None, district=small.district, path=ledger(tmp_path), layout="grid", checked=fail)
    _ended(in_a_second_process)


def test_a_helper_that_dies_fails_the_import(small, registered, tmp_path, in_a_second_process, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "")
    monkeypatch.setattr(pipeline.sys, "executable", "/bin/false")
    with pytest.raises(pipeline.PipelineError):
        check_file(None, district=small.district, path=ledger(tmp_path), layout="grid")
    _ended(in_a_second_process)


def test_the_command_line_commits_through_the_helper(small, registered, tmp_path, in_a_second_process):
    out = io.StringIO()
    call_command("import", "people", str(ledger(tmp_path)), "--layout", "grid", "--commit", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["committed"] and summary["new"] == 2
    assert Person.objects.count() == 4
    _ended(in_a_second_process)


def test_the_worker_commits_through_the_helper(small, registered, district_admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("台账.xlsx", ledger(tmp_path).read_bytes())
    run = start_import(district_admin, small.district, upload, "grid", True)
    size = os.path.getsize(settings.MEDIA_ROOT / run.stored_file)
    assert pipeline.wanted(settings.MEDIA_ROOT / run.stored_file) == (size >= pipeline.MIN_BYTES)
    pipeline_min = pipeline.MIN_BYTES
    try:
        pipeline.MIN_BYTES = 0
        result = run_import.call(run.pk)
    finally:
        pipeline.MIN_BYTES = pipeline_min
    run = ImportRun.objects.get(pk=run.pk)
    assert (run.state, run.new, run.invalid) == (RunState.SUCCEEDED, 2, 10), result
    assert Person.objects.count() == 4


def test_the_registry_outline_holds_every_stored_number_and_the_persons_without_one(small, registered):
    wang, zhao = registered
    outline = RegistryOutline(small.district, None)
    assert outline.may_hold(wang.id_number_index)
    assert not outline.may_hold(crypto.blind_index(ID_B))
    assert outline.may_have_without_number("赵丽", dt.date(1975, 3, 1))
    assert not outline.may_have_without_number("赵丽", dt.date(1975, 3, 2))
    assert not outline.may_have_without_number("王小明", wang.birth_date)  # he has a number
    # A commit's outline: the persons registered before it began.
    assert not RegistryOutline(small.district, zhao.pk - 1).may_have_without_number("赵丽", dt.date(1975, 3, 1))


@pytest.mark.parametrize("commit", [False, True])
def test_a_new_number_for_a_person_registered_without_one_is_a_possible_match_either_way(
    small, registered, tmp_path, monkeypatch, commit
):
    """Rows with an ID number nobody has are matched against the persons without one (through
    the registry outline, in the helper's path)."""
    wang, zhao = registered
    rows = [
        grid_row(room="201", name="赵丽", id_number=id_number(dt.date(1975, 3, 1), 404), current_address="泉华路1号"),
        grid_row(room="301", name="王小明", id_number=id_number(wang.birth_date, 505)),  # he has another number
    ]
    path = write_xlsx(tmp_path / "台账.xlsx", rows)
    here = check_file(None, district=small.district, path=path, layout="grid")
    monkeypatch.setattr(pipeline, "MIN_BYTES", 0)
    there = import_people(None, district=small.district, path=path, layout="grid", commit=commit).check
    assert there.helper_peak_kb > 0
    for check in (here, there):
        assert [(r.status, r.person_id if r.status == Status.REVIEW else None) for r in check.results] == [
            (Status.REVIEW, zhao.pk),
            (Status.NEW, None),
        ]
