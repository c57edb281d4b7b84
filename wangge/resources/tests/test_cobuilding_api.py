"""The co-building REST API (`/api/v1/agreements`, `/meetings`, `/decisions`) with personas of
two communities and two resident units: the keepers sign, record and decide; a unit's account
reads its own agreements and the meetings it sat in; a decision's owner marks it done; a
decision becomes a case through the case chain; lists take the same queries however many rows."""

import datetime as dt

import pytest

from wangge.api.testing import assert_error, bearer_client
from wangge.cases.models import Case, Channel
from wangge.lib.testing import assert_flat, count_queries
from wangge.resources import cobuilding
from wangge.resources.models import Decision, MeetingKind

JAN = dt.date(2026, 1, 1)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["items"])


def agreement_body(community, unit, **extra) -> dict:
    return {
        "community": community.pk,
        "unit": unit.pk,
        "unit_commits": "开放运动场；每月 10 名志愿者",
        "community_commits": "协助管理",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        **extra,
    }


def meeting_body(community, **extra) -> dict:
    return {
        "community": community.pk,
        "kind": MeetingKind.JOINT_MEETING,
        "held_on": "2026-10-20",
        "participants": "社区党委、第一中学、居民代表 8 人",
        "matters": "学校运动场晚间开放",
        **extra,
    }


@pytest.fixture
def meeting(small, community_staff, school):
    return cobuilding.record_meeting(
        community_staff,
        community=small.communities[0],
        kind=MeetingKind.CONSULTATION,
        held_on=dt.date(2026, 10, 20),
        participants="居民代表 12 人",
        matters="楼道堆物",
        units=[school],
    )


def test_agreements_are_signed_renewed_and_corrected_by_the_keepers_and_read_by_their_unit_only(
    small, community_staff, staff_b, school, hospital, school_account, hospital_account
):
    staff = bearer_client(community_staff)
    made = staff.post(
        "/api/v1/agreements", agreement_body(small.communities[0], school), content_type="application/json"
    )
    assert made.status_code == 201, made.content
    first = made.json()
    assert (first["unit"]["name"], first["renews"]) == ("第一中学", None)
    renewal = staff.post(
        "/api/v1/agreements",
        agreement_body(small.communities[0], school, starts_on="2027-01-01", ends_on="2027-12-31", renews=first["id"]),
        content_type="application/json",
    )
    assert renewal.status_code == 201 and renewal.json()["renews"] == first["id"]
    # Another community's staff cannot sign for community 1, nor read or correct its agreements.
    other = bearer_client(staff_b)
    assert_error(
        other.post("/api/v1/agreements", agreement_body(small.communities[0], school), content_type="application/json"),
        404,
        "not_found",
    )
    assert ids(other.get("/api/v1/agreements")) == []
    assert other.get(f"/api/v1/agreements/{first['id']}").status_code == 404
    # The school's account reads its two; the hospital's none; reading is not correcting.
    assert ids(bearer_client(school_account).get("/api/v1/agreements")) == sorted([first["id"], renewal.json()["id"]])
    assert ids(bearer_client(hospital_account).get("/api/v1/agreements")) == []
    terms = {"unit_commits": "开放图书馆", "community_commits": "", "starts_on": "2026-01-01", "ends_on": "2026-06-30"}
    assert_error(
        bearer_client(school_account).put(f"/api/v1/agreements/{first['id']}", terms, content_type="application/json"),
        403,
        "resource_forbidden",
    )
    corrected = staff.put(f"/api/v1/agreements/{first['id']}", terms, content_type="application/json")
    assert corrected.status_code == 200 and corrected.json()["unit_commits"] == "开放图书馆"
    bad = staff.put(
        f"/api/v1/agreements/{first['id']}", {**terms, "ends_on": "2025-01-01"}, content_type="application/json"
    )
    assert_error(bad, 400, "cobuilding_invalid")


def test_a_meetings_decision_is_a_task_its_owner_marks_done(
    small, community_staff, staff_b, school, school_account, hospital_account, worker_a, resident
):
    staff = bearer_client(community_staff)
    made = staff.post(
        "/api/v1/meetings", meeting_body(small.communities[0], units=[school.pk]), content_type="application/json"
    )
    assert made.status_code == 201, made.content
    meeting = made.json()
    assert [u["name"] for u in meeting["units"]] == ["第一中学"] and meeting["decisions"] == []
    # The school sat in and reads it; the hospital and community 2 do not.
    assert ids(bearer_client(school_account).get("/api/v1/meetings")) == [meeting["id"]]
    assert ids(bearer_client(hospital_account).get("/api/v1/meetings")) == []
    assert bearer_client(staff_b).get(f"/api/v1/meetings/{meeting['id']}").status_code == 404
    assert_error(
        bearer_client(staff_b).post(
            "/api/v1/meetings", meeting_body(small.communities[0]), content_type="application/json"
        ),
        404,
        "not_found",
    )
    # A resident is no owner of a decision.
    body = {"text": "制定开放安排并公示", "owner": resident.pk, "due_on": "2026-11-15"}
    decide = f"/api/v1/meetings/{meeting['id']}/decisions"
    assert_error(staff.post(decide, body, content_type="application/json"), 400, "cobuilding_invalid")
    assert_error(
        bearer_client(school_account).post(decide, {**body, "owner": worker_a.pk}, content_type="application/json"),
        403,
        "resource_forbidden",
    )
    decision = staff.post(decide, {**body, "owner": worker_a.pk}, content_type="application/json")
    assert decision.status_code == 201, decision.content
    task = decision.json()
    # The owner sees the meeting through the decision, and it is open and theirs.
    owner = bearer_client(worker_a)
    assert ids(owner.get("/api/v1/meetings")) == [meeting["id"]]
    assert ids(owner.get("/api/v1/decisions?open=true&mine=true")) == [task["id"]]
    assert (
        bearer_client(staff_b)
        .post(f"/api/v1/decisions/{task['id']}/done", {}, content_type="application/json")
        .status_code
        == 404
    )
    assert_error(
        bearer_client(school_account).post(
            f"/api/v1/decisions/{task['id']}/done", {"outcome": "x"}, content_type="application/json"
        ),
        403,
        "resource_forbidden",
    )
    done = owner.post(f"/api/v1/decisions/{task['id']}/done", {"outcome": "已公示"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert ids(owner.get("/api/v1/decisions?open=true")) == []
    assert_error(
        owner.post(f"/api/v1/decisions/{task['id']}/done", {"outcome": ""}, content_type="application/json"),
        409,
        "booking_state",
    )


def test_a_decision_becomes_a_case_once_and_is_then_followed_there(
    small, catalogue, community_staff, staff_b, meeting, worker_a
):
    decision = cobuilding.add_decision(
        community_staff, meeting, text="3 号楼楼道堆物需清理", owner=worker_a, due_on=dt.date(2026, 11, 5)
    )
    leaf = next(c for c in catalogue.values() if c.parent_id is not None)
    building = next(b for b in small.buildings if b.community_id == small.communities[0].pk)
    elsewhere = next(b for b in small.buildings if b.community_id == small.communities[1].pk)
    url = f"/api/v1/decisions/{decision.pk}/case"
    staff = bearer_client(community_staff)
    body = {"category": leaf.pk, "building": building.pk}
    assert bearer_client(staff_b).post(url, body, content_type="application/json").status_code == 404
    assert_error(bearer_client(worker_a).post(url, body, content_type="application/json"), 403, "resource_forbidden")
    assert_error(
        staff.post(url, {**body, "building": elsewhere.pk}, content_type="application/json"), 400, "cobuilding_invalid"
    )
    filed = staff.post(url, body, content_type="application/json")
    assert filed.status_code == 201, filed.content
    case = Case.objects.get(pk=filed.json()["case"])
    assert (case.description, case.channel, case.building_id) == ("3 号楼楼道堆物需清理", Channel.API, building.pk)
    assert Decision.objects.get(pk=decision.pk).case_id == case.pk
    # Followed as a case: no longer the owner's task, and not filed twice.
    assert list(cobuilding.open_decisions(worker_a)) == []
    assert_error(staff.post(url, body, content_type="application/json"), 409, "booking_state")
    assert Case.objects.count() == 1


def test_the_lists_take_the_same_queries_however_many_rows(small, community_staff, school, worker_a):
    staff = bearer_client(community_staff)
    staff.get("/api/v1/meetings")  # the token and the user's roles, read once
    runs = []
    for n in (1, 4):
        while cobuilding.visible_meetings(community_staff).count() < n:
            made = cobuilding.record_meeting(
                community_staff,
                community=small.communities[0],
                kind=MeetingKind.JOINT_MEETING,
                held_on=JAN,
                participants="p",
                matters="m",
                units=[school],
            )
            cobuilding.add_decision(community_staff, made, text="d", owner=worker_a, due_on=JAN)
            cobuilding.sign_agreement(
                community_staff,
                community=small.communities[0],
                unit=school,
                unit_commits="u",
                community_commits="",
                starts_on=JAN,
                ends_on=JAN,
            )
        with count_queries() as queries:
            for path in ("/api/v1/meetings", "/api/v1/agreements", "/api/v1/decisions"):
                assert staff.get(path).json()["count"] == n
        runs.append(queries)
    assert_flat(*runs)
