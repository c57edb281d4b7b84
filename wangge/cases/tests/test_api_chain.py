"""REST: the case chain end to end through /api/v1/cases — file, accept, dispatch, start, handle,
verify, return visit, closed — and the side paths (reopen, reject, return, hold, merge,
reclassify, co-handling, extensions, urging, supervision)."""

from typing import Any

import pytest

from wangge.accounts.models import Role
from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases.models import Case, CoHandling, Extension, HandlingUnit, ReturnVisit, Supervision
from wangge.cases.tests.factories import IN_GRID_2, filed, ok, read, step
from wangge.conftest import make_persona


@pytest.fixture
def clients(worker_a, district_admin, dept_a):
    return {"worker": bearer_client(worker_a), "admin": bearer_client(district_admin), "dept": bearer_client(dept_a)}


def to_in_progress(clients, **kwargs) -> dict[str, Any]:
    case = filed(clients["worker"], **kwargs)
    case = ok(step(clients["admin"], case, "accept"))
    case = ok(step(clients["admin"], case, "dispatch"))
    return ok(step(clients["dept"], case, "start"))


def test_the_full_chain_from_filing_to_closed_off(small, catalogue, clients):
    worker, admin, dept = clients["worker"], clients["admin"], clients["dept"]
    case = filed(worker)
    assert case["state"] == "reported" and case["version"] == 1
    assert case["grid"] == {"id": small.grids[0].pk, "name": small.grids[0].name}
    assert case["channel"] == "api"
    assert case["your_steps"] == ["urge", "photos"]  # a grid worker files and urges but does not dispatch

    case = ok(step(admin, case, "accept", note="属实"))
    assert case["state"] == "accepted" and case["due_at"] and case["unit"]["name"] == "城市管理局"
    assert "dispatch" in case["your_steps"]
    case = ok(step(admin, case, "dispatch"))
    assert case["state"] == "dispatched"

    assert read(dept, case)["your_steps"] == ["start", "return", "extension", "photos"]
    case = ok(step(dept, case, "start"))
    assert case["state"] == "in_progress"
    case = ok(step(dept, case, "handle", result="已更换灯泡"))
    assert case["state"] == "handled"
    case = ok(step(admin, case, "verify", passed=True))
    assert case["state"] == "verified"
    assert "close" not in case["your_steps"]  # this category needs a return visit first
    case = ok(step(admin, case, "visit", result="satisfied", by_phone=True, comment="很满意"))
    assert case["state"] == "closed" and case["closed_at"]
    assert case["your_steps"] == ["photos"]

    timeline = ok(worker.get(f"/api/v1/cases/{case['id']}/timeline"))
    moves = [e["to_state"] for e in timeline["items"] if e["kind"] == "transition"]
    assert moves == ["accepted", "dispatched", "in_progress", "handled", "verified", "visited", "closed"]
    visit = ReturnVisit.objects.get()
    assert (visit.result, visit.by_phone, visit.unit.name) == ("satisfied", True, "城市管理局")


def test_an_unsatisfied_visit_reopens_and_the_case_goes_round_again(small, catalogue, clients):
    admin, dept = clients["admin"], clients["dept"]
    case = to_in_progress(clients)
    case = ok(step(dept, case, "handle", result="修好了"))
    case = ok(step(admin, case, "verify", passed=False, note="还是不亮"))
    assert case["state"] == "in_progress"
    case = ok(step(dept, case, "handle", result="这次真修好了"))
    case = ok(step(admin, case, "verify", passed=True))
    case = ok(step(admin, case, "visit", result="unsatisfied", comment="还是不亮"))
    assert case["state"] == "reopened"
    assert ok(step(admin, case, "dispatch"))["state"] == "dispatched"


def test_reject_needs_a_reason(small, catalogue, clients):
    case = filed(clients["worker"])
    assert_error(step(clients["admin"], case, "reject", reason="  "), 400, "reason_required")
    case = ok(step(clients["admin"], case, "reject", reason="重复上报"))
    assert case["state"] == "rejected" and case["closed_at"]


def test_the_unit_returns_a_case_that_is_not_theirs_and_dispatch_sends_it_elsewhere(small, catalogue, clients, dept_b):
    case = to_in_progress(clients)
    returned = ok(step(clients["dept"], case, "return", reason="不属于本单位"))
    assert returned["state"] == "returned"
    # The department no longer sees the case; dispatch does.
    assert_error(clients["dept"].get(f"/api/v1/cases/{case['id']}"), 404, "not_found")
    civil = HandlingUnit.objects.get(name="民政局")
    case = ok(step(clients["admin"], returned, "dispatch", unit=civil.pk))
    assert case["unit"]["name"] == "民政局"
    assert ok(step(bearer_client(dept_b), case, "start"))["state"] == "in_progress"


def test_dispatch_to_an_unknown_unit_is_refused(small, catalogue, clients):
    case = ok(step(clients["admin"], filed(clients["worker"]), "accept"))
    assert_error(step(clients["admin"], case, "dispatch", unit=999999), 404, "unknown_unit")
    assert Case.objects.get(pk=case["id"]).state == "accepted"


def test_hold_and_resume(small, catalogue, clients):
    case = to_in_progress(clients)
    assert_error(step(clients["dept"], case, "hold", reason=""), 400, "reason_required")
    case = ok(step(clients["dept"], case, "hold", reason="等待配件"))
    assert case["state"] == "on_hold"
    assert ok(step(clients["dept"], case, "resume"))["state"] == "in_progress"


def test_a_duplicate_is_merged_into_a_case_the_dispatcher_sees(small, catalogue, clients, worker_b):
    first = filed(clients["worker"])
    second = filed(clients["worker"])
    elsewhere = filed(bearer_client(worker_b), point=IN_GRID_2)
    staff = bearer_client(make_persona("staff_c1", Role.COMMUNITY_STAFF, small.communities[0]))
    # The community-1 staff do not see the case in community 2: not found, nothing merged.
    assert_error(step(staff, second, "merge", into=elsewhere["id"]), 404, "not_found")
    merged = ok(step(staff, second, "merge", into=first["id"]))
    assert merged["state"] == "duplicate"
    assert merged["merged_into"] == {"id": first["id"], "number": first["number"]}
    assert_error(step(staff, first, "merge", into=first["id"]), 400, "merge_target_invalid")


def test_changing_the_category_reroutes(small, catalogue, clients):
    case = ok(step(clients["admin"], filed(clients["worker"]), "accept"))
    assert case["unit"]["name"] == "城市管理局"
    assert_error(step(clients["admin"], case, "category", category="NOPE"), 400, "unknown_category")
    assert_error(step(clients["admin"], case, "category", category="MD"), 400, "unknown_category")  # a group
    case = ok(step(clients["admin"], case, "category", category=catalogue["MD01"].pk))
    assert case["category"]["name"] == "邻里纠纷" and case["unit"]["name"] == "区级派遣中心"
    case = ok(step(clients["admin"], case, "dispatch"))
    assert_error(step(clients["admin"], case, "category", category="SZ02"), 409, "too_late_to_reclassify")


def test_co_handling_through_the_api(small, catalogue, clients, dept_b):
    admin, dept, civil_staff = clients["admin"], clients["dept"], bearer_client(dept_b)
    case = to_in_progress(clients)
    civil = HandlingUnit.objects.get(name="民政局")
    justice = HandlingUnit.objects.get(name="司法局")
    case = ok(step(admin, case, "co-handlers", unit=civil.pk, task="核实困难户", days=2))
    case = ok(step(admin, case, "co-handlers", unit=justice.pk, task="调解", days=3))
    assert [c["unit"]["name"] for c in case["co_handlings"]] == ["民政局", "司法局"]
    assert_error(step(admin, case, "co-handlers", unit=civil.pk, task="again", days=2), 400, "co_handler_exists")
    assert_error(step(dept, case, "handle", result="完成"), 409, "co_handlers_open")

    # The co-handling department now sees the case, and may finish only its own task.
    seen = read(civil_staff, case)
    mine, other = seen["co_handlings"]
    assert (mine["can_finish"], mine["can_release"], other["can_finish"]) == (True, False, False)
    finish = f"/api/v1/cases/{case['id']}/co-handlings/{{}}/finish"
    assert_error(
        civil_staff.post(finish.format(other["id"]), {"result": "x"}, content_type="application/json"), 403, "forbidden"
    )
    assert_error(
        civil_staff.post(finish.format(mine["id"]), {"result": "x", "released": True}, content_type="application/json"),
        403,
        "forbidden",
    )
    ok(civil_staff.post(finish.format(mine["id"]), {"result": "已核实"}, content_type="application/json"))
    assert_error(
        civil_staff.post(finish.format(mine["id"]), {"result": "again"}, content_type="application/json"),
        409,
        "co_handling_closed",
    )
    # Dispatch releases the other unit.
    case = ok(
        admin.post(
            finish.format(other["id"]), {"result": "无需调解", "released": True}, content_type="application/json"
        )
    )
    assert [c["state"] for c in case["co_handlings"]] == ["finished", "released"]
    assert ok(step(dept, case, "handle", result="完成"))["state"] == "handled"
    assert CoHandling.objects.filter(case_id=case["id"]).count() == 2


def test_an_extension_is_asked_by_the_unit_and_decided_by_dispatch(small, catalogue, clients):
    admin, dept = clients["admin"], clients["dept"]
    case = to_in_progress(clients)
    assert_error(step(dept, case, "extension", days=2, reason=" "), 400, "extension_reason_required")
    assert_error(step(dept, case, "extension", days=99, reason="配件"), 400, "extension_days_invalid")
    case = ok(step(dept, case, "extension", days=2, reason="等待配件"))
    assert "extension" not in case["your_steps"]
    (extension,) = case["extensions"]
    assert extension["state"] == "requested" and extension["can_decide"] is False
    assert_error(step(dept, case, "extension", days=1, reason="再等"), 409, "extension_pending")
    decide = f"/api/v1/cases/{case['id']}/extensions/{extension['id']}/decide"
    assert_error(dept.post(decide, {"approve": True}, content_type="application/json"), 403, "forbidden")
    before = case["due_at"]
    assert read(admin, case)["extensions"][0]["can_decide"] is True
    case = ok(admin.post(decide, {"approve": True, "note": "同意"}, content_type="application/json"))
    assert case["due_at"] > before
    assert case["extensions"][0]["state"] == "approved" and case["extensions"][0]["decided_by"] == "admin_d"
    assert_error(admin.post(decide, {"approve": False}, content_type="application/json"), 409, "extension_decided")
    assert Extension.objects.get().new_due_at is not None


def test_a_request_left_undecided_when_the_unit_has_handled_cannot_be_decided(small, catalogue, clients):
    admin, dept = clients["admin"], clients["dept"]
    case = to_in_progress(clients)
    case = ok(step(dept, case, "extension", days=2, reason="等待配件"))
    case = ok(step(dept, case, "handle", result="提前修好"))
    (extension,) = read(admin, case)["extensions"]
    assert extension["can_decide"] is False
    decide = f"/api/v1/cases/{case['id']}/extensions/{extension['id']}/decide"
    assert_error(admin.post(decide, {"approve": True}, content_type="application/json"), 409, "extension_moot")
    assert Extension.objects.get().state == "requested" and read(admin, case)["due_at"] == case["due_at"]


def test_urging_and_supervision(small, catalogue, clients, supervisor):
    case = to_in_progress(clients)
    ok(step(clients["worker"], case, "urge", note="居民又来电话"))
    boss = bearer_client(supervisor)
    ok(step(boss, case, "supervise", body="区纪委", level="yellow"))
    case = ok(step(clients["admin"], case, "supervise", body="区督查室", level="red", note="加急"))
    assert case["supervision"]["level"] == "red"
    assert [p["body"] for p in case["supervision"]["parties"]] == ["区纪委", "区督查室"]
    assert Supervision.objects.count() == 1
    assert_error(step(boss, case, "supervise", body="区纪委", level="orange"), 422, "invalid_input")
    kinds = [e["kind"] for e in ok(clients["admin"].get(f"/api/v1/cases/{case['id']}/timeline"))["items"]]
    assert kinds.count("urged") == 1 and kinds.count("supervised") == 2
