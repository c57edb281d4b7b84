"""The bulk write path (`create_persons` / `add_persons` through `_insert_rows`): a person added
in bulk is the person the model would save, ids follow the inputs, and all or nothing."""

from pathlib import Path

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from wangge.areas.models import AreaNode
from wangge.lib import crypto
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import birth_date_of, check_digit, normalise_id_number, normalise_phone
from wangge.lib.rowids import reserve_ids
from wangge.people import actions, bulk
from wangge.people.actions import PersonInput
from wangge.people.actions.registry import set_id_number, set_phone
from wangge.people.models import HouseholdMember, Person

ID_NUMBER = "11010519491231002X"
ENCRYPTED = ("id_number_encrypted", "phone_encrypted", "sensitive_encrypted")


def id_number(i: int) -> str:
    first17 = f"37018219800101{i:03d}"
    return first17 + check_digit(first17)


def full_input(small, **changes) -> PersonInput:
    values = {
        "name": " 王小明 ",
        "gender": "male",
        "id_number": ID_NUMBER.lower(),
        "phone": "138-1234-5678",
        "household": small.households[0],
        "relation": "child",
        "ethnicity": "汉族",
        "registered_address": "泉华路3号1号楼1单元101室 ",
        "current_address": "泉华路3号1号楼1单元101室",
        "residence_status": "consistent",
        "political_status": "masses",
        "education": "bachelor",
        "employer": "个体经营",
        "sensitive": {"chronic_illness": "高血压", "disability": {"kind": "肢体", "level": 2}, "elderly_alone": False},
    }
    return PersonInput(**(values | changes))


def saved_through_the_model(small, data: PersonInput) -> Person:
    """The same person as `Person(...).save()` makes it, values sealed by the people app's helpers
    (bound to the id reserved for it)."""
    household = data.household
    person = Person(
        pk=reserve_ids(Person, 1)[0],
        district=small.district,
        community_id=household.community_id,
        grid_id=household.grid_id,
        name=data.name.strip(),
        gender=data.gender,
        birth_date=data.birth_date,
        **{name: getattr(data, name).strip() for name in actions.PLAIN_FIELDS},
    )
    number = normalise_id_number(data.id_number)
    set_id_number(person, number)
    set_phone(person, normalise_phone(data.phone))
    person.birth_date = person.birth_date or birth_date_of(number)
    person.sensitive_encrypted = actions.encrypt_sensitive(data.sensitive, person.pk)
    person.save(force_insert=True)
    HouseholdMember.objects.create(person=person, household=household, relation=data.relation)
    return person


def test_a_person_added_in_bulk_equals_one_saved_through_the_model(small):
    before = timezone.now()
    (bulk,) = actions.create_persons(None, district=small.district, people=[full_input(small)])
    bulk_row = Person.objects.get(pk=bulk.pk)
    bulk_row_values = {f.attname: getattr(bulk_row, f.attname) for f in Person._meta.concrete_fields}
    (membership,) = HouseholdMember.objects.filter(person_id=bulk.pk).values("household_id", "relation")
    assert membership == {"household_id": small.households[0].pk, "relation": "child"}
    Person.objects.filter(pk=bulk.pk).delete()  # the ID number is unique
    model = Person.objects.get(pk=saved_through_the_model(small, full_input(small)).pk)
    for f in Person._meta.concrete_fields:
        name = f.attname
        mine, theirs = bulk_row_values[name], getattr(model, name)
        if name in ENCRYPTED:
            assert crypto.decrypt(mine, crypto.bound_to(Person, name, bulk.pk)) == crypto.decrypt_field(model, name)
        elif name in ("id", "created_at", "updated_at"):
            continue
        else:
            assert mine == theirs, name
    for name in ("created_at", "updated_at"):
        assert timezone.is_aware(bulk_row_values[name])
        assert before <= bulk_row_values[name] <= model.created_at
    # The instance returned is the row as a query loads it.
    for f in Person._meta.concrete_fields:
        assert getattr(bulk, f.attname) == bulk_row_values[f.attname], f.attname
    assert not bulk._state.adding
    # No plaintext in the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        raw = repr(cursor.fetchall())
    assert ID_NUMBER not in raw and "13812345678" not in raw and "高血压" not in raw


def test_ids_follow_the_inputs_across_statements(small, monkeypatch):
    monkeypatch.setattr(bulk, "INSERT_BATCH", 4)
    people = [
        PersonInput(name=f"居民{i}", id_number=id_number(i), household=small.households[i % 3]) for i in range(11)
    ]
    ids = actions.add_persons(None, district=small.district, people=people)
    assert ids == sorted(ids) and len(set(ids)) == 11
    assert dict(Person.objects.filter(pk__in=ids).values_list("pk", "name")) == {
        pk: f"居民{i}" for i, pk in enumerate(ids)
    }
    assert dict(HouseholdMember.objects.filter(person_id__in=ids).values_list("person_id", "household_id")) == {
        pk: small.households[i % 3].pk for i, pk in enumerate(ids)
    }


@pytest.mark.parametrize(
    ("bad", "code"),
    [({"id_number": id_number(1)}, "id_number_exists"), ({"phone": "12"}, "phone_format")],
)
def test_a_bad_person_in_a_later_statement_writes_nothing(small, monkeypatch, bad, code):
    monkeypatch.setattr(bulk, "INSERT_BATCH", 3)
    people = [PersonInput(name=f"居民{i}", id_number=id_number(i), household=small.households[0]) for i in range(9)]
    people.append(PersonInput(name="重复", household=small.households[1], **bad))
    persons_before, members_before = Person.objects.count(), HouseholdMember.objects.count()
    with pytest.raises(DomainError) as error:
        actions.create_persons(None, district=small.district, people=people)
    assert error.value.code == code
    assert (Person.objects.count(), HouseholdMember.objects.count()) == (persons_before, members_before)


def test_a_database_error_names_no_value_of_the_row(small):
    """PostgreSQL quotes a COPY row's offending value in the error's context; the error that
    leaves the people app does not (SQLite does not limit the length at all)."""
    secret = "泉华路3号" + "秘" * 400
    try:
        actions.create_persons(None, district=small.district, people=[PersonInput(name="王五", current_address=secret)])
    except DatabaseError as error:
        assert "秘" not in str(error) and "王五" not in str(error)
    else:
        assert connection.vendor == "sqlite"


def test_the_key_ring_is_not_checked_against_the_file_on_every_use(key_file, monkeypatch):
    ring = crypto.keyring()
    stats = []
    real_stat = Path.stat

    def counting_stat(self, *args, **kwargs):
        stats.append(self)
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", counting_stat)
    for _i in range(100):
        assert crypto.keyring() is ring
        crypto.blind_index("13812345678")
    assert stats == []
    # After a second it is checked once more (and kept while the file is unchanged).
    now = crypto.time.monotonic()
    monkeypatch.setattr(crypto.time, "monotonic", lambda: now + crypto.RECHECK_SECONDS + 1)
    assert crypto.keyring() is ring
    assert len(stats) == 1


def test_values_sealed_ahead_are_used_while_their_keys_are_current(small):
    """`seal` (e.g. in the ledger import's helper process) and `PersonInput.sealed`: the values
    are written as sealed; sealed under keys no longer current, they are sealed again."""
    number = "37010219800517" + "101"
    number += check_digit(number)
    ring = crypto.keyring()
    pk, other_pk = reserve_ids(Person, 2)
    sealed = actions.seal(pk, number, "13812345678", {"elderly_alone": True}, ring)
    other = ("gone", "gone", other_pk, b"x", "not-an-index", "x", None, "", "", None)
    first, second = actions.add_persons(
        None,
        district=small.district,
        people=[
            PersonInput(name="甲", id_number=number, phone="13812345678", sealed=sealed),
            PersonInput(name="乙", phone="13900001111", sealed=other),
        ],
    )
    assert first == pk  # the id the values were sealed for
    a, b = Person.objects.get(pk=first), Person.objects.get(pk=second)
    assert (bytes(a.id_number_encrypted), a.id_number_index, a.phone_index) == (sealed[3], sealed[4], sealed[7])
    assert crypto.decrypt_field(a, "id_number_encrypted") == number
    assert actions.decrypt_sensitive(a) == {"elderly_alone": True}
    assert b.phone_index == crypto.blind_index("13900001111") and b.id_number_index == ""
    assert crypto.decrypt_field(b, "phone_encrypted") == "13900001111"
    assert second == other_pk  # sealed under keys no longer current: sealed again, for the same id


def _row_values(pk: int) -> dict[str, object]:
    row = Person.objects.get(pk=pk)
    values = {f.attname: getattr(row, f.attname) for f in Person._meta.concrete_fields}
    for name in ENCRYPTED:
        values[name] = crypto.decrypt_field(row, name) or None
    for name in ("id", "created_at", "updated_at"):
        values.pop(name)
    return values


def test_a_row_rendered_ahead_is_the_row_added_in_bulk(small):
    """`prepare` (the ledger import's helper renders PostgreSQL's COPY text of a new person, with
    a household that only says its level, community and grid) writes the same row; escapes too."""
    household = small.households[0]
    stub = AreaNode(
        pk=household.pk, level=household.level, community_id=household.community_id, grid_id=household.grid_id
    )
    tricky = {"employer": "甲\\乙\t丙\n丁\r戊 \\N", "registered_address": "\\x41"}
    ring = crypto.keyring()
    pk = reserve_ids(Person, 1)[0]
    prepared = actions.prepare(small.district.pk, pk, full_input(small, household=stub, **tricky), ring)
    assert prepared[:3] == (ring.data_current, ring.index_current, pk)
    (ahead,) = actions.add_persons(
        None, district=small.district, people=[full_input(small, prepared=prepared, **tricky)]
    )
    assert ahead == pk
    rendered_ahead = _row_values(ahead)
    Person.objects.filter(pk=ahead).delete()  # the ID number is unique
    (made_here,) = actions.add_persons(None, district=small.district, people=[full_input(small, **tricky)])
    assert rendered_ahead == _row_values(made_here)
    assert rendered_ahead["employer"] == tricky["employer"] and rendered_ahead["registered_address"] == "\\x41"
    assert HouseholdMember.objects.get(person_id=made_here).household_id == household.pk


def test_a_row_rendered_under_keys_no_longer_current_is_made_again(small):
    reserved = reserve_ids(Person, 1)[0]
    stale = ("gone", "gone", reserved, b"not a row")
    (pk,) = actions.add_persons(None, district=small.district, people=[full_input(small, prepared=stale)])
    person = Person.objects.get(pk=pk)
    assert person.name == "王小明" and person.id_number_index == crypto.blind_index(ID_NUMBER)
    assert pk == reserved and crypto.decrypt_field(person, "id_number_encrypted") == ID_NUMBER
