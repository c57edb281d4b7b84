"""The district's routing rules (/manage/routing/): the rules in the order they are tried (area,
category or every category, unit), a rule added, edited, deleted or moved up and down; and the
tester "where would this go?": a category and a place (a building found by name, or a point on
the map) give the rule that wins and, rule by rule, why (`cases.queries.explain_route`).

Thin: every change is an action of `wangge.cases.actions.routing`; a rule of a district the user
does not administer does not exist (404).
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.cases import actions
from wangge.cases.actions.routing import next_priority
from wangge.cases.models import Category, HandlingUnit, RoutingRule
from wangge.cases.queries import RouteExplanation, explain_route, place_at_point, place_of_node, routing_rules
from wangge.lib.errors import DomainError
from wangge.lib.geo import CRS_CHOICES
from wangge.web.cases import PICK_BUILDINGS_MIN_ZOOM, _bounds, _building_label
from wangge.web.manage.catalogue import administered_districts
from wangge.web.views import map_config, page_for

PAGE = "manage_routing"
# The areas a rule may name on this page: the district, its communities and grids.
AREA_LEVELS = [Level.DISTRICT, Level.COMMUNITY, Level.GRID]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _district(request: HttpRequest, chosen: Any) -> AreaNode:
    """The district the page is about: the one chosen (404 unless the user administers it), else
    the first the user administers."""
    districts = list(administered_districts(_user(request)))
    if not districts:
        raise Http404
    if not chosen:
        return districts[0]
    district = next((d for d in districts if str(d.pk) == str(chosen)), None)
    if district is None:
        raise Http404
    return district


def _rule(request: HttpRequest, pk: int) -> RoutingRule:
    districts = administered_districts(_user(request))
    rule = RoutingRule.objects.filter(pk=pk, district__in=districts).select_related("category", "area", "unit").first()
    if rule is None:
        raise Http404
    return rule


def _choices(district: AreaNode) -> dict[str, Any]:
    """What the rule forms offer: the district's groups and categories, areas and units (three queries)."""
    return {
        "categories": list(
            Category.objects.filter(district=district).select_related("parent").order_by("parent_id", "order", "code")
        ),
        "areas": list(AreaNode.objects.filter(district=district, level__in=AREA_LEVELS).order_by("code")),
        "units": list(HandlingUnit.objects.filter(district=district).order_by("kind", "name")),
    }


def _parts(request: HttpRequest, district: AreaNode) -> dict[str, Any]:
    """The rule the form describes, its objects looked up in the district (unknown ids: none)."""
    post = request.POST
    category = Category.objects.filter(district=district, pk=post.get("category") or 0).first()
    area = AreaNode.objects.filter(district=district, level__in=AREA_LEVELS, pk=post.get("area") or 0).first()
    unit = HandlingUnit.objects.filter(district=district, pk=post.get("unit") or 0).first()
    return {"category": category, "area": area, "unit": unit, "priority": post.get("priority") or None}


def _refused(request: HttpRequest, error: DomainError) -> None:
    if error.status == 404:
        raise Http404
    messages.error(request, error.message, extra_tags=error.code)


def _back(district: AreaNode, rule: RoutingRule | None = None) -> HttpResponse:
    anchor = f"#rule-{rule.pk}" if rule is not None else ""
    return redirect(f"{reverse('manage_routing')}?district={district.pk}{anchor}")


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _tested(request: HttpRequest, district: AreaNode, categories: list[Category]) -> dict[str, Any]:
    """The tester's answer for the category and place asked (`?category=&building=` or
    `&lng=&lat=&crs=`): the explanation, or the error that stopped it; nothing when not asked."""
    get = request.GET
    if "category" not in get:
        return {}
    category = next((c for c in categories if str(c.pk) == get.get("category") and c.parent_id), None)
    result: dict[str, Any] = {"asked": True, "category": category}
    building = (
        AreaNode.objects.filter(district=district, level=Level.BUILDING, pk=get.get("building") or 0)
        .select_related("grid")
        .first()
    )
    lng, lat = _float(get.get("lng")), _float(get.get("lat"))
    crs = str(get.get("crs")) if get.get("crs") in CRS_CHOICES else settings.MAP_TILE_CRS
    try:
        if category is None:
            raise DomainError("unknown_category", _("Choose the category to test."))
        if building is not None:
            place, result["place_label"] = place_of_node(building), _building_label(building)
        elif lng is not None and lat is not None:
            place, grid = place_at_point(lng, lat, crs)
            if grid.district_id != district.pk:
                raise DomainError("outside_district", _("This place lies outside the district."))
            result["place_label"] = _("A point in %(grid)s") % {"grid": grid.name}
        else:
            raise DomainError("location_required", _("Choose a building, or tap the map to mark a place."))
    except DomainError as error:
        result["error"] = error
        return result
    explanation: RouteExplanation = explain_route(district.pk, category, place)
    result["explanation"] = explanation
    result["values"] = {
        "building": building.pk if building else "",
        "lng": get.get("lng", ""),
        "lat": get.get("lat", ""),
    }
    return result


@require_GET
@never_cache
@page_for(PAGE)
def routing_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    district = _district(request, request.GET.get("district"))
    choices = _choices(district)
    context: dict[str, Any] = {
        "district": district,
        "districts": list(administered_districts(user)),
        "rules": list(routing_rules(district.pk)),
        "next_priority": next_priority(district.pk),
        **choices,
        "test": _tested(request, district, choices["categories"]),
        "map_config": map_config(
            request,
            bounds=_bounds(user),
            grids_url=f"{reverse('map_grids')}?pick=1",
            buildings_url=f"{reverse('map_buildings')}?pick=1",
            buildings_min_zoom=PICK_BUILDINGS_MIN_ZOOM,
        ),
        "crs": settings.MAP_TILE_CRS,
    }
    return render(request, "web/manage/routing/list.html", context)


@require_POST
@page_for(PAGE)
def rule_add(request: HttpRequest) -> HttpResponse:
    district = _district(request, request.POST.get("district"))
    try:
        rule = actions.add_rule(_user(request), district=district, **_parts(request, district))
    except DomainError as error:
        _refused(request, error)
        return _back(district)
    messages.success(request, _("Rule added with priority %(priority)d.") % {"priority": rule.priority})
    return _back(district, rule)


@require_http_methods(["GET", "POST"])
@never_cache
@page_for(PAGE)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule(request, pk)
    district = rule.district
    if request.method == "POST":
        try:
            actions.update_rule(_user(request), rule, **_parts(request, district))
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Rule saved."))
            return _back(district, rule)
    return render(request, "web/manage/routing/edit.html", {"rule": rule, "district": district, **_choices(district)})


@require_POST
@page_for(PAGE)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule(request, pk)
    try:
        actions.delete_rule(_user(request), rule)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Rule deleted. Cases it routed keep their unit."))
    return _back(rule.district)


@require_POST
@page_for(PAGE)
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule(request, pk)
    try:
        actions.move_rule(_user(request), rule, up=request.POST.get("direction") == "up")
    except DomainError as error:
        _refused(request, error)
    return _back(rule.district, rule)


urlpatterns = [
    path("routing/", routing_list, name="manage_routing"),
    path("routing/new/", rule_add, name="manage_routing_add"),
    path("routing/<int:pk>/", rule_edit, name="manage_routing_edit"),
    path("routing/<int:pk>/delete/", rule_delete, name="manage_routing_delete"),
    path("routing/<int:pk>/move/", rule_move, name="manage_routing_move"),
]
