"""REST endpoints for the area tree: list, read, locate a point.

Everything answers within the caller's scope (`wangge.areas.queries.visible_areas`): a node
outside it is absent from lists and answers 404 `not_found`, exactly like a node that does not
exist.
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import Count
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import LATITUDE, LONGITUDE, Id, Pagination, errors
from wangge.areas.locate import locate_grid
from wangge.areas.models import LEVELS, AreaNode, GridBoundary, Level, child_level
from wangge.areas.queries import subtree, visible_areas
from wangge.lib.geo import to_wgs84

router = Router(tags=["areas"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class AreaOut(Schema):
    id: int
    level: Level
    level_label: str
    name: str
    code: str
    parent_id: int | None
    district_id: int | None
    community_id: int | None
    grid_id: int | None
    lng: float | None = Field(None, description="WGS-84 longitude, where the node has a point.")
    lat: float | None = Field(None, description="WGS-84 latitude, where the node has a point.")

    @staticmethod
    def resolve_level_label(obj: AreaNode) -> str:
        return str(obj.get_level_display())


class BoundaryOut(Schema):
    generation: int
    valid_from: dt.datetime
    area_m2: float
    geometry: dict[str, Any] = Field(..., description="GeoJSON Polygon or MultiPolygon, WGS-84.")


class AreaDetailOut(AreaOut):
    address: str
    children_count: int = Field(..., description="Nodes directly under this one.")
    descendants: dict[str, int] = Field(..., description="Nodes under this one, counted by level.")
    boundary: BoundaryOut | None = Field(None, description="The current boundary of a grid; null for other levels.")


class AreaFilter(Schema):
    level: Level | None = Field(None, description="Only nodes of this level.")
    parent: Id | None = Field(None, description="Only the children of this node.")


class NodeRef(Schema):
    id: int
    code: str
    name: str


class LocateOut(Schema):
    grid: NodeRef
    community: NodeRef | None
    district_id: int | None
    lng: float = Field(..., description="The point converted to WGS-84.")
    lat: float = Field(..., description="The point converted to WGS-84.")


@router.get("", response={200: list[AreaOut], **errors()}, summary="List area nodes in your scope")
@paginate(Pagination)
def list_areas(request: HttpRequest, filters: Query[AreaFilter]) -> Any:
    """The nodes of the area tree in your scope, by code. A `parent` outside your scope gives an
    empty list; an unknown level is invalid input."""
    nodes = visible_areas(_user(request))
    if filters.level is not None:
        nodes = nodes.filter(level=filters.level)
    if filters.parent is not None:
        nodes = nodes.filter(parent_id=filters.parent)
    return nodes.order_by("code", "pk")


class PointIn(Schema):
    # The ranges are checked by `locate_grid` (400 `coordinates_out_of_range`); declared for clients.
    lng: float = Field(..., description="Longitude in the given coordinate system.", json_schema_extra=LONGITUDE)
    lat: float = Field(..., description="Latitude in the given coordinate system.", json_schema_extra=LATITUDE)
    crs: Literal["wgs84", "gcj02", "bd09"] = Field("wgs84", description="Coordinate system of the point.")


@router.get("/locate", response={200: LocateOut, **errors(400, 404)}, summary="Find the grid that contains a point")
@answers(ApiError.COORDINATES_OUT_OF_RANGE, ApiError.OUTSIDE_EVERY_GRID, ApiError.NOT_FOUND)
def locate(request: HttpRequest, point: Query[PointIn]) -> Any:
    """The grid containing a point, and its community. A coordinate system other than wgs84,
    gcj02 or bd09 is invalid input.

    Scope: a grid outside the caller's scope answers 404 `not_found`, the same answer as for
    any node the caller may not see, so the endpoint never names a grid (or its community)
    the caller could not read through `GET /areas/{id}`. The only thing the two 404 codes
    tell apart is whether some grid covers the point at all, which a grid map shows anyway
    and which a field worker reporting from the edge of the district needs to know.
    """
    grid = locate_grid(point.lng, point.lat, point.crs)
    if not visible_areas(_user(request)).filter(pk=grid.pk).exists():
        raise Http404
    wgs_lng, wgs_lat = to_wgs84(point.lng, point.lat, point.crs)
    return {
        "grid": grid,
        "community": grid.community,
        "district_id": grid.district_id,
        "lng": wgs_lng,
        "lat": wgs_lat,
    }


@router.get("/{int:area_id}", response={200: AreaDetailOut, **errors(404)}, summary="Read one area node")
@answers(ApiError.NOT_FOUND)
def get_area(request: HttpRequest, area_id: int) -> Any:
    """One node with the number of nodes under it; a grid also carries its current boundary."""
    node = get_object_or_404(visible_areas(_user(request)), pk=area_id)
    descendants: dict[str, int] = {}
    if node.level != Level.HOUSEHOLD:
        counts = dict(
            subtree(node)
            .exclude(pk=node.pk)
            .order_by()
            .values_list("level")
            .annotate(n=Count("id"))
            .values_list("level", "n")
        )
        descendants = {level: counts[level] for level in LEVELS if level in counts}
    child = child_level(node.level)
    boundary = None
    if node.level == Level.GRID:
        boundary = GridBoundary.objects.filter(grid=node, valid_to__isnull=True).first()
    node.descendants = descendants  # type: ignore[attr-defined]
    node.children_count = descendants.get(child, 0) if child else 0  # type: ignore[attr-defined]
    node.boundary = boundary  # type: ignore[attr-defined]
    return node


register_router("/areas", router)
