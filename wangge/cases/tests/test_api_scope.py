"""REST: every case endpoint answers within the caller's scope — grid workers of two grids,
departments of two units, community staff, the district, a user without a role, a reporter."""

import pytest

from wangge.accounts.models import Role, User
from wangge.api.testing import (
    assert_error,
    bearer_client,
    session_client,
)
from wangge.cases import actions
from wangge.cases.models import CaseEvent, CoHandling, EventKind, HandlingUnit, UnitKind
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, filed, ok, read, step
from wangge.conftest import make_persona


def _ids(client, **params):
    return [c["id"] for c in ok(client.get("/api/v1/cases", params))["items"]]


@pytest.fixture
def two_cases(small, catalogue, worker_a, worker_b):
    a, b = bearer_client(worker_a), bearer_client(worker_b)
    return {"a": a, "b": b, "case_a": filed(a), "case_b": filed(b, point=IN_GRID_2)}


def test_grid_workers_see_only_their_grid(two_cases):
    a, b, case_a, case_b = two_cases["a"], two_cases["b"], two_cases["case_a"], two_cases["case_b"]
    assert _ids(a) == [case_a["id"]]
    assert _ids(b) == [case_b["id"]]
    for path in ("", "/timeline"):
        assert_error(a.get(f"/api/v1/cases/{case_b['id']}{path}"), 404, "not_found")
        assert_error(b.get(f"/api/v1/cases/{case_a['id']}{path}"), 404, "not_found")
    # Out of scope, a step is not found either (not forbidden: the case's existence is not told).
    assert_error(step(a, case_b, "urge"), 404, "not_found")
    assert_error(step(a, case_b, "accept"), 404, "not_found")
    assert ok(step(a, case_a, "urge"))["id"] == case_a["id"]


def test_an_unknown_case_and_one_out_of_scope_answer_alike(two_cases):
    unknown = two_cases["a"].get("/api/v1/cases/999999")
    hidden = two_cases["a"].get(f"/api/v1/cases/{two_cases['case_b']['id']}")
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.json() == hidden.json()


def test_community_staff_and_the_district(small, two_cases, community_staff, district_admin):
    in_grid_1 = filed(two_cases["a"], point=(117.015, 36.605))
    assert _ids(bearer_client(community_staff)) == [in_grid_1["id"], two_cases["case_a"]["id"]]
    assert len(_ids(bearer_client(district_admin))) == 3
    supervisor = make_persona("supervisor", Role.SUPERVISOR, small.district)
    assert len(_ids(bearer_client(supervisor))) == 3


def test_a_user_without_a_role_sees_nothing(two_cases, no_role_user):
    client = bearer_client(no_role_user)
    assert ok(client.get("/api/v1/cases")) == {"items": [], "count": 0, "next_cursor": None}
    assert_error(client.get(f"/api/v1/cases/{two_cases['case_a']['id']}"), 404, "not_found")


def test_a_department_sees_only_its_units_cases(small, catalogue, worker_a, district_admin, dept_a, dept_b):
    worker, admin = bearer_client(worker_a), bearer_client(district_admin)
    streetlight = ok(step(admin, filed(worker), "accept"))  # routed to 城市管理局 (dept_a)
    hardship = ok(step(admin, filed(worker, category="MS01"), "accept"))  # to dispatch
    hardship = ok(step(admin, hardship, "dispatch", unit=HandlingUnit.objects.get(name="民政局").pk))
    not_yet = filed(worker)  # not accepted: no unit yet
    a, b = bearer_client(dept_a), bearer_client(dept_b)
    assert _ids(a) == [streetlight["id"]]
    assert _ids(b) == [hardship["id"]]
    assert_error(a.get(f"/api/v1/cases/{not_yet['id']}"), 404, "not_found")
    # dept_b may not handle dept_a's case: it is outside its scope, so it is not found.
    streetlight = ok(step(admin, streetlight, "dispatch"))
    assert_error(step(b, streetlight, "start"), 404, "not_found")
    assert ok(step(a, streetlight, "start"))["state"] == "in_progress"
    assert_error(step(b, streetlight, "handle", result="done", version=3), 404, "not_found")


def test_list_filters_cannot_reach_outside_the_scope(small, two_cases):
    a = two_cases["a"]
    assert _ids(a, grid=small.grids[2].pk) == []
    assert _ids(a, state="reported") == [two_cases["case_a"]["id"]]


def test_a_reporter_sees_the_public_part_of_their_own_case(small, catalogue, resident, district_admin, dept_a):
    case = actions.file_case(
        resident,
        district=small.district,
        category=catalogue["SZ01"],
        channel="web",
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )
    admin = bearer_client(district_admin)
    seen = ok(step(admin, {"id": case.pk, "version": case.version}, "accept"))
    seen = ok(step(admin, seen, "dispatch"))
    seen = ok(step(admin, seen, "co-handlers", unit=HandlingUnit.objects.get(name="司法局").pk, task="调解", days=2))
    ok(step(admin, seen, "supervise", body="区督查室", level="yellow"))
    ok(step(admin, seen, "urge", note="内部：请尽快"))

    mine = bearer_client(resident)
    assert [c["id"] for c in ok(mine.get("/api/v1/cases"))["items"]] == [case.pk]
    detail = read(mine, {"id": case.pk})
    assert detail["co_handlings"] == [] and detail["extensions"] == [] and detail["supervision"] is None
    assert detail["your_steps"] == ["photos"]
    assert len(read(admin, {"id": case.pk})["co_handlings"]) == 1
    events = ok(mine.get(f"/api/v1/cases/{case.pk}/timeline"))["items"]
    assert events and all(e["public"] for e in events)
    assert {e["actor"] for e in events} == {None}
    assert "urged" not in [e["kind"] for e in events]
    assert "urged" in [e["kind"] for e in ok(admin.get(f"/api/v1/cases/{case.pk}/timeline"))["items"]]


# --- "everything" and the second object a step names -------------------------------------------


def test_a_superuser_sees_every_case_and_their_own_reports_too(small, two_cases, client):
    """A superuser's scope is everything; combined with "or reported by them" it must stay so."""
    admin = User.objects.create_superuser(username="root", password="x-1234567", email="")
    own = filed(bearer_client(admin), point=IN_GRID_2)
    every = {two_cases["case_a"]["id"], two_cases["case_b"]["id"], own["id"]}
    assert set(_ids(bearer_client(admin))) == every
    assert read(bearer_client(admin), two_cases["case_b"])["id"] == two_cases["case_b"]["id"]
    assert session_client(admin).get(f"/cases/{two_cases['case_a']['id']}/").status_code == 200


def test_a_merge_into_a_case_the_user_only_reported_elsewhere_is_not_found(small, catalogue, community_staff):
    """Community-1 staff reported a case in community 2: they see it as its reporter, but may not
    merge into it (the merge writes an event on it), so it is not found and nothing is written."""
    staff = bearer_client(community_staff)
    elsewhere = filed(staff, point=IN_GRID_2)
    mine = filed(staff)
    assert_error(step(staff, mine, "merge", into=elsewhere["id"]), 404, "not_found")
    assert read(staff, mine)["state"] == "reported"
    assert not CaseEvent.objects.filter(case_id=elsewhere["id"], kind=EventKind.MERGED).exists()


def test_dispatch_and_co_handling_to_a_unit_of_another_community_are_not_found(small, catalogue, community_staff):
    """A unit whose area lies outside the dispatcher's scope is not found; departments serving the
    whole district are open to every dispatcher of the district."""
    elsewhere = HandlingUnit.objects.create(
        district=small.district, kind=UnitKind.COMMUNITY, name="社区2居委会", area=small.communities[1]
    )
    own = HandlingUnit.objects.create(
        district=small.district, kind=UnitKind.COMMUNITY, name="社区1居委会", area=small.communities[0]
    )
    staff = bearer_client(community_staff)
    case = ok(step(staff, filed(staff), "accept"))
    assert_error(step(staff, case, "dispatch", unit=elsewhere.pk), 404, "unknown_unit")
    assert_error(step(staff, case, "co-handlers", unit=elsewhere.pk, task="协助", days=2), 404, "unknown_unit")
    assert read(staff, case)["state"] == "accepted" and not CoHandling.objects.exists()
    case = ok(step(staff, case, "dispatch", unit=own.pk))
    assert case["unit"]["id"] == own.pk
    department = HandlingUnit.objects.get(district=small.district, name="司法局")
    assert ok(step(staff, case, "co-handlers", unit=department.pk, task="协助", days=2))["co_handlings"]
