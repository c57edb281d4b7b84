"""Resolving a row's 社区 / 网格 / 楼栋 / 单元 / 房号 to a household of the district, a 报到社区 to a
community and a 所在党组织 to an organisation unit: all areas of the district are read once
(one query) and looked up in memory.

The rule (docs/import.md, "Households"):

* **Community**: by name within the district, compared without spaces and without a trailing
  社区 / 居委会 / 居民委员会 (or a leading district name): "南苑", "南苑社区" and
  "南苑社区居民委员会" name the same community.
* **Grid** (optional): by name within that community, with the community's name in front or
  not; a numbered grid may be written 第1网格, 第一网格, 1网格, 网格1 or 1.
* **Building**: by name within the grid (or, without a grid, within the community, where the
  name must then be unique: otherwise the row is rejected and asks for the grid); a numbered
  building may be written 1号楼, 1号, 1栋, 1幢, 1#, 1# 楼 or 1; the building's address
  (e.g. 泉华路3号1号楼) is accepted too.
* **Household**: by unit and room within the building. The room may carry the unit
  (1单元101室, 1-101, 3-1-101); 室 / 号 / 户 and leading zeros are ignored. Without a unit
  the room must be unique in the building.

The forms are read by `wangge.lib.matching`, which every search box uses too.
Nothing is guessed beyond these forms: a name that matches nothing, or more than one area,
rejects the row with a reason naming the level.
"""

import re
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.ledgers.errors import LedgerError
from wangge.lib.errors import DomainError
from wangge.lib.matching import building_key, community_key, grid_key, norm, room_key, strip_prefixes, unit_key
from wangge.orgs.models import OrgUnit


class AreaResolver:
    """All communities, grids, buildings and households of one district, indexed for lookup."""

    def __init__(self, district: AreaNode) -> None:
        self.district = district
        self.communities: dict[str, list[int]] = defaultdict(list)
        self.community_names: dict[int, str] = {}
        self.grids: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.grid_names: dict[int, str] = {}
        self.buildings_in_grid: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.buildings_in_community: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.building_names: dict[int, str] = {}
        self.households: dict[tuple[int, str, str], list[int]] = defaultdict(list)
        self.rooms: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.buildings_with_units: set[int] = set()
        # Area id → (community, grid, building group, building) ids, for scope checks.
        self.ancestors: dict[int, tuple[int | None, int | None, int | None, int | None]] = {}
        self._org_units: dict[str, list[int]] | None = None
        rows = (
            AreaNode.objects.filter(district=district)
            .exclude(level=Level.DISTRICT)
            .order_by("level", "id")
            .values_list(
                "id", "level", "name", "community_id", "grid_id", "building_group_id", "building_id", "address"
            )
        )
        by_level: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for pk, level, name, community, grid, group, building, address in rows:
            by_level[level].append((pk, name, community, grid, group, building, address))
            self.ancestors[pk] = (community, grid, group, building)
        district_name = district.name
        for pk, name, *_rest in by_level[Level.COMMUNITY]:
            self.community_names[pk] = name
            self.communities[community_key(name, district_name)].append(pk)
        for pk, name, community, *_rest in by_level[Level.GRID]:
            assert community is not None
            self.grid_names[pk] = name
            self.grids[(community, grid_key(name, self._community_prefixes(community)))].append(pk)
        for pk, name, community, grid, _group, _building, address in by_level[Level.BUILDING]:
            assert community is not None and grid is not None
            self.building_names[pk] = name
            prefixes = [norm(self.grid_names[grid]), *self._community_prefixes(community)]
            key = building_key(name, prefixes)
            self.buildings_in_grid[(grid, key)].append(pk)
            self.buildings_in_community[(community, key)].append(pk)
            if address:
                address_key = norm(address)
                if address_key != key:
                    self.buildings_in_community[(community, address_key)].append(pk)
        for pk, name, community, grid, _group, building, _address in by_level[Level.HOUSEHOLD]:
            assert building is not None and community is not None and grid is not None
            prefixes = [self.building_names[building], self.grid_names[grid], *self._community_prefixes(community)]
            unit, room = room_key(strip_prefixes(norm(name), [norm(p) for p in prefixes]))
            self.households[(building, unit, room)].append(pk)
            self.rooms[(building, room)].append(pk)
            if unit:
                self.buildings_with_units.add(building)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for a helper process without a database: the organisation units loaded first."""
        self._load_org_units()
        return self.__dict__

    def _load_org_units(self) -> dict[str, list[int]]:
        if self._org_units is None:
            self._org_units = defaultdict(list)
            for pk, unit_name in OrgUnit.objects.filter(district=self.district).values_list("id", "name"):
                self._org_units[norm(unit_name)].append(pk)
        return self._org_units

    def _community_prefixes(self, community: int) -> list[str]:
        name = norm(self.community_names[community])
        return [name, community_key(name)]

    # --- lookups -----------------------------------------------------------------------------

    def community(self, name: str) -> int:
        found = self.communities.get(community_key(name, self.district.name), [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise DomainError(
                LedgerError.UNKNOWN_COMMUNITY,
                _("There is no community “%(name)s” in %(district)s.") % {"name": name, "district": self.district.name},
            )
        raise DomainError(
            LedgerError.COMMUNITY_AMBIGUOUS,
            _("More than one community is called “%(name)s”; use the full name.") % {"name": name},
        )

    def grid(self, community: int, name: str) -> int:
        found = self.grids.get((community, grid_key(name, self._community_prefixes(community))), [])
        if len(found) == 1:
            return found[0]
        raise DomainError(
            LedgerError.UNKNOWN_GRID,
            _("There is no grid “%(name)s” in %(community)s.")
            % {"name": name, "community": self.community_names[community]},
        )

    def building(self, community: int, grid: int | None, name: str) -> int:
        if grid is not None:
            key = building_key(name, [norm(self.grid_names[grid]), *self._community_prefixes(community)])
            found = self.buildings_in_grid.get((grid, key), [])
            if not found:
                found = [
                    b
                    for b in self.buildings_in_community.get((community, norm(name)), [])
                    if self.ancestors[b][1] == grid
                ]
            where = self.grid_names[grid]
        else:
            key = building_key(name, self._community_prefixes(community))
            found = self.buildings_in_community.get((community, key), []) or self.buildings_in_community.get(
                (community, norm(name)), []
            )
            where = self.community_names[community]
        if len(found) == 1:
            return found[0]
        if not found:
            raise DomainError(
                LedgerError.UNKNOWN_BUILDING,
                _("There is no building “%(name)s” in %(area)s.") % {"name": name, "area": where},
            )
        raise DomainError(
            LedgerError.BUILDING_AMBIGUOUS,
            _("More than one building in %(area)s is called “%(name)s”; fill in the grid column.")
            % {"name": name, "area": where},
        )

    def household(self, *, community: str, grid: str, building: str, unit: str, room: str) -> int:
        community_id = self.community(community)
        grid_id = self.grid(community_id, grid) if grid else None
        # A building cell may carry the unit ("1号楼2单元").
        unit_in_building = re.match(r"^(.+?)(\d+|[一二三四五六七八九十]+)单元$", norm(building))
        if unit_in_building and not unit:
            building, unit = unit_in_building[1], unit_in_building[2]
        building_id = self.building(community_id, grid_id, building)
        unit_from_room, room_number = room_key(room)
        unit_number = unit_key(unit) or unit_from_room
        if building_id not in self.buildings_with_units:
            unit_number = ""
        found = self.households.get((building_id, unit_number, room_number), [])
        if not found and not unit_number:
            found = self.rooms.get((building_id, room_number), [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise DomainError(
                LedgerError.UNKNOWN_HOUSEHOLD,
                _("There is no such unit and room in %(building)s.") % {"building": self.building_names[building_id]},
            )
        raise DomainError(
            LedgerError.HOUSEHOLD_AMBIGUOUS,
            _("The room number is not unique in %(building)s; fill in the unit column.")
            % {"building": self.building_names[building_id]},
        )

    def org_unit(self, name: str) -> int:
        found = self._load_org_units().get(norm(name), [])
        if len(found) == 1:
            return found[0]
        raise DomainError(
            LedgerError.UNKNOWN_ORG_UNIT,
            _(
                "There is no organisation unit “%(name)s” in %(district)s; "
                "use its name in the platform or give it in the mapping."
            )
            % {"name": name, "district": self.district.name},
        )

    # --- scope -------------------------------------------------------------------------------

    def within(self, area_id: int, scope: list[tuple[str, int]]) -> bool:
        """Whether the area lies in one of the (level, area id) scopes."""
        community, grid, group, building = self.ancestors.get(area_id, (None, None, None, None))
        own: dict[str, int | None] = {
            Level.DISTRICT: self.district.pk,
            Level.COMMUNITY: community,
            Level.GRID: grid,
            Level.BUILDING_GROUP: group,
            Level.BUILDING: building,
        }
        for level, pk in scope:
            if level == Level.HOUSEHOLD:
                if pk == area_id:
                    return True
            elif own.get(level) == pk or pk == area_id:
                return True
        return False
