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

* `plan_district(scale, seed)` (`plan.py`) decides everything in pure Python (no database):
  same seed → identical plan, down to every name, point and ID number, a `DistrictPlan`
  (`blueprint.py`, with the scales and the other fixed facts). `plan.fingerprint()` hashes it.
* `build_reference_district(scale, seed)` (here) writes the plan through the actions
  (`create_district`, `bulk_create_areas`, `lay_vertical_units`, `create_persons`,
  `file_case`, …) inside one transaction (all or nothing), stage by stage, and returns a
  `DemoResult`.

`database_fingerprint(district)` reads the same facts back from the database, so a test can
check that what was written is exactly what was planned.
"""

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas import actions as area_actions
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.cases.models import Case, HandlingUnit
from wangge.demo import names
from wangge.demo.assistance import write_assistance
from wangge.demo.blueprint import (
    BOUNDARIES_VALID_FROM,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    DEMO_USERNAMES,
    DistrictPlan,
    ScaleSpec,
    fingerprint_of,
)
from wangge.demo.casework import write_cases
from wangge.demo.fieldwork import FieldworkResult, write_fieldwork
from wangge.demo.plan import plan_district
from wangge.demo.resources import ResourcesResult, write_resources
from wangge.demo.team import TeamResult, write_team
from wangge.demo.volunteers import VolunteersResult, write_volunteers
from wangge.lib.errors import DomainError
from wangge.lib.geo import polygon_from_geojson
from wangge.orgs import actions as org_actions
from wangge.orgs.models import OrgUnit
from wangge.people import actions as people_actions
from wangge.people.models import HouseholdMember, MemberProfile, Person, WorkerProfile

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
    fieldwork: FieldworkResult | None = None
    assistance: dict[str, int] | None = None
    resources: ResourcesResult | None = None
    team: TeamResult | None = None
    volunteers: VolunteersResult | None = None


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
        _write_accounts(plan, areas, password, persons)
        lap("accounts")
        write_cases(plan, areas)
        lap("cases")
        fieldwork = write_fieldwork(plan, areas)
        lap("fieldwork")
        resources = write_resources(plan, areas)
        lap("resources")
        assistance = write_assistance(plan, areas)  # pairs social organisations: after resources
        lap("assistance")
        volunteers = write_volunteers(plan, areas)
        lap("volunteers")
        team = write_team(plan, areas)
        lap("team")
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
        fieldwork=fieldwork,
        assistance=assistance,
        resources=resources,
        team=team,
        volunteers=volunteers,
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
    needed |= {a.person for a in plan.accounts if a.person is not None}  # the volunteer's own
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
                    ethnicity=p.ethnicity,
                    registered_address=p.registered_address,
                    current_address=p.current_address,
                    residence_status=p.residence_status,
                    political_status=p.political_status,
                    education=p.education,
                    employer=p.employer,
                    sensitive=p.sensitive,
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


def _write_accounts(
    plan: DistrictPlan, areas: dict[str, list[AreaNode]], password: str, persons: dict[int, Person]
) -> None:
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
    # An account that is a registry person's own (the member's): notices meant for them reach it.
    for account, user in zip(plan.accounts, users, strict=True):
        if account.person is not None:
            Person.objects.filter(pk=persons[account.person].pk).update(user=user)


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
    """The demo accounts as they are in the database, the scope of a unit's staff ending with the
    unit ("泉华区 / 住房和城乡建设局"). `password` is shown for the accounts whose password it
    still is (checked once per distinct hash, PBKDF2 being slow on purpose; not at all with
    `check=False`, right after the build set it)."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    units: dict[int, list[str]] = {}
    for user_id, unit in (
        HandlingUnit.users.through.objects.filter(user__in=users.values(), handlingunit__district=district)
        .order_by("handlingunit__name")
        .values_list("user_id", "handlingunit__name")
    ):
        units.setdefault(user_id, []).append(unit)
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
            path = " / ".join([scope_path(assignment.area, names_by_id), *units.get(user.pk, [])])
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
            *(f"person__{name}" for name in people_actions.PLAIN_FIELDS),
        )
    )
    cases = list(
        Case.objects.filter(district=district).values_list(
            "category__code", "building__code", "channel", "description", "state", "overdue"
        )
    )
    return fingerprint_of(areas, polygons, residents, cases)
