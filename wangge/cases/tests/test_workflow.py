"""The case chain: filing, every allowed and forbidden step, deadlines, routing, coordination,
supervision, return visits, the overdue sweep and stale versions."""

import datetime as dt

import pytest
import time_machine

from wangge.areas.tests.factories import ORIGIN
from wangge.cases import actions
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseSequence,
    CoHandling,
    HandlingUnit,
    RoutingRule,
    Supervision,
    UnitKind,
)
from wangge.cases.queries import visible_cases
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, SHANGHAI, file
from wangge.cases.workflow import TRANSITIONS, State, allowed, check
from wangge.lib.errors import DomainError


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_every_transition_is_allowed_exactly_from_its_sources(state, name):
    if state in TRANSITIONS[name].sources:
        assert check(state, name).target == TRANSITIONS[name].target
        assert name in allowed(state)
    else:
        with pytest.raises(DomainError) as error:
            check(state, name)
        assert error.value.code == "transition_not_allowed"


def test_filing_numbers_the_case_and_finds_its_grid(small, catalogue):
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)):
        first = file(small, catalogue)
        second = file(small, catalogue, point=IN_GRID_2)
    assert first.number == "T-20261126-0001" and second.number == "T-20261126-0002"
    assert (first.grid, first.community) == (small.grids[0], small.communities[0])
    assert second.grid == small.grids[2]
    assert first.state == State.REPORTED
    assert CaseEvent.objects.filter(case=first, kind="filed").exists()


def test_the_number_grows_past_four_digits(small, catalogue):
    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)):
        first = file(small, catalogue)
        CaseSequence.objects.filter(district=small.district).update(last=9998)
        numbers = [file(small, catalogue).number for _ in range(2)]
    assert numbers == ["T-20261126-9999", "T-20261126-10000"]
    stored = Case.objects.filter(pk__in=[first.pk]).values_list("number", flat=True)
    assert list(stored) == ["T-20261126-0001"] == [first.number]


def test_a_filing_that_fails_after_its_number_leaves_that_number_unused(small, catalogue):
    def fail(case):
        raise RuntimeError("the channel's own row could not be written")

    with time_machine.travel(dt.datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)):
        first = file(small, catalogue)
        with pytest.raises(RuntimeError):
            file(small, catalogue, with_case=fail)
        third = file(small, catalogue)
    assert [first.number, third.number] == ["T-20261126-0001", "T-20261126-0003"]
    assert Case.objects.count() == 2 and CaseEvent.objects.count() == 2  # nothing of the failed one


def test_filing_from_a_building_takes_its_grid_and_point(small, catalogue):
    building = small.buildings[4]
    case = actions.file_case(
        None,
        district=small.district,
        category=catalogue["HJ01"],
        channel="phone",
        description="垃圾",
        building=building,
        reporter_contact="13800001111",
    )
    assert case.grid_id == building.grid_id and (case.lng, case.lat) == (building.lng, building.lat)
    assert case.reporter_contact_masked == "138****1111"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"point": (ORIGIN[0] - 1, ORIGIN[1])}, "outside_every_grid"),
        ({"description": "x" * 4001}, "description_too_long"),
        ({"answers": {}}, "answer_required"),
        ({"answers": {"since": "yesterday"}}, "answer_invalid"),
        ({"answers": {"since": "today", "lamp_count": "many"}}, "answer_invalid"),
        ({"code": "SZ"}, "unknown_category"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(small, catalogue, kwargs, code):
    description = kwargs.pop("description", None)
    with pytest.raises(DomainError) as error:
        if description:
            actions.file_case(
                None,
                district=small.district,
                category=catalogue["SZ01"],
                channel="web",
                description=description,
                lng=IN_GRID_0[0],
                lat=IN_GRID_0[1],
                answers={"since": "today"},
            )
        else:
            file(small, catalogue, **kwargs)
    assert error.value.code == code
    assert not Case.objects.exists()


def test_acceptance_stores_a_deadline_in_working_days(small, catalogue, dept_a, district_admin):
    case = file(small, catalogue)  # 路灯不亮: 3 working days
    with time_machine.travel(dt.datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)):
        case = actions.accept(district_admin, case, version=case.version)
    # Sat 14 Feb is a make-up working day, 15–23 Feb Spring Festival: 14th, 24th, 25th.
    assert case.due_at == dt.datetime(2026, 2, 25, 17, 30, tzinfo=SHANGHAI)
    assert case.unit.name == "城市管理局"


def test_a_case_nobody_matches_goes_to_dispatch_and_rules_follow_priority(
    small, catalogue, dept_a, dept_b, district_admin
):
    case = actions.accept(district_admin, file(small, catalogue, code="MD01"))
    assert case.unit.kind == UnitKind.DISPATCH
    civil = HandlingUnit.objects.get(name="民政局")
    RoutingRule.objects.create(
        district=small.district, priority=5, category=catalogue["SZ01"], area=small.grids[0], unit=civil
    )
    near = actions.accept(district_admin, file(small, catalogue))
    far = actions.accept(district_admin, file(small, catalogue, point=IN_GRID_2))
    assert near.unit == civil  # the grid rule (priority 5) beats the group rule (10)
    assert far.unit.name == "城市管理局"
    changed = actions.change_category(district_admin, near, category=catalogue["MD02"])
    assert changed.unit.kind == UnitKind.DISPATCH


def _to_in_progress(small, catalogue, dept_a, admin, **kwargs):
    case = actions.accept(admin, file(small, catalogue, **kwargs))
    case = actions.dispatch(admin, case)
    return actions.start(dept_a, case)


def test_full_chain_to_closed_off(small, catalogue, dept_a, district_admin):
    case = _to_in_progress(small, catalogue, dept_a, district_admin)
    case = actions.handle(dept_a, case, result="已更换灯泡")
    case = actions.verify(district_admin, case, passed=True)
    assert case.state == State.VERIFIED
    case = actions.record_visit(district_admin, case, result="satisfied", by_phone=True)
    assert case.state == State.CLOSED and case.closed_at is not None
    steps = list(CaseEvent.objects.filter(case=case, kind="transition").values_list("to_state", flat=True))
    assert steps == ["accepted", "dispatched", "in_progress", "handled", "verified", "visited", "closed"]


def test_unsatisfied_return_visit_reopens(small, catalogue, dept_a, district_admin):
    case = actions.verify(
        district_admin,
        actions.handle(dept_a, _to_in_progress(small, catalogue, dept_a, district_admin), result="修好了"),
        passed=True,
    )
    case = actions.record_visit(district_admin, case, result="unsatisfied", comment="还是不亮")
    assert case.state == State.REOPENED
    assert actions.dispatch(district_admin, case).state == State.DISPATCHED


def test_no_return_visit_category_closes_at_verification(small, catalogue, dept_a, district_admin):
    case = actions.accept(district_admin, file(small, catalogue, code="HJ02"))
    case = actions.start(dept_a, actions.dispatch(district_admin, case))
    case = actions.verify(district_admin, actions.handle(dept_a, case, result="已清扫"), passed=True)
    assert case.state == State.CLOSED


def test_co_handlers_block_handling_until_finished_or_released(small, catalogue, dept_a, dept_b, district_admin):
    case = _to_in_progress(small, catalogue, dept_a, district_admin)
    co_b = actions.add_co_handler(
        district_admin, case, unit=HandlingUnit.objects.get(name="民政局"), task="核实困难户", days=2
    )
    co_c = actions.add_co_handler(
        district_admin, case, unit=HandlingUnit.objects.get(name="司法局"), task="调解", days=2
    )
    with pytest.raises(DomainError) as error:
        actions.handle(dept_a, case, result="完成")
    assert error.value.code == "co_handlers_open"
    actions.finish_co_handling(dept_b, co_b, result="已核实")
    actions.finish_co_handling(district_admin, co_c, result="无需调解", released=True)
    assert actions.handle(dept_a, case, result="完成").state == State.HANDLED
    assert set(CoHandling.objects.values_list("state", flat=True)) == {"finished", "released"}


def test_one_supervision_per_case_others_join(small, catalogue, dept_a, district_admin):
    case = _to_in_progress(small, catalogue, dept_a, district_admin)
    actions.supervise(district_admin, case, body="区纪委", level="yellow")
    supervision = actions.supervise(district_admin, case, body="区督查室", level="red")
    actions.supervise(district_admin, case, body="区纪委", level="yellow")
    assert Supervision.objects.count() == 1
    assert supervision.level == "red"
    assert sorted(supervision.parties.values_list("body", flat=True)) == ["区督查室", "区纪委"]


def test_extension_needs_a_reason_and_moves_the_deadline_on_the_calendar(small, catalogue, dept_a, district_admin):
    with time_machine.travel(dt.datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)):
        case = _to_in_progress(small, catalogue, dept_a, district_admin)
        assert case.due_at == dt.datetime(2026, 10, 8, 17, 30, tzinfo=SHANGHAI)  # 29, 30 Sep, 8 Oct
        with pytest.raises(DomainError) as error:
            actions.request_extension(dept_a, case, days=2, reason=" ")
        assert error.value.code == "extension_reason_required"
        extension = actions.request_extension(dept_a, case, days=2, reason="需采购配件")
        extension = actions.decide_extension(district_admin, extension, approve=True)
    assert extension.new_due_at == dt.datetime(2026, 10, 10, 17, 30, tzinfo=SHANGHAI)  # 9 Oct, Sat 10 Oct (make-up)


def test_overdue_sweep_at_one_minute_before_and_exactly_at_the_deadline(small, catalogue, dept_a, district_admin):
    case = _to_in_progress(small, catalogue, dept_a, district_admin)
    assert actions.sweep_overdue(case.due_at - dt.timedelta(minutes=1)) == 0
    assert actions.sweep_overdue(case.due_at) == 1
    assert actions.sweep_overdue(case.due_at) == 0  # claimed once, never twice
    case.refresh_from_db()
    assert case.overdue and CaseEvent.objects.filter(case=case, kind="overdue").count() == 1


def test_a_stale_version_is_refused_and_nothing_changes(small, catalogue, district_admin):
    case = file(small, catalogue)
    seen = case.version
    actions.accept(district_admin, case, version=seen)
    with pytest.raises(DomainError) as error:
        actions.reject(district_admin, case, reason="重复", version=seen)
    assert error.value.code == "stale_version"
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED


def test_merging_a_duplicate(small, catalogue, district_admin):
    original = file(small, catalogue)
    duplicate = file(small, catalogue)
    merged = actions.merge(district_admin, duplicate, into=original)
    assert merged.state == State.DUPLICATE and merged.merged_into == original
    assert CaseEvent.objects.filter(case=original, kind="merged").exists()


def test_cases_are_scoped_by_grid_and_by_unit(small, catalogue, dept_a, dept_b, worker_a, worker_b, district_admin):
    in_a = actions.accept(district_admin, file(small, catalogue))
    in_b = file(small, catalogue, code="MS01", point=IN_GRID_2)
    assert list(visible_cases(worker_a)) == [in_a]
    assert list(visible_cases(worker_b)) == [in_b]
    assert list(visible_cases(dept_a)) == [in_a]
    assert list(visible_cases(dept_b)) == []


def test_satisfaction_rates_per_unit_grid_and_category(small, catalogue, dept_a, district_admin):
    from wangge.cases.models import ReturnVisit
    from wangge.cases.queries import satisfaction_rates

    for result in ["satisfied", "basically", "unsatisfied", "satisfied"]:
        case = actions.verify(
            district_admin,
            actions.handle(dept_a, _to_in_progress(small, catalogue, dept_a, district_admin), result="好"),
            passed=True,
        )
        actions.record_visit(district_admin, case, result=result)
    (by_unit,) = satisfaction_rates(ReturnVisit.objects.all(), "unit")
    assert (by_unit["name"], by_unit["total"], by_unit["unsatisfied"], by_unit["rate"]) == ("城市管理局", 4, 1, 0.75)
    assert satisfaction_rates(ReturnVisit.objects.all(), "grid")[0]["name"] == small.grids[0].name
    assert satisfaction_rates(ReturnVisit.objects.all(), "category")[0]["rate"] == 0.75


def test_due_soon_flag(small, catalogue, dept_a, district_admin):
    from wangge.cases.queries import is_due_soon, with_flags

    case = _to_in_progress(small, catalogue, dept_a, district_admin)

    def flags(now: dt.datetime) -> bool:
        in_sql = with_flags(Case.objects.filter(pk=case.pk), now).get().due_soon
        assert is_due_soon(Case.objects.get(pk=case.pk), now) == in_sql  # the two agree
        return in_sql

    assert not flags(case.due_at - dt.timedelta(hours=25))
    assert flags(case.due_at - dt.timedelta(hours=23))
    assert not flags(case.due_at)  # due now: no longer "soon"
    assert not flags(case.due_at + dt.timedelta(minutes=1))
    Case.objects.filter(pk=case.pk).update(overdue=True)
    assert not flags(case.due_at - dt.timedelta(hours=1))
    Case.objects.filter(pk=case.pk).update(overdue=False, state=State.CLOSED)
    assert not flags(case.due_at - dt.timedelta(hours=1))
