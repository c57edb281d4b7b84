"""REST: a stale `version` answers 409 `stale_version`, a step the state does not allow 409
`transition_not_allowed`; in both cases nothing changes. A step without `version` is invalid."""

import pytest

from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases.models import Case, CaseEvent
from wangge.cases.tests.factories import filed, ok, step


@pytest.fixture
def admin(district_admin):
    return bearer_client(district_admin)


def _snapshot(case_id):
    case = Case.objects.get(pk=case_id)
    return case.state, case.version, CaseEvent.objects.filter(case=case).count()


def test_a_stale_version_is_refused(small, catalogue, worker_a, admin):
    seen = filed(bearer_client(worker_a))
    accepted = ok(step(admin, seen, "accept"))  # someone acts: the version moves on
    assert accepted["version"] == seen["version"] + 1
    before = _snapshot(seen["id"])
    assert_error(step(admin, seen, "reject", reason="重复"), 409, "stale_version")
    assert _snapshot(seen["id"]) == before
    assert ok(step(admin, accepted, "dispatch"))["state"] == "dispatched"


def test_every_versioned_step_checks_the_version(small, catalogue, worker_a, admin):
    client = bearer_client(worker_a)
    case, other = filed(client), filed(client)
    for name, body in [
        ("accept", {}),
        ("reject", {"reason": "x"}),
        ("merge", {"into": other["id"]}),
        ("category", {"category": "SZ02"}),
        ("close", {}),
    ]:
        assert_error(step(admin, case, name, version=case["version"] + 7, **body), 409, "stale_version")
    assert _snapshot(case["id"]) == ("reported", 1, 1)


def test_a_step_the_state_does_not_allow_is_a_conflict(small, catalogue, worker_a, admin):
    case = filed(bearer_client(worker_a))
    for name, body in [("dispatch", {}), ("verify", {"passed": True}), ("visit", {"result": "satisfied"})]:
        assert_error(step(admin, case, name, **body), 409, "transition_not_allowed")
    closed = ok(step(admin, case, "reject", reason="无效"))
    before = _snapshot(case["id"])
    assert_error(step(admin, closed, "accept"), 409, "transition_not_allowed")
    assert_error(step(admin, closed, "urge"), 409, "case_closed")
    assert_error(step(admin, closed, "supervise", body="区督查室", level="red"), 409, "case_closed")
    assert _snapshot(case["id"]) == before


def test_the_version_is_required(small, catalogue, worker_a, admin):
    case = filed(bearer_client(worker_a))
    response = admin.post(f"/api/v1/cases/{case['id']}/accept", {}, content_type="application/json")
    assert assert_error(response, 422, "invalid_input")["fields"] == ["payload.version"]
    assert _snapshot(case["id"]) == ("reported", 1, 1)
