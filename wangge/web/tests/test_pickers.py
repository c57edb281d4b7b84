"""Every select that picks a category or a unit can be narrowed by typing: its options carry
their names' pinyin and initials (`wangge.lib.matching`), which the page's filter matches."""

import re

import pytest

from wangge.api.testing import session_client
from wangge.cases import actions
from wangge.cases.models import Category, Channel
from wangge.cases.tests.factories import IN_GRID_0


@pytest.fixture(autouse=True)
def tiles(settings):
    settings.MAP_TILE_CRS = "wgs84"


def test_the_filing_forms_categories_carry_their_pinyin(small, catalogue, worker_a):
    page = session_client(worker_a).get("/cases/new/").content.decode()
    streetlight = Category.objects.get(code="SZ01")
    option = re.search(rf'<option value="{streetlight.pk}" data-search="([^"]+)"', page)
    assert option and "路灯不亮" in option[1] and "ludengbuliang" in option[1] and " ldbl" in option[1]
    assert 'data-filter-select="category"' in page and "wangge/pick.js" in page


def test_the_dispatch_step_can_narrow_the_units(small, catalogue, worker_a, district_admin):
    category = Category.objects.get(code="SZ01")
    case = actions.file_case(
        worker_a,
        district=small.district,
        category=category,
        channel=Channel.PATROL,
        description="路灯不亮",
        lng=IN_GRID_0[0],
        lat=IN_GRID_0[1],
        answers={"since": "today"},
    )
    actions.accept(district_admin, case)
    page = session_client(district_admin).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-filter-select="dispatch-unit"' in page
    assert re.search(r'data-search="民政局 [^"]*minzhengju[^"]*mzj', page)
