"""Web pages. Thin: load in scope, call an action or a query, render."""

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wangge.accounts.admin_scope import administers_area
from wangge.accounts.audit import client_ip, record
from wangge.accounts.models import AuditAction, Role, User
from wangge.accounts.scope import assignments_of
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import visible_areas
from wangge.calendars.queries import missing_year_warnings
from wangge.lib.geo import CRS_CHOICES, to_wgs84
from wangge.lib.replicas import replica_view
from wangge.lib.text import is_ascii_number
from wangge.operations.health import health
from wangge.orgs.coverage import GapKind, coverage_report
from wangge.people.actions import visible_fields_for
from wangge.web import exports, pages
from wangge.web.home import home_sections

GAPS_PER_PAGE = 200

# Buildings are drawn from this zoom on (about a few streets on a phone).
BUILDINGS_MIN_ZOOM = 16
# The widest box of buildings one request may ask for, in degrees (about 20 km).
BBOX_MAX_DEGREES = 0.2

# Column headings for the coverage tables: short enough for a phone.
SHORT_GAP_LABELS = {
    GapKind.GRID_WITHOUT_UNIT: gettext_lazy("Grids without unit"),
    GapKind.GROUP_WITHOUT_UNIT: gettext_lazy("Groups without branch"),
    GapKind.BUILDING_WITHOUT_MEMBER: gettext_lazy("Buildings without member"),
    GapKind.HOUSEHOLD_WITHOUT_MEMBER: gettext_lazy("Households without member"),
}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The database and the task queue (`operations.health`): 200 when both are well, else 503;
    the same shape either way."""
    report = health()
    return JsonResponse(report.as_json(), status=200 if report.ok else 503)


def scoped_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; a user without any role assignment gets the "no role yet" page (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not pages.has_scope(request.user):  # type: ignore[arg-type]
            return render(request, "web/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def page_or_fragment(request: HttpRequest, template: str, fragment: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only its partial `fragment` when htmx asks. The answer varies by the
    HX-Request header, so that no cache (nor the browser's back button) serves one for the other."""
    asked_by_htmx = bool(request.htmx)  # type: ignore[attr-defined]  # django_htmx's middleware
    response = render(request, f"{template}#{fragment}" if asked_by_htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def page_for(name: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """`scoped_page`, and 404 for a user whose roles may not use page `name` (`pages.allowed`)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @scoped_page
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not pages.allowed(request.user, name):  # type: ignore[arg-type]
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def display_crs(request: HttpRequest) -> str:
    crs = request.GET.get("crs") or settings.MAP_TILE_CRS
    if crs not in CRS_CHOICES:
        raise Http404
    return crs


def map_config(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The configuration of every map (`static/wangge/map.js`): tiles, grid outlines, buildings
    when zoomed in, and the texts the map shows; `extra` adds or overrides keys per page."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_crs": settings.MAP_TILE_CRS,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "grids_url": reverse("map_grids"),
        "buildings_url": reverse("map_buildings"),
        "buildings_min_zoom": BUILDINGS_MIN_ZOOM,
        "error": _("The map could not be loaded. Reload the page to try again."),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "text": {
            "overdue": _("Overdue"),
            "due_soon": _("Due soon"),
            "other": _("Other cases"),
            "open_case": _("Open the case"),
            "close": _("Close the box"),
            "overdue_title": _("Overdue cases per grid"),
            "building_picked": _("Building picked: %(label)s"),
            "point_picked": _("Place marked on the map. Tap again to move it."),
            "zoom_for_buildings": _("Zoom in to see the buildings; tap one to pick it."),
            "locating": _("Finding your position…"),
            "located": _("Your position is marked on the map. Tap a building or the map to change it."),
            "locate_denied": _("Your position could not be used: the permission was refused."),
            "locate_unavailable": _("Your position is not available. Tap the map or search for the building."),
        },
        **extra,
    }


@require_GET
@scoped_page
def home(request: HttpRequest) -> HttpResponse:
    """Each role's own work, the most operational role first (`wangge.web.home`)."""
    user: User = request.user  # type: ignore[assignment]
    home_map = map_config(request, geojson_url=reverse("map_grids") + "?overdue=1", color_by="overdue")
    sections = home_sections(user, timezone.now(), home_map)
    context = {
        "sections": sections,
        "map_shown": any(s.name == "district" for s in sections),
        "calendar_warnings": _calendar_warnings(user),
        "calendar_url": reverse("manage_calendar") if pages.allowed(user, "manage_calendar") else "",
    }
    return render(request, "web/home/page.html", context)


def _calendar_warnings(user: User) -> list[str]:
    """District administrators are told when this year or next has no work calendar."""
    districts = {a.district_id for a in assignments_of(user) if a.role == Role.DISTRICT_ADMIN}
    if user.is_superuser:
        districts.add(None)  # type: ignore[arg-type]
    return sorted({warning for d in districts for warning in missing_year_warnings(d)})


def _crs_error() -> JsonResponse:
    return JsonResponse(
        {"code": "bad_crs", "message": _("Unknown coordinate system; use wgs84, gcj02 or bd09.")}, status=400
    )


def _geojson(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False})


@require_GET
@never_cache
@scoped_page
def grids_geojson(request: HttpRequest) -> HttpResponse:
    """The grid outlines of the user's scope; `?pick=1`: the pick map's grids (a resident's
    district, own grids marked); `?overdue=1`: each grid's count of overdue cases."""
    crs = request.GET.get("crs") or settings.MAP_TILE_CRS
    if crs not in CRS_CHOICES:
        return _crs_error()
    data = pages.grids_feature_collection(
        request.user,  # type: ignore[arg-type]
        crs,
        pick=request.GET.get("pick") == "1",
        overdue=request.GET.get("overdue") == "1",
    )
    return _geojson(data)


def _bbox(raw: str, crs: str) -> tuple[float, float, float, float] | None:
    """`west,south,east,north` in `crs` as a WGS-84 box, or None when it is not one."""
    parts = raw.split(",")
    if len(parts) != 4 or len(raw) > 100:
        return None
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    if east - west > BBOX_MAX_DEGREES or north - south > BBOX_MAX_DEGREES:
        return None
    west, south = to_wgs84(west, south, crs)
    east, north = to_wgs84(east, north, crs)
    return west, south, east, north


@require_GET
@never_cache
@scoped_page
def buildings_geojson(request: HttpRequest) -> HttpResponse:
    """The buildings on the user's maps inside `?bbox=west,south,east,north` (tiles' system in
    and out, or `?crs=`); `?pick=1`: a resident's whole district (where they may file)."""
    crs = request.GET.get("crs") or settings.MAP_TILE_CRS
    if crs not in CRS_CHOICES:
        return _crs_error()
    box = _bbox(request.GET.get("bbox", ""), crs)
    if box is None:
        message = _(
            "Give the map box as bbox=west,south,east,north: four numbers, west before east, "
            "south before north, at most %(max)s degrees wide."
        ) % {"max": BBOX_MAX_DEGREES}
        return JsonResponse({"code": "bad_bbox", "message": message}, status=400)
    data = pages.buildings_feature_collection(
        request.user,  # type: ignore[arg-type]
        box,
        crs,
        pick=request.GET.get("pick") == "1",
    )
    return _geojson(data)


@require_GET
@page_for("areas")
def area(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    node = get_object_or_404(visible_areas(user), pk=pk)  # type: ignore[arg-type]
    context: dict[str, Any] = {"node": node, "crumbs": pages.breadcrumb(user, node)}  # type: ignore[arg-type]
    if node.level in (Level.DISTRICT, Level.COMMUNITY):
        child = Level.COMMUNITY if node.level == Level.DISTRICT else Level.GRID
        nodes = visible_areas(user).filter(**{f"{node.level}_id": node.pk})  # type: ignore[arg-type]
        context |= {"child_level": child, "rows": pages.nodes_with_counts(nodes, child)}
        return render(request, "web/area_parent.html", context)
    if node.level == Level.GRID:
        context |= pages.grid_detail(node, display_crs(request))
        context["fieldwork_allowed"] = pages.allowed(user, "fieldwork")  # type: ignore[arg-type]
        context["team_editable"] = pages.allowed(user, "grid_team") and administers_area(user, node)  # type: ignore[arg-type]
        context["map_config"] = map_config(request)
        return render(request, "web/area_grid.html", context)
    if node.level == Level.BUILDING_GROUP:
        context |= pages.building_group_detail(node)
        return render(request, "web/area_building_group.html", context)
    # Building or household: pages that list residents' (masked) personal data.
    with_residents = pages.can_read_personal_data(user, node)  # type: ignore[arg-type]
    if node.level == Level.BUILDING:
        households = AreaNode.objects.filter(building_id=node.pk, level=Level.HOUSEHOLD)
        context |= pages.households_detail(households, node, with_residents)
        context["unit"], context["unit_label"] = pages.building_unit(node)
        template = "web/area_building.html"
    else:
        context |= pages.households_detail(AreaNode.objects.filter(pk=node.pk), None, with_residents)
        template = "web/area_household.html"
    context["with_residents"] = with_residents
    if with_residents:
        # Masked, or in clear for a resident this user revealed a moment ago (audited per person).
        links = [r for line in context["households"] for r in line.residents]
        shown = visible_fields_for(user, [r.person for r in links], ip_address=client_ip(request))  # type: ignore[arg-type]
        for link in links:
            link.shown = shown.get(link.person_id)  # type: ignore[attr-defined]
        record(
            user,  # type: ignore[arg-type]
            AuditAction.PERSONAL_DATA_VIEWED,
            obj=node,
            district_id=node.district_id,
            ip_address=client_ip(request),
            detail={"page": node.level, "residents": context["resident_count"]},
        )
    return render(request, template, context)


def _within(request: HttpRequest) -> AreaNode | None:
    raw = request.GET.get("area")
    if not raw:
        return None
    if not is_ascii_number(raw):
        raise Http404
    return get_object_or_404(visible_areas(request.user), pk=int(raw))  # type: ignore[arg-type]


@require_GET
@page_for("coverage")
@replica_view
def coverage(request: HttpRequest) -> HttpResponse:
    within = _within(request)
    report = coverage_report(request.user, within)  # type: ignore[arg-type]
    page = Paginator(report.gaps, GAPS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "within": within,
        "crumbs": pages.breadcrumb(request.user, within) if within else [],  # type: ignore[arg-type]
        "report": report,
        "kinds": [(GapKind.LABELS[k], SHORT_GAP_LABELS[k], report.totals[k]) for k in GapKind.ALL],
        "page": page,
    }
    return page_or_fragment(request, "web/coverage.html", "gap-list", context)


@require_GET
@page_for("coverage")
@replica_view
def coverage_xlsx(request: HttpRequest) -> HttpResponse:
    user = request.user
    within = _within(request)
    report = coverage_report(user, within)  # type: ignore[arg-type]
    content = exports.coverage_workbook(report, within)
    district_id = within.district_id if within else next((a.district_id for a in assignments_of(user)), None)  # type: ignore[arg-type]
    record(
        user,  # type: ignore[arg-type]
        AuditAction.EXPORTED,
        obj=within,
        district_id=district_id,
        ip_address=client_ip(request),
        detail={
            "export": "coverage",
            "format": "xlsx",
            "area": within.pk if within else None,
            "gaps": len(report.gaps),
        },
    )
    filename = f"wangge-coverage-{timezone.localdate():%Y-%m-%d}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
