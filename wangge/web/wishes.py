"""Small wishes on a phone (微心愿): a resident posts a wish for their household and confirms it
when done; a member sees their community's wishes to claim, their claims, and fulfils one with
a note and a photo; the practical things done this year (the member's and the community's).

Thin views over `wangge.team.wishes` and `practical`: a wish outside what the user reads
answers 404.
"""

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts.models import Role, User
from wangge.accounts.scope import assignments_of
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import visible_areas
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.team import practical, wishes
from wangge.team.models import WishStatus
from wangge.team.queries import visible_wishes
from wangge.web.views import page_for

SHOWN = 50
STEPS = ("claim", "fulfil", "confirm")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _post_areas(user: User) -> list[AreaNode]:
    """Where the user posts: a resident their household, the others the areas of their roles."""
    return [a.area for a in assignments_of(user) if a.area.level in (Level.COMMUNITY, Level.GRID, Level.HOUSEHOLD)]


@require_GET
@page_for("wishes")
def wish_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    found = list(visible_wishes(user)[:SHOWN])
    rows = [(w, wishes.is_open(w, now)) for w in found]
    today = timezone.localdate()
    year = today.replace(month=1, day=1)
    communities = [a.area for a in assignments_of(user) if a.role == Role.MEMBER and a.area.level == Level.COMMUNITY]
    counts = None
    if communities:
        counts = {
            "mine": practical.by_member(communities[0], year, today).get(user.pk, 0),
            "community": practical.count(communities[0], year, today)["count"],
            "community_name": communities[0].name,
        }
    context = {
        "to_claim": [w for w, open_ in rows if open_],
        "mine": [w for w, open_ in rows if not open_ and w.claimant_id == user.pk],
        "posted": [w for w, open_ in rows if w.posted_by_id == user.pk],
        "post_areas": _post_areas(user),
        "counts": counts,
        "fulfilled": WishStatus.FULFILLED,
        "claimed": WishStatus.CLAIMED,
    }
    return render(request, "web/team/wishes.html", context)


def _failed(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message, extra_tags=error.code)


@require_POST
@page_for("wishes")
def wish_post(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    raw = request.POST.get("area", "")
    area = get_object_or_404(visible_areas(user), pk=int(raw)) if is_ascii_number(raw) and len(raw) < 18 else None
    if area is None:
        return redirect("wishes")
    try:
        wishes.post_wish(user, area=area, text=request.POST.get("text", ""), kind=request.POST.get("kind", "wish"))
        messages.success(request, _("Your wish is posted."))
    except DomainError as error:
        _failed(request, error)
    return redirect("wishes")


@require_POST
@page_for("wishes")
def wish_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """claim, fulfil (note and optional photo) or confirm."""
    if step not in STEPS:
        raise Http404
    user = _user(request)
    wish = get_object_or_404(visible_wishes(user), pk=pk)
    try:
        if step == "claim":
            wishes.claim_wish(user, wish)
            messages.success(request, _("You have claimed the wish."))
        elif step == "fulfil":
            photo = request.FILES.get("photo")
            wishes.fulfil_wish(
                user,
                wish,
                note=request.POST.get("note", ""),
                photo=photo if isinstance(photo, UploadedFile) else None,
                hours=request.POST.get("hours"),
            )
            messages.success(request, _("The wish is fulfilled."))
        else:
            wishes.confirm_wish(user, wish)
            messages.success(request, _("Thank you: the wish is confirmed."))
    except DomainError as error:
        _failed(request, error)
    return redirect("wishes")
