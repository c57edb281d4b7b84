"""Hostile files (the corpus in `hostile/`) through every entry point of an import: the command
line (dry run and commit), the web wizard and `wangge worker`. Each ends with its error code or
a clean import, never a crash and never a run left running; and names that look like formulas
come out of every spreadsheet the platform writes as text, neutralised."""

import io
import json
import signal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from wangge.ledgers.actions import check_file, start_import
from wangge.ledgers.models import ImportRun, RunMode, RunState
from wangge.ledgers.tasks import run_import
from wangge.ledgers.tests import hostile
from wangge.ledgers.tests.factories import grid_row, write_xlsx
from wangge.lib.errors import DomainError
from wangge.people.models import Person

ENTRIES = [pytest.param(entry, id=entry.file_name) for entry in hostile.CORPUS]
# What no message may quote: the file's content behind the attacks.
SECRETS = ("passwd", "lollol", "某某某")
# A cell beginning with one of these is a formula to a spreadsheet program (OWASP).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return hostile.build(tmp_path_factory.mktemp("hostile"))


pytestmark = pytest.mark.usefixtures("media")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", "people", *args, stdout=out, stderr=out)
    return out.getvalue()


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def assert_quotes_nothing(message: str) -> None:
    for secret in SECRETS:
        assert secret not in message


# --- every entry point ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
def test_the_command_line_answers_a_hostile_file_with_its_code_or_imports_it_cleanly(entry, corpus, small):
    path = corpus[entry.file_name]
    for commit in ([], ["--commit"]):
        if entry.code is None:
            summary = json.loads(run(str(path), "--layout", "grid", "--json", *commit))
            assert summary["new"] == entry.new
            continue
        with pytest.raises(CommandError) as error:
            run(str(path), "--layout", "grid", *commit)
        assert str(error.value).startswith(f"{entry.code}: ")
        assert_quotes_nothing(str(error.value))
    assert Person.objects.count() == entry.new
    assert ImportRun.objects.filter(state=RunState.RUNNING).count() == 0


@pytest.mark.parametrize("entry", ENTRIES)
def test_the_web_wizard_answers_a_hostile_file_with_its_code_or_imports_it_cleanly(
    entry, corpus, client, district_admin
):
    client.force_login(district_admin)
    response = client.post(reverse("import_new"), {"layout": "grid", "file": upload(corpus[entry.file_name])})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    run_import.call(run.pk)  # what `wangge worker` does
    run.refresh_from_db()
    page = client.get(reverse("import_run", args=[run.pk])).content.decode()
    if entry.code is not None:
        assert (run.state, run.error_code) == (RunState.FAILED, entry.code)
        assert f'data-code="{entry.code}"' in page
        assert_quotes_nothing(run.error_message + page)
        return
    assert (run.state, run.new) == (RunState.SUCCEEDED, entry.new)
    client.post(reverse("import_commit", args=[run.pk]))
    committed = ImportRun.objects.get(mode=RunMode.COMMIT)
    run_import.call(committed.pk)
    committed.refresh_from_db()
    assert (committed.state, committed.new, Person.objects.count()) == (RunState.SUCCEEDED, entry.new, entry.new)


@pytest.mark.django_db(transaction=True)
def test_wangge_worker_lives_through_every_hostile_file_and_leaves_no_run_running(
    corpus, small, district_admin, tmp_path
):
    runs = [
        (entry, start_import(district_admin, small.district, upload(corpus[entry.file_name]), "grid", True))
        for entry in hostile.CORPUS
    ]
    # A good ledger after them all: the worker is still there to import it.
    good = write_xlsx(tmp_path / "good.xlsx", [grid_row(room="301", name="周正", birth="1970-07-07")])
    last = start_import(district_admin, small.district, upload(good), "grid", True)
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "worker", "--batch", "--no-sweep", "--no-startup-delay", "--no-reload", verbosity=0, stdout=io.StringIO()
        )
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    for entry, import_run in runs:
        import_run.refresh_from_db()
        if entry.code is None:  # the two files of formula names hold the same rows: new, then matched
            assert (import_run.state, import_run.new + import_run.matched) == (RunState.SUCCEEDED, entry.new), entry
        else:
            assert (import_run.state, import_run.error_code) == (RunState.FAILED, entry.code), entry
    last.refresh_from_db()
    assert (last.state, last.new) == (RunState.SUCCEEDED, 1)
    assert not ImportRun.objects.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists()


# --- the limits ---------------------------------------------------------------------------------------


def test_the_limits_are_settings(small, settings, tmp_path):
    ledger = write_xlsx(tmp_path / "台账.xlsx", [grid_row(name="孙大爷", birth="1950-01-02")] * 3)
    settings.IMPORT_MAX_UNPACKED_MB = 0
    with pytest.raises(DomainError) as error:
        check_file(None, district=small.district, path=ledger, layout="grid")
    assert error.value.code == "file_too_large"
    settings.IMPORT_MAX_UNPACKED_MB = 512
    assert check_file(None, district=small.district, path=ledger, layout="grid").counts()["rows"] == 3


def test_a_sheet_declaring_more_cells_than_the_limit_is_refused_before_it_is_read(small, settings, tmp_path):
    path = hostile.workbook(tmp_path / "台账.xlsx", hostile.sheet_xml([grid_row(name="孙大爷")], dimension="A1:Y401"))
    settings.IMPORT_MAX_CELLS = 10_000  # 25 columns × 401 rows is 10,025
    with pytest.raises(DomainError) as error:
        check_file(None, district=small.district, path=path, layout="grid")
    assert error.value.code == "file_too_large" and "A1:Y401" in error.value.message
    settings.IMPORT_MAX_CELLS = 10_025
    assert check_file(None, district=small.district, path=path, layout="grid").counts()["rows"] == 1


# --- formulas in what the platform writes ----------------------------------------------------------


def cells(content: bytes | Path) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(content) if isinstance(content, bytes) else content)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_neutralised(found: list[openpyxl.cell.Cell], expected: list[str]) -> None:
    """No formula anywhere; each of `expected` there as text with a `'` in front."""
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    texts = {c.value for c in found if c.data_type == "s"}
    for text in expected:
        assert "'" + text in texts, text
    for cell in found:
        if isinstance(cell.value, str):
            assert not cell.value.startswith(TRIGGERS), cell.coordinate


def test_names_like_formulas_come_out_of_every_spreadsheet_as_neutralised_text(
    corpus, small, district_admin, client, tmp_path
):
    # Imported by the command line, with its error report (--errors).
    errors = tmp_path / "errors.xlsx"
    run(str(corpus["formula_names.xlsx"]), "--layout", "grid", "--commit", "--errors", str(errors))
    assert sorted(Person.objects.values_list("name", flat=True)) == sorted(hostile.FORMULA_NAMES)
    # The rejected rows: the name masked to its first character, the community as given.
    masked = hostile.FORMULA_NAMES[0][:1] + "*" * (len(hostile.FORMULA_NAMES[0]) - 1)
    assert_neutralised(cells(errors), [masked, "=cmd|' /C calc'!A0"])

    # The ledgers (`wangge export ledger`).
    for ledger in ("residents", "households"):
        out = tmp_path / f"{ledger}.xlsx"
        call_command(
            "export", "ledger", ledger, "--area", str(small.district.pk), "--out", str(out), stdout=io.StringIO()
        )
        assert_neutralised(cells(out), hostile.FORMULA_NAMES)

    # The access report of each of them (`wangge people access-report`).
    for person in Person.objects.all():
        out = tmp_path / f"access-{person.pk}.xlsx"
        call_command(
            "people",
            "access-report",
            str(person.pk),
            "--user",
            district_admin.username,
            "--reason",
            "居民申请查阅",
            "--out",
            str(out),
            stdout=io.StringIO(),
        )
        assert_neutralised(cells(out), [person.name])

    # The coverage report (web), with a building named like a formula.
    building = small.buildings[1]
    building.name = hostile.FORMULA_NAMES[1]
    building.save(update_fields=["name"])
    client.force_login(district_admin)
    response = client.get("/coverage.xlsx")
    assert response.status_code == 200
    assert_neutralised(cells(response.content), [building.name])
