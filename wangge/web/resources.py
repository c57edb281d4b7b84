"""Shared facilities (共享资源) on the web: the catalogue, a facility's week of free and held
slots with booking (made for a resident's phone), the owner's bookings to approve, check in or
mark as no-show, the utilisation of what one manages or reads, with its definition; and the
social organisations registry with their projects (contacts' phones masked).

Thin views over `wangge.resources.actions`, `queries` and `figures`: a facility or booking the
user does not see answers 404.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts import audit
from wangge.accounts.models import AuditAction, User
from wangge.api.errors import ApiError
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.lib.replicas import replica_view
from wangge.lib.text import is_ascii_number
from wangge.lib.xlsx import Workbook
from wangge.resources import actions, cobuilding, queries, social
from wangge.resources.errors import ResourceError
from wangge.resources.figures import MAX_PERIOD_DAYS, utilisation, utilisation_by_facility
from wangge.resources.models import (
    MAX_PHOTOS,
    BookableBy,
    BookingStatus,
    Facility,
    FacilityKind,
    FacilityPhoto,
    Project,
    SocialOrgAccount,
)
from wangge.web.views import page_for

WEEK = 7
CATALOGUE_PAGE = 20
UPCOMING_DAYS = 30
DEFAULT_PERIOD_DAYS = 30
WEEKDAY_NAMES = (
    _lazy("Monday"),
    _lazy("Tuesday"),
    _lazy("Wednesday"),
    _lazy("Thursday"),
    _lazy("Friday"),
    _lazy("Saturday"),
    _lazy("Sunday"),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@require_GET
@page_for("resources")
def catalogue(request: HttpRequest) -> HttpResponse:
    """The facilities the user sees, those of their own community first; filtered by kind,
    community and "open today", a page at a time."""
    user = _user(request)
    visible = queries.visible_facilities(user).filter(active=True)
    chosen = {
        "kind": request.GET.get("kind", "") if request.GET.get("kind", "") in FacilityKind.values else "",
        "community": request.GET.get("community", ""),
        "open_today": "1" if request.GET.get("open_today") else "",
    }
    communities = AreaNode.objects.filter(pk__in=visible.values("community_id")).order_by("code")
    facilities = visible
    if chosen["kind"]:
        facilities = facilities.filter(kind=chosen["kind"])
    if is_ascii_number(chosen["community"]) and len(chosen["community"]) <= 18:
        facilities = facilities.filter(community_id=int(chosen["community"]))
    else:
        chosen["community"] = ""
    if chosen["open_today"]:
        facilities = queries.open_on(facilities, timezone.localdate())
    ordered = queries.own_community_first(user, facilities).select_related("community", "owner_unit", "building")
    page = Paginator(ordered, CATALOGUE_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "facilities": page.object_list,
        "chosen": chosen,
        "query": urlencode({k: v for k, v in chosen.items() if v}),
        "kinds": FacilityKind.choices,
        "communities": communities,
        "own": set(queries.home_communities(user)),
        "manages": bool(queries.managed_facilities(user).exists()),
    }
    return render(request, "web/resources/catalogue.html", context)


@require_http_methods(["GET", "POST"])
@page_for("resources")
def facility(request: HttpRequest, pk: int) -> HttpResponse:
    """The facility's week: each day's open periods and held slots, the booking form, and the
    user's own bookings of it."""
    user = _user(request)
    place = get_object_or_404(queries.visible_facilities(user).select_related("owner_unit", "community"), pk=pk)
    today = timezone.localdate()
    start = _date(request.GET.get("date"), today)
    if request.method == "POST":
        day = _date(request.POST.get("day"), today)
        try:
            starts, ends = (dt.time.fromisoformat(request.POST.get(k, "")) for k in ("starts", "ends"))
        except ValueError:
            messages.error(request, _("Give the start and end times as HH:MM."))
            return redirect(f"{request.path}?date={day.isoformat()}")
        tz = timezone.get_current_timezone()
        try:
            booking = actions.book(
                user,
                place,
                dt.datetime.combine(day, starts, tzinfo=tz),
                dt.datetime.combine(day, ends, tzinfo=tz),
                request.POST.get("purpose", "").strip(),
                as_organisation=bool(request.POST.get("as_organisation")),
            )
        except DomainError as error:
            messages.error(request, error.message, extra_tags=error.code)
        else:
            if booking.status == BookingStatus.REQUESTED:
                messages.success(request, _("Your booking is requested: the owner will approve it."))
            else:
                messages.success(request, _("Your booking is confirmed."))
        return redirect(f"{request.path}?date={day.isoformat()}")
    days = queries.availability(user, place, start, WEEK)
    mine = (
        queries.visible_bookings(user)
        .filter(facility=place, booked_by=user, ends_at__gte=timezone.now())
        .order_by("starts_at")
    )
    return render(
        request,
        "web/resources/facility.html",
        {
            "facility": place,
            "days": days,
            "hours": place.hours.all(),
            "previous": start - dt.timedelta(days=WEEK),
            "next": start + dt.timedelta(days=WEEK),
            "start": start,
            "mine": mine,
            "may_book": place.district_id in queries.booking_districts(user),
            "may_book_as_org": place.bookable_by != BookableBy.RESIDENTS,
            "cancellable": (BookingStatus.REQUESTED, BookingStatus.APPROVED),
            "photos": place.photos.all(),
            "may_edit": queries.can_manage(user, place),
        },
    )


def _periods(text: str) -> list[tuple[dt.time, dt.time]]:
    """Opening periods written as `08:00-12:00, 14:00-20:00` (empty: closed that weekday)."""
    periods = []
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        try:
            opens, closes = (dt.time.fromisoformat(t.strip()) for t in part.replace("–", "-").split("-"))
        except ValueError:
            raise DomainError(
                ResourceError.FACILITY_INVALID, _("Write the opening hours of a day as 08:00-12:00, 14:00-20:00.")
            ) from None
        periods.append((opens, closes))
    return periods


def _edit_form(place: Facility, data: dict[str, Any] | None) -> dict[str, Any]:
    """The edit form's values: those posted (after an error) or the facility's own."""
    if data is not None:
        return data
    by_day: dict[int, list[str]] = {d: [] for d in range(WEEK)}
    for h in place.hours.all():
        by_day[h.weekday].append(f"{h.opens:%H:%M}-{h.closes:%H:%M}")
    return {
        "name": place.name,
        "kind": place.kind,
        "building": str(place.building_id or ""),
        "capacity": str(place.capacity),
        "rules": place.rules,
        "bookable_by": place.bookable_by,
        "needs_approval": place.needs_approval,
        "cancel_hours": str(place.cancel_hours),
        "closed_on_holidays": place.closed_on_holidays,
        "hours": [", ".join(by_day[d]) for d in range(WEEK)],
        "keep": {c.pk for c in place.closures.all()},
        "new_from": "",
        "new_to": "",
        "new_reason": "",
    }


def _posted(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "name": post.get("name", ""),
        "kind": post.get("kind", ""),
        "building": post.get("building", ""),
        "capacity": post.get("capacity", ""),
        "rules": post.get("rules", ""),
        "bookable_by": post.get("bookable_by", ""),
        "needs_approval": bool(post.get("needs_approval")),
        "cancel_hours": post.get("cancel_hours", ""),
        "closed_on_holidays": bool(post.get("closed_on_holidays")),
        "hours": [post.get(f"hours_{d}", "") for d in range(WEEK)],
        "keep": {int(v) for v in post.getlist("keep") if is_ascii_number(v) and len(v) <= 18},
        "new_from": post.get("new_from", ""),
        "new_to": post.get("new_to", ""),
        "new_reason": post.get("new_reason", ""),
    }


def _save_edit(user: User, place: Facility, data: dict[str, Any]) -> None:
    invalid = DomainError(ResourceError.FACILITY_INVALID, _("Capacity and the cancellation limit are whole numbers."))
    if not (is_ascii_number(data["capacity"]) and is_ascii_number(data["cancel_hours"])):
        raise invalid
    if len(data["capacity"]) > 6 or len(data["cancel_hours"]) > 6:
        raise invalid
    building = None
    if data["building"]:
        if not is_ascii_number(data["building"]) or len(data["building"]) > 18:
            raise DomainError(ResourceError.FACILITY_INVALID, _("Choose the building from the list."))
        building = AreaNode.objects.filter(pk=int(data["building"])).first()
        if building is None:
            raise DomainError(ResourceError.FACILITY_INVALID, _("Choose the building from the list."))
    hours = [actions.Hours(d, a, b) for d in range(WEEK) for a, b in _periods(data["hours"][d])]
    closures = [
        actions.ClosureDays(c.starts_on, c.ends_on, c.reason) for c in place.closures.all() if c.pk in data["keep"]
    ]
    if data["new_from"] or data["new_to"]:
        try:
            first = dt.date.fromisoformat(data["new_from"])
            last = dt.date.fromisoformat(data["new_to"] or data["new_from"])
        except ValueError:
            raise DomainError(ResourceError.FACILITY_INVALID, _("Give the closure's days as dates.")) from None
        closures.append(actions.ClosureDays(first, last, data["new_reason"].strip()))
    actions.update_facility(
        user,
        place,
        name=data["name"],
        kind=data["kind"],
        hours=hours,
        closures=closures,
        building=building,
        capacity=int(data["capacity"]),
        rules=data["rules"],
        bookable_by=data["bookable_by"],
        needs_approval=data["needs_approval"],
        cancel_hours=int(data["cancel_hours"]),
        closed_on_holidays=data["closed_on_holidays"],
    )


@require_http_methods(["GET", "POST"])
@page_for("resources_manage")
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a facility the user manages (its owner's accounts, the community's staff, the
    district's administrators): fields, weekly hours, closures, and its photos. Any other user
    gets 404."""
    user = _user(request)
    place = get_object_or_404(queries.managed_facilities(user), pk=pk)
    data = None
    if request.method == "POST":
        data = _posted(request)
        try:
            _save_edit(user, place, data)
        except DomainError as error:
            messages.error(request, error.message, extra_tags=error.code)
        else:
            messages.success(request, _("The facility is saved."))
            return redirect("resources_facility_edit", pk=place.pk)
    form = _edit_form(place, data)
    buildings = AreaNode.objects.filter(level=Level.BUILDING, community_id=place.community_id).order_by("code")
    return render(
        request,
        "web/resources/facility_edit.html",
        {
            "facility": place,
            "form": form,
            "weekdays": list(zip(range(WEEK), WEEKDAY_NAMES, form["hours"], strict=True)),
            "closures": place.closures.all(),
            "kinds": FacilityKind.choices,
            "bookable": BookableBy.choices,
            "buildings": buildings.only("pk", "name"),
            "photos": place.photos.all(),
            "max_photos": MAX_PHOTOS,
        },
    )


@require_POST
@page_for("resources_manage")
def facility_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    place = get_object_or_404(queries.managed_facilities(user), pk=pk)
    upload = request.FILES.get("photo")
    try:
        if upload is None:
            raise DomainError(ApiError.NOT_AN_IMAGE, _("Choose a photo to upload."))
        actions.add_photo(user, place, upload)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(request, _("The photo is added."))
    return redirect("resources_facility_edit", pk=place.pk)


@require_POST
@page_for("resources_manage")
def facility_photo_remove(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    user = _user(request)
    place = get_object_or_404(queries.managed_facilities(user), pk=pk)
    found = get_object_or_404(FacilityPhoto.objects.filter(facility=place), pk=photo)
    try:
        actions.remove_photo(user, found)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(request, _("The photo is removed."))
    return redirect("resources_facility_edit", pk=place.pk)


@require_GET
@page_for("resources")
def facility_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    """A facility's photo (the re-encoded JPEG), for those who see the facility."""
    place = get_object_or_404(queries.visible_facilities(_user(request)), pk=pk)
    found = get_object_or_404(FacilityPhoto.objects.filter(facility=place), pk=photo)
    response = FileResponse(found.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response  # type: ignore[return-value]


@require_GET
@page_for("resources_manage")
def owner_bookings(request: HttpRequest) -> HttpResponse:
    """The bookings of the facilities the user manages, from yesterday for 30 days."""
    user = _user(request)
    since = timezone.now() - dt.timedelta(days=1)
    bookings = (
        queries.visible_bookings(user)
        .filter(facility__in=queries.managed_facilities(user), starts_at__gte=since)
        .filter(starts_at__lt=since + dt.timedelta(days=UPCOMING_DAYS))
        .select_related("facility", "booked_by")
        .order_by("starts_at", "id")
    )
    return render(request, "web/resources/bookings.html", {"bookings": bookings, "statuses": BookingStatus})


STEPS: dict[str, tuple[Callable[..., object], dict[str, bool]]] = {
    "approve": (actions.decide, {"approve": True}),
    "refuse": (actions.decide, {"approve": False}),
    "checkin": (actions.mark_attendance, {"checked_in": True}),
    "no-show": (actions.mark_attendance, {"checked_in": False}),
    "cancel": (actions.cancel, {}),
}


@require_POST
@page_for("resources")
def booking_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    user = _user(request)
    booking = get_object_or_404(queries.visible_bookings(user), pk=pk)
    call, kwargs = STEPS[step]
    try:
        call(user, booking, **kwargs)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
    else:
        messages.success(request, _("Done."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/resources/") else "resources")


@require_GET
@page_for("resources_manage")
def utilisation_page(request: HttpRequest) -> HttpResponse:
    """Utilisation of the facilities the user manages, each and together, for a period."""
    user = _user(request)
    today = timezone.localdate()
    end = _date(request.GET.get("to"), today)
    start = _date(request.GET.get("from"), end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        messages.error(request, _("The period ends on or after it starts and lasts 366 days at most."))
        start, end = today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today
    facilities = queries.managed_facilities(user).select_related("owner_unit", "community")
    each = utilisation_by_facility(facilities, start, end)
    rows: list[tuple[Facility, object]] = [(f, each[f.pk]) for f in facilities]
    return render(
        request,
        "web/resources/utilisation.html",
        {"rows": rows, "total": utilisation(facilities, start, end), "start": start, "end": end},
    )


@require_GET
@page_for("social_orgs")
def social_orgs(request: HttpRequest) -> HttpResponse:
    """The social organisations registry of what the user keeps, with each one's projects."""
    projects = Project.objects.prefetch_related("beneficiary_persons")
    orgs = (
        social.visible_orgs(_user(request))
        .select_related("community", "party_unit")
        .prefetch_related("service_areas", "contacts", Prefetch("projects", queryset=projects))
    )
    user = _user(request)
    context = {
        "orgs": orgs,
        "registers": cobuilding.kept_communities(user).exists(),
        "own": set(SocialOrgAccount.objects.filter(user_id=user.pk).values_list("org_id", flat=True)),
    }
    return render(request, "web/resources/social_orgs.html", context)


@require_GET
@page_for("resources_manage")
@replica_view
def ledgers_xlsx(request: HttpRequest) -> HttpResponse:
    """The ledgers of what the user keeps, one sheet each: facilities, bookings (the last 366
    days), social organisations, co-building agreements, meetings. Bookers are named by their user
    name and contacts' phones are masked; the export is audited."""
    user = _user(request)
    since = timezone.now() - dt.timedelta(days=MAX_PERIOD_DAYS)
    facilities = queries.managed_facilities(user).select_related("community", "owner_unit")
    bookings = (
        queries.visible_bookings(user)
        .filter(facility__in=queries.managed_facilities(user), starts_at__gte=since)
        .select_related("facility", "booked_by")
        .order_by("starts_at", "pk")
    )
    orgs = social.visible_orgs(user).select_related("community").prefetch_related("contacts")
    agreements = cobuilding.visible_agreements(user).select_related("community", "unit")
    meetings = cobuilding.visible_meetings(user).select_related("community")
    local = timezone.localtime
    sheets: list[tuple[str, list[str], list[list[object]]]] = [
        (
            _("Facilities"),
            [_("name"), _("kind"), _("community"), _("owner (resident unit)"), _("capacity"), _("who may book")],
            [
                [
                    f.name,
                    f.get_kind_display(),
                    f.community.name,
                    f.owner_unit.name if f.owner_unit else "",
                    f.capacity,
                    f.get_bookable_by_display(),
                ]
                for f in facilities
            ],
        ),
        (
            _("Bookings"),
            [_("facility"), _("starts at"), _("ends at"), _("booked by"), _("purpose"), _("status")],
            [
                [
                    b.facility.name,
                    f"{local(b.starts_at):%Y-%m-%d %H:%M}",
                    f"{local(b.ends_at):%H:%M}",
                    b.booked_by.get_username(),
                    b.purpose,
                    b.get_status_display(),
                ]
                for b in bookings
            ],
        ),
        (
            _("Social organisations"),
            [_("name"), _("kind"), _("filing status"), _("community"), _("members"), _("contacts")],
            [
                [
                    o.name,
                    o.get_kind_display(),
                    o.get_filing_status_display(),
                    o.community.name,
                    o.members,
                    "；".join(f"{c.name} {c.phone_masked}" for c in o.contacts.all()),
                ]
                for o in orgs
            ],
        ),
        (
            _("co-building agreements"),
            [_("community"), _("resident unit"), _("the unit commits"), _("the community commits"), _("from"), _("to")],
            [
                [a.community.name, a.unit.name, a.unit_commits, a.community_commits, a.starts_on, a.ends_on]
                for a in agreements
            ],
        ),
        (
            _("meetings"),
            [_("community"), _("kind"), _("held on"), _("participants"), _("matters"), _("minutes")],
            [
                [m.community.name, m.get_kind_display(), m.held_on, m.participants, m.matters, m.minutes]
                for m in meetings
            ],
        ),
    ]
    book = Workbook()
    for title, header, rows in sheets:
        book.sheet(title).table(header, rows, [20] * len(header), style=book.header)
    content = book.close()
    audit.record(user, AuditAction.EXPORTED, district_id=None, detail={"export": "resources_ledgers"})
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="wangge-resources-{timezone.localdate():%Y-%m-%d}.xlsx"'
    return response
