"""Planning the demo district: everything it will hold, decided from the seed in pure Python
(no database), so the same seed gives an identical plan down to every name, point and ID number.

`plan_district(scale, seed)` lays out communities, grids (the polygons of `geometry.py`),
building groups, buildings with their points, households; draws the residents with valid
synthetic ID numbers; plants the coverage gaps; chooses the members and their responsibility
zones, the community workers, the horizontal and resident units, one account per role; and
asks `casework.plan_cases` for the cases. The result is a `DistrictPlan` (`blueprint.py`).
"""

import bisect
import datetime as dt
import itertools
import random
from collections import defaultdict

import numpy as np
from django.utils.translation import gettext as _
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from wangge.accounts.models import Role
from wangge.areas.models import Level
from wangge.demo import names
from wangge.demo.blueprint import (
    DEFAULT_SEED,
    MEMBER_SHARE,
    PLANTED_GAPS,
    REFERENCE_DATE,
    SCALES,
    UNIT_ACCOUNTS,
    AccountPlan,
    AreaPlan,
    DistrictPlan,
    HorizontalPlan,
    MemberPlan,
    PersonPlan,
    ResidentUnitPlan,
    ScaleSpec,
    WorkerPlan,
    ZonePlan,
)
from wangge.demo.casework import plan_cases
from wangge.demo.geometry import DECIMALS, district_layout, random_points_in
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import check_digit
from wangge.orgs.coverage import GapKind
from wangge.orgs.models import UnitKind
from wangge.people.models import Education, MemberKind, PoliticalStatus, Relation, ResidenceStatus, WorkerKind


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
    _plan_facts(plan, random.Random(f"{seed}-facts"))
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


# The schooling of adults by age band (lowest age of the band), as weights of `Education`.
EDUCATION_BY_AGE: list[tuple[int, dict[str, int]]] = [
    (23, {Education.JUNIOR: 15, Education.SENIOR: 15, Education.VOCATIONAL: 12, Education.COLLEGE: 22,
          Education.BACHELOR: 28, Education.MASTER: 7, Education.DOCTOR: 1}),
    (50, {Education.PRIMARY: 10, Education.JUNIOR: 35, Education.SENIOR: 25, Education.VOCATIONAL: 10,
          Education.COLLEGE: 10, Education.BACHELOR: 8, Education.MASTER: 2}),
    (70, {Education.NONE: 10, Education.PRIMARY: 35, Education.JUNIOR: 30, Education.SENIOR: 15,
          Education.VOCATIONAL: 5, Education.COLLEGE: 3, Education.BACHELOR: 2}),
]  # fmt: skip
LOCAL_REGION = "3701"  # ID numbers issued in the city: registered where they live


def _education(age: int, rng: random.Random) -> str:
    if age < 6:
        return ""
    if age < 18:
        at_school = Education.PRIMARY if age < 12 else Education.JUNIOR if age < 15 else Education.SENIOR
        return Education.VOCATIONAL if age >= 15 and rng.random() < 0.2 else at_school
    if age < 23:
        return rng.choice([Education.SENIOR, Education.VOCATIONAL, Education.COLLEGE, Education.BACHELOR])
    weights = next(w for low, w in reversed(EDUCATION_BY_AGE) if age >= low)
    return rng.choices(list(weights), list(weights.values()))[0]


def _plan_facts(plan: DistrictPlan, rng: random.Random) -> None:
    """The facts a registry keeps beyond name and ID number: ethnicity (shared by a family, a
    spouse's drawn apart), addresses (the flat lived in; registered there, or at home for most
    of those from outside the city), political affiliation (the members are party members),
    schooling by age, an employer for most of working age, a mobile number for most from 14 to
    88 (some have one from `_plan_residents` already), and the sensitive facts of a few (living
    alone at 65 or over, a chronic illness, a disability, subsistence support)."""
    ethnicities = [e for e, _w in names.ETHNICITIES]
    ethnicity_weights = [w for _e, w in names.ETHNICITIES]
    employers = names.EMPLOYERS + [u.name for u in plan.resident_units if u.kind != "学校"]
    members = {m.person for m in plan.members}
    household_size: dict[int, int] = defaultdict(int)
    for person in plan.persons:
        household_size[person.household] += 1
    family_ethnicity = ""
    for index, person in enumerate(plan.persons):
        household = plan.households[person.household]
        building = plan.buildings[household.parent]
        age = person.age
        drawn = rng.choices(ethnicities, ethnicity_weights)[0]
        if person.relation == Relation.HEAD:
            family_ethnicity = drawn
        person.ethnicity = drawn if person.relation in (Relation.HEAD, Relation.SPOUSE) else family_ethnicity
        person.current_address = f"{plan.name}{building.address}{household.name}"
        region = person.id_number[:6]
        if not region.startswith(LOCAL_REGION) and region in names.REGION_PLACES and rng.random() < 0.7:
            person.residence_status = ResidenceStatus.RESIDENT_ONLY
            street = rng.choice(names.HOME_STREETS)
            person.registered_address = f"{names.REGION_PLACES[region]}{street}{rng.randint(1, 200)}号"
        else:
            person.residence_status = ResidenceStatus.CONSISTENT
            person.registered_address = person.current_address
        if index in members:
            person.political_status = PoliticalStatus.MEMBER
        elif age >= 14:
            league = 14 <= age <= 28 and rng.random() < 0.3
            democratic = age >= 30 and rng.random() < 0.008
            person.political_status = (
                PoliticalStatus.LEAGUE
                if league
                else PoliticalStatus.DEMOCRATIC_PARTY
                if democratic
                else PoliticalStatus.MASSES
            )
        person.education = _education(age, rng)
        if not person.phone and 14 <= age <= 88 and rng.random() < 0.6:
            person.phone = rng.choice(names.PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        if 23 <= age <= 60 and rng.random() < 0.85:
            person.employer = rng.choice(employers)
        facts: dict[str, object] = {}
        if age >= 65 and household_size[person.household] == 1:
            facts["elderly_alone"] = True
        if age >= 55 and rng.random() < 0.15:
            facts["chronic_illness"] = rng.choice(names.CHRONIC_ILLNESSES)
        if rng.random() < 0.015:
            facts["disability"] = {"kind": rng.choice(names.DISABILITIES), "level": rng.randint(1, 4)}
        if rng.random() < 0.01:
            facts["support"] = "extreme_poverty" if age >= 60 and rng.random() < 0.3 else "low_income"
        person.sensitive = facts


def _plan_accounts(plan: DistrictPlan) -> None:
    """One account per role, scoped where that role works: the first grid's team, a second grid
    worker in another community, a member over one building, a resident in one household."""
    worker_persons = {(w.kind, w.area): w.person for w in plan.workers if w.level == Level.GRID}
    workers = {key: plan.persons[person].name for key, person in worker_persons.items()}
    second = next(g for g, grid in enumerate(plan.grids) if grid.parent == 1)
    # The member account: an in-service member answering for one building of the first grid (the
    # demo grid worker's), so that a visit there sends them a notice (`demo.fieldwork`).
    in_grid0 = [
        z
        for z in plan.zones
        if plan.persons[plan.members[z.member].person].grid == 0
        and z.buildings
        and plan.members[z.member].kind == MemberKind.IN_SERVICE
    ]
    zone = min(in_grid0, key=lambda z: len(z.buildings) != 1)
    member_person = plan.persons[plan.members[zone.member].person]
    resident_household = next(
        h
        for h, household in enumerate(plan.households)
        if plan.groups[plan.buildings[household.parent].parent].parent == 0 and h not in plan.gap_households
    )
    head = next(p for p in plan.persons if p.household == resident_household)
    # The volunteer's account is a person's own: one who is not a worker or member already.
    taken = {w.person for w in plan.workers} | {m.person for m in plan.members}
    volunteer_index = next(
        i
        for i, p in enumerate(plan.persons)
        if p.grid == 0 and 25 <= p.age <= 60 and p.relation == Relation.SPOUSE and i not in taken
    )
    volunteer = plan.persons[volunteer_index]
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
            person=worker_persons[(WorkerKind.GRID_SECRETARY, 0)],
        ),
        AccountPlan(
            "grid_leader",
            Role.GRID_LEADER,
            Level.GRID,
            0,
            workers[(WorkerKind.GRID_LEADER, 0)],
            person=worker_persons[(WorkerKind.GRID_LEADER, 0)],
        ),
        AccountPlan(
            "grid_worker",
            Role.GRID_WORKER,
            Level.GRID,
            0,
            workers[(WorkerKind.GRID_WORKER, 0)],
            person=worker_persons[(WorkerKind.GRID_WORKER, 0)],
        ),
        AccountPlan(
            "grid_worker2",
            Role.GRID_WORKER,
            Level.GRID,
            second,
            workers[(WorkerKind.GRID_WORKER, second)],
            person=worker_persons[(WorkerKind.GRID_WORKER, second)],
        ),
        AccountPlan(
            "member",
            Role.MEMBER,
            Level.BUILDING if len(zone.buildings) == 1 else Level.GRID,
            zone.buildings[0] if len(zone.buildings) == 1 else 0,
            member_person.name,
            person=plan.members[zone.member].person,
        ),
        AccountPlan("volunteer", Role.VOLUNTEER, Level.COMMUNITY, 0, volunteer.name, person=volunteer_index),
        *(
            AccountPlan(username, Role.DEPARTMENT, Level.DISTRICT, 0, f"{plan.name}{unit.removeprefix('区级')}", unit)
            for username, unit in UNIT_ACCOUNTS.items()
        ),
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
