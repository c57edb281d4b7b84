"""The district's areas read once (one query) and looked up by what a file writes: a
community's name (南苑, 南苑社区, 南苑社区居委会), a grid's name within its community (东湖社区第1网格,
第1网格, 1网格), an area's code, or a path of names (东湖社区/第1网格/1号楼群/3号楼).

A name is resolved within the district without guessing: a name that fits several areas (第1网格
when every community has one) is refused with the candidates named, a name that fits none is
refused too (`wangge.lib.matching` reads the forms).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from wangge.areas.models import AreaNode, Level
from wangge.lib.errors import Invalid
from wangge.lib.matching import building_key, community_key, grid_key, norm
from wangge.onboarding.errors import OnboardingError

PATH_SEPARATORS = ("/", ">", "›", "|")
CANDIDATES_SHOWN = 5


@dataclass
class Place:
    """An area as the imports need it."""

    pk: int
    level: str
    name: str
    code: str
    parent_id: int | None
    community_id: int | None
    grid_id: int | None
    building_group_id: int | None
    address: str
    lng: float | None
    lat: float | None


class DistrictPlaces:
    """Every area of one district, indexed by level, parent and the keys of their names."""

    def __init__(self, district: AreaNode, *, down_to: str = Level.HOUSEHOLD) -> None:
        self.district = district
        levels: list[str] = [Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING, Level.HOUSEHOLD]
        levels = levels[: levels.index(down_to) + 1] if down_to in levels else levels
        self.by_id: dict[int, Place] = {}
        self.children: dict[int, list[Place]] = defaultdict(list)
        self.by_code: dict[str, Place] = {}
        self.by_level: dict[str, list[Place]] = defaultdict(list)
        self.codes: set[str] = set(AreaNode.objects.filter(district=district).values_list("code", flat=True))
        rows = (
            AreaNode.objects.filter(district=district, level__in=levels)
            .order_by("code")
            .values_list(
                "id",
                "level",
                "name",
                "code",
                "parent_id",
                "community_id",
                "grid_id",
                "building_group_id",
                "address",
                "lng",
                "lat",
            )
        )
        for row in rows:
            self.add(Place(*row))

    def add(self, place: Place) -> None:
        self.by_id[place.pk] = place
        self.children[place.parent_id or 0].append(place)
        self.by_code[place.code] = place
        self.by_level[place.level].append(place)
        self.codes.add(place.code)

    def of_level(self, level: str) -> list[Place]:
        return self.by_level[level]

    def label(self, place: Place) -> str:
        """The name a person reads: a grid with its community's name in front when its own lacks it."""
        if place.level == Level.GRID and place.community_id:
            community = self.by_id[place.community_id].name
            return place.name if place.name.startswith(community) else f"{community}{place.name}"
        return place.name

    # --- keys ---------------------------------------------------------------------------------

    def _community_prefixes(self, community_id: int | None) -> list[str]:
        if not community_id:
            return []
        name = norm(self.by_id[community_id].name)
        return [name, community_key(name)]

    def key(self, place: Place) -> str:
        """The key a name is compared by at the place's level."""
        if place.level == Level.COMMUNITY:
            return community_key(place.name, self.district.name)
        if place.level == Level.GRID:
            return grid_key(place.name, self._community_prefixes(place.community_id))
        if place.level == Level.BUILDING:
            grid = self.by_id.get(place.grid_id or 0)
            prefixes = [norm(grid.name)] if grid else []
            return building_key(place.name, prefixes + self._community_prefixes(place.community_id))
        return norm(place.name)

    def key_under(self, parent: Place | None, level: str, text: str) -> str:
        """The key of `text` as the name of an area at `level` under `parent`."""
        if level == Level.COMMUNITY:
            return community_key(text, self.district.name)
        community_id = parent.community_id if parent else None
        if level == Level.GRID:
            return grid_key(text, self._community_prefixes(community_id))
        if level == Level.BUILDING:
            grid = self.by_id.get(parent.grid_id or 0) if parent else None
            prefixes = [norm(grid.name)] if grid else []
            return building_key(text, prefixes + self._community_prefixes(community_id))
        return norm(text)

    # --- lookups ------------------------------------------------------------------------------

    def community(self, text: str) -> Place:
        key = community_key(text, self.district.name)
        found = [p for p in self.children[self.district.pk] if self.key(p) == key]
        if len(found) == 1:
            return found[0]
        if not found:
            raise Invalid(
                OnboardingError.UNKNOWN_COMMUNITY,
                _("There is no community “%(name)s” in %(district)s.") % {"name": text, "district": self.district.name},
            )
        raise self._ambiguous(text, found)

    def grid(self, community: Place, text: str) -> Place:
        key = self.key_under(community, Level.GRID, text)
        found = [p for p in self.children[community.pk] if p.level == Level.GRID and self.key(p) == key]
        if len(found) == 1:
            return found[0]
        if not found:
            raise Invalid(
                OnboardingError.UNKNOWN_GRID,
                _("There is no grid “%(name)s” in %(community)s.") % {"name": text, "community": community.name},
            )
        raise self._ambiguous(text, found)

    def area(self, text: str) -> Place | None:
        """The district (None), a community or grid by name, any area by its code, or a path of
        names from a community down (东湖社区/第1网格/1号楼群/3号楼)."""
        value = text.strip()
        if norm(value) == norm(self.district.name) or value == self.district.code:
            return None
        if value in self.by_code:
            return self.by_code[value]
        if any(sep in value for sep in PATH_SEPARATORS):
            return self._path(value)
        found = [p for p in self.of_level(Level.COMMUNITY) if self.key(p) == community_key(value, self.district.name)]
        if not found:
            whole = norm(value)
            found = [p for p in self.of_level(Level.GRID) if norm(self.label(p)) == whole or norm(p.name) == whole]
        if not found:
            found = [p for p in self.of_level(Level.GRID) if self.key(p) == self.key_under(p, Level.GRID, value)]
        if len(found) == 1:
            return found[0]
        if not found:
            raise Invalid(
                OnboardingError.UNKNOWN_AREA,
                _("No community or grid of %(district)s is called “%(name)s”, and no area has this code.")
                % {"name": text, "district": self.district.name},
            )
        raise self._ambiguous(text, found)

    def _path(self, text: str) -> Place:
        parts = [text]
        for sep in PATH_SEPARATORS:
            parts = [piece for part in parts for piece in part.split(sep)]
        names = [p.strip() for p in parts if p.strip()]
        parent: Place | None = None
        for name in names:
            pool = self.children[parent.pk if parent else self.district.pk]
            found = [p for p in pool if self.key(p) == self.key_under(parent, p.level, name)]
            if len(found) != 1:
                where = parent.name if parent else self.district.name
                if found:
                    raise self._ambiguous(name, found)
                raise Invalid(
                    OnboardingError.UNKNOWN_AREA,
                    _("There is no area “%(name)s” in %(area)s.") % {"name": name, "area": where},
                )
            parent = found[0]
        if parent is None:
            raise Invalid(OnboardingError.UNKNOWN_AREA, _("The area's path names no area."))
        return parent

    def _ambiguous(self, text: str, found: list[Place]) -> Invalid:
        names = "、".join(f"{self.label(p)} ({p.code})" for p in found[:CANDIDATES_SHOWN])
        if len(found) > CANDIDATES_SHOWN:
            names += " …"
        return Invalid(
            OnboardingError.AREA_AMBIGUOUS,
            _("“%(name)s” may be any of %(candidates)s; write the full name or the code.")
            % {"name": text, "candidates": names},
        )
