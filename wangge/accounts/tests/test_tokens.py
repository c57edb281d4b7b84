"""API tokens: issued and revoked through the actions, audited; who manages whose tokens, with
personas of two districts and two grids."""

import pytest
from django.test import Client

from wangge.accounts import actions
from wangge.accounts.models import ApiToken, AuditAction, AuditEvent, Role, User
from wangge.accounts.queries import managed_users, manages, visible_tokens
from wangge.accounts.tests.factories import second_district
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError


@pytest.fixture
def other(small):
    """A second district, with its administrator and a grid worker."""
    return second_district()


def test_issue_stores_only_the_digest_and_audits(small, worker_a, district_admin):
    issued = actions.issue_api_token(district_admin, user=worker_a, name=" phone ", ip_address="10.0.0.9")
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("wg_") and token.prefix == issued.secret[:8] and token.name == "phone"
    assert issued.secret not in token.digest and token.digest == actions.token_digest(issued.secret)
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED)
    assert (event.actor, event.object_id, event.ip_address) == (district_admin, str(worker_a.pk), "10.0.0.9")
    assert event.district_id == small.district.pk
    assert event.detail == {"token": token.pk, "prefix": token.prefix, "name": "phone"}
    assert issued.secret not in repr(event.detail)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name(worker_a, name):
    with pytest.raises(DomainError) as error:
        actions.issue_api_token(None, user=worker_a, name=name)
    assert error.value.code == "token_name_invalid"
    assert not ApiToken.objects.exists() and not AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED).exists()


def test_a_deactivated_user_gets_no_token(worker_a):
    worker_a.is_active = False
    worker_a.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as error:
        actions.issue_api_token(None, user=worker_a)
    assert error.value.code == "user_inactive"


def test_revoking_answers_401_at_once_and_is_audited_once(small, worker_a):
    issued = actions.issue_api_token(None, user=worker_a)
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})
    assert client.get("/api/v1/areas").status_code == 200
    revoked = actions.revoke_api_token(worker_a, token=issued.token, ip_address="10.0.0.1")
    assert revoked.revoked_at is not None
    assert client.get("/api/v1/areas").status_code == 401
    again = actions.revoke_api_token(worker_a, token=issued.token)
    assert again.revoked_at == revoked.revoked_at
    events = AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED)
    assert [(e.actor, e.object_id, e.detail["token"]) for e in events] == [
        (worker_a, str(worker_a.pk), issued.token.pk)
    ]


def test_everyone_manages_their_own_tokens_only(small, worker_a, worker_b, community_staff):
    for user in (worker_a, worker_b, community_staff):
        actions.issue_api_token(None, user=user)
    for user in (worker_a, worker_b, community_staff):
        assert list(managed_users(user)) == []
        assert [t.user for t in visible_tokens(user)] == [user]
        assert manages(user, user)
    assert not manages(community_staff, worker_a)  # community staff manage no one's tokens


def test_a_district_admin_manages_the_users_of_their_district_only(
    small, other, worker_a, worker_b, community_staff, district_admin, no_role_user
):
    resident = make_persona("resident", Role.RESIDENT, small.households[0])
    peer = make_persona("admin_d2", Role.DISTRICT_ADMIN, small.district)
    assert set(managed_users(district_admin)) == {worker_a, worker_b, community_staff, resident, peer, district_admin}
    assert set(managed_users(other.admin)) == {other.admin, other.worker}
    assert not manages(district_admin, other.worker) and not manages(other.admin, worker_a)
    assert not manages(district_admin, no_role_user)  # no role anywhere: only a superuser
    # A user with roles in both districts is managed by both administrators.
    actions.assign_role(None, user=other.worker, role=Role.RESIDENT, area=small.households[1])
    assert manages(district_admin, other.worker) and manages(other.admin, other.worker)

    for user in (worker_a, other.worker, no_role_user, district_admin):
        actions.issue_api_token(None, user=user)
    assert {t.user for t in visible_tokens(district_admin)} == {worker_a, other.worker, district_admin}
    assert {t.user for t in visible_tokens(other.admin)} == {other.worker}


def test_superusers_manage_everyone_and_only_superusers_manage_superusers(small, other, district_admin, worker_a):
    root = User.objects.create_superuser("root", password="x-very-secret-1")
    actions.assign_role(None, user=root, role=Role.GRID_WORKER, area=small.grids[0])
    assert set(managed_users(root)) == set(User.objects.all())
    assert not manages(district_admin, root)
    actions.issue_api_token(None, user=root)
    actions.issue_api_token(None, user=worker_a)
    assert {t.user for t in visible_tokens(district_admin)} == {worker_a}
    assert {t.user for t in visible_tokens(root)} == {root, worker_a}


def test_a_district_admin_of_a_community_manages_only_that_community(small, worker_a, worker_b):
    """The rule follows the scope of the administrator's assignment, not only its district."""
    narrow = make_persona("admin_c1", Role.DISTRICT_ADMIN, small.communities[0])
    assert set(managed_users(narrow)) == {narrow, worker_a}
    assert not manages(narrow, worker_b)


def test_the_admin_site_revokes_through_the_action(client, small, worker_a):
    root = User.objects.create_superuser("root", password="x-very-secret-1")
    issued = actions.issue_api_token(None, user=worker_a)
    client.force_login(root)
    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [issued.token.pk]}, REMOTE_ADDR="10.0.0.5"
    )
    assert response.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKED)
    assert (event.actor, event.ip_address) == (root, "10.0.0.5")
    # No deleting: a revoked token stays listed, with its history.
    assert client.get(f"/admin/accounts/apitoken/{issued.token.pk}/delete/").status_code == 403
