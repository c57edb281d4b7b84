"""REST endpoints of shared resources: the facilities catalogue, a facility's availability,
booking and the steps of a booking, and utilisation.

Scope (`queries`): a facility or booking you do not see answers 404 `not_found`, as one that
does not exist, and is absent from lists; one you see but may not change answers 403
`resource_forbidden`. Booking a slot that overlaps a held booking answers 409
`booking_conflict`.
"""

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.accounts.scope import has_role_over
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import Pagination, errors
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.resources import actions, figures, queries, social
from wangge.resources.errors import ResourceError
from wangge.resources.models import Booking, Facility, Project, SocialOrg
from wangge.resources.queries import READING_ROLES, managed_q, visible_bookings, visible_facilities
from wangge.resources.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    BookingIn,
    BookingOut,
    FacilityFilter,
    FacilityOut,
    SocialOrgDetailOut,
    SocialOrgFilter,
    SocialOrgOut,
    UtilisationIn,
    UtilisationOut,
)

facilities_router = Router(tags=["resources"])
bookings_router = Router(tags=["resources"])
social_orgs_router = Router(tags=["resources"])
STEPS = (ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN, ResourceError.BOOKING_STATE)


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _facilities(user: User) -> QuerySet[Facility]:
    return visible_facilities(user).select_related("community", "owner_unit", "building").prefetch_related("hours")


def _bookings(user: User) -> QuerySet[Booking]:
    return visible_bookings(user).select_related("facility")


@facilities_router.get("", response={200: list[FacilityOut], **errors()}, summary="List facilities you see")
@paginate(Pagination)
def list_facilities(request: HttpRequest, filters: Query[FacilityFilter]) -> Any:
    """The shared facilities you may book (residents and organisations: the district's) or manage
    or read (staff: their community's or grid's); `area` narrows to a district, community or grid,
    `kind` to one kind."""
    found = _facilities(_user(request))
    if filters.area is not None:
        area = AreaNode.objects.filter(pk=filters.area).first()
        found = found.filter(pk__in=figures.facilities_in(area).values("pk")) if area else found.none()
    return found.filter(kind=filters.kind) if filters.kind else found


def _period(start: dt.date, end: dt.date) -> None:
    if end < start or (end - start).days >= figures.MAX_PERIOD_DAYS:
        raise DomainError(
            ResourceError.UTILISATION_PERIOD_INVALID,
            _("The period ends on or after it starts and lasts 366 days at most."),
        )


@facilities_router.get(
    "/utilisation", response={200: UtilisationOut, **errors(400, 404)}, summary="Utilisation for a period"
)
@answers(ApiError.NOT_FOUND, ResourceError.UTILISATION_PERIOD_INVALID)
def get_utilisation(request: HttpRequest, filters: Query[UtilisationIn]) -> Any:
    """Open, booked and used hours of the facilities of `area` (a district, community or grid you
    read) or, without it, of the facilities you manage, from `from` to `to` (both included);
    `rate` is used hours over open hours (docs/resources.md)."""
    user = _user(request)
    _period(filters.date_from, filters.date_to)
    if filters.area is not None:
        area = get_object_or_404(AreaNode, pk=filters.area, level__in=(Level.DISTRICT, Level.COMMUNITY, Level.GRID))
        if not has_role_over(user, area, *READING_ROLES):
            raise Http404
        facilities = figures.facilities_in(area)
    else:
        facilities = Facility.objects.filter(managed_q(user))
    figure = figures.utilisation(facilities, filters.date_from, filters.date_to)
    return {
        "open_hours": figure.open_hours,
        "booked_hours": figure.booked_hours,
        "used_hours": figure.used_hours,
        "rate": figure.rate,
        "booked_rate": figure.booked_rate,
        "facilities": facilities.count(),
    }


@facilities_router.get("/{int:facility_id}", response={200: FacilityOut, **errors(404)}, summary="Read a facility")
@answers(ApiError.NOT_FOUND)
def get_facility(request: HttpRequest, facility_id: int) -> Any:
    return get_object_or_404(_facilities(_user(request)), pk=facility_id)


@facilities_router.get(
    "/{int:facility_id}/availability",
    response={200: AvailabilityOut, **errors(404)},
    summary="A facility's open periods and held slots, day by day",
)
@answers(ApiError.NOT_FOUND)
def get_availability(request: HttpRequest, facility_id: int, filters: Query[AvailabilityIn]) -> Any:
    """From `date`, for `days` days: the periods the facility is open (none on a holiday or a
    closure) and the slots held by bookings (whose they are is not shown, only whether yours)."""
    user = _user(request)
    facility = get_object_or_404(visible_facilities(user), pk=facility_id)
    return {"facility": facility.pk, "days": queries.availability(user, facility, filters.date, filters.days)}


@facilities_router.post(
    "/{int:facility_id}/bookings", response={201: BookingOut, **errors(400, 403, 404, 409)}, summary="Book a slot"
)
@answers(
    ApiError.NOT_FOUND,
    ResourceError.NOT_BOOKABLE_BY_YOU,
    ResourceError.SLOT_INVALID,
    ResourceError.OUTSIDE_OPENING_HOURS,
    ResourceError.BOOKING_CONFLICT,
    ResourceError.FACILITY_INVALID,
)
def create_booking(request: HttpRequest, facility_id: int, payload: BookingIn) -> Any:
    """Book the slot for yourself (a resident) or, with `as_organisation`, for your social
    organisation. Approved at once, or `requested` when the facility needs the owner's approval.
    409 `booking_conflict` when the slot overlaps a held booking."""
    user = _user(request)
    facility = get_object_or_404(visible_facilities(user), pk=facility_id)
    booking = actions.book(
        user, facility, payload.starts_at, payload.ends_at, payload.purpose, as_organisation=payload.as_organisation
    )
    return 201, _bookings(user).get(pk=booking.pk)


@bookings_router.get("", response={200: list[BookingOut], **errors()}, summary="List bookings you see")
@paginate(Pagination)
def list_bookings(request: HttpRequest) -> Any:
    """Your own bookings, those of the facilities you manage, and those your scope reads."""
    return _bookings(_user(request)).order_by("-starts_at", "-id")


def _step(request: HttpRequest, booking_id: int, step: Any, **kwargs: Any) -> Any:
    user = _user(request)
    booking = get_object_or_404(_bookings(user), pk=booking_id)
    step(user, booking, **kwargs)
    return _bookings(user).get(pk=booking.pk)


@bookings_router.post(
    "/{int:booking_id}/cancel", response={200: BookingOut, **errors(403, 404, 409)}, summary="Cancel a booking"
)
@answers(*STEPS, ResourceError.CANCEL_TOO_LATE)
def cancel_booking(request: HttpRequest, booking_id: int) -> Any:
    """The booker cancels up to the facility's limit before the start; the owner until the start."""
    return _step(request, booking_id, actions.cancel)


@bookings_router.post(
    "/{int:booking_id}/approve", response={200: BookingOut, **errors(403, 404, 409)}, summary="Approve a booking"
)
@answers(*STEPS)
def approve_booking(request: HttpRequest, booking_id: int) -> Any:
    return _step(request, booking_id, actions.decide, approve=True)


@bookings_router.post(
    "/{int:booking_id}/refuse", response={200: BookingOut, **errors(403, 404, 409)}, summary="Refuse a booking"
)
@answers(*STEPS)
def refuse_booking(request: HttpRequest, booking_id: int) -> Any:
    return _step(request, booking_id, actions.decide, approve=False)


@bookings_router.post(
    "/{int:booking_id}/checkin", response={200: BookingOut, **errors(403, 404, 409)}, summary="Check a booking in"
)
@answers(*STEPS, ResourceError.ATTENDANCE_TOO_EARLY)
def checkin_booking(request: HttpRequest, booking_id: int) -> Any:
    """The owner checks the booker in, from 30 minutes before the start."""
    return _step(request, booking_id, actions.mark_attendance, checked_in=True)


@bookings_router.post(
    "/{int:booking_id}/no-show", response={200: BookingOut, **errors(403, 404, 409)}, summary="Mark a no-show"
)
@answers(*STEPS, ResourceError.ATTENDANCE_TOO_EARLY)
def no_show_booking(request: HttpRequest, booking_id: int) -> Any:
    """The owner marks that the booker did not come, from the start."""
    return _step(request, booking_id, actions.mark_attendance, checked_in=False)


# --- social organisations ------------------------------------------------------------------------


def _orgs(user: User) -> QuerySet[SocialOrg]:
    return social.visible_orgs(user).select_related("community", "party_unit").prefetch_related("service_areas")


@social_orgs_router.get("", response={200: list[SocialOrgOut], **errors()}, summary="List social organisations")
@paginate(Pagination)
def list_social_orgs(request: HttpRequest, filters: Query[SocialOrgFilter]) -> Any:
    """The organisations of the communities you keep or read (an organisation's own account: its
    own); `area` narrows to those filed with or serving a community."""
    found = _orgs(_user(request))
    if filters.area is not None:
        found = found.filter(Q(community_id=filters.area) | Q(service_areas=filters.area)).distinct()
    return found


@social_orgs_router.get(
    "/{int:org_id}", response={200: SocialOrgDetailOut, **errors(404)}, summary="Read an organisation with its projects"
)
@answers(ApiError.NOT_FOUND)
def get_social_org(request: HttpRequest, org_id: int) -> Any:
    """The organisation, its contacts (phones masked) and its projects."""
    projects = Project.objects.prefetch_related("beneficiary_persons")
    found = _orgs(_user(request)).prefetch_related("contacts", Prefetch("projects", queryset=projects))
    return get_object_or_404(found, pk=org_id)


register_router("/facilities", facilities_router)
register_router("/bookings", bookings_router)
register_router("/social-orgs", social_orgs_router)
