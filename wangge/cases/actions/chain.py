"""The chain of a case, 受理 → 派遣 → 处置 → 办结 → 核查 → 回访 → 销号: accept or reject, dispatch,
start, hold and resume, return to dispatch, report handled, verify, record the return visit,
close; and a change of category, which routes the case again."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.cases import events
from wangge.cases.actions.common import locked, move, require_text, save_case, unit_staff
from wangge.cases.actions.notifications import notify, notify_closed, notify_ready_to_rate
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, Category, CoHandlingState, HandlingUnit, ReturnVisit, Satisfaction
from wangge.cases.queries import compute_due_at, dispatch_unit, route
from wangge.cases.workflow import State, check
from wangge.lib.errors import DomainError


def accept(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
    """受理挂牌: start the clock (deadline from the category's time limit) and route the case."""
    with transaction.atomic():
        case = locked(case, version)
        move(case, acting_user, "accept", note=note)
        case.accepted_at = timezone.now()
        case.due_at = compute_due_at(case.category, case.accepted_at, case.district_id)
        case.unit = route(case)
        events.routed(case, acting_user, case.unit)
        save_case(case, "accepted_at", "due_at", "unit")
    return case


def reject(acting_user: User, case: Case, *, reason: str, version: int | None = None) -> Case:
    reason = require_text(reason, CaseError.REASON_REQUIRED)
    with transaction.atomic():
        case = locked(case, version)
        move(case, acting_user, "reject", note=reason)
        case.closed_at = timezone.now()
        save_case(case, "closed_at")
        notify(
            [case.reporter] if case.reporter else [],
            case,
            _("Your report %(number)s was not accepted.") % {"number": case.number},
        )
    return case


def dispatch(acting_user: User, case: Case, *, unit: HandlingUnit | None = None, version: int | None = None) -> Case:
    """派遣 to the routed unit, or to another one the dispatcher picks."""
    with transaction.atomic():
        case = locked(case, version)
        target = unit or case.unit or route(case)
        if target.district_id != case.district_id:
            raise DomainError(CaseError.UNIT_OUTSIDE_DISTRICT, _("Choose a unit of this district."))
        move(case, acting_user, "dispatch", unit=target.pk, unit_name=target.name)
        case.unit = target
        save_case(case, "unit")
        notify(unit_staff(target), case, _("Case %(number)s was dispatched to you.") % {"number": case.number})
    return case


def start(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
    """The responsible unit starts work on the case."""
    with transaction.atomic():
        case = locked(case, version)
        move(case, acting_user, "start", note=note.strip())
        save_case(case)
    return case


def hold(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
    """The unit pauses work; the reason (`note`) is required."""
    note = require_text(note, CaseError.REASON_REQUIRED)
    with transaction.atomic():
        case = locked(case, version)
        move(case, acting_user, "hold", note=note)
        save_case(case)
    return case


def resume(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
    """Work goes on after a hold."""
    with transaction.atomic():
        case = locked(case, version)
        move(case, acting_user, "resume", note=note.strip())
        save_case(case)
    return case


def return_to_dispatch(acting_user: User, case: Case, *, reason: str, version: int | None = None) -> Case:
    """退回: the unit says the case is not theirs; dispatch routes it again."""
    reason = require_text(reason, CaseError.REASON_REQUIRED)
    with transaction.atomic():
        case = locked(case, version)
        move(case, acting_user, "return_to_dispatch", note=reason, unit=case.unit_id)
        case.unit = dispatch_unit(case.district_id)
        save_case(case, "unit")
    return case


def handle(acting_user: User, case: Case, *, result: str, version: int | None = None) -> Case:
    """办结: needs every co-handler finished or released."""
    result = require_text(result, CaseError.RESULT_REQUIRED)
    with transaction.atomic():
        case = locked(case, version)
        check(case.state, "handle")
        if case.co_handlings.filter(state=CoHandlingState.OPEN).exists():
            raise DomainError(
                CaseError.CO_HANDLERS_OPEN, _("Co-handling units are still working on this case."), status=409
            )
        move(case, acting_user, "handle", note=result)
        case.handled_at = timezone.now()
        save_case(case, "handled_at")
    return case


def verify(acting_user: User, case: Case, *, passed: bool, note: str = "", version: int | None = None) -> Case:
    """核查: passed → verified (closed off at once when no return visit is needed); failed → back to the unit."""
    with transaction.atomic():
        case = locked(case, version)
        if passed:
            move(case, acting_user, "verify", note=note)
            if not case.category.return_visit_required:
                move(case, acting_user, "close")
                case.closed_at = timezone.now()
            save_case(case, "closed_at")
            if case.state == State.CLOSED:
                notify_closed(acting_user, case)
            else:
                notify_ready_to_rate(acting_user, case)
        else:
            require_text(note, CaseError.REASON_REQUIRED)
            move(case, acting_user, "send_back", note=note)
            save_case(case)
            notify(
                unit_staff(case.unit),
                case,
                _("Case %(number)s was sent back after checking.") % {"number": case.number},
            )
    return case


def record_visit(
    acting_user: User, case: Case, *, result: str, comment: str = "", by_phone: bool = False, version: int | None = None
) -> Case:
    """回访: satisfied or basically satisfied → closed off; unsatisfied → reopened where the category says so."""
    if result not in Satisfaction.values:
        raise DomainError(CaseError.UNKNOWN_SATISFACTION, _("Choose satisfied, basically satisfied or unsatisfied."))
    with transaction.atomic():
        case = locked(case, version)
        move(case, acting_user, "record_visit", note=comment, result=result, by_phone=by_phone)
        ReturnVisit.objects.create(
            case=case,
            by=acting_user,
            by_phone=by_phone,
            result=result,
            comment=comment.strip(),
            unit=case.unit,
            grid=case.grid,
            category=case.category,
        )
        if result == Satisfaction.UNSATISFIED and case.category.reopen_when_unsatisfied:
            move(case, acting_user, "reopen", note=comment)
            case.handled_at = None
            notify(
                unit_staff(case.unit),
                case,
                _("Case %(number)s was reopened after an unsatisfied return visit.") % {"number": case.number},
            )
        else:
            move(case, acting_user, "close")
            case.closed_at = timezone.now()
        save_case(case, "handled_at", "closed_at")
        if case.state == State.CLOSED:
            notify_closed(acting_user, case)
    return case


def close(acting_user: User, case: Case, *, version: int | None = None, note: str = "") -> Case:
    """销号 after a return visit recorded without closing (kept for staff who close by hand)."""
    with transaction.atomic():
        case = locked(case, version)
        if case.state == State.VERIFIED and case.category.return_visit_required:
            raise DomainError(
                CaseError.RETURN_VISIT_REQUIRED, _("This category needs a return visit before closing."), status=409
            )
        move(case, acting_user, "close", note=note)
        case.closed_at = timezone.now()
        save_case(case, "closed_at")
        notify_closed(acting_user, case)
    return case


def change_category(acting_user: User, case: Case, *, category: Category, version: int | None = None) -> Case:
    """A new category re-applies the routing rules (and the time limit, when not yet accepted)."""
    if category.district_id != case.district_id or category.parent_id is None:
        raise DomainError(CaseError.UNKNOWN_CATEGORY, _("Choose one of the platform's case categories."))
    with transaction.atomic():
        case = locked(case, version)
        if case.state not in (State.REPORTED, State.ACCEPTED, State.RETURNED):
            raise DomainError(
                CaseError.TOO_LATE_TO_RECLASSIFY,
                _("The category can only change before the case is dispatched."),
                status=409,
            )
        old = case.category
        case.category = category
        events.note(
            case, acting_user, _("Category changed from %(old)s to %(new)s.") % {"old": old.name, "new": category.name}
        )
        if case.state != State.REPORTED:
            case.unit = route(case)
            events.routed(case, acting_user, case.unit)
        save_case(case, "category", "unit")
    return case
