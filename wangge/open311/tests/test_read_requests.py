"""GET requests, GET requests/{id}, GET tokens/{token}: who may read what (no personal data, places
only where the category allows), every field and its type, the state mapping, the filters, the
90-day window, paging, the extensions, GCJ-02, and query counts."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from wangge.cases import actions as case_actions
from wangge.cases.models import Case, Category, CategoryQuestion
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2
from wangge.cases.workflow import State
from wangge.lib import memo
from wangge.lib.geo import wgs84_to_gcj02
from wangge.lib.testing import assert_flat, count_queries
from wangge.open311.tests.conftest import answer, both, call, error, file_case, post_request

SHANGHAI = ZoneInfo("Asia/Shanghai")
W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")
FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def label(state: str) -> str:
    with translation.override("zh-hans"):
        return str(State(state).label)


def in_state(small, catalogue, admin, state: str, code: str = "HJ01"):
    """A case driven through the real actions to `state`."""
    case = file_case(small, catalogue, code)
    if state == State.REPORTED:
        return case
    if state == State.REJECTED:
        return case_actions.reject(admin, case, reason="不属于受理范围")
    if state == State.DUPLICATE:
        into = case_actions.accept(admin, file_case(small, catalogue, code))
        return case_actions.merge(admin, case, into=into)
    case = case_actions.accept(admin, case)
    if state == State.ACCEPTED:
        return case
    case = case_actions.dispatch(admin, case)
    if state == State.DISPATCHED:
        return case
    case = case_actions.start(admin, case)
    if state == State.ON_HOLD:
        return case_actions.hold(admin, case, note="等待物业提供材料")
    case = case_actions.handle(admin, case, result="垃圾已清运")
    if state == State.HANDLED:
        return case
    case = case_actions.verify(admin, case, passed=True)
    return case_actions.record_visit(admin, case, result="satisfied", comment="李四说很满意，电话13900002222")


def read_one(number: str, **params):
    return both("get", f"requests/{number}", params)[0]


def test_a_request_has_every_field_and_no_personal_data(small, catalogue, district_admin):
    case = in_state(small, catalogue, district_admin, State.ACCEPTED)
    response = call("get", "requests.json")
    [item] = answer(response, "json")
    assert list(item) == FIELDS
    assert item["service_request_id"] == case.number and isinstance(item["service_request_id"], str)
    assert (item["status"], item["status_notes"]) == ("open", label(State.ACCEPTED))
    assert (item["service_name"], item["service_code"]) == ("垃圾堆放", "HJ01")
    assert item["description"] is None
    assert item["agency_responsible"] == case.unit.name
    assert item["service_notice"]
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.fullmatch(item[field]), item[field]
    case.refresh_from_db()
    assert dt.datetime.fromisoformat(item["expected_datetime"]) == case.due_at.replace(microsecond=0)
    assert dt.datetime.fromisoformat(item["requested_datetime"]) == case.created_at.replace(microsecond=0)
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert abs(item["lat"] - IN_GRID_0[1]) < 1e-6 and abs(item["long"] - IN_GRID_0[0]) < 1e-6
    assert item["zipcode"] is None and item["media_url"] is None
    # The description named a person and a phone number; neither ever leaves.
    for content in (response.content, call("get", "requests.xml").content):
        text = content.decode()
        assert "张三" not in text and "13800001111" not in text and "138****1111" not in text
        assert "反映" not in text


def test_the_xml_request_element_lists_the_fields_in_order(small, catalogue):
    file_case(small, catalogue)
    root = answer(call("get", "requests.xml"), "xml")
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]
    assert [c.tag for c in root[0]] == FIELDS
    assert root[0].find("description").text is None


def test_an_open311_request_reads_back_with_its_media_url(small, catalogue, key):
    filed = answer(post_request(key, description="x", media_url="https://img.example.cn/1.jpg"), "json")[0]
    item = read_one(filed["service_request_id"])
    assert item["media_url"] == "https://img.example.cn/1.jpg"
    assert (item["status"], item["status_notes"]) == ("open", label(State.REPORTED))
    assert item["expected_datetime"] is None and item["agency_responsible"] is None


def test_place_only_where_the_category_allows_it(small, catalogue):
    """物业管理 (WY) and the disputes keep their places private: no address, point or building."""
    case = file_case(small, catalogue, "WY01", building=small.buildings[0], address="某小区3号楼2单元")
    item = read_one(case.number)
    assert [item[f] for f in ("address", "address_id", "zipcode", "lat", "long")] == [None] * 5
    shown = file_case(small, catalogue, "HJ01", building=small.buildings[0], address="东门外张家")
    item = read_one(shown.number)
    # The grid and the building, never the address the reporter typed.
    assert item["address"] == "社区1第1网格 · 社区1第1网格1号楼"
    assert item["address_id"] == str(small.buildings[0].pk)
    point = file_case(small, catalogue, "HJ01", point=IN_GRID_2, address="王大妈家门口")
    item = read_one(point.number)
    assert item["address"] == "社区2第1网格" and item["address_id"] is None


def test_a_building_without_a_typed_address_gives_its_own(small, catalogue, addressed):
    case = case_actions.file_case(
        None,
        district=small.district,
        category=catalogue["HJ01"],
        channel="phone",
        description="x",
        building=addressed[0],
    )
    item = read_one(case.number)
    assert item["address"] == "测试路1号" and item["address_id"] == str(addressed[0].pk)
    assert (item["long"], item["lat"]) == (round(addressed[0].lng, 7), round(addressed[0].lat, 7))


def test_cases_of_private_categories_are_never_read(small, catalogue):
    Category.objects.filter(code="MS01").update(public=False)
    hidden = file_case(small, catalogue, "MS01")
    shown = file_case(small, catalogue, "HJ01")
    assert [r["service_request_id"] for r in both("get", "requests")] == [shown.number]
    error(call("get", f"requests/{hidden.number}.json"), "json", 404, "service_request_not_found")
    assert both("get", "requests", {"service_request_id": f"{hidden.number},{shown.number}"}) == [
        read_one(shown.number)
    ]


@pytest.mark.parametrize(
    ("state", "status", "detail"),
    [
        (State.REPORTED, "open", None),
        (State.ACCEPTED, "open", None),
        (State.DISPATCHED, "open", None),
        (State.ON_HOLD, "open", "等待物业提供材料"),
        (State.HANDLED, "open", "垃圾已清运"),
        (State.REJECTED, "closed", "不属于受理范围"),
        (State.DUPLICATE, "closed", "-"),
        (State.CLOSED, "closed", "垃圾已清运"),
    ],
)
def test_states_map_to_open_and_closed_with_notes(small, catalogue, district_admin, state, status, detail):
    case = in_state(small, catalogue, district_admin, state)
    assert case.state == state
    item = read_one(case.number)
    assert item["status"] == status
    assert item["status_notes"].startswith(label(state))
    if detail is None:
        assert item["status_notes"] == label(state)
    elif state == State.DUPLICATE:
        assert case.merged_into.number in item["status_notes"]
    else:
        assert detail in item["status_notes"]
    # What the resident said at the return visit is never published.
    assert "李四" not in str(item) and "13900002222" not in str(item)


def test_a_duplicate_of_a_private_case_does_not_name_it(small, catalogue, district_admin):
    Category.objects.filter(code="MS01").update(public=False)
    into = case_actions.accept(district_admin, file_case(small, catalogue, "MS01"))
    duplicate = file_case(small, catalogue, "HJ01")
    case_actions.merge(district_admin, duplicate, into=into)
    assert read_one(duplicate.number)["status_notes"] == label(State.DUPLICATE)


def test_updated_datetime_is_the_last_public_event_or_the_closing(small, catalogue, district_admin):
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        case = file_case(small, catalogue)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        case_actions.accept(district_admin, case)
    with time_machine.travel(start + dt.timedelta(hours=5), tick=False):
        item = read_one(case.number)
    assert item["requested_datetime"] == "2026-11-02T09:00:00+08:00"
    assert item["updated_datetime"] == "2026-11-02T10:00:00+08:00"
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        case_actions.reject(district_admin, file_case(small, catalogue), reason="重复")
        closed = in_state(small, catalogue, district_admin, State.CLOSED)
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        item = read_one(closed.number)
    assert item["updated_datetime"] == "2026-11-03T09:00:00+08:00"


def test_requests_come_newest_first(small, catalogue):
    numbers = [file_case(small, catalogue).number for _ in range(3)]
    assert [r["service_request_id"] for r in both("get", "requests")] == numbers[::-1]


# --- filters --------------------------------------------------------------------------------------


def test_service_request_id_overrides_every_other_filter(small, catalogue, district_admin):
    with time_machine.travel(timezone.now() - dt.timedelta(days=200)):
        old = file_case(small, catalogue)
    rejected = in_state(small, catalogue, district_admin, State.REJECTED)
    body = both(
        "get",
        "requests",
        {"service_request_id": f"{old.number}, {rejected.number},NOPE", "status": "open", "service_code": "SZ01"},
    )
    assert {r["service_request_id"] for r in body} == {old.number, rejected.number}


def test_service_code_and_status_filters(small, catalogue, district_admin):
    hj = file_case(small, catalogue, "HJ01")
    cg = file_case(small, catalogue, "CG01")
    closed = in_state(small, catalogue, district_admin, State.REJECTED, "HJ02")

    def numbers(**params):
        return {r["service_request_id"] for r in both("get", "requests", params)}

    assert numbers(service_code="HJ01") == {hj.number}
    assert numbers(service_code="HJ01,CG01") == {hj.number, cg.number}
    assert numbers(status="closed") == {closed.number}
    assert numbers(status="open") == {hj.number, cg.number}
    assert numbers(status="open,closed") == {hj.number, cg.number, closed.number}
    assert numbers(status="", service_code="") == {hj.number, cg.number, closed.number}  # empty = absent


def test_an_unknown_service_code_or_status_is_an_error(small, catalogue):
    error(call("get", "requests.json", {"service_code": "HJ01,NOPE"}), "json", 404, "service_code_not_found")
    error(call("get", "requests.xml", {"status": "pending"}), "xml", 400, "status_invalid")


def test_the_default_window_is_the_last_90_days(small, catalogue):
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=SHANGHAI)
    with time_machine.travel(now - dt.timedelta(days=91), tick=False):
        old = file_case(small, catalogue)
    with time_machine.travel(now - dt.timedelta(days=89), tick=False):
        recent = file_case(small, catalogue)
    with time_machine.travel(now, tick=False):
        assert [r["service_request_id"] for r in both("get", "requests")] == [recent.number]
        body = both("get", "requests", {"start_date": "2026-08-01T00:00:00+08:00"})
        assert [r["service_request_id"] for r in body] == [recent.number, old.number]
        body = both("get", "requests", {"end_date": "2026-08-30T00:00:00+08:00"})
        assert [r["service_request_id"] for r in body] == [old.number]


def test_start_and_end_dates(small, catalogue):
    with time_machine.travel(dt.datetime(2026, 11, 2, 23, 30, tzinfo=SHANGHAI), tick=False):
        late = file_case(small, catalogue)
    with time_machine.travel(dt.datetime(2026, 11, 3, 0, 30, tzinfo=SHANGHAI), tick=False):
        next_day = file_case(small, catalogue)

    def numbers(**params):
        return [r["service_request_id"] for r in both("get", "requests", params)]

    assert numbers(start_date="2026-11-02T23:30:00+08:00", end_date="2026-11-02T23:30:00+08:00") == [late.number]
    assert numbers(start_date="2026-11-02T15:30:01Z", end_date="2026-11-10T00:00:00Z") == [next_day.number]
    # A date alone is the whole day in Beijing time, as start and as end.
    assert numbers(start_date="2026-11-02", end_date="2026-11-02") == [late.number]
    assert numbers(start_date="2026-11", end_date="2026-11") == [next_day.number, late.number]
    # An unencoded '+' arrives as a space and still means +08:00.
    response = call("get", "requests.json?start_date=2026-11-03T00:00:00+08:00&end_date=2026-11-04T00:00:00+08:00")
    assert [r["service_request_id"] for r in answer(response, "json")] == [next_day.number]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start_date": "yesterday"}, "invalid_datetime"),
        ({"start_date": "2026-11-02T10:00:00"}, "invalid_datetime"),  # no time zone
        ({"start_date": "2026-13-01"}, "invalid_datetime"),
        ({"end_date": "2026-02-30T00:00:00Z"}, "invalid_datetime"),
        ({"start_date": "2026-11-02T25:00:00Z"}, "invalid_datetime"),
        ({"start_date": "2026-11-10T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, "date_range_invalid"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "date_range_too_long"),
        ({"updated_after": "2026-11-10T00:00:00Z", "updated_before": "2026-11-01T00:00:00Z"}, "date_range_invalid"),
        ({"page": "0"}, "not_a_positive_integer"),
        ({"page_size": "-5"}, "not_a_positive_integer"),
        ({"page": "two"}, "not_a_positive_integer"),
        ({"coordinate_system": "mars"}, "unknown_coordinate_system"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_query_parameters_are_400(small, catalogue, params, code, fmt):
    error(call("get", f"requests.{fmt}", params), fmt, 400, code)


def test_unknown_parameters_are_ignored(small, catalogue):
    case = file_case(small, catalogue)
    assert [r["service_request_id"] for r in both("get", "requests", {"foo": "bar", "q": "x"})] == [case.number]


def test_updated_after_and_before(small, catalogue, district_admin):
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start - dt.timedelta(days=200), tick=False):
        old = file_case(small, catalogue)
        quiet = file_case(small, catalogue)
    with time_machine.travel(start, tick=False):
        case_actions.accept(district_admin, old)
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        body = both("get", "requests", {"updated_after": "2026-11-02T00:00:00+08:00"})
        assert [r["service_request_id"] for r in body] == [old.number]  # older than 90 days, updated lately
        body = both("get", "requests", {"updated_before": "2026-11-01"})
        assert [r["service_request_id"] for r in body] == [quiet.number]


def test_paging(small, catalogue):
    numbers = [file_case(small, catalogue).number for _ in range(5)][::-1]

    def page(**params):
        return [r["service_request_id"] for r in both("get", "requests", params)]

    assert page(page_size="2") == numbers[:2]
    assert page(page_size="2", page="2") == numbers[2:4]
    assert page(page_size="2", page="3") == numbers[4:]
    assert page(page_size="2", page="4") == []
    assert page(page_size="5000") == numbers  # capped at 1000, not refused


def test_at_most_1000_requests_by_default(small, catalogue):
    template = file_case(small, catalogue)
    Case.objects.bulk_create(
        [
            Case(
                district=small.district,
                number=f"T-BULK-{n:04d}",
                category=template.category,
                channel="patrol",
                description="x",
                community=template.community,
                grid=template.grid,
            )
            for n in range(1000)
        ]
    )
    first = answer(call("get", "requests.json"), "json")
    assert len(first) == 1000 and first[0]["service_request_id"] == "T-BULK-0999"
    assert [r["service_request_id"] for r in answer(call("get", "requests.json", {"page": "2"}), "json")] == [
        template.number
    ]


def test_coordinates_in_gcj02_when_asked(small, catalogue):
    case = file_case(small, catalogue, point=IN_GRID_2)
    item = read_one(case.number, coordinate_system="gcj02")
    gcj_lng, gcj_lat = wgs84_to_gcj02(*IN_GRID_2)
    assert abs(item["long"] - gcj_lng) < 1e-6 and abs(item["lat"] - gcj_lat) < 1e-6
    wgs = read_one(case.number)
    assert abs(wgs["long"] - IN_GRID_2[0]) < 1e-6


def test_extensions_add_the_public_timeline_as_notes(small, catalogue, district_admin):
    case = in_state(small, catalogue, district_admin, State.CLOSED)
    plain = read_one(case.number)
    assert "notes" not in plain
    item = read_one(case.number, extensions="true")
    assert {k: v for k, v in item.items() if k != "notes"} == plain
    types = [n["type"] for n in item["notes"]]
    assert types[0] == "filed" and "accept" in types and "handle" in types and types[-1] == "close"
    assert "return_to_dispatch" not in types  # private steps stay private
    for note in item["notes"]:
        assert list(note) == ["datetime", "type", "status", "description"]
        assert W3C.fullmatch(note["datetime"]) and note["status"] in {"open", "closed"}
    assert item["notes"][-1]["status"] == "closed" and item["notes"][0]["status"] == "open"
    handled = next(n for n in item["notes"] if n["type"] == "handle")
    assert "垃圾已清运" in handled["description"]
    visit = next(n for n in item["notes"] if n["type"] == "record_visit")
    assert "李四" not in visit["description"]
    root = answer(call("get", f"requests/{case.number}.xml", {"extensions": "true"}), "xml")
    assert [n.tag for n in root.find("request/notes")] == ["note"] * len(types)


def test_the_list_costs_the_same_queries_however_many_requests(small, catalogue, district_admin):
    CategoryQuestion.objects.create(category=catalogue["HJ01"], code="q", label="问", datatype="text")
    in_state(small, catalogue, district_admin, State.CLOSED)
    for params in ({}, {"extensions": "true", "service_code": "HJ01,HJ02", "status": "open,closed"}):
        memo.forget_all()  # both counted cold (lib.memo: the jurisdiction is read once per process)
        with count_queries() as few:
            answer(call("get", "requests.json", params), "json")
        for state in (State.REJECTED, State.DUPLICATE, State.ON_HOLD, State.CLOSED, State.REPORTED):
            in_state(small, catalogue, district_admin, state)
        memo.forget_all()
        with count_queries() as many:
            assert len(answer(call("get", "requests.json", params), "json")) > 5
        assert_flat(few, many)


def test_a_single_request_is_a_one_element_list(small, catalogue):
    case = file_case(small, catalogue)
    body = both("get", f"requests/{case.number}")
    assert isinstance(body, list) and len(body) == 1 and body[0]["service_request_id"] == case.number
    root = answer(call("get", f"requests/{case.number}.xml"), "xml")
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_or_token_is_404(small, catalogue, fmt):
    error(call("get", f"requests/T-20260101-9999.{fmt}"), fmt, 404, "service_request_not_found")
    error(call("get", f"tokens/no-such-token.{fmt}"), fmt, 404, "token_not_found")
