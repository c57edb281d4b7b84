"""The reference district's fixed description and its plan as data.

The fixed part: the default seed and password, the date ages are counted at, the scales
(`SCALES`: how many households, how tall the buildings), the coverage gaps to plant, the demo
user names. The plan: the dataclasses `plan_district` (`plan.py`) fills in (areas, residents,
members and zones, workers, units, accounts, cases) and `build_reference_district`
(`generator.py`) and `write_cases` (`casework.py`) write, and the fingerprint that hashes a plan,
or the same facts read back from the database.

No database and no randomness here: `plan.py` decides, `generator.py` and `casework.py` write.
"""

import datetime as dt
import hashlib
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from wangge.areas.models import Level
from wangge.cases.catalogue import DEFAULT_CATALOGUE
from wangge.orgs.coverage import GapKind

DEFAULT_SEED = 2014
DEFAULT_PASSWORD = "wangge-demo-2026"  # noqa: S105 (published on purpose: demo accounts only)
# Ages are counted at this date, so the data set does not drift with the calendar.
REFERENCE_DATE = dt.date(2026, 1, 1)
# Grid boundaries are valid from the year of the newspaper report.
BOUNDARIES_VALID_FROM = dt.datetime(2014, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
# How many of each kind of coverage gap the district gets.
PLANTED_GAPS = {
    GapKind.GRID_WITHOUT_UNIT: 2,
    GapKind.GROUP_WITHOUT_UNIT: 3,
    GapKind.BUILDING_WITHOUT_MEMBER: 4,
    GapKind.HOUSEHOLD_WITHOUT_MEMBER: 6,
}
MEMBER_SHARE = 0.07  # of adults


@dataclass(frozen=True)
class ScaleSpec:
    """How big the district is: households are laid out building by building, then floors are
    added or removed until the total is within one floor of `households`."""

    households: int
    groups_per_grid: tuple[int, int]
    buildings_per_group: tuple[int, int]
    units: tuple[int, int]
    floors: tuple[int, int]
    high_rise_share: float = 0.0
    high_rise_floors: tuple[int, int] = (11, 18)
    flats_per_floor: int = 2
    cases: int = 90  # a core for the demo accounts' worklists, then background cases up to this


SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(
        households=10_000, groups_per_grid=(2, 2), buildings_per_group=(2, 3), units=(1, 2), floors=(3, 5)
    ),
    "full": ScaleSpec(
        households=100_000,
        groups_per_grid=(3, 4),
        buildings_per_group=(4, 6),
        units=(2, 3),
        floors=(5, 7),
        high_rise_share=0.15,
        cases=320,
    ),
}

# The staff accounts of the handling units, with the unit each works for: every department of
# the default catalogue (`department`, the first, for 民政局) and district dispatch, where a case
# no routing rule matches goes; so every case can be taken further by someone.
DISPATCH_UNIT = "区级派遣中心"
UNIT_ACCOUNTS: dict[str, str] = {
    "department": "民政局",
    "dept_chengguan": "城市管理局",
    "dept_zhujian": "住房和城乡建设局",
    "dept_huanjing": "生态环境局",
    "dept_shichang": "市场监督管理局",
    "dept_sifa": "司法局",
    "dispatch_center": DISPATCH_UNIT,
}

# The demo accounts, one per role (and one per handling unit), in the order they are printed.
DEMO_USERNAMES = [
    "admin",
    "district_admin",
    "community_staff",
    "grid_secretary",
    "grid_leader",
    "grid_worker",
    "grid_worker2",
    "member",
    "volunteer",
    *UNIT_ACCOUNTS,
    "supervisor",
    "resident_unit",
    "social_org",
    "resident",
]


# --- the plan ---------------------------------------------------------------------------------

# code → (group code, time limit, its unit, return visit required), from the default catalogue.
CATEGORIES: dict[str, tuple[str, int, str, bool]] = {
    code: (group, limit, unit, visit)
    for group, _name, children in DEFAULT_CATALOGUE
    for code, _child_name, limit, unit, visit, _public in children
}
REQUESTED, APPROVED = "requested", "approved"  # the states of a planned extension


@dataclass(slots=True)
class AreaPlan:
    code: str
    name: str
    parent: int  # index into the level above (-1: the district)
    lng: float | None = None
    lat: float | None = None
    address: str = ""


@dataclass(slots=True)
class PersonPlan:
    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    phone: str
    household: int
    relation: str
    grid: int
    age: int  # at REFERENCE_DATE
    # The registry's other facts (`plan._plan_facts`): plain, but for `sensitive` (encrypted).
    ethnicity: str = ""
    registered_address: str = ""
    current_address: str = ""
    residence_status: str = ""
    political_status: str = ""
    education: str = ""
    employer: str = ""
    sensitive: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class MemberPlan:
    person: int
    kind: str
    community: int


@dataclass(slots=True)
class ZonePlan:
    member: int  # index into members
    name: str
    buildings: list[int]
    households: list[int]


@dataclass(slots=True)
class WorkerPlan:
    person: int
    kind: str
    level: str  # community or grid
    area: int


@dataclass(slots=True)
class HorizontalPlan:
    kind: str
    level: str
    area: int
    name: str
    sector: str = ""
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None


@dataclass(slots=True)
class ResidentUnitPlan:
    grid: int
    name: str
    kind: str
    address: str


@dataclass(slots=True)
class AccountPlan:
    username: str
    role: str  # a Role value, or "" for the superuser
    level: str
    area: int
    display_name: str
    unit: str = ""  # the handling unit the account is staff of (`UNIT_ACCOUNTS`)
    person: int | None = None  # the registry person whose own account it is (index into persons)


@dataclass(slots=True)
class CasePlan:
    category: str  # category code, e.g. "MS01"
    building: int  # index into plan.buildings
    channel: str
    description: str
    state: str  # the `State` the case is left in
    filer: str = ""  # the demo account filing it; "" for a grid worker or a caller without one
    reporter_name: str = ""
    reporter_contact: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    visit: str = ""  # the return-visit result of a closed or reopened case whose category needs one
    overdue_days: int = 0  # the deadline this many working days in the past, then swept overdue
    supervision: str = ""  # "yellow" or "red": under supervision
    urged: bool = False
    extension: str = ""  # REQUESTED (waiting for a decision) or APPROVED
    co_handler: str = ""  # a department asked to co-handle (left open)
    unit: str = ""  # dispatched to this unit by hand rather than where routing sends it
    merge_into: int = -1  # duplicates: index of the case it is merged into
    year_earlier: bool = False  # filed and taken to its state, then moved back a year (petitions)

    @property
    def group(self) -> str:
        return CATEGORIES[self.category][0]


@dataclass
class DistrictPlan:
    scale: str
    seed: int
    name: str
    code: str
    communities: list[AreaPlan] = field(default_factory=list)
    grids: list[AreaPlan] = field(default_factory=list)
    grid_polygons: list[BaseGeometry] = field(default_factory=list)
    groups: list[AreaPlan] = field(default_factory=list)
    buildings: list[AreaPlan] = field(default_factory=list)
    households: list[AreaPlan] = field(default_factory=list)
    persons: list[PersonPlan] = field(default_factory=list)
    members: list[MemberPlan] = field(default_factory=list)
    zones: list[ZonePlan] = field(default_factory=list)
    workers: list[WorkerPlan] = field(default_factory=list)
    horizontal_units: list[HorizontalPlan] = field(default_factory=list)
    resident_units: list[ResidentUnitPlan] = field(default_factory=list)
    demonstration_households: list[tuple[int, dt.date]] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)
    cases: list[CasePlan] = field(default_factory=list)
    # Planted coverage gaps: indices into grids / groups / buildings / households.
    gap_grids: set[int] = field(default_factory=set)
    gap_groups: set[int] = field(default_factory=set)
    gap_buildings: set[int] = field(default_factory=set)
    gap_households: set[int] = field(default_factory=set)

    def area_list(self, level: str) -> list[AreaPlan]:
        lists: dict[str, list[AreaPlan]] = {
            Level.COMMUNITY: self.communities,
            Level.GRID: self.grids,
            Level.BUILDING_GROUP: self.groups,
            Level.BUILDING: self.buildings,
            Level.HOUSEHOLD: self.households,
        }
        return lists[level]

    def children(self, level: str) -> dict[int, list[int]]:
        """Indices of the areas of `level`, by the index of their parent."""
        grouped: dict[int, list[int]] = defaultdict(list)
        for index, area in enumerate(self.area_list(level)):
            grouped[area.parent].append(index)
        return grouped

    def buildings_by_grid(self) -> dict[int, list[int]]:
        grouped: dict[int, list[int]] = defaultdict(list)
        for index, building in enumerate(self.buildings):
            grouped[self.groups[building.parent].parent].append(index)
        return grouped

    def persons_by_grid(self) -> dict[int, list[int]]:
        grouped: dict[int, list[int]] = defaultdict(list)
        for index, person in enumerate(self.persons):
            grouped[person.grid].append(index)
        return grouped

    @property
    def gaps(self) -> dict[str, set[str]]:
        """The planted gaps as area codes per `GapKind`."""
        return {
            GapKind.GRID_WITHOUT_UNIT: {self.grids[i].code for i in self.gap_grids},
            GapKind.GROUP_WITHOUT_UNIT: {self.groups[i].code for i in self.gap_groups},
            GapKind.BUILDING_WITHOUT_MEMBER: {self.buildings[i].code for i in self.gap_buildings},
            GapKind.HOUSEHOLD_WITHOUT_MEMBER: {self.households[i].code for i in self.gap_households},
        }

    def fingerprint(self) -> str:
        """A hash of every area (code, name, point), grid polygon, resident (with their plain
        facts) and case as planned."""
        areas = [(Level.DISTRICT, AreaPlan(self.code, self.name, -1))]
        for level in (Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING, Level.HOUSEHOLD):
            areas.extend((level, a) for a in self.area_list(level))
        residents = [
            (
                p.name,
                p.gender,
                p.birth_date,
                _mask_id(p.id_number),
                self.households[p.household].code,
                p.relation,
                p.ethnicity,
                p.registered_address,
                p.current_address,
                p.residence_status,
                p.political_status,
                p.education,
                p.employer,
            )
            for p in self.persons
        ]
        polygons = {self.grids[i].code: polygon for i, polygon in enumerate(self.grid_polygons)}
        cases = [
            (c.category, self.buildings[c.building].code, c.channel, c.description, c.state, c.overdue_days > 0)
            for c in self.cases
        ]
        return fingerprint_of(
            [(level, a.code, a.name, a.lng, a.lat, a.address) for level, a in areas], polygons, residents, cases
        )


def fingerprint_of(
    areas: Sequence[tuple[object, ...]],
    polygons: dict[str, BaseGeometry],
    residents: Sequence[tuple[object, ...]],
    cases: Sequence[tuple[object, ...]] = (),
) -> str:
    """The hash of a district's facts: its areas (by code), grid polygons (by grid code),
    residents (in the order given) and cases (by content)."""
    digest = hashlib.sha256()

    def line(row: Sequence[object]) -> bytes:
        # str() of a TextChoices member is its value, as read back from the database.
        return (
            "\x1f".join("" if v is None else repr(v) if isinstance(v, float) else str(v) for v in row) + "\n"
        ).encode()

    for row in sorted(areas, key=lambda r: str(r[1])):
        digest.update(line(row))
    for code in sorted(polygons):
        digest.update(code.encode())
        digest.update(polygons[code].normalize().wkb)
    for row in residents:
        digest.update(line(row))
    # Cases by content (category, building, channel, description, state, overdue): their numbers
    # and times depend on the day of the build.
    for encoded in sorted(line(row) for row in cases):
        digest.update(encoded)
    return digest.hexdigest()


def _mask_id(number: str) -> str:
    return f"{number[:3]}{'*' * 11}{number[-4:]}"
