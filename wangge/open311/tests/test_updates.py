"""FixMyStreet's servicerequestupdates extension: the public updates of readable requests."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from wangge.cases import actions as case_actions
from wangge.cases.models import CaseEvent, Category
from wangge.lib import memo
from wangge.lib.testing import assert_flat, count_queries
from wangge.open311.tests.conftest import answer, both, call, error, file_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


def test_updates_list_public_events_with_their_status(small, catalogue, district_admin):
    with time_machine.travel(DAY, tick=False):
        case = file_case(small, catalogue)
    with time_machine.travel(DAY + dt.timedelta(hours=1), tick=False):
        case_actions.accept(district_admin, case)
    with time_machine.travel(DAY + dt.timedelta(hours=2), tick=False):
        case_actions.dispatch(district_admin, case)
        case_actions.start(district_admin, case)
        case_actions.return_to_dispatch(district_admin, case, reason="不归我们管")  # not public
    with time_machine.travel(DAY + dt.timedelta(days=1), tick=False):
        body = both("get", "servicerequestupdates", {"start_date": "2026-11-02T00:00:00+08:00"})
    public = CaseEvent.objects.filter(case=case, public=True).order_by("at", "id")
    assert [u["update_id"] for u in body] == [str(e.pk) for e in public]
    assert all(isinstance(u["update_id"], str) for u in body)
    assert all(u["service_request_id"] == case.number for u in body)
    assert all(
        list(u) == ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
        for u in body
    )
    assert body[0]["updated_datetime"] == "2026-11-02T09:00:00+08:00" and body[0]["status"] == "open"
    assert "不归我们管" not in str(body)


def test_updates_xml_structure(small, catalogue, district_admin):
    case_actions.reject(district_admin, file_case(small, catalogue), reason="不属于受理范围")
    root = answer(call("get", "servicerequestupdates.xml"), "xml")
    assert root.tag == "service_request_updates" and {c.tag for c in root} == {"request_update"}
    last = root[-1]
    assert last.find("status").text == "closed" and "不属于受理范围" in last.find("description").text


def test_updates_of_private_categories_are_left_out(small, catalogue):
    Category.objects.filter(code="MS01").update(public=False)
    file_case(small, catalogue, "MS01")
    assert both("get", "servicerequestupdates") == []


def test_updates_window_and_paging(small, catalogue, district_admin):
    with time_machine.travel(DAY, tick=False):
        cases = [file_case(small, catalogue) for _ in range(3)]
    with time_machine.travel(DAY + dt.timedelta(days=100), tick=False):
        assert both("get", "servicerequestupdates") == []
        body = both("get", "servicerequestupdates", {"start_date": "2026-11-01", "page_size": "2"})
        assert [u["service_request_id"] for u in body] == [c.number for c in cases[:2]]
        body = both("get", "servicerequestupdates", {"start_date": "2026-11-01", "page_size": "2", "page": "2"})
        assert [u["service_request_id"] for u in body] == [cases[2].number]
    error(call("get", "servicerequestupdates.json", {"end_date": "soon"}), "json", 400, "invalid_datetime")


def test_updates_cost_the_same_queries_however_many(small, catalogue, district_admin):
    case_actions.accept(district_admin, file_case(small, catalogue))
    memo.forget_all()  # both counted cold (lib.memo: the jurisdiction is read once per process)
    with count_queries() as few:
        answer(call("get", "servicerequestupdates.json"), "json")
    for _ in range(5):
        case_actions.accept(district_admin, file_case(small, catalogue))
    memo.forget_all()
    with count_queries() as many:
        assert len(answer(call("get", "servicerequestupdates.json"), "json")) > 10
    assert_flat(few, many)
