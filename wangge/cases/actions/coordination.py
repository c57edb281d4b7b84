"""Cases handled together: a duplicate merged into an open case, co-handling units with their
own tasks and time limits (多方协调), urging (催办) and supervision (督办)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.calendars.queries import calendar_for
from wangge.cases import events
from wangge.cases.actions.common import locked, move, require_text, save_case, unit_staff
from wangge.cases.actions.notifications import notify
from wangge.cases.errors import CaseError
from wangge.cases.models import (
    Case,
    CoHandling,
    CoHandlingState,
    HandlingUnit,
    Supervision,
    SupervisionLevel,
    SupervisionParty,
)
from wangge.cases.workflow import OPEN_STATES, State
from wangge.lib.errors import DomainError


def merge(acting_user: User, duplicate: Case, *, into: Case, version: int | None = None) -> Case:
    """Merge a duplicate report into an open case; its reporter follows the surviving case."""
    if duplicate.pk == into.pk or into.state not in OPEN_STATES or into.district_id != duplicate.district_id:
        raise DomainError(CaseError.MERGE_TARGET_INVALID, _("Merge into another open case of this district."))
    with transaction.atomic():
        duplicate = locked(duplicate, version)
        move(duplicate, acting_user, "merge", into=into.number)
        duplicate.merged_into = into
        duplicate.closed_at = timezone.now()
        save_case(duplicate, "merged_into", "closed_at")
        events.merged(into, acting_user, duplicate=duplicate)
        notify(
            [duplicate.reporter] if duplicate.reporter else [],
            duplicate,
            _("Your report %(number)s is handled together with %(other)s.")
            % {"number": duplicate.number, "other": into.number},
        )
    return duplicate


def add_co_handler(
    acting_user: User, case: Case, *, unit: HandlingUnit, task: str, days: int, version: int | None = None
) -> CoHandling:
    """多方协调: a co-handling unit with its own sub-task and time limit in working days."""
    task = require_text(task, CaseError.TASK_REQUIRED)
    if days < 1:
        raise DomainError(CaseError.TIME_LIMIT_INVALID, _("The time limit must be at least one working day."))
    with transaction.atomic():
        case = locked(case, version)
        if case.state not in OPEN_STATES or case.state in (
            State.REPORTED,
            State.HANDLED,
            State.VERIFIED,
            State.VISITED,
        ):
            raise DomainError(
                CaseError.TRANSITION_NOT_ALLOWED,
                _("Co-handling units join a case between acceptance and handling."),
                status=409,
            )
        if unit.pk == case.unit_id or unit.district_id != case.district_id:
            raise DomainError(CaseError.CO_HANDLER_INVALID, _("Choose another unit of this district as co-handler."))
        calendar = calendar_for(case.district_id)
        local = timezone.localtime()
        due = calendar.end_of_working_day(calendar.add_working_days(local.date(), days), local.tzinfo)  # type: ignore[arg-type]
        co, created = CoHandling.objects.get_or_create(case=case, unit=unit, defaults={"task": task, "due_at": due})
        if not created:
            raise DomainError(CaseError.CO_HANDLER_EXISTS, _("This unit already co-handles the case."))
        events.co_handler_added(case, acting_user, unit=unit, task=task)
        save_case(case)
        notify(unit_staff(unit), case, _("Your unit is asked to co-handle case %(number)s.") % {"number": case.number})
    return co


def finish_co_handling(acting_user: User, co: CoHandling, *, result: str, released: bool = False) -> CoHandling:
    result = require_text(result, CaseError.RESULT_REQUIRED)
    with transaction.atomic():
        co = CoHandling.objects.select_for_update().select_related("case", "unit").get(pk=co.pk)
        if co.state != CoHandlingState.OPEN:
            raise DomainError(CaseError.CO_HANDLING_CLOSED, _("This co-handling task is already finished."), status=409)
        co.state = CoHandlingState.RELEASED if released else CoHandlingState.FINISHED
        co.result = result
        co.finished_at = timezone.now()
        co.save()
        if released:
            events.co_handler_released(co, acting_user, result=result)
        else:
            events.co_handler_finished(co, acting_user, result=result)
        Case.objects.filter(pk=co.case_id).update(version=F("version") + 1, updated_at=timezone.now())
    return co


def urge(acting_user: User, case: Case, *, note: str = "") -> None:
    """催办: a reminder to the responsible unit, recorded on the timeline."""
    if case.state not in OPEN_STATES:
        raise DomainError(CaseError.CASE_CLOSED, _("This case is already closed."), status=409)
    with transaction.atomic():
        events.urged(case, acting_user, note=note.strip())
        notify(unit_staff(case.unit), case, _("Case %(number)s has been urged.") % {"number": case.number})


_LEVEL_ORDER = {SupervisionLevel.YELLOW: 1, SupervisionLevel.RED: 2}


def supervise(acting_user: User, case: Case, *, body: str, level: str, note: str = "") -> Supervision:
    """督办: opens the case's one supervision, or joins the existing one (raising its level if asked)."""
    if level not in SupervisionLevel.values:
        raise DomainError(CaseError.UNKNOWN_SUPERVISION_LEVEL, _("The supervision level is yellow or red."))
    body = require_text(body, CaseError.SUPERVISING_BODY_REQUIRED)
    if case.state not in OPEN_STATES:
        raise DomainError(CaseError.CASE_CLOSED, _("This case is already closed."), status=409)
    with transaction.atomic():
        case = locked(case, None)
        supervision, created = Supervision.objects.select_for_update().get_or_create(
            case=case, defaults={"district_id": case.district_id, "level": level, "opened_by": acting_user}
        )
        if not created and _LEVEL_ORDER[SupervisionLevel(level)] > _LEVEL_ORDER[SupervisionLevel(supervision.level)]:
            supervision.level = level
            supervision.save(update_fields=["level", "updated_at"])
        party, joined = SupervisionParty.objects.get_or_create(
            supervision=supervision,
            body=body,
            defaults={"user": acting_user, "joined_at": timezone.now(), "note": note},
        )
        events.supervised(case, acting_user, body=body, level=supervision.level, joined=not created, note=note)
        notify(unit_staff(case.unit), case, _("Case %(number)s is under supervision.") % {"number": case.number})
    return supervision
