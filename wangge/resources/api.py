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
from ninja import File, Query, Router, UploadedFile
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.accounts.scope import has_role_over
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import Pagination, errors
from wangge.areas.models import AreaNode, Level
from wangge.cases.errors import CaseError
from wangge.cases.models import Category, Channel
from wangge.lib.errors import DomainError
from wangge.orgs.models import ResidentUnit
from wangge.people.queries import visible_persons
from wangge.resources import actions, cobuilding, figures, queries, social
from wangge.resources.errors import ResourceError
from wangge.resources.models import (
    Agreement,
    Booking,
    Decision,
    Facility,
    FacilityPhoto,
    Meeting,
    Project,
    SocialOrg,
)
from wangge.resources.queries import READING_ROLES, managed_q, visible_bookings, visible_facilities
from wangge.resources.schemas import (
    AgreementIn,
    AgreementOut,
    AgreementTermsIn,
    AvailabilityIn,
    AvailabilityOut,
    BeneficiaryIn,
    BeneficiaryOut,
    BookingIn,
    BookingOut,
    CobuildingFilter,
    DecisionCaseIn,
    DecisionCaseOut,
    DecisionDoneIn,
    DecisionFilter,
    DecisionIn,
    DecisionOut,
    FacilityFilter,
    FacilityOut,
    FacilityPhotoOut,
    FacilityUpdateIn,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    MeetingRecordIn,
    SocialOrgDetailOut,
    SocialOrgFilter,
    SocialOrgOut,
    UtilisationIn,
    UtilisationOut,
)

facilities_router = Router(tags=["resources"])
bookings_router = Router(tags=["resources"])
social_orgs_router = Router(tags=["resources"])
agreements_router = Router(tags=["resources"])
meetings_router = Router(tags=["resources"])
decisions_router = Router(tags=["resources"])
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


@facilities_router.put(
    "/{int:facility_id}", response={200: FacilityOut, **errors(400, 403, 404, 409)}, summary="Edit a facility"
)
@answers(
    ApiError.NOT_FOUND,
    ResourceError.RESOURCE_FORBIDDEN,
    ResourceError.FACILITY_INVALID,
    ResourceError.HOURS_STRAND_BOOKINGS,
)
def update_facility(request: HttpRequest, facility_id: int, payload: FacilityUpdateIn) -> Any:
    """Edit a facility you manage (its owner unit's accounts, the community's staff, the
    district's administrators): every field, with its weekly hours and closures replaced by the
    lists sent. A facility you do not manage is not found. 409 `hours_strand_bookings` when a
    requested or approved booking not yet started would fall outside the new hours: cancel it
    first."""
    user = _user(request)
    facility = get_object_or_404(queries.managed_facilities(user), pk=facility_id)
    building = None
    if payload.building is not None:
        building = AreaNode.objects.filter(pk=payload.building).first()
        if building is None:
            raise DomainError(
                ResourceError.FACILITY_INVALID, _("The facility's building is a building of its community.")
            )
    actions.update_facility(
        user,
        facility,
        name=payload.name,
        kind=payload.kind,
        hours=[actions.Hours(h.weekday, h.opens, h.closes) for h in payload.hours],
        closures=[actions.ClosureDays(c.starts_on, c.ends_on, c.reason) for c in payload.closures],
        building=building,
        capacity=payload.capacity,
        rules=payload.rules,
        bookable_by=payload.bookable_by,
        needs_approval=payload.needs_approval,
        cancel_hours=payload.cancel_hours,
        closed_on_holidays=payload.closed_on_holidays,
    )
    return _facilities(user).get(pk=facility.pk)


@facilities_router.post(
    "/{int:facility_id}/photos",
    response={201: FacilityPhotoOut, **errors(400, 403, 404, 409)},
    summary="Add a photo to a facility",
)
@answers(
    ApiError.NOT_FOUND,
    ApiError.NOT_AN_IMAGE,
    ApiError.IMAGE_TOO_LARGE,
    ResourceError.RESOURCE_FORBIDDEN,
    ResourceError.TOO_MANY_PHOTOS,
)
def add_facility_photo(request: HttpRequest, facility_id: int, file: File[UploadedFile]) -> Any:
    """Multipart `file` (JPEG, PNG, WebP, GIF; at most 10 MB), re-encoded as JPEG without its
    metadata, on a facility you manage (else not found); at most 8 a facility (409
    `too_many_photos`)."""
    user = _user(request)
    facility = get_object_or_404(queries.managed_facilities(user), pk=facility_id)
    return 201, actions.add_photo(user, facility, file)


@facilities_router.delete(
    "/{int:facility_id}/photos/{int:photo_id}",
    response={204: None, **errors(403, 404)},
    summary="Remove a photo of a facility",
)
@answers(ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN)
def remove_facility_photo(request: HttpRequest, facility_id: int, photo_id: int) -> Any:
    """Remove a photo of a facility you manage (else not found)."""
    user = _user(request)
    facility = get_object_or_404(queries.managed_facilities(user), pk=facility_id)
    actions.remove_photo(user, get_object_or_404(FacilityPhoto.objects.filter(facility=facility), pk=photo_id))
    return 204, None


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


@social_orgs_router.post(
    "/projects/{int:project_id}/beneficiaries",
    response={201: BeneficiaryOut, **errors(403, 404)},
    summary="Record a person a project served",
)
@answers(ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN)
def add_project_beneficiary(request: HttpRequest, project_id: int, payload: BeneficiaryIn) -> Any:
    """Record that the project served a person of the registry (personal data): the community's
    staff over the organisation's community. A project of an organisation you do not read, or a
    person outside your scope, is not found. Recording the same person again changes nothing."""
    user = _user(request)
    project = get_object_or_404(
        Project.objects.select_related("org__community"), pk=project_id, org__in=social.visible_orgs(user)
    )
    person = get_object_or_404(visible_persons(user), pk=payload.person)
    social.add_beneficiary(user, project, person)
    return 201, {"project": project.pk, "person": person.pk, "recorded_persons": project.beneficiary_persons.count()}


# --- co-building: agreements, meetings, decisions -------------------------------------------------


def _kept_community(user: User, community_id: int) -> AreaNode:
    """A community whose co-building records the user keeps; any other answers 404."""
    return get_object_or_404(cobuilding.kept_communities(user), pk=community_id)


def _agreements(user: User) -> QuerySet[Agreement]:
    return cobuilding.visible_agreements(user).select_related("community", "unit")


@agreements_router.get("", response={200: list[AgreementOut], **errors()}, summary="List co-building agreements")
@paginate(Pagination)
def list_agreements(request: HttpRequest, filters: Query[CobuildingFilter]) -> Any:
    """The agreements of the communities you keep, or your resident unit's; `area` narrows to one
    community."""
    found = _agreements(_user(request)).order_by("-starts_on", "pk")
    return found.filter(community_id=filters.area) if filters.area is not None else found


@agreements_router.post(
    "", response={201: AgreementOut, **errors(400, 403, 404)}, summary="Sign a co-building agreement"
)
@answers(ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN, ResourceError.COBUILDING_INVALID)
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Any:
    """Between a community you keep and a resident unit of its district: what each commits and the
    term; with `renews`, the renewal of an agreement between the same two, starting later."""
    user = _user(request)
    community = _kept_community(user, payload.community)
    unit = get_object_or_404(ResidentUnit, pk=payload.unit, district_id=community.district_id)
    renews = get_object_or_404(_agreements(user), pk=payload.renews) if payload.renews is not None else None
    agreement = cobuilding.sign_agreement(
        user,
        community=community,
        unit=unit,
        unit_commits=payload.unit_commits,
        community_commits=payload.community_commits,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        renews=renews,
    )
    return 201, _agreements(user).get(pk=agreement.pk)


@agreements_router.get(
    "/{int:agreement_id}", response={200: AgreementOut, **errors(404)}, summary="Read a co-building agreement"
)
@answers(ApiError.NOT_FOUND)
def get_agreement(request: HttpRequest, agreement_id: int) -> Any:
    return get_object_or_404(_agreements(_user(request)), pk=agreement_id)


@agreements_router.put(
    "/{int:agreement_id}", response={200: AgreementOut, **errors(400, 403, 404)}, summary="Correct an agreement"
)
@answers(ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN, ResourceError.COBUILDING_INVALID)
def update_agreement(request: HttpRequest, agreement_id: int, payload: AgreementTermsIn) -> Any:
    """What each side commits and the term; only the community's keepers (a unit's account reads)."""
    user = _user(request)
    agreement = get_object_or_404(_agreements(user), pk=agreement_id)
    cobuilding.amend_agreement(
        user,
        agreement,
        unit_commits=payload.unit_commits,
        community_commits=payload.community_commits,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return _agreements(user).get(pk=agreement.pk)


def _meetings(user: User) -> QuerySet[Meeting]:
    return cobuilding.visible_meetings(user).select_related("community").prefetch_related("units")


def _units(community: AreaNode, ids: list[int]) -> list[ResidentUnit]:
    return list(ResidentUnit.objects.filter(pk__in=ids, district_id=community.district_id))


@meetings_router.get("", response={200: list[MeetingOut], **errors()}, summary="List joint meetings")
@paginate(Pagination)
def list_meetings(request: HttpRequest, filters: Query[CobuildingFilter]) -> Any:
    """Joint meetings (联席会) and residents' consultations (民事共商) of the communities you keep,
    those your resident unit sat in, and those with a decision you own; `area` narrows to one
    community."""
    found = _meetings(_user(request)).order_by("-held_on", "pk")
    return found.filter(community_id=filters.area) if filters.area is not None else found


@meetings_router.post("", response={201: MeetingDetailOut, **errors(400, 403, 404)}, summary="Record a meeting")
@answers(ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN, ResourceError.COBUILDING_INVALID)
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Any:
    user = _user(request)
    community = _kept_community(user, payload.community)
    meeting = cobuilding.record_meeting(
        user,
        community=community,
        kind=payload.kind,
        held_on=payload.held_on,
        participants=payload.participants,
        matters=payload.matters,
        minutes=payload.minutes,
        units=_units(community, payload.units),
    )
    return 201, _meetings(user).prefetch_related("decisions").get(pk=meeting.pk)


@meetings_router.get(
    "/{int:meeting_id}", response={200: MeetingDetailOut, **errors(404)}, summary="Read a meeting with its decisions"
)
@answers(ApiError.NOT_FOUND)
def get_meeting(request: HttpRequest, meeting_id: int) -> Any:
    return get_object_or_404(_meetings(_user(request)).prefetch_related("decisions"), pk=meeting_id)


@meetings_router.put(
    "/{int:meeting_id}", response={200: MeetingDetailOut, **errors(400, 403, 404)}, summary="Correct a meeting"
)
@answers(ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN, ResourceError.COBUILDING_INVALID)
def update_meeting(request: HttpRequest, meeting_id: int, payload: MeetingRecordIn) -> Any:
    """Correct the record or add the minutes; only the community's keepers."""
    user = _user(request)
    meeting = get_object_or_404(_meetings(user), pk=meeting_id)
    cobuilding.amend_meeting(
        user,
        meeting,
        kind=payload.kind,
        held_on=payload.held_on,
        participants=payload.participants,
        matters=payload.matters,
        minutes=payload.minutes,
        units=_units(meeting.community, payload.units),
    )
    return _meetings(user).prefetch_related("decisions").get(pk=meeting.pk)


@meetings_router.post(
    "/{int:meeting_id}/decisions",
    response={201: DecisionOut, **errors(400, 403, 404)},
    summary="Add a decision, a task with an owner and a due date",
)
@answers(ApiError.NOT_FOUND, ResourceError.RESOURCE_FORBIDDEN, ResourceError.COBUILDING_INVALID)
def create_decision(request: HttpRequest, meeting_id: int, payload: DecisionIn) -> Any:
    """The owner is told and follows it until done (`POST /decisions/{id}/done`), unless it is
    filed as a case (`POST /decisions/{id}/case`)."""
    user = _user(request)
    meeting = get_object_or_404(_meetings(user), pk=meeting_id)
    owner = cobuilding.owner_choices(meeting.community).filter(pk=payload.owner).first()
    if owner is None:
        raise DomainError(
            ResourceError.COBUILDING_INVALID,
            _("The owner is a user of the community: its staff, grid team, or a unit's or organisation's account."),
        )
    return 201, cobuilding.add_decision(user, meeting, text=payload.text, owner=owner, due_on=payload.due_on)


def _decisions(user: User) -> QuerySet[Decision]:
    return cobuilding.visible_decisions(user).order_by("due_on", "pk")


@decisions_router.get("", response={200: list[DecisionOut], **errors()}, summary="List meetings' decisions")
@paginate(Pagination)
def list_decisions(request: HttpRequest, filters: Query[DecisionFilter]) -> Any:
    """The decisions of the meetings you read, soonest due first; `open` and `mine` narrow."""
    user = _user(request)
    found = _decisions(user)
    if filters.mine:
        found = found.filter(owner=user)
    return found.filter(done_at__isnull=True, case__isnull=True) if filters.open else found


@decisions_router.post(
    "/{int:decision_id}/done", response={200: DecisionOut, **errors(400, 403, 404, 409)}, summary="Mark a decision done"
)
@answers(
    ApiError.NOT_FOUND,
    ResourceError.RESOURCE_FORBIDDEN,
    ResourceError.COBUILDING_INVALID,
    ResourceError.BOOKING_STATE,
)
def finish_decision(request: HttpRequest, decision_id: int, payload: DecisionDoneIn) -> Any:
    """Its owner or the community's keepers, saying what was done."""
    user = _user(request)
    decision = get_object_or_404(_decisions(user), pk=decision_id)
    return cobuilding.finish_decision(user, decision, payload.outcome)


@decisions_router.post(
    "/{int:decision_id}/case",
    response={201: DecisionCaseOut, **errors(400, 403, 404, 409)},
    summary="File a decision as a case",
)
@answers(
    ApiError.NOT_FOUND,
    ResourceError.RESOURCE_FORBIDDEN,
    ResourceError.COBUILDING_INVALID,
    ResourceError.BOOKING_STATE,
    CaseError.UNKNOWN_CATEGORY,
)
def decision_case(request: HttpRequest, decision_id: int, payload: DecisionCaseIn) -> Any:
    """A decision that is a problem to handle (挂牌销号) becomes a case at a building of the
    meeting's community, through the case chain, and is followed there; the community's keepers
    only."""
    user = _user(request)
    decision = get_object_or_404(_decisions(user).select_related("meeting"), pk=decision_id)
    category = Category.objects.filter(
        pk=payload.category, district_id=decision.meeting.district_id, active=True, parent__isnull=False
    ).first()
    if category is None:
        raise DomainError(CaseError.UNKNOWN_CATEGORY, _("Choose one of the platform's case categories."))
    building = AreaNode.objects.filter(pk=payload.building).first()
    if building is None:
        raise DomainError(ResourceError.COBUILDING_INVALID, _("Choose a building of the meeting's community."))
    case = cobuilding.decision_to_case(
        user, decision, category=category, building=building, description=payload.description, channel=Channel.API
    )
    return 201, {"decision": decision.pk, "case": case.pk, "number": case.number}


register_router("/facilities", facilities_router)
register_router("/bookings", bookings_router)
register_router("/social-orgs", social_orgs_router)
register_router("/agreements", agreements_router)
register_router("/meetings", meetings_router)
register_router("/decisions", decisions_router)
