"""The reference-district generator: a reproducible, realistic district for demos, tests and
benchmarks, built through the platform's own actions.

The district has 38 communities and 181 grids (the figures of the district in the brief),
grid polygons that tile it with no overlap or gap, building groups, buildings with points
inside their grid, households, residents with valid synthetic ID numbers, members with
responsibility zones, community workers, horizontal and resident units, one demo account
per role, and the case chain: the default catalogue, departments and routing rules, and cases
in every state, so every worklist of the demo accounts has something in it (`casework.py`).
A handful of coverage gaps is planted on purpose and listed in the result, so the coverage
report has something true to show.

Building happens in two steps:

* `plan_district(scale, seed)` decides everything in pure Python (no database): same seed →
  identical plan, down to every name, point and ID number. `plan.fingerprint()` hashes it.
* `build_reference_district(scale, seed)` writes the plan through the actions
  (`create_district`, `bulk_create_areas`, `lay_vertical_units`, `create_persons`,
  `file_case`, …) inside one transaction (all or nothing), stage by stage, and returns a
  `DemoResult`.

`database_fingerprint(district)` reads the same facts back from the database, so a test can
check that what was written is exactly what was planned.
"""

import bisect
import datetime as dt
import itertools
import random
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas import actions as area_actions
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.cases.models import Case
from wangge.demo import names
from wangge.demo.blueprint import (
    AccountPlan,
    AreaPlan,
    DistrictPlan,
    HorizontalPlan,
    MemberPlan,
    PersonPlan,
    ResidentUnitPlan,
    WorkerPlan,
    ZonePlan,
    fingerprint_of,
)
from wangge.demo.casework import plan_cases, write_cases
from wangge.demo.geometry import DECIMALS, district_layout, random_points_in
from wangge.lib.errors import DomainError
from wangge.lib.geo import polygon_from_geojson
from wangge.lib.idnumber import check_digit
from wangge.orgs import actions as org_actions
from wangge.orgs.coverage import GapKind
from wangge.orgs.models import OrgUnit, UnitKind
from wangge.people import actions as people_actions
from wangge.people.models import (
    HouseholdMember,
    MemberKind,
    MemberProfile,
    Person,
    Relation,
    WorkerKind,
    WorkerProfile,
)

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


class _Draw:
    """Seeded choices from the word lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = [s for s, _w in names.SURNAMES]
        self.surname_weights = list(itertools.accumulate(w for _s, w in names.SURNAMES))
        self.regions = [r for r, _w in names.REGION_CODES]
        self.region_weights = list(itertools.accumulate(w for _r, w in names.REGION_CODES))
        self.id_numbers: set[str] = set()

    def weighted(self, items: list[str], cumulative: list[int]) -> str:
        return items[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def surname(self) -> str:
        return self.weighted(self.surnames, self.surname_weights)

    def given(self, gender: str) -> str:
        pool = names.MALE_GIVEN if gender == "male" else names.FEMALE_GIVEN
        length = 1 if self.rng.random() < 0.25 else 2
        return "".join(self.rng.choice(pool) for _i in range(length))

    def birth_date(self, age: int) -> dt.date:
        """A birth date giving exactly `age` completed years on REFERENCE_DATE (1 January)."""
        return dt.date(REFERENCE_DATE.year - age - 1, 1, 1) + dt.timedelta(days=1 + self.rng.randrange(364))

    def id_number(self, birth: dt.date, gender: str) -> str:
        region = self.weighted(self.regions, self.region_weights)
        while True:
            sequence = self.rng.randint(0, 499) * 2 + (1 if gender == "male" else 0)
            first17 = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
            if first17 not in self.id_numbers:
                self.id_numbers.add(first17)
                return first17 + check_digit(first17)

    def phone(self) -> str:
        return self.rng.choice(names.PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"


def _people_of_household(draw: _Draw) -> list[tuple[str, str, int, str]]:
    """(name, gender, age, relation) for the members of one household, head first."""
    rng = draw.rng
    size = rng.choices([1, 2, 3, 4, 5], [10, 25, 32, 20, 13])[0]
    head_age = int(rng.triangular(24, 88, 48))
    head_gender = "male" if rng.random() < 0.62 else "female"
    head_surname = draw.surname()
    people: list[tuple[str, str, int, str]] = [
        (head_surname + draw.given(head_gender), head_gender, head_age, Relation.HEAD)
    ]
    family_surname = head_surname
    if size >= 2 and (size > 2 or rng.random() < 0.85):
        gender = "female" if head_gender == "male" else "male"
        surname = draw.surname()
        if gender == "male":
            family_surname = surname
        age = max(20, head_age + rng.randint(-5, 5))
        people.append((surname + draw.given(gender), gender, age, Relation.SPOUSE))
    while len(people) < size:
        gender = "male" if rng.random() < 0.5 else "female"
        if head_age <= 56 and size >= 4 and len(people) == size - 1:
            age = min(96, head_age + rng.randint(22, 32))
            surname = family_surname if gender == "male" else draw.surname()
            people.append((surname + draw.given(gender), gender, age, Relation.PARENT))
        elif head_age < 62:
            age = rng.randint(max(0, head_age - 42), max(0, head_age - 22))
            people.append((family_surname + draw.given(gender), gender, age, Relation.CHILD))
        elif len(people) < 3:
            age = max(18, head_age - rng.randint(24, 36))
            people.append((family_surname + draw.given(gender), gender, age, Relation.CHILD))
        else:
            age = rng.randint(0, 17)
            people.append((family_surname + draw.given(gender), gender, age, Relation.OTHER))
    return people


def plan_district(scale: str = "small", seed: int = DEFAULT_SEED, *, spec: ScaleSpec | None = None) -> DistrictPlan:
    """Everything the district will hold, decided without a database.

    `spec` replaces the named scale's sizes (tests use a lighter district of the same shape).
    """
    if spec is None:
        if scale not in SCALES:
            raise DomainError(
                "unknown_scale", _("Unknown demo scale “%(scale)s”; use small or full.") % {"scale": scale}
            )
        spec = SCALES[scale]
    layout = district_layout(seed)
    plan = DistrictPlan(scale, seed, names.DISTRICT_NAME, names.DISTRICT_CODE)
    rng = random.Random(f"{seed}-areas")
    community_names = rng.sample(names.COMMUNITY_NAMES, len(layout.communities))
    roads = rng.sample(names.ROADS, len(layout.communities))

    # Areas: communities → grids → building groups → buildings (with points) → households.
    point_rng = np.random.default_rng([seed, 7])
    flats: list[list[int]] = []  # per building: [units, floors]
    for c, _cell in enumerate(layout.communities):
        community = AreaPlan(f"{plan.code}-C{c + 1:02d}", f"{community_names[c]}社区", -1, address=roads[c])
        plan.communities.append(community)
        house_number = rng.randint(1, 9)
        for grid_layout in layout.grids_of(c):
            g = len(plan.grids)
            grid = AreaPlan(f"{community.code}-G{grid_layout.number}", f"{community.name}第{grid_layout.number}网格", c)
            plan.grids.append(grid)
            plan.grid_polygons.append(grid_layout.polygon)
            group_count = rng.randint(*spec.groups_per_grid)
            sizes = [rng.randint(*spec.buildings_per_group) for _i in range(group_count)]
            points = _building_points(grid_layout.polygon, sizes, point_rng)
            building_number = 0
            for q in range(len(sizes)):
                group = AreaPlan(f"{grid.code}-Q{q + 1}", f"{q + 1}号楼群", g, address=f"{roads[c]}{house_number}号")
                plan.groups.append(group)
                for lng, lat in points[q]:
                    building_number += 1
                    name = f"{building_number}号楼"
                    plan.buildings.append(
                        AreaPlan(
                            f"{group.code}-B{building_number:02d}",
                            name,
                            len(plan.groups) - 1,
                            lng,
                            lat,
                            f"{roads[c]}{house_number}号{name}",
                        )
                    )
                    if rng.random() < spec.high_rise_share:
                        flats.append([2, rng.randint(*spec.high_rise_floors)])
                    else:
                        flats.append([rng.randint(*spec.units), rng.randint(*spec.floors)])
                house_number += rng.randint(2, 12)
    _fit_households(flats, spec, rng)
    for b, (units, floors) in enumerate(flats):
        building = plan.buildings[b]
        for unit in range(1, units + 1):
            for floor in range(1, floors + 1):
                for flat in range(1, spec.flats_per_floor + 1):
                    plan.households.append(
                        AreaPlan(f"{building.code}-{unit}-{floor}{flat:02d}", f"{unit}单元{floor}{flat:02d}室", b)
                    )

    _plan_residents(plan, seed)
    _plan_gaps(plan, random.Random(f"{seed}-gaps"))
    _plan_members_and_zones(plan, random.Random(f"{seed}-members"))
    _plan_workers(plan, random.Random(f"{seed}-workers"))
    _plan_units(plan, random.Random(f"{seed}-units"), roads)
    _plan_accounts(plan)
    plan.cases = plan_cases(plan, random.Random(f"{seed}-cases"), spec.cases)
    return plan


def _building_points(
    polygon: BaseGeometry, sizes: list[int], rng: np.random.Generator
) -> list[list[tuple[float, float]]]:
    """Points for the buildings of each group: groups spread over the grid, buildings clustered
    around their group's centre, all at least ~25 m inside the grid's boundary."""
    inner = polygon.buffer(-0.00025)
    if inner.is_empty or inner.area < polygon.area * 0.2:
        inner = polygon.buffer(-0.00005)
    centres = random_points_in(inner, len(sizes), rng)
    result = []
    for centre, size in zip(centres, sizes, strict=True):
        around = inner.intersection(Point(centre).buffer(0.0015))
        points = random_points_in(around, size, rng)
        result.append([(round(float(x), DECIMALS), round(float(y), DECIMALS)) for x, y in points])
    return result


def _fit_households(flats: list[list[int]], spec: ScaleSpec, rng: random.Random) -> None:
    """Add or remove floors at random until the household count is within one floor of the target."""
    total = sum(units * floors for units, floors in flats) * spec.flats_per_floor
    widest = max(units for units, _floors in flats) * spec.flats_per_floor
    while abs(total - spec.households) > widest:
        building = flats[rng.randrange(len(flats))]
        step = building[0] * spec.flats_per_floor
        if total < spec.households and building[1] < 33:
            building[1] += 1
            total += step
        elif total > spec.households and building[1] > 2:
            building[1] -= 1
            total -= step


def _plan_residents(plan: DistrictPlan, seed: int) -> None:
    draw = _Draw(random.Random(f"{seed}-people"))
    rng = draw.rng
    grid_of_building = [plan.groups[b.parent].parent for b in plan.buildings]
    for h, household in enumerate(plan.households):
        grid = grid_of_building[household.parent]
        for name, gender, age, relation in _people_of_household(draw):
            birth = draw.birth_date(age)
            phone = draw.phone() if 16 <= age <= 78 and rng.random() < 0.75 else ""
            plan.persons.append(
                PersonPlan(name, gender, birth, draw.id_number(birth, gender), phone, h, relation, grid, age)
            )


def _plan_gaps(plan: DistrictPlan, rng: random.Random) -> None:
    """Two grids without their branch, three building groups without theirs, four buildings and
    six households (in those buildings, whose other households are covered one by one) without
    a responsible member. One building gap is in the first grid, where the demo grid team works."""
    candidates = list(range(1, len(plan.grids)))
    rng.shuffle(candidates)
    first, second = (
        candidates[0],
        next(g for g in candidates if plan.grids[g].parent != plan.grids[candidates[0]].parent),
    )
    plan.gap_grids = {first, second}
    groups = [q for q, group in enumerate(plan.groups) if group.parent not in plan.gap_grids and group.parent != 0]
    plan.gap_groups = set(rng.sample(groups, PLANTED_GAPS[GapKind.GROUP_WITHOUT_UNIT]))
    buildings_by_grid = plan.buildings_by_grid()
    other_grids = rng.sample([g for g in range(1, len(plan.grids)) if g not in plan.gap_grids], 3)
    gap_buildings = [rng.choice(buildings_by_grid[0])] + [rng.choice(buildings_by_grid[g]) for g in other_grids]
    plan.gap_buildings = set(gap_buildings)
    households_by_building = plan.children(Level.HOUSEHOLD)
    for building, count in zip(gap_buildings, [2, 2, 1, 1], strict=True):
        plan.gap_households.update(rng.sample(households_by_building[building], count))


def _plan_members_and_zones(plan: DistrictPlan, rng: random.Random) -> None:
    persons_by_grid = plan.persons_by_grid()
    buildings_by_grid = plan.buildings_by_grid()
    households_by_building = plan.children(Level.HOUSEHOLD)
    for g, grid in enumerate(plan.grids):
        adults = [p for p in persons_by_grid[g] if plan.persons[p].age >= 18]
        chosen = sorted(rng.sample(adults, min(len(adults), max(4, round(len(adults) * MEMBER_SHARE)))))
        first_member = len(plan.members)
        for p in chosen:
            age = plan.persons[p].age
            kind = MemberKind.RETIRED if age >= 60 else MemberKind.STUDENT if age <= 23 else MemberKind.IN_SERVICE
            plan.members.append(MemberPlan(p, kind, grid.parent))
        members = list(range(first_member, len(plan.members)))
        covered: dict[int, tuple[list[int], list[int]]] = {m: ([], []) for m in members}
        whole = [b for b in buildings_by_grid[g] if b not in plan.gap_buildings]
        for position, b in enumerate(whole):
            covered[members[position % len(members)]][0].append(b)
        # A gap building's other households are covered one by one.
        partial = [b for b in buildings_by_grid[g] if b in plan.gap_buildings]
        for position, b in enumerate(partial, start=len(whole)):
            one_by_one = [h for h in households_by_building[b] if h not in plan.gap_households]
            covered[members[position % len(members)]][1].extend(one_by_one)
        # One zone per member who answers for something; the others serve without a zone.
        for member in members:
            buildings, households = covered[member]
            if buildings or households:
                person = plan.persons[plan.members[member].person]
                plan.zones.append(ZonePlan(member, f"{person.name}党员责任区", buildings, households))
    # Demonstration households: two member households per community.
    by_community: dict[int, list[int]] = defaultdict(list)
    for profile in plan.members:
        resident = plan.persons[profile.person]
        if resident.relation in (Relation.HEAD, Relation.SPOUSE) and resident.household not in plan.gap_households:
            by_community[profile.community].append(resident.household)
    for c in range(len(plan.communities)):
        for h in sorted(set(rng.sample(by_community[c], min(2, len(by_community[c]))))):
            plan.demonstration_households.append((h, dt.date(rng.randint(2015, 2025), rng.randint(1, 12), 1)))


def _plan_workers(plan: DistrictPlan, rng: random.Random) -> None:
    persons_by_grid = plan.persons_by_grid()
    grids_of = plan.children(Level.GRID)
    members = {m.person for m in plan.members}
    taken: set[int] = set()

    def pick(pool: list[int], low: int, high: int, prefer: set[int] | None = None) -> int:
        free = [p for p in pool if p not in taken]
        fitting = [p for p in free if low <= plan.persons[p].age <= high]
        with_phone = [p for p in fitting if plan.persons[p].phone]
        preferred = [p for p in with_phone if prefer is None or p in prefer]
        person = rng.choice(preferred or with_phone or fitting or free)
        taken.add(person)
        return person

    for g in range(len(plan.grids)):
        pool = persons_by_grid[g]
        plan.workers.append(WorkerPlan(pick(pool, 28, 62, members), WorkerKind.GRID_SECRETARY, Level.GRID, g))
        plan.workers.append(WorkerPlan(pick(pool, 28, 60), WorkerKind.GRID_LEADER, Level.GRID, g))
        plan.workers.append(WorkerPlan(pick(pool, 22, 45), WorkerKind.GRID_WORKER, Level.GRID, g))
    for c in range(len(plan.communities)):
        pool = [p for g in grids_of[c] for p in persons_by_grid[g]]
        for kind, count in ((WorkerKind.FULL_TIME, 3), (WorkerKind.CIVIL_AFFAIRS, 1), (WorkerKind.SOCIAL_SECURITY, 1)):
            for _i in range(count):
                plan.workers.append(WorkerPlan(pick(pool, 22, 55), kind, Level.COMMUNITY, c))


def _plan_units(plan: DistrictPlan, rng: random.Random, roads: list[str]) -> None:
    communities = len(plan.communities)
    grids_of = plan.children(Level.GRID)
    # Merchants' joint branches in six communities (the first one included).
    for c, place in zip([0, *rng.sample(range(1, communities), 5)], names.MERCHANT_DISTRICTS, strict=True):
        plan.horizontal_units.append(
            HorizontalPlan(
                UnitKind.MERCHANTS_BRANCH, Level.GRID, rng.choice(grids_of[c]), f"{roads[c]}{place}商户联合党支部"
            )
        )
    # Sector branches in social organisations and trade associations.
    for c, (organisation, branch) in zip(
        rng.sample(range(communities), len(names.SECTOR_ORGS)), names.SECTOR_ORGS, strict=True
    ):
        plan.horizontal_units.append(HorizontalPlan(UnitKind.SECTOR_BRANCH, Level.COMMUNITY, c, branch, organisation))
    # Temporary branches of projects: one closed, one with a planned end, two open.
    dates = [
        (dt.date(2022, 4, 1), dt.date(2024, 10, 31)),
        (dt.date(2024, 9, 1), dt.date(2026, 12, 31)),
        (dt.date(2025, 3, 15), None),
        (dt.date(2025, 11, 1), None),
    ]
    for c, project, (opens, closes) in zip(
        rng.sample(range(communities), len(dates)), names.PROJECTS, dates, strict=False
    ):
        area_name = plan.communities[c].name.removesuffix("社区")
        plan.horizontal_units.append(
            HorizontalPlan(
                UnitKind.TEMPORARY_BRANCH,
                Level.GRID,
                rng.choice(grids_of[c]),
                f"{area_name}{project}临时党支部",
                f"{area_name}{project}",
                opens,
                closes,
            )
        )
    # Resident units: schools, hospitals, companies and public bodies spread over the grids.
    deck: list[tuple[str, str]] = [(n, "企业") for n in names.COMPANIES]
    deck += [(plan.name + n.removeprefix("区"), "医院") for n in names.HOSPITALS]
    deck += [(plan.name + n.removeprefix("区"), "机关事业单位") for n in names.AGENCIES]
    for c in range(communities):
        area_name = plan.communities[c].name.removesuffix("社区")
        deck.append((f"{area_name}{names.SCHOOLS[c % len(names.SCHOOLS)]}", "学校"))
        if c % 3 == 0:
            deck.append((f"{plan.communities[c].name}卫生服务中心", "医院"))
    rng.shuffle(deck)
    # The first grid gets one (for the resident-unit demo account); the rest go round the communities.
    homes = [0] + [rng.choice(grids_of[i % communities]) for i in range(1, len(deck))]
    for g, (name, kind) in zip(homes, deck, strict=True):
        address = f"{roads[plan.grids[g].parent]}{rng.randint(1, 300)}号"
        plan.resident_units.append(ResidentUnitPlan(g, name, kind, address))


def _plan_accounts(plan: DistrictPlan) -> None:
    """One account per role, scoped where that role works: the first grid's team, a second grid
    worker in another community, a member over one building, a resident in one household."""
    workers = {(w.kind, w.area): plan.persons[w.person].name for w in plan.workers if w.level == Level.GRID}
    second = next(g for g, grid in enumerate(plan.grids) if grid.parent == 1)
    zone = next(z for z in plan.zones if plan.persons[plan.members[z.member].person].grid == 0 and z.buildings)
    member_person = plan.persons[plan.members[zone.member].person]
    resident_household = next(
        h
        for h, household in enumerate(plan.households)
        if plan.groups[plan.buildings[household.parent].parent].parent == 0 and h not in plan.gap_households
    )
    head = next(p for p in plan.persons if p.household == resident_household)
    volunteer = next(p for p in plan.persons if p.grid == 0 and 25 <= p.age <= 60 and p.relation == Relation.SPOUSE)
    community = plan.communities[0]
    unit = next(u for u in plan.resident_units if u.grid == 0)
    plan.accounts = [
        AccountPlan("admin", "", Level.DISTRICT, 0, "系统管理员"),
        AccountPlan("district_admin", Role.DISTRICT_ADMIN, Level.DISTRICT, 0, f"{plan.name}区级管理员"),
        AccountPlan("community_staff", Role.COMMUNITY_STAFF, Level.COMMUNITY, 0, f"{community.name}工作人员"),
        AccountPlan(
            "grid_secretary",
            Role.GRID_SECRETARY,
            Level.GRID,
            0,
            workers[(WorkerKind.GRID_SECRETARY, 0)],
        ),
        AccountPlan("grid_leader", Role.GRID_LEADER, Level.GRID, 0, workers[(WorkerKind.GRID_LEADER, 0)]),
        AccountPlan("grid_worker", Role.GRID_WORKER, Level.GRID, 0, workers[(WorkerKind.GRID_WORKER, 0)]),
        AccountPlan(
            "grid_worker2",
            Role.GRID_WORKER,
            Level.GRID,
            second,
            workers[(WorkerKind.GRID_WORKER, second)],
        ),
        AccountPlan(
            "member",
            Role.MEMBER,
            Level.BUILDING if len(zone.buildings) == 1 else Level.GRID,
            zone.buildings[0] if len(zone.buildings) == 1 else 0,
            member_person.name,
        ),
        AccountPlan("volunteer", Role.VOLUNTEER, Level.COMMUNITY, 0, volunteer.name),
        AccountPlan("department", Role.DEPARTMENT, Level.DISTRICT, 0, f"{plan.name}民政局"),
        AccountPlan("supervisor", Role.SUPERVISOR, Level.DISTRICT, 0, f"{plan.name}督查室"),
        AccountPlan("resident_unit", Role.RESIDENT_UNIT, Level.GRID, 0, unit.name),
        AccountPlan(
            "social_org",
            Role.SOCIAL_ORG,
            Level.COMMUNITY,
            0,
            f"{community.name.removesuffix('社区')}{names.SOCIAL_ORGS[0]}",
        ),
        AccountPlan("resident", Role.RESIDENT, Level.HOUSEHOLD, resident_household, head.name),
    ]


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
    "department",
    "supervisor",
    "resident_unit",
    "social_org",
    "resident",
]


# --- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # Role value ("" for the superuser)
    role_label: str
    scope_path: str
    password: str | None  # None when the account's password is no longer the one given
    display_name: str = ""


@dataclass
class DemoResult:
    district: AreaNode
    scale: str
    seed: int
    accounts: list[DemoAccount]
    gaps: dict[str, set[str]]
    counts: dict[str, int]
    seconds: float
    timings: dict[str, float]
    fingerprint: str


def demo_district() -> AreaNode | None:
    return AreaNode.objects.filter(level=Level.DISTRICT, code=names.DISTRICT_CODE).first()


def build_reference_district(
    scale: str = "small", seed: int = DEFAULT_SEED, *, password: str = DEFAULT_PASSWORD, spec: ScaleSpec | None = None
) -> DemoResult:
    """Plan the district and write it through the actions, all or nothing (one transaction,
    written stage by stage with the bulk actions). `spec` replaces the named scale's sizes."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    clock = [started]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = round(now - clock[0], 2)
        clock[0] = now

    if demo_district() is not None:
        raise DomainError("demo_exists", _("The demo district already exists in this database."))
    taken = sorted(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    if taken:
        raise DomainError(
            "demo_usernames_taken",
            _("These demo user names are already taken: %(names)s.") % {"names": ", ".join(taken)},
        )
    plan = plan_district(scale, seed, spec=spec)
    lap("plan")
    with transaction.atomic():
        areas = _write_areas(plan)
        lap("areas")
        _write_units(plan, areas)
        lap("units")
        persons = _write_persons(plan, areas)
        lap("persons")
        _write_members(plan, areas, persons)
        lap("members")
        _write_workers(plan, areas, persons)
        lap("workers")
        _write_accounts(plan, areas, password)
        lap("accounts")
        write_cases(plan, areas)
        lap("cases")
    district = areas[Level.DISTRICT][0]
    return DemoResult(
        district=district,
        scale=scale,
        seed=seed,
        accounts=demo_accounts(district, password, check=False),
        gaps=plan.gaps,
        counts=demo_counts(district),
        seconds=round(time.perf_counter() - started, 2),
        timings=timings,
        fingerprint=plan.fingerprint(),
    )


def _write_areas(plan: DistrictPlan) -> dict[str, list[AreaNode]]:
    district = area_actions.create_district(None, name=plan.name, code=plan.code)
    areas: dict[str, list[AreaNode]] = {Level.DISTRICT: [district]}
    above = [district]
    for level in (Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING, Level.HOUSEHOLD):
        rows = [
            (
                above[max(a.parent, 0)],
                {"name": a.name, "code": a.code, "lng": a.lng, "lat": a.lat, "address": a.address},
            )
            for a in plan.area_list(level)
        ]
        above = areas[level] = area_actions.bulk_create_areas(None, rows)
    area_actions.set_grid_boundaries(
        None, zip(areas[Level.GRID], plan.grid_polygons, strict=True), at=BOUNDARIES_VALID_FROM
    )
    return areas


def _write_units(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> None:
    rows: list[tuple[AreaNode, str]] = [(c, f"{c.name}党委") for c in areas[Level.COMMUNITY]]
    grids = areas[Level.GRID]
    rows += [(grid, f"{grid.name}党总支") for g, grid in enumerate(grids) if g not in plan.gap_grids]
    rows += [
        (group, f"{grids[plan.groups[q].parent].name}{group.name}党支部")
        for q, group in enumerate(areas[Level.BUILDING_GROUP])
        if q not in plan.gap_groups
    ]
    rows += [
        (building, f"{grids[plan.groups[plan.buildings[b].parent].parent].name}{building.name}党小组")
        for b, building in enumerate(areas[Level.BUILDING])
    ]
    org_actions.lay_vertical_units(None, rows)
    for unit in plan.horizontal_units:
        org_actions.create_horizontal_unit(
            None,
            area=areas[unit.level][unit.area],
            kind=unit.kind,
            name=unit.name,
            sector=unit.sector,
            opens_on=unit.opens_on,
            closes_on=unit.closes_on,
        )
    for resident in plan.resident_units:
        org_actions.create_resident_unit(
            None,
            area=areas[Level.GRID][resident.grid],
            name=resident.name,
            kind=resident.kind,
            address=resident.address,
        )


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_persons(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> dict[int, Person]:
    """Create every resident with their household membership; keep only those given a role."""
    needed = {m.person for m in plan.members} | {w.person for w in plan.workers}
    district = areas[Level.DISTRICT][0]
    households = areas[Level.HOUSEHOLD]
    kept: dict[int, Person] = {}
    for chunk in _chunks(range(len(plan.persons)), 10_000):
        inputs = []
        for index in chunk:
            p = plan.persons[index]
            inputs.append(
                people_actions.PersonInput(
                    name=p.name,
                    gender=p.gender,
                    birth_date=p.birth_date,
                    id_number=p.id_number,
                    phone=p.phone,
                    household=households[p.household],
                    relation=p.relation,
                )
            )
        created = people_actions.create_persons(None, district=district, people=inputs)
        kept.update((index, person) for index, person in zip(chunk, created, strict=True) if index in needed)
    return kept


def _write_members(plan: DistrictPlan, areas: dict[str, list[AreaNode]], persons: dict[int, Person]) -> None:
    communities = areas[Level.COMMUNITY]
    profiles = people_actions.register_members(
        None, [(persons[m.person], m.kind, communities[m.community]) for m in plan.members]
    )
    buildings, households = areas[Level.BUILDING], areas[Level.HOUSEHOLD]
    for zone in plan.zones:
        org_actions.create_zone(
            None,
            member=profiles[zone.member],
            name=zone.name,
            areas=[buildings[b] for b in zone.buildings] + [households[h] for h in zone.households],
        )
    for household, since in plan.demonstration_households:
        org_actions.mark_demonstration_household(None, household=households[household], since=since)


def _write_workers(plan: DistrictPlan, areas: dict[str, list[AreaNode]], persons: dict[int, Person]) -> None:
    people_actions.add_workers(None, [(persons[w.person], w.kind, areas[w.level][w.area]) for w in plan.workers])


def _write_accounts(plan: DistrictPlan, areas: dict[str, list[AreaNode]], password: str) -> None:
    # PBKDF2 at Django's iteration count takes seconds per hash on a small machine: hash the
    # shared demo password once and give every demo account that hash.
    users = []
    for account in plan.accounts:
        user = account_actions.create_user(
            None, username=account.username, password=None, display_name=account.display_name
        )
        users.append(user)
        if account.role:
            account_actions.assign_role(None, user=user, role=account.role, area=areas[account.level][account.area])
        else:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=make_password(password))


# --- reading back -----------------------------------------------------------------------------


def scope_path(area: AreaNode, names_by_id: dict[int, str] | None = None) -> str:
    """The names from the district down to `area`, e.g. "泉华区 / 幸福里社区 / 幸福里社区第1网格"."""
    ids = [
        getattr(area, f"{level}_id")
        for level in (Level.DISTRICT, Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING)
    ]
    ids = [i for i in ids if i is not None and i != area.pk]
    if names_by_id is None:
        names_by_id = dict(AreaNode.objects.filter(pk__in=ids).values_list("pk", "name"))
    return " / ".join([names_by_id[i] for i in ids] + [area.name])


def demo_accounts(district: AreaNode, password: str | None, *, check: bool = True) -> list[DemoAccount]:
    """The demo accounts as they are in the database. `password` is shown for the accounts whose
    password it still is (checked once per distinct hash, PBKDF2 being slow on purpose; not at
    all with `check=False`, right after the build set it)."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    assignments = {
        a.user_id: a
        for a in RoleAssignment.objects.filter(user__in=users.values(), district=district).select_related("area")
    }
    ancestor_ids = {
        getattr(a.area, f"{level}_id")
        for a in assignments.values()
        for level in (Level.DISTRICT, Level.COMMUNITY, Level.GRID, Level.BUILDING_GROUP, Level.BUILDING)
    }
    names_by_id = dict(AreaNode.objects.filter(pk__in=ancestor_ids - {None}).values_list("pk", "name"))
    valid: dict[str, bool] = {}
    accounts = []
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        if password is not None and user.password not in valid:
            valid[user.password] = user.check_password(password) if check else True
        shown = password if password is not None and valid[user.password] else None
        assignment = assignments.get(user.pk)
        if assignment is None:
            role, label = "", str(_("Superuser")) if user.is_superuser else ""
            path = district.name
        else:
            role, label = assignment.role, str(Role(assignment.role).label)
            path = scope_path(assignment.area, names_by_id)
        accounts.append(DemoAccount(username, role, label, path, shown, user.display_name))
    return accounts


def demo_counts(district: AreaNode) -> dict[str, int]:
    by_level = dict(AreaNode.objects.filter(district=district).order_by().values_list("level").annotate(n=Count("id")))
    return {
        "communities": by_level.get(Level.COMMUNITY, 0),
        "grids": by_level.get(Level.GRID, 0),
        "building_groups": by_level.get(Level.BUILDING_GROUP, 0),
        "buildings": by_level.get(Level.BUILDING, 0),
        "households": by_level.get(Level.HOUSEHOLD, 0),
        "persons": Person.objects.filter(district=district).count(),
        "members": MemberProfile.objects.filter(district=district).count(),
        "workers": WorkerProfile.objects.filter(district=district).count(),
        "org_units": OrgUnit.objects.filter(district=district).count(),
        "cases": Case.objects.filter(district=district).count(),
    }


def database_fingerprint(district: AreaNode) -> str:
    """The plan fingerprint recomputed from what the database holds (see `DistrictPlan.fingerprint`)."""
    areas = list(
        AreaNode.objects.filter(district=district).values_list("level", "code", "name", "lng", "lat", "address")
    )
    polygons = {
        code: polygon_from_geojson(geometry)
        for code, geometry in GridBoundary.objects.filter(district=district, valid_to__isnull=True).values_list(
            "grid__code", "geometry"
        )
    }
    residents = list(
        HouseholdMember.objects.filter(person__district=district)
        .order_by("person_id")
        .values_list(
            "person__name",
            "person__gender",
            "person__birth_date",
            "person__id_number_masked",
            "household__code",
            "relation",
        )
    )
    cases = list(
        Case.objects.filter(district=district).values_list(
            "category__code", "building__code", "channel", "description", "state", "overdue"
        )
    )
    return fingerprint_of(areas, polygons, residents, cases)
