"""The onboarding tests' district 新区 (XQ), built through the area actions, and its administrator."""

import pytest

from wangge.accounts.actions import assign_role, create_user
from wangge.accounts.models import Role, User
from wangge.conftest import PASSWORD
from wangge.onboarding.tests.factories import Xinqu, build_xinqu


@pytest.fixture
def xinqu(db) -> Xinqu:
    return build_xinqu()


@pytest.fixture
def xinqu_admin(xinqu) -> User:
    """The district administrator of 新区, who imports its files."""
    user = create_user(None, username="xq_admin", password=PASSWORD, display_name="新区管理员")
    assign_role(None, user=user, role=Role.DISTRICT_ADMIN, area=xinqu.district)
    return user
