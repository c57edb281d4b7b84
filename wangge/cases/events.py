"""The case timeline's rows, one constructor per kind of event.

Each constructor fixes its event's kind, whether the reporter sees it (`public`) and the keys
of its `data`, so the actions cannot show a staff-only event to a reporter or write one kind
with another's keys. Events are append-only (`CaseEvent.save` refuses an update); the actions
call these inside their transaction, with the case row locked.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from wangge.accounts.models import User
from wangge.cases.models import Case, CaseEvent, CoHandling, EventKind, HandlingUnit
from wangge.cases.workflow import Transition

# Steps whose event the reporter does not see: the unit refusing the case, and the check
# sending the work back to the unit.
STAFF_ONLY_STEPS = frozenset({"return_to_dispatch", "send_back"})
# The keys a step's event may carry in `data` (a step not named here carries none).
STEP_DETAILS: dict[str, frozenset[str]] = {
    "dispatch": frozenset({"unit", "unit_name"}),
    "return_to_dispatch": frozenset({"unit"}),
    "record_visit": frozenset({"result", "by_phone"}),
    "merge": frozenset({"into"}),
}


def _create(
    case: Case,
    actor: User | None,
    kind: str,
    *,
    public: bool,
    note: str = "",
    transition: str = "",
    from_state: str = "",
    to_state: str = "",
    **data: Any,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor if actor and actor.is_authenticated else None,
        kind=kind,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        note=note,
        public=public,
        data=data,
    )


def filed(case: Case, actor: User | None, *, channel: str) -> CaseEvent:
    """The report came in, through `channel`; its photos hang on this event."""
    return _create(case, actor, EventKind.FILED, public=True, channel=channel)


def transition(case: Case, actor: User | None, step: Transition, *, note: str = "", **details: Any) -> CaseEvent:
    """The case takes `step` from its current state to the step's target. Details that are None
    are left out; a key the step does not carry is a programming error (ValueError)."""
    unknown = set(details) - STEP_DETAILS.get(step.name, frozenset())
    if unknown:
        raise ValueError(f"The step {step.name} carries no {', '.join(sorted(unknown))}.")
    return _create(
        case,
        actor,
        EventKind.TRANSITION,
        public=step.name not in STAFF_ONLY_STEPS,
        note=note,
        transition=step.name,
        from_state=case.state,
        to_state=step.target,
        **{key: value for key, value in details.items() if value is not None},
    )


def routed(case: Case, actor: User | None, unit: HandlingUnit) -> CaseEvent:
    """The routing rules chose `unit` (at acceptance, or after a change of category)."""
    return _create(case, actor, EventKind.ROUTED, public=False, unit=unit.pk, unit_name=unit.name)


def note(case: Case, actor: User | None, text: str) -> CaseEvent:
    """A remark for the staff (e.g. the category changed)."""
    return _create(case, actor, EventKind.NOTE, public=False, note=text)


def merged(case: Case, actor: User | None, *, duplicate: Case) -> CaseEvent:
    """`duplicate` was merged into `case`; its reporter now follows `case`."""
    return _create(case, actor, EventKind.MERGED, public=True, duplicate=duplicate.number)


def co_handler_added(case: Case, actor: User | None, *, unit: HandlingUnit, task: str) -> CaseEvent:
    return _create(case, actor, EventKind.CO_HANDLER_ADDED, public=False, unit=unit.pk, unit_name=unit.name, task=task)


def co_handler_finished(co: CoHandling, actor: User | None, *, result: str) -> CaseEvent:
    """The co-handling unit finished its task, with its result."""
    return _create(
        co.case,
        actor,
        EventKind.CO_HANDLER_FINISHED,
        public=False,
        note=result,
        unit=co.unit_id,
        unit_name=co.unit.name,
    )


def co_handler_released(co: CoHandling, actor: User | None, *, result: str) -> CaseEvent:
    """Dispatch released the co-handling unit, saying why."""
    return _create(
        co.case,
        actor,
        EventKind.CO_HANDLER_RELEASED,
        public=False,
        note=result,
        unit=co.unit_id,
        unit_name=co.unit.name,
    )


def extension_requested(case: Case, actor: User | None, *, days: int, reason: str) -> CaseEvent:
    return _create(case, actor, EventKind.EXTENSION_REQUESTED, public=False, note=reason, days=days)


def extension_approved(case: Case, actor: User | None, *, due_at: dt.datetime, note: str = "") -> CaseEvent:
    """The deadline moved to `due_at`."""
    return _create(case, actor, EventKind.EXTENSION_APPROVED, public=False, note=note, due_at=due_at.isoformat())


def extension_refused(case: Case, actor: User | None, *, note: str = "") -> CaseEvent:
    return _create(case, actor, EventKind.EXTENSION_REFUSED, public=False, note=note)


def urged(case: Case, actor: User | None, *, note: str = "") -> CaseEvent:
    return _create(case, actor, EventKind.URGED, public=False, note=note)


def supervised(case: Case, actor: User | None, *, body: str, level: str, joined: bool, note: str = "") -> CaseEvent:
    """`body` opened the case's supervision (or `joined` it); `level` is the supervision's level now."""
    return _create(case, actor, EventKind.SUPERVISED, public=False, note=note, body=body, level=level, joined=joined)


def overdue(case: Case) -> CaseEvent:
    """The sweep found the case past its deadline (no actor)."""
    return _create(case, None, EventKind.OVERDUE, public=False)
