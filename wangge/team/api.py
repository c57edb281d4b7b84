"""REST endpoints of the team: the roster, the assessment's scores with their explanation, a
supervisor's adjustment and the worker's appeal.

Scope: workers and scores are read through `queries.visible_*`; one outside it answers 404
`not_found` and is absent from lists.
"""

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import Id, Pagination, errors
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import subtree_q, visible_areas
from wangge.lib.errors import DomainError
from wangge.people.models import MemberProfile
from wangge.team import actions, members, practical, queries, wishes
from wangge.team.assessment import PERIOD_RE
from wangge.team.errors import TeamError
from wangge.team.models import Commitment, Registration, Wish, WishStatus
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
    service: Literal["", "culture", "elderly", "support", "tutoring"] = ""


class FulfilIn(Schema):
    note: str
    hours: float | None = Field(None, gt=0, le=24, description="The hours given, for a service.")


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
    service: str
    hours: float | None


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
        "service": wish.service,
        "hours": float(wish.hours) if wish.hours is not None else None,
    }


WISH_STEPS = (ApiError.NOT_FOUND, TeamError.WISH_STATE, TeamError.WISH_NOT_YOURS)


@wishes_router.post("", response={201: WishOut, **errors(400, 404)}, summary="Post a wish or a service task")
@answers(ApiError.NOT_FOUND, TeamError.WISH_AREA, TeamError.WISH_TEXT)
def post_wish(request: HttpRequest, payload: WishIn) -> Any:
    """A resident posts a small wish for their household; a grid worker or the community a wish or
    a service task (`kind`: wish, task) for a household, grid or community in their scope."""
    user = _user(request)
    area = get_object_or_404(visible_areas(user), pk=payload.area)
    return 201, _wish_out(
        wishes.post_wish(user, area=area, text=payload.text, kind=payload.kind, service=payload.service)
    )


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
@answers(*WISH_STEPS, TeamError.WISH_TEXT, TeamError.SERVICE_HOURS)
def fulfil_wish(request: HttpRequest, wish_id: int, payload: FulfilIn) -> Any:
    """The member who claimed the wish records what was done (for a service, the hours given)."""
    user = _user(request)
    wish = get_object_or_404(visible_wishes(user), pk=wish_id)
    return _wish_out(wishes.fulfil_wish(user, wish, note=payload.note, hours=payload.hours))


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


# --- registrations, commitments and services ------------------------------------------------------

registrations_router = Router(tags=["team"])
commitments_router = Router(tags=["team"])


def _own_member(user: User) -> MemberProfile:
    member = members.own_members(user).first()
    if member is None:
        raise DomainError(TeamError.NOT_A_MEMBER, _("Your account is not a member's."))
    return member


class RegistrationOut(Schema):
    id: int
    member: int
    community: int
    place: str
    source: str
    status: str
    registered_on: dt.date
    left_on: dt.date | None


def _registration_out(row: Registration) -> dict[str, Any]:
    return {
        "id": row.pk,
        "member": row.member_id,
        "community": row.community_id,
        "place": row.place,
        "source": row.source,
        "status": row.status,
        "registered_on": row.registered_on,
        "left_on": row.left_on,
    }


class CommunityMemberOut(Schema):
    member: int
    name: str
    kind: str
    state: str
    registration: int | None
    place: str | None
    registered_on: dt.date | None


class CommunityFilter(Schema):
    community: Id


@registrations_router.get(
    "", response={200: list[CommunityMemberOut], **errors(404)}, summary="List a community's members and registrations"
)
@answers(ApiError.NOT_FOUND)
@paginate(Pagination)
def list_registrations(request: HttpRequest, filters: Query[CommunityFilter]) -> Any:
    """For the community's staff: every member living in the community or registered with it, with
    the state of their registration (`confirmed`, `registered`: waiting, `imported`: registered
    in the member system and waiting, `none`, `left`)."""
    community = queries.staffed_community(_user(request), filters.community)
    if community is None:
        raise Http404
    return [
        {
            "member": line.member.pk,
            "name": line.member.person.name,
            "kind": line.member.kind,
            "state": line.state,
            "registration": line.registration.pk if line.registration else None,
            "place": line.registration.place if line.registration else None,
            "registered_on": line.registration.registered_on if line.registration else line.member.reported_on,
        }
        for line in members.community_members(community)
    ]


@registrations_router.get("/mine", response={200: list[RegistrationOut], **errors()}, summary="List your registrations")
@paginate(Pagination)
def my_registrations(request: HttpRequest) -> Any:
    """Your own registrations (报到), current and ended."""
    return [_registration_out(r) for r in Registration.objects.filter(member__person__user=_user(request))]


class RegisterIn(Schema):
    community: Id
    place: Literal["home", "university"] = "home"
    on: dt.date | None = None


@registrations_router.post(
    "", response={201: RegistrationOut, **errors(400, 403, 404, 409)}, summary="Register with a community"
)
@answers(ApiError.NOT_FOUND, TeamError.NOT_A_MEMBER, TeamError.REGISTRATION_LIMIT, TeamError.WISH_AREA)
def register(request: HttpRequest, payload: RegisterIn) -> Any:
    """You (a member) register with a community of your district: your home community, or as a
    student member also your university's; the community's staff confirm it."""
    user = _user(request)
    member = _own_member(user)
    community = get_object_or_404(AreaNode, pk=payload.community, level=Level.COMMUNITY, district_id=member.district_id)
    row = members.register(
        user, member, community=community, on=payload.on or timezone.localdate(), place=payload.place
    )
    return 201, _registration_out(row)


class ConfirmIn(Schema):
    member: Id
    community: Id


@registrations_router.post(
    "/confirm", response={200: RegistrationOut, **errors(404, 409)}, summary="Confirm a member's registration"
)
@answers(ApiError.NOT_FOUND, TeamError.REGISTRATION_STATE)
def confirm(request: HttpRequest, payload: ConfirmIn) -> Any:
    """The community's staff confirm a member's registration with it (one the member made, or
    the member system's imported one)."""
    user = _user(request)
    community = queries.staffed_community(user, payload.community)
    if community is None:
        raise Http404
    member = get_object_or_404(MemberProfile.objects.select_related("person"), pk=payload.member)
    return _registration_out(members.confirm(user, member, community=community))


class LeaveIn(Schema):
    on: dt.date | None = None


@registrations_router.post(
    "/{int:registration_id}/leave",
    response={200: RegistrationOut, **errors(400, 404, 409)},
    summary="End a registration",
)
@answers(ApiError.NOT_FOUND, TeamError.REGISTRATION_STATE, TeamError.TERM_INVALID)
def leave(request: HttpRequest, registration_id: int, payload: LeaveIn) -> Any:
    """The member or the community's staff end the registration (moved, graduated, left)."""
    user = _user(request)
    row = get_object_or_404(queries.visible_registrations(user), pk=registration_id)
    return _registration_out(members.leave(user, row, on=payload.on or timezone.localdate()))


class CommitmentOut(Schema):
    id: int
    member: int
    community: int
    theme: str
    text: str
    starts_on: dt.date
    ends_on: dt.date
    fulfilled_on: dt.date | None
    fulfilment: str


def _commitment_out(row: Commitment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "member": row.member_id,
        "community": row.community_id,
        "theme": row.theme,
        "text": row.text,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "fulfilled_on": row.fulfilled_on,
        "fulfilment": row.fulfilment,
    }


class CommitmentFilter(Schema):
    community: Id | None = None


@commitments_router.get("", response={200: list[CommitmentOut], **errors(404)}, summary="List commitments")
@answers(ApiError.NOT_FOUND)
@paginate(Pagination)
def list_commitments(request: HttpRequest, filters: Query[CommitmentFilter]) -> Any:
    """Your own commitments, and those made to the communities you are staff of; `community` narrows."""
    user = _user(request)
    rows = queries.visible_commitments(user)
    if filters.community is not None:
        if queries.staffed_community(user, filters.community) is None:
            raise Http404
        rows = rows.filter(community_id=filters.community)
    return [_commitment_out(c) for c in rows]


class CommitIn(Schema):
    theme: Literal["policy", "culture", "elderly", "support", "tutoring", "environment", "mediation", "other"]
    text: str
    starts_on: dt.date
    ends_on: dt.date


@commitments_router.post("", response={201: CommitmentOut, **errors(400, 403)}, summary="Make a service commitment")
@answers(TeamError.NOT_A_MEMBER, TeamError.WISH_TEXT, TeamError.TERM_INVALID)
def make_commitment(request: HttpRequest, payload: CommitIn) -> Any:
    """You (a member) commit to a service for your home community, with a theme and a term of at
    most three years."""
    user = _user(request)
    member = _own_member(user)
    made = members.commit(
        user, member, theme=payload.theme, text=payload.text, starts_on=payload.starts_on, ends_on=payload.ends_on
    )
    return 201, _commitment_out(made)


class FulfilmentIn(Schema):
    text: str
    on: dt.date | None = None


@commitments_router.post(
    "/{int:commitment_id}/fulfilment",
    response={200: CommitmentOut, **errors(400, 403, 404)},
    summary="Note a commitment fulfilled",
)
@answers(ApiError.NOT_FOUND, TeamError.TEAM_FORBIDDEN, TeamError.WISH_TEXT, TeamError.TERM_INVALID)
def note_fulfilment(request: HttpRequest, commitment_id: int, payload: FulfilmentIn) -> Any:
    """The member or the community's staff note what was done to keep the commitment."""
    user = _user(request)
    row = get_object_or_404(queries.visible_commitments(user), pk=commitment_id)
    return _commitment_out(members.note_fulfilment(user, row, text=payload.text, on=payload.on or timezone.localdate()))


class OfferIn(Schema):
    community: Id
    service: Literal["culture", "elderly", "support", "tutoring"]
    text: str


@wishes_router.post(
    "/offers", response={201: WishOut, **errors(400, 403, 404)}, summary="Offer a service (retired and student members)"
)
@answers(ApiError.NOT_FOUND, TeamError.NOT_A_MEMBER, TeamError.TEAM_FORBIDDEN, TeamError.WISH_AREA, TeamError.WISH_TEXT)
def offer_service(request: HttpRequest, payload: OfferIn) -> Any:
    """A retired or student member registered with the community offers it a service: a service
    task posted and claimed by them, fulfilled with the hours given, confirmed by the staff."""
    user = _user(request)
    member = _own_member(user)
    community = get_object_or_404(AreaNode, pk=payload.community, level=Level.COMMUNITY, district_id=member.district_id)
    offer = wishes.offer_service(user, member, community=community, service=payload.service, text=payload.text)
    return 201, _wish_out(offer)


register_router("/registrations", registrations_router)
register_router("/commitments", commitments_router)
