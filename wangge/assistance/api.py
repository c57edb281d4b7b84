"""REST endpoints of the assistance database: open a dossier, list and read dossiers (each
reading audited), pair a helper, record a help (once per uuid) and the coverage of an area.

Survey rounds (摸排) and pairing campaigns (千帮千): listed, read and created by the keepers of
their area; a round reads with its progress (households listed, seen, still to see) and its
households page by page, a campaign with its pairs. A round or campaign over an area the user
does not keep is not found (404).

Scope: the keepers (`queries.KEEPING_ROLES`) read and keep the dossiers of their areas; a paired
member reads their pair's dossier limited to what the pair needs (no situation, no causes, only
the open needs assigned to the pair) and records helps on their pair; anyone else gets 404
`not_found`, as for a dossier that does not exist. Inside one's area but not a keeper: 403
`assistance_forbidden`.
"""

from decimal import Decimal
from typing import Any

from django.db.models import F
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
from wangge.assistance.models import Dossier, Help, HelperKind, Need, Pair, PairingCampaign, SurveyRound
from wangge.assistance.schemas import (
    AssistanceCampaignIn,
    AssistanceCampaignListOut,
    AssistanceCampaignOut,
    AssistanceCoverageIn,
    AssistanceCoverageOut,
    AssistanceDossierIn,
    AssistanceDossierListOut,
    AssistanceDossierOut,
    AssistanceHelpIn,
    AssistanceHelpOut,
    AssistancePairingIn,
    AssistancePairOut,
    AssistanceRoundHouseholdFilter,
    AssistanceRoundHouseholdOut,
    AssistanceRoundIn,
    AssistanceRoundOut,
    AssistanceSkillsIn,
    AssistanceSkillsOut,
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
        "campaign": pair.campaign_id,
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
    AssistanceError.ALREADY_PAIRED,
)
def pair_helper(request: HttpRequest, payload: AssistancePairingIn) -> Any:
    """结对: pair a member, a volunteer (`id`: the person holding the volunteer role), a resident unit
    or a social organisation of the district with the household."""
    user = _user(request)
    dossier = get_object_or_404(queries.visible_dossiers(user).select_related("household"), pk=payload.dossier)
    campaign = None
    if payload.campaign is not None:
        campaign = get_object_or_404(queries.visible_campaigns(user), pk=payload.campaign)
    pair = actions.pair_helper(
        user, dossier, kind=str(payload.helper.kind), helper_id=payload.helper.id, campaign=campaign
    )
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


# --- survey rounds and campaigns ----------------------------------------------------------------


def _round_out(survey: SurveyRound) -> dict[str, Any]:
    seen, listed = survey.seen, survey.listed  # type: ignore[attr-defined]
    return {
        "id": survey.pk,
        "area": _ref(survey.area),
        "name": survey.name,
        "starts_on": survey.starts_on,
        "ends_on": survey.ends_on,
        "only_flagged": survey.only_flagged,
        "listed": listed,
        "seen": seen,
        "to_see": listed - seen,
    }


def _kept_round(user: User, round_id: int) -> SurveyRound:
    if not 0 < round_id <= MAX_ID:
        raise actions.not_found()
    found = queries.visible_rounds(user).filter(pk=round_id).first()
    if found is None:
        raise actions.not_found()
    return found


@router.get("/rounds", response={200: list[AssistanceRoundOut], **errors()}, summary="List survey rounds")
@paginate(Pagination)
def list_rounds(request: HttpRequest) -> Any:
    """摸排: the survey rounds over the areas you keep, the latest first, each with its progress."""
    return [_round_out(r) for r in queries.visible_rounds(_user(request))]


@router.get("/rounds/{int:round_id}", response={200: AssistanceRoundOut, **errors(404)}, summary="Read a survey round")
@answers(ApiError.NOT_FOUND)
def get_round(request: HttpRequest, round_id: int) -> Any:
    """A survey round and its progress: households listed, seen, still to see."""
    return _round_out(_kept_round(_user(request), round_id))


@router.get(
    "/rounds/{int:round_id}/households",
    response={200: list[AssistanceRoundHouseholdOut], **errors(404)},
    summary="A survey round's households",
)
@answers(ApiError.NOT_FOUND)
@paginate(Pagination)
def list_round_households(request: HttpRequest, round_id: int, filters: Query[AssistanceRoundHouseholdFilter]) -> Any:
    """The households on a round's list (those still to see first, then by code): the day each
    was seen and the dossier opened or updated from it; `seen` narrows the list."""
    survey = _kept_round(_user(request), round_id)
    rows = survey.households.select_related("household", "household__grid")
    if filters.seen is not None:
        rows = rows.filter(seen_on__isnull=not filters.seen)
    return rows.order_by(F("seen_on").desc(nulls_first=True), "household__code", "pk")


@router.post("/rounds", response={201: AssistanceRoundOut, **errors(400, 403, 404)}, summary="Create a survey round")
@answers(
    ApiError.NOT_FOUND,
    AssistanceError.ASSISTANCE_FORBIDDEN,
    AssistanceError.AREA_NOT_COVERAGE,
    AssistanceError.ASSISTANCE_DATES_INVALID,
)
def create_round(request: HttpRequest, payload: AssistanceRoundIn) -> Any:
    """摸排: a survey round over a district, community or grid you keep, listing every household of
    the area, or with `only_flagged` those flagged by a visit in the last year or with a dossier in
    the database."""
    user = _user(request)
    area = get_object_or_404(queries.assistance_areas(user), pk=payload.area)
    survey = actions.create_survey_round(
        user,
        area=area,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        only_flagged=payload.only_flagged,
    )
    return 201, _round_out(queries.visible_rounds(user).get(pk=survey.pk))


def _campaign_out(campaign: PairingCampaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "area": _ref(campaign.area),
        "name": campaign.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "current_pairs": campaign.current,  # type: ignore[attr-defined]
    }


@router.get("/campaigns", response={200: list[AssistanceCampaignListOut], **errors()}, summary="List campaigns")
@paginate(Pagination)
def list_campaigns(request: HttpRequest) -> Any:
    """千帮千: the pairing campaigns over the areas you keep, the latest first, with their current
    pairs counted."""
    return [_campaign_out(c) for c in queries.visible_campaigns(_user(request))]


@router.get(
    "/campaigns/{int:campaign_id}", response={200: AssistanceCampaignOut, **errors(404)}, summary="Read a campaign"
)
@answers(ApiError.NOT_FOUND)
def get_campaign(request: HttpRequest, campaign_id: int) -> Any:
    """A campaign with every pair made in it, the latest first: the helper (kind, id, name), the
    household, the days it ran."""
    if not 0 < campaign_id <= MAX_ID:
        raise actions.not_found()
    campaign = queries.visible_campaigns(_user(request)).filter(pk=campaign_id).first()
    if campaign is None:
        raise actions.not_found()
    pairs = list(queries.campaign_pairs(campaign))
    names = queries.helper_names(pairs)
    return {
        **_campaign_out(campaign),
        "pairs": [
            {
                **_pair_out(p),
                "helper_name": names.get((p.helper_kind, p.helper_id), ""),
                "household": _ref(p.dossier.household),
            }
            for p in pairs
        ],
    }


@router.post(
    "/campaigns", response={201: AssistanceCampaignListOut, **errors(400, 403, 404)}, summary="Create a campaign"
)
@answers(
    ApiError.NOT_FOUND,
    AssistanceError.ASSISTANCE_FORBIDDEN,
    AssistanceError.AREA_NOT_COVERAGE,
    AssistanceError.ASSISTANCE_DATES_INVALID,
)
def create_campaign(request: HttpRequest, payload: AssistanceCampaignIn) -> Any:
    """千帮千: a pairing campaign over a district, community or grid you keep; pair within it with
    `POST /pairings` and `campaign`."""
    user = _user(request)
    area = get_object_or_404(queries.assistance_areas(user), pk=payload.area)
    campaign = actions.create_campaign(
        user, area=area, name=payload.name, starts_on=payload.starts_on, ends_on=payload.ends_on
    )
    return 201, _campaign_out(queries.visible_campaigns(user).get(pk=campaign.pk))


# --- helpers' skills ----------------------------------------------------------------------------


@router.put(
    "/helpers/{helper_kind}/{int:helper_id}/skills",
    response={200: AssistanceSkillsOut, **errors(400, 403, 404)},
    summary="Declare a helper's skills",
)
@answers(
    ApiError.NOT_FOUND,
    AssistanceError.ASSISTANCE_FORBIDDEN,
    AssistanceError.HELPER_UNKNOWN,
    AssistanceError.UNKNOWN_CHOICE,
)
def put_skills(request: HttpRequest, helper_kind: HelperKind, helper_id: int, payload: AssistanceSkillsIn) -> Any:
    """The kinds of need a helper can meet, replacing those declared before (pairing suggestions
    move a helper up when one is a kind the household needs). Declared by the keepers of the
    helper's place, or by a member or volunteer for themselves."""
    user = _user(request)
    district = queries.helper_district(user)
    if district is None or not 0 < helper_id <= MAX_ID:
        raise actions.not_found()
    kinds = actions.set_helper_skills(
        user, district=district, kind=str(helper_kind), helper_id=helper_id, kinds=[str(k) for k in payload.kinds]
    )
    return {"helper_kind": helper_kind, "helper_id": helper_id, "kinds": kinds}


register_router("/assistance", router)
