"""REST endpoints for organisation units and the coverage report.

Units are read within the caller's scope (`wangge.orgs.queries.visible_units`); the coverage
report counts only the nodes the caller may see (`wangge.orgs.coverage.coverage_report`).
A unit or area outside the scope answers 404 `not_found`, like one that does not exist.
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wangge.accounts.models import User
from wangge.api.api import register_router
from wangge.api.errors import ApiError, answers
from wangge.api.schemas import MAX_OFFSET, Pagination, errors
from wangge.areas.models import AreaNode, Level
from wangge.areas.queries import visible_areas
from wangge.orgs.coverage import GapKind, coverage_report
from wangge.orgs.models import OrgUnit, UnitKind
from wangge.orgs.queries import kind_labels, visible_units

router = Router(tags=["orgs"])
coverage_router = Router(tags=["coverage"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _kind_label(request: HttpRequest | None, district_id: int, kind: str) -> str:
    """The district's name for a kind of unit, loaded once per district and request."""
    cache: dict[int, dict[str, str]] = getattr(request, "_wangge_kind_labels", None) or {}
    if district_id not in cache:
        cache[district_id] = kind_labels(district_id)
        if request is not None:
            request._wangge_kind_labels = cache  # type: ignore[attr-defined]
    return cache[district_id].get(kind, kind)


# --- units ---------------------------------------------------------------------------------


class AreaRef(Schema):
    id: int
    level: Level
    code: str
    name: str


class UnitOut(Schema):
    id: int
    kind: UnitKind
    kind_label: str = Field(..., description="The district's own name for this kind of unit, or the default one.")
    name: str
    district_id: int
    area: AreaRef = Field(..., description="The area node the unit is laid on or attached to.")
    parent_id: int | None
    community_id: int | None
    grid_id: int | None
    sector: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    is_open: bool

    @staticmethod
    def resolve_kind_label(obj: OrgUnit, context: dict[str, Any]) -> str:
        return _kind_label(context.get("request") if context else None, obj.district_id, obj.kind)

    @staticmethod
    def resolve_is_open(obj: OrgUnit) -> bool:
        return obj.closes_on is None or obj.closes_on >= timezone.localdate()


class UnitFilter(Schema):
    kind: UnitKind | None = Field(None, description="Only units of this kind.")
    area: int | None = Field(None, description="Only units laid on or attached to this area node or any node under it.")


def _under(units: QuerySet[OrgUnit], node: AreaNode) -> QuerySet[OrgUnit]:
    if node.level in (Level.DISTRICT, Level.COMMUNITY, Level.GRID):
        return units.filter(**{f"{node.level}_id": node.pk})
    if node.level in (Level.BUILDING_GROUP, Level.BUILDING):
        return units.filter(**{f"area__{node.level}_id": node.pk})
    return units.filter(area_id=node.pk)


@router.get("/units", response={200: list[UnitOut], **errors()}, summary="List organisation units in your scope")
@paginate(Pagination)
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    """Units in the caller's scope. An `area` outside the scope gives an empty list, like an unknown one."""
    user = _user(request)
    units = visible_units(user).select_related("area")
    if filters.kind is not None:
        units = units.filter(kind=filters.kind)
    if filters.area is not None:
        node = visible_areas(user).filter(pk=filters.area).only("pk", "level").first()
        units = _under(units, node) if node is not None else units.none()
    return units.order_by("district_id", "kind", "name", "pk")


@router.get("/units/{int:unit_id}", response={200: UnitOut, **errors(404)}, summary="Read one organisation unit")
@answers(ApiError.NOT_FOUND)
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    """One organisation unit."""
    return get_object_or_404(visible_units(_user(request)).select_related("area"), pk=unit_id)


# --- coverage ------------------------------------------------------------------------------

GapKindName = Literal[
    "grid_without_unit", "building_group_without_unit", "building_without_member", "household_without_member"
]


class GapCountOut(Schema):
    kind: GapKindName
    label: str
    count: int


class CoverageLineOut(Schema):
    id: int
    level: Level
    code: str
    name: str
    community_name: str
    counts: dict[str, int] = Field(..., description="Gaps under this node, by kind.")
    total: int


class NamedRef(Schema):
    id: int
    name: str


class GapOut(Schema):
    kind: GapKindName
    kind_label: str
    area_id: int
    code: str
    name: str
    community: NamedRef | None
    grid: NamedRef | None


class CoverageOut(Schema):
    area_id: int | None = Field(..., description="The node the report is narrowed to; null for the whole scope.")
    total: int = Field(..., description="All gaps in the report.")
    totals: list[GapCountOut]
    communities: list[CoverageLineOut]
    grids: list[CoverageLineOut]
    gap_count: int = Field(..., description="Gaps matching `kind` (all of them without it).")
    gaps: list[GapOut] = Field(..., description="The gaps by name, `limit` of them from `offset`.")


class CoverageFilter(Schema):
    area: int | None = Field(None, description="Narrow the report to this node's subtree.")
    kind: GapKindName | None = Field(None, description="List only gaps of this kind (totals are unaffected).")
    limit: int = Field(1000, ge=1, le=10000, description="Gaps listed at most.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Gaps skipped.")


def _line(line: Any) -> dict[str, Any]:
    return {
        "id": line.area_id,
        "level": line.level,
        "code": line.code,
        "name": line.name,
        "community_name": line.community_name,
        "counts": line.counts,
        "total": line.total,
    }


@coverage_router.get("", response={200: CoverageOut, **errors(404)}, summary="Coverage report: the gaps by name")
@answers(ApiError.NOT_FOUND)
def coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> Any:
    """Grids without their grid general branch, building groups without their branch, buildings
    and households without a responsible member — counted in total, per community and per grid,
    and listed by name. Only the caller's scope is counted; an `area` unknown or outside it is
    not found.
    """
    user = _user(request)
    within = None
    if filters.area is not None:
        within = visible_areas(user).filter(pk=filters.area).first()
        if within is None:
            raise Http404
    report = coverage_report(user, within)
    gaps = [g for g in report.gaps if filters.kind is None or g.kind == filters.kind]
    return {
        "area_id": within.pk if within else None,
        "total": report.total,
        "totals": [
            {"kind": kind, "label": str(GapKind.LABELS[kind]), "count": report.totals[kind]} for kind in GapKind.ALL
        ],
        "communities": [_line(line) for line in report.communities],
        "grids": [_line(line) for line in report.grids],
        "gap_count": len(gaps),
        "gaps": [
            {
                "kind": g.kind,
                "kind_label": g.kind_label,
                "area_id": g.area_id,
                "code": g.code,
                "name": g.name,
                "community": {"id": g.community_id, "name": g.community_name} if g.community_id else None,
                "grid": {"id": g.grid_id, "name": g.grid_name} if g.grid_id else None,
            }
            for g in gaps[filters.offset : filters.offset + filters.limit]
        ],
    }


register_router("/orgs", router)
register_router("/coverage", coverage_router)
