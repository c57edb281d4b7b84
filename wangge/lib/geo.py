"""Coordinates and polygons: WGS-84 / GCJ-02 / BD-09 conversion, GeoJSON validation, areas
in square metres, and a point index over grid polygons.

Everything stored is WGS-84 (longitude, latitude). Chinese tile services and phone SDKs use
GCJ-02 or BD-09; convert at the edge with `to_wgs84` / `from_wgs84`, never mix.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from wangge.lib.errors import DomainError

CRS_CHOICES = ("wgs84", "gcj02", "bd09")

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def _outside_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if _outside_china(lng, lat):
        return lng, lat
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """Inverse of `wgs84_to_gcj02` by fixed-point iteration (error well under a centimetre)."""
    if _outside_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _step in range(30):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        dlng, dlat = glng - lng, glat - lat
        wlng, wlat = wlng - dlng, wlat - dlat
        if abs(dlng) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlng, wlat


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def to_wgs84(lng: float, lat: float, crs: str = "wgs84") -> tuple[float, float]:
    if crs == "wgs84":
        return lng, lat
    if crs == "gcj02":
        return gcj02_to_wgs84(lng, lat)
    if crs == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))
    raise DomainError("bad_crs", _("Unknown coordinate system; use wgs84, gcj02 or bd09."))


def from_wgs84(lng: float, lat: float, crs: str = "wgs84") -> tuple[float, float]:
    if crs == "wgs84":
        return lng, lat
    if crs == "gcj02":
        return wgs84_to_gcj02(lng, lat)
    if crs == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))
    raise DomainError("bad_crs", _("Unknown coordinate system; use wgs84, gcj02 or bd09."))


def check_coordinates(lng: float, lat: float) -> None:
    if not (math.isfinite(lng) and math.isfinite(lat)) or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise DomainError(
            "coordinates_out_of_range",
            _("Coordinates are out of range: longitude must be within ±180 and latitude within ±90."),
        )


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lng, lat) points."""
    lng1, lat1, lng2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def area_m2(geometry: BaseGeometry) -> float:
    """Area in square metres, projecting around the geometry's own latitude (district-sized shapes)."""
    if geometry.is_empty:
        return 0.0
    lat0 = math.radians(geometry.centroid.y)
    m_per_deg_lat = 111132.954 - 559.822 * math.cos(2 * lat0) + 1.175 * math.cos(4 * lat0)
    m_per_deg_lng = 111412.84 * math.cos(lat0) - 93.5 * math.cos(3 * lat0)
    return float(geometry.area) * m_per_deg_lat * m_per_deg_lng


def polygon_from_geojson(data: object) -> BaseGeometry:
    """A valid Polygon or MultiPolygon from a GeoJSON geometry, or a DomainError saying why not."""
    if not isinstance(data, dict) or data.get("type") not in {"Polygon", "MultiPolygon"}:
        raise DomainError("bad_geometry_type", _("A grid boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geometry = shape(data)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.GEOSException):
        raise DomainError("malformed_geometry", _("The boundary is not well-formed GeoJSON.")) from None
    if geometry.is_empty:
        raise DomainError("empty_geometry", _("The boundary is empty."))
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DomainError(
            "coordinates_out_of_range",
            _("Coordinates are out of range: longitude must be within ±180 and latitude within ±90."),
        )
    if not geometry.is_valid:
        raise DomainError(
            "invalid_geometry",
            _("The boundary is not a valid polygon (%(reason)s).") % {"reason": explain_validity(geometry)},
        )
    return geometry


@dataclass(frozen=True)
class IndexedArea:
    key: int
    geometry: BaseGeometry


class PointIndex:
    """Point → area lookup over (non-overlapping) polygons. Points on a shared edge go to the
    lowest key; points in no area get -1 (`locate_many`) or None (`locate`).

    A Shapely STRtree finds which polygons touch each cell of a regular raster laid over the
    polygons' bounds (about `cells_per_area` cells per polygon). A cell lying strictly inside
    one polygon answers its points at once, with no geometry test; only points in cells
    crossed by an edge are tested, against that cell's few candidates (prepared polygons,
    `intersects_xy`, no point objects built). See docs/performance.md for the figures.
    """

    MAX_CELLS = 1 << 17

    def __init__(self, areas: Sequence[IndexedArea], *, cells_per_area: int = 16) -> None:
        self.keys = np.array([area.key for area in areas], dtype=np.int64)
        self.geometries = np.array([area.geometry for area in areas], dtype=object)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        self._build_raster(cells_per_area)

    def _build_raster(self, cells_per_area: int) -> None:
        count = len(self.keys)
        if count == 0:
            self._bounds = (math.inf, math.inf, -math.inf, -math.inf)
            self._shape, self._step = (1, 1), (1.0, 1.0)
            self._owner = np.full(1, -1, dtype=np.int64)
            self._start = np.zeros(2, dtype=np.int64)
            self._candidates = np.zeros(0, dtype=np.int64)
            return
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(self.geometries))
        width, height = max(maxx - minx, 1e-12), max(maxy - miny, 1e-12)
        target = max(1, min(cells_per_area * count, self.MAX_CELLS))
        nx = max(1, round(math.sqrt(target * width / height)))
        ny = max(1, math.ceil(target / nx))
        dx, dy = width / nx, height / ny
        self._bounds, self._shape, self._step = (minx, miny, maxx, maxy), (nx, ny), (dx, dy)
        ix, iy = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny)))  # cell id = iy * nx + ix
        # Boxes a hair larger than the cells, so that rounding in the point → cell arithmetic
        # never puts a point in a cell whose box does not hold it.
        ex, ey = dx * 1e-6, dy * 1e-6
        boxes = shapely.box(
            minx + ix * dx - ex, miny + iy * dy - ey, minx + (ix + 1) * dx + ex, miny + (iy + 1) * dy + ey
        )
        cell_idx, area_idx = self.tree.query(boxes, predicate="intersects")
        cells = nx * ny
        alone = np.bincount(cell_idx, minlength=cells)[cell_idx] == 1
        inside = np.zeros(len(cell_idx), dtype=bool)
        inside[alone] = shapely.contains_properly(self.geometries[area_idx[alone]], boxes[cell_idx[alone]])
        self._owner = np.full(cells, -1, dtype=np.int64)  # the one area holding the whole cell
        self._owner[cell_idx[inside]] = area_idx[inside]
        cell_idx, area_idx = cell_idx[~inside], area_idx[~inside]
        order = np.lexsort((self.keys[area_idx], cell_idx))  # by cell, then by key
        self._start = np.searchsorted(cell_idx[order], np.arange(cells + 1))
        self._candidates = area_idx[order]

    def __len__(self) -> int:
        return len(self.keys)

    def locate_many(self, lngs: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Keys of the areas containing each point; -1 where a point is in none."""
        x = np.asarray(lngs, dtype=float)
        y = np.asarray(lats, dtype=float)
        result = np.full(x.shape, -1, dtype=np.int64)
        minx, miny, maxx, maxy = self._bounds
        (nx, ny), (dx, dy) = self._shape, self._step
        points = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        px, py = x[points], y[points]
        cell = np.minimum(((py - miny) / dy).astype(np.int64), ny - 1) * nx + np.minimum(
            ((px - minx) / dx).astype(np.int64), nx - 1
        )
        owner = self._owner[cell]
        owned = owner >= 0
        result[points[owned]] = self.keys[owner[owned]]
        points, cell = points[~owned], cell[~owned]
        # Every (point, candidate area) pair of the remaining points, candidates in key order.
        counts = self._start[cell + 1] - self._start[cell]
        pair_point = np.repeat(points, counts)
        offset = np.arange(len(pair_point)) - np.repeat(np.cumsum(counts) - counts, counts)
        pair_area = self._candidates[np.repeat(self._start[cell], counts) + offset]
        hit = shapely.intersects_xy(self.geometries[pair_area], x[pair_point], y[pair_point])
        pair_point, pair_area = pair_point[hit], pair_area[hit]
        # A point's first hit is its lowest key (on a shared edge, the lowest key wins).
        first = np.ones(len(pair_point), dtype=bool)
        first[1:] = pair_point[1:] != pair_point[:-1]
        result[pair_point[first]] = self.keys[pair_area[first]]
        return result

    def locate(self, lng: float, lat: float) -> int | None:
        minx, miny, maxx, maxy = self._bounds
        if not (minx <= lng <= maxx and miny <= lat <= maxy):
            return None
        (nx, ny), (dx, dy) = self._shape, self._step
        cell = min(int((lat - miny) / dy), ny - 1) * nx + min(int((lng - minx) / dx), nx - 1)
        owner = int(self._owner[cell])
        if owner >= 0:
            return int(self.keys[owner])
        for area in self._candidates[self._start[cell] : self._start[cell + 1]].tolist():
            if shapely.intersects_xy(self.geometries[area], lng, lat):
                return int(self.keys[area])
        return None
