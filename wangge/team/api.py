"""REST endpoints of the team: the roster, the assessment's scores with their explanation, a
supervisor's adjustment and the worker's appeal.

Scope: workers and scores are read through `queries.visible_*`; one outside it answers 404
`not_found` and is absent from lists.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import Id, Pagination, errors
from wangge.areas.queries import subtree_q, visible_areas
from wangge.lib.errors import DomainError
from wangge.team import actions, practical, wishes
from wangge.team.assessment import PERIOD_RE
from wangge.team.errors import TeamError
from wangge.team.models import Wish, WishStatus
from wangge.team.queries import drill_down, visible_scores, visible_wishes, visible_workers

roster_router = Router(tags=["team"])
assessment_router = Router(tags=["team"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class RosterWorkerOut(Schema):
    id: int
    name: str
    kind: str
    area: int
    community: int | None
    grid: int | None
    unit: str
    started_on: dt.date | None
    status: str


class RosterFilter(Schema):
    area: Id | None = None


@roster_router.get("", response={200: list[RosterWorkerOut], **errors(404)}, summary="List the team's roster")
@answers(ApiError.NOT_FOUND)
@paginate(Pagination)
def list_roster(request: HttpRequest, filters: Query[RosterFilter]) -> Any:
    """Every worker you see: post, area, unit (employer), start date and status; `area` narrows
    to a community or grid."""
    user = _user(request)
    within = get_object_or_404(visible_areas(user), pk=filters.area) if filters.area is not None else None
    return [
        {
            "id": w.pk,
            "name": w.person.name,
            "kind": w.kind,
            "area": w.area_id,
            "community": w.community_id,
            "grid": w.grid_id,
            "unit": w.person.employer,
            "started_on": getattr(getattr(w, "roster_entry", None), "started_on", None),
            "status": getattr(getattr(w, "roster_entry", None), "status", "active"),
        }
        for w in visible_workers(user, within)
    ]


class ScoreFilter(Schema):
    period: str
    area: Id | None = None


class AssessmentScoreOut(Schema):
    id: int
    worker: int
    name: str
    period: str
    stars: int
    previous_stars: int | None
    computed_stars: int
    score: float | None
    rule: str
    indicators: dict[str, float]


class AssessmentIndicatorOut(Schema):
    name: str
    definition: str
    value: float
    points: float
    weight: float
    records: list[int]
    hits: list[int] | None


class AssessmentScoreDetailOut(AssessmentScoreOut):
    explained: list[AssessmentIndicatorOut]


def _out(score: Any) -> dict[str, Any]:
    return {
        "id": score.pk,
        "worker": score.worker_id,
        "name": score.worker.person.name,
        "period": f"{score.period_start:%Y-%m}",
        "stars": score.stars,
        "previous_stars": score.previous_stars,
        "computed_stars": score.computed_stars,
        "score": score.score,
        "rule": score.rule,
        "indicators": {name: data["value"] for name, data in score.indicators.items()},
    }


@assessment_router.get(
    "/scores", response={200: list[AssessmentScoreOut], **errors(400, 404)}, summary="List a period's scores"
)
@answers(ApiError.NOT_FOUND, TeamError.PERIOD_INVALID_FORMAT)
@paginate(Pagination)
def list_scores(request: HttpRequest, filters: Query[ScoreFilter]) -> Any:
    """The scores of the period (`YYYY-MM`, its first month for a quarter) of the workers you see;
    `area` narrows to a community or grid."""
    user = _user(request)
    match = PERIOD_RE.match(filters.period)
    if match is None:
        raise DomainError(TeamError.PERIOD_INVALID_FORMAT, _("Write the period as YYYY-MM, for example 2026-03."))
    scores = visible_scores(user).filter(period_start__year=int(match[1]), period_start__month=int(match[2]))
    if filters.area is not None:
        within = get_object_or_404(visible_areas(user), pk=filters.area)
        scores = scores.filter(subtree_q(within))
    return [_out(s) for s in scores.order_by("worker__person__name", "pk")]


@assessment_router.get(
    "/scores/{int:score_id}", response={200: AssessmentScoreDetailOut, **errors(404)}, summary="Explain one score"
)
@answers(ApiError.NOT_FOUND)
def get_score(request: HttpRequest, score_id: int) -> Any:
    """The score with each indicator's definition, value, points, weight and the ids of the
    records it counted (`hits`: those that count for a rate)."""
    score = get_object_or_404(visible_scores(_user(request)), pk=score_id)
    explained = [
        {
            "name": part["name"],
            "definition": str(part["indicator"].definition),
            "value": part["value"],
            "points": part["points"],
            "weight": part["weight"],
            "records": part["records"],
            "hits": part["hits"],
        }
        for part in drill_down(score)
    ]
    return {**_out(score), "explained": explained}


class AdjustIn(Schema):
    stars: int
    reason: str


class AppealIn(Schema):
    text: str


@assessment_router.post(
    "/scores/{int:score_id}/adjust",
    response={200: AssessmentScoreOut, **errors(400, 403, 404)},
    summary="Adjust a score's stars",
)
@answers(ApiError.NOT_FOUND, TeamError.TEAM_FORBIDDEN, TeamError.TEAM_REASON_REQUIRED, TeamError.STARS_OUT_OF_RANGE)
def adjust_score(request: HttpRequest, score_id: int, payload: AdjustIn) -> Any:
    """The worker's community staff or the district set the stars, with a written reason (audited)."""
    user = _user(request)
    score = get_object_or_404(visible_scores(user), pk=score_id)
    actions.adjust_score(user, score, stars=payload.stars, reason=payload.reason)
    return _out(visible_scores(user).get(pk=score_id))


class AppealOut(Schema):
    id: int
    status: str


@assessment_router.post(
    "/scores/{int:score_id}/appeal", response={201: AppealOut, **errors(400, 403, 404, 409)}, summary="Appeal a score"
)
@answers(ApiError.NOT_FOUND, TeamError.NOT_YOUR_SCORE, TeamError.TEAM_REASON_REQUIRED, TeamError.APPEAL_OPEN)
def appeal_score(request: HttpRequest, score_id: int, payload: AppealIn) -> Any:
    """The worker assessed appeals their score with written grounds; one appeal waits at a time."""
    user = _user(request)
    score = get_object_or_404(visible_scores(user), pk=score_id)
    appeal = actions.appeal_score(user, score, text=payload.text)
    return 201, {"id": appeal.pk, "status": appeal.status}


register_router("/roster", roster_router)
register_router("/assessment", assessment_router)


# --- wishes and practical things done ----------------------------------------------------------

wishes_router = Router(tags=["team"])
deeds_router = Router(tags=["team"])


class WishIn(Schema):
    area: Id
    text: str
    kind: str = "wish"


class FulfilIn(Schema):
    note: str


class WishOut(Schema):
    id: int
    kind: str
    text: str
    community: int
    household: int | None
    status: str
    claimant: int | None
    claim_expires_at: dt.datetime | None
    note: str


def _wish_out(wish: Wish) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": wish.pk,
        "kind": wish.kind,
        "text": wish.text,
        "community": wish.community_id,
        "household": wish.household_id,
        "status": WishStatus.OPEN if wishes.is_open(wish, now) else wish.status,
        "claimant": None if wishes.is_open(wish, now) else wish.claimant_id,
        "claim_expires_at": None if wishes.is_open(wish, now) else wish.claim_expires_at,
        "note": wish.note,
    }


WISH_STEPS = (ApiError.NOT_FOUND, TeamError.WISH_STATE, TeamError.WISH_NOT_YOURS)


@wishes_router.post("", response={201: WishOut, **errors(400, 404)}, summary="Post a wish or a service task")
@answers(ApiError.NOT_FOUND, TeamError.WISH_AREA, TeamError.WISH_TEXT)
def post_wish(request: HttpRequest, payload: WishIn) -> Any:
    """A resident posts a small wish for their household; a grid worker or the community a wish or
    a service task (`kind`: wish, task) for a household, grid or community in their scope."""
    user = _user(request)
    area = get_object_or_404(visible_areas(user), pk=payload.area)
    return 201, _wish_out(wishes.post_wish(user, area=area, text=payload.text, kind=payload.kind))


@wishes_router.get("", response={200: list[WishOut], **errors()}, summary="List the wishes you see")
@paginate(Pagination)
def list_wishes(request: HttpRequest) -> Any:
    """Wishes of your scope (a member: their community's; a resident: their household's), newest first."""
    return [_wish_out(w) for w in visible_wishes(_user(request))]


@wishes_router.post("/{int:wish_id}/claim", response={200: WishOut, **errors(403, 404, 409)}, summary="Claim a wish")
@answers(ApiError.NOT_FOUND, TeamError.NOT_A_MEMBER, TeamError.WISH_TAKEN)
def claim_wish(request: HttpRequest, wish_id: int) -> Any:
    """A member of the wish's community claims it; while another member's claim holds: 409."""
    user = _user(request)
    wish = get_object_or_404(visible_wishes(user), pk=wish_id)
    return _wish_out(wishes.claim_wish(user, wish))


@wishes_router.post(
    "/{int:wish_id}/fulfil", response={200: WishOut, **errors(400, 403, 404, 409)}, summary="Fulfil a wish"
)
@answers(*WISH_STEPS, TeamError.WISH_TEXT)
def fulfil_wish(request: HttpRequest, wish_id: int, payload: FulfilIn) -> Any:
    """The member who claimed the wish records what was done."""
    user = _user(request)
    wish = get_object_or_404(visible_wishes(user), pk=wish_id)
    return _wish_out(wishes.fulfil_wish(user, wish, note=payload.note))


@wishes_router.post(
    "/{int:wish_id}/confirm", response={200: WishOut, **errors(403, 404, 409)}, summary="Confirm a wish was done"
)
@answers(*WISH_STEPS)
def confirm_wish(request: HttpRequest, wish_id: int) -> Any:
    """Whoever posted the wish confirms it was fulfilled."""
    user = _user(request)
    wish = get_object_or_404(visible_wishes(user), pk=wish_id)
    return _wish_out(wishes.confirm_wish(user, wish))


class DeedsFilter(Schema):
    area: Id
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")


class DeedsOut(Schema):
    count: int
    by_kind: dict[str, int]


@deeds_router.get("", response={200: DeedsOut, **errors(404)}, summary="Count practical things done")
@answers(ApiError.NOT_FOUND)
def count_deeds(request: HttpRequest, filters: Query[DeedsFilter]) -> Any:
    """Practical things done (为民办实事, `team.practical`) in the area from `from` to `to` (days, inclusive)."""
    area = get_object_or_404(visible_areas(_user(request)), pk=filters.area)
    return practical.count(area, filters.start, filters.end)


register_router("/wishes", wishes_router)
register_router("/deeds", deeds_router)
