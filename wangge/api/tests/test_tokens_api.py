"""REST /api/v1/tokens: list (never the secret), create (the secret once, from a session), revoke
(401 at once); administrators of two districts; a token sees exactly what its user sees."""

import pytest
from django.test import Client

from wangge.accounts import actions
from wangge.accounts.models import ApiToken, AuditAction, AuditEvent, User
from wangge.accounts.tests.factories import second_district
from wangge.api.testing import assert_error, bearer_client, session_client
from wangge.cases.tests.factories import IN_GRID_2, filed, ok
from wangge.lib.testing import Queries, assert_flat, count_queries


@pytest.fixture
def other(small):
    """A second district, with its administrator and a grid worker."""
    return second_district()


def _bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def _items(response) -> list[dict]:
    return ok(response)["items"]


def test_a_user_lists_their_own_tokens_without_the_secret(small, worker_a, worker_b):
    first = actions.issue_api_token(None, user=worker_a, name="phone")
    second = actions.issue_api_token(None, user=worker_a, name="tablet")
    actions.issue_api_token(None, user=worker_b, name="not mine")
    actions.revoke_api_token(None, token=first.token)
    response = _bearer(second.secret).get("/api/v1/tokens")
    items = _items(response)
    assert [(t["name"], t["active"]) for t in items] == [("tablet", True), ("phone", False)]
    assert set(items[0]) == {"id", "name", "prefix", "user", "created_at", "last_used_at", "revoked_at", "active"}
    assert items[0]["user"] == {"id": worker_a.pk, "username": "worker_a", "display_name": "worker_a"}
    assert items[0]["last_used_at"] is not None and items[1]["revoked_at"] is not None
    assert first.secret not in response.content.decode() and second.secret not in response.content.decode()
    session = session_client(worker_a)
    assert [t["name"] for t in _items(session.get("/api/v1/tokens", {"active": "true"}))] == ["tablet"]
    assert [t["name"] for t in _items(session.get("/api/v1/tokens", {"active": "false"}))] == ["phone"]


def test_creating_a_token_shows_the_secret_once_and_it_works(small, worker_a):
    client = session_client(worker_a)
    response = client.post(
        "/api/v1/tokens", {"name": "外勤手机"}, content_type="application/json", REMOTE_ADDR="10.9.8.7"
    )
    created = ok(response, 201)
    assert created["token"].startswith("wg_") and created["prefix"] == created["token"][:8]
    assert created["name"] == "外勤手机" and created["active"] and created["user"]["id"] == worker_a.pk
    assert [t["id"] for t in _items(_bearer(created["token"]).get("/api/v1/tokens"))] == [created["id"]]
    assert "token" not in _items(client.get("/api/v1/tokens"))[0]
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED)
    assert (event.actor, event.ip_address, event.detail["token"]) == (worker_a, "10.9.8.7", created["id"])


def test_a_token_cannot_create_tokens(small, worker_a):
    response = bearer_client(worker_a).post("/api/v1/tokens", {"name": "more"}, content_type="application/json")
    assert_error(response, 403, "session_required")
    assert ApiToken.objects.filter(user=worker_a).count() == 1


def test_a_token_needs_a_name(small, worker_a):
    client = session_client(worker_a)
    response = client.post("/api/v1/tokens", {"name": "   "}, content_type="application/json")
    assert_error(response, 400, "token_name_invalid")
    body = assert_error(client.post("/api/v1/tokens", {}, content_type="application/json"), 422, "invalid_input")
    assert body["fields"] == ["payload.name"]
    assert not ApiToken.objects.exists()


def test_a_session_post_without_its_csrf_token_is_refused_in_the_error_format(small, worker_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker_a)
    assert_error(client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json"), 403, "csrf_failed")
    assert not ApiToken.objects.exists()


def test_without_credentials_answers_401(small):
    assert_error(Client().get("/api/v1/tokens"), 401, "unauthenticated")
    response = Client().post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert_error(response, 401, "unauthenticated")
    assert_error(Client().post("/api/v1/tokens/1/revoke"), 401, "unauthenticated")


def test_revoking_your_own_token_answers_401_at_once(small, worker_a):
    phone = actions.issue_api_token(None, user=worker_a, name="phone")
    laptop = actions.issue_api_token(None, user=worker_a, name="laptop")
    client = _bearer(laptop.secret)
    revoked = ok(client.post(f"/api/v1/tokens/{phone.token.pk}/revoke"))
    assert revoked["active"] is False and revoked["revoked_at"]
    assert_error(_bearer(phone.secret).get("/api/v1/areas"), 401, "unauthenticated")
    assert ok(client.post(f"/api/v1/tokens/{phone.token.pk}/revoke"))["revoked_at"] == revoked["revoked_at"]
    # Revoking the token in use: this answer still comes, the next request is refused.
    assert ok(client.post(f"/api/v1/tokens/{laptop.token.pk}/revoke"))["active"] is False
    assert_error(client.get("/api/v1/tokens"), 401, "unauthenticated")
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, actor=worker_a).count() == 2


def test_another_users_token_is_not_found_like_an_unknown_one(small, worker_a, worker_b, community_staff):
    theirs = actions.issue_api_token(None, user=worker_b)
    for caller in (worker_a, community_staff):
        client = bearer_client(caller)
        hidden = client.post(f"/api/v1/tokens/{theirs.token.pk}/revoke")
        unknown = client.post("/api/v1/tokens/999999/revoke")
        assert_error(hidden, 404, "not_found")
        assert hidden.json() == unknown.json()
        assert_error(client.get("/api/v1/tokens", {"user": worker_b.pk}), 404, "not_found")
        assert [t["user"]["id"] for t in _items(client.get("/api/v1/tokens", {"managed": "true"}))] == [caller.pk]
    assert _bearer(theirs.secret).get("/api/v1/areas").status_code == 200


def test_district_admins_manage_the_tokens_of_their_district_only(small, other, worker_a, worker_b, district_admin):
    mine = {u.username: actions.issue_api_token(None, user=u) for u in (worker_a, worker_b)}
    theirs = actions.issue_api_token(None, user=other.worker)
    admin, admin_u = bearer_client(district_admin), bearer_client(other.admin)

    managed = {t["user"]["username"] for t in _items(admin.get("/api/v1/tokens", {"managed": "true"}))}
    assert managed == {"worker_a", "worker_b", "admin_d"}
    managed_u = {t["user"]["username"] for t in _items(admin_u.get("/api/v1/tokens", {"managed": "true"}))}
    assert managed_u == {"worker_u", "admin_u"}
    one_user = _items(admin.get("/api/v1/tokens", {"user": worker_a.pk}))
    assert [t["user"]["username"] for t in one_user] == ["worker_a"]
    assert [t["user"]["username"] for t in _items(admin.get("/api/v1/tokens"))] == ["admin_d"]  # own by default

    assert_error(admin.get("/api/v1/tokens", {"user": other.worker.pk}), 404, "not_found")
    assert_error(admin.post(f"/api/v1/tokens/{theirs.token.pk}/revoke"), 404, "not_found")
    assert_error(admin_u.post(f"/api/v1/tokens/{mine['worker_a'].token.pk}/revoke"), 404, "not_found")

    assert ok(admin.post(f"/api/v1/tokens/{mine['worker_a'].token.pk}/revoke"))["active"] is False
    assert_error(_bearer(mine["worker_a"].secret).get("/api/v1/areas"), 401, "unauthenticated")
    assert _bearer(mine["worker_b"].secret).get("/api/v1/areas").status_code == 200
    assert _bearer(theirs.secret).get("/api/v1/areas").status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKED)
    assert (event.actor, event.object_id, event.district_id) == (district_admin, str(worker_a.pk), small.district.pk)


def test_a_superuser_manages_every_token(small, other, worker_a):
    root = User.objects.create_superuser("root", password="x-very-secret-1")
    actions.issue_api_token(None, user=worker_a)
    theirs = actions.issue_api_token(None, user=other.worker)
    client = bearer_client(root)
    managed = {t["user"]["username"] for t in _items(client.get("/api/v1/tokens", {"managed": "true"}))}
    assert managed == {"worker_a", "worker_u", "root"}
    assert ok(client.post(f"/api/v1/tokens/{theirs.token.pk}/revoke"))["active"] is False


def test_listing_costs_the_same_queries_for_1_and_10_tokens(small, worker_a, worker_b, district_admin):
    client = bearer_client(district_admin)

    def count() -> Queries:
        with count_queries() as queries:
            assert client.get("/api/v1/tokens", {"managed": "true"}).status_code == 200
        return queries

    actions.issue_api_token(None, user=worker_a)
    few = count()
    for user in (worker_a, worker_b) * 5:
        actions.issue_api_token(None, user=user)
    assert_flat(few, count())


# --- a token is scoped exactly like its user -----------------------------------------------------


def test_a_grid_workers_token_sees_what_the_worker_sees_and_no_more(small, catalogue, worker_a, worker_b):
    token = actions.create_api_token(None, user=worker_a, name="phone")
    by_token, by_session = _bearer(token), session_client(worker_a)
    mine = filed(by_token)
    theirs = filed(bearer_client(worker_b), point=IN_GRID_2)
    for path, params in [
        ("/api/v1/cases", {}),
        ("/api/v1/areas", {}),
        ("/api/v1/areas", {"level": "grid"}),
        ("/api/v1/orgs/units", {}),
        (f"/api/v1/cases/{mine['id']}", {}),
        (f"/api/v1/areas/{small.grids[0].pk}", {}),
    ]:
        assert ok(by_token.get(path, params)) == ok(by_session.get(path, params)), path
    assert [c["id"] for c in _items(by_token.get("/api/v1/cases"))] == [mine["id"]]
    assert [a["id"] for a in _items(by_token.get("/api/v1/areas", {"level": "grid"}))] == [small.grids[0].pk]
    for path in (f"/api/v1/cases/{theirs['id']}", f"/api/v1/areas/{small.grids[2].pk}"):
        assert_error(by_token.get(path), 404, "not_found")
    assert _items(by_token.get("/api/v1/cases", {"grid": small.grids[2].pk})) == []
    # The worker may not accept: neither may the token.
    response = by_token.post(
        f"/api/v1/cases/{mine['id']}/accept", {"version": mine["version"]}, content_type="application/json"
    )
    assert_error(response, 403, "forbidden")
