"""A case a member handled counts as a practical thing done, for that member, and the deeds
count equals a count over the case chain's records; the indicators cases_accepted_on_time (on
the work calendar, the district's rule) and coverage_gaps (the coverage report's gaps in the
worker's grid) list exactly the records they counted."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from wangge.api.testing import assert_error, bearer_client
from wangge.cases import actions as case_actions
from wangge.cases.models import Case, CaseEvent, EventKind
from wangge.cases.tests.factories import SHANGHAI, closed_off, file, ok
from wangge.orgs.coverage import gaps_in
from wangge.people.actions.registry import PersonInput, create_person, register_members
from wangge.people.models import MemberProfile, Person
from wangge.team import actions, practical
from wangge.team.indicators import cases_accepted_on_time
from wangge.team.models import AssessmentRules, Score
from wangge.team.tests.factories import worker_of


def _as_member(small, user) -> MemberProfile:
    person = create_person(None, district=small.district, data=PersonInput(name=f"党员{user.username}"))
    Person.objects.filter(pk=person.pk).update(user=user)
    return register_members(None, [(Person.objects.get(pk=person.pk), "in_service", small.communities[0])])[0]


def test_a_case_handled_by_a_members_account_counts_for_that_member(small, catalogue, district_admin, dept_a, dept_b):
    _as_member(small, dept_a)
    mine = closed_off(district_admin, dept_a, file(small, catalogue))
    closed_off(district_admin, dept_a, file(small, catalogue, user=None))
    case_actions.handle(  # handled but not closed off: not yet
        dept_a,
        case_actions.start(
            dept_a, case_actions.dispatch(district_admin, case_actions.accept(district_admin, file(small, catalogue)))
        ),
        result="已处理",
    )
    today = timezone.localdate()
    counted = practical.count(small.district, today, today)
    assert counted["by_kind"]["case"] == 2
    assert practical.by_member(small.district, today, today) == {dept_a.pk: 2}
    assert practical.by_community(small.district, today, today) == {mine.community_id: 2}
    # The same count over the records: closed cases whose last handle step a member's account took.
    members = set(MemberProfile.objects.exclude(person__user=None).values_list("person__user_id", flat=True))
    handlers = {}
    for event in CaseEvent.objects.filter(kind=EventKind.TRANSITION, transition="handle").order_by("at", "id"):
        handlers[event.case_id] = event.actor_id
    closed = Case.objects.filter(state="closed").values_list("pk", flat=True)
    assert counted["by_kind"]["case"] == sum(1 for pk in closed if handlers.get(pk) in members)


def test_a_case_handled_by_someone_not_a_member_is_not_a_practical_thing(small, catalogue, district_admin, dept_a):
    closed_off(district_admin, dept_a, file(small, catalogue))
    today = timezone.localdate()
    assert practical.count(small.district, today, today)["by_kind"]["case"] == 0


def test_cases_accepted_within_the_districts_working_hours_count_as_on_time(
    small, catalogue, district_admin, worker_a, worker_b
):
    grid_worker = worker_of(worker_a, small.grids[0])
    other = worker_of(worker_b, small.grids[2])
    monday = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(monday, tick=False):
        quick = file(small, catalogue)
        slow = file(small, catalogue)
    with time_machine.travel(monday + dt.timedelta(hours=3), tick=False):
        case_actions.accept(district_admin, quick)
    with time_machine.travel(monday + dt.timedelta(days=2), tick=False):  # Wednesday: 16 working hours later
        case_actions.accept(district_admin, slow)
    measures = cases_accepted_on_time([grid_worker, other], dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert measures[grid_worker.pk].records == sorted([quick.pk, slow.pk])
    assert measures[grid_worker.pk].hits == [quick.pk] and measures[grid_worker.pk].value == 0.5
    assert other.pk not in measures  # nothing accepted in grid 3: absent
    AssessmentRules.objects.create(district=small.district, accept_within_hours=24)
    measures = cases_accepted_on_time([grid_worker], dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert measures[grid_worker.pk].hits == sorted([quick.pk, slow.pk])


def test_the_coverage_gaps_drill_down_lists_exactly_the_gaps_of_the_workers_grid(small, worker_a, worker_b):
    mine = worker_of(worker_a, small.grids[0])
    worker_of(worker_b, small.grids[2])
    actions.run_period(None, district=small.district, period_text="2026-11", commit=True)
    score = Score.objects.get(worker=mine)
    expected = sorted(g.area_id for g in gaps_in(small.district.__class__.objects.filter(grid=small.grids[0])))
    part = score.indicators["coverage_gaps"]
    assert part["records"] == expected and part["value"] == len(expected) > 0
    limit = 20
    assert part["points"] == pytest.approx(round(max(0.0, 100 * (1 - len(expected) / limit)), 1))


def test_the_deeds_endpoint_counts_cases_members_handled_by_kind_in_scope(
    small, catalogue, district_admin, dept_a, worker_b
):
    _as_member(small, dept_a)
    case = closed_off(district_admin, dept_a, file(small, catalogue))
    today = timezone.localdate().isoformat()
    path = f"/api/v1/deeds?area={case.community_id}&from={today}&to={today}"
    body = ok(bearer_client(district_admin).get(path))
    assert body["by_kind"]["case"] == 1 and body["count"] == 1
    assert_error(bearer_client(worker_b).get(path), 404, "not_found")  # another community's
