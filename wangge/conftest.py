"""Shared fixtures: a small district, personas from two different grids (and the district's
supervisor, a resident), the case catalogue and two departments with staff."""

import threading

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from django.utils import translation

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role, User
from wangge.areas.tests.factories import SmallDistrict, build_small_district
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import Category, HandlingUnit, RoutingRule
from wangge.lib import memo
from wangge.open311.actions import create_api_key

# Helper modules of the tests: their asserts explain a failure as the test modules' own do.
pytest.register_assert_rewrite("wangge.cases.tests.factories", "wangge.web.tests.browser")


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server for in-memory SQLite: each connection still has its thread, but requests
    run one at a time.

    Those threads share the test's one SQLite connection, and two requests querying it at once
    (a page and the map's grids it loads) fail with "bad parameter or other API misuse".
    """

    def set_app(self, application):
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    LiveServerThread.server_class = OneRequestAtATimeServer


PASSWORD = "correct-horse-9"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Production-strength hashing costs seconds per persona on a slow machine; tests need none of it."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def forget_remembered_rows() -> None:
    """Each test starts with an empty per-process memory (lib.memo): a test's rows are rolled
    back, and on SQLite the next test's rows take the same ids."""
    memo.forget_all()


@pytest.fixture
def english():
    """The test runs in English (the default language is Simplified Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    """MEDIA_ROOT in the test's own directory: uploads, photos and reports never land in var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def small(db) -> SmallDistrict:
    return build_small_district()


def make_persona(username: str, role: str, area) -> User:
    user = account_actions.create_user(None, username=username, password=PASSWORD, display_name=username)
    account_actions.assign_role(None, user=user, role=role, area=area)
    return user


@pytest.fixture
def worker_a(small) -> User:
    """Grid worker of the first grid (community 1)."""
    return make_persona("worker_a", Role.GRID_WORKER, small.grids[0])


@pytest.fixture
def worker_b(small) -> User:
    """Grid worker of the third grid (community 2)."""
    return make_persona("worker_b", Role.GRID_WORKER, small.grids[2])


@pytest.fixture
def community_staff(small) -> User:
    return make_persona("staff_1", Role.COMMUNITY_STAFF, small.communities[0])


@pytest.fixture
def district_admin(small) -> User:
    return make_persona("admin_d", Role.DISTRICT_ADMIN, small.district)


@pytest.fixture
def supervisor(small) -> User:
    """The district's supervisor: sees every case of the district, urges and supervises, handles none."""
    return make_persona("supervisor", Role.SUPERVISOR, small.district)


@pytest.fixture
def resident(small) -> User:
    """A resident of the first household of grid 0: files cases and sees only their own."""
    return make_persona("resident", Role.RESIDENT, small.households[0])


@pytest.fixture
def key(small) -> str:
    """An Open311 API key of the small district (the secret)."""
    return create_api_key(None, name="app", district=small.district)[1]


@pytest.fixture
def no_role_user(db) -> User:
    return account_actions.create_user(None, username="nobody", password=PASSWORD)


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
