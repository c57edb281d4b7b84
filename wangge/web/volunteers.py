"""Volunteers on a phone (志愿服务): the station page (teams, upcoming activities, hours to
approve), an activity (sign up or cancel; for its organiser the QR code and the check-in list),
the volunteer's own hours with the certificate download, and the QR code's scan target that
checks the volunteer in or out.

Thin views over `wangge.volunteers.actions`, `queries` and `figures`: a station, activity or
logged hours outside what the user sees answers 404.
"""

import datetime as dt

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.models import User
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.volunteers import actions, figures, qr, queries, stars
from wangge.volunteers.certificate import render_pdf
from wangge.volunteers.models import Activity, HoursStatus, ServiceTeam, SignUp, SignUpStatus
from wangge.web.views import page_for

SHOWN = 30
STEPS = ("signup", "cancel", "checkin", "checkout", "join")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _failed(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message, extra_tags=error.code)


def _counted(found):  # type: ignore[no-untyped-def]
    return found.annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITING)),
    ).select_related("team", "station")


@require_GET
@page_for("volunteers")
def station_page(request: HttpRequest) -> HttpResponse:
    """The stations the user sees (`?station=ID` picks one), with teams and upcoming activities."""
    user = _user(request)
    stations = list(queries.visible_stations(user).select_related("community").order_by("name"))
    raw = request.GET.get("station", "")
    chosen = next((s for s in stations if is_ascii_number(raw) and len(raw) < 18 and s.pk == int(raw)), None)
    own = queries.volunteer_of(user)
    if chosen is None and stations:
        chosen = next((s for s in stations if own is not None and s.pk == own.station_id), stations[0])
    teams, upcoming, pending = [], [], []
    if chosen is not None:
        teams = list(
            ServiceTeam.objects.filter(station=chosen).annotate(size=Count("members")).order_by("kind", "name")
        )
        upcoming = list(
            _counted(
                Activity.objects.filter(station=chosen, ends_at__gt=timezone.now(), cancelled_at__isnull=True)
            ).order_by("starts_at")[:SHOWN]
        )
        if queries.can_manage(user, chosen):
            pending = list(
                queries.visible_hours_logs(user)
                .filter(community_id=chosen.community_id, status=HoursStatus.PENDING)
                .select_related("volunteer__person")[:SHOWN]
            )
    context = {
        "stations": stations,
        "station": chosen,
        "teams": teams,
        "upcoming": upcoming,
        "pending": pending,
        "keeps": chosen is not None and queries.can_manage(user, chosen),
        "may_open": queries.keepable_communities(user).filter(volunteer_station__isnull=True).exists(),
    }
    return render(request, "web/volunteers/station.html", context)


@require_GET
@page_for("volunteers")
def activity_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    activity = get_object_or_404(_counted(queries.visible_activities(user)).select_related("community"), pk=pk)
    own = queries.volunteer_of(user)
    mine = None
    if own is not None:
        mine = SignUp.objects.filter(activity=activity, volunteer=own, status__in=("confirmed", "waiting")).first()
    runs = queries.can_run(user, activity)
    context = {
        "activity": activity,
        "mine": mine,
        "runs": runs,
        "own": own,
        "keeps": queries.can_manage(user, activity),
        "started": activity.starts_at <= timezone.now(),
    }
    if runs:
        context["signups"] = list(
            SignUp.objects.filter(activity=activity)
            .exclude(status=SignUpStatus.CANCELLED)
            .select_related("volunteer__person")
            .order_by("status", "created_at", "id")
        )
        url = request.build_absolute_uri(
            reverse("volunteers_scan", args=[activity.pk]) + "?t=" + qr.make_token(activity.pk)
        )
        context["qr_svg"] = qr.svg(url, activity.title)
        context["qr_refresh"] = qr.QR_REFRESH_SECONDS
    return render(request, "web/volunteers/activity.html", context)


@require_POST
@page_for("volunteers")
def activity_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """signup, cancel (one's own sign-up), checkin / checkout (`volunteer` posted), join."""
    if step not in STEPS:
        raise Http404
    user = _user(request)
    activity = get_object_or_404(queries.visible_activities(user).select_related("community"), pk=pk)
    try:
        if step == "signup":
            signup = actions.sign_up(user, activity)
            messages.success(
                request,
                _("You are signed up.")
                if signup.status == SignUpStatus.CONFIRMED
                else _("You are on the waiting list."),
            )
        elif step == "cancel":
            own = queries.volunteer_of(user)
            signup_ = get_object_or_404(
                SignUp, activity=activity, volunteer=own, status__in=(SignUpStatus.CONFIRMED, SignUpStatus.WAITING)
            )
            actions.cancel_signup(user, signup_)
            messages.success(request, _("Your sign-up is cancelled."))
        elif step in ("checkin", "checkout"):
            raw = request.POST.get("volunteer", "")
            if not (is_ascii_number(raw) and len(raw) < 18):
                raise Http404
            found = get_object_or_404(
                SignUp.objects.select_related("volunteer"),
                activity=activity,
                volunteer_id=raw,
                status=SignUpStatus.CONFIRMED,
            )
            (actions.check_in if step == "checkin" else actions.check_out)(user, activity, found.volunteer)
            messages.success(request, _("Checked in.") if step == "checkin" else _("Checked out."))
        else:
            actions.join(user, activity)
            messages.success(request, _("You have joined the activity."))
    except DomainError as error:
        _failed(request, error)
    return redirect("volunteers_activity", pk=activity.pk)


@require_http_methods(["GET", "POST"])
@page_for("volunteers")
def scan(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code's target: shows the activity with one button; the button checks the volunteer
    in (or out when already in). A GET changes nothing."""
    user = _user(request)
    activity = get_object_or_404(queries.visible_activities(user), pk=pk)
    token = request.POST.get("t") if request.method == "POST" else request.GET.get("t")
    token = (token or "")[:500]
    if request.method == "POST":
        try:
            signup = actions.scan(user, activity, token)
            if signup.checked_out_at is not None:
                messages.success(request, _("Checked out: %(hours)s hours credited.") % {"hours": signup.hours})
            else:
                messages.success(request, _("Checked in. Scan again when you leave."))
        except DomainError as error:
            _failed(request, error)
        return redirect("volunteers_activity", pk=activity.pk)
    own = queries.volunteer_of(user)
    held = (
        SignUp.objects.filter(activity=activity, volunteer=own, status=SignUpStatus.CONFIRMED).first() if own else None
    )
    valid = qr.read_token(token) == activity.pk
    return render(
        request, "web/volunteers/scan.html", {"activity": activity, "signup": held, "token": token, "valid": valid}
    )


def _year() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today.replace(month=1, day=1), today


@require_GET
@page_for("volunteers")
def my_hours(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    own = queries.volunteer_of(user)
    context: dict[str, object] = {"own": own}
    if own is not None:
        first, last = _year()
        total = figures.hours(own.pk)
        context.update(
            {
                "first": first,
                "last": last,
                "year_hours": figures.hours(own.pk, first, last),
                "total": total,
                "stars": stars.stars_for(total),
                "next": stars.next_level(total),
                "services": figures.services(own.pk, first, last),
                "logs": list(own.hours_logs.order_by("-day", "-id")[:SHOWN]),
                "today": last,
            }
        )
    return render(request, "web/volunteers/hours.html", context)


@require_POST
@page_for("volunteers")
def log_hours(request: HttpRequest) -> HttpResponse:
    try:
        day = dt.date.fromisoformat(request.POST.get("day", "")[:10])
    except ValueError:
        day = timezone.localdate() + dt.timedelta(days=1)  # refused by the action as a day in the future
    try:
        actions.log_hours(
            _user(request), day=day, hours=request.POST.get("hours", "")[:10], what=request.POST.get("what", "")
        )
        messages.success(request, _("Your hours are sent for approval."))
    except DomainError as error:
        _failed(request, error)
    return redirect("volunteers_hours")


@require_POST
@page_for("volunteers")
def decide_hours(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in ("approve", "reject"):
        raise Http404
    user = _user(request)
    log = get_object_or_404(queries.visible_hours_logs(user), pk=pk)
    try:
        actions.decide_hours(user, log, approve=step == "approve")
        messages.success(request, _("The hours are approved.") if step == "approve" else _("The hours are rejected."))
    except DomainError as error:
        _failed(request, error)
    if request.POST.get("back") == "approvals":
        return redirect("volunteers_approvals")
    return redirect(reverse("volunteers") + f"?station={log.volunteer.station_id}")


@require_POST
@page_for("volunteers")
def certificate(request: HttpRequest) -> HttpResponse:
    """The user's own certificate of hours for the period posted (this year by default), as a PDF."""
    user = _user(request)
    own = queries.volunteer_of(user)
    if own is None:
        raise Http404
    first, last = _year()
    try:
        first = dt.date.fromisoformat(request.POST.get("from", "")[:10] or first.isoformat())
        last = dt.date.fromisoformat(request.POST.get("to", "")[:10] or last.isoformat())
    except ValueError:
        messages.error(request, _("Give the period's dates as YYYY-MM-DD."))
        return redirect("volunteers_hours")
    try:
        issued = actions.issue_certificate(user, own, first, last)
    except DomainError as error:
        _failed(request, error)
        return redirect("volunteers_hours")
    response = HttpResponse(render_pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{issued.code}.pdf"'
    return response
