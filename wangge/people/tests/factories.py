"""Persons for the people tests, created through the real actions."""

from typing import Any

from wangge.areas.tests.factories import SmallDistrict
from wangge.lib.idnumber import check_digit
from wangge.people import actions
from wangge.people.actions import PersonInput
from wangge.people.models import Person

# Known values searched for in the database, logs and files by the PIPL tests.
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
ILLNESS = "罕见病甲乙丙丁戊"


def id_number(serial: int) -> str:
    first17 = f"320102198{serial % 10}0{(serial % 9) + 1}1{serial % 10}{serial % 1000:03d}"[:17]
    return first17 + check_digit(first17)


def resident(small: SmallDistrict, household: int = 0, **fields: Any) -> Person:
    """A person living in `small.households[household]` (0–5: grid 0, 12–17: grid 2)."""
    data = PersonInput(name=fields.pop("name", "王小明"), household=small.households[household], **fields)
    return actions.create_person(None, district=small.district, data=data)


def file_case(small: SmallDistrict, catalogue: dict, user: Any, *, contact: str = "", building: int = 0):
    """A case filed at one of the small district's buildings (0–1: grid 0, 4–5: grid 2)."""
    from wangge.cases import actions as case_actions
    from wangge.cases.models import Channel

    return case_actions.file_case(
        user,
        district=small.district,
        category=catalogue["SZ01"],
        channel=Channel.PATROL,
        description="路灯不亮",
        building=small.buildings[building],
        reporter_name="王先生",
        reporter_contact=contact,
        answers={"since": "today"},
    )
