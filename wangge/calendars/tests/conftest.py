"""Notice texts and personas of the calendar's tests."""

import pytest

from wangge.accounts.models import Role, User
from wangge.areas.tests.factories import SmallDistrict, build_small_district
from wangge.calendars.tests.factories import EXAMPLE_2027
from wangge.conftest import make_persona


@pytest.fixture
def notice_2027() -> str:
    return EXAMPLE_2027.read_text(encoding="utf-8")


@pytest.fixture
def other_district(db) -> SmallDistrict:
    return build_small_district(code="U")


@pytest.fixture
def other_admin(other_district) -> User:
    """District administrator of the second district."""
    return make_persona("admin_u", Role.DISTRICT_ADMIN, other_district.district)


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root", password=None)
