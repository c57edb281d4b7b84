"""Onboarding a district from its own files (/manage/onboarding/): the steps in order (grids,
address book, staff, organisation units, resident units) with whether the district has each
yet; an upload → a dry run (counts, problems row by row, warnings; for grids a map of the
uploaded grids with their overlaps and gaps) → commit (the same stored file again, with
`commit`: all or nothing) → the result (for staff: the one-time passwords, shown once).

Thin: the steps and their imports are `wangge.onboarding.steps`; each import checks and writes.
The uploaded file is kept under MEDIA_ROOT (never under a public URL) only until it is committed
or discarded; which upload is pending is remembered in the user's session under a random token,
so nothing of the file, and no personal data, is ever in a URL. The administrator's own
district only: another district, or a role other than district administrator, answers 404.
"""

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wangge.accounts.models import User
from wangge.areas.actions import GridImportReport
from wangge.areas.models import AreaNode
from wangge.ledgers.files import media_path, save_upload
from wangge.lib.errors import DomainError
from wangge.lib.geo import CRS_CHOICES, from_wgs84
from wangge.lib.text import is_ascii_number
from wangge.onboarding import steps
from wangge.onboarding.grids import grid_preview
from wangge.web import pages
from wangge.web.manage.catalogue import administered_districts
from wangge.web.views import map_config, page_for

UPLOAD_FOLDER = "onboarding/uploads"
SESSION_KEY = "onboarding_uploads"
# An upload neither committed nor discarded is forgotten (and its file deleted) after this long.
KEEP_UPLOAD = dt.timedelta(hours=24)
# What an import creates, by the kind its report counts (`OnboardingReport.created`).
CREATED_LABELS = {
    "communities": gettext_lazy("Communities"),
    "grids": gettext_lazy("Grids"),
    "building_groups": gettext_lazy("Building groups"),
    "buildings": gettext_lazy("Buildings"),
    "households": gettext_lazy("Households"),
    "users": gettext_lazy("User accounts"),
    "roles": gettext_lazy("Roles"),
    "unit_staff": gettext_lazy("Handling-unit staff"),
    "persons": gettext_lazy("Persons"),
    "workers": gettext_lazy("Worker records"),
    "org_units": gettext_lazy("Organisation units"),
    "resident_units": gettext_lazy("Resident units"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def admin_districts(user: User) -> list[AreaNode]:
    """The districts the user administers (every district for a superuser; 404 for none)."""
    return list(administered_districts(user))


def admin_district(request: HttpRequest, raw: str | None) -> AreaNode:
    """The district asked for (`raw`, an id), or the user's only / first one; 404 outside scope."""
    districts = admin_districts(_user(request))
    if raw:
        if not is_ascii_number(raw):
            raise Http404
        found = next((d for d in districts if d.pk == int(raw)), None)
        if found is None:
            raise Http404
        return found
    if not districts:
        raise Http404
    return districts[0]


# --- pending uploads (in the session; the file under MEDIA_ROOT) ---------------------------------


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return dict(request.session.get(SESSION_KEY, {}))


def _forget(request: HttpRequest, token: str) -> None:
    pending = _pending(request)
    entry = pending.pop(token, None)
    if entry is not None:
        media_path(entry["file"]).unlink(missing_ok=True)
    request.session[SESSION_KEY] = pending


def _forget_stale(request: HttpRequest) -> None:
    """Forget this session's uploads older than KEEP_UPLOAD, and delete every stored upload
    that old (those of sessions that ended without commit or discard)."""
    cutoff = (timezone.now() - KEEP_UPLOAD).timestamp()
    for token, entry in _pending(request).items():
        if entry.get("at", 0) < cutoff:
            _forget(request, token)
    folder = media_path(UPLOAD_FOLDER)
    for stored in folder.iterdir() if folder.is_dir() else []:
        if stored.is_file() and stored.stat().st_mtime < cutoff:
            stored.unlink(missing_ok=True)


def _upload(request: HttpRequest, token: str) -> tuple[dict[str, Any], steps.Step, AreaNode]:
    """The pending upload of this user's session (404 when there is none by that token, or its
    district is no longer the user's)."""
    entry = _pending(request).get(token)
    if entry is None or entry["step"] not in steps.STEP_BY_KEY:
        raise Http404
    district = admin_district(request, str(entry["district"]))
    return entry, steps.STEP_BY_KEY[entry["step"]], district


def _run(request: HttpRequest, entry: dict[str, Any], step: steps.Step, district: AreaNode, commit: bool) -> Any:
    try:
        return steps.run(
            step,
            _user(request),
            district=district,
            path=str(media_path(entry["file"])),
            commit=commit,
            options=entry["options"],
        )
    except LookupError:
        raise Http404 from None


# --- the pages ----------------------------------------------------------------------------------


@require_GET
@never_cache
@page_for("manage_onboarding")
def onboarding(request: HttpRequest) -> HttpResponse:
    district = admin_district(request, request.GET.get("district"))
    states = steps.step_states(district)
    rows = [
        {
            "step": step,
            "state": states[step.key],
            "available": steps.importer(step) is not None,
            "accept": ",".join(step.extensions),
            "types": "、".join(step.extensions),
        }
        for step in steps.STEPS
    ]
    context = {
        "district": district,
        "districts": admin_districts(_user(request)),
        "rows": rows,
        "crs_choices": CRS_CHOICES,
    }
    return render(request, "web/manage/onboarding/steps.html", context)


@require_POST
@page_for("manage_onboarding")
def upload(request: HttpRequest, step_key: str) -> HttpResponse:
    step = steps.STEP_BY_KEY.get(step_key)
    if step is None or steps.importer(step) is None:
        raise Http404
    district = admin_district(request, request.POST.get("district"))
    back = f"{reverse('manage_onboarding')}?district={district.pk}"
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose the file to upload."), extra_tags="file_required")
        return redirect(back)
    suffix = Path(uploaded.name or "").suffix.lower()
    if suffix not in step.extensions:
        messages.error(
            request,
            _("This step accepts %(types)s files only.") % {"types": ", ".join(step.extensions)},
            extra_tags="file_type",
        )
        return redirect(back)
    options: dict[str, Any] = {}
    if "crs" in step.options:
        crs = request.POST.get("crs") or ""
        if crs and crs not in CRS_CHOICES:
            raise Http404
        options["crs"] = crs
    _forget_stale(request)
    try:
        relative, _digest, _size = save_upload(uploaded, suffix, folder=UPLOAD_FOLDER)
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
        return redirect(back)
    token = uuid.uuid4().hex
    pending = _pending(request)
    pending[token] = {
        "step": step.key,
        "district": district.pk,
        "file": relative,
        "name": (uploaded.name or "")[:200],
        "options": options,
        "at": timezone.now().timestamp(),
    }
    request.session[SESSION_KEY] = pending
    return redirect("manage_onboarding_upload", token)


def _report_context(
    request: HttpRequest, entry: dict[str, Any], step: steps.Step, district: AreaNode, report: Any
) -> dict[str, Any]:
    context: dict[str, Any] = {"step": step, "district": district, "report": report, "entry": entry}
    if isinstance(report, GridImportReport):
        context |= _grid_context(request, entry, report)
        context["committable"] = report.can_commit and not report.committed
        context["grid_problem_tables"] = [
            (_("Errors"), report.errors, "errors"),
            (_("Overlaps"), report.overlaps, "overlaps"),
            (_("Gaps"), report.gaps, "gaps"),
        ]
    else:
        context["committable"] = report.ok and not report.committed
        context["created"] = [(kind, CREATED_LABELS.get(kind, kind), n) for kind, n in sorted(report.created.items())]
        context["passwords"] = sorted(report.passwords.items()) if report.committed else []
    return context


@require_GET
@never_cache
@page_for("manage_onboarding")
def dry_run(request: HttpRequest, token: str) -> HttpResponse:
    """The dry run of a pending upload (run again on each visit: it writes nothing)."""
    entry, step, district = _upload(request, token)
    try:
        report = _run(request, entry, step, district, commit=False)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        context = {"step": step, "district": district, "entry": entry, "token": token, "error": error}
        return render(request, "web/manage/onboarding/dry_run.html", context, status=error.status)
    context = _report_context(request, entry, step, district, report) | {"token": token}
    return render(request, "web/manage/onboarding/dry_run.html", context)


@require_POST
@never_cache
@page_for("manage_onboarding")
def commit(request: HttpRequest, token: str) -> HttpResponse:
    """Run the pending upload again with `commit`. Committed: the file is deleted and the result
    shown in this answer only (a staff import's one-time passwords are in no URL, no session
    and no log). Refused: the dry-run page with the reason; nothing was written."""
    entry, step, district = _upload(request, token)
    if "allow_gaps" in step.options:
        entry = {**entry, "options": {**entry["options"], "allow_gaps": request.POST.get("allow_gaps") == "1"}}
    try:
        report = _run(request, entry, step, district, commit=True)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        context = {"step": step, "district": district, "entry": entry, "token": token, "error": error}
        return render(request, "web/manage/onboarding/dry_run.html", context, status=error.status)
    context = _report_context(request, entry, step, district, report) | {"token": token}
    if not report.committed:
        context["refused"] = True
        return render(request, "web/manage/onboarding/dry_run.html", context, status=409)
    _forget(request, token)
    return render(request, "web/manage/onboarding/result.html", context)


@require_POST
@page_for("manage_onboarding")
def discard(request: HttpRequest, token: str) -> HttpResponse:
    _entry, _step, district = _upload(request, token)
    _forget(request, token)
    messages.success(request, _("The uploaded file has been deleted; nothing was imported."))
    return redirect(f"{reverse('manage_onboarding')}?district={district.pk}")


# --- the grid step's map ------------------------------------------------------------------------


def _grid_context(request: HttpRequest, entry: dict[str, Any], report: GridImportReport) -> dict[str, Any]:
    """The map of the uploaded grids (map kind "preview"): each grid by what the import does
    with it, overlapping grids outlined, the overlaps and gaps as marked places."""
    crs = settings.MAP_TILE_CRS
    preview = grid_preview(media_path(entry["file"]), report)
    for feature in preview["grids"]["features"]:
        feature["geometry"] = pages.convert_geometry(feature["geometry"], crs)
    for place in preview["places"]:
        place["lnglat"] = list(from_wgs84(place["lnglat"][0], place["lnglat"][1], crs))
    base = map_config(request)
    config = map_config(
        request,
        grids_url=None,
        buildings_url=None,
        text={
            **base["text"],
            "new": _("New grid"),
            "redrawn": _("Redrawn grid"),
            "unchanged": _("Unchanged grid"),
            "overlap": _("Overlap between grids"),
            "gap": _("Gap between grids"),
        },
    )
    return {"map_config": config, "preview": preview, "has_map": bool(preview["grids"]["features"])}


urlpatterns = [
    path("onboarding/", onboarding, name="manage_onboarding"),
    path("onboarding/step/<slug:step_key>/", upload, name="manage_onboarding_send"),
    path("onboarding/upload/<slug:token>/", dry_run, name="manage_onboarding_upload"),
    path("onboarding/upload/<slug:token>/commit/", commit, name="manage_onboarding_commit"),
    path("onboarding/upload/<slug:token>/discard/", discard, name="manage_onboarding_discard"),
]
