"""Reading the area tree within a user's scope."""

from django.db.models import Q, QuerySet

from wangge.accounts.models import User
from wangge.accounts.scope import assignments_of, scope_q
from wangge.areas.models import ANCESTOR_LEVELS, AreaNode, GridBoundary, Level

_AREA_FIELDS = {level: level for level in ANCESTOR_LEVELS}


def visible_areas(user: User) -> QuerySet[AreaNode]:
    condition = scope_q(user, _AREA_FIELDS)
    # A household-level assignment (a resident) sees that household only.
    households = [a.area_id for a in assignments_of(user) if a.area.level == Level.HOUSEHOLD]
    if households:
        condition |= Q(pk__in=households)
    return AreaNode.objects.filter(condition)


def subtree_q(node: AreaNode) -> Q:
    """Filter for the node and everything under it: one indexed equality."""
    if node.level == Level.HOUSEHOLD:
        return Q(pk=node.pk)
    return Q(**{f"{node.level}_id": node.pk})


def subtree(node: AreaNode) -> QuerySet[AreaNode]:
    return AreaNode.objects.filter(subtree_q(node))


def current_boundaries(district_id: int) -> QuerySet[GridBoundary]:
    return GridBoundary.objects.filter(district_id=district_id, valid_to__isnull=True)


def boundaries_valid_at(district_id: int, at: object) -> QuerySet[GridBoundary]:
    return GridBoundary.objects.filter(district_id=district_id, valid_from__lte=at).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=at)
    )
