"""Reading imports and the review queue within a user's scope, and a run's progress.

For the pages (built elsewhere): `review_queue(user)` lists the open items a user may decide
(one query, whatever their number: candidate and run come with each item);
`get_review_item(user, pk)`; `visible_runs(user)` / `get_run(user, pk)`; `progress(run)`
for polling a background import. Deciding goes through `actions.decide_review`.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from wangge.accounts.models import PERSONAL_DATA_ROLES, Role, User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, assignments_of, scope_q
from wangge.areas.models import Level
from wangge.ledgers.cleaning import Facts
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.files import progress_file
from wangge.ledgers.models import ImportRun, Merge, ReviewItem, ReviewState, RunPhase, RunState
from wangge.lib.crypto import decrypt_field
from wangge.lib.errors import DomainError
from wangge.people.models import Person


def visible_review_items(user: User) -> QuerySet[ReviewItem]:
    """Items whose candidate lies in the user's scope through a personal-data role."""
    return ReviewItem.objects.filter(scope_q(user, DISTRICT_COMMUNITY_GRID, roles=PERSONAL_DATA_ROLES))


def review_queue(user: User, state: str = ReviewState.OPEN) -> QuerySet[ReviewItem]:
    """The items to decide, oldest first, with candidate, run and the candidate's grid loaded."""
    return (
        visible_review_items(user)
        .filter(state=state)
        .select_related("candidate", "run", "community", "grid")
        .order_by("created_at", "id")
    )


def get_review_item(user: User, pk: int) -> ReviewItem:
    item = visible_review_items(user).select_related("candidate", "run").filter(pk=pk).first()
    if item is None:
        raise DomainError(LedgerError.REVIEW_ITEM_NOT_FOUND, _("There is no such review item."), status=404)
    return item


def merges_of(user: User, item: ReviewItem) -> QuerySet[Merge]:
    """The merges decided on a visible item, newest first (the latest not undone can be undone)."""
    return Merge.objects.filter(item__in=visible_review_items(user), item=item).select_related("merged_by", "undone_by")


def _admin_districts(user: User) -> list[int]:
    return [a.area_id for a in assignments_of(user) if a.role == Role.DISTRICT_ADMIN and a.area.level == Level.DISTRICT]


def visible_runs(user: User) -> QuerySet[ImportRun]:
    """A user's own imports, and every import of a district they administer."""
    if user.is_authenticated and user.is_superuser:
        return ImportRun.objects.all()
    return ImportRun.objects.filter(Q(created_by=user) | Q(district_id__in=_admin_districts(user)))


def get_run(user: User, pk: int) -> ImportRun:
    run = visible_runs(user).select_related("district", "created_by").filter(pk=pk).first()
    if run is None:
        raise DomainError(LedgerError.RUN_NOT_FOUND, _("There is no such import."), status=404)
    return run


def progress(run: ImportRun) -> dict[str, Any]:
    """Where a run stands, for a page that polls: state, phase, rows done of total, percent,
    the counts once finished, and the error of a failed run."""
    run.refresh_from_db()
    done, total, phase = run.rows_done, run.rows_total, run.phase
    if run.state == RunState.RUNNING and run.phase in (RunPhase.READING, RunPhase.CHECKING):
        # A commit's progress (its updates of the run are invisible until it commits).
        try:
            written = json.loads(progress_file(run).read_text())
        except (OSError, ValueError):
            written = None
        if written is not None:
            phase, done, total = written["phase"], written["done"], written["total"]
    finished = run.state in (RunState.SUCCEEDED, RunState.FAILED)
    percent = 100 if finished else (min(99, int(done * 100 / total)) if total else 0)
    return {
        "state": run.state,
        "state_label": str(RunState(run.state).label),
        "phase": phase,
        "phase_label": str(RunPhase(phase).label),
        "rows_done": done,
        "rows_total": total,
        "percent": percent,
        "counts": {
            name: getattr(run, name)
            for name in ("rows", "new", "matched", "review", "conflicts", "invalid", "held", "queued_for_review")
        }
        if run.state == RunState.SUCCEEDED
        else None,
        "error": {"code": run.error_code, "message": run.error_message} if run.state == RunState.FAILED else None,
        "has_report": bool(run.report_file),
    }


def incoming_facts(item: ReviewItem) -> Facts:
    """The facts of the file's row a review item was queued for (decrypted)."""
    return Facts.from_document(json.loads(decrypt_field(item, "incoming_encrypted")))


def held_about(person: Person) -> dict[str, Any]:
    """What imports hold about one person, in clear, for the residents' access report (through
    the holders `ledgers.holder` registers): the review items about them (or created
    from them) with the incoming facts, and the merges of their record (fields and when)."""
    items = (
        ReviewItem.objects.filter(Q(candidate=person) | Q(created_person=person))
        .select_related("run")
        .order_by("created_at", "id")
    )
    merges = Merge.objects.filter(person=person).order_by("created_at", "id")
    return {
        "review_items": [
            {
                "import_file": item.run.file_name,
                "imported_at": item.run.created_at.isoformat(),
                "row": item.row_number,
                "kind": item.kind,
                "state": item.state,
                "differing_fields": item.differing_fields,
                "incoming": incoming_facts(item).as_document(),
            }
            for item in items
        ],
        "merges": [
            {"at": m.created_at.isoformat(), "fields": m.changed_fields, "undone": m.undone_at is not None}
            for m in merges
        ],
    }


# --- the error report, for the run page -------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One row of a run's error report as the run page lists it: the row number and either the
    reasons it was rejected (codes and messages) or the result and the differing fields. No
    value of the row (the report's masked name and numbers are not read)."""

    row: int
    codes: list[str]
    text: str


@dataclass(frozen=True)
class RunReport:
    invalid: list[ReportRow]
    review: list[ReportRow]
    invalid_total: int
    review_total: int


def report_path(run: ImportRun) -> Path | None:
    """The run's error report under MEDIA_ROOT, if it has one and it is still there."""
    if not run.report_file:
        return None
    path = Path(settings.MEDIA_ROOT) / run.report_file
    return path if path.is_file() else None


def run_report(run: ImportRun, limit: int = 200) -> RunReport | None:
    """The first `limit` rejected rows and rows to review of a finished run, read back from its
    error report (the first sheet: row, codes, reasons; the second: row, result, fields)."""
    path = report_path(run)
    if path is None:
        return None
    book = CalamineWorkbook.from_path(str(path))
    sheets = [book.get_sheet_by_index(i).to_python() for i in range(min(2, len(book.sheet_names)))]
    rejected = sheets[0][1:] if sheets else []
    review = sheets[1][1:] if len(sheets) > 1 else []

    def number(cell: Any) -> int:
        return int(cell) if isinstance(cell, int | float) else int(str(cell) or 0)

    invalid_rows = [
        ReportRow(number(r[0]), [c.strip() for c in str(r[1]).split(",") if c.strip()], str(r[2]))
        for r in rejected[:limit]
    ]
    review_rows = [ReportRow(number(r[0]), [str(r[1])], str(r[2])) for r in review[:limit]]
    return RunReport(invalid_rows, review_rows, len(rejected), len(review))
