"""REST: recording briefings, patrols and visits once per uuid, reading them in scope, and the
rules of who records what where."""

import pytest

from wangge.accounts.models import Role
from wangge.api.testing import assert_error, bearer_client
from wangge.cases.tests.factories import ok
from wangge.conftest import make_persona
from wangge.fieldwork import actions
from wangge.fieldwork.models import Briefing, BriefingTask, Checkin, Patrol, RecordVersion, Visit
from wangge.fieldwork.signals import visit_flagged
from wangge.fieldwork.tests.factories import (
    WORKING_MONDAY,
    at,
    briefing,
    briefing_body,
    patrol,
    patrol_body,
    visit,
    visit_body,
)
from wangge.lib.testing import assert_flat, count_queries


def test_a_briefing_is_recorded_and_sending_its_uuid_again_answers_it_and_creates_nothing(small, worker_a):
    client = bearer_client(worker_a)
    body = briefing_body(
        small.grids[0],
        attendees=[worker_a.pk],
        tasks=[{"text": "清理3号楼楼道", "assignee": worker_a.pk, "due": "2026-11-04"}, {"text": "走访独居老人"}],
    )
    first = ok(client.post("/api/v1/briefings", body, content_type="application/json"), 201)
    assert first["grid"] == {"id": small.grids[0].pk, "name": small.grids[0].name}
    assert first["attendees"] == [{"id": worker_a.pk, "name": "worker_a"}]
    assert [t["text"] for t in first["tasks"]] == ["清理3号楼楼道", "走访独居老人"]
    assert first["tasks"][0]["assignee"]["id"] == worker_a.pk and first["tasks"][0]["due"] == "2026-11-04"
    again = ok(client.post("/api/v1/briefings", body, content_type="application/json"), 200)
    assert again == first
    assert Briefing.objects.count() == 1 and BriefingTask.objects.count() == 2


def test_a_whole_queue_replayed_twice_creates_each_record_once(small, worker_a):
    client = bearer_client(worker_a)
    grid, building, household = small.grids[0], small.buildings[0], small.households[0]
    queue = [
        ("/api/v1/briefings", briefing_body(grid)),
        ("/api/v1/patrols", patrol_body(grid, [building])),
        ("/api/v1/patrols", patrol_body(grid, [building])),
        ("/api/v1/visits", visit_body(household, needs="需要助餐", flags=["hardship"])),
    ]
    for path, body in queue:
        ok(client.post(path, body, content_type="application/json"), 201)
    answers = [client.post(path, body, content_type="application/json") for path, body in queue * 2]
    assert [a.status_code for a in answers] == [200] * 8
    assert (Briefing.objects.count(), Patrol.objects.count(), Checkin.objects.count(), Visit.objects.count()) == (
        1,
        2,
        2,
        1,
    )


def test_a_checkin_on_a_building_outside_the_patrols_grid_is_refused(small, worker_a):
    client = bearer_client(worker_a)
    body = patrol_body(small.grids[0], [small.buildings[0], small.buildings[2]])  # building 2 is in grid 1
    assert_error(client.post("/api/v1/patrols", body, content_type="application/json"), 400, "checkin_outside_grid")
    assert not Patrol.objects.exists()


def test_a_checkin_at_a_point_outside_the_grid_is_refused_and_one_inside_kept(small, worker_a):
    client = bearer_client(worker_a)
    outside = patrol_body(
        small.grids[0], checkins=[{"lng": 117.025, "lat": 36.605, "at": at(WORKING_MONDAY).isoformat()}]
    )
    assert_error(client.post("/api/v1/patrols", outside, content_type="application/json"), 400, "checkin_outside_grid")
    inside = patrol_body(
        small.grids[0], checkins=[{"lng": 117.005, "lat": 36.605, "at": at(WORKING_MONDAY).isoformat()}]
    )
    body = ok(client.post("/api/v1/patrols", inside, content_type="application/json"), 201)
    assert body["checkins"][0]["building"] is None and body["checkins"][0]["lng"] == 117.005


def test_a_patrol_finishing_before_it_starts_is_refused(small, worker_a):
    body = patrol_body(small.grids[0], finished_at=at(WORKING_MONDAY, 8).isoformat())
    response = bearer_client(worker_a).post("/api/v1/patrols", body, content_type="application/json")
    assert_error(response, 400, "finished_before_started")


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/api/v1/briefings", lambda small: briefing_body(small.grids[0])),
        ("/api/v1/patrols", lambda small: patrol_body(small.grids[0], [small.buildings[0]])),
        ("/api/v1/visits", lambda small: visit_body(small.households[0])),
    ],
)
def test_recording_for_another_grid_is_not_found_and_a_supervisor_may_not_record(
    small, worker_a, worker_b, supervisor, resident, dept_a, path, make
):
    for outsider in (worker_b, resident, dept_a):
        assert_error(bearer_client(outsider).post(path, make(small), content_type="application/json"), 404, "not_found")
    assert_error(
        bearer_client(supervisor).post(path, make(small), content_type="application/json"), 403, "fieldwork_forbidden"
    )
    ok(bearer_client(worker_a).post(path, make(small), content_type="application/json"), 201)


def test_replaying_another_grids_uuid_is_not_found(small, worker_a, worker_b):
    body = briefing_body(small.grids[0])
    ok(bearer_client(worker_a).post("/api/v1/briefings", body, content_type="application/json"), 201)
    body["grid"] = small.grids[2].pk
    assert_error(
        bearer_client(worker_b).post("/api/v1/briefings", body, content_type="application/json"), 404, "not_found"
    )


def test_each_list_and_read_shows_only_the_callers_grids(small, worker_a, worker_b, community_staff, resident):
    mine = [
        ("briefings", briefing(worker_a, small.grids[0], WORKING_MONDAY)),
        ("patrols", patrol(worker_a, small.grids[0], WORKING_MONDAY, [small.buildings[0]])),
        ("visits", visit(worker_a, small.households[0], at(WORKING_MONDAY))),
    ]
    theirs = [
        ("briefings", briefing(worker_b, small.grids[2], WORKING_MONDAY)),
        ("patrols", patrol(worker_b, small.grids[2], WORKING_MONDAY, [small.buildings[4]])),
        ("visits", visit(worker_b, small.households[12], at(WORKING_MONDAY))),
    ]
    a, b, staff, nobody = (bearer_client(u) for u in (worker_a, worker_b, community_staff, resident))
    for (kind, own), (_kind, other) in zip(mine, theirs, strict=True):
        assert [r["id"] for r in ok(a.get(f"/api/v1/{kind}"))["items"]] == [own.pk]
        assert [r["id"] for r in ok(b.get(f"/api/v1/{kind}"))["items"]] == [other.pk]
        assert [r["id"] for r in ok(staff.get(f"/api/v1/{kind}"))["items"]] == [own.pk]  # community 1 only
        assert ok(nobody.get(f"/api/v1/{kind}"))["items"] == []
        assert ok(a.get(f"/api/v1/{kind}/{own.pk}"))["id"] == own.pk
        assert_error(a.get(f"/api/v1/{kind}/{other.pk}"), 404, "not_found")
        assert_error(nobody.get(f"/api/v1/{kind}/{own.pk}"), 404, "not_found")
        assert ok(a.get(f"/api/v1/{kind}", {"grid": small.grids[2].pk}))["items"] == []


def test_a_visits_needs_and_note_are_encrypted_and_never_answered_in_clear(small, worker_a):
    client = bearer_client(worker_a)
    body = ok(
        client.post(
            "/api/v1/visits",
            visit_body(small.households[0], needs="低保申请", note="邻里纠纷", changes=["birth"]),
            content_type="application/json",
        ),
        201,
    )
    assert body["changes"] == ["birth"] and (body["has_needs"], body["has_note"]) == (True, True)
    assert "needs" not in body and "note" not in body
    stored = Visit.objects.get()
    assert "低保申请".encode() not in bytes(stored.needs_encrypted)
    assert actions.visit_text(stored) == {"needs": "低保申请", "note": "邻里纠纷"}
    (item,) = ok(client.get("/api/v1/visits"))["items"]
    read = ok(client.get(f"/api/v1/visits/{stored.pk}"))
    for answered in (item, read):
        assert "needs" not in answered and "note" not in answered and answered["has_needs"] is True


def test_a_flagged_visit_is_announced_once_after_commit_and_not_on_replay(
    small, worker_a, django_capture_on_commit_callbacks
):
    heard = []

    def receiver(sender, visit, flags, **kwargs):
        heard.append((visit.pk, flags))

    visit_flagged.connect(receiver)
    try:
        client = bearer_client(worker_a)
        body = visit_body(small.households[0], flags=["hardship"])
        with django_capture_on_commit_callbacks(execute=True):
            created = ok(client.post("/api/v1/visits", body, content_type="application/json"), 201)
        with django_capture_on_commit_callbacks(execute=True):
            ok(client.post("/api/v1/visits", body, content_type="application/json"), 200)
    finally:
        visit_flagged.disconnect(receiver)
    assert heard == [(created["id"], ["hardship"])]


def test_an_edit_sent_with_a_later_time_wins_and_the_replaced_version_is_kept(small, worker_a):
    client = bearer_client(worker_a)
    body = briefing_body(small.grids[0], matters="第一版")
    first = ok(client.post("/api/v1/briefings", body, content_type="application/json"), 201)
    later = {**body, "matters": "手机上改过", "updated_at": "2099-01-01T08:00:00+08:00"}
    edited = ok(client.post("/api/v1/briefings", later, content_type="application/json"), 200)
    assert edited["matters"] == "手机上改过"
    earlier = {**body, "matters": "更早的改动", "updated_at": "2000-01-01T08:00:00+08:00"}
    kept = ok(client.post("/api/v1/briefings", earlier, content_type="application/json"), 200)
    assert kept["matters"] == "手机上改过" and kept["id"] == first["id"]
    assert RecordVersion.objects.count() == 2 and Briefing.objects.count() == 1


@pytest.mark.parametrize("kind", ["briefings", "patrols", "visits"])
def test_a_list_costs_the_same_queries_however_many_records_it_holds(small, worker_a, kind):
    client = bearer_client(worker_a)
    other = make_persona("leader_a", Role.GRID_LEADER, small.grids[0])

    def add(n):
        for i in range(n):
            if kind == "briefings":
                briefing(worker_a, small.grids[0], WORKING_MONDAY, attendees=[worker_a.pk, other.pk], tasks=[])
            elif kind == "patrols":
                patrol(worker_a, small.grids[0], WORKING_MONDAY, small.buildings[:2], hour=8 + i % 8)
            else:
                visit(worker_a, small.households[i % 6], at(WORKING_MONDAY), needs="x")

    add(1)
    client.get(f"/api/v1/{kind}")
    with count_queries() as few:
        ok(client.get(f"/api/v1/{kind}"))
    add(6)
    with count_queries() as many:
        assert len(ok(client.get(f"/api/v1/{kind}"))["items"]) == 7
    assert_flat(few, many, at_most=8)
