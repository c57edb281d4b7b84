"""The page of the district's Open311 keys and REST tokens (/manage/keys/): the district
administrator creates a key or a token for a user of the district, sees its secret once — in
the answer to the form, never in a URL, a message or the database (only its digest) — and
revokes it. Another district's administrator, community staff and grid workers find no such
page, key or token (404). The lists cost the same queries however many rows they hold."""

import logging

import pytest
from django.urls import reverse

from wangge.accounts.actions import issue_api_token, token_digest
from wangge.accounts.models import ApiToken, AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.open311.actions import create_api_key
from wangge.open311.models import ApiKey
from wangge.open311.queries import active_key, key_digest

URL = "/manage/keys/"


@pytest.fixture
def other_admin(db):
    return make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district("U").district)


def _secret_in(html: str, prefix: str) -> str:
    start = html.index(f'value="{prefix}')
    return html[start + len('value="') : html.index('"', start + len('value="'))]


def test_url_names():
    assert reverse("manage_keys") == URL
    assert reverse("manage_key_revoke", args=[3]) == "/manage/keys/open311/3/revoke/"


def test_the_admin_creates_an_open311_key_sees_it_once_and_revokes_it(client, district_admin, small, caplog):
    client.force_login(district_admin)
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("manage_key_create"), {"district": small.district.pk, "name": "微信小程序"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = _secret_in(html, "o311_")
    assert html.count(secret) == 1 and secret not in caplog.text
    key = ApiKey.objects.get(name="微信小程序")
    assert key.digest == key_digest(secret) and active_key(secret) == key
    assert not AuditEvent.objects.filter(detail__icontains=secret).exists()
    # The list afterwards shows the key's prefix, never the key.
    listed = client.get(URL).content.decode()
    assert "微信小程序" in listed and key.prefix in listed and secret not in listed

    response = client.post(reverse("manage_key_revoke", args=[key.pk]), {"district": small.district.pk})
    assert response.status_code == 302 and secret not in response["Location"]
    key.refresh_from_db()
    assert key.revoked_at is not None and active_key(secret) is None
    assert list(
        AuditEvent.objects.filter(actor=district_admin, object_type="open311.apikey")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        AuditAction.API_KEY_CREATED,
        AuditAction.API_KEY_REVOKED,
    ]


def test_the_admin_creates_a_token_for_a_user_of_the_district_and_revokes_it(client, district_admin, small, worker_a):
    client.force_login(district_admin)
    response = client.post(
        reverse("manage_token_create"), {"district": small.district.pk, "username": "worker_a", "name": "巡查终端"}
    )
    html = response.content.decode()
    secret = _secret_in(html, "wg_")
    assert html.count(secret) == 1
    token = ApiToken.objects.get(user=worker_a)
    assert token.digest == token_digest(secret) and token.name == "巡查终端"
    assert secret not in client.get(URL).content.decode()

    client.post(reverse("manage_token_revoke", args=[token.pk]), {"district": small.district.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(actor=district_admin, action=AuditAction.TOKEN_REVOKED).count() == 1


def test_a_token_only_for_a_user_holding_a_role_in_the_district(client, district_admin, small, other_admin):
    client.force_login(district_admin)
    response = client.post(
        reverse("manage_token_create"), {"district": small.district.pk, "username": "admin_u", "name": "x"}, follow=True
    )
    assert [m.tags for m in response.context["messages"]] == ["user_unknown error"]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("persona", ["other_admin", "community_staff", "worker_a"])
def test_outsiders_find_no_such_page_key_or_token(client, request, persona, small, district_admin, worker_b):
    key, secret = create_api_key(None, name="12345热线接入", district=small.district)
    token = issue_api_token(None, user=worker_b, name="cli").token
    client.force_login(request.getfixturevalue(persona))
    district = {"district": small.district.pk}
    if persona == "other_admin":
        page = client.get(URL).content.decode()
        assert "12345热线接入" not in page and "worker_b" not in page
    assert client.get(URL, district).status_code == 404
    assert client.post(reverse("manage_key_create"), {**district, "name": "x"}).status_code == 404
    assert client.post(reverse("manage_key_revoke", args=[key.pk]), district).status_code == 404
    assert client.post(reverse("manage_key_revoke", args=[key.pk])).status_code == 404
    assert (
        client.post(reverse("manage_token_create"), {**district, "username": "worker_b", "name": "x"}).status_code
        == 404
    )
    assert client.post(reverse("manage_token_revoke", args=[token.pk]), district).status_code == 404
    assert client.post(reverse("manage_token_revoke", args=[token.pk])).status_code == 404
    assert active_key(secret) == key and ApiKey.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1


def test_the_lists_cost_the_same_queries_with_more_keys_and_tokens(client, district_admin, small):
    issue_api_token(None, user=district_admin, name="own")  # one row each way: the lists are read
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for n in range(5):
        create_api_key(None, name=f"app{n}", district=small.district)
        user = make_persona(f"staff_{n}", Role.GRID_WORKER, small.grids[n % 4])
        issue_api_token(None, user=user, name="a")
        issue_api_token(None, user=user, name="b")
    with count_queries() as many:
        html = client.get(URL).content.decode()
    assert html.count('<tr id="key-') == 5 and html.count('<tr id="token-') == 11
    assert_flat(few, many, at_most=12)
