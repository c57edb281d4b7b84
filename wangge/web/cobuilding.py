"""Co-building (共驻共建) on the web: the agreements between a community and its resident units,
joint meetings (联席会) and residents' consultations (民事共商) with their decisions, each followed
as a task until done or filed as a case. Made for a phone.

The community's staff (and the district's administrators) create and edit; a resident unit's
accounts read their unit's agreements and the meetings it sat in; a decision's owner reads its
meeting and marks the decision done. Thin views over `wangge.resources.cobuilding`: a record the
user does not read answers 404.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.cases.models import Category
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.orgs.models import ResidentUnit
from wangge.resources import cobuilding
from wangge.resources.models import Decision, Meeting, MeetingKind
from wangge.web.views import page_for

# Every role with a scope opens these pages; what each one lists is the user's (an owner of a
# decision may hold any role).
PAGE = "cobuilding"
# A renewal's term to start with: a year from the day after the renewed one ends.
TERM_DAYS = 365


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and is_ascii_number(raw) and len(raw) <= 18 else None


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return None


def _failed(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message, extra_tags=error.code)


def _decisions() -> Prefetch:  # type: ignore[type-arg]
    return Prefetch("decisions", queryset=Decision.objects.select_related("owner", "case").order_by("due_on", "pk"))


@require_GET
@page_for(PAGE)
def home(request: HttpRequest) -> HttpResponse:
    """The agreements and meetings the user reads, and the decisions the user still owes."""
    user = _user(request)
    agreements = (
        cobuilding.visible_agreements(user).select_related("community", "unit", "renewal").order_by("-starts_on", "pk")
    )
    meetings = (
        cobuilding.visible_meetings(user)
        .select_related("community")
        .prefetch_related("units", _decisions())
        .order_by("-held_on", "pk")
    )
    context = {
        "agreements": agreements,
        "meetings": meetings,
        "owed": cobuilding.open_decisions(user).select_related("meeting__community"),
        "keeps": cobuilding.kept_communities(user).exists(),
        "today": timezone.localdate(),
    }
    return render(request, "web/cobuilding/home.html", context)


# --- agreements ---------------------------------------------------------------------------------


def _agreement_form(request: HttpRequest, initial: dict[str, str]) -> dict[str, str]:
    keys = ("community", "unit", "unit_commits", "community_commits", "starts_on", "ends_on")
    if request.method == "POST":
        return {key: request.POST.get(key, "").strip() for key in keys}
    return {key: initial.get(key, "") for key in keys}


def _units_of(communities: list[AreaNode]) -> list[ResidentUnit]:
    return list(
        ResidentUnit.objects.filter(area__community_id__in=[c.pk for c in communities], closed_on__isnull=True)
        .select_related("area")
        .order_by("name", "pk")
    )


@require_http_methods(["GET", "POST"])
@page_for(PAGE)
def agreement_new(request: HttpRequest) -> HttpResponse:
    """Sign an agreement between a community the user keeps and one of its resident units; with
    `?renews=ID`, its renewal."""
    user = _user(request)
    communities = list(cobuilding.kept_communities(user))
    if not communities:
        raise Http404
    renews = None
    renews_id = _id(request.GET.get("renews") or request.POST.get("renews"))
    initial: dict[str, str] = {}
    if renews_id is not None:
        renews = get_object_or_404(cobuilding.visible_agreements(user), pk=renews_id)
        starts = renews.ends_on + dt.timedelta(days=1)
        initial = {
            "community": str(renews.community_id),
            "unit": str(renews.unit_id),
            "unit_commits": renews.unit_commits,
            "community_commits": renews.community_commits,
            "starts_on": starts.isoformat(),
            "ends_on": (starts + dt.timedelta(days=TERM_DAYS - 1)).isoformat(),
        }
    units = _units_of(communities)
    typed = _agreement_form(request, initial)
    if request.method == "POST":
        community = next((c for c in communities if str(c.pk) == typed["community"]), None)
        unit = next((u for u in units if str(u.pk) == typed["unit"]), None)
        starts_on, ends_on = _date(typed["starts_on"]), _date(typed["ends_on"])
        if community is None or unit is None or starts_on is None or ends_on is None:
            messages.error(request, _("Choose the community and the unit and give the term."), extra_tags="invalid")
        elif unit.area.community_id != community.pk:
            messages.error(request, _("Choose a resident unit of that community."), extra_tags="invalid")
        else:
            try:
                agreement = cobuilding.sign_agreement(
                    user,
                    community=community,
                    unit=unit,
                    unit_commits=typed["unit_commits"],
                    community_commits=typed["community_commits"],
                    starts_on=starts_on,
                    ends_on=ends_on,
                    renews=renews,
                )
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("The agreement is recorded."))
                return redirect("cobuilding_agreement", pk=agreement.pk)
    context = {"typed": typed, "communities": communities, "units": units, "renews": renews, "agreement": None}
    return render(request, "web/cobuilding/agreement_form.html", context)


@require_http_methods(["GET", "POST"])
@page_for(PAGE)
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement; its keepers correct it here."""
    user = _user(request)
    found = get_object_or_404(
        cobuilding.visible_agreements(user).select_related("community", "unit", "renews", "renewal"), pk=pk
    )
    keeps = cobuilding.may_keep(user, found.community)
    typed = _agreement_form(
        request,
        {
            "unit_commits": found.unit_commits,
            "community_commits": found.community_commits,
            "starts_on": found.starts_on.isoformat(),
            "ends_on": found.ends_on.isoformat(),
        },
    )
    if request.method == "POST":
        if not keeps:
            raise Http404
        starts_on, ends_on = _date(typed["starts_on"]), _date(typed["ends_on"])
        if starts_on is None or ends_on is None:
            messages.error(request, _("Give the term's first and last day."), extra_tags="invalid")
        else:
            try:
                cobuilding.amend_agreement(
                    user,
                    found,
                    unit_commits=typed["unit_commits"],
                    community_commits=typed["community_commits"],
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("The agreement is updated."))
                return redirect("cobuilding_agreement", pk=found.pk)
    return render(request, "web/cobuilding/agreement.html", {"agreement": found, "keeps": keeps, "typed": typed})


# --- meetings -----------------------------------------------------------------------------------


def _meeting_form(request: HttpRequest, initial: dict[str, Any]) -> dict[str, Any]:
    keys = ("community", "kind", "held_on", "participants", "matters", "minutes")
    if request.method == "POST":
        typed: dict[str, Any] = {key: request.POST.get(key, "").strip() for key in keys}
        typed["units"] = [v for v in request.POST.getlist("units") if is_ascii_number(v)]
        return typed
    return {**{key: initial.get(key, "") for key in keys}, "units": initial.get("units", [])}


def _chosen_units(units: list[ResidentUnit], typed: dict[str, Any], community: AreaNode) -> list[ResidentUnit]:
    wanted = set(typed["units"])
    return [u for u in units if str(u.pk) in wanted and u.area.community_id == community.pk]


@require_http_methods(["GET", "POST"])
@page_for(PAGE)
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Record a joint meeting or a residents' consultation of a community the user keeps."""
    user = _user(request)
    communities = list(cobuilding.kept_communities(user))
    if not communities:
        raise Http404
    units = _units_of(communities)
    initial = {
        "community": str(communities[0].pk) if len(communities) == 1 else "",
        "kind": MeetingKind.CONSULTATION,
        "held_on": timezone.localdate().isoformat(),
    }
    typed = _meeting_form(request, initial)
    if request.method == "POST":
        community = next((c for c in communities if str(c.pk) == typed["community"]), None)
        held_on = _date(typed["held_on"])
        if community is None or held_on is None:
            messages.error(request, _("Choose the community and give the day it was held."), extra_tags="invalid")
        else:
            try:
                meeting = cobuilding.record_meeting(
                    user,
                    community=community,
                    kind=typed["kind"],
                    held_on=held_on,
                    participants=typed["participants"],
                    matters=typed["matters"],
                    minutes=typed["minutes"],
                    units=_chosen_units(units, typed, community),
                )
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("The meeting is recorded: add its decisions."))
                return redirect("cobuilding_meeting", pk=meeting.pk)
    context = {"typed": typed, "communities": communities, "units": units, "kinds": MeetingKind.choices}
    return render(request, "web/cobuilding/meeting_form.html", context)


def _meeting(user: User, pk: int) -> Meeting:
    return get_object_or_404(
        cobuilding.visible_meetings(user).select_related("community").prefetch_related("units", _decisions()), pk=pk
    )


@require_http_methods(["GET", "POST"])
@page_for(PAGE)
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting with its decisions: its keepers correct the record and add decisions; each
    decision's owner marks it done; the keepers file a decision as a case."""
    user = _user(request)
    found = _meeting(user, pk)
    keeps = cobuilding.may_keep(user, found.community)
    units = _units_of([found.community]) if keeps else []
    typed = _meeting_form(
        request,
        {
            "kind": found.kind,
            "held_on": found.held_on.isoformat(),
            "participants": found.participants,
            "matters": found.matters,
            "minutes": found.minutes,
            "units": [str(u.pk) for u in found.units.all()],
        },
    )
    if request.method == "POST":
        if not keeps:
            raise Http404
        held_on = _date(typed["held_on"])
        if held_on is None:
            messages.error(request, _("Give the day it was held."), extra_tags="invalid")
        else:
            try:
                cobuilding.amend_meeting(
                    user,
                    found,
                    kind=typed["kind"],
                    held_on=held_on,
                    participants=typed["participants"],
                    matters=typed["matters"],
                    minutes=typed["minutes"],
                    units=_chosen_units(units, typed, found.community),
                )
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("The meeting is updated."))
                return redirect("cobuilding_meeting", pk=found.pk)
    context = {
        "meeting": found,
        "keeps": keeps,
        "typed": typed,
        "units": units,
        "kinds": MeetingKind.choices,
        "owners": list(cobuilding.owner_choices(found.community)) if keeps else [],
        "today": timezone.localdate(),
    }
    return render(request, "web/cobuilding/meeting.html", context)


@require_POST
@page_for(PAGE)
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = _meeting(user, pk)
    owner = cobuilding.owner_choices(found.community).filter(pk=_id(request.POST.get("owner")) or 0).first()
    due_on = _date(request.POST.get("due_on"))
    if owner is None or due_on is None:
        messages.error(request, _("Choose the owner and the day it is due."), extra_tags="invalid")
    else:
        try:
            cobuilding.add_decision(user, found, text=request.POST.get("text", ""), owner=owner, due_on=due_on)
        except DomainError as error:
            _failed(request, error)
        else:
            messages.success(request, _("The decision is given to its owner."))
    return redirect("cobuilding_meeting", pk=found.pk)


def _decision(user: User, pk: int) -> Decision:
    return get_object_or_404(
        cobuilding.visible_decisions(user).select_related("meeting__community", "meeting__district"), pk=pk
    )


@require_POST
@page_for(PAGE)
def decision_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = _decision(user, pk)
    try:
        cobuilding.finish_decision(user, found, request.POST.get("outcome", ""))
    except DomainError as error:
        _failed(request, error)
    else:
        messages.success(request, _("The decision is marked done."))
    return redirect("cobuilding_meeting", pk=found.meeting_id)


@require_http_methods(["GET", "POST"])
@page_for(PAGE)
def decision_case(request: HttpRequest, pk: int) -> HttpResponse:
    """File a decision as a case: its category, a building of the community, the words (the
    decision's to start with). A decision that has its case goes to it."""
    user = _user(request)
    found = _decision(user, pk)
    if found.case_id is not None:
        return redirect("case", pk=found.case_id)
    community = found.meeting.community
    if not cobuilding.may_keep(user, community):
        raise Http404
    buildings = list(AreaNode.objects.filter(community_id=community.pk, level=Level.BUILDING).order_by("code"))
    categories = list(
        Category.objects.filter(district_id=community.district_id, active=True, parent__isnull=False).order_by(
            "order", "code"
        )
    )
    typed = {"category": "", "building": "", "description": found.text}
    if request.method == "POST":
        typed = {key: request.POST.get(key, "").strip() for key in typed}
        category = next((c for c in categories if str(c.pk) == typed["category"]), None)
        building = next((b for b in buildings if str(b.pk) == typed["building"]), None)
        if category is None or building is None or not typed["description"]:
            messages.error(
                request, _("Choose a category and a building, and say what the problem is."), extra_tags="invalid"
            )
        else:
            try:
                case = cobuilding.decision_to_case(
                    user, found, category=category, building=building, description=typed["description"]
                )
            except DomainError as error:
                _failed(request, error)
            else:
                messages.success(request, _("Case %(number)s is filed.") % {"number": case.number})
                return redirect("cobuilding_meeting", pk=found.meeting_id)
    context = {"decision": found, "buildings": buildings, "categories": categories, "typed": typed}
    return render(request, "web/cobuilding/decision_case.html", context)
