"""`wangge apikey create|list|revoke`: a key printed once that works at once, stored as its
digest, bound to its district, refused once revoked."""

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from wangge.areas.tests.factories import build_small_district
from wangge.cases.models import Case
from wangge.open311.models import ApiKey
from wangge.open311.tests.conftest import answer, error, post_request


def apikey(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_a_created_key_files_requests_and_a_revoked_one_does_not(small, catalogue):
    key, note = apikey("create", "城管通", "--district", "T")
    assert key.startswith("o311_") and "\n" not in key and "城管通" in note
    stored = ApiKey.objects.get()
    assert stored.name == "城管通" and stored.district == small.district and key not in stored.digest
    answer(post_request(key, description="x"), "json")
    assert Case.objects.count() == 1
    listing, _ = apikey("list")
    name, district, prefix, created, last_used, state = listing.split("\t")
    assert (name, district, prefix) == ("城管通", "T", key[:9] + "…") and last_used != "-"
    apikey("revoke", "城管通")
    assert ApiKey.objects.get().revoked_at is not None
    error(post_request(key, description="x"), "json", 403, "api_key_invalid")
    assert Case.objects.count() == 1
    listing, _ = apikey("list")
    assert listing.split("\t")[-1] != state and key not in listing


def test_the_district_may_be_left_out_while_there_is_one(small):
    apikey("create", "app")
    assert ApiKey.objects.get().district == small.district
    build_small_district("U")
    with pytest.raises(CommandError, match="--district"):
        apikey("create", "app2")
    apikey("create", "app2", "--district", "U")
    assert ApiKey.objects.get(name="app2").district.code == "U"


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["create", "app", "--district", "NOPE"], "NOPE"),
        (["create", "  ", "--district", "T"], "api_key_name_invalid"),
        (["create", "x" * 101, "--district", "T"], "api_key_name_invalid"),
        (["revoke", "ghost"], "api_key_unknown"),
    ],
)
def test_clear_errors(small, args, match):
    with pytest.raises(CommandError, match=match):
        apikey(*args)
    assert not ApiKey.objects.exists()


def test_names_are_unique_and_a_key_is_revoked_once(small):
    apikey("create", "app")
    with pytest.raises(CommandError, match="api_key_name_taken"):
        apikey("create", "app")
    apikey("revoke", "app")
    with pytest.raises(CommandError, match="api_key_revoked"):
        apikey("revoke", "app")


def test_each_key_is_different(small):
    assert apikey("create", "a")[0] != apikey("create", "b")[0]


def test_the_console_script_has_the_command():
    result = subprocess.run(
        [sys.executable, "-m", "wangge.cli", "apikey", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "create" in result.stdout and "revoke" in result.stdout


def test_creating_and_revoking_a_key_leave_audit_rows_without_the_key(small):
    from wangge.accounts.models import AuditAction, AuditEvent

    key, _ = apikey("create", "城管通", "--district", "T")
    apikey("revoke", "城管通")
    stored = ApiKey.objects.get()
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "object_id", "district_id", "detail"))
    assert rows == [
        (AuditAction.API_KEY_CREATED, str(stored.pk), small.district.pk, {"name": "城管通", "prefix": key[:9]}),
        (AuditAction.API_KEY_REVOKED, str(stored.pk), small.district.pk, {"name": "城管通", "prefix": key[:9]}),
    ]
    assert all(key not in str(row) for row in rows)
