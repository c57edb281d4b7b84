"""An import run in the background (`wangge worker`): starting one from an upload, committing a
finished dry run's file, discarding it, the task's body (`execute_run`: the run claimed, its
progress written, its error report, its outcome or failure recorded) and the purge of old
uploads, and the task itself (`run_import`, run by `wangge worker`).
"""

import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Role, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode
from wangge.ledgers.actions.importing import Progress, import_people, import_scope
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.files import file_sha256, media_path, progress_file, save_upload
from wangge.ledgers.layouts import LAYOUTS, Mapping
from wangge.ledgers.models import ImportRun, RunMode, RunPhase, RunState
from wangge.ledgers.reading import SUFFIXES
from wangge.ledgers.report import write_report
from wangge.lib.errors import DomainError

# A dry run's file is kept this long for its commit, then deleted by the next background run.
KEEP_UPLOADS = dt.timedelta(days=1)


class RunProgress(Progress):
    """A dry run's checking: rows done on the `ImportRun` row. A commit checks and writes in
    its one transaction, where an update of the run would stay invisible until the end, so its
    progress goes to a small file next to the uploads (`queries.progress` reads it)."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run

    def started(self, total: int) -> None:
        self.run.rows_total = total
        ImportRun.objects.filter(pk=self.run.pk).update(
            rows_total=total, phase=RunPhase.CHECKING, updated_at=timezone.now()
        )
        if connection.in_atomic_block:
            self.writing(0, total)

    def checked(self, done: int) -> None:
        if connection.in_atomic_block:
            self.writing(done, self.run.rows_total)  # a commit writes each chunk as it is checked
            return
        ImportRun.objects.filter(pk=self.run.pk).update(rows_done=done, updated_at=timezone.now())

    def writing(self, done: int, total: int) -> None:
        path = progress_file(self.run)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"phase": RunPhase.WRITING, "done": done, "total": total}))
        os.replace(temporary, path)


def start_import(
    acting_user: User,
    district: AreaNode,
    uploaded_file: UploadedFile,
    layout: str,
    commit: bool,
    mapping: Mapping | dict[str, Any] | None = None,
) -> ImportRun:
    """Store an uploaded ledger and run its dry run (or commit) in the background
    (`wangge worker`); poll `queries.progress(run)`."""
    import_scope(acting_user, district)
    if layout not in LAYOUTS:
        raise DomainError(
            LedgerError.UNKNOWN_LAYOUT, _("Unknown layout “%(layout)s”; use members or grid.") % {"layout": layout}
        )
    mapping = mapping if isinstance(mapping, Mapping) else Mapping.from_dict(mapping or {})
    name = Path(uploaded_file.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError(
            LedgerError.FILE_TYPE,
            _("Only .xlsx, .xls and .csv files can be imported (this one is “%(suffix)s”).")
            % {"suffix": suffix or "-"},
        )
    relative, sha, _size = save_upload(uploaded_file, suffix)
    with transaction.atomic():
        run = ImportRun.objects.create(
            district=district,
            created_by=acting_user,
            layout=layout,
            mode=RunMode.COMMIT if commit else RunMode.DRY_RUN,
            file_name=name[:255],
            file_sha256=sha,
            mapping=mapping.as_dict(),
            stored_file=relative,
        )
        _enqueue(run)
    return run


def _enqueue(run: ImportRun) -> None:
    transaction.on_commit(lambda: run_import.enqueue(run.pk))


def commit_import(acting_user: User, run: ImportRun) -> ImportRun:
    """Commit the file of a finished dry run: a new background run of the same file."""
    _own_run(acting_user, run)
    if run.mode != RunMode.DRY_RUN or run.state != RunState.SUCCEEDED or not run.stored_file:
        raise DomainError(
            LedgerError.RUN_NOT_COMMITTABLE,
            _("Only a finished dry run whose file is still kept can be committed."),
            status=409,
        )
    with transaction.atomic():
        claimed = ImportRun.objects.filter(pk=run.pk, stored_file=run.stored_file).update(
            stored_file="", updated_at=timezone.now()
        )
        if not claimed:
            raise DomainError(
                LedgerError.RUN_NOT_COMMITTABLE,
                _("Only a finished dry run whose file is still kept can be committed."),
                status=409,
            )
        committed = ImportRun.objects.create(
            district=run.district,
            created_by=acting_user,
            layout=run.layout,
            mode=RunMode.COMMIT,
            file_name=run.file_name,
            file_sha256=run.file_sha256,
            mapping=run.mapping,
            stored_file=run.stored_file,
        )
        run.stored_file = ""
        _enqueue(committed)
    return committed


def discard_upload(acting_user: User, run: ImportRun) -> None:
    """Delete the stored file of a dry run that will not be committed."""
    _own_run(acting_user, run)
    if run.stored_file and run.state in (RunState.SUCCEEDED, RunState.FAILED):
        media_path(run.stored_file).unlink(missing_ok=True)
        ImportRun.objects.filter(pk=run.pk).update(stored_file="", updated_at=timezone.now())
        run.stored_file = ""


def _own_run(acting_user: User, run: ImportRun) -> None:
    if run.created_by_id == acting_user.pk or has_role_over(acting_user, run.district, Role.DISTRICT_ADMIN):
        return
    raise DomainError(LedgerError.RUN_NOT_FOUND, _("There is no such import."), status=404)


@task()
def run_import(run_id: int) -> dict[str, Any]:
    """Check (and, for a commit run, apply) the stored file of a queued `ImportRun`, updating its
    progress as it goes (`execute_run`)."""
    return execute_run(run_id)


def execute_run(run_id: int) -> dict[str, Any]:
    """The body of the background task: check (and commit) the stored file of a queued run,
    write its error report, and record the outcome on the run. Runs once per run: a second
    delivery of the task finds it no longer queued."""
    claimed = ImportRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, phase=RunPhase.READING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return {"skipped": True}
    purge_uploads(KEEP_UPLOADS)
    run = ImportRun.objects.select_related("district", "created_by").get(pk=run_id)
    commit = run.mode == RunMode.COMMIT
    path = media_path(run.stored_file)
    try:
        if not run.stored_file or not path.exists():
            raise DomainError(
                LedgerError.FILE_MISSING, _("The uploaded file is no longer there; upload it again."), status=410
            )
        if file_sha256(path) != run.file_sha256:
            raise DomainError(
                LedgerError.FILE_CHANGED, _("The uploaded file changed after it was checked; upload it again.")
            )
        outcome = import_people(
            run.created_by,
            district=run.district,
            path=path,
            layout=run.layout,
            mapping=Mapping.from_dict(run.mapping),
            commit=commit,
            run=run if commit else None,
            progress=RunProgress(run),
        )
        counts = outcome.check.counts()
        report = ""
        if counts["invalid"] or counts["review"] or counts["conflicts"] or counts["held"]:
            report = f"ledgers/reports/{run.pk}-{uuid.uuid4().hex}.xlsx"
            media_path(report).parent.mkdir(parents=True, exist_ok=True)
            write_report(outcome.check, media_path(report))
        updates: dict[str, Any] = {"report_file": report, "updated_at": timezone.now()}
        if not commit:
            updates |= counts | {
                "state": RunState.SUCCEEDED,
                "phase": RunPhase.DONE,
                "rows_done": counts["rows"],
                "rows_total": counts["rows"],
                "finished_at": timezone.now(),
            }
        ImportRun.objects.filter(pk=run.pk).update(**updates)
        return {**counts, "queued_for_review": outcome.queued}
    except DomainError as error:
        ImportRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED,
            phase=RunPhase.DONE,
            error_code=error.code,
            error_message=error.message[:500],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return {"error": error.code}
    except Exception:
        ImportRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED,
            phase=RunPhase.DONE,
            error_code=LedgerError.INTERNAL_ERROR,
            error_message=_("The import stopped on an unexpected error; nothing was written."),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        raise
    finally:
        progress_file(run).unlink(missing_ok=True)
        if commit and run.stored_file:
            # A commit run's file has served its purpose (and holds personal data in clear).
            path.unlink(missing_ok=True)
            ImportRun.objects.filter(pk=run.pk).update(stored_file="")


def purge_uploads(older_than: dt.timedelta) -> int:
    """Delete stored uploads of finished runs older than `older_than` (dry runs never committed)."""
    cutoff = timezone.now() - older_than
    stale = ImportRun.objects.filter(updated_at__lt=cutoff).exclude(stored_file="").exclude(state=RunState.RUNNING)
    removed = 0
    for pk, relative in stale.values_list("pk", "stored_file"):
        media_path(relative).unlink(missing_ok=True)
        removed += ImportRun.objects.filter(pk=pk, stored_file=relative).update(stored_file="")
    return removed
