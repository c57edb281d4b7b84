"""摸排 and 千帮千 pages: the survey rounds and pairing campaigns of the areas the user keeps
(creating them), a round's page (its households, progress seen / listed, and the upload of its
sheet → dry run → commit or discard), and a campaign's page (its pairs, and pairing many members
with many households at once).

Thin: the rounds, campaigns and pairs are made by `wangge.assistance.actions`, the sheet is read
and applied by `wangge.onboarding.survey`. A round or campaign whose area the user does not keep
answers 404. The uploaded sheet is kept under MEDIA_ROOT only until it is committed or discarded;
the pending upload is remembered in the session by its round (the file's name is random), never
in a URL.
"""

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.db.models import Exists, F, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.assistance import actions, queries
from wangge.assistance.models import ACTIVE_STATES, Dossier, HelperKind, Pair, PairingCampaign, SheetState, SurveyRound
from wangge.ledgers.files import media_path, save_upload
from wangge.lib.errors import DomainError
from wangge.lib.text import is_ascii_number
from wangge.onboarding import survey as actions_survey
from wangge.onboarding.survey import import_survey
from wangge.people.models import MemberProfile
from wangge.web.views import page_for

AREA_LEVELS = (Level.DISTRICT, Level.COMMUNITY, Level.GRID)
UPLOAD_FOLDER = "assistance/uploads"
SESSION_KEY = "survey_uploads"
EXTENSIONS = (".xlsx", ".xls", ".csv")
# A sheet neither imported nor discarded is deleted this long after its upload.
KEEP_UPLOAD = dt.timedelta(hours=24)
LISTED = 500  # households of a round shown on its page, those not yet seen first
PAIRING_ROWS = 30  # households offered at once on a campaign's page
CREATED_LABELS = {
    "dossiers_opened": gettext_lazy("Dossiers opened"),
    "dossiers_updated": gettext_lazy("Dossiers added to"),
    "needs": gettext_lazy("Needs"),
    "households_seen": gettext_lazy("Households seen"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and is_ascii_number(raw) and len(raw) < 19 else None


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return None


def _areas(user: User) -> list[AreaNode]:
    kept = queries.assistance_areas(user).filter(level__in=AREA_LEVELS).order_by("code")
    return sorted(kept, key=lambda a: AREA_LEVELS.index(a.level))


def _kept_round(user: User, pk: int) -> SurveyRound:
    found = queries.visible_rounds(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _kept_campaign(user: User, pk: int) -> PairingCampaign:
    found = queries.visible_campaigns(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _failed(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


# --- the list -----------------------------------------------------------------------------------


@require_GET
@page_for("assistance")
def rounds(request: HttpRequest) -> HttpResponse:
    """The survey rounds (with their progress) and campaigns (with their current pairs) over the
    areas the user keeps, and the forms to create them."""
    user = _user(request)
    areas = _areas(user)
    if not areas:
        raise Http404
    context = {
        "areas": areas,
        "rounds": queries.visible_rounds(user),
        "campaigns": queries.visible_campaigns(user),
        "today": timezone.localdate(),
    }
    return render(request, "web/assistance/rounds.html", context)


@require_POST
@page_for("assistance")
def create(request: HttpRequest, what: str) -> HttpResponse:
    if what not in ("round", "campaign"):
        raise Http404
    user = _user(request)
    area = get_object_or_404(queries.assistance_areas(user), pk=_int(request.POST.get("area")))
    starts_on = _date(request.POST.get("starts_on"))
    ends_on = _date(request.POST.get("ends_on"))
    name = request.POST.get("name", "")
    if starts_on is None or (what == "round" and ends_on is None):
        messages.error(request, _("Give a name and the days it runs."), extra_tags="dates")
        return redirect("assistance_rounds")
    try:
        if what == "round":
            assert ends_on is not None
            survey = actions.create_survey_round(
                user,
                area=area,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                only_flagged=request.POST.get("only_flagged") == "1",
            )
            return redirect("assistance_round", survey.pk)
        campaign = actions.create_campaign(user, area=area, name=name, starts_on=starts_on)
        return redirect("assistance_campaign", campaign.pk)
    except DomainError as error:
        _failed(request, error)
    return redirect("assistance_rounds")


# --- a survey round -----------------------------------------------------------------------------


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return dict(request.session.get(SESSION_KEY, {}))


def _forget(request: HttpRequest, survey: SurveyRound, *, delete: bool = True) -> None:
    pending = _pending(request)
    entry = pending.pop(str(survey.pk), None)
    if entry is not None and delete:
        media_path(entry["file"]).unlink(missing_ok=True)
    request.session[SESSION_KEY] = pending


def _report_context(report: Any) -> dict[str, Any]:
    return {
        "report": report,
        "created": [(CREATED_LABELS.get(k, k), n) for k, n in sorted(report.created.items())],
        "committable": report.ok and not report.committed,
    }


def _delete_stale() -> None:
    """Delete every stored sheet older than KEEP_UPLOAD (of sessions that ended without an
    import or a discard)."""
    cutoff = (timezone.now() - KEEP_UPLOAD).timestamp()
    folder = media_path(UPLOAD_FOLDER)
    for stored in folder.iterdir() if folder.is_dir() else []:
        if stored.is_file() and stored.stat().st_mtime < cutoff:
            stored.unlink(missing_ok=True)


@require_GET
@never_cache
@page_for("assistance")
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: progress, the households not yet seen first, and the pending sheet's dry run."""
    user = _user(request)
    survey = _kept_round(user, pk)
    seen, listed = survey.seen, survey.listed  # type: ignore[attr-defined]
    households = survey.households.select_related("household", "household__grid").order_by(
        F("seen_on").desc(nulls_first=True), "household__code"
    )[:LISTED]  # not yet seen first
    context: dict[str, Any] = {
        "survey": survey,
        "seen": seen,
        "listed": listed,
        "households": households,
        "percent": round(100 * seen / listed) if listed else 0,
    }
    sheet = survey.sheet_imports.order_by("-created_at", "-pk").first()
    if sheet is not None:
        context |= {
            "sheet": sheet,
            "sheet_running": sheet.state in (SheetState.QUEUED, SheetState.RUNNING),
            "sheet_counts": [
                (CREATED_LABELS.get(k, k), n) for k, n in sorted(sheet.counts.items()) if k in CREATED_LABELS
            ],
        }
    entry = _pending(request).get(str(survey.pk))
    if entry is not None and not media_path(entry["file"]).is_file():
        _forget(request, survey)  # deleted as stale
        entry = None
    if entry is not None:
        try:
            report = import_survey(user, survey=survey, path=media_path(entry["file"]))
        except DomainError as error:
            _failed(request, error)
        else:
            context |= _report_context(report) | {"upload_name": entry["name"]}
    return render(request, "web/assistance/round.html", context)


@require_POST
@page_for("assistance")
def round_upload(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _kept_round(_user(request), pk)
    uploaded = request.FILES.get("file")
    suffix = Path(uploaded.name or "").suffix.lower() if uploaded else ""
    if uploaded is None or suffix not in EXTENSIONS:
        messages.error(request, _("Choose an .xlsx, .xls or .csv file."), extra_tags="file_type")
        return redirect("assistance_round", survey.pk)
    _forget(request, survey)
    _delete_stale()
    try:
        relative, _digest, _size = save_upload(uploaded, suffix, folder=UPLOAD_FOLDER)
    except DomainError as error:
        _failed(request, error)
        return redirect("assistance_round", survey.pk)
    pending = _pending(request)
    pending[str(survey.pk)] = {"file": relative, "name": (uploaded.name or "")[:200]}
    request.session[SESSION_KEY] = pending
    return redirect("assistance_round", survey.pk)


@require_POST
@never_cache
@page_for("assistance")
def round_commit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    survey = _kept_round(user, pk)
    entry = _pending(request).get(str(survey.pk))
    if entry is None:
        raise Http404
    try:
        actions_survey.queue_commit(user, survey=survey, stored_file=entry["file"], file_name=entry["name"])
    except DomainError as error:
        _failed(request, error)
        return redirect("assistance_round", survey.pk)
    _forget(request, survey, delete=False)  # the import deletes the file once it has run
    messages.success(request, _("The import has started; this page shows how it went."))
    return redirect("assistance_round", survey.pk)


@require_POST
@page_for("assistance")
def round_discard(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _kept_round(_user(request), pk)
    _forget(request, survey)
    messages.success(request, _("The uploaded file has been deleted; nothing was imported."))
    return redirect("assistance_round", survey.pk)


# --- a pairing campaign -------------------------------------------------------------------------


@require_GET
@page_for("assistance")
def campaign_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign: its pairs, and the area's households in the database without a current pair,
    each with a choice of the district's members, to pair many at once."""
    user = _user(request)
    campaign = _kept_campaign(user, pk)
    area = campaign.area
    field = queries.AREA_FIELDS[area.level]
    unpaired = (
        Dossier.objects.filter(state__in=ACTIVE_STATES, **{field: area.pk})
        .exclude(Exists(Pair.objects.filter(dossier_id=OuterRef("pk"), ended_on__isnull=True)))
        .select_related("household", "grid")
        .order_by("reassess_on", "pk")[:PAIRING_ROWS]
    )
    members = MemberProfile.objects.filter(
        district_id=campaign.district_id, person__anonymised_at__isnull=True
    ).select_related("person")
    context = {
        "campaign": campaign,
        "pairs": queries.campaign_pairs(campaign),
        "unpaired": unpaired,
        "members": members.order_by("person__name", "pk")[:500],
    }
    return render(request, "web/assistance/campaign.html", context)


@require_POST
@page_for("assistance")
def campaign_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Pair the member chosen for each household of the form (`member_<dossier id>`), each through
    `actions.pair_helper` within the campaign; what cannot be paired is said, the rest is kept."""
    user = _user(request)
    campaign = _kept_campaign(user, pk)
    chosen = {
        _int(key.removeprefix("member_")): _int(request.POST.get(key))
        for key in request.POST
        if key.startswith("member_") and request.POST.get(key)
    }
    dossiers = queries.visible_dossiers(user).select_related("household").in_bulk([d for d in chosen if d])
    paired = 0
    for dossier_id, member_id in chosen.items():
        dossier = dossiers.get(dossier_id or 0)
        if dossier is None or member_id is None:
            raise Http404
        try:
            actions.pair_helper(user, dossier, kind=HelperKind.MEMBER, helper_id=member_id, campaign=campaign)
            paired += 1
        except DomainError as error:
            _failed(request, error)
    if paired:
        messages.success(request, _("%(count)d pair(s) made.") % {"count": paired})
    return redirect(reverse("assistance_campaign", args=[campaign.pk]))
