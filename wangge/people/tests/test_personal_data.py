"""Persons: ID number validation, encryption at rest, blind-index lookup, audited reveal."""

import pytest
from django.db import connection

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import check_digit, normalise_id_number
from wangge.people import actions, queries
from wangge.people.actions import PersonInput
from wangge.people.models import HouseholdMember, Person
from wangge.people.queries import visible_persons

ID_NUMBER = "11010519491231002X"  # the standard's own example
PHONE = "13812345678"


def test_check_digit_of_the_standard_example():
    assert check_digit(ID_NUMBER[:17]) == "X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_number_check_digit"),
        ("11010519491231002", "id_number_format"),
        ("1101051949123100ZX", "id_number_format"),
        ("110105194902300023", "id_number_birth_date"),
    ],
)
def test_invalid_id_numbers_get_a_clear_error(raw, code):
    with pytest.raises(DomainError) as error:
        normalise_id_number(raw)
    assert error.value.code == code


def test_lower_case_x_and_spaces_are_accepted():
    assert normalise_id_number(" 11010519491231002x ") == ID_NUMBER


def test_personal_data_is_encrypted_masked_and_found_by_blind_index(small):
    household = small.households[0]
    person = actions.create_person(
        None,
        district=small.district,
        data=PersonInput(name="王小明", id_number=ID_NUMBER, phone="138-1234-5678", household=household),
    )
    person.refresh_from_db()
    assert person.id_number_masked == "110***********002X"
    assert person.phone_masked == "138****5678"
    assert str(person.birth_date) == "1949-12-31"
    assert person.grid_id == household.grid_id
    assert HouseholdMember.objects.filter(person=person, household=household).exists()
    # Neither value is anywhere in the table in clear.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        raw = repr(cursor.fetchall())
    assert ID_NUMBER not in raw and PHONE not in raw and "1949123" not in raw
    assert queries.find_by_id_number(small.district, ID_NUMBER.lower()) == person
    assert queries.find_by_phone(small.district, PHONE) == [person]


def test_reveal_needs_a_reason_and_writes_an_audit_row(small, community_staff):
    person = actions.create_person(
        None,
        district=small.district,
        data=PersonInput(name="李四", id_number=ID_NUMBER, household=small.households[0]),
    )
    with pytest.raises(DomainError) as error:
        actions.reveal_personal_data(community_staff, person=person, reason=" ")
    assert error.value.code == "reveal_reason_required"
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_REVEALED).exists()
    data = actions.reveal_personal_data(community_staff, person=person, reason="核实低保申请", ip_address="10.0.0.8")
    assert (data["id_number"], data["phone"], data["sensitive"]) == (ID_NUMBER, "", {})
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_REVEALED)
    assert (event.actor, event.object_id, event.ip_address) == (community_staff, str(person.pk), "10.0.0.8")
    assert event.detail["reason"] == "核实低保申请"


def test_duplicate_id_number_writes_nothing(small):
    actions.create_person(None, district=small.district, data=PersonInput(name="甲", id_number=ID_NUMBER))
    with pytest.raises(DomainError) as error:
        actions.create_persons(
            None,
            district=small.district,
            people=[PersonInput(name="乙", household=small.households[1]), PersonInput(name="丙", id_number=ID_NUMBER)],
        )
    assert error.value.code == "id_number_exists"
    assert list(Person.objects.values_list("name", flat=True)) == ["甲"]
    assert not HouseholdMember.objects.exists()


def test_persons_are_scoped_by_grid(small, worker_a, worker_b):
    in_a = actions.create_person(
        None, district=small.district, data=PersonInput(name="甲", household=small.households[0])
    )
    in_b = actions.create_person(
        None, district=small.district, data=PersonInput(name="乙", household=small.households[12])
    )
    assert list(visible_persons(worker_a)) == [in_a]
    assert list(visible_persons(worker_b)) == [in_b]
