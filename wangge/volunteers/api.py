"""REST endpoints of volunteers: activities (create, list, sign up, check in and out), a
volunteer's hours, self-logged hours and their approval.

Scope (`queries`): an activity, volunteer or logged hours you do not see answers 404 `not_found`,
as one that does not exist, and is absent from lists; one you see but may not change answers 403
`volunteer_forbidden`.
"""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import Pagination, errors
from wangge.areas.models import AreaNode
from wangge.lib.errors import DomainError
from wangge.volunteers import actions, figures, queries, stars
from wangge.volunteers.errors import VolunteerError
from wangge.volunteers.models import Activity, HoursLog, SignUpStatus
from wangge.volunteers.schemas import (
    ActivityFilter,
    ActivityIn,
    ActivityOut,
    AttendanceIn,
    HoursFilter,
    HoursLogIn,
    HoursLogOut,
    HoursOut,
    SignUpIn,
    SignUpOut,
)

activities_router = Router(tags=["volunteers"])
volunteers_router = Router(tags=["volunteers"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _activities(user: User) -> QuerySet[Activity]:
    return queries.visible_activities(user).annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITING)),
    )


@activities_router.post("", response={201: ActivityOut, **errors(400, 403, 404)}, summary="Create a volunteer activity")
@answers(ApiError.NOT_FOUND, VolunteerError.VOLUNTEER_FORBIDDEN, VolunteerError.ACTIVITY_INVALID)
def create_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    """An activity of a station you keep (community staff, district administrators), organised by
    you; `team` one of the station's teams."""
    user = _user(request)
    station = get_object_or_404(queries.visible_stations(user).select_related("community"), pk=payload.station)
    team = get_object_or_404(queries.visible_teams(user), pk=payload.team) if payload.team is not None else None
    place_area = get_object_or_404(AreaNode, pk=payload.place_area) if payload.place_area is not None else None
    activity = actions.create_activity(
        user,
        station,
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        team=team,
        place=payload.place,
        place_area=place_area,
    )
    return 201, _activities(user).get(pk=activity.pk)


@activities_router.get("", response={200: list[ActivityOut], **errors(404)}, summary="List volunteer activities")
@answers(ApiError.NOT_FOUND)
@paginate(Pagination)
def list_activities(request: HttpRequest, filters: Query[ActivityFilter]) -> Any:
    """The activities of the communities you have a role in (volunteers: of your district), latest
    first; `area` narrows to a district or community you see."""
    user = _user(request)
    found = _activities(user)
    if filters.area is not None:
        area = get_object_or_404(AreaNode, pk=filters.area)
        found = found.filter(Q(community_id=area.pk) | Q(district_id=area.pk))
    return found.order_by("-starts_at", "-id")


def _activity(request: HttpRequest, activity_id: int) -> tuple[User, Activity]:
    user = _user(request)
    return user, get_object_or_404(queries.visible_activities(user).select_related("community"), pk=activity_id)


@activities_router.post(
    "/{int:activity_id}/signups",
    response={201: SignUpOut, **errors(403, 404, 409)},
    summary="Sign up for an activity",
)
@answers(
    ApiError.NOT_FOUND,
    VolunteerError.NOT_A_VOLUNTEER,
    VolunteerError.VOLUNTEER_FORBIDDEN,
    VolunteerError.ALREADY_SIGNED_UP,
    VolunteerError.SIGNUP_STATE,
)
def create_signup(request: HttpRequest, activity_id: int, payload: SignUpIn) -> Any:
    """Sign yourself up (a registered volunteer) or, as the station's staff, the volunteer named.
    `status` is `confirmed` while a place is free, else `waiting`: a cancellation gives the place
    to the first waiting. Send `{}` to sign yourself up."""
    user, activity = _activity(request, activity_id)
    volunteer = None
    if payload.volunteer is not None:
        volunteer = get_object_or_404(queries.visible_volunteers(user), pk=payload.volunteer)
    return 201, actions.sign_up(user, activity, volunteer)


def _attendance(request: HttpRequest, activity_id: int, payload: AttendanceIn, step: Any) -> Any:
    user, activity = _activity(request, activity_id)
    volunteer = activity.signups.filter(volunteer_id=payload.volunteer).select_related("volunteer").first()
    if volunteer is None:
        raise Http404
    return step(user, activity, volunteer.volunteer)


@activities_router.post(
    "/{int:activity_id}/checkin", response={200: SignUpOut, **errors(403, 404, 409)}, summary="Check a volunteer in"
)
@answers(ApiError.NOT_FOUND, VolunteerError.VOLUNTEER_FORBIDDEN, VolunteerError.SIGNUP_STATE)
def checkin(request: HttpRequest, activity_id: int, payload: AttendanceIn) -> Any:
    """The organiser (or the station's staff) checks a volunteer holding a place in, from 30
    minutes before the start until the end."""
    return _attendance(request, activity_id, payload, actions.check_in)


@activities_router.post(
    "/{int:activity_id}/checkout", response={200: SignUpOut, **errors(403, 404, 409)}, summary="Check a volunteer out"
)
@answers(ApiError.NOT_FOUND, VolunteerError.VOLUNTEER_FORBIDDEN, VolunteerError.SIGNUP_STATE)
def checkout(request: HttpRequest, activity_id: int, payload: AttendanceIn) -> Any:
    """Checks a checked-in volunteer out; `hours` are credited: the time in, to the nearest quarter
    hour, at most the activity's length."""
    return _attendance(request, activity_id, payload, actions.check_out)


@volunteers_router.get(
    "/{int:volunteer_id}/hours", response={200: HoursOut, **errors(400, 404)}, summary="A volunteer's hours"
)
@answers(ApiError.NOT_FOUND, VolunteerError.HOURS_PERIOD_INVALID)
def get_hours(request: HttpRequest, volunteer_id: int, filters: Query[HoursFilter]) -> Any:
    """Your own hours, or a volunteer's of the station you keep, from `from` to `to` (both
    included; without them, all): approved self-logged hours + credited activity hours.
    `stars` is the level by cumulative hours."""
    volunteer = get_object_or_404(queries.visible_volunteers(_user(request)), pk=volunteer_id)
    first, last = filters.date_from, filters.date_to
    if (first is None) != (last is None):
        raise DomainError(VolunteerError.HOURS_PERIOD_INVALID, _("Give both ends of the period, or neither."))
    if first is not None and last is not None:
        actions.check_period(first, last)
    return {
        "volunteer": volunteer.pk,
        "hours": figures.hours(volunteer.pk, first, last),
        "stars": stars.stars_for(figures.hours(volunteer.pk)),
    }


@volunteers_router.post(
    "/hours", response={201: HoursLogOut, **errors(400, 403)}, summary="Log your own hours for approval"
)
@answers(VolunteerError.NOT_A_VOLUNTEER, VolunteerError.HOURS_INVALID)
def log_hours(request: HttpRequest, payload: HoursLogIn) -> Any:
    """Hours of service you gave outside an activity (a registered volunteer), for approval by your
    station's staff: a day of the past year, 0.25 to 24 hours in quarter hours, what was done."""
    return 201, actions.log_hours(_user(request), day=payload.day, hours=payload.hours, what=payload.what)


@volunteers_router.get("/hours", response={200: list[HoursLogOut], **errors()}, summary="List self-logged hours")
@paginate(Pagination)
def list_hours(request: HttpRequest) -> Any:
    """Your own logged hours, and those of the stations you keep (pending first)."""
    return queries.visible_hours_logs(_user(request)).order_by("-status", "-day", "id")


def _decide(request: HttpRequest, log_id: int, approve: bool) -> HoursLog:
    user = _user(request)
    log = get_object_or_404(queries.visible_hours_logs(user), pk=log_id)
    return actions.decide_hours(user, log, approve=approve)


@volunteers_router.post(
    "/hours/{int:log_id}/approve",
    response={200: HoursLogOut, **errors(403, 404, 409)},
    summary="Approve self-logged hours",
)
@answers(ApiError.NOT_FOUND, VolunteerError.VOLUNTEER_FORBIDDEN, VolunteerError.HOURS_STATE)
def approve_hours(request: HttpRequest, log_id: int) -> Any:
    """The station's staff approve hours a volunteer logged (once)."""
    return _decide(request, log_id, True)


@volunteers_router.post(
    "/hours/{int:log_id}/reject",
    response={200: HoursLogOut, **errors(403, 404, 409)},
    summary="Reject self-logged hours",
)
@answers(ApiError.NOT_FOUND, VolunteerError.VOLUNTEER_FORBIDDEN, VolunteerError.HOURS_STATE)
def reject_hours(request: HttpRequest, log_id: int) -> Any:
    return _decide(request, log_id, False)


register_router("/activities", activities_router)
register_router("/volunteers", volunteers_router)
