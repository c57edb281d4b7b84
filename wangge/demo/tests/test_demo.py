"""The reference district, checked from every side.

The module builds it once, inside a transaction rolled back at the end. On a small CI machine
the small scale takes most of a minute to write (the ORM's cost per row), so the module
writes a lighter district of the same shape (38 communities, 181 grids, the same gaps and
accounts; about 2,000 households) and checks the small scale's plan without a database.
"""

import datetime as dt
import io
import random
import re
from collections import Counter

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import Point

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.areas import locate
from wangge.areas.actions import import_grids
from wangge.areas.models import AreaNode, GridBoundary, Level
from wangge.assistance import queries as assistance_queries
from wangge.assistance.figures import coverage
from wangge.assistance.models import Dossier, Help, HelperKind, Need, NeedState
from wangge.cases.catalogue import DEFAULT_CATALOGUE
from wangge.cases.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    CoHandling,
    Extension,
    HandlingUnit,
    Notification,
    ReturnVisit,
    RoutingRule,
    Supervision,
)
from wangge.cases.models import UnitKind as HandlingUnitKind
from wangge.cases.queries import Worklist, route, worklist, worklists_for
from wangge.cases.workflow import State
from wangge.conftest import FAST_HASHERS
from wangge.dashboard import headline
from wangge.dashboard.periods import period
from wangge.demo.blueprint import DEFAULT_PASSWORD, DEMO_USERNAMES, SCALES, UNIT_ACCOUNTS, ScaleSpec
from wangge.demo.generator import DemoResult, build_reference_district, database_fingerprint
from wangge.demo.geometry import GRIDS, district_layout
from wangge.demo.plan import plan_district
from wangge.fieldwork.compliance import compliance
from wangge.fieldwork.models import Briefing, Checkin, Patrol, Visit
from wangge.lib.crypto import blind_index, decrypt_field
from wangge.lib.geo import IndexedArea, PointIndex, polygon_from_geojson
from wangge.lib.idnumber import birth_date_of, normalise_id_number
from wangge.orgs.coverage import GapKind, coverage_report
from wangge.orgs.models import DemonstrationHousehold, OrgUnit, ResidentUnit, UnitKind
from wangge.people.models import Gender, MemberKind, MemberProfile, Person, WorkerKind, WorkerProfile
from wangge.resources.figures import facilities_in, utilisation_by_facility
from wangge.resources.models import Agreement, Decision, Meeting, SocialOrg
from wangge.team import practical
from wangge.team.models import Commitment, Registration, RegistrationStatus, Score, StarRule, Wish, WishStatus
from wangge.volunteers import figures as volunteer_figures
from wangge.volunteers.models import Activity, HoursLog, HoursStatus, SignUp, SignUpStatus, Station
from wangge.volunteers.queries import volunteer_of

# The demo's passwords are hashed once with Django's PBKDF2 (seconds on a small machine); the
# tests do not need that strength.

# Same shape as the small scale, fewer floors: one or two groups of one or two buildings per grid.
LIGHT = ScaleSpec(households=2_000, groups_per_grid=(1, 2), buildings_per_group=(1, 2), units=(1, 1), floors=(2, 4))

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> DemoResult:
    """The reference district (LIGHT size), built once inside a transaction rolled back after the module."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_reference_district("small", spec=LIGHT)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            locate.invalidate()


def current_polygons(result: DemoResult) -> dict[str, object]:
    return {
        code: polygon_from_geojson(geometry)
        for code, geometry in GridBoundary.objects.filter(district=result.district, valid_to__isnull=True).values_list(
            "grid__code", "geometry"
        )
    }


def test_counts_match_the_reference_district(demo):
    counts = demo.counts
    assert counts["communities"] == 38
    assert counts["grids"] == GRIDS == 181
    assert abs(counts["households"] - LIGHT.households) <= 10
    assert 2.7 <= counts["persons"] / counts["households"] <= 3.3
    grids_per_community = Counter(
        AreaNode.objects.filter(district=demo.district, level=Level.GRID).values_list("community_id", flat=True)
    )
    assert sorted(Counter(grids_per_community.values()).items()) == [(4, 9), (5, 29)]
    # Every building group has buildings, every building households, every household residents.
    for level in (Level.GRID, Level.BUILDING_GROUP, Level.BUILDING):
        parents = set(AreaNode.objects.filter(district=demo.district, level=level).values_list("pk", flat=True))
        with_children = set(
            AreaNode.objects.filter(district=demo.district, parent_id__in=parents).values_list("parent_id", flat=True)
        )
        assert parents == with_children, level
    empty = AreaNode.objects.filter(district=demo.district, level=Level.HOUSEHOLD, members__isnull=True)
    assert not empty.exists()
    assert counts["members"] > 0 and set(MemberProfile.objects.values_list("kind", flat=True)) == set(MemberKind.values)


def test_the_small_and_full_scales_have_the_planned_size():
    plan = plan_district("small")
    assert (len(plan.communities), len(plan.grids)) == (38, 181)
    assert abs(len(plan.households) - SCALES["small"].households) <= 10
    assert 2.7 <= len(plan.persons) / len(plan.households) <= 3.3
    assert {kind: len(codes) for kind, codes in plan.gaps.items()} == {
        GapKind.GRID_WITHOUT_UNIT: 2,
        GapKind.GROUP_WITHOUT_UNIT: 3,
        GapKind.BUILDING_WITHOUT_MEMBER: 4,
        GapKind.HOUSEHOLD_WITHOUT_MEMBER: 6,
    }
    full = SCALES["full"]
    per_building = (sum(full.units) / 2) * (sum(full.floors) / 2) * full.flats_per_floor
    buildings = 181 * (sum(full.groups_per_grid) / 2) * (sum(full.buildings_per_group) / 2)
    assert 0.8 <= per_building * buildings / full.households <= 1.2


def test_names_and_codes_are_hierarchical(demo):
    nodes = list(AreaNode.objects.filter(district=demo.district).select_related("parent"))
    assert len({n.code for n in nodes}) == len(nodes)
    for node in nodes:
        if node.parent is not None and node.parent.level != Level.DISTRICT:
            assert node.code.startswith(node.parent.code + "-"), node.code
    grid = next(n for n in nodes if n.level == Level.GRID)
    assert grid.name.startswith(grid.parent.name) and grid.name.endswith("网格")
    assert all(n.name.endswith("室") and "单元" in n.name for n in nodes if n.level == Level.HOUSEHOLD)
    assert all(n.name.endswith("号楼") for n in nodes if n.level == Level.BUILDING)


def test_grid_polygons_tile_the_district_without_overlaps_or_gaps(demo):
    polygons = current_polygons(demo)
    assert len(polygons) == 181
    assert all(p.geom_type == "Polygon" and p.is_valid for p in polygons.values())
    features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": shapely.geometry.mapping(polygon)}
        for code, polygon in polygons.items()
    ]
    report = import_grids(None, district=demo.district, data={"type": "FeatureCollection", "features": features})
    assert (report.errors, report.overlaps, report.gaps) == ([], [], [])
    assert len(report.unchanged) == 181 and not report.committed
    union = shapely.union_all(list(polygons.values()))
    assert union.geom_type == "Polygon" and not list(union.interiors)


def test_every_building_lies_in_its_grid_and_the_point_index_finds_it(demo):
    polygons = {
        grid_id: polygon_from_geojson(geometry)
        for grid_id, geometry in GridBoundary.objects.filter(district=demo.district, valid_to__isnull=True).values_list(
            "grid_id", "geometry"
        )
    }
    buildings = list(
        AreaNode.objects.filter(district=demo.district, level=Level.BUILDING).values_list("grid_id", "lng", "lat")
    )
    assert all(polygons[grid].contains(Point(lng, lat)) for grid, lng, lat in buildings)
    grids, lngs, lats = (np.array(column) for column in zip(*buildings, strict=True))
    assert (locate.locate_many(lngs, lats) == grids).all()
    for grid, lng, lat in random.Random(1).sample(buildings, 5):
        assert locate.locate_grid(lng, lat).pk == grid


def test_the_coverage_report_finds_exactly_the_planted_gaps(demo):
    admin = User.objects.get(username="district_admin")
    report = coverage_report(admin)
    found = {kind: set() for kind in GapKind.ALL}
    for gap in report.gaps:
        found[gap.kind].add(gap.code)
    assert found == demo.gaps
    assert {kind: len(codes) for kind, codes in found.items()} == {
        GapKind.GRID_WITHOUT_UNIT: 2,
        GapKind.GROUP_WITHOUT_UNIT: 3,
        GapKind.BUILDING_WITHOUT_MEMBER: 4,
        GapKind.HOUSEHOLD_WITHOUT_MEMBER: 6,
    }
    # The gap households lie in the gap buildings; the first grid's team has a gap to show.
    buildings = {code.rsplit("-", 2)[0] for code in found[GapKind.HOUSEHOLD_WITHOUT_MEMBER]}
    assert buildings <= found[GapKind.BUILDING_WITHOUT_MEMBER]
    worker = User.objects.get(username="grid_worker")
    assert coverage_report(worker).total >= 3


def test_id_numbers_and_phones_are_valid_and_consistent(demo):
    persons = list(Person.objects.filter(district=demo.district).order_by("id")[::29])
    assert len(persons) > 100
    for person in persons:
        number = decrypt_field(person, "id_number_encrypted")
        assert normalise_id_number(number) == number
        assert birth_date_of(number) == person.birth_date
        assert int(number[16]) % 2 == (1 if person.gender == Gender.MALE else 0)
        assert person.id_number_index == blind_index(number)
        assert person.id_number_masked == f"{number[:3]}{'*' * 11}{number[-4:]}"
        if person.phone_encrypted:
            phone = decrypt_field(person, "phone_encrypted")
            assert len(phone) == 11 and phone.startswith("1")
    assert sum(1 for p in persons if p.phone_encrypted) > len(persons) / 3
    assert Person.objects.filter(district=demo.district, id_number_index="").count() == 0


def test_same_seed_gives_the_same_district(demo):
    assert database_fingerprint(demo.district) == demo.fingerprint
    assert plan_district("small", 2014, spec=LIGHT).fingerprint() == demo.fingerprint
    other = district_layout(2015)
    same = district_layout(2014)
    polygons = current_polygons(demo)
    assert [g.polygon.wkb for g in same.grids] == [
        polygons[code].wkb for code in sorted(polygons, key=lambda c: (c.split("-")[1], int(c.split("-G")[1])))
    ]
    assert [g.polygon.wkb for g in other.grids] != [g.polygon.wkb for g in same.grids]


def test_one_account_per_role_with_a_meaningful_scope(demo):
    assignments = {a.user.username: a for a in RoleAssignment.objects.select_related("user", "area")}
    by_role = Counter(a.role for a in assignments.values())
    assert set(by_role) == set(Role.values)
    assert by_role[Role.GRID_WORKER] == 2
    assert by_role[Role.DEPARTMENT] == len(UNIT_ACCOUNTS) == 7
    expected_level = {
        "district_admin": Level.DISTRICT,
        "community_staff": Level.COMMUNITY,
        "grid_secretary": Level.GRID,
        "grid_leader": Level.GRID,
        "grid_worker": Level.GRID,
        "grid_worker2": Level.GRID,
        "member": Level.BUILDING,
        "volunteer": Level.COMMUNITY,
        **dict.fromkeys(UNIT_ACCOUNTS, Level.DISTRICT),
        "supervisor": Level.DISTRICT,
        "resident_unit": Level.GRID,
        "social_org": Level.COMMUNITY,
        "resident": Level.HOUSEHOLD,
    }
    assert {name: a.area.level for name, a in assignments.items()} == expected_level
    assert assignments["grid_worker"].area.community_id != assignments["grid_worker2"].area.community_id
    assert assignments["grid_secretary"].area_id == assignments["grid_worker"].area_id
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and not RoleAssignment.objects.filter(user=admin).exists()
    assert admin.check_password(DEFAULT_PASSWORD)
    listed = {a.username: a for a in demo.accounts}
    assert set(listed) == {"admin", *expected_level}
    assert all(a.password == DEFAULT_PASSWORD for a in listed.values())
    assert listed["grid_worker"].scope_path.count(" / ") == 2
    assert listed["grid_worker"].scope_path.startswith(demo.district.name + " / ")
    assert listed["dept_zhujian"].scope_path == f"{demo.district.name} / 住房和城乡建设局"
    assert listed["department"].scope_path == f"{demo.district.name} / 民政局"
    assert listed["dispatch_center"].scope_path == f"{demo.district.name} / 区级派遣中心"
    # The grid team's accounts are their registry persons' own, each a worker of the grid it works in.
    for username in ("grid_secretary", "grid_leader", "grid_worker", "grid_worker2"):
        person = User.objects.get(username=username).person
        assert person.worker_roles.filter(grid_id=assignments[username].area_id).exists(), username


def test_organisation_workers_and_resident_units(demo):
    units = Counter(OrgUnit.objects.filter(district=demo.district).values_list("kind", flat=True))
    assert units[UnitKind.COMMUNITY_COMMITTEE] == 38
    assert units[UnitKind.GRID_BRANCH] == 181 - 2
    assert units[UnitKind.BUILDING_GROUP_BRANCH] == demo.counts["building_groups"] - 3
    assert units[UnitKind.BUILDING_CELL] == demo.counts["buildings"]
    assert min(units[k] for k in (UnitKind.MERCHANTS_BRANCH, UnitKind.SECTOR_BRANCH, UnitKind.TEMPORARY_BRANCH)) >= 3
    temporary = OrgUnit.objects.filter(district=demo.district, kind=UnitKind.TEMPORARY_BRANCH)
    assert all(u.opens_on for u in temporary) and any(u.closes_on for u in temporary)
    assert (
        OrgUnit.objects.filter(kind=UnitKind.SECTOR_BRANCH).exclude(sector="").count() == units[UnitKind.SECTOR_BRANCH]
    )
    workers = Counter(WorkerProfile.objects.filter(district=demo.district).values_list("kind", flat=True))
    assert (
        workers[WorkerKind.GRID_SECRETARY] == workers[WorkerKind.GRID_LEADER] == workers[WorkerKind.GRID_WORKER] == 181
    )
    assert workers[WorkerKind.FULL_TIME] == 3 * 38
    assert workers[WorkerKind.CIVIL_AFFAIRS] == workers[WorkerKind.SOCIAL_SECURITY] == 38
    resident_units = ResidentUnit.objects.filter(district=demo.district)
    assert len({u.grid_id for u in resident_units}) >= 38
    assert {u.kind for u in resident_units} >= {"学校", "医院", "企业"}
    assert DemonstrationHousehold.objects.filter(district=demo.district).count() >= 38


def test_running_the_command_again_only_prints_and_serves(demo, monkeypatch):
    calls = []

    class Recorded:  # the server and the worker the demo starts, recorded instead of started
        def __init__(self, args, *rest, **options):
            calls.append(list(args))

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr("wangge.demo.processes.subprocess.Popen", Recorded)
    out = io.StringIO()
    call_command("demo", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert AreaNode.objects.filter(level=Level.DISTRICT).count() == 1
    for account in demo.accounts:
        assert account.username in text
    assert DEFAULT_PASSWORD in text and f"{demo.counts['households']:,}" in text and "181" in text
    assert [command[3:5] for command in calls] == [["worker"], ["serve", "--port"]] and "8123" in calls[1]


@pytest.mark.django_db(databases=[])
def test_the_point_index_agrees_with_a_bare_strtree_on_the_district_layout():
    """Random points, every vertex and every edge midpoint: same grid as a plain STRtree query,
    the lowest key where a point lies on a shared edge."""
    polygons = [g.polygon for g in district_layout(2014).grids]
    keys = np.arange(len(polygons), 0, -1)  # keys descending, so "lowest key" is not "first polygon"
    index = PointIndex([IndexedArea(int(k), p) for k, p in zip(keys, polygons, strict=True)])
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(polygons))
    vertices = np.concatenate([shapely.get_coordinates(p) for p in polygons])
    midpoints = np.concatenate([(c[:-1] + c[1:]) / 2 for c in (shapely.get_coordinates(p) for p in polygons)])
    xs = np.r_[rng.uniform(minx - 0.002, maxx + 0.002, 20_000), vertices[:, 0], midpoints[:, 0]]
    ys = np.r_[rng.uniform(miny - 0.002, maxy + 0.002, 20_000), vertices[:, 1], midpoints[:, 1]]
    tree = shapely.STRtree(np.array(polygons, dtype=object))
    point_idx, area_idx = tree.query(shapely.points(xs, ys), predicate="intersects")
    expected = np.full(len(xs), -1)
    for point, area in zip(point_idx.tolist(), area_idx.tolist(), strict=True):
        expected[point] = keys[area] if expected[point] < 0 else min(expected[point], keys[area])
    assert (index.locate_many(xs, ys) == expected).all()
    assert [index.locate(float(x), float(y)) or -1 for x, y in zip(xs[::50], ys[::50], strict=True)] == list(
        expected[::50]
    )


# The accounts that report as residents do (on the web); staff file on patrol, on a household
# visit or from a phone call, as the case's filer: their "Cases I reported or filed" holds those filings.
WEB_REPORTERS = {"resident", "member", "volunteer", "resident_unit", "social_org"}


def test_every_worklist_of_every_demo_account_has_cases(demo):
    """Each account with a role sees something in each of its worklists (the superuser has none)."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    lists = {
        username: [n for n in worklists_for(user) if n != Worklist.MINE or username in WEB_REPORTERS]
        for username, user in users.items()
        if not user.is_superuser
    }
    empty = [
        (username, str(n))
        for username, names in lists.items()
        for n in names
        if not worklist(users[username], n).exists()
    ]
    assert empty == []
    assert lists["department"] == [Worklist.INBOX, Worklist.DONE]
    assert lists["district_admin"] == [
        *(Worklist.DISPATCH, Worklist.VISITS, Worklist.GRID, Worklist.SUPERVISION, Worklist.DONE)
    ]
    assert lists["supervisor"] == [Worklist.SUPERVISION, Worklist.DONE]
    filed = Case.objects.filter(district=demo.district, filed_by__isnull=False).values_list(
        "filed_by__username", flat=True
    )
    # The others filed at least one (of the units' staff, the civil-affairs bureau's).
    assert set(filed) == set(DEMO_USERNAMES) - {"admin", "supervisor", *UNIT_ACCOUNTS} | {"department"}
    assert demo.counts["cases"] == Case.objects.filter(district=demo.district).count() == LIGHT.cases
    # Every state a case rests in ("visited" lasts only inside the return-visit step).
    states = set(Case.objects.filter(district=demo.district).values_list("state", flat=True))
    assert states == set(State.values) - {State.VISITED}


def test_the_civil_affairs_bureau_and_the_supervisor_have_real_work(demo):
    department = User.objects.get(username="department")
    civil = HandlingUnit.objects.get(district=demo.district, name="民政局")
    assert list(department.units.all()) == [civil]
    inbox = list(worklist(department, Worklist.INBOX))
    assert {c.state for c in inbox} == {State.DISPATCHED, State.IN_PROGRESS, State.ON_HOLD}
    co_handled = set(CoHandling.objects.filter(unit=civil).values_list("case_id", flat=True))
    assert all(c.unit_id == civil.pk or c.pk in co_handled for c in inbox) and co_handled
    late = [c for c in inbox if c.overdue]
    assert late and all(c.due_at < c.overdue_marked_at for c in late)
    assert Notification.objects.filter(user=department, case__in=late).exists()  # from the sweep

    supervisor = User.objects.get(username="supervisor")
    queue = list(worklist(supervisor, Worklist.SUPERVISION))
    supervised = set(Supervision.objects.filter(district=demo.district).values_list("case_id", flat=True))
    assert any(c.overdue for c in queue) and supervised <= {c.pk for c in queue}
    red = Supervision.objects.get(district=demo.district, level="red")
    assert red.parties.count() == 2  # a second body joined the one supervision


def test_dispatch_visits_and_the_residents_own_reports(demo):
    admin = User.objects.get(username="district_admin")
    waiting = set(worklist(admin, Worklist.DISPATCH).values_list("state", flat=True))
    assert waiting >= {State.REPORTED, State.ACCEPTED, State.RETURNED, State.HANDLED, State.REOPENED}
    assert Extension.objects.filter(case__district=demo.district, state="requested").exists()
    assert Extension.objects.filter(case__district=demo.district, state="approved").exists()
    assert set(worklist(admin, Worklist.VISITS).values_list("state", flat=True)) == {State.VERIFIED}

    resident = User.objects.get(username="resident")
    mine = list(worklist(resident, Worklist.MINE))
    assert {c.channel for c in mine} == {"web"} and all(c.reporter_id == resident.pk for c in mine)
    assert {State.REPORTED, State.IN_PROGRESS, State.VERIFIED, State.CLOSED} <= {c.state for c in mine}
    assert ReturnVisit.objects.filter(case__in=mine, by=resident, result="satisfied").exists()

    worker = User.objects.get(username="grid_worker")
    grid_id = RoleAssignment.objects.get(user=worker).area_id
    area = list(worklist(worker, Worklist.GRID))
    assert area and all(c.grid_id == grid_id for c in area) and any(c.overdue for c in area)
    assert Case.objects.filter(filed_by=worker, channel="patrol").exists()


def test_every_group_routes_to_a_department_and_cases_went_there(demo):
    groups = Category.objects.filter(district=demo.district, parent__isnull=True)
    assert groups.count() == len(DEFAULT_CATALOGUE)
    rules = RoutingRule.objects.filter(district=demo.district, area__isnull=True).select_related("unit")
    assert {r.category_id for r in rules} == set(groups.values_list("pk", flat=True))
    assert {r.unit.kind for r in rules} == {HandlingUnitKind.DEPARTMENT}
    assert HandlingUnit.objects.filter(district=demo.district, kind=HandlingUnitKind.DISPATCH).count() == 1
    accepted = Case.objects.filter(district=demo.district, accepted_at__isnull=False).exclude(state=State.RETURNED)
    assert accepted.exists()
    # Dispatched by hand (casework's core): two to district dispatch itself, one each to the two
    # departments no rule routes to; every other accepted case went where the rules send it.
    by_hand = accepted.filter(
        Q(unit__kind=HandlingUnitKind.DISPATCH) | Q(unit__name__in=["生态环境局", "市场监督管理局"])
    )
    assert by_hand.count() == 4
    routed = accepted.exclude(pk__in=by_hand.values("pk"))
    assert all(case.unit_id == route(case).pk for case in routed.select_related("category"))


def test_every_category_routes_to_a_unit_with_staff_in_every_community(demo):
    """Wherever a case of any category is filed, the unit routing sends it to has someone to act
    for it: the cases of every department move on, none stops at 已派遣."""
    categories = list(Category.objects.filter(district=demo.district, parent__isnull=False).select_related("parent"))
    assert len(categories) == sum(len(children) for _code, _name, children in DEFAULT_CATALOGUE)
    grids = list(AreaNode.objects.filter(district=demo.district, level=Level.GRID).order_by("code"))
    sample = [grids[0], grids[len(grids) // 2], grids[-1]]
    assert len({g.community_id for g in sample}) >= 2
    staffed = set(HandlingUnit.users.through.objects.values_list("handlingunit_id", flat=True))
    reached = set()
    for grid in sample:
        for category in categories:
            case = Case(district=demo.district, category=category, community_id=grid.community_id, grid_id=grid.pk)
            unit = route(case)
            assert unit.pk in staffed, (category.code, grid.name, unit.name)
            reached.add(unit.name)
    assert reached == {"城市管理局", "住房和城乡建设局", "司法局", "民政局"}
    # Every unit of the district, district dispatch too, has a staff account of the demo.
    units = HandlingUnit.objects.filter(district=demo.district)
    assert {u.name for u in units} == set(UNIT_ACCOUNTS.values())
    assert all(u.pk in staffed for u in units)
    for username, name in UNIT_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert [u.name for u in user.units.all()] == [name]
        assert RoleAssignment.objects.get(user=user).role == Role.DEPARTMENT
        assert worklist(user, Worklist.INBOX).exists(), username


def test_the_cases_of_other_departments_are_handled_by_their_own_accounts(demo):
    """No step of a unit is taken by the superuser: each department's account handles its cases."""
    zhujian = User.objects.get(username="dept_zhujian")
    handled = Case.objects.filter(district=demo.district, unit__name="住房和城乡建设局", handled_at__isnull=False)
    assert handled.exists()
    actors = set(CaseEvent.objects.filter(case__in=handled, transition="handle").values_list("actor_id", flat=True))
    assert actors == {zhujian.pk}


def test_every_timeline_starts_when_its_case_was_filed_and_runs_in_order(demo):
    """Backdated (overdue) cases too: a case filed in November has a timeline from November."""
    cases = {c.pk: c for c in Case.objects.filter(district=demo.district)}
    timelines: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.filter(case__in=list(cases)).order_by("case_id", "id"):
        timelines.setdefault(event.case_id, []).append(event)
    assert set(timelines) == set(cases)
    backdated = [c for c in cases.values() if c.overdue and c.created_at.date() < demo_build_day(demo)]
    assert len(backdated) >= 3
    for pk, events in timelines.items():
        case = cases[pk]
        assert events[0].kind == "filed" and events[0].at == case.created_at, case.number
        times = [e.at for e in events]
        assert times == sorted(times), case.number  # in the order they were written
        accepted = [e.at for e in events if e.transition == "accept"]
        assert accepted == ([case.accepted_at] if case.accepted_at else []), case.number
    for case in backdated:
        dispatched = next(e for e in timelines[case.pk] if e.transition == "dispatch")
        assert case.accepted_at < dispatched.at < case.due_at, case.number


def demo_build_day(demo):
    return max(Case.objects.filter(district=demo.district).values_list("created_at", flat=True)).date()


def test_residents_have_plausible_facts_that_the_person_page_and_reveal_show(demo, client):
    persons = list(Person.objects.filter(district=demo.district).select_related("grid"))
    adults = [p for p in persons if p.birth_date.year <= 2006]
    ethnicities = Counter(p.ethnicity for p in persons)
    assert "" not in ethnicities and ethnicities["汉族"] / len(persons) > 0.9
    assert {"回族", "满族"} <= set(ethnicities)
    assert all(p.current_address.startswith(demo.district.name) and p.current_address.endswith("室") for p in persons)
    statuses = Counter(p.residence_status for p in persons)
    assert set(statuses) == {"consistent", "resident_only"}
    assert all((p.registered_address == p.current_address) == (p.residence_status == "consistent") for p in persons)
    assert all(p.education and p.political_status for p in adults)
    assert sum(1 for p in adults if p.employer) > len(adults) / 3
    assert sum(1 for p in adults if p.phone_encrypted) > 0.7 * len(adults)
    members = set(MemberProfile.objects.filter(district=demo.district).values_list("person_id", flat=True))
    assert {p.political_status for p in persons if p.pk in members} == {"member"}
    with_facts = [p for p in persons if p.sensitive_encrypted]
    assert 0.02 * len(persons) < len(with_facts) < 0.2 * len(persons)

    # The grid worker opens a resident of their grid and reveals the phone and the sensitive facts.
    worker = User.objects.get(username="grid_worker")
    grid_id = RoleAssignment.objects.get(user=worker).area_id
    person = next(p for p in with_facts if p.grid_id == grid_id and p.phone_encrypted)
    client.force_login(worker)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert person.ethnicity in page and person.current_address in page and person.phone_masked in page
    revealed = client.post(
        f"/people/{person.pk}/reveal/", {"reason": "核实困难家庭情况", "fields": ["phone", "sensitive"]}, follow=True
    ).content.decode()
    phone = decrypt_field(person, "phone_encrypted")
    assert phone in revealed and re.fullmatch(r"1[3-9]\d{9}", phone)


def test_a_year_of_field_work_shows_the_planted_gaps_in_compliance(demo):
    """Compliance, computed from the demo's records, finds what was planted: the named grids
    did far fewer afternoon patrols than the others, some households were never visited, and
    most grids held most briefings and visited most households in the last 90 days."""
    fieldwork = demo.fieldwork
    assert fieldwork is not None and len(fieldwork.skipping_grids) == 3
    today = timezone.localdate()
    year = compliance(demo.district, today - dt.timedelta(days=364), today)
    assert year.working_days > 200
    by_id = {grid.grid_id: grid for grid in year.grids}
    skipping = {grid.pk for grid in fieldwork.skipping_grids}

    def full_days(grid_id: int) -> float:
        grid = by_id[grid_id]
        return grid.patrol_days[2] / grid.working_days

    others = [full_days(g) for g in by_id if g not in skipping]
    assert max(full_days(g) for g in skipping) < 0.3 < 0.8 < min(others)
    assert all(by_id[g].patrols > by_id[g].working_days * 0.8 for g in skipping)  # the mornings are done
    assert all(0.85 < grid.briefings_held / grid.working_days < 1 for grid in year.grids)
    assert all(grid.buildings_checked == grid.buildings for grid in year.grids)

    households = year.total("households")
    visited = year.total("households_visited_90d")
    assert 0.7 * households < visited < households
    never = AreaNode.objects.filter(district=demo.district, level=Level.HOUSEHOLD).exclude(
        pk__in=Visit.objects.filter(district=demo.district).values("household_id")
    )
    assert never.count() == fieldwork.never_visited > 0


def test_the_field_work_records_are_consistent_and_none_lies_in_the_future(demo):
    now = timezone.now()
    district = demo.district
    assert (
        not Checkin.objects.filter(patrol__district=district).exclude(building__grid_id=F("patrol__grid_id")).exists()
    )
    assert not Visit.objects.filter(district=district).exclude(household__grid_id=F("grid_id")).exists()
    assert not Patrol.objects.filter(district=district, finished_at__gt=now).exists()
    assert not Patrol.objects.filter(district=district, started_at__gte=F("finished_at")).exists()
    assert not Visit.objects.filter(district=district, visited_at__gt=now).exists()
    # Only the visit recorded through the action for the member's notice carries a need.
    assert Visit.objects.filter(district=district).exclude(needs_encrypted=None, note_encrypted=None).count() == 1
    # The demo grid team records its own grid and attends its briefings.
    grid_worker = User.objects.get(username="grid_worker")
    first_grid = RoleAssignment.objects.get(user=grid_worker).area
    assert Patrol.objects.filter(grid=first_grid, recorded_by__username__startswith="grid_").exists()
    assert Briefing.attendees.through.objects.filter(briefing__grid=first_grid, user=grid_worker).exists()
    assert (
        Patrol.objects.filter(district=district).values("uuid").distinct().count()
        == Patrol.objects.filter(district=district).count()
    )


def test_the_member_account_is_an_in_service_member_of_the_first_grid_with_a_visits_notice(demo):
    member = User.objects.get(username="member")
    person = Person.objects.select_related("member").get(user=member)
    assert person.member.kind == MemberKind.IN_SERVICE
    first_grid = RoleAssignment.objects.get(user__username="grid_worker").area
    assert person.member.zones.filter(areas__grid=first_grid).exists()  # type: ignore[attr-defined]
    (notice,) = Notification.objects.filter(user=member, case__isnull=True)
    visit = Visit.objects.get(district=demo.district, needs_encrypted__isnull=False)
    assert notice.visit_notice.visit == visit and visit.recorded_by.username == "grid_worker"  # type: ignore[attr-defined]
    assert "有需求待跟进" in notice.text and "助餐" not in notice.text


def test_households_in_difficulty_in_every_community_with_pairs_helps_and_needs_waiting_too_long(demo):
    communities = AreaNode.objects.filter(district=demo.district, level=Level.COMMUNITY)
    for community in communities:
        households = AreaNode.objects.filter(community=community, level=Level.HOUSEHOLD).count()
        dossiers = Dossier.objects.filter(community=community).count()
        assert dossiers >= 1 and abs(dossiers - households * 0.03) <= max(2, households * 0.01), community.code
        figures = coverage(community)
        assert figures["paired"] <= figures["households"] == dossiers
    assert demo.assistance is not None and demo.assistance["helps"] > demo.assistance["pairs"]
    assert 0 < coverage(demo.district)["paired"] < coverage(demo.district)["households"]
    year_ago = timezone.localdate() - dt.timedelta(days=366)
    assert not Help.objects.filter(dossier__district=demo.district, given_on__lt=year_ago).exists()
    long_ago = timezone.now() - dt.timedelta(days=90)
    assert Need.objects.filter(dossier__district=demo.district, state=NeedState.OPEN, opened_at__lt=long_ago).exists()
    work = assistance_queries.worklist(demo.district)
    assert work.needs and work.idle_pairs
    # Helpers of every kind: members, the volunteer (the demo account's own person), resident
    # units and social organisations.
    assert all(demo.assistance[f"pairs_{kind}"] > 0 for kind in HelperKind.values), demo.assistance
    volunteer = User.objects.get(username="volunteer")
    assert assistance_queries.helper_pairs(volunteer).count() == demo.assistance["pairs_volunteer"]


def test_shared_facilities_are_used_near_95_percent_and_a_few_less_and_organisations_are_registered(demo):
    today = timezone.localdate()
    each = utilisation_by_facility(
        facilities_in(demo.district), today - dt.timedelta(days=28), today - dt.timedelta(days=1)
    )
    rates = sorted(u.rate for u in each.values())
    assert demo.resources is not None and len(rates) == demo.resources.facilities > 0
    steady = [rate for rate in rates if rate > 0.8]
    assert steady and all(0.9 <= rate <= 0.99 for rate in steady), rates
    assert any(rate < 0.7 for rate in rates), rates
    assert SocialOrg.objects.filter(district=demo.district).count() == demo.resources.organisations >= 2


def test_communities_with_a_resident_unit_have_an_agreement_and_meetings_with_decisions(demo):
    assert demo.resources is not None and demo.resources.agreements > 0
    assert Agreement.objects.filter(district=demo.district).count() == demo.resources.agreements
    assert Meeting.objects.filter(district=demo.district).count() == demo.resources.meetings
    decisions = Decision.objects.filter(meeting__district=demo.district)
    assert decisions.filter(done_at__isnull=False).count() == 2 * demo.resources.agreements
    staff = User.objects.get(username="community_staff")
    assert decisions.filter(owner=staff, done_at__isnull=True).count() == 1  # on the staff's task list


def test_practical_things_done_in_the_last_year_land_near_the_reference_and_the_last_month_is_rated(demo):
    """2,107 practical things at full scale (SCALES["full"].households), scaled by households."""
    today = timezone.localdate()
    expected = 2_107 * demo.counts["households"] / SCALES["full"].households
    counted = practical.count(demo.district, today - dt.timedelta(days=364), today)
    assert abs(counted["count"] - expected) <= 0.1 * expected, (counted, expected)
    assert demo.team is not None and counted == demo.team.practical
    assert all(n > 0 for n in counted["by_kind"].values()), counted  # wishes, tasks, members' helps and cases
    now = timezone.now()
    wishes = Wish.objects.filter(district=demo.district)
    assert wishes.filter(status=WishStatus.CLAIMED, claim_expires_at__lt=now).exists()  # lapsed claims
    assert wishes.filter(status=WishStatus.OPEN).exists()
    assert not wishes.filter(status__in=practical.DONE, claimant__person__member__reported_on__isnull=True).exists()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    scores = Score.objects.filter(district=demo.district, period_start=last_month.replace(day=1))
    assert scores.count() == demo.team.scores == demo.counts["workers"]
    assert set(scores.values_list("stars", flat=True)) <= {1, 2, 3, 4, 5}
    assert scores.exclude(score=None).exists()


def test_petitions_fell_about_41_percent_on_the_same_period_a_year_earlier(demo):
    """The reference district's petitions fell 40.94 % year on year: the demo's petitions of this
    year and of the year before, filed and closed through the case chain, give the dashboard's
    figure; the year before's cases and return visits lie a year back."""
    year = timezone.localdate().year
    figure = headline.figure("petitions", demo.district, period(year))
    assert figure.value and figure.previous and -42 <= figure.change <= -40, figure
    earlier = Case.objects.filter(district=demo.district, channel=Channel.PETITION, created_at__year=year - 1)
    assert earlier.count() == figure.previous and not earlier.exclude(state=State.CLOSED).exists()
    assert not earlier.filter(closed_at__year=year).exists()
    assert not ReturnVisit.objects.filter(case__in=earlier, created_at__year=year).exists()


def test_the_demo_year_is_assessed_month_by_month_with_stars_moving_and_members_registered(demo):
    months = sorted(set(Score.objects.filter(district=demo.district).values_list("period_start", flat=True)))
    assert demo.team is not None and len(months) == demo.team.months == 12
    later = Score.objects.filter(district=demo.district, period_start__gt=months[0])
    rules = set(later.values_list("rule", flat=True))
    assert {StarRule.UP, StarRule.DOWN} <= rules or {StarRule.CAPPED_UP, StarRule.CAPPED_DOWN} & rules, rules
    assert not later.filter(previous_stars=None).exists()  # every later month rolls from the one before
    registrations = Registration.objects.filter(district=demo.district)
    assert registrations.count() == demo.team.registrations > 0
    assert {RegistrationStatus.CONFIRMED, RegistrationStatus.REGISTERED} <= set(
        registrations.values_list("status", flat=True)
    )
    assert Commitment.objects.filter(district=demo.district).count() == demo.team.commitments > 0
    services = Wish.objects.filter(district=demo.district).exclude(service="")
    assert services.count() == demo.team.services > 0 and not services.filter(hours=None).exists()


def test_a_station_in_every_community_with_teams_and_a_year_of_volunteer_hours(demo):
    stations = Station.objects.filter(district=demo.district).annotate(team_count=Count("teams"))
    assert stations.count() == demo.counts["communities"] and all(3 <= s.team_count <= 6 for s in stations)
    assert demo.volunteers is not None and demo.volunteers.activities > demo.counts["communities"] * 30
    capacity = dict(Activity.objects.filter(district=demo.district).values_list("pk", "capacity"))
    confirmed = SignUp.objects.filter(district=demo.district, status=SignUpStatus.CONFIRMED)
    assert all(n <= capacity[a] for a, n in Counter(confirmed.values_list("activity_id", flat=True)).items())
    assert HoursLog.objects.filter(district=demo.district, status=HoursStatus.APPROVED).exists()
    today = timezone.localdate()
    own = volunteer_of(User.objects.get(username="volunteer"))
    assert own is not None and volunteer_figures.hours(own.pk, today - dt.timedelta(days=364), today) > 0
