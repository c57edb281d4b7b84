"""Each kind of timeline event is built by one constructor (`cases/events.py`), which fixes
whether the reporter sees it and which keys its data holds."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from wangge.cases import actions, events
from wangge.cases.models import Category, Channel, CoHandling, EventKind, HandlingUnit
from wangge.cases.workflow import TRANSITIONS

IN_GRID_0 = (117.005, 36.605)


@pytest.fixture
def case(small, catalogue, worker_a):
    category = Category.objects.get(code="SZ01")
    return actions.file_case(
        worker_a,
        district=category.district,
        category=category,
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )


@pytest.fixture
def unit(small):
    return HandlingUnit.objects.get(district=small.district, name="城市管理局")


def test_each_kind_has_its_public_flag_and_data_keys(case, unit, worker_a):
    co = CoHandling.objects.create(case=case, unit=unit, task="清理", due_at=timezone.now())
    due = timezone.now() + dt.timedelta(days=3)
    built = [
        (events.filed(case, worker_a, channel="patrol"), EventKind.FILED, True, {"channel"}),
        (events.routed(case, worker_a, unit), EventKind.ROUTED, False, {"unit", "unit_name"}),
        (events.note(case, worker_a, "类别已更改"), EventKind.NOTE, False, set()),
        (events.merged(case, worker_a, duplicate=case), EventKind.MERGED, True, {"duplicate"}),
        (
            events.co_handler_added(case, worker_a, unit=unit, task="清理"),
            EventKind.CO_HANDLER_ADDED,
            False,
            {"unit", "unit_name", "task"},
        ),
        (
            events.co_handler_finished(co, worker_a, result="已清理"),
            EventKind.CO_HANDLER_FINISHED,
            False,
            {"unit", "unit_name"},
        ),
        (
            events.co_handler_released(co, worker_a, result="不需要"),
            EventKind.CO_HANDLER_RELEASED,
            False,
            {"unit", "unit_name"},
        ),
        (
            events.extension_requested(case, worker_a, days=3, reason="材料未到"),
            EventKind.EXTENSION_REQUESTED,
            False,
            {"days"},
        ),
        (events.extension_approved(case, worker_a, due_at=due), EventKind.EXTENSION_APPROVED, False, {"due_at"}),
        (events.extension_refused(case, worker_a), EventKind.EXTENSION_REFUSED, False, set()),
        (events.urged(case, worker_a, note="请尽快"), EventKind.URGED, False, set()),
        (
            events.supervised(case, worker_a, body="区纪委", level="red", joined=False),
            EventKind.SUPERVISED,
            False,
            {"body", "level", "joined"},
        ),
        (events.overdue(case), EventKind.OVERDUE, False, set()),
    ]
    for event, kind, public, keys in built:
        assert (event.kind, event.public, set(event.data)) == (kind, public, keys), kind
    assert {kind for _event, kind, _public, _keys in built} == set(EventKind) - {
        EventKind.TRANSITION,  # below
        EventKind.VISIT,  # never written: a return visit is the transition `record_visit`
    }


def test_a_step_is_public_unless_it_is_the_unit_returning_the_case_or_the_check_sending_it_back(case, worker_a):
    seen = {name: events.transition(case, worker_a, step).public for name, step in TRANSITIONS.items()}
    assert {name for name, public in seen.items() if not public} == {"return_to_dispatch", "send_back"}


def test_a_step_records_its_states_and_only_its_own_details(case, worker_a, unit):
    event = events.transition(case, worker_a, TRANSITIONS["accept"], note="受理")
    assert (event.kind, event.transition, event.from_state, event.to_state, event.note) == (
        EventKind.TRANSITION,
        "accept",
        "reported",
        "accepted",
        "受理",
    )
    dispatched = events.transition(case, worker_a, TRANSITIONS["dispatch"], unit=unit.pk, unit_name=unit.name)
    assert dispatched.data == {"unit": unit.pk, "unit_name": unit.name}
    returned = events.transition(case, worker_a, TRANSITIONS["return_to_dispatch"], unit=None)
    assert returned.data == {}  # a detail that is None is left out
    with pytest.raises(ValueError, match="accept carries no unit"):
        events.transition(case, worker_a, TRANSITIONS["accept"], unit=unit.pk)


def test_an_anonymous_actor_is_recorded_as_none(case):
    assert events.filed(case, AnonymousUser(), channel="web").actor is None  # type: ignore[arg-type]
