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
    """Point → area lookup over non-overlapping polygons through a Shapely STRtree.

    `locate_many` answers a whole array of points in one vectorised STRtree query; `locate`
    is the single-point convenience. Points on a shared edge go to the lowest key.
    """

    def __init__(self, areas: Sequence[IndexedArea]) -> None:
        self.keys = np.array([area.key for area in areas], dtype=np.int64)
        self.geometries = np.array([area.geometry for area in areas], dtype=object)
        for geometry in self.geometries:
            shapely.prepare(geometry)
        self.tree = shapely.STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.keys)

    def locate_many(self, lngs: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Keys of the areas containing each point; -1 where a point is in none."""
        points = shapely.points(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float))
        point_idx, area_idx = self.tree.query(points, predicate="intersects")
        result = np.full(len(points), -1, dtype=np.int64)
        # Write in reverse key order so that, on a shared edge, the lowest key wins.
        order = np.argsort(-self.keys[area_idx], kind="stable")
        result[point_idx[order]] = self.keys[area_idx[order]]
        return result

    def locate(self, lng: float, lat: float) -> int | None:
        key = int(self.locate_many(np.array([lng]), np.array([lat]))[0])
        return None if key < 0 else key
