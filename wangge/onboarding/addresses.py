"""The address book from the grid system's 楼栋/户 ledger: the buildings and households of a
district, with building groups and points (docs/import.md, "Onboarding a district").

Each row names a household: 社区, 网格, 楼栋 (or the building's address), 单元, 房号, and may give
the building's point (经度, 纬度, in WGS-84, GCJ-02 or BD-09: the system named in a 坐标系 column
or by `crs`) and its building group (楼群 / 片区).

- A building is known by its address within the district, else by its name within its grid
  (1号楼, 1号, 1栋, 1# … are one building). A building of the file whose address belongs to
  a building under another grid of the district is reported once (`building_in_other_grid`,
  a warning) and its rows are left out: nothing is moved.
- A new building's point is converted to WGS-84; a building without one takes its grid's
  representative point (inside the grid's current boundary). A point more than
  `OUTSIDE_TOLERANCE_M` outside the grid is refused.
- Building groups: from the 楼群 / 片区 column when the file has one (a group of that name in
  the grid, created if missing); otherwise by rule, the grid's first building group by code,
  or a new group 1号楼群 (code GRID-Q1) when the grid has none — as the demo names them.
- Codes as the demo makes them: group GRID-Qn, building GROUP-Bnn (the building's number when
  it has one and it is free), household BUILDING-unit-room (BUILDING-room without a unit).
- A household is (building, 单元, 房号); one that exists changes nothing (the row counts as
  unchanged), so a second run of the same file creates nothing.

Everything is checked first; any problem and nothing is written. A commit writes in one
transaction, level by level with the bulk action (a fixed number of queries for any number
of rows, per 2,000), and one audit row.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from wangge.accounts.models import User
from wangge.areas.actions import bulk_create_areas
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.lib.errors import DomainError, Invalid
from wangge.lib.geo import check_coordinates, polygon_from_geojson, to_wgs84
from wangge.lib.matching import norm, room_key, strip_prefixes, unit_key
from wangge.lib.text import clean_text
from wangge.onboarding.common import check_may_onboard, limited, needed, read_into, record_import
from wangge.onboarding.errors import OnboardingError, OnboardingWarning
from wangge.onboarding.files import Column
from wangge.onboarding.places import DistrictPlaces, Place
from wangge.onboarding.report import OnboardingReport

COLUMNS = {
    c.name: c
    for c in (
        Column("community", gettext_lazy("community"), ("社区", "所属社区", "社区名称", "居委会", "社区(居委会)")),
        Column("grid", gettext_lazy("grid"), ("网格", "所属网格", "网格名称", "网格号")),
        Column("group", gettext_lazy("building group"), ("楼群", "片区", "楼群名称", "所属楼群", "所属片区")),
        Column("building", gettext_lazy("building"), ("楼栋", "楼号", "楼栋名称", "楼栋号", "楼幢", "幢号", "栋号")),
        Column("address", gettext_lazy("address"), ("楼栋地址", "地址", "详细地址", "楼栋详细地址", "门牌地址")),
        Column("unit", gettext_lazy("unit (单元)"), ("单元", "单元号")),
        Column("room", gettext_lazy("room number"), ("房号", "门牌号", "户号", "房间号", "室号", "门牌")),
        Column("lng", gettext_lazy("longitude"), ("经度", "lng", "longitude", "lon")),
        Column("lat", gettext_lazy("latitude"), ("纬度", "lat", "latitude")),
        Column("crs", gettext_lazy("coordinate system"), ("坐标系", "坐标系统", "crs")),
    )
}
REQUIRED = (("community",), ("grid",), ("building", "address"), ("room",))
OUTSIDE_TOLERANCE_M = 50.0
METRES_PER_DEGREE = 111_000.0  # near enough for a tolerance of tens of metres
RULE_GROUP_NAME = "1号楼群"
CODE_LENGTH = AreaNode._meta.get_field("code").max_length or 64

# The words a 坐标系 cell (or --crs) may use for each system.
CRS_WORDS = {
    **dict.fromkeys(["wgs84", "wgs", "84", "gps", "epsg4326", "4326", "大地坐标", "国际标准"], "wgs84"),
    **dict.fromkeys(["gcj02", "gcj", "火星坐标", "火星", "国测局", "国测局坐标", "高德", "腾讯"], "gcj02"),
    **dict.fromkeys(["bd09", "bd09ll", "bd", "百度", "百度坐标"], "bd09"),
}


def crs_of(text: str) -> str:
    """The system a cell names ("GCJ-02", "高德", "百度坐标" …), or `Invalid`."""
    key = norm(text).lower().replace("-", "").replace("_", "").replace(":", "").replace("坐标系", "")
    if key in CRS_WORDS:
        return CRS_WORDS[key]
    raise Invalid(
        OnboardingError.UNKNOWN_CRS,
        _("“%(value)s” is not a coordinate system the import knows; use WGS-84, GCJ-02 or BD-09.") % {"value": text},
    )


@dataclass
class NewGroup:
    grid: Place
    name: str
    code: str
    node: AreaNode | None = None


@dataclass
class NewBuilding:
    grid: Place
    name: str
    address: str
    group: NewGroup | Place
    group_from_file: str  # the 楼群 cell of its first row ("" by rule)
    code: str = ""
    point: tuple[float, float] | None = None
    node: AreaNode | None = None


@dataclass
class NewHousehold:
    building: NewBuilding | Place
    unit: str
    room: str


@dataclass
class Plan:
    groups: list[NewGroup] = field(default_factory=list)
    buildings: dict[tuple[int, str], NewBuilding] = field(default_factory=dict)
    households: list[NewHousehold] = field(default_factory=list)


class AddressBook:
    """The district's grids, groups, buildings and households as the import compares them."""

    def __init__(self, district: AreaNode) -> None:
        self.places = DistrictPlaces(district)
        self.buildings_in_grid: dict[tuple[int, str], Place] = {}
        self.buildings_by_address: dict[str, list[Place]] = {}
        self.households: set[tuple[int, str, str]] = set()
        self.buildings_with_units: set[int] = set()
        for building in self.places.of_level(Level.BUILDING):
            grid_id = building.grid_id or 0
            self.buildings_in_grid.setdefault((grid_id, self.places.key(building)), building)
            if building.address:
                self.buildings_by_address.setdefault(norm(building.address), []).append(building)
        for household in self.places.of_level(Level.HOUSEHOLD):
            building = self.places.by_id[household.parent_id or 0]
            grid = self.places.by_id.get(building.grid_id or 0)
            prefixes = [norm(building.name)] + ([norm(grid.name)] if grid else [])
            unit, room = room_key(strip_prefixes(norm(household.name), prefixes))
            self.households.add((building.pk, unit, room))
            if unit:
                self.buildings_with_units.add(building.pk)
        self.boundaries: dict[int, BaseGeometry] = {
            grid_id: polygon_from_geojson(geometry)
            for grid_id, geometry in GridBoundary.objects.filter(district=district, valid_to__isnull=True).values_list(
                "grid_id", "geometry"
            )
        }

    def has_household(self, building: Place, unit: str, room: str) -> bool:
        if (building.pk, unit, room) in self.households:
            return True
        # A building whose households have no units: the unit of the row is not compared.
        return building.pk not in self.buildings_with_units and (building.pk, "", room) in self.households

    def free_code(self, wanted: str, fallback: str, start: int = 1) -> str:
        """`wanted` if no area of the district has it, else `fallback` formatted with the first
        free number from `start`."""
        code = wanted
        number = start
        while code in self.places.codes:
            code = fallback.format(number)
            number += 1
        self.places.codes.add(code)
        return code

    def grid_point(self, grid: Place) -> tuple[float, float] | None:
        boundary = self.boundaries.get(grid.pk)
        if boundary is not None:
            point = boundary.representative_point()
            return round(point.x, 7), round(point.y, 7)
        if grid.lng is not None and grid.lat is not None:
            return grid.lng, grid.lat
        return None


def _point(cells: dict[str, str], crs: str | None) -> tuple[float, float] | None:
    """The row's point in WGS-84, or None without one; `Invalid` for a point that is not one."""
    lng_text, lat_text = cells.get("lng", ""), cells.get("lat", "")
    if not lng_text and not lat_text:
        return None
    if not lng_text or not lat_text:
        raise Invalid(OnboardingError.COORDINATES_INCOMPLETE, _("A point needs both its longitude and its latitude."))
    try:
        lng, lat = float(lng_text), float(lat_text)
        check_coordinates(lng, lat)
    except (ValueError, DomainError):
        raise Invalid(
            OnboardingError.BAD_COORDINATES,
            _("The longitude and latitude must be numbers in degrees (longitude within ±180, latitude within ±90)."),
        ) from None
    system = crs_of(cells["crs"]) if cells.get("crs") else crs
    if system is None:
        raise Invalid(
            OnboardingError.CRS_MISSING,
            _(
                "The point's coordinate system is not named: add a column 坐标系 (WGS-84, GCJ-02 or BD-09) "
                "or choose one."
            ),
        )
    wgs_lng, wgs_lat = to_wgs84(lng, lat, system)
    return round(wgs_lng, 7), round(wgs_lat, 7)


def import_addresses(
    acting_user: User | None, *, district: AreaNode, path: str | Path, commit: bool = False, crs: str | None = None
) -> OnboardingReport:
    """Check the address book and, with `commit` and no problem, create its building groups,
    buildings and households (all or none)."""
    check_may_onboard(acting_user, district)
    if crs:
        try:
            crs = crs_of(crs)
        except Invalid as error:
            raise DomainError(error.code, error.message) from None
    report = OnboardingReport("addresses")
    sheet = read_into(report, path, list(COLUMNS.values()), REQUIRED)
    if sheet is None:
        return report
    book = AddressBook(district)
    places = book.places
    plan = Plan()
    new_groups: dict[tuple[int, str], NewGroup] = {}
    first_row_of: dict[tuple[int, str, str, str], int] = {}  # (grid, building key, unit, room) → row
    rule_group: dict[int, NewGroup | Place] = {}
    moved: dict[int, int] = {}  # building under another grid → the first row naming it
    for number, cells in sheet.rows:
        try:
            community = places.community(needed(cells, "community", COLUMNS["community"]))
            grid = places.grid(community, needed(cells, "grid", COLUMNS["grid"]))
            address = limited(cells.get("address", ""), COLUMNS["address"], 300)
            name = limited(cells.get("building", "") or address, COLUMNS["building"])
            if not name:
                needed(cells, "building", COLUMNS["building"])
            key = places.key_under(grid, Level.BUILDING, name)
            unit_from_room, room = room_key(needed(cells, "room", COLUMNS["room"], 50))
            unit = unit_key(limited(cells.get("unit", ""), COLUMNS["unit"], 20)) or unit_from_room
            point = _point(cells, crs)
        except Invalid as problem:
            report.problem(number, problem.code, problem.message)
            continue
        if point is not None and grid.pk in book.boundaries:
            outside = book.boundaries[grid.pk].distance(Point(point)) * METRES_PER_DEGREE
            if outside > OUTSIDE_TOLERANCE_M:
                report.problem(
                    number,
                    OnboardingError.POINT_OUTSIDE_GRID,
                    _("The point lies about %(metres)d m outside %(grid)s; check the coordinates and their system.")
                    % {"metres": round(outside), "grid": places.label(grid)},
                )
                continue
        household_key = (grid.pk, key, unit, room)
        if household_key in first_row_of:
            report.problem(
                number,
                OnboardingError.DUPLICATE_HOUSEHOLD,
                _("The same building, unit and room as row %(row)d.") % {"row": first_row_of[household_key]},
            )
            continue
        first_row_of[household_key] = number
        by_address = book.buildings_by_address.get(norm(address), []) if address else []
        existing = next((b for b in by_address if b.grid_id == grid.pk), None)
        if by_address and existing is None:
            moved.setdefault(by_address[0].pk, number)
            if moved[by_address[0].pk] == number:
                other = places.by_id[by_address[0].grid_id or 0]
                report.warn(
                    number,
                    OnboardingWarning.BUILDING_IN_OTHER_GRID,
                    _(
                        "The building at “%(address)s” is under %(other)s, not %(grid)s; "
                        "it is not moved and its rows are left out."
                    )
                    % {"address": address, "other": places.label(other), "grid": places.label(grid)},
                )
            continue
        existing = existing or book.buildings_in_grid.get((grid.pk, key))
        if existing is not None:
            if book.has_household(existing, unit, room):
                report.unchanged += 1
            else:
                plan.households.append(NewHousehold(existing, unit, room))
            continue
        group_name = clean_text(cells.get("group", ""))
        building = plan.buildings.get((grid.pk, key))
        if building is None:
            group = _group_for(book, grid, group_name, new_groups, rule_group, plan)
            building = NewBuilding(grid, clean_text(name), clean_text(address), group, group_name)
            plan.buildings[(grid.pk, key)] = building
        elif group_name and norm(group_name) != norm(building.group_from_file or building.group.name):
            report.problem(
                number,
                OnboardingError.BUILDING_GROUP_DIFFERS,
                _("The building is in the building group “%(group)s” in an earlier row.")
                % {"group": building.group_from_file or building.group.name},
            )
            continue
        if building.point is None and point is not None:
            building.point = point
        plan.households.append(NewHousehold(building, unit, room))

    report.count("building_groups", len(plan.groups))
    report.count("buildings", len(plan.buildings))
    report.count("households", len(plan.households))
    if commit and report.ok:
        try:
            with transaction.atomic():
                _write(acting_user, district, book, plan)
                record_import(acting_user, district, report)
        except IntegrityError:
            # Another import took a code between the check and the write: nothing was written.
            raise DomainError(
                OnboardingError.DISTRICT_CHANGED,
                _("The district's areas changed while the file was checked; run the import again."),
                status=OnboardingError.DISTRICT_CHANGED.status,
            ) from None
        report.committed = True
    return report


def _group_for(
    book: AddressBook,
    grid: Place,
    group_name: str,
    new_groups: dict[tuple[int, str], NewGroup],
    rule_group: dict[int, NewGroup | Place],
    plan: Plan,
) -> NewGroup | Place:
    """The building group a new building of `grid` goes in: named in the file, or by rule."""
    existing = [p for p in book.places.children[grid.pk] if p.level == Level.BUILDING_GROUP]
    if group_name:
        for group in existing:
            if norm(group.name) == norm(group_name):
                return group
        key = (grid.pk, norm(group_name))
        if key not in new_groups:
            taken = len(existing) + sum(1 for g in plan.groups if g.grid.pk == grid.pk)
            code = book.free_code(f"{grid.code}-Q{taken + 1}", f"{grid.code}-Q{{}}", taken + 2)
            new_groups[key] = NewGroup(grid, group_name, code)
            plan.groups.append(new_groups[key])
        return new_groups[key]
    if grid.pk not in rule_group:
        if existing:
            rule_group[grid.pk] = min(existing, key=lambda g: g.code)
        else:
            code = book.free_code(f"{grid.code}-Q1", f"{grid.code}-Q{{}}", 2)
            by_rule = NewGroup(grid, RULE_GROUP_NAME, code)
            plan.groups.append(by_rule)
            rule_group[grid.pk] = by_rule
    return rule_group[grid.pk]


def _write(acting_user: User | None, district: AreaNode, book: AddressBook, plan: Plan) -> None:
    """Create the planned groups, buildings and households, level by level (a fixed number of
    queries: the parents in one, then each level's bulk insert)."""
    parent_ids = {g.grid.pk for g in plan.groups}
    parent_ids |= {b.group.pk for b in plan.buildings.values() if isinstance(b.group, Place)}
    parent_ids |= {h.building.pk for h in plan.households if isinstance(h.building, Place)}
    parents = AreaNode.objects.in_bulk(parent_ids)
    groups = bulk_create_areas(
        acting_user, [(parents[g.grid.pk], {"name": g.name, "code": g.code}) for g in plan.groups]
    )
    for planned, node in zip(plan.groups, groups, strict=True):
        planned.node = node
    building_rows = []
    for building in plan.buildings.values():
        group = building.group
        parent = group.node if isinstance(group, NewGroup) else parents[group.pk]
        assert parent is not None  # noqa: S101 (created just above)
        building.code = _building_code(book, building, parent.code)
        lng, lat = building.point or book.grid_point(building.grid) or (None, None)
        building_rows.append(
            (
                parent,
                {
                    "name": building.name,
                    "code": building.code,
                    "address": building.address,
                    "lng": lng,
                    "lat": lat,
                },
            )
        )
    for planned_building, node in zip(
        plan.buildings.values(), bulk_create_areas(acting_user, building_rows), strict=True
    ):
        planned_building.node = node
    household_rows = []
    for household in plan.households:
        target = household.building
        parent = target.node if isinstance(target, NewBuilding) else parents[target.pk]
        assert parent is not None  # noqa: S101 (created just above)
        suffix = f"{household.unit}-{household.room}" if household.unit else household.room
        if len(parent.code) + len(suffix) < CODE_LENGTH - 4:
            code = book.free_code(f"{parent.code}-{suffix}", f"{parent.code}-{suffix}-{{}}", 2)
        else:  # a room written at length: numbered instead
            code = book.free_code(f"{parent.code}-H1", f"{parent.code}-H{{}}", 2)
        name = f"{household.unit}单元{household.room}室" if household.unit else f"{household.room}室"
        household_rows.append((parent, {"name": name, "code": code}))
    bulk_create_areas(acting_user, household_rows)


def _building_code(book: AddressBook, building: NewBuilding, group_code: str) -> str:
    key = book.places.key_under(building.grid, Level.BUILDING, building.name)
    wanted = f"{group_code}-B{int(key[1:]):02d}" if key.startswith("#") and key[1:].isdigit() else ""
    if wanted and wanted not in book.places.codes:
        book.places.codes.add(wanted)
        return wanted
    return book.free_code(f"{group_code}-B01", f"{group_code}-B{{:02d}}", 2)
