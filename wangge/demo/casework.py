"""The demo district's cases (挂牌销号): planned from the seed without a database, then written
through the case actions (`file_case`, `accept`, `dispatch`, `start`, `handle`, `verify`,
`record_visit`, …) so that every worklist of every demo account has something in it.

`plan_cases` adds a fixed core, one or more cases for each worklist and demo account (the
resident's own reports, the civil-affairs bureau's inbox, overdue and supervised cases, …),
then background cases drawn at random up to the scale's `cases`. `write_cases` installs the
default catalogue, departments and routing, puts each unit account (`UNIT_ACCOUNTS`) on the
staff of its unit, files every case and takes it to its planned state, each step taken by the
account whose step it is.

Every action stamps `timezone.now()`, so all cases are filed on the day of the build. The
overdue cases are made overdue honestly enough: filed and accepted like the others, then their
filing, acceptance and deadline are moved back so that the deadline lies `overdue_days`
working days in the past, and the real sweep (`sweep_overdue`) marks them and notifies their
unit. Their timelines are moved back with them (`stamp_timelines`): filed when the case says
it was filed, accepted when it was accepted, the steps after that minutes apart; only their
numbers still carry the build date.
"""

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.utils import timezone

from wangge.accounts.models import User
from wangge.areas.models import AreaNode, Level
from wangge.calendars.queries import calendar_for
from wangge.cases import actions as case_actions
from wangge.cases.catalogue import install_default_catalogue, install_default_routing
from wangge.cases.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    HandlingUnit,
    ReturnVisit,
    Satisfaction,
    TimeLimitUnit,
)
from wangge.cases.queries import dispatch_unit
from wangge.cases.workflow import State
from wangge.demo import names
from wangge.demo.blueprint import APPROVED, CATEGORIES, DISPATCH_UNIT, REQUESTED, UNIT_ACCOUNTS, CasePlan, DistrictPlan
from wangge.people.models import WorkerKind

# The department the `department` demo account works for.
CIVIL_AFFAIRS = UNIT_ACCOUNTS["department"]

# How often each group is reported in the background cases.
GROUP_WEIGHTS = {"CG": 20, "HJ": 22, "SZ": 20, "WY": 15, "MD": 10, "MS": 13}
# The states background cases are left in, with weights: most are closed off.
STATE_WEIGHTS = {
    State.CLOSED: 40,
    State.IN_PROGRESS: 12,
    State.VERIFIED: 8,
    State.REPORTED: 8,
    State.DISPATCHED: 7,
    State.HANDLED: 5,
    State.ACCEPTED: 3,
    State.REJECTED: 3,
    State.ON_HOLD: 2,
    State.RETURNED: 2,
    State.REOPENED: 1,
}
CHANNEL_WEIGHTS = {Channel.PATROL: 45, Channel.PHONE: 30, Channel.VISIT: 15}
# Petitions (信访) per 150 cases of the scale: this year's and the same period's a year earlier
# (13 against 22: 40.9 % fewer, as the reference district reported), most closed off with a
# satisfied return visit.
PETITIONS_THIS_YEAR = 13
PETITIONS_YEAR_EARLIER = 22
PETITION_CODES = ("MS01", "MS02", "WY01", "HJ01", "CG01", "SZ04", "MD01")
# How long after the previous one each later step of a backdated case is taken.
STEP_GAP = dt.timedelta(minutes=20)


def _needs_visit(code: str) -> bool:
    return CATEGORIES[code][3]


def _in_days(code: str) -> bool:
    return CATEGORIES[code][2] == TimeLimitUnit.WORKING_DAYS


def plan_cases(plan: DistrictPlan, rng: random.Random, total: int) -> list[CasePlan]:
    """The core cases for the demo accounts' worklists, then background cases up to `total`."""
    accounts = {a.username: a for a in plan.accounts}
    by_grid = plan.buildings_by_grid()
    grids_of = plan.children(Level.GRID)
    grid_of_building = [plan.groups[b.parent].parent for b in plan.buildings]
    grid_workers = {w.area: plan.persons[w.person].name for w in plan.workers if w.kind == WorkerKind.GRID_WORKER}
    callers: dict[int, list[int]] = {}
    for index, person in enumerate(plan.persons):
        if person.phone and person.age >= 18:
            callers.setdefault(person.grid, []).append(index)

    grid0, second = accounts["grid_worker"].area, accounts["grid_worker2"].area
    community0 = [b for g in grids_of[accounts["community_staff"].area] for b in by_grid[g]]
    resident = plan.households[accounts["resident"].area].parent
    member = accounts["member"]
    member_building = member.area if member.level == Level.BUILDING else by_grid[member.area][0]

    def in_grid0() -> int:
        return rng.choice(by_grid[grid0])

    def in_second() -> int:
        return rng.choice(by_grid[second])

    def in_community0() -> int:
        return rng.choice(community0)

    def anywhere() -> int:
        return rng.randrange(len(plan.buildings))

    cases: list[CasePlan] = []

    def add(code: str, where: int | Callable[[], int], channel: str, state: str, filer: str = "", **extra: Any) -> int:
        building = where() if callable(where) else where
        address = plan.buildings[building].address
        case = CasePlan(code, building, channel, rng.choice(names.CASE_DESCRIPTIONS[code]).format(place=address), state)
        case.filer = filer
        if channel == Channel.PHONE:  # a resident of the grid calls; their number is personal data
            person = plan.persons[rng.choice(callers[grid_of_building[building]])]
            case.reporter_name, case.reporter_contact = person.name, person.phone
        elif not filer:  # found on patrol or a household visit by the grid's worker
            case.reporter_name = grid_workers[grid_of_building[building]]
        if code == "SZ01":
            case.answers = {"since": rng.choice(["today", "week", "longer"]), "lamp_count": rng.randint(1, 4)}
        for key, value in extra.items():
            setattr(case, key, value)
        cases.append(case)
        return len(cases) - 1

    web, patrol, visit, phone = Channel.WEB, Channel.PATROL, Channel.VISIT, Channel.PHONE
    satisfied, basically = Satisfaction.SATISFIED, Satisfaction.BASICALLY
    # Waiting to be accepted: in the dispatch queues, and in the "my reports" of whoever filed them.
    add("WY02", resident, web, State.REPORTED, "resident")
    pile = add("HJ01", in_grid0, patrol, State.REPORTED, "grid_worker")
    add("CG01", in_second, patrol, State.REPORTED, "grid_worker2")
    add("SZ04", anywhere, phone, State.REPORTED, "district_admin")
    add("SZ01", member_building, web, State.REPORTED, "member")
    add("HJ03", in_community0, web, State.REPORTED, "volunteer")
    add("SZ02", in_grid0, web, State.REPORTED, "resident_unit")
    add("MS03", in_community0, web, State.REPORTED, "social_org")
    add("HJ01", cases[pile].building, web, State.DUPLICATE, "member", merge_into=pile)
    add("CG03", anywhere, phone, State.REJECTED, "district_admin")
    add("MD01", in_community0, visit, State.ACCEPTED, "community_staff")
    # The civil-affairs bureau's inbox (the `department` account): new, in progress, on hold,
    # overdue and supervised, waiting for an extension, co-handled.
    add("MS01", in_grid0, visit, State.DISPATCHED, "grid_secretary")
    add("MS02", in_grid0, patrol, State.IN_PROGRESS, "grid_leader")
    add("MS03", resident, web, State.IN_PROGRESS, "resident")
    add("MS01", anywhere, visit, State.IN_PROGRESS, "department")
    add("MS01", in_community0, visit, State.IN_PROGRESS, "community_staff", overdue_days=3, supervision="red")
    add("MS02", anywhere, phone, State.ON_HOLD)
    add("MS03", anywhere, patrol, State.IN_PROGRESS, extension=REQUESTED)
    add("MS01", anywhere, phone, State.IN_PROGRESS, extension=APPROVED)
    add("MD02", in_community0, visit, State.IN_PROGRESS, co_handler=CIVIL_AFFAIRS)
    # Other departments: overdue, urged, supervised, co-handled, returned as not theirs.
    add("SZ04", in_grid0, patrol, State.IN_PROGRESS, "grid_worker", overdue_days=2, urged=True)
    add("CG02", in_second, patrol, State.DISPATCHED, "grid_worker2", overdue_days=5, supervision="yellow")
    add("CG01", anywhere, patrol, State.IN_PROGRESS, co_handler="市场监督管理局", supervision="yellow")
    add("HJ01", anywhere, phone, State.IN_PROGRESS, overdue_days=1, urged=True)
    add("WY01", in_grid0, phone, State.RETURNED)
    add("HJ01", anywhere, phone, State.IN_PROGRESS, co_handler="生态环境局")
    # Dispatched by hand to district dispatch itself (where a case no rule matches would go).
    add("MS02", anywhere, phone, State.DISPATCHED, unit=DISPATCH_UNIT)
    # Handled, waiting for verification; verified, waiting for the return visit.
    add("SZ01", in_grid0, patrol, State.HANDLED, "grid_worker")
    add("MS02", in_community0, phone, State.HANDLED)
    add("HJ01", resident, web, State.VERIFIED, "resident")
    add("MS02", in_community0, visit, State.VERIFIED, "community_staff")
    add("SZ02", in_second, patrol, State.VERIFIED, "grid_worker2")
    # Closed off, with the return visit (the resident rates their own report), or without one.
    add("WY02", resident, web, State.CLOSED, "resident", visit=satisfied)
    add("MS01", in_community0, visit, State.CLOSED, "community_staff", visit=satisfied)
    add("SZ01", in_grid0, patrol, State.CLOSED, "grid_worker", visit=basically)
    add("HJ02", in_grid0, patrol, State.CLOSED, "grid_worker")
    add("MS03", anywhere, phone, State.CLOSED, visit=satisfied)
    add("SZ03", anywhere, phone, State.REOPENED, visit=Satisfaction.UNSATISFIED)
    # Every unit account's and grid worker's finished list holds a case: units that no rule
    # routes to (生态环境局, 市场监督管理局, district dispatch) had these dispatched by hand.
    add("HJ03", anywhere, phone, State.CLOSED, unit="生态环境局")
    add("CG03", anywhere, phone, State.CLOSED, unit="市场监督管理局")
    add("MD03", anywhere, visit, State.CLOSED, visit=satisfied)
    add("MS02", anywhere, phone, State.CLOSED, unit=DISPATCH_UNIT, visit=satisfied)
    add("CG03", in_second, patrol, State.CLOSED, "grid_worker2")

    # Petitions to the petitions office, filed by the district (who receives them from it).
    per = max(1, total // 150)
    for n in range(PETITIONS_THIS_YEAR * per):
        code = rng.choice(PETITION_CODES)
        closed = n % 5 != 4
        outcome = satisfied if closed and _needs_visit(code) else ""
        add(
            code,
            anywhere,
            Channel.PETITION,
            State.CLOSED if closed else State.IN_PROGRESS,
            "district_admin",
            visit=outcome,
        )
    for _n in range(PETITIONS_YEAR_EARLIER * per):
        code = rng.choice(PETITION_CODES)
        outcome = satisfied if _needs_visit(code) else ""
        add(code, anywhere, Channel.PETITION, State.CLOSED, "district_admin", visit=outcome, year_earlier=True)

    groups = list(GROUP_WEIGHTS)
    codes = {g: [c for c, facts in CATEGORIES.items() if facts[0] == g] for g in groups}
    while len(cases) < total:
        state = rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()))[0]
        code = rng.choice(codes[rng.choices(groups, list(GROUP_WEIGHTS.values()))[0]])
        if state in (State.VERIFIED, State.REOPENED) and not _needs_visit(code):
            continue  # these categories close at verification
        extra: dict[str, Any] = {}
        if state == State.CLOSED and _needs_visit(code):
            extra["visit"] = satisfied if rng.random() < 0.9 else basically
        elif state == State.REOPENED:
            extra["visit"] = Satisfaction.UNSATISFIED
        if state in (State.DISPATCHED, State.IN_PROGRESS) and _in_days(code) and rng.random() < 0.3:
            extra["overdue_days"] = rng.randint(1, 6)
            if rng.random() < 0.4:
                extra["supervision"] = "yellow"
        channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        add(code, anywhere, channel, state, **extra)
    return cases


class _Writer:
    """Files the planned cases and takes each to its state, acting as the demo accounts would."""

    def __init__(self, plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> None:
        self.plan = plan
        self.district = areas[Level.DISTRICT][0]
        self.buildings = areas[Level.BUILDING]
        accounts = {a.username: a for a in plan.accounts}
        self.community0 = areas[Level.COMMUNITY][accounts["community_staff"].area].pk
        self.grid0 = areas[Level.GRID][accounts["grid_worker"].area].pk
        self.users = {u.username: u for u in User.objects.filter(username__in=list(accounts))}
        install_default_catalogue(self.district)
        install_default_routing(self.district)
        dispatch_unit(self.district.pk)
        self.units = {u.name: u for u in HandlingUnit.objects.filter(district=self.district)}
        self.staff: dict[int, User] = {}
        for account in plan.accounts:
            if account.unit:
                unit = self.units[account.unit]
                unit.users.add(self.users[account.username])
                self.staff[unit.pk] = self.users[account.username]
        self.categories = {c.code: c for c in Category.objects.filter(district=self.district)}
        self.written: list[Case] = []

    def dispatcher(self, case: Case) -> User:
        """The first community's staff accept and check its cases; the district administrator the rest."""
        return self.users["community_staff" if case.community_id == self.community0 else "district_admin"]

    def unit_staff(self, case: Case) -> User:
        """The demo account of the case's unit (every unit has one, `UNIT_ACCOUNTS`)."""
        return self.staff[case.unit_id]  # type: ignore[index]

    def file(self, planned: CasePlan) -> Case:
        return case_actions.file_case(
            self.users[planned.filer] if planned.filer else None,
            district=self.district,
            category=self.categories[planned.category],
            channel=planned.channel,
            description=planned.description,
            building=self.buildings[planned.building],
            reporter_name=planned.reporter_name,
            reporter_contact=planned.reporter_contact,
            answers=planned.answers,
        )

    def advance(self, case: Case, planned: CasePlan) -> Case:
        target, dispatcher = planned.state, self.dispatcher(case)
        if target == State.REPORTED:
            return case
        if target == State.DUPLICATE:
            return case_actions.merge(dispatcher, case, into=self.written[planned.merge_into])
        if target == State.REJECTED:
            return case_actions.reject(dispatcher, case, reason=names.CASE_REJECT_REASON)
        case = case_actions.accept(dispatcher, case)
        if target == State.ACCEPTED:
            return case
        case = case_actions.dispatch(dispatcher, case, unit=self.units[planned.unit] if planned.unit else None)
        staff = self.unit_staff(case)
        if target == State.RETURNED:
            return case_actions.return_to_dispatch(staff, case, reason=names.CASE_RETURN_REASON)
        if target == State.DISPATCHED:
            return case
        case = case_actions.start(staff, case)
        if target == State.ON_HOLD:
            return case_actions.hold(staff, case, note=names.CASE_HOLD_REASON)
        if target == State.IN_PROGRESS:
            return case
        case = case_actions.handle(staff, case, result=names.CASE_RESULTS[planned.group])
        if target == State.HANDLED:
            return case
        case = case_actions.verify(dispatcher, case, passed=True)
        if target == State.VERIFIED or case.state == State.CLOSED:
            return case
        own = planned.channel == Channel.WEB and planned.filer == "resident"
        return case_actions.record_visit(
            self.users["resident"] if own else dispatcher,
            case,
            result=planned.visit,
            comment=names.CASE_VISIT_COMMENTS[planned.visit],
            by_phone=not own,
        )

    def extras(self, case: Case, planned: CasePlan) -> None:
        dispatcher = self.dispatcher(case)
        if planned.co_handler:
            case_actions.add_co_handler(
                dispatcher,
                case,
                unit=self.units[planned.co_handler],
                task=names.CASE_CO_HANDLING_TASKS[planned.co_handler],
                days=3,
            )
        if planned.extension:
            extension = case_actions.request_extension(
                self.unit_staff(case), case, days=5, reason=names.CASE_EXTENSION_REASON
            )
            if planned.extension == APPROVED:
                case_actions.decide_extension(dispatcher, extension, approve=True)
        if planned.supervision:
            first, second = names.CASE_SUPERVISING_BODIES
            case_actions.supervise(self.users["supervisor"], case, body=first, level="yellow")
            if planned.supervision == "red":  # a second body joins the one supervision and raises it
                case_actions.supervise(self.users["district_admin"], case, body=second, level="red")
        if planned.urged:
            urger = "grid_worker" if case.grid_id == self.grid0 else "community_staff"
            if case.community_id != self.community0 and case.grid_id != self.grid0:
                urger = "district_admin"
            case_actions.urge(self.users[urger], case, note=names.CASE_URGE_NOTE)

    def make_overdue(self, case: Case, planned: CasePlan) -> None:
        """Move filing, acceptance and deadline back so the deadline lies `overdue_days` working
        days in the past (the deadline recomputed from the moved acceptance is the same)."""
        calendar = calendar_for(self.district.pk)
        tz = timezone.get_current_timezone()
        due_day = calendar.add_working_days(timezone.localdate(), -planned.overdue_days)
        accepted_day = calendar.add_working_days(due_day, -CATEGORIES[planned.category][1])
        accepted_at = dt.datetime.combine(accepted_day, dt.time(9, 30), tzinfo=tz)
        Case.objects.filter(pk=case.pk).update(
            created_at=accepted_at - dt.timedelta(hours=1),
            accepted_at=accepted_at,
            due_at=calendar.end_of_working_day(due_day, tz),
        )


def move_back_a_year(case: Case) -> None:
    """Move every time a case states (filing, acceptance, deadline, handling, closing), its
    return visits and its timeline back by a year: a case of the year before, for the
    year-on-year figures."""
    delta = dt.timedelta(days=365)
    moved = {
        name: F(name) - delta
        for name in ("created_at", "accepted_at", "due_at", "handled_at", "closed_at", "updated_at")
    }
    Case.objects.filter(pk=case.pk).update(**moved)
    ReturnVisit.objects.filter(case_id=case.pk).update(
        created_at=F("created_at") - delta, updated_at=F("updated_at") - delta
    )
    CaseEvent.objects.filter(case_id=case.pk).update(at=F("at") - delta)


def write_cases(plan: DistrictPlan, areas: dict[str, list[AreaNode]]) -> int:
    """Install the catalogue, departments and routing, file every planned case and take it to its
    state; then sweep, which marks the overdue ones. Returns how many cases were written."""
    writer = _Writer(plan, areas)
    backdated = set()
    for planned in plan.cases:
        case = writer.advance(writer.file(planned), planned)
        writer.written.append(case)
        writer.extras(case, planned)
        if planned.overdue_days:
            writer.make_overdue(case, planned)
            backdated.add(case.pk)
        if planned.year_earlier:
            move_back_a_year(case)
    case_actions.sweep_overdue()
    stamp_timelines([c.pk for c in writer.written], backdated)
    return len(writer.written)


def stamp_timelines(case_ids: list[int], backdated: set[int]) -> None:
    """Give each case's timeline the times the case itself states: the filing event the case's
    filing time, the acceptance its acceptance time, the handling and the closing theirs. The
    other events keep their time (never before the event ahead of them), except in a
    `backdated` case, where each step after acceptance follows the one ahead by `STEP_GAP`
    (the overdue sweep's event keeps its time: it happened at the build)."""
    stated = {
        pk: (created, accepted, handled, closed)
        for pk, created, accepted, handled, closed in Case.objects.filter(pk__in=case_ids).values_list(
            "pk", "created_at", "accepted_at", "handled_at", "closed_at"
        )
    }
    changed: list[CaseEvent] = []
    previous: dt.datetime | None = None
    case_id = None
    for event in (
        CaseEvent.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "at", "id")
        .only("id", "case_id", "at", "kind", "transition", "to_state")
    ):
        if event.case_id != case_id:
            case_id, previous = event.case_id, None
        created, accepted, handled, closed = stated[event.case_id]
        if event.kind == EventKind.FILED:
            at = created
        elif event.transition == "accept" and accepted is not None:
            at = accepted
        elif event.transition == "handle" and handled is not None:
            at = handled
        elif event.to_state == State.CLOSED and closed is not None:
            at = closed
        elif event.case_id in backdated and event.kind != EventKind.OVERDUE and previous is not None:
            at = previous + STEP_GAP if event.kind != EventKind.ROUTED else previous
        else:
            at = event.at if previous is None else max(event.at, previous)
        if at != event.at:
            event.at = at
            changed.append(event)
        previous = at
    CaseEvent.objects.bulk_update(changed, ["at"], batch_size=500)
