"""The district's organisation settings (page key "units"): its own name for each kind of
organisation unit, and its resident units (驻区单位) — listed with a search, added, corrected
and closed.

Thin: who may do it and every change is `wangge.orgs.actions`; for anyone but a district
administrator of the district (or a superuser) the page, the district and its resident units
do not exist (404).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import DomainError
from wangge.orgs import actions
from wangge.orgs.models import ResidentUnit, UnitKind
from wangge.orgs.queries import kind_labels
from wangge.web.manage.districts import administered_districts, chosen_district
from wangge.web.views import page_for

RESIDENT_UNITS_PER_PAGE = 50
SEARCH_MAX = 100


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _page_url(district: AreaNode, **params: str) -> str:
    query = urlencode({"district": district.pk, **{k: v for k, v in params.items() if v}})
    return f"{reverse('manage_organisation')}?{query}"


def _places(district: AreaNode) -> list[tuple[AreaNode, list[AreaNode]]]:
    """The district's communities, each with its grids: where a resident unit may be placed."""
    nodes = AreaNode.objects.filter(district=district, level__in=[Level.COMMUNITY, Level.GRID]).order_by("code", "pk")
    communities: dict[int, tuple[AreaNode, list[AreaNode]]] = {}
    grids: list[AreaNode] = []
    for node in nodes:
        if node.level == Level.COMMUNITY:
            communities[node.pk] = (node, [])
        else:
            grids.append(node)
    for grid in grids:
        if grid.community_id in communities:
            communities[grid.community_id][1].append(grid)
    return list(communities.values())


def _area(request: HttpRequest, district: AreaNode) -> AreaNode:
    raw = request.POST.get("area", "")
    area = AreaNode.objects.filter(pk=int(raw), district=district).first() if raw.isdigit() else None
    if area is None:
        raise Http404
    return area


def _resident_units(district: AreaNode, search: str, show_closed: bool) -> QuerySet[ResidentUnit]:
    units = ResidentUnit.objects.filter(district=district).select_related("community", "grid")
    if not show_closed:
        units = units.filter(closed_on__isnull=True)
    if search:
        units = units.filter(Q(name__icontains=search) | Q(address__icontains=search) | Q(kind__icontains=search))
    return units.order_by("name", "pk")


@require_GET
@never_cache
@page_for("units")
def organisation(request: HttpRequest) -> HttpResponse:
    district, districts = chosen_district(request)
    search = request.GET.get("q", "").strip()[:SEARCH_MAX]
    show_closed = request.GET.get("closed") == "1"
    labels = kind_labels(district.pk)
    levels = [{"kind": kind.value, "default": kind.label, "name": labels[kind.value]} for kind in UnitKind]
    page = Paginator(_resident_units(district, search, show_closed), RESIDENT_UNITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = urlencode(
        {k: v for k, v in {"district": district.pk, "q": search, "closed": "1" if show_closed else ""}.items() if v}
    )
    context = {
        "district": district,
        "districts": districts,
        "levels": levels,
        "page": page,
        "query": query,
        "search": search,
        "show_closed": show_closed,
        "places": _places(district),
    }
    return render(request, "web/manage/organisation/page.html", context)


def _refused(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


@require_POST
@page_for("units")
def level_name_set(request: HttpRequest) -> HttpResponse:
    district, _districts = chosen_district(request)
    kind = request.POST.get("kind", "")
    try:
        actions.set_level_name(_user(request), district=district, kind=kind, name=request.POST.get("name", ""))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The level name is saved."))
    return redirect(_page_url(district) + "#level-names")


@require_POST
@page_for("units")
def resident_unit_create(request: HttpRequest) -> HttpResponse:
    district, _districts = chosen_district(request)
    try:
        unit = actions.create_resident_unit(
            _user(request),
            area=_area(request, district),
            name=request.POST.get("name", ""),
            kind=request.POST.get("kind", ""),
            address=request.POST.get("address", ""),
        )
    except DomainError as error:
        _refused(request, error)
        return redirect(_page_url(district) + "#add-resident-unit")
    messages.success(request, _("The resident unit %(name)s is added.") % {"name": unit.name})
    return redirect(_page_url(district, q=unit.name))


def _resident_unit(request: HttpRequest, pk: int) -> ResidentUnit:
    unit = (
        ResidentUnit.objects.filter(pk=pk, district__in=administered_districts(_user(request)))
        .select_related("district", "area")
        .first()
    )
    if unit is None:
        raise Http404
    return unit


@require_http_methods(["GET", "POST"])
@never_cache
@page_for("units")
def resident_unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _resident_unit(request, pk)
    district = unit.district
    if request.method == "POST":
        try:
            unit = actions.update_resident_unit(
                _user(request),
                unit,
                area=_area(request, district),
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                address=request.POST.get("address", ""),
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The resident unit %(name)s is saved.") % {"name": unit.name})
            return redirect(_page_url(district, q=unit.name))
    context = {"unit": unit, "district": district, "places": _places(district)}
    return render(request, "web/manage/organisation/resident_unit.html", context)


@require_POST
@page_for("units")
def resident_unit_close(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _resident_unit(request, pk)
    try:
        actions.close_resident_unit(_user(request), unit)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The resident unit %(name)s is closed.") % {"name": unit.name})
    return redirect(_page_url(unit.district, q=request.POST.get("q", "")))


urlpatterns = [
    path("organisation/", organisation, name="manage_organisation"),
    path("organisation/level-names/", level_name_set, name="org_level_name_set"),
    path("organisation/resident-units/new/", resident_unit_create, name="org_resident_unit_create"),
    path("organisation/resident-units/<int:pk>/", resident_unit_edit, name="org_resident_unit_edit"),
    path("organisation/resident-units/<int:pk>/close/", resident_unit_close, name="org_resident_unit_close"),
]
