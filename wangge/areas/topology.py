"""Whether a district's grids tile it: overlaps between grids and gaps (holes no grid covers)
inside their union, each with its area in m² and a point inside it. Used by the grid import
(the layout as it would be after the file) and by the go-live checklist (the current layout)."""

from dataclasses import dataclass

import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely import unary_union
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from wangge.lib.geo import area_m2


@dataclass
class ImportProblem:
    code: str
    message: str
    feature: str = ""
    area_m2: float | None = None
    at: tuple[float, float] | None = None


def check_topology(layout: dict[str, BaseGeometry]) -> tuple[list[ImportProblem], list[ImportProblem]]:
    """(overlaps, gaps) of the grids in `layout` (grid code → polygon), larger than
    `GRID_TOPOLOGY_TOLERANCE_M2`."""
    overlaps: list[ImportProblem] = []
    gaps: list[ImportProblem] = []
    tolerance = settings.GRID_TOPOLOGY_TOLERANCE_M2
    codes = sorted(layout)
    geometries = [layout[c] for c in codes]
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        overlap = geometries[i].intersection(geometries[j])
        size = area_m2(overlap)
        if size > tolerance:
            point = overlap.representative_point()
            overlaps.append(
                ImportProblem(
                    "grids_overlap",
                    _("Grids %(a)s and %(b)s overlap by %(area).1f m².") % {"a": codes[i], "b": codes[j], "area": size},
                    f"{codes[i]} / {codes[j]}",
                    round(size, 1),
                    (round(point.x, 6), round(point.y, 6)),
                )
            )
    union = unary_union(geometries) if geometries else None
    if union is None or union.is_empty:
        return overlaps, gaps
    for polygon in getattr(union, "geoms", [union]):
        for ring in polygon.interiors:
            hole = Polygon(ring)
            size = area_m2(hole)
            if size > tolerance:
                point = hole.representative_point()
                gaps.append(
                    ImportProblem(
                        "gap_between_grids",
                        _("A gap of %(area).1f m² inside the district belongs to no grid.") % {"area": size},
                        "",
                        round(size, 1),
                        (round(point.x, 6), round(point.y, 6)),
                    )
                )
    return overlaps, gaps
