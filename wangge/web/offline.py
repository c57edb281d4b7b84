"""The field pages as an installable web app that works without a connection (docs/fieldwork.md,
"Offline"): the web app manifest, the service worker, the offline page the service worker answers
for a field page never opened on the phone, and the per-grid JSON that page is filled from.

The queue itself lives in the browser (`static/wangge/fieldqueue.js`): records made offline are
kept in IndexedDB and sent to the REST API once the connection returns, once per uuid.
"""

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wangge.areas.models import AreaNode, Level
from wangge.fieldwork import queries
from wangge.fieldwork.models import HouseholdChange, VisitFlag
from wangge.web.views import page_for

THEME_COLOUR = "#b71c1c"  # --brand in site.css
SW_TEMPLATE = "web/fieldwork/sw.js"
# What the offline pages need besides the pages themselves, fetched when the worker installs.
ASSETS = (
    "wangge/site.css",
    "wangge/fieldqueue.js",
    "wangge/menu.js",
    "wangge/briefing.js",
    "wangge/icon.svg",
    "wangge/icon-192.png",
    "vendor/htmx/htmx.min.js",
    # The patrol's map: drawn without tiles when offline (the grid's outline and its buildings).
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "wangge/map.js",
    "wangge/checkin-point.js",
)


@cache
def release() -> str:
    """A digest of the service worker and the files it keeps: a new release that changes any of
    them makes a new service worker, whose new cache replaces the old one."""
    digest = hashlib.sha256()
    template = get_template(SW_TEMPLATE).origin.name  # type: ignore[attr-defined]
    for path in [template, *(finders.find(asset) for asset in ASSETS)]:
        with open(str(path), "rb") as file:
            digest.update(file.read())
    return digest.hexdigest()[:12]


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the field pages installed on a phone's home screen."""
    body = {
        "name": _("wangge field work"),
        "short_name": _("Field work"),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("fieldwork"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("wangge/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("wangge/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("wangge/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that its scope covers /fieldwork/. Never cached by the
    browser's HTTP cache: a new release is seen on the next visit."""
    context = {
        "release": release(),
        "shell": reverse("fieldwork_offline"),
        "assets": [static(asset) for asset in ASSETS],
        "static": static(""),
    }
    response = render(request, SW_TEMPLATE, context, content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@never_cache
@require_GET
@page_for("fieldwork")
def shell(request: HttpRequest) -> HttpResponse:
    """What the service worker answers, without a connection, for a field page never opened on
    the phone: its script builds the briefing, patrol, check-in or visit form from the grid's
    JSON kept in the browser."""
    return render(
        request,
        "web/fieldwork/offline.html",
        {"rows": range(3), "flags": VisitFlag.choices, "changes": HouseholdChange.choices},
    )


@never_cache
@require_GET
@page_for("fieldwork")
def grid_data(request: HttpRequest, pk: int) -> JsonResponse:
    """What the offline pages of a grid the user records in need: its buildings, its households
    (as addresses) and its team (the attendees of a briefing). No personal data."""
    user = request.user
    grids = queries.fieldwork_areas(user).filter(level=Level.GRID)  # type: ignore[arg-type]
    grid = get_object_or_404(grids, pk=pk)
    if not queries.can_record(user, grid):  # type: ignore[arg-type]
        raise Http404
    buildings = AreaNode.objects.filter(grid_id=grid.pk, level=Level.BUILDING).order_by("code")
    households = (
        AreaNode.objects.filter(grid_id=grid.pk, level=Level.HOUSEHOLD).select_related("building").order_by("code")
    )
    team = queries.grid_team(grid)
    users = {u.pk: u for u in [*team.secretaries, *team.leaders, *team.workers]}
    return JsonResponse(
        {
            "id": grid.pk,
            "name": grid.name,
            "buildings": [{"id": b.pk, "name": b.name} for b in buildings],
            "households": [
                {"id": h.pk, "label": f"{h.building.name} {h.name}" if h.building else h.name} for h in households
            ],
            "team": [{"id": u.pk, "name": str(u)} for u in users.values()],
        },
        json_dumps_params={"ensure_ascii": False},
    )
