"""A case as its detail page and the API show it: everything in a fixed number of queries, cut
to what the user may see (a user who sees the case only as its reporter gets the public part),
with the steps the user may take now."""

from typing import Any

from django.db.models import Prefetch

from wangge.accounts.models import User
from wangge.cases import policy
from wangge.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CoHandling,
    Extension,
    ExtensionState,
    Supervision,
    SupervisionParty,
)
from wangge.cases.queries import with_flags
from wangge.cases.workflow import allowed


def case_detail(user: User, case_id: int) -> Case:
    """The case with everything the detail shows, in a fixed number of queries.

    Not scoped: callers have checked the scope (or just filed or acted on the case)."""
    case = (
        with_flags(Case.objects.all())
        .select_related("category", "grid", "community", "building", "unit", "supervision")
        .prefetch_related(
            # Not joined: a second join of the case table made PostgreSQL plan for 10 ms; a
            # prefetch costs no query while the case is not merged.
            "merged_into",
            Prefetch("co_handlings", queryset=CoHandling.objects.select_related("unit")),
            Prefetch("extensions", queryset=Extension.objects.select_related("requested_by", "decided_by")),
            Prefetch("supervision__parties", queryset=SupervisionParty.objects.order_by("joined_at")),
            "attachments",
        )
        .get(pk=case_id)
    )
    return _shown(
        user,
        case,
        co_handlings=list(case.co_handlings.all()),
        extensions=list(case.extensions.all()),
        supervision=getattr(case, "supervision", None),
        attachments=list(case.attachments.all()),
    )


def new_case_detail(user: User, case: Case) -> Case:
    """`case_detail` of a case `file_case` has just made without photos, without reading it
    again: nothing hangs on a new case yet, and it has no deadline (so it is not due soon)."""
    case.due_soon = False  # type: ignore[attr-defined]
    return _shown(user, case, co_handlings=[], extensions=[], supervision=None, attachments=[])


def _shown(
    user: User,
    case: Case,
    *,
    co_handlings: list[CoHandling],
    extensions: list[Extension],
    supervision: Supervision | None,
    attachments: list[Attachment],
) -> Case:
    """The case cut to what `user` may see, with the steps they may take now."""
    public_only = policy.reporter_only(user, case, co_handlings)
    pending = any(e.state == ExtensionState.REQUESTED for e in extensions)
    for co in co_handlings:
        co.can_finish = policy.may_finish(user, co, case)  # type: ignore[attr-defined]
        co.can_release = policy.may_release(user, co, case)  # type: ignore[attr-defined]
    for extension in extensions:
        extension.can_decide = policy.may_decide(user, extension.state, case)  # type: ignore[attr-defined]
    photos = [p for p in attachments if p.public or not public_only]
    case.allowed_steps = allowed(case.state)  # type: ignore[attr-defined]
    case.your_steps = policy.steps_for(user, case, pending_extension=pending)  # type: ignore[attr-defined]
    case.co_handlings_list = [] if public_only else co_handlings  # type: ignore[attr-defined]
    case.extensions_list = [] if public_only else extensions  # type: ignore[attr-defined]
    case.supervision_or_none = None if public_only else supervision  # type: ignore[attr-defined]
    case.photos = photos  # type: ignore[attr-defined]
    return case


def timeline_items(user: User, case: Case) -> list[dict[str, Any]]:
    """Every event, oldest first; the reporter gets the public events without staff names."""
    public_only = policy.reporter_only(user, case)
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
    if public_only:
        events = events.filter(public=True)
    return [
        {
            "id": event.pk,
            "at": event.at,
            "actor": None if public_only or event.actor is None else str(event.actor),
            "kind": event.kind,
            "kind_label": str(event.get_kind_display()),
            "transition": event.transition,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "note": event.note,
            "public": event.public,
            "data": {} if public_only else event.data,
        }
        for event in events
    ]


BODIES_REMEMBERED = 10


def supervising_bodies(user: User) -> list[str]:
    """The supervising bodies the user has named before, the latest first (one query): the
    supervise form offers them, so that a supervisor does not type 区督查室 every time."""
    recent = SupervisionParty.objects.filter(user=user).order_by("-joined_at").values_list("body", flat=True)
    return list(dict.fromkeys(recent[: BODIES_REMEMBERED * 5]))[:BODIES_REMEMBERED]
