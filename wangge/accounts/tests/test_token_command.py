"""`wangge token create USERNAME`: prints a working bearer token once."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from wangge.accounts.models import ApiToken, AuditAction, AuditEvent


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English; the default language is Simplified Chinese."""
    with translation.override("en"):
        yield


def _create(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_printed_token_works_and_only_its_digest_is_stored(small, worker_a):
    token, note = _create("worker_a", "--name", "phone app")
    assert token.startswith("wg_") and "\n" not in token
    assert "phone app" in note
    stored = ApiToken.objects.get(user=worker_a)
    assert stored.name == "phone app" and token not in stored.digest and stored.prefix == token[:8]
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED, object_id=str(worker_a.pk)).exists()
    from django.test import Client

    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/areas", {"level": "grid"})
    assert [item["id"] for item in response.json()["items"]] == [small.grids[0].pk]


def test_each_call_makes_a_new_token(small, worker_a):
    assert _create("worker_a")[0] != _create("worker_a")[0]
    assert ApiToken.objects.filter(user=worker_a, name="cli").count() == 2


def test_an_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="ghost"):
        _create("ghost")
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_gets_no_token(small, worker_a):
    worker_a.is_active = False
    worker_a.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="worker_a"):
        _create("worker_a")


def test_a_blank_name_is_refused(small, worker_a):
    with pytest.raises(CommandError):
        _create("worker_a", "--name", "  ")


def test_the_action_and_user_are_required(db):
    with pytest.raises(CommandError):
        call_command("token")
    with pytest.raises(CommandError):
        call_command("token", "create")
    with pytest.raises(CommandError):
        call_command("token", "delete", "x")
