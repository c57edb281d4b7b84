"""What every action on a case does the same way: lock the row and compare its `version`, take
a step of the workflow with its timeline event, save with the version bumped, and refuse a
required text left blank."""

from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import User
from wangge.cases import events
from wangge.cases.errors import CaseError
from wangge.cases.models import Case, HandlingUnit
from wangge.cases.workflow import check
from wangge.lib.errors import DomainError


def locked(case: Case, version: int | None) -> Case:
    """The case row locked for this transaction; a stale `version` is refused."""
    current = Case.objects.select_for_update().select_related("category").get(pk=case.pk)
    if version is not None and current.version != version:
        raise DomainError(
            CaseError.STALE_VERSION,
            _("Someone else changed this case meanwhile. Reload it and try again."),
            status=409,
        )
    return current


def move(case: Case, actor: User | None, name: str, *, note: str = "", **details: Any) -> None:
    """Take the step `name` (409 unless the case's state allows it), with its timeline event."""
    transition = check(case.state, name)
    events.transition(case, actor, transition, note=note, **details)
    case.state = transition.target


def save_case(case: Case, *fields: str) -> None:
    case.version = F("version") + 1  # type: ignore[assignment]
    case.save(update_fields=["state", "version", "updated_at", *fields])
    case.refresh_from_db(fields=["version"])


def unit_staff(unit: HandlingUnit | None) -> list[User]:
    return list(unit.users.all()) if unit is not None else []


_REQUIRED_TEXT = {
    CaseError.REASON_REQUIRED: gettext_lazy("Please give a reason."),
    CaseError.RESULT_REQUIRED: gettext_lazy("Please describe the result."),
    CaseError.TASK_REQUIRED: gettext_lazy("Please describe the co-handling task."),
    CaseError.SUPERVISING_BODY_REQUIRED: gettext_lazy("Please name the supervising body."),
}


def require_text(text: str, code: CaseError) -> str:
    """The text without the spaces around it; `code` (400) when nothing is left."""
    if not text.strip():
        raise DomainError(code, _REQUIRED_TEXT[code])
    return text.strip()
