"""REST: GET /api/v1/cases/{id}/timeline and GET /api/v1/cases/{id} — what they show, and a
number of queries that does not grow with events, co-handlings, extensions or photos."""

import io

import pytest
from PIL import Image

from wangge.api.testing import (
    bearer_client,
)
from wangge.cases import actions
from wangge.cases.models import HandlingUnit
from wangge.cases.tests.factories import IN_GRID_0, ok
from wangge.lib import memo
from wangge.lib.testing import Queries, assert_flat, count_queries

pytestmark = pytest.mark.usefixtures("media")


def _png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, format="PNG")
    out.seek(0)
    return out


@pytest.fixture
def case(small, catalogue, worker_a, district_admin, dept_a):
    case = actions.file_case(
        worker_a,
        district=small.district,
        category=catalogue["SZ01"],
        channel="api",
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
        reporter_contact="13800001111",
    )
    case = actions.accept(district_admin, case, note="属实")
    return actions.start(dept_a, actions.dispatch(district_admin, case))


def test_the_timeline(small, case, worker_a, district_admin, dept_a):
    body = ok(bearer_client(worker_a, **{"Accept-Language": "en"}).get(f"/api/v1/cases/{case.pk}/timeline"))
    assert body["case"] == {"id": case.pk, "number": case.number}
    filed, accepted, routed, dispatched, started = body["items"]
    assert (filed["kind"], filed["kind_label"], filed["actor"]) == ("filed", "Filed", "worker_a")
    assert filed["data"] == {"channel": "api"} and filed["public"] is True
    assert (accepted["transition"], accepted["from_state"], accepted["to_state"]) == ("accept", "reported", "accepted")
    assert (accepted["actor"], accepted["note"]) == ("admin_d", "属实")
    assert routed["kind"] == "routed" and routed["data"]["unit_name"] == "城市管理局"
    assert dispatched["to_state"] == "dispatched" and started["actor"] == "dept_a"
    assert [e["at"] for e in body["items"]] == sorted(e["at"] for e in body["items"])


def test_a_system_event_has_no_actor(small, case, district_admin):
    import datetime as dt

    actions.sweep_overdue(now=case.due_at + dt.timedelta(minutes=1))
    items = ok(bearer_client(district_admin).get(f"/api/v1/cases/{case.pk}/timeline"))["items"]
    assert items[-1]["kind"] == "overdue" and items[-1]["actor"] is None


def _count(client, path) -> Queries:
    memo.forget_all()  # counted cold: the token, roles and units read as on a process's first call
    with count_queries() as queries:
        assert client.get(path).status_code == 200
    return queries


def test_the_timeline_costs_a_fixed_number_of_queries(small, case, worker_a, district_admin, dept_a):
    client = bearer_client(worker_a)
    path = f"/api/v1/cases/{case.pk}/timeline"
    before = _count(client, path)
    for n in range(10):
        actions.urge(district_admin if n % 2 else worker_a, case, note=f"第{n}次催办")
    case = actions.hold(dept_a, case, note="等待")
    actions.resume(dept_a, case)
    assert len(ok(client.get(path))["items"]) == 17
    assert_flat(before, _count(client, path), at_most=7)


def test_the_detail(small, case, district_admin, dept_a, dept_b):
    admin = bearer_client(district_admin)
    actions.add_co_handler(district_admin, case, unit=HandlingUnit.objects.get(name="民政局"), task="核实", days=2)
    actions.request_extension(dept_a, case, days=2, reason="配件")
    actions.supervise(district_admin, case, body="区督查室", level="yellow", note="关注")
    photo = actions.attach_photo(dept_a, case, upload=_png(), public=False)
    detail = ok(admin.get(f"/api/v1/cases/{case.pk}"))
    assert detail["state"] == "in_progress" and detail["allowed_steps"] == [
        "return_to_dispatch",
        "hold",
        "handle",
    ]
    assert detail["description"] == "路灯不亮" and detail["answers"] == {"since": "today"}
    assert detail["reporter_contact_masked"] == "138****1111"
    (co,) = detail["co_handlings"]
    assert (co["unit"]["name"], co["task"], co["state"], co["can_release"]) == ("民政局", "核实", "open", True)
    (extension,) = detail["extensions"]
    assert (extension["days"], extension["requested_by"], extension["can_decide"]) == (2, "dept_a", True)
    assert detail["supervision"]["level"] == "yellow"
    assert detail["supervision"]["parties"] == [
        {"body": "区督查室", "joined_at": detail["supervision"]["parties"][0]["joined_at"], "note": "关注"}
    ]
    assert detail["photos"] == [
        {
            "id": photo.pk,
            "width": 40,
            "height": 30,
            "size": photo.size,
            "public": False,
            "created_at": detail["photos"][0]["created_at"],
        }
    ]


def test_the_detail_costs_a_fixed_number_of_queries(small, catalogue, case, district_admin, dept_a):
    admin = bearer_client(district_admin)
    path = f"/api/v1/cases/{case.pk}"
    actions.add_co_handler(district_admin, case, unit=HandlingUnit.objects.get(name="民政局"), task="核实", days=2)
    actions.supervise(district_admin, case, body="区督查室", level="yellow")
    actions.attach_photo(dept_a, case, upload=_png())
    before = _count(admin, path)
    for name in ["司法局", "生态环境局", "市场监督管理局"]:
        actions.add_co_handler(district_admin, case, unit=HandlingUnit.objects.get(name=name), task="协办", days=2)
    for body in ["区纪委", "区人大"]:
        actions.supervise(district_admin, case, body=body, level="red")
    for _ in range(3):
        actions.attach_photo(dept_a, case, upload=_png())
    extension = actions.request_extension(dept_a, case, days=2, reason="配件")
    actions.decide_extension(district_admin, extension, approve=False)
    actions.request_extension(dept_a, case, days=1, reason="再等")
    assert len(ok(admin.get(path))["co_handlings"]) == 4
    assert_flat(before, _count(admin, path))
