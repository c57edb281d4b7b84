"""Who may take which step (`wangge.cases.policy`): the whole table, persona by step, and the
API's 403 `forbidden` for a caller who sees the case but may not act on it."""

import pytest

from wangge.accounts.models import Role, User
from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases import actions, policy
from wangge.cases.models import Case, CaseEvent, HandlingUnit
from wangge.cases.tests.factories import IN_GRID_0, filed, ok, read, step
from wangge.conftest import make_persona

DISPATCH = set(policy.DISPATCH_STEPS)
UNIT = set(policy.UNIT_STEPS)

# persona → the steps it may take on a case in grid 0 (community 1), handled by 城市管理局
# (dept_a), co-handled by 民政局 (dept_b), reported by `resident`.
EXPECTED = {
    "worker_a": {"urge", "photos"},
    "worker_b": {"photos"},
    "staff_c1": DISPATCH | {"visit", "urge", "photos"},
    "staff_c2": {"photos"},
    "admin_d": DISPATCH | {"visit", "urge", "supervise", "photos"},
    "supervisor": {"urge", "supervise", "photos"},
    "dept_a": UNIT | {"photos"},
    "dept_b": {"co-handling-finish", "photos"},
    "resident": {"visit", "photos"},
    "nobody": {"photos"},
    "root": set(policy.STEPS),
}


@pytest.fixture
def world(small, catalogue, worker_a, worker_b, community_staff, district_admin, dept_a, dept_b, no_role_user):
    personas: dict[str, User] = {
        "worker_a": worker_a,
        "worker_b": worker_b,
        "staff_c1": community_staff,
        "staff_c2": make_persona("staff_c2", Role.COMMUNITY_STAFF, small.communities[1]),
        "admin_d": district_admin,
        "supervisor": make_persona("supervisor", Role.SUPERVISOR, small.district),
        "dept_a": dept_a,
        "dept_b": dept_b,
        "resident": make_persona("resident", Role.RESIDENT, small.households[0]),
        "nobody": no_role_user,
        "root": User.objects.create_superuser("root", password=None),
    }
    case = actions.file_case(
        personas["resident"],
        district=small.district,
        category=catalogue["SZ01"],
        channel="web",
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )
    case = actions.dispatch(district_admin, actions.accept(district_admin, case))
    co = actions.add_co_handler(district_admin, case, unit=HandlingUnit.objects.get(name="民政局"), task="核实", days=2)
    return personas, Case.objects.get(pk=case.pk), co


def test_the_policy_table(world):
    personas, case, co = world
    assert set(EXPECTED) == set(personas)
    for name, user in personas.items():
        user = User.objects.get(pk=user.pk)  # fresh: no cached assignments or units
        granted = {s for s in policy.STEPS if policy.can(user, s, case, co_handling=co)}
        assert granted == EXPECTED[name], name


def test_the_policy_rejects_unknown_steps(world):
    personas, case, _co = world
    with pytest.raises(ValueError):
        policy.can(personas["admin_d"], "teleport", case)


def test_unit_steps_follow_the_current_unit(world, dept_b):
    personas, case, _co = world
    case.unit = HandlingUnit.objects.get(name="民政局")
    assert policy.can(dept_b, "handle", case)
    assert not policy.can(personas["dept_a"], "handle", case)


def test_a_grid_worker_may_not_accept(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    case = filed(client)
    body = assert_error(step(client, case, "accept"), 403, "forbidden")
    assert body["message"]
    assert Case.objects.get(pk=case["id"]).state == "reported"
    assert not CaseEvent.objects.filter(kind="transition").exists()


def test_the_forbidden_message_is_translated(small, catalogue, worker_a):
    english = bearer_client(worker_a, **{"Accept-Language": "en"})
    case = filed(english)
    message = assert_error(step(english, case, "accept"), 403, "forbidden")["message"]
    assert message == "You can see this case, but this step is not yours to take."


@pytest.mark.parametrize(
    ("who", "name", "body"),
    [
        ("worker_a", "dispatch", {}),
        ("worker_a", "start", {}),
        ("worker_a", "supervise", {"body": "x", "level": "red"}),
        ("supervisor", "handle", {"result": "x"}),
        ("supervisor", "verify", {"passed": True}),
        ("dept_a", "accept", {}),
        ("dept_a", "verify", {"passed": True}),
        ("dept_a", "urge", {}),
        ("dept_b", "hold", {"reason": "x"}),
        ("dept_b", "co-handlers", {"unit": 1, "task": "x", "days": 1}),
        ("resident", "close", {}),
        ("resident", "urge", {}),
    ],
)
def test_seeing_a_case_is_not_acting_on_it(world, who, name, body):
    personas, case, _co = world
    client = bearer_client(personas[who])
    version = case.version
    assert_error(step(client, {"id": case.pk, "version": version}, name, **body), 403, "forbidden")
    assert Case.objects.get(pk=case.pk).version == version


def test_your_steps_follow_the_policy(world):
    personas, case, _co = world
    seen = {"id": case.pk}
    assert read(bearer_client(personas["dept_a"]), seen)["your_steps"] == [
        "start",
        "return",
        "extension",
        "photos",
    ]
    assert read(bearer_client(personas["admin_d"]), seen)["your_steps"] == [
        "co-handlers",
        "urge",
        "supervise",
        "photos",
    ]
    assert read(bearer_client(personas["worker_a"]), seen)["your_steps"] == ["urge", "photos"]


def test_the_reporter_records_the_return_visit_on_their_own_case(world):
    personas, case, co = world
    actions.finish_co_handling(personas["dept_b"], co, result="已核实")
    case = actions.start(personas["dept_a"], case)
    case = actions.handle(personas["dept_a"], case, result="已修复")
    case = actions.verify(personas["admin_d"], case, passed=True)
    mine = bearer_client(personas["resident"])
    assert read(mine, {"id": case.pk})["your_steps"] == ["visit", "photos"]
    closed = ok(step(mine, {"id": case.pk, "version": case.version}, "visit", result="basically"))
    assert closed["state"] == "closed"
