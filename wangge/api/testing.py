"""Helpers for tests of the REST API: clients that authenticate as a persona, error checks."""

from typing import Any

from django.test import Client

from wangge.accounts.actions import issue_api_token
from wangge.accounts.models import User
from wangge.lib.models import mark_used


def bearer_client(user: User, **headers: str) -> Client:
    """A test client sending a fresh bearer token of `user`, already marked as used (so the first
    request does not write its `last_used_at` and every request costs the same queries)."""
    issued = issue_api_token(None, user=user, name="test")
    mark_used(issued.token)
    return Client(headers={"Authorization": f"Bearer {issued.secret}", **headers})


def session_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the API's error body with this status and code; returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["message"], body
    return body
