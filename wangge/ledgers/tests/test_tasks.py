"""An import in the background (the web wizard's path): the upload is stored under MEDIA_ROOT,
`wangge worker` runs the dry run or commit, and the run's progress can be polled."""

import datetime as dt
import io
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wangge.ledgers.actions import RunProgress, commit_import, discard_upload, start_import
from wangge.ledgers.models import ImportRun, ReviewItem, RunMode, RunPhase, RunState
from wangge.ledgers.queries import get_run, progress, visible_runs
from wangge.ledgers.tasks import run_import
from wangge.ledgers.tests.factories import grid_row, id_number, write_xlsx
from wangge.lib.errors import DomainError
from wangge.people.models import Person

pytestmark = pytest.mark.usefixtures("media")


def upload(tmp_path, rows=None, name="台账.xlsx") -> SimpleUploadedFile:
    rows = rows or [
        grid_row(name="孙大爷", id_number=id_number(dt.date(1950, 1, 2), 11)),
        grid_row(room="201", name="钱多多", birth="2001-09-09"),
        grid_row(room="301", name=""),
    ]
    path = write_xlsx(tmp_path / "source.xlsx", rows)
    return SimpleUploadedFile(name, path.read_bytes())


def test_a_dry_run_in_the_background_then_its_commit(
    small, district_admin, media, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = start_import(district_admin, small.district, upload(tmp_path), "grid", False)
    assert len(callbacks) == 1  # enqueued once the upload is committed
    assert (run.state, run.mode, run.file_name) == (RunState.QUEUED, RunMode.DRY_RUN, "台账.xlsx")
    stored = media / run.stored_file
    assert stored.exists() and run.stored_file.startswith("ledgers/uploads/")
    assert progress(run)["percent"] == 0 and progress(run)["state"] == RunState.QUEUED

    assert run_import.call(run.pk) == {
        "rows": 3,
        "new": 2,
        "matched": 0,
        "review": 0,
        "conflicts": 0,
        "invalid": 1,
        "held": 0,
        "queued_for_review": 0,
    }
    assert run_import.call(run.pk) == {"skipped": True}  # a second delivery does nothing
    state = progress(run)
    assert (state["state"], state["percent"], state["rows_done"], state["rows_total"]) == (
        RunState.SUCCEEDED,
        100,
        3,
        3,
    )
    assert state["counts"]["new"] == 2 and state["has_report"]
    assert (media / run.report_file).exists()
    assert not Person.objects.exists() and stored.exists()  # a dry run keeps the file for its commit

    committed = commit_import(district_admin, run)
    assert committed.mode == RunMode.COMMIT and committed.stored_file
    run.refresh_from_db()
    assert run.stored_file == ""
    with pytest.raises(DomainError):
        commit_import(district_admin, run)  # only once
    run_import.call(committed.pk)
    committed.refresh_from_db()
    assert (committed.state, committed.new, committed.invalid) == (RunState.SUCCEEDED, 2, 1)
    assert Person.objects.count() == 2
    assert not stored.exists() and committed.stored_file == ""  # the file in clear is gone


def test_progress_while_writing_comes_from_the_runs_progress_file(small, district_admin, tmp_path):
    run = start_import(district_admin, small.district, upload(tmp_path), "grid", True)
    ImportRun.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING, phase=RunPhase.CHECKING, rows_total=10, rows_done=4
    )
    assert (progress(run)["phase"], progress(run)["percent"]) == (RunPhase.CHECKING, 40)
    RunProgress(run).writing(3, 4)
    state = progress(run)
    assert (state["phase"], state["rows_done"], state["rows_total"], state["percent"]) == (RunPhase.WRITING, 3, 4, 75)


def test_a_file_that_cannot_be_read_fails_the_run_with_its_reason(small, district_admin, tmp_path):
    bad = SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not really")
    run = start_import(district_admin, small.district, bad, "grid", True)
    run_import.call(run.pk)
    state = progress(run)
    assert state["state"] == RunState.FAILED and state["error"]["code"] == "file_unreadable"
    run.refresh_from_db()
    assert run.stored_file == ""


def test_who_may_start_and_see_imports(small, district_admin, worker_a, worker_b, no_role_user, tmp_path):
    with pytest.raises(DomainError) as error:
        start_import(no_role_user, small.district, upload(tmp_path), "grid", False)
    assert error.value.status == 403
    with pytest.raises(DomainError) as error:
        start_import(worker_a, small.district, SimpleUploadedFile("a.pdf", b"%PDF"), "grid", False)
    assert error.value.code == "file_type"
    mine = start_import(worker_a, small.district, upload(tmp_path), "grid", False)
    run_import.call(mine.pk)
    mine.refresh_from_db()
    assert mine.new == 2  # rows of grid 0: worker_a's own
    assert list(visible_runs(worker_a)) == [mine] and get_run(district_admin, mine.pk) == mine
    with pytest.raises(DomainError) as error:
        get_run(worker_b, mine.pk)
    assert error.value.status == 404
    with pytest.raises(DomainError):
        commit_import(worker_b, mine)
    discard_upload(worker_a, mine)
    assert mine.stored_file == "" and not list((tmp_path / "media" / "ledgers" / "uploads").iterdir())


@pytest.mark.django_db(transaction=True)
def test_wangge_worker_runs_a_queued_import(small, district_admin, tmp_path):
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        run = start_import(district_admin, small.district, upload(tmp_path), "grid", True)
        assert DBTaskResult.objects.filter(task_path=run_import.module_path).count() == 1
        call_command(
            "worker", "--batch", "--no-sweep", "--no-startup-delay", "--no-reload", verbosity=0, stdout=io.StringIO()
        )
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    run.refresh_from_db()
    assert (run.state, run.new, run.invalid) == (RunState.SUCCEEDED, 2, 1)
    assert DBTaskResult.objects.get(task_path=run_import.module_path).status == TaskResultStatus.SUCCESSFUL
    assert Person.objects.count() == 2 and not ReviewItem.objects.exists()


def test_old_uploads_of_dry_runs_are_deleted_by_the_next_run(small, district_admin, media, tmp_path):
    old = start_import(district_admin, small.district, upload(tmp_path), "grid", False)
    run_import.call(old.pk)
    old.refresh_from_db()
    assert (media / old.stored_file).exists()
    ImportRun.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    new = start_import(district_admin, small.district, upload(tmp_path), "grid", False)
    run_import.call(new.pk)
    old_file = media / old.stored_file
    old.refresh_from_db()
    assert old.stored_file == "" and not old_file.exists()
    new.refresh_from_db()
    assert (media / new.stored_file).exists()


def test_a_task_queued_under_the_earlier_path_still_resolves():
    """Rows queued before the task moved to the actions name `wangge.ledgers.tasks.run_import`;
    the worker imports that path and must find the same task."""
    from django.utils.module_loading import import_string

    from wangge.ledgers.actions.runs import run_import as current

    assert run_import.module_path == "wangge.ledgers.actions.runs.run_import"
    assert import_string("wangge.ledgers.tasks.run_import") is current
