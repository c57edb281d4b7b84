"""`wangge token create|list|revoke`: a working bearer token printed once, listed without its
secret, revoked by id, prefix or the token itself."""

import io

import pytest
from django.core.management import CommandError, call_command

from wangge.accounts.models import ApiToken, AuditAction, AuditEvent

# Messages are checked in English; the default language is Simplified Chinese.
pytestmark = pytest.mark.usefixtures("english")


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
    with pytest.raises(CommandError):
        call_command("token", "revoke")


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_shows_every_token_but_never_the_secret(small, worker_a, worker_b):
    first, _ = _create("worker_a", "--name", "phone")
    second, _ = _create("worker_b", "--name", "tablet")
    out, _ = _run("list")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "prefix", "name", "user", "created", "last", "used", "revoked"]
    assert len(lines) == 3
    assert first[:8] in out and second[:8] in out and "phone" in out and "tablet" in out
    assert first not in out and second not in out
    only_b, _ = _run("list", "worker_b")
    assert "tablet" in only_b and "phone" not in only_b


def test_revoke_by_prefix_by_id_and_by_token(small, worker_a):
    tokens = [_create("worker_a", "--name", f"t{i}")[0] for i in range(3)]
    rows = {t.name: t for t in ApiToken.objects.all()}
    _, note = _run("revoke", tokens[0][:8])
    assert "t0" in note and "worker_a" in note
    _run("revoke", str(rows["t1"].pk))
    _run("revoke", tokens[2])
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    events = AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, object_id=str(worker_a.pk))
    assert sorted(e.detail["name"] for e in events) == ["t0", "t1", "t2"]
    from django.test import Client

    assert Client(headers={"Authorization": f"Bearer {tokens[0]}"}).get("/api/v1/areas").status_code == 401
    _, note = _run("revoke", tokens[0][:8])
    assert "已被撤销" in note  # commands speak the site language
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 3
    active, note = _run("list", "--active")
    assert active == "" and note.strip() == "没有令牌。"


def test_revoke_refuses_an_unknown_or_ambiguous_prefix(small, worker_a):
    _create("worker_a")
    _create("worker_a")
    ApiToken.objects.update(prefix="wg_same1")
    with pytest.raises(CommandError, match="id"):
        _run("revoke", "wg_same1")
    with pytest.raises(CommandError, match="wg_nope0"):
        _run("revoke", "wg_nope0")
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_list_of_an_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="ghost"):
        _run("list", "ghost")
