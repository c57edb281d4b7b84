"""Point → grid lookup: our PointIndex against a bare Shapely STRtree on the same polygons.

    .venv/bin/python bench/point_lookup.py [--points 1000000] [--repeat 3]

Two data sets, generated without a database:
  (a) the 181 grids of the reference district (wangge.demo.geometry.district_layout);
  (b) 10,000 grids tiling a 40 × 30 km area (one Voronoi diagram of 10,000 seeds).
For each: points/s of `PointIndex.locate_many`, of `STRtree.query(points, predicate="intersects")`
(with the points already built, and with building them counted too), their ratio, and
the single-point `PointIndex.locate` rate. Prints figures; asserts nothing about time.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")

import django  # noqa: E402

django.setup()

from wangge.demo.geometry import district_layout, round_geometry, voronoi_cells  # noqa: E402
from wangge.lib.geo import IndexedArea, PointIndex  # noqa: E402


def best_of(repeat: int, function) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _i in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def many_grids(count: int, seed: int = 1) -> list:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    extent = shapely.box(116.8, 36.5, 117.25, 36.77)  # about 40 × 30 km
    minx, miny, maxx, maxy = extent.bounds
    seeds = np.c_[rng.uniform(minx, maxx, count), rng.uniform(miny, maxy, count)]
    return [round_geometry(cell) for cell in voronoi_cells(seeds, extent)]


def run(label: str, polygons: list, points: int, repeat: int) -> None:  # type: ignore[type-arg]
    rng = np.random.default_rng(2014)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(polygons))
    # Points over the bounding box: most fall in a grid, some (around a round district) in none.
    lngs = rng.uniform(minx, maxx, points)
    lats = rng.uniform(miny, maxy, points)

    started = time.perf_counter()
    index = PointIndex([IndexedArea(i + 1, p) for i, p in enumerate(polygons)])
    index_built = time.perf_counter() - started
    started = time.perf_counter()
    bare = shapely.STRtree(np.array(polygons, dtype=object))
    tree_built = time.perf_counter() - started
    prebuilt = shapely.points(lngs, lats)

    ours = best_of(repeat, lambda: index.locate_many(lngs, lats))
    query_only = best_of(repeat, lambda: bare.query(prebuilt, predicate="intersects"))
    with_points = best_of(repeat, lambda: bare.query(shapely.points(lngs, lats), predicate="intersects"))

    # Same answers (bare: any hit; ours: the lowest key on shared edges).
    found = index.locate_many(lngs, lats)
    hit_points, _hit_areas = bare.query(prebuilt, predicate="intersects")
    assert set(np.flatnonzero(found >= 0).tolist()) == set(np.unique(hit_points).tolist())

    singles = 10_000
    single = best_of(
        repeat, lambda: [index.locate(float(x), float(y)) for x, y in zip(lngs[:singles], lats[:singles], strict=True)]
    )

    print(f"\n{label}: {len(polygons):,} polygons, {points:,} random points, {np.mean(found >= 0):.1%} inside a grid")
    print(f"  PointIndex.locate_many           {points / ours:>12,.0f} points/s  ({ours:.3f} s)")
    print(f"  bare STRtree.query (points built){points / query_only:>12,.0f} points/s  ({query_only:.3f} s)")
    print(f"  bare STRtree.query + points()    {points / with_points:>12,.0f} points/s  ({with_points:.3f} s)")
    print(f"  ratio ours / bare query          {query_only / ours:>12.2f}")
    print(f"  ratio ours / bare query+points() {with_points / ours:>12.2f}")
    print(f"  PointIndex.locate, one at a time {singles / single:>12,.0f} points/s  ({singles:,} points)")
    print(f"  building: PointIndex {index_built:.2f} s, bare STRtree {tree_built:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, Shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
        f"{os.cpu_count()} CPUs, best of {args.repeat}"
    )
    started = time.perf_counter()
    demo = [g.polygon for g in district_layout(2014).grids]
    print(f"reference district layout generated in {time.perf_counter() - started:.2f} s")
    run("(a) reference district", demo, args.points, args.repeat)
    started = time.perf_counter()
    large = many_grids(10_000)
    print(f"\n10,000-grid tiling generated in {time.perf_counter() - started:.2f} s")
    run("(b) 10,000 grids", large, args.points, args.repeat)


if __name__ == "__main__":
    main()
