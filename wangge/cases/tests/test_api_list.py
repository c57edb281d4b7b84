"""REST: GET /api/v1/cases — the items, the filters, newest first, paginated, and a number of
queries that does not grow with the rows."""

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from wangge.api.testing import (
    assert_error,
    bearer_client,
)
from wangge.cases import actions
from wangge.cases.models import Case
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_1, ok
from wangge.cases.workflow import State
from wangge.lib.testing import Queries, assert_flat, count_queries


def _file(small, catalogue, code="SZ01", point=IN_GRID_0):
    return actions.file_case(
        None,
        district=small.district,
        category=catalogue[code],
        channel="patrol",
        description="问题",
        lng=point[0],
        lat=point[1],
        answers={"since": "today"} if code == "SZ01" else {},
    )


def _ids(client, **params):
    return [c["id"] for c in ok(client.get("/api/v1/cases", params))["items"]]


def test_the_items_carry_the_documented_fields(small, catalogue, district_admin, dept_a):
    case = actions.accept(district_admin, _file(small, catalogue))
    body = ok(bearer_client(district_admin, **{"Accept-Language": "en"}).get("/api/v1/cases"))
    assert body["count"] == 1
    (item,) = body["items"]
    assert item == {
        "id": case.pk,
        "number": case.number,
        "state": "accepted",
        "state_label": "Accepted and tagged",
        "category": {"id": catalogue["SZ01"].pk, "name": "路灯不亮"},
        "grid": {"id": small.grids[0].pk, "name": small.grids[0].name},
        "unit": {"id": case.unit_id, "name": "城市管理局"},
        "due_at": item["due_at"],
        "overdue": False,
        "due_soon": False,
        "created_at": item["created_at"],
        "version": case.version,
    }
    assert dt.datetime.fromisoformat(item["due_at"]) == case.due_at
    assert "description" not in item and "reporter_contact_masked" not in item


def test_newest_first_and_paginated(small, catalogue, district_admin):
    cases = [_file(small, catalogue) for _ in range(5)]
    client = bearer_client(district_admin)
    assert _ids(client) == [c.pk for c in reversed(cases)]
    page = ok(client.get("/api/v1/cases", {"limit": 2, "offset": 1}))
    assert page["count"] is None and [c["id"] for c in page["items"]] == [cases[3].pk, cases[2].pk]
    assert ok(client.get("/api/v1/cases", {"limit": 2, "offset": 1, "count": True}))["count"] == 5
    assert_error(client.get("/api/v1/cases", {"limit": 501}), 422, "invalid_input")


def test_filters(small, catalogue, district_admin, dept_a):
    client = bearer_client(district_admin)
    light = actions.accept(district_admin, _file(small, catalogue))
    road = _file(small, catalogue, "SZ02", point=IN_GRID_1)
    rubbish = actions.dispatch(district_admin, actions.accept(district_admin, _file(small, catalogue, "HJ01")))
    assert _ids(client, state="accepted") == [light.pk]
    assert _ids(client, state="reported,dispatched") == [rubbish.pk, road.pk]
    assert _ids(client, category=catalogue["SZ02"].pk) == [road.pk]
    assert _ids(client, category=catalogue["SZ"].pk) == [road.pk, light.pk]  # the group
    assert _ids(client, grid=small.grids[1].pk) == [road.pk]
    assert _ids(client, unit=light.unit_id) == [light.pk]
    now = timezone.now()
    Case.objects.filter(pk=light.pk).update(overdue=True, due_at=now - dt.timedelta(hours=1))
    Case.objects.filter(pk=rubbish.pk).update(due_at=now + dt.timedelta(hours=2))
    assert _ids(client, overdue=True) == [light.pk]
    assert _ids(client, overdue=False) == [rubbish.pk, road.pk]
    assert _ids(client, due_soon=True) == [rubbish.pk]
    assert ok(client.get("/api/v1/cases", {"due_soon": True}))["items"][0]["due_soon"] is True
    flagged = {item["id"]: item["due_soon"] for item in ok(client.get("/api/v1/cases"))["items"]}
    assert flagged == {rubbish.pk: True, light.pk: False, road.pk: False}  # also without the filter
    Case.objects.filter(pk=road.pk).update(created_at=dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC))
    assert _ids(client, created_before="2025-01-11T00:00:00+08:00") == [road.pk]
    assert _ids(client, created_after="2025-01-11T00:00:00") == [rubbish.pk, light.pk]
    assert _ids(client, created_after="2025-01-10T20:00:00", created_before="2025-01-10T21:00:00") == [road.pk]


@pytest.mark.parametrize("state", ["open", "REPORTED", ",", "reported,closed,gone"])
def test_an_unknown_state_is_invalid_input(small, district_admin, state):
    body = assert_error(bearer_client(district_admin).get("/api/v1/cases", {"state": state}), 422, "invalid_input")
    assert body["fields"] == ["state"]


def test_trailing_commas_in_the_state_list_are_ignored(small, catalogue, district_admin):
    case = _file(small, catalogue)
    assert _ids(bearer_client(district_admin), state="reported,,") == [case.pk]


@pytest.mark.parametrize("persona", ["district_admin", "dept_a", "worker_a"])
def test_the_list_costs_a_fixed_number_of_queries(request, small, catalogue, district_admin, dept_a, persona):
    user = request.getfixturevalue(persona)
    client = bearer_client(user)

    def count() -> Queries:
        with count_queries() as queries:
            assert client.get("/api/v1/cases").status_code == 200
        return queries

    for _ in range(2):
        actions.accept(district_admin, _file(small, catalogue))
    count()  # the token's first use writes its last_used_at (then at most once a minute)
    before = count()
    for code in ["SZ01", "SZ02", "SZ03", "SZ04"] * 3:
        case = actions.accept(district_admin, _file(small, catalogue, code, point=IN_GRID_0))
        if code == "SZ02":
            actions.dispatch(district_admin, case)
    assert len(_ids(client)) == 14  # all in grid 0, all routed to dept_a's unit
    assert_flat(before, count(), at_most=7)


def test_states_are_all_listed_in_the_schema(db):
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()
    item = document["components"]["schemas"]["CaseItemOut"]
    state = item["properties"]["state"]
    schema = document["components"]["schemas"][state["$ref"].split("/")[-1]] if "$ref" in state else state
    assert set(schema["enum"]) == set(State.values)


# --- cursor paging ------------------------------------------------------------------------------


def _pages(client, limit, **params):
    """Every page by cursor: the ids of each page, and whether each page after the first has no count."""
    body = ok(client.get("/api/v1/cases", {"limit": limit, **params}))
    pages, counts = [[c["id"] for c in body["items"]]], [body["count"]]
    while body["next_cursor"]:
        body = ok(client.get("/api/v1/cases", {"limit": limit, "cursor": body["next_cursor"], **params}))
        pages.append([c["id"] for c in body["items"]])
        counts.append(body["count"])
    return pages, counts


def test_paging_by_cursor_gives_every_case_once_in_order(small, catalogue, district_admin):
    cases = [_file(small, catalogue) for _ in range(7)]
    # Two pairs with the same creation time: the id breaks the tie.
    Case.objects.filter(pk__in=[cases[1].pk, cases[2].pk]).update(created_at=cases[1].created_at)
    Case.objects.filter(pk__in=[cases[4].pk, cases[5].pk]).update(created_at=cases[5].created_at)
    client = bearer_client(district_admin)
    everything = _ids(client)
    pages, counts = _pages(client, 2, count=True)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert sum(pages, []) == everything and len(everything) == 7
    assert counts == [7, None, None, None]  # asked for on every page, given on the first only


def test_a_cursor_page_does_not_shift_when_new_cases_arrive(small, catalogue, district_admin):
    for _ in range(5):
        _file(small, catalogue)
    client = bearer_client(district_admin)
    before = _ids(client)
    first = ok(client.get("/api/v1/cases", {"limit": 2}))
    _file(small, catalogue)  # newest first: it lands in front of the first page
    second = ok(client.get("/api/v1/cases", {"limit": 2, "cursor": first["next_cursor"]}))
    assert [c["id"] for c in second["items"]] == before[2:4]
    shifted = ok(client.get("/api/v1/cases", {"limit": 2, "offset": 2}))
    assert [c["id"] for c in shifted["items"]] == before[1:3]  # what an offset would have given


def test_paging_a_worklist_by_cursor_keeps_cases_without_deadline_last(small, catalogue, district_admin):
    cases = [_file(small, catalogue) for _ in range(6)]
    for case in cases[1:4]:
        actions.accept(district_admin, case)  # a deadline; the others have none yet
    client = bearer_client(district_admin)
    everything = _ids(client, queue="grid")
    assert set(everything[:3]) == {c.pk for c in cases[1:4]} and len(everything) == 6
    pages, _counts = _pages(client, 2, queue="grid")
    assert sum(pages, []) == everything
    pages, _counts = _pages(client, 4, queue="grid")
    assert sum(pages, []) == everything


def _cursor(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "bm90IGpzb24",
        "eyJ2IjoxLCJpIjoyfQ",
        "eyJ2IjpudWxsfQ",
        _cursor({"v": "0001-01-01T00:00:00+14:00", "i": 1}),  # SQLite cannot compare it: a 500 before
        _cursor({"v": "9999-12-31T23:59:59-14:00", "i": 1}),
        _cursor({"v": "2026-01-01T00:00:00", "i": 1}),  # no offset: never one of ours
        _cursor({"v": None, "i": 10**30}),
        _cursor({"v": None, "i": 0}),
    ],
)
def test_a_cursor_that_is_not_ours_is_refused(small, catalogue, district_admin, cursor):
    assert_error(bearer_client(district_admin).get("/api/v1/cases", {"cursor": cursor}), 400, "invalid_cursor")


@pytest.mark.parametrize("cursor", ["a" * 201, "not base64!", "eyJ2Ijo=="])
def test_a_cursor_outside_the_declared_pattern_is_invalid_input(small, catalogue, district_admin, cursor):
    body = assert_error(bearer_client(district_admin).get("/api/v1/cases", {"cursor": cursor}), 422, "invalid_input")
    assert body["fields"] == ["cursor"]


def test_a_cursor_page_costs_a_fixed_number_of_queries_without_a_count(small, catalogue, district_admin):
    client = bearer_client(district_admin)

    def count() -> Queries:
        first = ok(client.get("/api/v1/cases", {"limit": 2}))
        with count_queries() as queries:
            ok(client.get("/api/v1/cases", {"limit": 2, "cursor": first["next_cursor"]}))
        assert not any("COUNT(" in sql for sql in queries)
        return queries

    for _ in range(3):
        _file(small, catalogue)
    before = count()
    for _ in range(6):
        _file(small, catalogue)
    assert_flat(before, count())


def test_the_count_stops_at_the_cap(small, catalogue, district_admin, monkeypatch):
    import wangge.api.paging

    monkeypatch.setattr(wangge.api.paging, "COUNT_CAP", 3)
    client = bearer_client(district_admin)
    for _ in range(3):
        _file(small, catalogue)
    assert ok(client.get("/api/v1/cases", {"limit": 2, "count": True}))["count"] == 3
    assert ok(client.get("/api/v1/cases", {"limit": 2}))["count"] is None  # not asked for
    assert ok(client.get("/api/v1/cases", {"limit": 3}))["count"] == 3  # free: the page holds them all
    _file(small, catalogue)
    body = ok(client.get("/api/v1/cases", {"limit": 2, "count": True}))
    assert body["count"] is None and len(body["items"]) == 2 and body["next_cursor"]
