"""Worklists (`queries.worklist`, `queries.worklists_for`), the public board
(`queries.public_board`) and `GET /api/v1/cases?queue=…`.

Every case is driven through the real actions; each list is checked against the exact cases
(and order) it must hold, with personas of two grids, two communities and two departments."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from wangge.accounts.models import Role
from wangge.api.testing import assert_error, bearer_client
from wangge.areas import actions as area_actions
from wangge.cases import actions
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import Case, Category, HandlingUnit
from wangge.cases.queries import Worklist, public_board, worklist, worklists_for
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_1, IN_GRID_2, filed, ok
from wangge.cases.workflow import State
from wangge.conftest import make_persona
from wangge.lib.testing import Queries, assert_flat, count_queries

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning, a working day well inside the years the work calendar knows.
WORKING_MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def working_morning():
    """Deadlines depend on the work calendar: start every test at the same working morning
    (the clock keeps ticking, so creation and acceptance times stay distinct)."""
    with time_machine.travel(WORKING_MORNING):
        yield


@pytest.fixture
def staff_2(small):
    """Community staff of the second community (grids 2 and 3)."""
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


@pytest.fixture
def civil(small, dept_b):
    """民政局, the unit of dept_b."""
    return HandlingUnit.objects.get(district=small.district, name="民政局")


# --- driving cases through the real actions ---------------------------------------------------


def _file(small, catalogue, code="SZ01", point=IN_GRID_0, *, user=None, channel="patrol") -> Case:
    return actions.file_case(
        user,
        district=small.district,
        category=catalogue[code],
        channel=channel,
        description="问题",
        lng=point[0],
        lat=point[1],
        answers={"since": "today"} if code == "SZ01" else {},
    )


def _accepted(admin, case):
    return actions.accept(admin, case)


def _dispatched(admin, case, unit=None):
    return actions.dispatch(admin, _accepted(admin, case), unit=unit)


def _in_progress(admin, dept, case, unit=None):
    return actions.start(dept, _dispatched(admin, case, unit))


def _handled(admin, dept, case, unit=None):
    return actions.handle(dept, _in_progress(admin, dept, case, unit), result="已处理")


def _verified(admin, dept, case, unit=None):
    return actions.verify(admin, _handled(admin, dept, case, unit), passed=True)


def _closed(admin, dept, case, unit=None):
    return actions.record_visit(admin, _verified(admin, dept, case, unit), result="satisfied")


def _ids(cases) -> list[int]:
    return [c.pk for c in cases]


# --- grid -------------------------------------------------------------------------------------


def test_grid_holds_the_open_cases_of_the_workers_area_by_deadline(
    small, catalogue, worker_a, worker_b, community_staff, district_admin, dept_a
):
    admin = district_admin
    slow = _accepted(admin, _file(small, catalogue, "SZ02"))  # 5 working days
    unaccepted = _file(small, catalogue, "SZ01")  # no deadline yet
    fast = _accepted(admin, _file(small, catalogue, "SZ03"))  # 4 working hours
    middle = _in_progress(admin, dept_a, _file(small, catalogue, "SZ01"))  # 3 working days
    actions.reject(admin, _file(small, catalogue), reason="不属实")
    _closed(admin, dept_a, _file(small, catalogue, "SZ04"))
    actions.merge(admin, _file(small, catalogue), into=slow)
    next_grid = _accepted(admin, _file(small, catalogue, "SZ01", point=IN_GRID_1))
    other_community = _accepted(admin, _file(small, catalogue, "SZ01", point=IN_GRID_2))

    # Soonest deadline first; a case without one yet (not accepted) after every deadline.
    assert _ids(worklist(worker_a, Worklist.GRID)) == [fast.pk, middle.pk, slow.pk, unaccepted.pk]
    assert _ids(worklist(worker_b, Worklist.GRID)) == [other_community.pk]
    assert _ids(worklist(community_staff, Worklist.GRID)) == [fast.pk, middle.pk, next_grid.pk, slow.pk, unaccepted.pk]
    assert set(_ids(worklist(district_admin, Worklist.GRID))) == {
        fast.pk,
        middle.pk,
        slow.pk,
        unaccepted.pk,
        next_grid.pk,
        other_community.pk,
    }
    # A department's district-wide role is not an area role: no grid list.
    assert _ids(worklist(dept_a, Worklist.GRID)) == []


# --- inbox ------------------------------------------------------------------------------------


def test_inbox_holds_the_units_dispatched_in_progress_and_held_cases(
    small, catalogue, district_admin, dept_a, dept_b, civil
):
    admin = district_admin
    _accepted(admin, _file(small, catalogue, "SZ01"))  # routed to dept_a's unit, not yet dispatched
    sent = _dispatched(admin, _file(small, catalogue, "SZ02"))  # 5 working days
    working = _in_progress(admin, dept_a, _file(small, catalogue, "SZ03"))  # 4 working hours
    paused = actions.hold(dept_a, _in_progress(admin, dept_a, _file(small, catalogue, "SZ04")), note="等待配件")
    _handled(admin, dept_a, _file(small, catalogue, "SZ01"))
    _closed(admin, dept_a, _file(small, catalogue, "SZ01"))
    theirs = _dispatched(admin, _file(small, catalogue, "MS01", point=IN_GRID_2), unit=civil)

    assert paused.state == State.ON_HOLD
    assert _ids(worklist(dept_a, Worklist.INBOX)) == [working.pk, paused.pk, sent.pk]
    assert _ids(worklist(dept_b, Worklist.INBOX)) == [theirs.pk]
    # Area roles have no unit: their inbox is empty.
    assert _ids(worklist(district_admin, Worklist.INBOX)) == []


def test_a_co_handled_case_is_in_the_co_handlers_inbox_until_it_finishes(
    small, catalogue, district_admin, dept_a, dept_b, civil
):
    admin = district_admin
    case = _in_progress(admin, dept_a, _file(small, catalogue))
    assert _ids(worklist(dept_b, Worklist.INBOX)) == []
    co = actions.add_co_handler(admin, case, unit=civil, task="核实困难户", days=2)
    assert _ids(worklist(dept_b, Worklist.INBOX)) == [case.pk]
    assert _ids(worklist(dept_a, Worklist.INBOX)) == [case.pk]

    actions.finish_co_handling(dept_b, co, result="已核实")
    assert _ids(worklist(dept_b, Worklist.INBOX)) == []
    assert _ids(worklist(dept_a, Worklist.INBOX)) == [case.pk]


def test_a_released_co_handler_leaves_the_inbox_too(small, catalogue, district_admin, dept_a, dept_b, civil):
    case = _in_progress(district_admin, dept_a, _file(small, catalogue))
    co = actions.add_co_handler(district_admin, case, unit=civil, task="核实困难户", days=2)
    assert _ids(worklist(dept_b, Worklist.INBOX)) == [case.pk]
    actions.finish_co_handling(district_admin, co, result="无需协办", released=True)
    assert _ids(worklist(dept_b, Worklist.INBOX)) == []


def test_a_case_the_unit_returns_leaves_its_inbox_for_the_dispatch_queue(
    small, catalogue, district_admin, community_staff, dept_a
):
    case = _in_progress(district_admin, dept_a, _file(small, catalogue))
    assert _ids(worklist(dept_a, Worklist.INBOX)) == [case.pk]
    assert _ids(worklist(community_staff, Worklist.DISPATCH)) == []

    actions.return_to_dispatch(dept_a, case, reason="不属于本单位")
    assert _ids(worklist(dept_a, Worklist.INBOX)) == []
    assert _ids(worklist(community_staff, Worklist.DISPATCH)) == [case.pk]


# --- dispatch ---------------------------------------------------------------------------------


def test_dispatch_queue_holds_what_waits_on_dispatch_in_the_staffs_area(
    small, catalogue, community_staff, staff_2, district_admin, worker_a, dept_a
):
    admin = district_admin
    reported = _file(small, catalogue)
    accepted = _accepted(admin, _file(small, catalogue, point=IN_GRID_1))
    returned = actions.return_to_dispatch(
        dept_a, _in_progress(admin, dept_a, _file(small, catalogue)), reason="非本单位"
    )
    reopened = actions.record_visit(
        admin, _verified(admin, dept_a, _file(small, catalogue)), result="unsatisfied", comment="还是不亮"
    )
    handled = _handled(admin, dept_a, _file(small, catalogue))
    extending = _in_progress(admin, dept_a, _file(small, catalogue))
    extension = actions.request_extension(dept_a, extending, days=2, reason="等待配件")
    # Not waiting on dispatch: with the unit, verified (waiting for the visit), finished.
    _dispatched(admin, _file(small, catalogue))
    _in_progress(admin, dept_a, _file(small, catalogue))
    actions.hold(dept_a, _in_progress(admin, dept_a, _file(small, catalogue)), note="等待配件")
    _verified(admin, dept_a, _file(small, catalogue))
    _closed(admin, dept_a, _file(small, catalogue))
    actions.reject(admin, _file(small, catalogue), reason="不属实")
    elsewhere = _file(small, catalogue, point=IN_GRID_2)

    assert (returned.state, reopened.state) == (State.RETURNED, State.REOPENED)
    waiting = [reported.pk, accepted.pk, returned.pk, reopened.pk, handled.pk, extending.pk]  # oldest first
    assert _ids(worklist(community_staff, Worklist.DISPATCH)) == waiting
    assert _ids(worklist(district_admin, Worklist.DISPATCH)) == [*waiting, elsewhere.pk]
    assert _ids(worklist(staff_2, Worklist.DISPATCH)) == [elsewhere.pk]
    assert _ids(worklist(worker_a, Worklist.DISPATCH)) == []  # files and urges, does not dispatch

    # Once the extension is decided the in-progress case is the unit's again.
    actions.decide_extension(admin, extension, approve=True)
    assert _ids(worklist(community_staff, Worklist.DISPATCH)) == waiting[:-1]


def test_a_closed_case_with_an_undecided_extension_is_not_in_the_dispatch_queue(
    small, catalogue, community_staff, district_admin, dept_a
):
    admin = district_admin
    case = _in_progress(admin, dept_a, _file(small, catalogue))
    actions.request_extension(dept_a, case, days=2, reason="等待配件")
    case = actions.handle(dept_a, case, result="提前修好了")  # nobody decided the request
    assert _ids(worklist(community_staff, Worklist.DISPATCH)) == [case.pk]  # handled: to verify
    case = actions.record_visit(admin, actions.verify(admin, case, passed=True), result="satisfied")
    assert case.state == State.CLOSED
    assert _ids(worklist(community_staff, Worklist.DISPATCH)) == []


# --- supervision ------------------------------------------------------------------------------


def test_supervision_queue_holds_overdue_and_supervised_open_cases(
    small, catalogue, supervisor, district_admin, worker_a, dept_a
):
    admin = district_admin
    supervisor_2 = make_persona("supervisor_2", Role.SUPERVISOR, small.communities[1])
    late = _accepted(admin, _file(small, catalogue, "SZ03"))  # 4 working hours
    watched = _dispatched(admin, _file(small, catalogue, "SZ02"))  # 5 working days
    actions.supervise(supervisor, watched, body="区督查室", level="yellow")
    _accepted(admin, _file(small, catalogue, "SZ01"))  # on time, not supervised
    finished = _in_progress(admin, dept_a, _file(small, catalogue, "SZ02"))
    actions.supervise(admin, finished, body="区纪委", level="red")
    finished = actions.verify(admin, actions.handle(dept_a, finished, result="已处理"), passed=True)
    assert actions.record_visit(admin, finished, result="satisfied").state == State.CLOSED
    late_elsewhere = _accepted(admin, _file(small, catalogue, "SZ03", point=IN_GRID_2))

    assert _ids(worklist(supervisor, Worklist.SUPERVISION)) == [watched.pk]
    assert actions.sweep_overdue(now=max(late.due_at, late_elsewhere.due_at) + dt.timedelta(minutes=1)) == 2

    expected = [late.pk, late_elsewhere.pk, watched.pk]  # by deadline
    assert _ids(worklist(supervisor, Worklist.SUPERVISION)) == expected
    assert _ids(worklist(district_admin, Worklist.SUPERVISION)) == expected
    assert _ids(worklist(supervisor_2, Worklist.SUPERVISION)) == [late_elsewhere.pk]
    assert _ids(worklist(worker_a, Worklist.SUPERVISION)) == []


# --- return visits and the reporter's own cases -------------------------------------------------


def test_visits_and_mine(small, catalogue, community_staff, staff_2, district_admin, worker_a, dept_a, resident):
    admin = district_admin
    by_web = _file(small, catalogue, user=resident, channel="web")
    by_api = Case.objects.get(pk=filed(bearer_client(resident))["id"])
    by_patrol = _file(small, catalogue)
    still_open = _file(small, catalogue, "SZ02", user=resident, channel="web")
    elsewhere = _file(small, catalogue, point=IN_GRID_2)
    assert by_web.reporter == resident and by_api.reporter == resident and by_patrol.reporter is None
    # Handled in another order than filed: the queue goes by the time of handling.
    for case in (by_patrol, elsewhere, by_api, by_web):
        _verified(admin, dept_a, case)

    assert _ids(worklist(community_staff, Worklist.VISITS)) == [by_patrol.pk, by_api.pk, by_web.pk]
    assert _ids(worklist(district_admin, Worklist.VISITS)) == [by_patrol.pk, elsewhere.pk, by_api.pk, by_web.pk]
    assert _ids(worklist(staff_2, Worklist.VISITS)) == [elsewhere.pk]
    assert _ids(worklist(worker_a, Worklist.VISITS)) == []
    assert _ids(worklist(resident, Worklist.VISITS)) == [by_api.pk, by_web.pk]
    assert _ids(worklist(resident, Worklist.MINE)) == [still_open.pk, by_api.pk, by_web.pk]  # newest first

    # The resident answers the return visit: the case closes and leaves every visits queue.
    actions.record_visit(resident, Case.objects.get(pk=by_web.pk), result="satisfied")
    assert _ids(worklist(resident, Worklist.VISITS)) == [by_api.pk]
    assert _ids(worklist(community_staff, Worklist.VISITS)) == [by_patrol.pk, by_api.pk]
    assert _ids(worklist(resident, Worklist.MINE)) == [still_open.pk, by_api.pk, by_web.pk]
    assert _ids(worklist(worker_a, Worklist.MINE)) == []  # filed nothing as reporter


def test_dispatch_visits_hold_only_categories_that_need_a_return_visit(
    small, catalogue, community_staff, district_admin, dept_a
):
    """For dispatch, `visits` follows the category's setting (the reporter's own verified cases
    are theirs to answer whatever the category says)."""
    case = _verified(district_admin, dept_a, _file(small, catalogue))
    assert _ids(worklist(community_staff, Worklist.VISITS)) == [case.pk]
    Category.objects.filter(pk=catalogue["SZ01"].pk).update(return_visit_required=False)
    assert _ids(worklist(community_staff, Worklist.VISITS)) == []


# --- worklists_for and the contract's edges ----------------------------------------------------


def test_each_persona_gets_the_worklists_that_mean_something_to_it(
    small, catalogue, worker_a, dept_a, dept_b, community_staff, district_admin, supervisor, resident
):
    unitless = make_persona("dept_none", Role.DEPARTMENT, small.district)
    assert worklists_for(worker_a) == ["grid", "mine", "done"]
    assert worklists_for(dept_a) == ["inbox", "mine", "done"]
    assert worklists_for(dept_b) == ["inbox", "mine", "done"]
    assert worklists_for(unitless) == ["mine"]
    assert worklists_for(community_staff) == ["dispatch", "visits", "grid", "mine", "done"]
    assert worklists_for(supervisor) == ["supervision", "mine", "done"]
    assert worklists_for(district_admin) == ["dispatch", "visits", "grid", "supervision", "mine", "done"]
    assert worklists_for(resident) == ["mine"]


def test_an_unknown_worklist_is_refused_and_an_anonymous_user_has_none(small, catalogue, worker_a):
    _file(small, catalogue)
    with pytest.raises(ValueError, match="nope"):
        worklist(worker_a, "nope")
    assert list(worklist(AnonymousUser(), Worklist.GRID)) == []
    assert len(worklist(worker_a, Worklist.GRID)) == 1


# --- public board -----------------------------------------------------------------------------


def _other_district():
    """A second district with one building; its cases are filed from the building (no polygons,
    so the point index of the first district stays unambiguous)."""
    district = area_actions.create_district(None, name="测试区U", code="U")
    community = area_actions.create_area(None, parent=district, name="U社区", code="U-C1")
    grid = area_actions.create_area(None, parent=community, name="U网格", code="U-C1-G1")
    group = area_actions.create_area(None, parent=grid, name="U楼群", code="U-C1-G1-Q1")
    building = area_actions.create_area(None, parent=group, name="U1号楼", code="U-C1-G1-B1", lng=118.0, lat=37.0)
    install_default_catalogue(district)
    return district, building


def test_the_public_board_shows_accepted_cases_of_public_categories(small, catalogue, district_admin, dept_a):
    admin = district_admin
    Category.objects.filter(pk=catalogue["HJ01"].pk).update(public=False)  # the district hides this category
    first, second, third = (_file(small, catalogue, code) for code in ("SZ01", "SZ02", "SZ04"))
    _file(small, catalogue)  # reported, not yet accepted
    actions.reject(admin, _file(small, catalogue), reason="不属实")
    actions.merge(admin, _accepted(admin, _file(small, catalogue)), into=first)
    _accepted(admin, _file(small, catalogue, "HJ01"))
    closed = _closed(admin, dept_a, third)
    dispatched = _dispatched(admin, first)
    accepted = _accepted(admin, second)
    district, building = _other_district()
    foreign = actions.file_case(
        None,
        district=district,
        category=Category.objects.get(district=district, code="SZ02"),
        channel="patrol",
        description="问题",
        building=building,
    )
    foreign = actions.accept(None, foreign)

    # Newest acceptance first (not the order of filing).
    assert _ids(public_board(small.district.pk)) == [accepted.pk, dispatched.pk, closed.pk]
    assert _ids(public_board(district.pk)) == [foreign.pk]


# --- the REST list with a queue -------------------------------------------------------------


def _queue(client, queue, **params) -> list[int]:
    return [c["id"] for c in ok(client.get("/api/v1/cases", {"queue": queue, **params}))["items"]]


def test_the_inbox_through_the_api_is_each_departments_own(small, catalogue, district_admin, dept_a, dept_b, civil):
    admin = district_admin
    slow = _dispatched(admin, _file(small, catalogue, "SZ02"))
    fast = _in_progress(admin, dept_a, _file(small, catalogue, "SZ03"))
    theirs = _dispatched(admin, _file(small, catalogue, "MS01"), unit=civil)
    _accepted(admin, _file(small, catalogue, "SZ01"))

    assert _queue(bearer_client(dept_a), "inbox") == [fast.pk, slow.pk]
    assert _queue(bearer_client(dept_b), "inbox") == [theirs.pk]
    assert _queue(bearer_client(dept_a), "inbox", state="dispatched") == [slow.pk]  # filters still apply


def test_grid_and_mine_through_the_api(small, catalogue, worker_a, worker_b, resident):
    here = _file(small, catalogue)
    there = _file(small, catalogue, point=IN_GRID_2)
    own = filed(bearer_client(resident))
    assert _queue(bearer_client(worker_a), "grid") == [here.pk, own["id"]]
    assert _queue(bearer_client(worker_b), "grid") == [there.pk]
    assert _queue(bearer_client(resident), "mine") == [own["id"]]
    assert _queue(bearer_client(resident), "grid") == []


@pytest.mark.parametrize("queue", ["queued", "GRID", ""])
def test_an_unknown_queue_is_invalid_input(small, district_admin, queue):
    body = assert_error(bearer_client(district_admin).get("/api/v1/cases", {"queue": queue}), 422, "invalid_input")
    assert body["fields"] == ["queue"]


@pytest.mark.parametrize("queue", ["grid", "dispatch"])
def test_a_queue_costs_a_fixed_number_of_queries(small, catalogue, community_staff, district_admin, dept_a, queue):
    client = bearer_client(community_staff)

    def count() -> Queries:
        with count_queries() as queries:
            assert client.get("/api/v1/cases", {"queue": queue}).status_code == 200
        return queries

    def add(n: int) -> None:
        codes = ["SZ01", "SZ02", "HJ01", "MD01"]
        for i in range(n):
            case = _file(small, catalogue, codes[i % 4], point=IN_GRID_1 if i % 3 else IN_GRID_0)
            if i % 2:
                _accepted(district_admin, case)  # with a unit and a deadline

    add(2)
    assert len(_queue(client, queue)) == 2
    before = count()
    add(10)
    assert len(_queue(client, queue)) == 12
    assert_flat(before, count(), at_most=7)
