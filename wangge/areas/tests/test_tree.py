"""The area tree: subtree queries, scope, grid generations."""

import datetime as dt

from shapely.geometry import box

from wangge.areas import actions
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.areas.queries import boundaries_valid_at, subtree, visible_areas
from wangge.lib.testing import assert_queries


def test_subtree_is_the_node_and_everything_under_it(small):
    grid = small.grids[0]
    with assert_queries(1):  # the areas whose grid is this one
        nodes = list(subtree(grid))
    assert {n.level for n in nodes} == {Level.GRID, Level.BUILDING_GROUP, Level.BUILDING, Level.HOUSEHOLD}
    assert len(nodes) == 1 + 1 + 2 + 6
    assert all(n.grid_id == grid.pk for n in nodes)
    community_nodes = subtree(small.communities[1])
    assert community_nodes.filter(level=Level.HOUSEHOLD).count() == 12


def test_each_persona_sees_only_its_own_grid(small, worker_a, worker_b):
    seen_a = set(visible_areas(worker_a).values_list("pk", flat=True))
    seen_b = set(visible_areas(worker_b).values_list("pk", flat=True))
    assert seen_a == set(subtree(small.grids[0]).values_list("pk", flat=True))
    assert seen_b == set(subtree(small.grids[2]).values_list("pk", flat=True))
    assert not seen_a & seen_b


def test_a_user_without_role_sees_nothing(small, no_role_user):
    assert not visible_areas(no_role_user).exists()


def test_redrawing_a_grid_keeps_the_old_generation(small):
    grid = small.grids[0]
    first = GridBoundary.objects.get(grid=grid, valid_to__isnull=True)
    later = first.valid_from + dt.timedelta(days=30)
    actions.set_grid_boundaries(None, [(grid, box(117.0, 36.6, 117.011, 36.61))], at=later)
    rows = list(GridBoundary.objects.filter(grid=grid).order_by("generation"))
    assert [r.generation for r in rows] == [1, 2]
    assert rows[0].valid_to == later and rows[1].valid_to is None
    before = boundaries_valid_at(small.district.pk, later - dt.timedelta(days=1)).get(grid=grid)
    after = boundaries_valid_at(small.district.pk, later + dt.timedelta(days=1)).get(grid=grid)
    assert before.generation == 1 and after.generation == 2
    assert AreaNode.objects.get(pk=grid.pk).name == grid.name
