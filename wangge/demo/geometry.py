"""The reference district's geometry, without a database: its outline, 38 communities and 181
grid polygons that tile the outline exactly.

`district_layout(seed)` is a pure function (same seed → identical polygons), shared by the
demo generator and by `bench/point_lookup.py`. Grids are the cells of ONE Voronoi diagram of
181 seeds clipped to the (convex) outline, so neighbouring grids share identical vertices;
every coordinate is rounded to 7 decimals (about 1 cm) the same way everywhere.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

# A city district of about 10 × 8 km around a real-looking urban location (WGS-84).
CENTRE = (117.06, 36.66)
HALF_SIZE = (0.058, 0.039)
COMMUNITIES = 38
# 29 communities with 5 grids and 9 with 4: 181 grids.
FIVE_GRID_COMMUNITIES = 29
GRIDS = FIVE_GRID_COMMUNITIES * 5 + (COMMUNITIES - FIVE_GRID_COMMUNITIES) * 4
DECIMALS = 7
_GRID_SIZE = 10.0**-DECIMALS


@dataclass(frozen=True)
class GridLayout:
    community: int  # index into DistrictLayout.communities
    number: int  # 1-based within its community, north-west first
    polygon: Polygon


@dataclass(frozen=True)
class DistrictLayout:
    seed: int
    outline: Polygon
    communities: list[Polygon]  # the community cells used to place grid seeds (not stored)
    grids: list[GridLayout]  # ordered by community, then number

    def grids_of(self, community: int) -> list[GridLayout]:
        return [g for g in self.grids if g.community == community]


def round_geometry(geometry: BaseGeometry) -> BaseGeometry:
    """Snap to the 1e-7° grid, keeping the result valid; identical vertices round identically."""
    snapped = shapely.set_precision(geometry, _GRID_SIZE)
    return shapely.transform(snapped, lambda coords: np.round(coords, DECIMALS))


def voronoi_cells(points: np.ndarray, extent: Polygon) -> list[BaseGeometry]:
    """The Voronoi cell of each point (in input order), clipped to `extent`."""
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=extent, ordered=True)
    return [cell.intersection(extent) for cell in diagram.geoms]


def random_points_in(polygon: BaseGeometry, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` uniformly random points strictly inside `polygon` (rejection sampling)."""
    minx, miny, maxx, maxy = polygon.bounds
    found: list[np.ndarray] = []
    total = 0
    while total < count:
        xs = rng.uniform(minx, maxx, count * 4)
        ys = rng.uniform(miny, maxy, count * 4)
        inside = shapely.contains_xy(polygon, xs, ys)
        chunk = np.c_[xs[inside], ys[inside]]
        found.append(chunk)
        total += len(chunk)
    return np.concatenate(found)[:count]


def _lloyd(points: np.ndarray, extent: Polygon, iterations: int) -> np.ndarray:
    """Spread points evenly by moving each to the centroid of its clipped Voronoi cell."""
    for _step in range(iterations):
        cells = voronoi_cells(points, extent)
        points = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    return points


def _outline(rng: np.random.Generator) -> Polygon:
    angles = np.sort(rng.uniform(0, 2 * np.pi, 18))
    radius = rng.uniform(0.9, 1.0, 18)
    xs = CENTRE[0] + HALF_SIZE[0] * radius * np.cos(angles)
    ys = CENTRE[1] + HALF_SIZE[1] * radius * np.sin(angles)
    # Convex, so that clipping a (convex) Voronoi cell always leaves one polygon.
    hull = Polygon(np.c_[xs, ys]).convex_hull
    return round_geometry(hull)


def _north_west_first(points: np.ndarray, band: float) -> list[int]:
    """Reading order: rows of height `band` from north to south, west to east within a row."""
    return sorted(range(len(points)), key=lambda i: (-int((points[i][1] - 30) // band), points[i][0]))


def _try_layout(seed: int, rng: np.random.Generator) -> DistrictLayout | None:
    outline = _outline(rng)
    community_seeds = _lloyd(random_points_in(outline, COMMUNITIES, rng), outline, 6)
    order = _north_west_first(community_seeds, HALF_SIZE[1] * 2 / 6)
    community_seeds = community_seeds[order]
    community_cells = voronoi_cells(community_seeds, outline)
    # The nine smallest communities get four grids, the others five.
    by_size = sorted(range(COMMUNITIES), key=lambda i: community_cells[i].area)
    four = set(by_size[: COMMUNITIES - FIVE_GRID_COMMUNITIES])
    seeds: list[np.ndarray] = []
    owners: list[int] = []
    for index, cell in enumerate(community_cells):
        count = 4 if index in four else 5
        local = _lloyd(random_points_in(cell, count, rng), cell, 8)
        local = local[_north_west_first(local, 0.004)]
        seeds.append(local)
        owners.extend([index] * count)
    grid_seeds = np.concatenate(seeds)
    cells = [round_geometry(cell) for cell in voronoi_cells(grid_seeds, outline)]
    numbers: dict[int, int] = {}
    grids = []
    for owner, cell in zip(owners, cells, strict=True):
        if cell.geom_type != "Polygon" or not cell.is_valid or cell.is_empty:
            return None
        numbers[owner] = numbers.get(owner, 0) + 1
        grids.append(GridLayout(owner, numbers[owner], cell))
    # Each community's grids must form one connected territory.
    for index in range(COMMUNITIES):
        territory = shapely.union_all([g.polygon for g in grids if g.community == index])
        if territory.geom_type != "Polygon":
            return None
    return DistrictLayout(seed, outline, community_cells, grids)


def district_layout(seed: int = 2014) -> DistrictLayout:
    """The district outline, its communities and its 181 grid polygons for `seed`."""
    for attempt in range(100):
        layout = _try_layout(seed, np.random.default_rng([seed, attempt]))
        if layout is not None:
            return layout
    raise RuntimeError(f"No valid district layout for seed {seed}.")  # pragma: no cover


def topology_problems(polygons: list[BaseGeometry], outline: BaseGeometry, tolerance_deg2: float = 1e-10) -> list[str]:
    """Overlaps between polygons and holes in their union (pure Shapely; for the generator's own check)."""
    problems = []
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j and polygons[i].intersection(polygons[j]).area > tolerance_deg2:
            problems.append(f"overlap {i}/{j}")
    union = shapely.union_all(polygons)
    if union.geom_type != "Polygon" or any(Polygon(r).area > tolerance_deg2 for r in union.interiors):
        problems.append("gap")
    # Clipped vertices are rounded off the outline's edges by up to half a centimetre.
    if union.symmetric_difference(outline).area > outline.area * 1e-5:
        problems.append("does not cover the outline")
    return problems
