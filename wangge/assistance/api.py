"""REST endpoints of the assistance database: open a dossier, list and read dossiers (each
reading audited), pair a helper, record a help (once per uuid) and the coverage of an area.

Scope: the keepers (`queries.KEEPING_ROLES`) read and keep the dossiers of their areas; a paired
member reads their pair's dossier limited to what the pair needs (no situation, no causes, only
the open needs assigned to the pair) and records helps on their pair; anyone else gets 404
`not_found`, as for a dossier that does not exist. Inside one's area but not a keeper: 403
`assistance_forbidden`.
"""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from wangge.accounts.audit import client_ip
from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import MAX_ID, Id, Pagination, errors
from wangge.areas.models import AreaNode, Level
from wangge.assistance import actions, queries
from wangge.assistance.errors import AssistanceError
from wangge.assistance.figures import coverage
from wangge.assistance.models import Dossier, Help, Need, Pair
from wangge.assistance.schemas import (
    AssistanceCoverageIn,
    AssistanceCoverageOut,
    AssistanceDossierIn,
    AssistanceDossierListOut,
    AssistanceDossierOut,
    AssistanceHelpIn,
    AssistanceHelpOut,
    AssistancePairingIn,
    AssistancePairOut,
)
from wangge.lib.errors import DomainError

router = Router(tags=["assistance"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class AssistanceDossierFilter(Schema):
    grid: Id | None = None


def _ref(node: AreaNode) -> dict[str, Any]:
    return {"id": node.pk, "name": node.name}


def _need_out(need: Need) -> dict[str, Any]:
    clear = actions.need_text(need)
    return {
        "id": need.pk,
        "kind": clear["kind"],
        "priority": need.priority,
        "state": need.state,
        "note": clear["note"],
        "source": need.source,
        "opened_at": need.opened_at,
        "pair": need.pair_id,
    }


def _pair_out(pair: Pair) -> dict[str, Any]:
    return {
        "id": pair.pk,
        "dossier": pair.dossier_id,
        "helper_kind": pair.helper_kind,
        "helper_id": pair.helper_id,
        "started_on": pair.started_on,
        "ended_on": pair.ended_on,
    }


def _list_out(dossier: Dossier) -> dict[str, Any]:
    return {
        "id": dossier.pk,
        "household": _ref(dossier.household),
        "grid": _ref(dossier.grid),
        "state": dossier.state,
        "sources": dossier.sources,
        "opened_on": dossier.opened_on,
        "reassess_on": dossier.reassess_on,
    }


def dossier_out(dossier: Dossier, helper_pair_ids: set[int] | None = None) -> dict[str, Any]:
    """The whole dossier, or (with the helper's pairs) what those pairs need."""
    needs = list(dossier.needs.all())
    pairs = list(dossier.pairs.all())
    if helper_pair_ids is None:
        return {
            **_list_out(dossier),
            **actions.dossier_text(dossier),
            "needs": [_need_out(n) for n in needs],
            "pairs": [_pair_out(p) for p in pairs],
        }
    mine = [n for n in needs if n.pair_id in helper_pair_ids and n.state in queries.OPEN_NEED_STATES]
    return {
        **_list_out(dossier),
        "situation": None,
        "causes": None,
        "needs": [_need_out(n) for n in mine],
        "pairs": [_pair_out(p) for p in pairs if p.pk in helper_pair_ids],
    }


def _help_out(help_: Help) -> dict[str, Any]:
    return {
        "id": help_.pk,
        "uuid": help_.uuid,
        "dossier": help_.dossier_id,
        "given_on": help_.given_on,
        "what": actions.help_text(help_),
        "value": float(help_.value) if help_.value is not None else None,
        "hours": float(help_.hours) if help_.hours is not None else None,
        "pair": help_.pair_id,
        "need": help_.need_id,
    }


def _decimal(value: float | None, step: str) -> Decimal | None:
    return Decimal(str(value)).quantize(Decimal(step)) if value is not None else None


def _detail_queryset() -> Any:
    return Dossier.objects.select_related("household", "grid").prefetch_related("needs", "pairs")


@router.post("/dossiers", response={201: AssistanceDossierOut, **errors(400, 403, 404)}, summary="Open a dossier")
@answers(
    ApiError.NOT_FOUND,
    AssistanceError.ASSISTANCE_FORBIDDEN,
    AssistanceError.DOSSIER_NOT_A_HOUSEHOLD,
)
def open_dossier(request: HttpRequest, payload: AssistanceDossierIn) -> Any:
    """The dossier of a household in difficulty: family situation, causes and needs (stored
    encrypted), each need with its priority class. A household has one dossier: opening it again
    adds to it."""
    user = _user(request)
    household = get_object_or_404(queries.assistance_areas(user), pk=payload.household)
    dossier = actions.open_dossier(
        user,
        household=household,
        situation=payload.situation,
        causes=[str(c) for c in payload.causes],
        needs=[actions.NeedData(str(n.kind), str(n.priority), n.note) for n in payload.needs],
        source=str(payload.source),
    )
    found = _detail_queryset().get(pk=dossier.pk)
    actions.view_dossier(user, found, client_ip(request))
    return 201, dossier_out(found)


@router.get("/dossiers", response={200: list[AssistanceDossierListOut], **errors()}, summary="List dossiers")
@paginate(Pagination)
def list_dossiers(request: HttpRequest, filters: Query[AssistanceDossierFilter]) -> Any:
    """The dossiers you keep, the earliest re-assessment first, without any sensitive fact;
    `grid` narrows the list."""
    found = queries.visible_dossiers(_user(request)).select_related("household", "grid")
    if filters.grid is not None:
        found = found.filter(grid_id=filters.grid)
    return found


@router.get("/dossiers/{int:dossier_id}", response={200: AssistanceDossierOut, **errors(404)}, summary="Read a dossier")
@answers(ApiError.NOT_FOUND)
def get_dossier(request: HttpRequest, dossier_id: int) -> Any:
    """One dossier, whole for its keepers; for its paired helper only the household's address and
    the open needs assigned to the pair. Every reading is audited."""
    user = _user(request)
    if not 0 < dossier_id <= MAX_ID:
        raise actions.not_found()
    found = queries.visible_dossiers(user).filter(pk=dossier_id)
    if found.exists():
        dossier = _detail_queryset().get(pk=dossier_id)
        actions.view_dossier(user, dossier, client_ip(request))
        return dossier_out(dossier)
    pair_ids = set(queries.helper_pairs(user).filter(dossier_id=dossier_id).values_list("pk", flat=True))
    if not pair_ids:
        raise actions.not_found()
    dossier = _detail_queryset().get(pk=dossier_id)
    actions.view_dossier(user, dossier, client_ip(request), as_helper=True)
    return dossier_out(dossier, pair_ids)


@router.post("/pairings", response={201: AssistancePairOut, **errors(400, 403, 404, 409)}, summary="Pair a helper")
@answers(
    ApiError.NOT_FOUND,
    AssistanceError.ASSISTANCE_FORBIDDEN,
    AssistanceError.HELPER_UNKNOWN,
    AssistanceError.HELPER_KIND_NOT_AVAILABLE,
    AssistanceError.ALREADY_PAIRED,
)
def pair_helper(request: HttpRequest, payload: AssistancePairingIn) -> Any:
    """结对: pair a member or a resident unit of the district with the household (volunteers and
    social organisations are refused until they are kept)."""
    user = _user(request)
    dossier = get_object_or_404(queries.visible_dossiers(user).select_related("household"), pk=payload.dossier)
    pair = actions.pair_helper(user, dossier, kind=str(payload.helper.kind), helper_id=payload.helper.id)
    return 201, _pair_out(pair)


@router.post(
    "/helps", response={200: AssistanceHelpOut, 201: AssistanceHelpOut, **errors(400, 404)}, summary="Record a help"
)
@answers(
    ApiError.NOT_FOUND,
    AssistanceError.NEED_NOT_OF_DOSSIER,
    AssistanceError.PAIR_ENDED,
    AssistanceError.HELP_VALUE_INVALID,
)
def record_help(request: HttpRequest, payload: AssistanceHelpIn) -> Any:
    """A help given to the household: what (stored encrypted), its value in yuan or hours, the
    day, optionally the pair that gave it and the need it meets. A paired member records on their
    own pair. 201 when recorded now, 200 with the stored help for a uuid already stored."""
    user = _user(request)
    dossier = Dossier.objects.select_related("household").filter(pk=payload.dossier).first()
    if dossier is None:
        raise actions.not_found()
    pair = Pair.objects.filter(pk=payload.pair).first() if payload.pair is not None else None
    need = Need.objects.filter(pk=payload.need).first() if payload.need is not None else None
    if (payload.pair is not None and pair is None) or (payload.need is not None and need is None):
        raise DomainError(AssistanceError.NEED_NOT_OF_DOSSIER, _("Choose a need or pair of this household."))
    help_, created = actions.record_help(
        user,
        uuid=payload.uuid,
        dossier=dossier,
        given_on=payload.given_on,
        what=payload.what,
        value=_decimal(payload.value, "0.01"),
        hours=_decimal(payload.hours, "0.1"),
        pair=pair,
        need=need,
    )
    return (201 if created else 200), _help_out(help_)


@router.get("/coverage", response={200: AssistanceCoverageOut, **errors(400, 404)}, summary="Coverage of an area")
@answers(ApiError.NOT_FOUND, AssistanceError.AREA_NOT_COVERAGE)
def get_coverage(request: HttpRequest, params: Query[AssistanceCoverageIn]) -> Any:
    """The households in the database in a district, community or grid, and how many are paired,
    were visited in the last 30 days and have at least one need met (docs/assistance.md)."""
    area = get_object_or_404(queries.assistance_areas(_user(request)), pk=params.area)
    if area.level not in (Level.DISTRICT, Level.COMMUNITY, Level.GRID):
        raise DomainError(AssistanceError.AREA_NOT_COVERAGE, _("Choose a district, a community or a grid."))
    return coverage(area)


register_router("/assistance", router)
