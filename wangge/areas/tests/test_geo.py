"""Coordinate conversion, GeoJSON validation and the point index."""

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from wangge.lib.errors import DomainError
from wangge.lib.geo import (
    IndexedArea,
    PointIndex,
    area_m2,
    distance_m,
    from_wgs84,
    polygon_from_geojson,
    to_wgs84,
)

china_lng = st.floats(min_value=73.5, max_value=134.5)
china_lat = st.floats(min_value=18.2, max_value=53.5)


@settings(max_examples=300, deadline=None)
@given(lng=china_lng, lat=china_lat, crs=st.sampled_from(["gcj02", "bd09"]))
def test_conversion_round_trip_within_one_metre(lng, lat, crs):
    back = to_wgs84(*from_wgs84(lng, lat, crs), crs)
    assert distance_m((lng, lat), back) < 1.0


def test_gcj02_offset_is_real_and_of_known_size():
    # Tiananmen (WGS-84); the GCJ-02 shift in Beijing is a few hundred metres.
    wgs = (116.391275, 39.907500)
    gcj = from_wgs84(*wgs, "gcj02")
    assert 100 < distance_m(wgs, gcj) < 800
    bd = from_wgs84(*wgs, "bd09")
    assert distance_m(gcj, bd) > 100


def test_unknown_crs_is_a_domain_error():
    with pytest.raises(DomainError) as error:
        to_wgs84(117, 36, "epsg3857")
    assert error.value.code == "bad_crs"


def test_area_in_square_metres_of_a_known_square():
    # 0.01° × 0.01° at 36.6°N: ≈ 1109 m × 893 m.
    size = area_m2(box(117.0, 36.6, 117.01, 36.61))
    assert 985_000 < size < 995_000


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("not a dict", "bad_geometry_type"),
        ({"type": "Point", "coordinates": [117, 36]}, "bad_geometry_type"),
        ({"type": "Polygon", "coordinates": "x"}, "malformed_geometry"),
        ({"type": "Polygon", "coordinates": [[[117, 36], [117.1, 36]]]}, "malformed_geometry"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "invalid_geometry"),
        ({"type": "Polygon", "coordinates": [[[190, 0], [191, 0], [191, 1], [190, 0]]]}, "coordinates_out_of_range"),
    ],
)
def test_bad_geojson_gets_a_stable_code(data, code):
    with pytest.raises(DomainError) as error:
        polygon_from_geojson(data)
    assert error.value.code == code
    assert error.value.message


def _voronoi_grids(count: int, seed: int):
    rng = np.random.default_rng(seed)
    frame = box(117.0, 36.6, 117.1, 36.7)
    seeds = shapely.multipoints(rng.uniform([117.0, 36.6], [117.1, 36.7], size=(count, 2)))
    cells = [cell.intersection(frame) for cell in shapely.voronoi_polygons(seeds, extend_to=frame).geoms]
    return frame, cells


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_point_index_agrees_with_brute_force(seed):
    frame, cells = _voronoi_grids(40, seed)
    index = PointIndex([IndexedArea(key=i + 100, geometry=c) for i, c in enumerate(cells)])
    rng = np.random.default_rng(seed + 1)
    # Points inside and outside the frame.
    lngs = rng.uniform(116.98, 117.12, 400)
    lats = rng.uniform(36.58, 36.72, 400)
    found = index.locate_many(lngs, lats)
    for lng, lat, key in zip(lngs, lats, found, strict=True):
        containing = [i + 100 for i, c in enumerate(cells) if c.intersects(Point(lng, lat))]
        assert key == (min(containing) if containing else -1)


def test_point_on_shared_edge_goes_to_lowest_key():
    index = PointIndex([IndexedArea(7, box(1, 0, 2, 1)), IndexedArea(3, box(0, 0, 1, 1))])
    assert index.locate(1.0, 0.5) == 3
    assert index.locate(5.0, 5.0) is None
