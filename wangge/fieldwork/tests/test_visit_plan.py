"""The visit plan puts first what other apps name, by their rank, in one query."""

import uuid

from django.utils import timezone

from wangge.areas.models import AreaNode
from wangge.fieldwork import actions, queries
from wangge.lib.testing import assert_flat, count_queries


def test_a_provider_of_lower_rank_comes_first_and_the_rest_follow_every_rank(small, worker_a):
    grid = small.grids[0]
    households = [h for h in small.households if h.grid_id == grid.pk]
    later, sooner = households[-1], households[-2]
    actions.record_visit(worker_a, uuid=uuid.uuid4(), household=sooner, visited_at=timezone.now())

    def named_later(asked: AreaNode):
        return AreaNode.objects.filter(pk__in=[later.pk, sooner.pk]).values("pk")

    def named_sooner(asked: AreaNode):
        return AreaNode.objects.filter(pk=sooner.pk).values("pk")

    queries.register_visit_priority(named_later)
    queries.register_visit_priority(named_sooner, rank=-5)
    try:
        plan = list(queries.visit_plan(grid))
        with count_queries() as one:
            list(queries.visit_plan(grid))
    finally:
        queries.unregister_visit_priority(named_later)
        queries.unregister_visit_priority(named_sooner)
    # `sooner` is named by both: the lowest rank counts, though it was just visited.
    assert [(h.pk, h.priority, h.visit_first) for h in plan[:2]] == [(sooner.pk, -5, True), (later.pk, 0, True)]
    assert all(not h.visit_first and h.priority == 1 for h in plan[2:])
    assert len(one) == 1


def test_the_plan_takes_one_query_however_many_households_are_put_first(small, worker_a):
    grid = small.grids[0]
    households = [h for h in small.households if h.grid_id == grid.pk]
    runs = []
    for n in (1, 5):

        def provider(asked: AreaNode, n=n):
            return AreaNode.objects.filter(pk__in=[h.pk for h in households[:n]]).values("pk")

        queries.register_visit_priority(provider, rank=2)
        try:
            with count_queries() as run:
                assert sum(h.visit_first for h in queries.visit_plan(grid)) == n
        finally:
            queries.unregister_visit_priority(provider)
        runs.append(run)
    assert_flat(*runs)
