"""The key ring: ciphertexts name their key, the legacy format is still read, the key file is
generated once and private, and rotating the data key or the blind-index key leaves every
value readable and findable, with nothing lost, while the platform keeps writing."""

import io
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.cases.models import Case
from wangge.lib import crypto
from wangge.lib.env import env_key_list
from wangge.lib.errors import DomainError
from wangge.people import actions, queries
from wangge.people.models import Person
from wangge.people.queries import encrypted_columns, iter_encrypted, key_usage
from wangge.people.tests.factories import (
    ID_NUMBER,
    ILLNESS,
    PHONE,
    file_case,
    id_number,
    resident,
)

KEY_A = b"a" * 32
KEY_B = b"b" * 32


def plaintexts() -> dict[tuple[str, int], str]:
    """Every encrypted value of every column, decrypted where it is stored: what must survive a rotation."""
    return {
        (c.label, pk): crypto.decrypt(token, crypto.bound_to(c.model, c.field, pk))
        for c in encrypted_columns()
        for pk, token, _ in iter_encrypted(c)
    }


def keys_in_use() -> set[str]:
    return {key for usage in key_usage() for key in usage.by_key}


def legacy_token(plaintext: str) -> bytes:
    """A version-1 ciphertext, as every value was written before the key ring existed."""
    from django.conf import settings

    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(settings.DATA_KEY).encrypt(nonce, plaintext.encode(), None)


# Where the values of these tests belong (a person's phone).
HERE = b"people_person.phone_encrypted:1"


def test_a_ciphertext_names_its_key_and_the_name_cannot_be_swapped(key_file):
    token = crypto.encrypt("13812345678", HERE)
    assert crypto.key_id_of(token) == "k1"
    assert crypto.decrypt(token, HERE) == "13812345678"
    crypto.add_data_key()
    assert crypto.key_id_of(crypto.encrypt("x", HERE)) == "k2"
    assert crypto.decrypt(token, HERE) == "13812345678"  # the old key still reads
    forged = token.replace(b"k1", b"k2", 1)
    with pytest.raises(crypto.MisplacedValueError):
        crypto.decrypt(forged, HERE)


def test_legacy_version_1_ciphertexts_are_still_read(key_file):
    token = legacy_token("旧的值")
    assert crypto.key_id_of(token) == "legacy"
    assert crypto.decrypt(token, HERE) == "旧的值"
    rewritten = crypto.reencrypt(token, HERE)
    assert rewritten is not None and crypto.key_id_of(rewritten) == "k1" and crypto.is_bound(rewritten)
    assert crypto.decrypt(rewritten, HERE) == "旧的值"


def test_an_unknown_key_is_named_without_any_value(key_file):
    token = crypto.encrypt("13812345678", HERE).replace(b"k1", b"zz", 1)
    with pytest.raises(crypto.UnknownKeyError) as error:
        crypto.decrypt(token, HERE)
    assert "zz" in str(error.value) and "1381" not in str(error.value)


def test_the_key_file_is_generated_once_and_private(key_file):
    assert not key_file.exists()
    ring = crypto.keyring()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = json.loads(key_file.read_text())
    assert content["data"]["current"] == "k1" and set(content["data"]["keys"]) == {"k1"}
    # The blind index stays on the legacy key until it is rotated: earlier indexes keep working.
    assert content["index"]["current"] == "legacy"
    assert crypto.keyring() is ring
    crypto.add_data_key()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert crypto.keyring().data_current == "k2"  # the changed file is read again


def test_the_default_key_file_is_never_committed():
    from pathlib import Path

    from django.conf import settings

    root = Path(__file__).resolve().parents[3]
    ignored = (root / ".gitignore").read_text().split()
    assert "var/" in ignored
    assert Path(settings.VAR_DIR) / "keys.json" == Path(settings.KEY_FILE) or "WANGGE_KEY_FILE" in os.environ


def test_keys_from_the_environment(settings):
    settings.KEY_SOURCE = "env"
    settings.DATA_KEYS = {"a": KEY_A, "b": KEY_B}
    settings.DATA_KEY_CURRENT = "a"
    old = crypto.encrypt("13812345678", HERE)
    settings.DATA_KEY_CURRENT = "b"
    assert crypto.key_id_of(crypto.encrypt("x", HERE)) == "b"
    assert crypto.decrypt(old, HERE) == "13812345678"
    settings.DATA_KEY_CURRENT = "c"
    with pytest.raises(ImproperlyConfigured):
        crypto.keyring()


@pytest.mark.parametrize(
    "value",
    ["a", "a:notbase64!", f"a:{'QUJD'}", "a:" + "YWFh" * 11 + ",a:" + "YWFh" * 11, "bad id:" + "YWFh" * 11],
)
def test_malformed_key_lists_stop_the_start(monkeypatch, value):
    monkeypatch.setenv("WANGGE_TEST_KEYS", value)
    with pytest.raises(ImproperlyConfigured) as error:
        env_key_list("WANGGE_TEST_KEYS")
    assert "WANGGE_TEST_KEYS" in str(error.value)


def test_encrypted_columns_are_found_in_every_app():
    columns = {c.label: c.index_field for c in encrypted_columns()}
    assert columns["people.Person.id_number_encrypted"] == "id_number_index"
    assert columns["people.Person.phone_encrypted"] == "phone_index"
    assert columns["people.Person.sensitive_encrypted"] is None
    assert columns["people.PersonCorrection.old_values_encrypted"] is None
    assert columns["cases.Case.reporter_contact_encrypted"] is None


@pytest.fixture
def values(small, catalogue, worker_a, community_staff, key_file):
    """Persons with every kind of encrypted value, a case with a contact, a correction, and a
    value still in the legacy format."""
    persons = [
        resident(small, 0, id_number=ID_NUMBER, phone=PHONE, sensitive={"chronic_illness": ILLNESS}),
        *(
            resident(small, i % 6, name=f"居民{i}", id_number=id_number(i), phone=f"1390000{i:04d}")
            for i in range(1, 8)
        ),
    ]
    file_case(small, catalogue, worker_a, contact="13700001111")
    actions.correct_person(community_staff, persons[1], {"phone": "13600002222"}, "居民来电更正")
    Person.objects.filter(pk=persons[2].pk).update(
        phone_encrypted=legacy_token("13500003333"), phone_index=crypto.blind_index("13500003333")
    )
    return persons


def test_rotating_the_data_key_keeps_everything_readable(values):
    before = plaintexts()
    assert len(before) == 8 + 8 + 1 + 1 + 1  # ids, phones, one sensitive document, the case, the correction
    assert keys_in_use() == {"k1", "legacy"}
    key_id, results = actions.rotate_data_key(None, batch=3, settle=0)
    assert key_id == "k2"
    assert keys_in_use() == {"k2"}
    assert plaintexts() == before
    assert results["people.Person.phone_encrypted"].rewritten == 8
    assert results["cases.Case.reporter_contact_encrypted"].rewritten == 1
    assert not any(r.remaining for r in results.values())
    assert queries.find_by_id_number(values[0].district, ID_NUMBER) == values[0]
    assert queries.find_by_phone(values[0].district, "13500003333") == [values[2]]
    assert Case.objects.get().reporter_contact_masked == "137****1111"
    event = AuditEvent.objects.get(action=AuditAction.KEYS_ROTATED)
    assert (
        event.detail["key"] == "k2" and event.detail["columns"]["people.Person.id_number_encrypted"]["rewritten"] == 8
    )
    # Running it again is harmless: nothing left to do, nothing changed.
    again = actions.reencrypt_values(None)
    assert not any(r.rewritten for r in again.values())
    assert plaintexts() == before


def test_a_value_changed_during_the_rotation_is_not_overwritten(values):
    """Compare-and-set: a row written by someone else between reading and rewriting keeps the
    new value; the next pass finds it already on the current key."""
    target = values[3]
    replaced = {"done": False}

    def concurrent_write(execute, sql, params, many, context):
        if not replaced["done"] and sql.startswith("UPDATE") and "people_person" in sql:
            replaced["done"] = True
            written = crypto.encrypt("another value", crypto.bound_to(target, "id_number_encrypted"))
            Person.objects.filter(pk=target.pk).update(id_number_encrypted=written)
        return execute(sql, params, many, context)

    crypto.add_data_key()
    first = Person.objects.filter(id_number_encrypted__isnull=False).order_by("pk").first()
    assert first is not None and first.pk <= target.pk
    target = first
    with connection.execute_wrapper(concurrent_write):
        results = actions.reencrypt_values(None, batch=100)
    assert replaced["done"]
    r = results["people.Person.id_number_encrypted"]
    assert (r.changed_meanwhile, r.rewritten, r.remaining) == (1, 7, 0)
    assert crypto.decrypt_field(Person.objects.get(pk=target.pk), "id_number_encrypted") == "another value"
    assert keys_in_use() == {"k2"}


def test_rotating_the_index_key_keeps_lookups_working(small, values):
    district = small.district
    before = {p.pk: (p.id_number_index, p.phone_index) for p in Person.objects.all()}
    previous, new = crypto.start_index_rotation()
    assert (previous, new) == ("legacy", "i1")
    # Mid-rotation: nothing recomputed yet, lookups try both keys.
    assert crypto.keyring().lookup_index_ids == ["i1", "legacy"]
    assert queries.find_by_id_number(district, ID_NUMBER) == values[0]
    assert queries.find_by_phone(district, PHONE) == [values[0]]
    # A new person is indexed under the new key and found; a duplicate of an old one is refused.
    newcomer = resident(small, 1, name="新来", id_number=id_number(42))
    assert newcomer.id_number_index == crypto.blind_index(id_number(42), "i1")
    assert queries.find_by_id_number(district, id_number(42)) == newcomer
    with pytest.raises(DomainError) as error:
        resident(small, 2, name="重复", id_number=ID_NUMBER)
    assert error.value.code == "id_number_exists"
    results = actions.reindex_values(None, batch=3)
    assert results["people.Person.id_number_encrypted"].rewritten == 8
    assert results["people.Person.phone_encrypted"].rewritten == 8
    crypto.finish_index_rotation()
    assert crypto.keyring().lookup_index_ids == ["i1"]
    assert queries.find_by_id_number(district, ID_NUMBER) == values[0]
    assert queries.find_by_phone(district, "13500003333") == [values[2]]
    for person in Person.objects.exclude(pk=newcomer.pk):
        assert person.id_number_index != before[person.pk][0] and person.phone_index != before[person.pk][1]
        assert person.id_number_index == crypto.blind_index(crypto.decrypt_field(person, "id_number_encrypted"), "i1")


def test_rotate_index_key_finishes_by_itself(small, values):
    before = plaintexts()
    key_id, results = actions.rotate_index_key(None, batch=5, settle=0)
    assert key_id == "i1" and not any(r.remaining for r in results.values())
    ring = crypto.keyring()
    assert (ring.index_current, ring.index_previous) == ("i1", None)
    assert plaintexts() == before
    assert queries.find_by_id_number(small.district, ID_NUMBER) == values[0]
    assert all(n == 8 for u in key_usage(with_index=True) if u.index_by_key for n in u.index_by_key.values())
    assert {k for u in key_usage(with_index=True) if u.index_by_key for k in u.index_by_key} == {"i1"}


def test_the_keys_command(values):
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "people.Person.phone_encrypted: k1 7, legacy 1; 1 个值未绑定到所在行" in out.getvalue()
    out = io.StringIO()
    call_command("keys", "rotate", "--batch", "2", stdout=out)
    assert "k2" in out.getvalue()
    assert keys_in_use() == {"k2"}
    out = io.StringIO()
    call_command("keys", "reencrypt", stdout=out)
    assert "已重写 0 个" in out.getvalue()  # commands speak the site language
    out = io.StringIO()
    call_command("keys", "rotate", "--index", stdout=out)
    assert crypto.keyring().index_current == "i1" and crypto.keyring().index_previous is None
    out = io.StringIO()
    call_command("keys", "status", "--index", stdout=out)
    assert "盲索引：i1 8" in out.getvalue()


def test_with_keys_in_the_environment_rotate_says_what_to_set(small, settings):
    settings.KEY_SOURCE = "env"
    settings.DATA_KEYS = {"a": KEY_A}
    settings.DATA_KEY_CURRENT = "a"
    person = resident(small, 0, phone=PHONE)
    out, err = io.StringIO(), io.StringIO()
    call_command("keys", "rotate", stdout=out, stderr=err)
    text = out.getvalue()
    assert "WANGGE_DATA_KEYS=…,k1:" in text and "WANGGE_DATA_KEY_CURRENT=k1" in text
    assert "wangge keys reencrypt" in text
    assert crypto.key_id_of(Person.objects.get(pk=person.pk).phone_encrypted) == "a"  # nothing changed yet
    with pytest.raises(DomainError) as error:
        actions.rotate_data_key(None)
    assert error.value.code == "keys_in_environment"
    # The operator sets the new key everywhere, then re-encrypts.
    settings.DATA_KEYS = {"a": KEY_A, "b": KEY_B}
    settings.DATA_KEY_CURRENT = "b"
    call_command("keys", "reencrypt", stdout=io.StringIO())
    assert crypto.key_id_of(Person.objects.get(pk=person.pk).phone_encrypted) == "b"
    assert queries.find_by_phone(small.district, PHONE) == [person]


def test_keys_init_creates_a_fresh_file_once(tmp_path):
    path = tmp_path / "prod" / "keys.json"
    call_command("keys", "init", "--file", str(path), stdout=io.StringIO())
    content = json.loads(path.read_text())
    assert (content["data"]["current"], content["index"]["current"]) == ("k1", "i1")
    assert content["refuse_unbound"] is True  # nothing was ever written unbound with these keys
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(CommandError):
        call_command("keys", "init", "--file", str(path), stdout=io.StringIO())
    assert json.loads(path.read_text()) == content
