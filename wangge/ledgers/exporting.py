"""Exporting a ledger of personal data (`ledgers.exports`): the permission checks, the reason
for numbers in clear, and the audit rows (never a value)."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record, require_reason
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, User
from wangge.accounts.scope import has_role_over
from wangge.areas.models import AreaNode
from wangge.areas.queries import visible_areas
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.exports import LEDGER_LEVELS, LEDGERS
from wangge.lib.errors import DomainError
from wangge.people.models import REVEALABLE_FIELDS


@dataclass(frozen=True)
class ExportResult:
    content: bytes
    filename: str
    rows: int
    masked: bool


def export_ledger(
    acting_user: User | None,
    *,
    ledger: str,
    area: AreaNode,
    reveal: bool = False,
    reason: str = "",
    ip_address: str | None = None,
) -> ExportResult:
    """A ledger of personal data (`residents`, `households`, `members`) for a district,
    community or grid, as xlsx, with an EXPORTED audit row (ledger, area, rows, masked or not;
    never values).

    Masked unless `reveal` with a reason, which is audited like a reveal. Needs a personal-data
    role over the area: 404 `area_not_found` outside the user's scope, 403
    `personal_data_not_allowed` for a role without personal data. `acting_user=None` is the
    operator at the command line: masked exports only (`reveal_needs_user`)."""
    builder = LEDGERS.get(ledger)
    if builder is None:
        raise DomainError(LedgerError.LEDGER_UNKNOWN, _("Unknown ledger; choose residents, households or members."))
    if area.level not in LEDGER_LEVELS:
        raise DomainError(
            LedgerError.LEDGER_AREA_LEVEL, _("Ledgers are exported for a district, a community or a grid.")
        )
    if acting_user is not None:
        if not visible_areas(acting_user).filter(pk=area.pk).exists():
            raise DomainError(LedgerError.AREA_NOT_FOUND, _("There is no such area in your scope."), status=404)
        if not has_role_over(acting_user, area, *PERSONAL_DATA_ROLES):
            raise DomainError(
                LedgerError.PERSONAL_DATA_NOT_ALLOWED,
                _("Your role does not include residents' personal data."),
                status=403,
            )
    elif reveal:
        raise DomainError(LedgerError.REVEAL_NEEDS_USER, _("An export in clear needs the user who asks for it."))
    text = require_reason(reason) if reveal else ""
    content, rows = builder(area, clear=reveal)
    detail: dict[str, Any] = {
        "export": "ledger",
        "ledger": ledger,
        "format": "xlsx",
        "area": area.pk,
        "rows": rows,
        "masked": not reveal,
    }
    with transaction.atomic():
        if reveal:
            detail["reason"] = text
            record(
                acting_user,
                AuditAction.PERSONAL_DATA_REVEALED,
                obj=area,
                district_id=area.district_id,
                ip_address=ip_address,
                detail={"reason": text, "export": ledger, "rows": rows, "fields": list(REVEALABLE_FIELDS)},
            )
        record(
            acting_user,
            AuditAction.EXPORTED,
            obj=area,
            district_id=area.district_id,
            ip_address=ip_address,
            actor_name="" if acting_user is not None else "command line",
            detail=detail,
        )
    filename = f"wangge-{ledger}-{area.code}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return ExportResult(content=content, filename=filename, rows=rows, masked=not reveal)
