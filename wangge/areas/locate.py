"""Point → grid lookup for the whole deployment through an in-memory STRtree.

The index is built from the current grid boundaries and rebuilt when they change: a lookup
compares a cheap stamp (row count and latest update) with the one the index was built from,
read at most once a second, so a redraw in another process is seen within a second (in this
process at once). The grid rows a lookup answers are remembered as long as credentials are
(`wangge.lib.memo`).
"""

import threading

import numpy as np
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from wangge.areas.models import AreaNode, GridBoundary
from wangge.lib import memo
from wangge.lib.errors import DomainError
from wangge.lib.geo import IndexedArea, PointIndex, check_coordinates, polygon_from_geojson, to_wgs84

_lock = threading.Lock()
_state: dict[str, object] = {"stamp": None, "index": None}


_stamps: memo.Memo[tuple[object, ...]] = memo.Memo(ttl=1.0, size=1)
_grids: memo.Memo[AreaNode] = memo.Memo(size=100_000)
memo.forget_on_change(GridBoundary, AreaNode)


def invalidate() -> None:
    with _lock:
        _state["stamp"] = None
        _state["index"] = None
    _stamps.clear()


def _read_stamp() -> tuple[object, ...]:
    row = GridBoundary.objects.filter(valid_to__isnull=True).aggregate(
        n=Count("id"), last=Max("updated_at"), top=Max("id")
    )
    return (row["n"], row["last"], row["top"])


def _stamp() -> tuple[object, ...]:
    return _stamps.get(None, _read_stamp)  # type: ignore[return-value]  # never None


def grid_index() -> PointIndex:
    stamp = _stamp()
    with _lock:
        if _state["index"] is not None and _state["stamp"] == stamp:
            return _state["index"]  # type: ignore[return-value]
    boundaries = GridBoundary.objects.filter(valid_to__isnull=True).only("grid_id", "geometry")
    index = PointIndex([IndexedArea(b.grid_id, polygon_from_geojson(b.geometry)) for b in boundaries])
    with _lock:
        _state["stamp"], _state["index"] = stamp, index
    return index


def locate_grid(lng: float, lat: float, crs: str = "wgs84") -> AreaNode:
    """The grid containing the point (given in `crs`), or DomainError `outside_every_grid`."""
    check_coordinates(lng, lat)
    wgs_lng, wgs_lat = to_wgs84(lng, lat, crs)
    grid_id = grid_index().locate(wgs_lng, wgs_lat)
    if grid_id is None:
        raise DomainError("outside_every_grid", _("This point lies outside every grid of the platform."), status=404)
    return _grids.get(grid_id, lambda: AreaNode.objects.select_related("community").get(pk=grid_id))  # type: ignore[return-value]


def locate_many(lngs: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Grid ids for many WGS-84 points at once (-1 outside every grid)."""
    return grid_index().locate_many(lngs, lats)
