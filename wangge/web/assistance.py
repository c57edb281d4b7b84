"""困难帮扶 pages: the worklist of an area, a household's dossier (every view audited), opening a
dossier (from a household visit too), and the paired member's phone page.

Thin views over `wangge.assistance.actions` and `queries`: an area or dossier outside what the
user keeps answers 404. The worklist shows no sensitive fact (no need's kind or note, no cause):
those are on the dossier's page, whose every view is audited. A paired member's page shows only
the household's address and the open needs assigned to the pair, and is audited as a reading of
each dossier shown. The dossier pages are never cached (`no-store`).
"""

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts import audit
from wangge.accounts.audit import client_ip
from wangge.accounts.models import AuditAction, User
from wangge.areas.models import Level
from wangge.assistance import actions, queries
from wangge.assistance.exports import export_dossiers
from wangge.assistance.figures import coverage
from wangge.assistance.models import (
    Cause,
    Dossier,
    DossierEvent,
    DossierState,
    EventKind,
    Need,
    NeedKind,
    NeedState,
    Pair,
    Priority,
    Source,
)
from wangge.fieldwork.queries import visible_visits
from wangge.lib.errors import DomainError
from wangge.lib.replicas import replica_view
from wangge.lib.text import is_ascii_number
from wangge.lib.xlsx import Workbook
from wangge.web.second_factor import step_up
from wangge.web.views import page_for

AREA_LEVELS = (Level.DISTRICT, Level.COMMUNITY, Level.GRID)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and is_ascii_number(raw) and len(raw) < 19 else None


def _failed(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


# --- the worklist -------------------------------------------------------------------------------


@require_GET
@page_for("assistance")
def worklist(request: HttpRequest) -> HttpResponse:
    """An area's worklist (the user's first area unless `area` names another they keep): open
    needs by priority class then waiting time, dossiers due for re-assessment, pairs without a
    help for 60 days, and the area's coverage."""
    user = _user(request)
    kept = queries.assistance_areas(user).filter(level__in=AREA_LEVELS)
    areas = sorted(kept.order_by("code"), key=lambda a: AREA_LEVELS.index(a.level))
    if not areas:
        raise Http404
    wanted = _int(request.GET.get("area"))
    area = get_object_or_404(kept, pk=wanted) if wanted is not None else areas[0]
    today = timezone.localdate()
    work = queries.worklist(area, today)
    now = timezone.now()
    needs = [{"need": n, "waiting": (now - n.opened_at).days} for n in work.needs]
    return render(
        request,
        "web/assistance/worklist.html",
        {"area": area, "areas": areas, "work": work, "needs": needs, "coverage": coverage(area, today)},
    )


@require_http_methods(["GET", "POST"])
@never_cache
@page_for("assistance")
@replica_view
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The area's dossiers as a workbook: masked (GET), or with the situation, causes and needs in
    clear for a POST with a reason. Audited either way."""
    user = _user(request)
    area = get_object_or_404(
        queries.assistance_areas(user).filter(level__in=AREA_LEVELS), pk=_int(request.GET.get("area"))
    )
    try:
        export = export_dossiers(user, area, reason=request.POST.get("reason", ""), ip_address=client_ip(request))
    except DomainError as error:
        sent = step_up(request, error, f"{reverse('assistance')}?area={area.pk}")
        if sent is not None:  # verify a second factor first, then come back to the export form
            return sent
        _failed(request, error)
        return redirect(f"{reverse('assistance')}?area={area.pk}")
    book = Workbook()
    sheet = book.sheet(_("Households in difficulty"))
    sheet.table(export.headers, export.rows, [16, 20, 20, 10, 12, 12], style=book.header)
    response = HttpResponse(book.close(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="wangge-assistance-{area.code}.xlsx"'
    return response


# --- opening a dossier --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@page_for("assistance")
def open_dossier(request: HttpRequest, household_id: int) -> HttpResponse:
    """Open (or add to) a household's dossier; from a visit's page the source is the visit."""
    user = _user(request)
    household = get_object_or_404(
        queries.assistance_areas(user).filter(level=Level.HOUSEHOLD).select_related("building"), pk=household_id
    )
    visit_id = _int(request.GET.get("visit") or request.POST.get("visit"))
    visit = visible_visits(user).filter(pk=visit_id, household=household).first() if visit_id else None
    existing = Dossier.objects.filter(household=household).first()
    if request.method == "POST":
        needs = []
        if request.POST.get("need_kind"):
            needs.append(
                actions.NeedData(
                    request.POST.get("need_kind", ""),
                    request.POST.get("need_priority", Priority.ORDINARY),
                    request.POST.get("need_note", ""),
                )
            )
        try:
            dossier = actions.open_dossier(
                user,
                household=household,
                situation=request.POST.get("situation", ""),
                causes=request.POST.getlist("causes"),
                needs=needs,
                source=Source.VISIT if visit is not None else request.POST.get("source", Source.SELF_REPORT),
            )
        except DomainError as error:
            _failed(request, error)
        else:
            return redirect("assistance_dossier", pk=dossier.pk)
    return render(
        request,
        "web/assistance/open.html",
        {
            "household": household,
            "visit": visit,
            "existing": existing,
            "causes": Cause.choices,
            "kinds": NeedKind.choices,
            "priorities": Priority.choices,
            "sources": Source.choices,
        },
    )


# --- the dossier --------------------------------------------------------------------------------


def _dossier(request: HttpRequest, pk: int) -> Dossier:
    found = queries.visible_dossiers(_user(request)).select_related("household__building", "grid", "community")
    return get_object_or_404(found, pk=pk)


def _history(dossier: Dossier) -> list[dict[str, Any]]:
    events = DossierEvent.objects.filter(dossier=dossier).select_related("actor").order_by("-at", "-id")
    return [{"event": e, "detail": actions.event_detail(e)} for e in events]


@require_GET
@never_cache
@page_for("assistance")
def dossier_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The dossier in clear: situation, causes, needs, pairs with suggestions, helps, history.
    Every view is audited."""
    user = _user(request)
    dossier = _dossier(request, pk)
    actions.view_dossier(user, dossier, client_ip(request))
    needs = list(dossier.needs.order_by(queries.priority_rank(), "opened_at", "pk"))
    pairs = list(dossier.pairs.order_by("ended_on", "-started_on"))
    names = queries.helper_names(pairs)
    helps = list(dossier.helps.select_related("recorded_by").order_by("-given_on", "-id")[:50])
    text = actions.dossier_text(dossier)
    return render(
        request,
        "web/assistance/dossier.html",
        {
            "dossier": dossier,
            "situation": text["situation"],
            "causes": [Cause(c).label for c in text["causes"] if c in Cause.values],
            "cause_values": text["causes"],
            "needs": [{"need": n, **actions.need_text(n), "kind_label": _kind(n)} for n in needs],
            "pairs": [{"pair": p, "name": names.get((p.helper_kind, p.helper_id), "")} for p in pairs],
            "active_pairs": [
                {"pk": p.pk, "name": names.get((p.helper_kind, p.helper_id), "")} for p in pairs if p.ended_on is None
            ],
            "helps": [{"help": h, "what": actions.help_text(h)} for h in helps],
            "history": _history(dossier),
            "suggestions": queries.suggestions(dossier) if dossier.state != DossierState.CLOSED else [],
            "states": DossierState.choices,
            "need_states": NeedState.choices,
            "causes_all": Cause.choices,
            "kinds": NeedKind.choices,
            "priorities": Priority.choices,
            "today": timezone.localdate(),
            "event_kinds": dict(EventKind.choices),
        },
    )


def _kind(need: Need) -> str:
    kind = actions.need_text(need)["kind"]
    return str(NeedKind(kind).label) if kind in NeedKind.values else kind


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw.strip() else None
    except InvalidOperation:
        return Decimal(-1)  # refused by the action as a negative value


def _record_help(user: User, request: HttpRequest, dossier: Dossier, pair: Pair | None, needs: Any = None) -> None:
    """A help from the posted form; the need it meets is one of `needs` (the dossier's by default)."""
    needs = dossier.needs.all() if needs is None else needs
    need_id = _int(request.POST.get("need"))
    need = needs.filter(pk=need_id).first() if need_id is not None else None
    given = request.POST.get("given_on", "")
    try:
        given_on = dt.date.fromisoformat(given) if given else timezone.localdate()
    except ValueError:
        given_on = timezone.localdate()
    actions.record_help(
        user,
        uuid=uuid.uuid4(),
        dossier=dossier,
        given_on=given_on,
        what=request.POST.get("what", ""),
        value=_decimal(request.POST.get("value", "")),
        hours=_decimal(request.POST.get("hours", "")),
        pair=pair,
        need=need,
    )


def _op_change(user: User, request: HttpRequest, dossier: Dossier) -> str:
    actions.change_dossier(
        user,
        dossier,
        reason=request.POST.get("reason", ""),
        situation=request.POST.get("situation"),
        causes=request.POST.getlist("causes") if "causes_given" in request.POST else None,
        state=request.POST.get("state") or None,
    )
    return _("The dossier is changed.")


def _op_reassess(user: User, request: HttpRequest, dossier: Dossier) -> str:
    actions.reassess(user, dossier, request.POST.get("reason", ""))
    return _("The re-assessment is recorded.")


def _op_add_need(user: User, request: HttpRequest, dossier: Dossier) -> str:
    data = actions.NeedData(
        request.POST.get("kind", ""), request.POST.get("priority", Priority.ORDINARY), request.POST.get("note", "")
    )
    actions.add_need(user, dossier, data, source=request.POST.get("source", Source.SELF_REPORT))
    return _("The need is added.")


def _op_change_need(user: User, request: HttpRequest, dossier: Dossier) -> str:
    need = get_object_or_404(dossier.needs, pk=_int(request.POST.get("need")))
    changes: dict[str, Any] = {"state": request.POST.get("state") or None, "reason": request.POST.get("reason", "")}
    if "pair" in request.POST:
        changes["pair_id"] = _int(request.POST.get("pair"))
    actions.change_need(user, need, **changes)
    return _("The need is changed.")


def _op_pair(user: User, request: HttpRequest, dossier: Dossier) -> str:
    actions.pair_helper(
        user, dossier, kind=request.POST.get("helper_kind", ""), helper_id=_int(request.POST.get("helper_id")) or 0
    )
    return _("The helper is paired.")


def _op_end_pair(user: User, request: HttpRequest, dossier: Dossier) -> str:
    pair = get_object_or_404(dossier.pairs, pk=_int(request.POST.get("pair")))
    actions.end_pair(user, pair, request.POST.get("reason", ""))
    return _("The pair has ended.")


def _op_help(user: User, request: HttpRequest, dossier: Dossier) -> str:
    pair_id = _int(request.POST.get("pair"))
    pair = dossier.pairs.filter(pk=pair_id).first() if pair_id is not None else None
    _record_help(user, request, dossier, pair)
    return _("The help is recorded.")


OPERATIONS: dict[str, Callable[[User, HttpRequest, Dossier], str]] = {
    "change": _op_change,
    "reassess": _op_reassess,
    "add_need": _op_add_need,
    "change_need": _op_change_need,
    "pair": _op_pair,
    "end_pair": _op_end_pair,
    "help": _op_help,
}


@require_POST
@never_cache
@page_for("assistance")
def dossier_change(request: HttpRequest, pk: int) -> HttpResponse:
    """One change to the dossier (`op`), through its action; back to the dossier's page."""
    dossier = _dossier(request, pk)
    operation = OPERATIONS.get(request.POST.get("op", ""))
    if operation is None:
        raise Http404
    try:
        messages.success(request, operation(_user(request), request, dossier))
    except DomainError as error:
        _failed(request, error)
    return redirect("assistance_dossier", pk=dossier.pk)


# --- the paired member's phone page -------------------------------------------------------------


@require_GET
@never_cache
@login_required
def my_pairs(request: HttpRequest) -> HttpResponse:
    """The households the user helps as a paired member or volunteer: the address and the open needs
    assigned to the pair, and a form to record a help. Audited as a reading of each dossier."""
    user = _user(request)
    pairs = list(queries.helper_pairs(user).select_related("dossier__household__building").order_by("started_on"))
    if not pairs and not queries.own_members(user).exists() and not queries.own_persons(user).exists():
        raise Http404
    needs: dict[int, list[dict[str, Any]]] = {p.pk: [] for p in pairs}
    for need in queries.open_needs().filter(pair__in=[p.pk for p in pairs]).order_by("opened_at"):
        assert need.pair_id is not None
        needs[need.pair_id].append({"need": need, "kind_label": _kind(need), "note": actions.need_text(need)["note"]})
    if pairs:
        audit.record_many(
            user,
            AuditAction.DOSSIER_VIEWED,
            model=Dossier,
            entries=[(p.dossier_id, {"as_helper": True}) for p in pairs],
            district_id=pairs[0].dossier.district_id,
        )
    rows = [{"pair": p, "needs": needs[p.pk]} for p in pairs]
    return render(request, "web/assistance/mine.html", {"rows": rows, "today": timezone.localdate()})


@require_POST
@login_required
def my_pair_help(request: HttpRequest, pk: int) -> HttpResponse:
    """A help the paired member gave, recorded on their pair."""
    user = _user(request)
    pair = get_object_or_404(queries.helper_pairs(user).select_related("dossier__household"), pk=pk)
    try:
        _record_help(user, request, pair.dossier, pair, queries.open_needs().filter(pair=pair))
    except DomainError as error:
        _failed(request, error)
    else:
        messages.success(request, _("The help is recorded."))
    return redirect("assistance_mine")
