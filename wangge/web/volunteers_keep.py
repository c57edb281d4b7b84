"""Keeping a volunteer station on a phone (志愿服务): opening the community's station, adding and
editing teams and their members, registering a person of the registry as a volunteer (picked by
the same search as the people page, ID numbers only masked), creating, editing and cancelling
activities, the queue of self-logged hours to approve; and the public check of a certificate's
verification code.

Thin views over `wangge.volunteers.actions` and `queries`: a station, team or activity the user
does not keep answers 404 (the station of another community, for its staff).
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import AuditAction, User
from wangge.api import ratelimit
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.people.queries import search_persons, visible_persons
from wangge.volunteers import actions, queries
from wangge.volunteers.errors import VolunteerError
from wangge.volunteers.models import Activity, HoursStatus, ServiceTeam, Station, TeamKind, Volunteer
from wangge.web.views import page_for

SHOWN = 50
TERM_MAX = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _failed(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message, extra_tags=error.code)


def _kept_stations(user: User) -> QuerySet[Station]:
    return Station.objects.filter(queries.managed_q(user)).select_related("community")


def _kept_station(user: User, pk: int) -> Station:
    return get_object_or_404(_kept_stations(user), pk=pk)


def _number(raw: str) -> int | None:
    return int(raw) if is_ascii_number(raw) and len(raw) < 18 else None


def _pk(raw: str) -> int:
    """A posted id; 0 (which finds nothing) when it is not one."""
    return _number(raw) or 0


# --- the station -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page_for("volunteers")
def station_open(request: HttpRequest) -> HttpResponse:
    """Open the station of a community the user keeps that has none yet."""
    user = _user(request)
    free = list(queries.keepable_communities(user).filter(volunteer_station__isnull=True).order_by("name"))
    if not free and request.method == "GET":
        raise Http404
    if request.method == "POST":
        community = next((c for c in free if c.pk == _number(request.POST.get("community", ""))), None)
        if community is None:
            raise Http404
        try:
            station = actions.open_station(
                user, community, name=request.POST.get("name", ""), place=request.POST.get("place", "")
            )
            messages.success(request, _("The station is open."))
            return redirect_station(station)
        except DomainError as error:
            _failed(request, error)
    return render(request, "web/volunteers/station_open.html", {"communities": free})


def redirect_station(station: Station) -> HttpResponse:
    response = redirect("volunteers")
    response["Location"] += f"?station={station.pk}"
    return response


# --- teams -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page_for("volunteers")
def team_new(request: HttpRequest, station_pk: int) -> HttpResponse:
    user = _user(request)
    station = _kept_station(user, station_pk)
    if request.method == "POST":
        try:
            team = actions.add_team(user, station, name=request.POST.get("name", ""), kind=request.POST.get("kind", ""))
            messages.success(request, _("The team is added."))
            return redirect("volunteers_team", pk=team.pk)
        except DomainError as error:
            _failed(request, error)
    return render(request, "web/volunteers/team_form.html", {"station": station, "kinds": TeamKind.choices})


@require_http_methods(["GET", "POST"])
@page_for("volunteers")
def team_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A team: its name and kind (edit), its members (remove) and the station's other volunteers (add)."""
    user = _user(request)
    team = get_object_or_404(ServiceTeam.objects.filter(queries.managed_q(user)).select_related("station"), pk=pk)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "edit":
                actions.edit_team(user, team, name=request.POST.get("name", ""), kind=request.POST.get("kind", ""))
                messages.success(request, _("The team is saved."))
            elif step in ("add", "remove"):
                volunteer = get_object_or_404(
                    Volunteer.objects.filter(station=team.station), pk=_pk(request.POST.get("volunteer", ""))
                )
                if step == "add":
                    actions.add_to_team(user, team, volunteer)
                    messages.success(request, _("The volunteer is added to the team."))
                else:
                    actions.remove_from_team(user, team, volunteer)
                    messages.success(request, _("The volunteer is taken off the team."))
            else:
                raise Http404
        except DomainError as error:
            _failed(request, error)
        return redirect("volunteers_team", pk=team.pk)
    members = list(team.members.select_related("person").order_by("person__name", "id"))
    member_ids = {m.pk for m in members}
    others = [
        v
        for v in Volunteer.objects.filter(station=team.station).select_related("person").order_by("person__name", "id")
        if v.pk not in member_ids
    ]
    context = {"team": team, "station": team.station, "members": members, "others": others, "kinds": TeamKind.choices}
    return render(request, "web/volunteers/team.html", context)


# --- volunteers --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@page_for("volunteers")
def volunteer_register(request: HttpRequest, station_pk: int) -> HttpResponse:
    """Find a person of the station's community (by name, or any term the people page takes;
    POST only, so no term lands in a URL) and register them as a volunteer."""
    user = _user(request)
    station = _kept_station(user, station_pk)
    context: dict[str, Any] = {"station": station, "term": "", "rows": None}
    if request.method == "POST" and request.POST.get("person"):
        person = get_object_or_404(
            visible_persons(user).filter(
                pk=_pk(request.POST.get("person", "")),
                community_id=station.community_id,
                anonymised_at__isnull=True,
            )
        )
        try:
            actions.register_volunteer(user, station, person)
            messages.success(request, _("%(name)s is registered as a volunteer.") % {"name": person.name})
            return redirect("volunteers_register", station_pk=station.pk)
        except DomainError as error:
            _failed(request, error)
    elif request.method == "POST":
        term = request.POST.get("q", "")[:TERM_MAX]
        found = search_persons(user, term)
        persons = list(found.persons.filter(community_id=station.community_id)[:SHOWN])
        registered = set(
            Volunteer.objects.filter(district_id=station.district_id, person__in=persons).values_list(
                "person_id", flat=True
            )
        )
        context |= {"term": term, "rows": [(p, p.pk in registered) for p in persons], "error": found.error_message}
        if persons:
            record(
                user,
                AuditAction.PERSONAL_DATA_VIEWED,
                district_id=station.district_id,
                ip_address=client_ip(request),
                detail={"page": "volunteer_register", "search": found.kind, "residents": len(persons)},
            )
    context["volunteers"] = Volunteer.objects.filter(station=station).count()
    return render(request, "web/volunteers/register.html", context)


# --- activities --------------------------------------------------------------------------------


def _activity_fields(request: HttpRequest, station: Station) -> dict[str, Any]:
    """The posted fields of an activity; a malformed date, time or number raises `activity_invalid`."""
    try:
        day = dt.date.fromisoformat(request.POST.get("day", "")[:10])
        starts = dt.time.fromisoformat(request.POST.get("starts", "")[:8])
        ends = dt.time.fromisoformat(request.POST.get("ends", "")[:8])
    except ValueError as error:
        raise DomainError(VolunteerError.ACTIVITY_INVALID, _("Give the day and the times of the activity.")) from error
    capacity = _number(request.POST.get("capacity", ""))
    if capacity is None:
        raise DomainError(VolunteerError.ACTIVITY_INVALID, _("The capacity is 1 to 10,000 volunteers."))
    team_pk = _number(request.POST.get("team", ""))
    team = ServiceTeam.objects.filter(station=station, pk=team_pk).first() if team_pk is not None else None
    return {
        "title": request.POST.get("title", ""),
        "place": request.POST.get("place", ""),
        "starts_at": timezone.make_aware(dt.datetime.combine(day, starts)),
        "ends_at": timezone.make_aware(dt.datetime.combine(day, ends)),
        "capacity": capacity,
        "team": team,
    }


def _form_context(station: Station, activity: Activity | None, request: HttpRequest) -> dict[str, Any]:
    values = dict(request.POST.items()) if request.method == "POST" else {}
    if activity is not None and not values:
        starts = timezone.localtime(activity.starts_at)
        values = {
            "title": activity.title,
            "place": activity.place,
            "day": starts.date().isoformat(),
            "starts": starts.strftime("%H:%M"),
            "ends": timezone.localtime(activity.ends_at).strftime("%H:%M"),
            "capacity": str(activity.capacity),
            "team": str(activity.team_id or ""),
        }
    return {
        "station": station,
        "activity": activity,
        "teams": list(ServiceTeam.objects.filter(station=station).order_by("kind", "name")),
        "values": values,
    }


@require_http_methods(["GET", "POST"])
@page_for("volunteers")
def activity_new(request: HttpRequest, station_pk: int) -> HttpResponse:
    user = _user(request)
    station = _kept_station(user, station_pk)
    if request.method == "POST":
        try:
            activity = actions.create_activity(user, station, **_activity_fields(request, station))
            messages.success(request, _("The activity is created."))
            return redirect("volunteers_activity", pk=activity.pk)
        except DomainError as error:
            _failed(request, error)
    return render(request, "web/volunteers/activity_form.html", _form_context(station, None, request))


def _kept_activity(user: User, pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.filter(queries.managed_q(user)).select_related("station", "community"), pk=pk
    )


@require_http_methods(["GET", "POST"])
@page_for("volunteers")
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = _kept_activity(user, pk)
    if request.method == "POST":
        try:
            fields = _activity_fields(request, activity.station)
            actions.edit_activity(user, activity, **fields)
            messages.success(request, _("The activity is saved."))
            return redirect("volunteers_activity", pk=activity.pk)
        except DomainError as error:
            _failed(request, error)
    return render(request, "web/volunteers/activity_form.html", _form_context(activity.station, activity, request))


@require_POST
@page_for("volunteers")
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = _kept_activity(user, pk)
    try:
        actions.cancel_activity(user, activity)
        messages.success(request, _("The activity is cancelled; its volunteers' sign-ups are cancelled with it."))
    except DomainError as error:
        _failed(request, error)
    return redirect("volunteers_activity", pk=activity.pk)


# --- the approval queue -------------------------------------------------------------------------


@require_GET
@page_for("volunteers")
def approvals(request: HttpRequest) -> HttpResponse:
    """Self-logged hours waiting for a decision, oldest first, of the stations the user keeps."""
    user = _user(request)
    if not queries.keepable_communities(user).exists():
        raise Http404
    found = (
        queries.visible_hours_logs(user)
        .filter(queries.managed_q(user), status=HoursStatus.PENDING)
        .select_related("volunteer__person", "volunteer__station")
        .order_by("created_at", "id")
    )
    logs = list(found[:SHOWN])
    context = {"logs": logs, "more": found.count() - len(logs) if len(logs) == SHOWN else 0}
    return render(request, "web/volunteers/approvals.html", context)


# --- the public check of a certificate ----------------------------------------------------------


@require_GET
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """Anyone may check a certificate's verification code (the code printed on it): the page
    shows only that it exists, its station, its period, its total hours and the volunteer's name
    masked. Each lookup counts against the anonymous rate limit of the client's address."""
    code = request.GET.get("code", "")[:40].strip()
    context: dict[str, Any] = {"code": code, "checked": False}
    if code:
        try:
            ratelimit.check_setting("anonymous", f"certificate|{client_ip(request) or '-'}")
        except DomainError as error:
            context["error"] = error
            response = render(request, "web/volunteers/verify.html", context, status=429)
            return ratelimit.with_retry_after(response, error)
        found = queries.certificate_by_code(code)
        context["checked"] = True
        if found is not None:
            context |= {
                "certificate": found,
                "station": found.volunteer.station,
                "name": queries.masked_name(found.volunteer.person.name),
            }
    return render(request, "web/volunteers/verify.html", context)
