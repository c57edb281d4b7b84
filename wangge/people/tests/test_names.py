"""A person's name is stored without bidirectional controls (a right-to-left override would turn
the name, and the rest of the line, around wherever it is shown) or control characters, whether
it comes from a ledger, a program or a correction."""

import pytest

from wangge.lib.errors import DomainError
from wangge.people import actions
from wangge.people.models import Person
from wangge.people.tests.factories import resident

RLO, PDF, RLM = "\u202e", "\u202c", "\u200f"


def test_a_new_persons_name_is_stored_without_bidi_controls(small):
    resident(small, 0, name=f"{RLO}三张{PDF}", current_address=f"1号楼{RLM}101室")
    person = Person.objects.get()
    assert (person.name, person.current_address) == ("三张", "1号楼101室")


def test_a_corrected_name_is_stored_without_bidi_or_control_characters(small, community_staff):
    person = resident(small, 0, name="张三")
    corrected = actions.correct_person(community_staff, person, {"name": f"张{RLO}叁\x00"}, "姓名录入错误")
    assert corrected.name == "张叁"
    person.refresh_from_db()
    assert person.name == "张叁"


def test_a_name_of_only_bidi_controls_is_no_name(small):
    with pytest.raises(DomainError) as refused:
        resident(small, 0, name=f"{RLO}{PDF}")
    assert refused.value.code == "person_name_required"
