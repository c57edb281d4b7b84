"""REST endpoints of the case chain (挂牌销号): file, list, read, follow the timeline, and take
every step of the workflow.

Scope: a case is read through `wangge.cases.queries.visible_cases`; one outside it answers 404
`not_found`, exactly like one that does not exist, and is absent from lists. Permission: a
case the caller sees but may not act on answers 403 `forbidden` (`wangge.cases.policy`).
State: a step the case's state does not allow answers 409 `transition_not_allowed`, a stale
`version` 409 `stale_version` (both from the actions). The views are thin: load in scope, ask
the policy, call the action in `wangge.cases.actions`, answer the case as it now is.
"""

from typing import Any, Literal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.api import ratelimit
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.paging import CursorPagination
from wangge.api.schemas import Pagination, errors
from wangge.areas.models import AreaNode
from wangge.cases import actions, policy, steps
from wangge.cases.detail import case_detail, new_case_detail, timeline_items
from wangge.cases.errors import CaseError
from wangge.cases.models import (
    Case,
    Channel,
    Notification,
    ReturnVisit,
)
from wangge.cases.queries import nearby_open_cases, satisfaction_rates, visible_cases, with_flags, worklist
from wangge.cases.schemas import (
    CaseDetailOut,
    CaseFilter,
    CaseItemOut,
    CategoryIn,
    CoHandlerIn,
    DecideIn,
    DispatchIn,
    ExtensionIn,
    FileIn,
    FinishIn,
    HandleIn,
    MergeIn,
    NearbyIn,
    NearbyOut,
    NoteIn,
    NotificationOut,
    PhotoOut,
    ReadIn,
    ReadOut,
    ReasonIn,
    SatisfactionOut,
    SuperviseIn,
    TimelineOut,
    UrgeIn,
    VerifyIn,
    VisitIn,
)
from wangge.lib.errors import DomainError
from wangge.lib.geo import check_coordinates, distance_m, to_wgs84

router = Router(tags=["cases"])

STEP_ERRORS = errors(400, 403, 404, 409)
# What every step can answer: not yours (403), not in your scope (404), not now (409), or
# changed by someone else since you read it (409).
STEP = (CaseError.FORBIDDEN, ApiError.NOT_FOUND, CaseError.TRANSITION_NOT_ALLOWED, CaseError.STALE_VERSION)


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _case_in_scope(user: User, case_id: int) -> Case:
    return get_object_or_404(visible_cases(user).select_related("category"), pk=case_id)


def _act(request: HttpRequest, case_id: int, step: str, payload: Schema) -> Case:
    """Load the case in scope (404), take the step (403 from the policy, 409 from the action),
    answer the case as it now is."""
    user = _user(request)
    case = _case_in_scope(user, case_id)
    steps.take(user, case, step, payload)
    return case_detail(user, case.pk)


# --- filing, listing, reading -------------------------------------------------------------------


@router.post("", response={201: CaseDetailOut, **errors(400, 403, 404, 429)}, summary="File a case")
@answers(
    CaseError.UNKNOWN_CATEGORY,
    CaseError.DESCRIPTION_REQUIRED,
    CaseError.DESCRIPTION_TOO_LONG,
    CaseError.ANSWER_REQUIRED,
    CaseError.ANSWER_INVALID,
    CaseError.LOCATION_REQUIRED,
    ApiError.COORDINATES_OUT_OF_RANGE,
    CaseError.NOT_A_BUILDING,
    CaseError.ADDRESS_UNKNOWN,
    CaseError.ADDRESS_AMBIGUOUS,
    CaseError.OUTSIDE_DISTRICT,
    CaseError.FORBIDDEN,
    ApiError.OUTSIDE_EVERY_GRID,
    ApiError.RATE_LIMITED,
)
def file_case(request: HttpRequest, payload: FileIn) -> Any:
    """A new case in state `reported`, through the channel `api`.

    The place is a point (`lng`/`lat` in `crs`), a `building` id or a known `address`; the
    grid is found from it. Only a caller with a role in the category's district may file
    (403). A caller whose only role is resident files at most `WANGGE_RATE_RESIDENT` cases
    (429, with `Retry-After`); staff are never limited.
    """
    user = _user(request)
    if steps.user_districts(user) == set():
        raise DomainError(
            CaseError.FORBIDDEN, _("Only people with a role in a district can file cases there."), status=403
        )
    category = steps.find_category(user, payload.category)
    if not policy.can_file(user, category.district_id):
        raise steps.forbidden()
    ratelimit.check_resident_intake(user)
    building = None
    if payload.building is not None:
        building = AreaNode.objects.filter(pk=payload.building).first()
        if building is None:
            raise DomainError(CaseError.NOT_A_BUILDING, _("Choose a building of this district."))
    case = actions.file_case(
        user,
        district=category.district,
        category=category,
        channel=Channel.API,
        description=payload.description,
        lng=payload.lng,
        lat=payload.lat,
        crs=payload.crs,
        address=payload.address,
        building=building,
        reporter_name=payload.reporter_name,
        reporter_contact=payload.reporter_contact,
        answers=payload.answers,
    )
    return 201, new_case_detail(user, case)


def _filtered(cases: QuerySet[Case], filters: CaseFilter) -> QuerySet[Case]:
    if filters.state:
        cases = cases.filter(state__in=filters.state.split(","))
    if filters.category is not None:
        cases = cases.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.grid is not None:
        cases = cases.filter(grid_id=filters.grid)
    if filters.unit is not None:
        cases = cases.filter(unit_id=filters.unit)
    if filters.overdue is not None:
        cases = cases.filter(overdue=filters.overdue)
    if filters.due_soon is not None:
        cases = with_flags(cases).filter(due_soon=filters.due_soon)  # type: ignore[misc]  # annotated there
    for bound, lookup in ((filters.created_after, "gte"), (filters.created_before, "lt")):
        if bound is not None:
            aware = bound if timezone.is_aware(bound) else timezone.make_aware(bound)
            cases = cases.filter(**{f"created_at__{lookup}": aware})
    return cases


@router.get("", response={200: list[CaseItemOut], **errors()}, summary="List cases in your scope")
@answers(ApiError.INVALID_CURSOR)
@paginate(CursorPagination)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    """Cases you see, newest first: your area's cases, your unit's, those you reported; or, with
    `queue`, one of your worklists in its own order.

    Page with `cursor`: each page's `next_cursor` gives the next one, which stays right while new
    cases arrive (an `offset` would shift); a page asked for by cursor has no `count`.

    `created_after` is inclusive, `created_before` exclusive. A filter naming something outside
    your scope gives an empty list; an unknown state is invalid input."""
    user = _user(request)
    if filters.queue:
        # A state widens the queue to every case of its kind in that state (as the web lists do).
        states = filters.state.split(",") if filters.state else None
        return _filtered(_items(worklist(user, filters.queue, states)), filters)
    return _filtered(_items(visible_cases(user)), filters).order_by("-created_at", "-id")


# The columns `CaseItemOut` shows: reading (and compiling) every column of four tables cost
# more than the rest of a list request.
_ITEM_COLUMNS = (
    *("id", "number", "state", "due_at", "overdue", "created_at", "version"),
    *("category__id", "category__name", "grid__id", "grid__name", "unit__id", "unit__name"),
)


def _items(cases: QuerySet[Case]) -> QuerySet[Case]:
    # `due_soon` is worked out from the row (`CaseItemOut`), unless a filter asks for it in SQL.
    return cases.select_related("category", "grid", "unit").only(*_ITEM_COLUMNS)


@router.get("/nearby", response={200: NearbyOut, **errors(400)}, summary="Open cases nearby (possible duplicates)")
@answers(CaseError.UNKNOWN_CATEGORY, ApiError.COORDINATES_OUT_OF_RANGE)
def nearby(request: HttpRequest, near: Query[NearbyIn]) -> Any:
    """Open cases of the same category within CASE_DUPLICATE_RADIUS_M of the point, nearest first,
    among the cases you see. Ask before filing, to merge a duplicate instead."""
    user = _user(request)
    found = steps.find_category(user, near.category)
    check_coordinates(near.lng, near.lat)
    wgs_lng, wgs_lat = to_wgs84(near.lng, near.lat, near.crs)
    radius = float(settings.CASE_DUPLICATE_RADIUS_M)
    found_near = nearby_open_cases(found, wgs_lng, wgs_lat, radius, limit=200)
    seen = set(visible_cases(user).filter(pk__in=[c.pk for c in found_near]).values_list("pk", flat=True))
    items = [
        {
            "id": c.pk,
            "number": c.number,
            "state": c.state,
            "state_label": str(c.get_state_display()),
            "description": c.description,
            "distance_m": round(distance_m((wgs_lng, wgs_lat), (c.lng, c.lat)), 1),  # type: ignore[arg-type]
            "lng": c.lng,
            "lat": c.lat,
            "created_at": c.created_at,
        }
        for c in found_near
        if c.pk in seen
    ][: near.limit]
    return {"radius_m": radius, "items": items}


@router.get("/satisfaction", response={200: SatisfactionOut, **errors()}, summary="Return-visit satisfaction")
def satisfaction(
    request: HttpRequest, by: Literal["unit", "grid", "category"] = Query("unit", description="How to group.")
) -> Any:
    """Return-visit results on the cases you see, grouped by unit, grid or category."""
    visits = ReturnVisit.objects.filter(case__in=visible_cases(_user(request)).values("pk"))
    return {"by": by, "rows": satisfaction_rates(visits, by)}


@router.get("/{int:case_id}", response={200: CaseDetailOut, **errors(404)}, summary="Read one case")
@answers(ApiError.NOT_FOUND)
def get_case(request: HttpRequest, case_id: int) -> Any:
    """The case with the steps you may take now, co-handlings, extensions, supervision and photos.

    The reporter's contact is only ever shown masked. A caller who sees the case only as its
    reporter gets the public part: no co-handlings, extensions or supervision, public photos."""
    user = _user(request)
    case = _case_in_scope(user, case_id)
    return case_detail(user, case.pk)


@router.get("/{int:case_id}/timeline", response={200: TimelineOut, **errors(404)}, summary="A case's timeline")
@answers(ApiError.NOT_FOUND)
def timeline(request: HttpRequest, case_id: int) -> Any:
    """Every event, oldest first. The reporter (seeing the case only as reporter) gets the public
    events, without the names of the staff who acted."""
    user = _user(request)
    case = _case_in_scope(user, case_id)
    items = timeline_items(user, case)
    return {"case": case, "items": items}


# --- the workflow -------------------------------------------------------------------------------


@router.post("/{int:case_id}/accept", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Accept and tag (受理挂牌)")
@answers(*STEP)
def accept(request: HttpRequest, case_id: int, payload: NoteIn) -> Any:
    """Starts the clock and routes the case to its responsible unit. Dispatch only."""
    return _act(request, case_id, "accept", payload)


@router.post("/{int:case_id}/reject", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Do not accept")
@answers(*STEP, CaseError.REASON_REQUIRED)
def reject(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    """The report is not accepted; the case is closed and its reporter told. Dispatch only."""
    return _act(request, case_id, "reject", payload)


@router.post("/{int:case_id}/dispatch", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Dispatch (派遣)")
@answers(*STEP, CaseError.UNKNOWN_UNIT)
def dispatch(request: HttpRequest, case_id: int, payload: DispatchIn) -> Any:
    """To the routed unit, or to `unit`."""
    return _act(request, case_id, "dispatch", payload)


@router.post("/{int:case_id}/start", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Start handling")
@answers(*STEP)
def start(request: HttpRequest, case_id: int, payload: NoteIn) -> Any:
    """The responsible unit starts work on the case. Staff of that unit."""
    return _act(request, case_id, "start", payload)


@router.post("/{int:case_id}/return", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Return to dispatch (退回)")
@answers(*STEP, CaseError.REASON_REQUIRED)
def return_to_dispatch(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    """The unit says the case is not theirs. After this the unit may no longer see the case."""
    return _act(request, case_id, "return", payload)


@router.post("/{int:case_id}/hold", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Put on hold")
@answers(*STEP, CaseError.REASON_REQUIRED)
def hold(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    """The unit pauses work, with a reason. Staff of the responsible unit."""
    return _act(request, case_id, "hold", payload)


@router.post("/{int:case_id}/resume", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Resume after a hold")
@answers(*STEP)
def resume(request: HttpRequest, case_id: int, payload: NoteIn) -> Any:
    """Work goes on after a hold. Staff of the responsible unit."""
    return _act(request, case_id, "resume", payload)


@router.post("/{int:case_id}/handle", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Report handled (办结)")
@answers(*STEP, CaseError.RESULT_REQUIRED, CaseError.CO_HANDLERS_OPEN)
def handle(request: HttpRequest, case_id: int, payload: HandleIn) -> Any:
    """The unit reports the case handled, with its result, once no co-handling unit is still
    working. Staff of the responsible unit."""
    return _act(request, case_id, "handle", payload)


@router.post("/{int:case_id}/verify", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Check the result (核查)")
@answers(*STEP, CaseError.REASON_REQUIRED)
def verify(request: HttpRequest, case_id: int, payload: VerifyIn) -> Any:
    """Passed: verified (closed at once where the category needs no return visit). Not passed
    (a `note` is required): back to the unit."""
    return _act(request, case_id, "verify", payload)


@router.post(
    "/{int:case_id}/visit", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Record the return visit (回访)"
)
@answers(*STEP)
def visit(request: HttpRequest, case_id: int, payload: VisitIn) -> Any:
    """Satisfied or basically satisfied closes the case; unsatisfied reopens it where the
    category says so. Dispatch, or the reporter for their own case."""
    return _act(request, case_id, "visit", payload)


@router.post("/{int:case_id}/close", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Close off (销号)")
@answers(*STEP, CaseError.RETURN_VISIT_REQUIRED)
def close(request: HttpRequest, case_id: int, payload: NoteIn) -> Any:
    """Closes the case off (销号). Dispatch only."""
    return _act(request, case_id, "close", payload)


@router.post("/{int:case_id}/merge", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Merge as a duplicate")
@answers(*STEP, CaseError.MERGE_TARGET_INVALID)
def merge(request: HttpRequest, case_id: int, payload: MergeIn) -> Any:
    """Into another open case you see (a target you do not see is not found)."""
    return _act(request, case_id, "merge", payload)


@router.post("/{int:case_id}/category", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Change the category")
@answers(*STEP, CaseError.UNKNOWN_CATEGORY, CaseError.TOO_LATE_TO_RECLASSIFY)
def change_category(request: HttpRequest, case_id: int, payload: CategoryIn) -> Any:
    """Re-applies the routing rules; only before the case is dispatched."""
    return _act(request, case_id, "category", payload)


# --- coordination, extensions, urging, supervision, photos ----------------------------------------


@router.post(
    "/{int:case_id}/co-handlers", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Add a co-handling unit"
)
@answers(
    *STEP, CaseError.TASK_REQUIRED, CaseError.CO_HANDLER_INVALID, CaseError.CO_HANDLER_EXISTS, CaseError.UNKNOWN_UNIT
)
def add_co_handler(request: HttpRequest, case_id: int, payload: CoHandlerIn) -> Any:
    """多方协调: another unit of the district with its own task and time limit in working days,
    between acceptance and handling."""
    return _act(request, case_id, "co-handlers", payload)


@router.post(
    "/{int:case_id}/co-handlings/{int:co_id}/finish",
    response={200: CaseDetailOut, **STEP_ERRORS},
    summary="Finish or release a co-handling",
)
@answers(CaseError.RESULT_REQUIRED, CaseError.FORBIDDEN, ApiError.NOT_FOUND, CaseError.CO_HANDLING_CLOSED)
def finish_co_handling(request: HttpRequest, case_id: int, co_id: int, payload: FinishIn) -> Any:
    """The co-handling unit's staff finish their task; dispatch may instead release the unit
    (`released: true`). The case or the co-handling unknown or outside your scope is not found."""
    user = _user(request)
    case = _case_in_scope(user, case_id)
    steps.finish_co_handling(user, case, co_id, payload)
    return case_detail(user, case.pk)


@router.post("/{int:case_id}/extension", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Ask for more time")
@answers(*STEP, CaseError.EXTENSION_REASON_REQUIRED, CaseError.EXTENSION_DAYS_INVALID, CaseError.EXTENSION_PENDING)
def request_extension(request: HttpRequest, case_id: int, payload: ExtensionIn) -> Any:
    """The responsible unit asks for extra working days (1–60) with a reason, while it holds the
    case; one request at a time."""
    return _act(request, case_id, "extension", payload)


@router.post(
    "/{int:case_id}/extensions/{int:extension_id}/decide",
    response={200: CaseDetailOut, **STEP_ERRORS},
    summary="Approve or refuse an extension",
)
@answers(CaseError.FORBIDDEN, ApiError.NOT_FOUND, CaseError.EXTENSION_DECIDED, CaseError.EXTENSION_MOOT)
def decide_extension(request: HttpRequest, case_id: int, extension_id: int, payload: DecideIn) -> Any:
    """Approval moves the deadline on the work calendar. Dispatch only. The case or the request
    unknown or outside your scope is not found."""
    user = _user(request)
    case = _case_in_scope(user, case_id)
    steps.decide_extension(user, case, extension_id, payload)
    return case_detail(user, case.pk)


@router.post("/{int:case_id}/urge", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Urge the unit (催办)")
@answers(CaseError.FORBIDDEN, ApiError.NOT_FOUND, CaseError.CASE_CLOSED)
def urge(request: HttpRequest, case_id: int, payload: UrgeIn) -> Any:
    """A reminder to the responsible unit, on the timeline. Area staff and supervisors."""
    return _act(request, case_id, "urge", payload)


@router.post("/{int:case_id}/supervise", response={200: CaseDetailOut, **STEP_ERRORS}, summary="Supervise (督办)")
@answers(CaseError.SUPERVISING_BODY_REQUIRED, CaseError.FORBIDDEN, ApiError.NOT_FOUND, CaseError.CASE_CLOSED)
def supervise(request: HttpRequest, case_id: int, payload: SuperviseIn) -> Any:
    """Opens the case's one supervision, or joins it as another supervising body."""
    return _act(request, case_id, "supervise", payload)


@router.post("/{int:case_id}/photos", response={201: PhotoOut, **errors(400, 403, 404)}, summary="Attach a photo")
@answers(ApiError.NOT_AN_IMAGE, ApiError.IMAGE_TOO_LARGE, CaseError.FORBIDDEN, ApiError.NOT_FOUND)
def attach_photo(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile],
    public: Form[bool] = True,
) -> Any:
    """Multipart `file` (JPEG, PNG, WebP, GIF; at most 10 MB), re-encoded as JPEG without its
    metadata. `public: false` hides it from the reporter."""
    user = _user(request)
    case = _case_in_scope(user, case_id)
    if not policy.can(user, "photos", case):
        raise steps.forbidden()
    if policy.reporter_only(user, case):
        public = True  # the reporter's own photo: they must be able to see it
    return 201, actions.attach_photo(user, case, upload=file, public=public)


@router.get(
    "/{int:case_id}/photos/{int:photo_id}",
    response={200: None, **errors(404)},
    summary="Download a photo",
    openapi_extra={"responses": {200: {"description": "The photo.", "content": {"image/jpeg": {}}}}},
)
@answers(ApiError.NOT_FOUND)
def photo(request: HttpRequest, case_id: int, photo_id: int) -> Any:
    """The re-encoded JPEG. A case outside your scope, or a photo hidden from you (a reporter sees
    only the photos marked public), is not found."""
    user = _user(request)
    case = _case_in_scope(user, case_id)
    attachment = get_object_or_404(policy.visible_photos(user, case), pk=photo_id)
    response = FileResponse(attachment.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- notifications ------------------------------------------------------------------------------

notifications_router = Router(tags=["notifications"])


@notifications_router.get("", response={200: list[NotificationOut], **errors()}, summary="Your notifications")
@paginate(Pagination)
def notifications(request: HttpRequest, unread: bool = Query(False, description="Only unread ones.")) -> Any:
    """In-app notices about cases that wait on you, newest first."""
    found = Notification.objects.filter(user=_user(request)).select_related("case")
    return found.filter(read_at__isnull=True) if unread else found


@notifications_router.post("/read", response={200: ReadOut, **errors()}, summary="Mark notifications read")
def read_notifications(request: HttpRequest, payload: ReadIn) -> Any:
    """Only your own notifications are ever marked; unknown ids are ignored."""
    return {"marked": actions.mark_notifications_read(_user(request), payload.ids)}


register_router("/cases", router)
register_router("/notifications", notifications_router)
