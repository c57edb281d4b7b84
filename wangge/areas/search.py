"""Finding a building as one types ("3号", "3#", "青年东路5号", "qndl", a small typo), among
the buildings a user may file a case for, and matching a free-text address the same way
(`wangge.lib.matching`).

A district's buildings are read and prepared once per process and kept while the district's
areas do not change: each search reads only a version stamp (count and latest change of its
communities, grids and buildings; one aggregate query per district) and then works in memory.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max

from wangge.accounts.models import User
from wangge.accounts.scope import assignments_of
from wangge.areas.models import AreaNode, Level
from wangge.lib import matching
from wangge.lib.memo import Memo

RESULTS = 8
_VERSION_LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING)


@dataclass(frozen=True)
class Building:
    pk: int
    district_id: int
    name: str
    address: str
    grid_id: int
    grid_name: str
    community_id: int
    group_id: int | None
    lng: float | None
    lat: float | None

    @property
    def label(self) -> str:
        """幸福里社区第1网格 3号楼 · 青年东路5号3号楼"""
        text = f"{self.grid_name} {self.name}"
        return f"{text} · {self.address}" if self.address else text


type Prepared = list[tuple[Building, matching.Searchable]]

# (district, version) → the district's buildings, prepared; versions left behind are dropped
# when the memo starts afresh.
_districts: Memo[Prepared] = Memo(ttl=3600.0, size=64)


def _version(district_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    rows = (
        AreaNode.objects.filter(district_id__in=list(district_ids), level__in=_VERSION_LEVELS)
        .values("district_id")
        .annotate(n=Count("id"), changed=Max("updated_at"))
    )
    return {row["district_id"]: (row["n"], str(row["changed"])) for row in rows}


def _load(district_id: int) -> Prepared:
    names = dict(
        AreaNode.objects.filter(district_id=district_id, level__in=(Level.COMMUNITY, Level.GRID)).values_list(
            "id", "name"
        )
    )
    rows = AreaNode.objects.filter(district_id=district_id, level=Level.BUILDING).values_list(
        "id", "name", "address", "grid_id", "community_id", "building_group_id", "lng", "lat"
    )
    prepared: Prepared = []
    for pk, name, address, grid, community, group, lng, lat in rows.order_by("code"):
        grid_name, community_name = names.get(grid, ""), names.get(community, "")
        prefixes = [
            matching.norm(grid_name),
            # The grid as people say it inside their community: 第1网格 (of 幸福里社区第1网格).
            matching.strip_prefixes(matching.norm(grid_name), [matching.norm(community_name)]),
            matching.norm(community_name),
            matching.community_key(community_name),
        ]
        building = Building(pk, district_id, name, address, grid, grid_name, community, group, lng, lat)
        item = matching.Searchable(
            matching.building_key(name, prefixes), (name, address, grid_name, community_name), (*prefixes, address)
        )
        prepared.append((building, item))
    return prepared


def district_buildings(district_ids: Iterable[int]) -> Prepared:
    """Every building of the districts, prepared for matching (kept in memory per version)."""
    prepared: Prepared = []
    for district_id, version in sorted(_version(district_ids).items()):
        prepared += _districts.get((district_id, version), functools.partial(_load, district_id)) or []
    return prepared


def _scope(user: User) -> tuple[set[int], list[tuple[str, int]]] | None:
    """The districts to read and the (level, area) the user's buildings lie in; None for all of
    the districts read (a superuser: every district). A household assignment (a resident) files
    for the whole district, as `cases.policy.can_file` allows."""
    if user.is_superuser:
        return None
    districts: set[int] = set()
    areas: list[tuple[str, int]] = []
    for assignment in assignments_of(user):
        districts.add(assignment.district_id)
        level = assignment.area.level
        areas.append(
            (Level.DISTRICT, assignment.district_id) if level == Level.HOUSEHOLD else (level, assignment.area_id)
        )
    return districts, areas


def buildings_in_scope(user: User) -> Prepared:
    """The buildings the user's search covers: those in the user's area scope (the districts
    of a resident's household)."""
    scope = _scope(user)
    if scope is None:
        return district_buildings(AreaNode.objects.filter(level=Level.DISTRICT).values_list("pk", flat=True))
    districts, areas = scope
    ids: dict[str, set[int]] = {level: set() for level in (*_VERSION_LEVELS, Level.DISTRICT)}
    for level, pk in areas:
        ids.setdefault(level, set()).add(pk)
    whole = ids[Level.DISTRICT]
    found = [
        pair
        for pair in district_buildings(districts)
        if pair[0].district_id in whole
        or pair[0].community_id in ids[Level.COMMUNITY]
        or pair[0].grid_id in ids[Level.GRID]
        or pair[0].group_id in ids[Level.BUILDING_GROUP]
        or pair[0].pk in ids[Level.BUILDING]
    ]
    # A resident's own grid first: among equally good matches its buildings come first.
    home = {a.area.grid_id for a in assignments_of(user) if a.area.level == Level.HOUSEHOLD}
    if home:
        found.sort(key=lambda pair: pair[0].grid_id not in home)
    return found


def find_buildings(user: User, query: str, limit: int = RESULTS) -> list[tuple[Building, float]]:
    """The buildings in the user's scope that best match `query`, best first."""
    if not query.strip():
        return []
    return matching.rank(query, buildings_in_scope(user), limit)


def match_address(district_id: int, address: str, limit: int = RESULTS) -> tuple[Building | None, list[Building]]:
    """A free-text address among the district's buildings: (the building, []) when one clearly
    matches, (None, the candidates) when several may, (None, []) when none does."""
    ranked = matching.rank(address, district_buildings([district_id]), limit)
    chosen = matching.clear_choice(ranked)
    if chosen is not None:
        return chosen, []
    return None, [building for building, _score in ranked]
