"""The REST token actions keep to who manages whom (`accounts.queries.manages`): a district
administrator issues and revokes tokens of users holding a role in the district; another
district's administrator and community staff find no such user or token (404); everyone still
issues their own; the operator (None) may do anything."""

import pytest

from wangge.accounts.actions import issue_api_token, revoke_api_token, token_digest
from wangge.accounts.models import ApiToken, Role
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError


@pytest.fixture
def other_admin(db):
    return make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district("U").district)


def test_the_district_admin_issues_and_revokes_a_token_of_a_user_of_the_district(district_admin, worker_a):
    issued = issue_api_token(district_admin, user=worker_a, name="巡查终端")
    assert ApiToken.objects.get(pk=issued.token.pk).digest == token_digest(issued.secret)
    assert revoke_api_token(district_admin, token=issued.token).revoked_at is not None


def test_another_districts_admin_finds_no_such_user_or_token(other_admin, worker_a, district_admin):
    issued = issue_api_token(None, user=worker_a, name="cli")
    for outsider in (other_admin,):
        with pytest.raises(DomainError) as refused:
            issue_api_token(outsider, user=worker_a, name="x")
        assert (refused.value.code, refused.value.status) == ("user_not_found", 404)
        with pytest.raises(DomainError) as refused:
            revoke_api_token(outsider, token=issued.token)
        assert (refused.value.code, refused.value.status) == ("token_not_found", 404)
    with pytest.raises(DomainError):
        issue_api_token(other_admin, user=district_admin, name="x")
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None and ApiToken.objects.count() == 1


def test_a_user_issues_and_revokes_their_own_token(worker_a):
    issued = issue_api_token(worker_a, user=worker_a, name="mine")
    assert revoke_api_token(worker_a, token=issued.token).revoked_at is not None
