"""Reading imports and the review queue within a user's scope, and a run's progress.

For the pages (built elsewhere): `review_queue(user)` lists the open items a user may decide
(one query, whatever their number: candidate and run come with each item);
`get_review_item(user, pk)`; `visible_runs(user)` / `get_run(user, pk)`; `progress(run)`
for polling a background import. Deciding goes through `actions.decide_review`.
"""

import json
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wangge.accounts.models import PERSONAL_DATA_ROLES, Role, User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, assignments_of, scope_q
from wangge.areas.models import Level
from wangge.ledgers.actions import progress_file
from wangge.ledgers.models import ImportRun, Merge, ReviewItem, ReviewState, RunPhase, RunState
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
        raise DomainError("review_item_not_found", _("There is no such review item."), status=404)
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
        raise DomainError("run_not_found", _("There is no such import."), status=404)
    return run


def progress(run: ImportRun) -> dict[str, Any]:
    """Where a run stands, for a page that polls: state, phase, rows done of total, percent,
    the counts once finished, and the error of a failed run."""
    run.refresh_from_db()
    done, total, phase = run.rows_done, run.rows_total, run.phase
    if run.state == RunState.RUNNING and run.phase == RunPhase.CHECKING:
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
            for name in ("rows", "new", "matched", "review", "conflicts", "invalid", "queued_for_review")
        }
        if run.state == RunState.SUCCEEDED
        else None,
        "error": {"code": run.error_code, "message": run.error_message} if run.state == RunState.FAILED else None,
        "has_report": bool(run.report_file),
    }


def held_about(person: Person) -> dict[str, Any]:
    """What imports hold about one person, in clear, for the residents' access report
    (`people.report.build_report` should include it): the review items about them (or created
    from them) with the incoming facts, and the merges of their record (fields and when)."""
    from wangge.ledgers.actions import incoming_facts

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
