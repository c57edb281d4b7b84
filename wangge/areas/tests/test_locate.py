"""Point → grid lookup through the in-memory index, rebuilt when grids change."""

import pytest
from shapely.geometry import box

from wangge.areas import actions, locate
from wangge.areas.tests.factories import ORIGIN, STEP
from wangge.lib.errors import DomainError
from wangge.lib.geo import from_wgs84


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_a_point_resolves_to_its_grid_in_every_crs(small, crs):
    lng, lat = ORIGIN[0] + 2.5 * STEP, ORIGIN[1] + 0.5 * STEP  # middle of grid 2
    grid = locate.locate_grid(*from_wgs84(lng, lat, crs), crs=crs)
    assert grid == small.grids[2]
    assert grid.community == small.communities[1]


def test_outside_every_grid_is_a_clear_error(small):
    with pytest.raises(DomainError) as error:
        locate.locate_grid(ORIGIN[0] - 1, ORIGIN[1])
    assert error.value.code == "outside_every_grid"
    assert error.value.status == 404


def test_coordinates_out_of_range_are_refused(small):
    with pytest.raises(DomainError) as error:
        locate.locate_grid(200.0, 36.6)
    assert error.value.code == "coordinates_out_of_range"


def test_index_is_rebuilt_when_a_grid_is_redrawn(small):
    point = (ORIGIN[0] + 1.05 * STEP, ORIGIN[1] + 0.5 * STEP)  # just inside grid 1
    assert locate.locate_grid(*point) == small.grids[1]
    # Grid 0 grows eastwards over the point; grid 1 shrinks.
    actions.set_grid_boundaries(
        None,
        [
            (small.grids[0], box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 1.1 * STEP, ORIGIN[1] + STEP)),
            (small.grids[1], box(ORIGIN[0] + 1.1 * STEP, ORIGIN[1], ORIGIN[0] + 2 * STEP, ORIGIN[1] + STEP)),
        ],
    )
    # No on_commit inside the test transaction: the change is seen through the stamp alone.
    assert locate.locate_grid(*point) == small.grids[0]
