"""REST: registrations, commitments and members' services, with personas of two communities
(community staff of community 1 and of community 2), and flat query counts for the lists."""

import datetime as dt

import pytest

from wangge.accounts.models import Role
from wangge.api.testing import assert_error, bearer_client
from wangge.cases.tests.factories import ok
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.team import members
from wangge.team.tests.factories import member_account


@pytest.fixture
def staff_b(small):
    return make_persona("staff_2", Role.COMMUNITY_STAFF, small.communities[1])


def post(user, path, body):
    return bearer_client(user).post(path, body, content_type="application/json")


def test_a_member_registers_and_only_their_communitys_staff_list_and_confirm_it(small, community_staff, staff_b):
    user, profile = member_account(small, "api_member")
    row = ok(post(user, "/api/v1/registrations", {"community": small.communities[0].pk}), 201)
    assert (row["status"], row["place"], row["source"]) == ("registered", "home", "member")
    listed = ok(bearer_client(community_staff).get(f"/api/v1/registrations?community={small.communities[0].pk}"))
    assert [(i["member"], i["state"]) for i in listed["items"]] == [(profile.pk, "registered")]
    assert_error(
        bearer_client(staff_b).get(f"/api/v1/registrations?community={small.communities[0].pk}"), 404, "not_found"
    )
    body = {"member": profile.pk, "community": small.communities[0].pk}
    assert_error(post(staff_b, "/api/v1/registrations/confirm", body), 404, "not_found")
    assert ok(post(community_staff, "/api/v1/registrations/confirm", body))["status"] == "confirmed"
    assert_error(post(community_staff, "/api/v1/registrations/confirm", body), 409, "registration_state")
    assert [r["id"] for r in ok(bearer_client(user).get("/api/v1/registrations/mine"))["items"]] == [row["id"]]
    assert_error(post(staff_b, f"/api/v1/registrations/{row['id']}/leave", {}), 404, "not_found")
    assert ok(post(user, f"/api/v1/registrations/{row['id']}/leave", {}))["status"] == "left"


def test_a_second_registration_is_a_students_only(small):
    user, _profile = member_account(small, "api_in_service")
    ok(post(user, "/api/v1/registrations", {"community": small.communities[0].pk}), 201)
    body = {"community": small.communities[1].pk, "place": "university"}
    assert_error(post(user, "/api/v1/registrations", body), 409, "registration_limit")
    student, _ = member_account(small, "api_student", kind="student")
    ok(post(student, "/api/v1/registrations", {"community": small.communities[0].pk}), 201)
    assert ok(post(student, "/api/v1/registrations", body), 201)["place"] == "university"


def test_commitments_are_made_by_the_member_and_seen_and_noted_by_their_communitys_staff_only(
    small, community_staff, staff_b, resident
):
    user, _profile = member_account(small, "api_promise")
    body = {"theme": "tutoring", "text": "周六辅导作业", "starts_on": "2026-03-01", "ends_on": "2026-12-31"}
    made = ok(post(user, "/api/v1/commitments", body), 201)
    assert_error(post(resident, "/api/v1/commitments", body), 403, "not_a_member")
    assert_error(post(user, "/api/v1/commitments", {**body, "ends_on": "2030-01-01"}), 400, "term_invalid")
    mine = lambda who, q="": [c["id"] for c in ok(bearer_client(who).get(f"/api/v1/commitments{q}"))["items"]]  # noqa: E731
    assert mine(user) == [made["id"]]
    assert mine(community_staff, f"?community={small.communities[0].pk}") == [made["id"]]
    assert mine(staff_b) == []
    assert_error(
        bearer_client(staff_b).get(f"/api/v1/commitments?community={small.communities[0].pk}"), 404, "not_found"
    )
    note = {"text": "三月辅导八次", "on": "2026-03-31"}
    assert_error(post(staff_b, f"/api/v1/commitments/{made['id']}/fulfilment", note), 404, "not_found")
    noted = ok(post(community_staff, f"/api/v1/commitments/{made['id']}/fulfilment", note))
    assert (noted["fulfilled_on"], noted["fulfilment"]) == ("2026-03-31", "三月辅导八次")


def test_a_retired_member_offers_a_service_and_fulfils_it_with_hours(small, community_staff, staff_b):
    user, profile = member_account(small, "api_retired", kind="retired")
    members.register(None, profile, community=small.communities[0], on=dt.date(2026, 3, 1))
    offer = {"community": small.communities[0].pk, "service": "support", "text": "陪伴独居老人"}
    made = ok(post(user, "/api/v1/wishes/offers", offer), 201)
    assert (made["service"], made["status"]) == ("support", "claimed")
    assert_error(
        post(user, "/api/v1/wishes/offers", {**offer, "community": small.communities[1].pk}), 403, "not_a_member"
    )
    assert_error(post(user, f"/api/v1/wishes/{made['id']}/fulfil", {"note": "聊天"}), 400, "service_hours")
    done = ok(post(user, f"/api/v1/wishes/{made['id']}/fulfil", {"note": "聊天", "hours": 2}))
    assert done["hours"] == 2.0
    assert_error(post(staff_b, f"/api/v1/wishes/{made['id']}/confirm", {}), 404, "not_found")
    assert ok(post(community_staff, f"/api/v1/wishes/{made['id']}/confirm", {}))["status"] == "confirmed"


def test_the_registration_and_commitment_lists_stay_flat(small, community_staff):
    path = f"/api/v1/registrations?community={small.communities[0].pk}"
    client = bearer_client(community_staff)
    _user, profile = member_account(small, "flat0")
    members.register(None, profile, community=small.communities[0], on=dt.date(2026, 3, 1))
    with count_queries() as few:
        ok(client.get(path))
        ok(client.get("/api/v1/commitments"))
    for index in range(1, 6):
        user, profile = member_account(small, f"flat{index}")
        members.register(None, profile, community=small.communities[0], on=dt.date(2026, 3, 1))
        members.commit(
            user, profile, theme="culture", text="文艺", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 6, 1)
        )
    with count_queries() as many:
        ok(client.get(path))
        ok(client.get("/api/v1/commitments"))
    assert_flat(few, many)
