"""Members and their community on a phone: the member's own page (registrations 报到, commitments
承诺, services offered by retired and student members) and the community staff's page (who is
registered and who is not, confirm; the commitments and their fulfilment; services to confirm).

Thin views over `wangge.team.members` and `wishes`: the member's page answers only the user's
own records (404 for an account that is not a member's); the staff's page a community the user
is staff of (404 otherwise).
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.people.models import MemberKind, MemberProfile
from wangge.team import members, queries, wishes
from wangge.team.errors import TeamError
from wangge.team.models import (
    Commitment,
    CommitmentTheme,
    Registration,
    RegistrationPlace,
    RegistrationStatus,
    ServiceKind,
    Wish,
    WishStatus,
)
from wangge.web.views import page_for

SHOWN = 100


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _failed(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message, extra_tags=error.code)


def _own(user: User) -> MemberProfile:
    member = members.own_members(user).first()
    if member is None:
        raise Http404
    return member


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _id(text: str) -> int | None:
    return int(text) if is_ascii_number(text) and len(text) < 18 else None


@require_GET
@never_cache
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The member's registrations, commitments and (retired and student members) services."""
    user = _user(request)
    member = _own(user)
    registrations = list(Registration.objects.filter(member=member).select_related("community"))
    imported = member.reported_on is not None and not any(r.place == RegistrationPlace.HOME for r in registrations)
    registered_ids = [r.community_id for r in registrations if r.status != RegistrationStatus.LEFT]
    if imported:
        registered_ids.append(member.home_community_id)
    offers = list(
        Wish.objects.filter(claimant=user)
        .exclude(service="")
        .select_related("community")
        .order_by("-created_at")[:SHOWN]
    )
    context = {
        "member": member,
        "registrations": registrations,
        "imported": imported,
        "communities": AreaNode.objects.filter(district_id=member.district_id, level=Level.COMMUNITY).order_by("code"),
        "is_student": member.kind == MemberKind.STUDENT,
        "offers_services": member.kind in wishes.OFFERING_KINDS,
        "registered_communities": AreaNode.objects.filter(pk__in=registered_ids).order_by("code"),
        "commitments": Commitment.objects.filter(member=member).order_by("-starts_on", "-id")[:SHOWN],
        "themes": CommitmentTheme.choices,
        "services": ServiceKind.choices,
        "offers": offers,
        "claimed": WishStatus.CLAIMED,
        "left": RegistrationStatus.LEFT,
        "today": timezone.localdate(),
    }
    return render(request, "web/team/members_mine.html", context)


@require_POST
@login_required
def mine_step(request: HttpRequest, step: str) -> HttpResponse:
    """register, leave, commit, fulfilment (of a commitment), offer (a service), done (a service's hours)."""
    user = _user(request)
    member = _own(user)
    post = request.POST
    today = timezone.localdate()
    try:
        if step == "register":
            community = get_object_or_404(
                AreaNode, pk=_id(post.get("community", "")) or 0, level=Level.COMMUNITY, district_id=member.district_id
            )
            members.register(user, member, community=community, on=today, place=post.get("place", "home"))
            messages.success(request, _("You are registered; the community's staff will confirm it."))
        elif step == "leave":
            row = get_object_or_404(Registration, pk=_id(post.get("registration", "")) or 0, member=member)
            members.leave(user, row, on=today)
            messages.success(request, _("The registration has ended."))
        elif step == "commit":
            starts, ends = _day(post.get("starts_on", "")), _day(post.get("ends_on", ""))
            if starts is None or ends is None:
                raise DomainError(TeamError.TERM_INVALID, _("Give the term's first and last day."))
            members.commit(
                user, member, theme=post.get("theme", ""), text=post.get("text", ""), starts_on=starts, ends_on=ends
            )
            messages.success(request, _("Your commitment is recorded."))
        elif step == "fulfilment":
            promise = get_object_or_404(Commitment, pk=_id(post.get("commitment", "")) or 0, member=member)
            members.note_fulfilment(user, promise, text=post.get("text", ""), on=today)
            messages.success(request, _("The fulfilment is noted."))
        elif step == "offer":
            community = get_object_or_404(
                AreaNode, pk=_id(post.get("community", "")) or 0, level=Level.COMMUNITY, district_id=member.district_id
            )
            wishes.offer_service(
                user, member, community=community, service=post.get("service", ""), text=post.get("text", "")
            )
            messages.success(request, _("Your service is offered."))
        elif step == "done":
            wish = get_object_or_404(Wish, pk=_id(post.get("wish", "")) or 0, claimant=user)
            wishes.fulfil_wish(user, wish, note=post.get("note", ""), hours=post.get("hours", ""))
            messages.success(request, _("The service is recorded with its hours."))
        else:
            raise Http404
    except DomainError as error:
        _failed(request, error)
    return redirect("members_mine")


def _staffed(request: HttpRequest) -> tuple[AreaNode, list[AreaNode]]:
    user = _user(request)
    communities = queries.staffed_communities(user)
    if not communities:
        raise Http404
    wanted = _id(request.GET.get("community", "") or request.POST.get("community", ""))
    if wanted is None:
        return communities[0], communities
    community = queries.staffed_community(user, wanted)
    if community is None:
        raise Http404
    return community, communities


@require_GET
@page_for("members_staff")
def community(request: HttpRequest) -> HttpResponse:
    """The community's members with their registration's state, the commitments made to it and
    the services its members offered that wait for confirmation."""
    chosen, communities = _staffed(request)
    lines = members.community_members(chosen)
    by_state: dict[str, list[Any]] = {}
    for line in lines:
        by_state.setdefault(line.state, []).append(line)
    context = {
        "community": chosen,
        "communities": communities,
        "lines": lines,
        # What the staff act on comes first; the rest folds away (hundreds of members at scale).
        "waiting": by_state.get("registered", []) + by_state.get("imported", []),
        "confirmed": by_state.get("confirmed", []),
        "unregistered": by_state.get("none", []),
        "left": by_state.get("left", []),
        "registered": sum(1 for line in lines if line.state in ("confirmed", "registered", "imported")),
        "commitments": Commitment.objects.filter(community=chosen).select_related("member__person")[:SHOWN],
        "to_confirm": Wish.objects.filter(community=chosen, status=WishStatus.FULFILLED)
        .exclude(service="")
        .select_related("claimant")
        .order_by("fulfilled_at")[:SHOWN],
    }
    return render(request, "web/team/members_community.html", context)


@require_POST
@page_for("members_staff")
def community_step(request: HttpRequest, step: str) -> HttpResponse:
    """confirm (a registration), fulfilment (of a commitment), service (confirm an offered service)."""
    user = _user(request)
    chosen, _communities = _staffed(request)
    post = request.POST
    try:
        if step == "confirm":
            member = get_object_or_404(
                MemberProfile.objects.select_related("person"), pk=_id(post.get("member", "")) or 0
            )
            members.confirm(user, member, community=chosen)
            messages.success(request, _("The registration is confirmed."))
        elif step == "fulfilment":
            row = get_object_or_404(Commitment, pk=_id(post.get("commitment", "")) or 0, community=chosen)
            members.note_fulfilment(user, row, text=post.get("text", ""), on=timezone.localdate())
            messages.success(request, _("The fulfilment is noted."))
        elif step == "service":
            wish = get_object_or_404(Wish, pk=_id(post.get("wish", "")) or 0, community=chosen)
            wishes.confirm_wish(user, wish)
            messages.success(request, _("The service is confirmed."))
        else:
            raise Http404
    except DomainError as error:
        _failed(request, error)
    return redirect(f"{reverse('members_community')}?community={chosen.pk}")
