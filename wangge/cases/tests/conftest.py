"""Fixtures for the case chain: the default catalogue, two departments with staff, a rule."""

import pytest

from wangge.accounts.models import Role
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import Category, HandlingUnit, RoutingRule
from wangge.conftest import make_persona


@pytest.fixture
def catalogue(small):
    install_default_catalogue(small.district)
    return {c.code: c for c in Category.objects.filter(district=small.district)}


@pytest.fixture
def dept_a(small, catalogue):
    unit = HandlingUnit.objects.get(district=small.district, name="城市管理局")
    user = make_persona("dept_a", Role.DEPARTMENT, small.district)
    unit.users.add(user)
    RoutingRule.objects.create(district=small.district, priority=10, category=catalogue["SZ"], unit=unit)
    return user


@pytest.fixture
def dept_b(small, catalogue):
    unit = HandlingUnit.objects.get(district=small.district, name="民政局")
    user = make_persona("dept_b", Role.DEPARTMENT, small.district)
    unit.users.add(user)
    return user
