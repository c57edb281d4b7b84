"""Every encrypted value is bound to its table, column and row: copied into another row, another
column or another table it does not decrypt, with an error that names the place and never the
value. Values stored before (unbound) are still read until `wangge keys reencrypt` has bound
them all; from then on the ring refuses unbound values."""

import datetime as dt
import io
import json
import os
import uuid as uuidlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from wangge.assistance import actions as assistance_actions
from wangge.assistance.models import HelperKind, NeedKind, NeedState, Priority
from wangge.assistance.tests.factories import member_with_account
from wangge.cases.models import Case
from wangge.fieldwork import actions as fieldwork_actions
from wangge.fieldwork.models import RecordVersion
from wangge.ledgers.actions import decide_review, import_people
from wangge.ledgers.models import Merge, ReviewItem
from wangge.ledgers.tests.factories import grid_row, write_csv
from wangge.lib import crypto
from wangge.lib.crypto import bound_to, decrypt_field
from wangge.open311 import actions as open311_actions
from wangge.open311.models import Open311Request
from wangge.people import actions
from wangge.people.models import Person, PersonCorrection
from wangge.people.queries import encrypted_columns, iter_encrypted, key_usage
from wangge.people.tests.factories import ID_NUMBER, ILLNESS, PHONE, file_case, id_number, resident
from wangge.resources import social
from wangge.resources.models import FilingStatus, SocialOrgKind

KEY_A = b"a" * 32


def plaintexts() -> dict[tuple[str, int], str]:
    """Every stored value of every encrypted column, read where it is stored."""
    return {
        (c.label, pk): crypto.decrypt(token, bound_to(c.model, c.field, pk))
        for c in encrypted_columns()
        for pk, token, _ in iter_encrypted(c)
    }


def unbound_token(plaintext: str, version: int) -> bytes:
    """A value as stored before values were bound: version 1 (the legacy key) or version 2 (the
    current key, the header as associated data)."""
    nonce = os.urandom(12)
    if version == 1:
        from django.conf import settings

        return b"\x01" + nonce + AESGCM(settings.DATA_KEY).encrypt(nonce, plaintext.encode(), None)
    ring = crypto.keyring()
    key_id = ring.data_current.encode()
    header = b"\x02" + bytes([len(key_id)]) + key_id
    return header + nonce + AESGCM(ring.data_keys[ring.data_current]).encrypt(nonce, plaintext.encode(), header)


@pytest.fixture
def two(small, key_file) -> tuple[Person, Person]:
    wang = resident(small, 0, id_number=ID_NUMBER, phone=PHONE, sensitive={"chronic_illness": ILLNESS})
    li = resident(small, 1, name="李四", id_number=id_number(1), phone="13900000001")
    return wang, li


def reload(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def test_a_value_copied_into_another_row_does_not_decrypt(two, community_staff):
    wang, li = two
    Person.objects.filter(pk=li.pk).update(phone_encrypted=wang.phone_encrypted)
    li = reload(li)
    with pytest.raises(crypto.MisplacedValueError) as error:
        decrypt_field(li, "phone_encrypted")
    message = str(error.value)
    assert f"people_person.phone_encrypted:{li.pk}" in message
    assert PHONE not in message and PHONE[-4:] not in message
    # The audited reveal reads it where it is stored: refused there too, and nothing recorded.
    with pytest.raises(crypto.MisplacedValueError):
        actions.reveal_personal_data(community_staff, person=li, reason="核实联系方式", fields=["phone"])
    assert decrypt_field(reload(wang), "phone_encrypted") == PHONE  # the original still reads


def test_a_value_copied_into_another_column_of_the_same_row_does_not_decrypt(two):
    wang, _li = two
    Person.objects.filter(pk=wang.pk).update(phone_encrypted=F("id_number_encrypted"))
    with pytest.raises(crypto.MisplacedValueError) as error:
        decrypt_field(reload(wang), "phone_encrypted")
    assert ID_NUMBER not in str(error.value)
    assert decrypt_field(reload(wang), "id_number_encrypted") == ID_NUMBER


def test_a_value_copied_into_another_table_does_not_decrypt(small, two, catalogue, worker_a):
    """A resident's phone put in as a case's reporter contact does not decrypt there, not even
    as it would be stored on a person with the case's own id."""
    wang, _li = two
    case = file_case(small, catalogue, worker_a, contact="13700001111")
    as_if_same_row = crypto.encrypt(PHONE, bound_to(Person, "phone_encrypted", case.pk))
    for token in (wang.phone_encrypted, as_if_same_row):
        Case.objects.filter(pk=case.pk).update(reporter_contact_encrypted=token)
        with pytest.raises(crypto.MisplacedValueError) as error:
            decrypt_field(Case.objects.get(pk=case.pk), "reporter_contact_encrypted")
        assert f"cases_case.reporter_contact_encrypted:{case.pk}" in str(error.value)
        assert PHONE not in str(error.value)


def test_a_binding_names_the_table_the_column_and_the_row(two):
    wang, _li = two
    assert bound_to(wang, "id_number_encrypted") == f"people_person.id_number_encrypted:{wang.pk}".encode()
    assert bound_to(Person, "sensitive_encrypted", 7) == b"people_person.sensitive_encrypted:7"
    with pytest.raises(ValueError, match="needs its primary key"):
        bound_to(Person(name="新人"), "phone_encrypted")
    with pytest.raises(ValueError, match="not an encrypted column"):
        bound_to(wang, "phone_index")


@pytest.fixture
def stored(small, two, catalogue, worker_a, community_staff, tmp_path) -> dict[str, object]:
    """A value in every encrypted column of every app, each written through its action."""
    wang, li = two
    corrected = actions.correct_person(community_staff, li, {"phone": "13600002222"}, "居民来电更正")
    case = file_case(small, catalogue, worker_a, contact="13700001111")
    api_key, _secret = open311_actions.create_api_key(None, name="app", district=small.district)
    request = open311_actions.file_request(
        api_key,
        category=catalogue["HJ01"],
        description="垃圾堆放",
        building=small.buildings[0],
        email="zhang@example.cn",
        account_id="acct-7",
    )
    # 王小明 again in a ledger, with another phone: a conflict, merged.
    row = grid_row(room="301", name="王小明", id_number=ID_NUMBER, phone="13900000000")
    import_people(None, district=small.district, path=write_csv(tmp_path / "l.csv", [row]), layout="grid", commit=True)
    item = ReviewItem.objects.get(candidate=wang)
    decide_review(community_staff, item, {"phone": "incoming"})
    # A household visit with its needs and note, and an older edit from a phone kept as a version.
    visit, _created = fieldwork_actions.record_visit(
        worker_a,
        uuid=uuidlib.uuid4(),
        household=small.households[0],
        visited_at=timezone.now(),
        needs="助餐",
        note="邻里纠纷",
    )
    fieldwork_actions.edit_record(worker_a, visit, {"needs": "旧的改动"}, visit.updated_at - dt.timedelta(hours=1))
    # A household in difficulty: its dossier, a need that cannot be met, a pair's help and its end.
    dossier = assistance_actions.open_dossier(
        worker_a,
        household=small.households[1],
        situation="独居老人",
        causes=["illness"],
        needs=[assistance_actions.NeedData(NeedKind.MEDICAL, Priority.MOST_URGENT, "每周透析")],
    )
    assistance_actions.change_need(
        worker_a,
        dossier.needs.get(),
        state=NeedState.CANNOT_BE_MET,
        reason="超出救助政策",  # type: ignore[attr-defined]
    )
    profile, _member_user = member_with_account(small, "李党员")
    pair = assistance_actions.pair_helper(worker_a, dossier, kind=HelperKind.MEMBER, helper_id=profile.pk)
    assistance_actions.record_help(
        worker_a, uuid=uuidlib.uuid4(), dossier=dossier, given_on=timezone.localdate(), what="送米面油", pair=pair
    )
    assistance_actions.end_pair(worker_a, pair, "党员搬离")
    # A social organisation's contact phone.
    organisation = social.register_org(
        community_staff,
        community=small.communities[0],
        name="为老服务中心",
        kind=SocialOrgKind.ELDERLY,
        filing_status=FilingStatus.FILED,
    )
    social.add_contact(community_staff, organisation, name="张主任", phone="13800001234")
    return {
        "wang": wang,
        "correction": PersonCorrection.objects.get(person=corrected),
        "case": case,
        "request": Open311Request.objects.get(pk=request.pk),
        "item": item,
        "merge": Merge.objects.get(item=item),
        "visit": visit,
        "version": RecordVersion.objects.get(),
    }


def test_every_encrypted_column_is_written_bound_to_its_row(stored):
    usage = key_usage()
    assert {u.column for u in usage} == {c.label for c in encrypted_columns()}
    for u in usage:
        assert sum(u.by_key.values()) > 0, f"{u.column}: no value written here; add one to the `stored` fixture"
        assert u.unbound == 0, u.column
    values = plaintexts()  # each reads where it is stored
    assert values[("people.Person.phone_encrypted", stored["wang"].pk)] == "13900000000"  # merged
    assert values[("people.Person.id_number_encrypted", stored["wang"].pk)] == ID_NUMBER
    assert json.loads(values[("people.Person.sensitive_encrypted", stored["wang"].pk)]) == {"chronic_illness": ILLNESS}
    assert json.loads(values[("people.PersonCorrection.old_values_encrypted", stored["correction"].pk)]) == {
        "phone": "13900000001"
    }
    assert values[("cases.Case.reporter_contact_encrypted", stored["case"].pk)] == "13700001111"
    assert values[("open311.Open311Request.email_encrypted", stored["request"].pk)] == "zhang@example.cn"
    assert values[("open311.Open311Request.account_id_encrypted", stored["request"].pk)] == "acct-7"
    assert "13900000000" in values[("ledgers.ReviewItem.incoming_encrypted", stored["item"].pk)]
    assert "13900000000" in values[("ledgers.Merge.after_encrypted", stored["merge"].pk)]
    assert PHONE in values[("ledgers.Merge.before_encrypted", stored["merge"].pk)]
    assert values[("fieldwork.Visit.needs_encrypted", stored["visit"].pk)] == "助餐"
    assert values[("fieldwork.Visit.note_encrypted", stored["visit"].pk)] == "邻里纠纷"
    assert "旧的改动" in values[("fieldwork.RecordVersion.data_encrypted", stored["version"].pk)]


def test_legacy_unbound_values_still_read_until_reencrypt_binds_them_all(small, two, catalogue, worker_a, key_file):
    wang, li = two
    case = file_case(small, catalogue, worker_a, contact="13700001111")
    Person.objects.filter(pk=wang.pk).update(phone_encrypted=unbound_token(PHONE, 1))
    Person.objects.filter(pk=li.pk).update(id_number_encrypted=unbound_token(id_number(1), 2))
    Case.objects.filter(pk=case.pk).update(reporter_contact_encrypted=unbound_token("13700001111", 2))
    assert not crypto.keyring().refuse_unbound
    assert decrypt_field(reload(wang), "phone_encrypted") == PHONE
    assert decrypt_field(reload(li), "id_number_encrypted") == id_number(1)
    before = plaintexts()
    unbound = {u.column: u.unbound for u in key_usage() if u.unbound}
    assert unbound == {
        "people.Person.phone_encrypted": 1,
        "people.Person.id_number_encrypted": 1,
        "cases.Case.reporter_contact_encrypted": 1,
    }
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "people.Person.phone_encrypted: k1 1, legacy 1; 1 个值未绑定到所在行" in out.getvalue()

    out = io.StringIO()
    call_command("keys", "reencrypt", "--batch", "1", stdout=out)
    assert plaintexts() == before
    assert not any(u.unbound for u in key_usage())
    # None left: the key file records that unbound values are refused from now on.
    assert json.loads(key_file.read_text())["refuse_unbound"] is True
    assert crypto.keyring().refuse_unbound
    assert "不再读取未绑定的值" in out.getvalue()
    again = actions.reencrypt_values(None)
    assert not any(r.rewritten for r in again.values())


def test_once_every_value_is_bound_an_unbound_one_is_refused(two, key_file):
    """An old value (from a backup taken before the values were bound, say) copied in later."""
    wang, li = two
    actions.reencrypt_values(None)
    assert crypto.keyring().refuse_unbound
    Person.objects.filter(pk=li.pk).update(phone_encrypted=unbound_token(PHONE, 2))
    with pytest.raises(crypto.UnboundValueError) as error:
        decrypt_field(reload(li), "phone_encrypted")
    assert f"people_person.phone_encrypted:{li.pk}" in str(error.value) and PHONE not in str(error.value)
    # Re-encryption does not launder it: left as it is, counted, and the command fails. A bound
    # value copied elsewhere is found too when a rotation decrypts it.
    Person.objects.filter(pk=wang.pk).update(id_number_encrypted=F("phone_encrypted"))
    results = actions.reencrypt_values(None)
    assert results["people.Person.phone_encrypted"].unreadable == 1
    assert bytes(reload(li).phone_encrypted)[:1] == b"\x02"
    crypto.add_data_key()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("keys", "reencrypt", stdout=out)
    assert out.getvalue().count("1 个值在所存之处无法解密") == 2  # the phone and the copied ID number
    with pytest.raises(crypto.MisplacedValueError):
        decrypt_field(reload(wang), "id_number_encrypted")


def test_a_new_key_file_refuses_unbound_values_from_the_start(tmp_path):
    path = tmp_path / "prod" / "keys.json"
    call_command("keys", "init", "--file", str(path), stdout=io.StringIO())
    assert json.loads(path.read_text())["refuse_unbound"] is True


def test_with_keys_in_the_environment_the_operator_is_told_to_refuse_unbound_values(small, settings):
    settings.KEY_SOURCE = "env"
    settings.DATA_KEYS = {"a": KEY_A}
    settings.DATA_KEY_CURRENT = "a"
    person = resident(small, 0, phone=PHONE)
    Person.objects.filter(pk=person.pk).update(phone_encrypted=unbound_token(PHONE, 2))
    out = io.StringIO()
    call_command("keys", "reencrypt", stdout=out)
    assert "WANGGE_REFUSE_UNBOUND=true" in out.getvalue()
    assert decrypt_field(reload(person), "phone_encrypted") == PHONE and not crypto.keyring().refuse_unbound
    settings.REFUSE_UNBOUND = True
    assert crypto.keyring().refuse_unbound
    Person.objects.filter(pk=person.pk).update(phone_encrypted=unbound_token(PHONE, 2))
    with pytest.raises(crypto.UnboundValueError):
        decrypt_field(reload(person), "phone_encrypted")


def test_rotating_the_data_key_keeps_every_value_bound_to_its_row(stored):
    before = plaintexts()
    key_id, results = actions.rotate_data_key(None, batch=2, settle=0)
    assert key_id == "k2" and not any(r.remaining for r in results.values())
    assert plaintexts() == before
    assert {k for u in key_usage() for k in u.by_key} == {"k2"} and not any(u.unbound for u in key_usage())
    wang = stored["wang"]
    Person.objects.filter(pk=wang.pk).update(phone_encrypted=F("id_number_encrypted"))
    with pytest.raises(crypto.MisplacedValueError):
        decrypt_field(reload(wang), "phone_encrypted")
