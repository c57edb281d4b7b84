"""A case's deadline after acceptance: extensions asked by the unit and decided by dispatch (on
the work calendar), and the sweep that marks open cases past their deadline overdue."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.calendars.queries import calendar_for
from wangge.cases import events
from wangge.cases.actions.common import locked, save_case, unit_staff
from wangge.cases.actions.notifications import notify
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, Extension, ExtensionState
from wangge.cases.queries import awaiting_overdue_mark
from wangge.cases.workflow import EXTENSION_STATES
from wangge.lib.errors import DomainError


def request_extension(
    acting_user: User, case: Case, *, days: int, reason: str, version: int | None = None
) -> Extension:
    if not reason.strip():
        raise DomainError(CaseError.EXTENSION_REASON_REQUIRED, _("An extension needs a reason."))
    if not 1 <= days <= 60:
        raise DomainError(CaseError.EXTENSION_DAYS_INVALID, _("An extension is 1 to 60 working days."))
    with transaction.atomic():
        case = locked(case, version)
        if case.state not in EXTENSION_STATES:
            raise DomainError(
                CaseError.TRANSITION_NOT_ALLOWED,
                _("An extension can only be asked while the unit holds the case."),
                status=409,
            )
        if case.extensions.filter(state=ExtensionState.REQUESTED).exists():
            raise DomainError(
                CaseError.EXTENSION_PENDING, _("An extension request is already waiting for a decision."), status=409
            )
        extension = Extension.objects.create(case=case, requested_by=acting_user, days=days, reason=reason.strip())
        events.extension_requested(case, acting_user, days=days, reason=reason.strip())
        save_case(case)
    return extension


def decide_extension(acting_user: User, extension: Extension, *, approve: bool, note: str = "") -> Extension:
    """Approve (a new deadline from the calendar, counted from the old one) or refuse."""
    with transaction.atomic():
        extension = Extension.objects.select_for_update().get(pk=extension.pk)
        if extension.state != ExtensionState.REQUESTED:
            raise DomainError(CaseError.EXTENSION_DECIDED, _("This extension request was already decided."), status=409)
        case = locked(extension.case, None)
        if case.state not in EXTENSION_STATES:
            raise DomainError(
                CaseError.EXTENSION_MOOT,
                _("The unit no longer holds this case, so its extension request cannot be decided."),
                status=409,
            )
        extension.decided_by, extension.decided_at = acting_user, timezone.now()
        if approve:
            calendar = calendar_for(case.district_id)
            old = timezone.localtime(case.due_at or timezone.now())
            extension.old_due_at = case.due_at
            case.due_at = calendar.end_of_working_day(calendar.add_working_days(old.date(), extension.days), old.tzinfo)  # type: ignore[arg-type]
            extension.new_due_at = case.due_at
            case.overdue = False
            extension.state = ExtensionState.APPROVED
            events.extension_approved(case, acting_user, due_at=case.due_at, note=note)
        else:
            extension.state = ExtensionState.REFUSED
            events.extension_refused(case, acting_user, note=note)
        extension.save()
        save_case(case, "due_at", "overdue")
        notify(
            [extension.requested_by],
            case,
            _("Your extension request for %(number)s was decided.") % {"number": case.number},
        )
    return extension


def sweep_overdue(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Mark open cases past their deadline as overdue and notify the unit.

    Each case is claimed with a compare-and-set update (`overdue` False → True), so two workers
    running at once never both act on the same case. Returns how many this call marked.
    """
    now = now or timezone.now()
    marked = 0
    candidates = list(awaiting_overdue_mark(now).values_list("pk", flat=True)[:batch])
    for pk in candidates:
        with transaction.atomic():
            if not Case.objects.filter(pk=pk, overdue=False).update(overdue=True, overdue_marked_at=now):
                continue  # another worker claimed it
            case = Case.objects.select_related("unit").get(pk=pk)
            events.overdue(case)
            notify(unit_staff(case.unit), case, _("Case %(number)s is overdue.") % {"number": case.number})
            marked += 1
    return marked
