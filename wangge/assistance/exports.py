"""The database of an area as spreadsheet rows, masked unless revealed with a reason; every export
is audited (`exported`, with the number of rows, whether it was revealed and the reason)."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from wangge.accounts import audit, second_factor
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import AreaNode
from wangge.assistance import actions, queries
from wangge.assistance.models import OPEN_NEED_STATES, Cause, Dossier, NeedKind, Priority


@dataclass(frozen=True)
class Export:
    headers: list[str]
    rows: list[list[Any]]
    revealed: bool


def _labels(values: list[str], choices: Any) -> str:
    return "、".join(str(choices(v).label) for v in values if v in choices.values)


def export_dossiers(acting_user: User, area: AreaNode, *, reason: str = "", ip_address: str | None = None) -> Export:
    """The area's dossiers (one row each): household, grid, state, dates, open needs by priority
    class, paired or not, last help; with a reason also the situation, causes and needs in clear
    (403 `second_factor_required` then, when the policy asks for a second factor this session has
    not verified). 404 for an area the user does not keep. Four queries however many dossiers."""
    if not queries.can_keep(acting_user, area):
        raise actions.not_found()
    revealed = bool(reason.strip())
    if revealed:
        second_factor.require_verified(acting_user)
        reason = audit.require_reason(reason)
    open_by = {
        p.value: Count("needs", filter=Q(needs__state__in=OPEN_NEED_STATES, needs__priority=p.value)) for p in Priority
    }
    dossiers = list(
        queries.in_area(Dossier.objects.all(), area)
        .select_related("household__building", "grid")
        .annotate(
            **{f"open_{key}": value for key, value in open_by.items()},
            current_pairs=Count("pairs", filter=Q(pairs__ended_on__isnull=True), distinct=True),
            last_help=Max("helps__given_on"),
        )
        .order_by("grid__code", "household__code")
    )
    headers = [
        _("Building"),
        _("Household"),
        _("Grid"),
        _("State"),
        _("Opened on"),
        _("Re-assess on"),
        *[str(p.label) for p in Priority],
        _("Current pairs"),
        _("Last help"),
    ]
    rows: list[list[Any]] = [
        [
            d.household.building.name if d.household.building else "",
            d.household.name,
            d.grid.name,
            str(d.get_state_display()),
            d.opened_on,
            d.reassess_on,
            *[getattr(d, f"open_{p.value}") for p in Priority],
            d.current_pairs,
            d.last_help,
        ]
        for d in dossiers
    ]
    if revealed:
        headers += [_("Family situation"), _("Causes"), _("Needs")]
        needs: dict[int, list[str]] = {}
        for need in queries.open_needs().filter(dossier__in=[d.pk for d in dossiers]).order_by("dossier_id", "pk"):
            needs.setdefault(need.dossier_id, []).append(_labels([actions.need_text(need)["kind"]], NeedKind))
        for row, d in zip(rows, dossiers, strict=True):
            text = actions.dossier_text(d)
            row += [text["situation"], _labels(text["causes"], Cause), "、".join(needs.get(d.pk, []))]
    with transaction.atomic():
        audit.record(
            acting_user,
            AuditAction.EXPORTED,
            obj=area,
            district_id=area.district_id or area.pk,
            ip_address=ip_address,
            detail={"export": "assistance_dossiers", "rows": len(rows), "revealed": revealed, "reason": reason},
        )
    return Export(headers, rows, revealed)
