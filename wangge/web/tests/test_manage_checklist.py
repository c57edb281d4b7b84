"""The go-live checklist page (/manage/checklist/): each requirement with OK / not yet, the
missing items linked to the page that fixes them; the district administrator's own district only;
its queries stay flat as grids are added."""

import pytest
from django.urls import reverse

from wangge.accounts.models import Role
from wangge.areas import actions as area_actions
from wangge.areas.tests.factories import build_small_district, grid_square
from wangge.calendars.actions import publish_year
from wangge.cases.catalogue import install_default_catalogue, install_default_routing
from wangge.cases.models import HandlingUnit
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs import actions as org_actions
from wangge.web.tests.conftest import zh

URL = "/manage/checklist/"


def _complete(small) -> None:
    org_actions.lay_vertical_units(None, [(g, f"{g.name}党总支") for g in small.grids])
    for n, grid in enumerate(small.grids):
        make_persona(f"worker_g{n}", Role.GRID_WORKER, grid)
    install_default_catalogue(small.district)
    install_default_routing(small.district)
    for n, unit in enumerate(HandlingUnit.objects.filter(district=small.district)):
        unit.users.add(make_persona(f"dept_{n}", Role.DEPARTMENT, small.district))
    for year in (2026, 2027, 2028):
        publish_year(None, district=None, year=year)


def test_an_incomplete_district_lists_what_is_missing_with_links(client, district_admin, small):
    client.force_login(district_admin)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="verdict" data-ok="false"' in html
    assert 'data-requirement="grids_tile" data-ok="true"' in html
    assert 'data-requirement="grids_staffed" data-ok="false"' in html
    grid = f"{small.grids[0].name} ({small.grids[0].code})"
    assert zh("%(grid)s has no grid general branch.") % {"grid": grid} in html
    assert f'href="{reverse("manage_onboarding")}?district={small.district.pk}#step-org_units"' in html
    assert f'href="{reverse("manage_onboarding")}?district={small.district.pk}#step-staff"' in html
    assert zh("The district has no active category yet.") in html


def test_a_complete_district_can_go_live(client, district_admin, small):
    _complete(small)
    client.force_login(district_admin)
    html = client.get(URL).content.decode()
    assert 'data-testid="verdict" data-ok="true"' in html
    assert html.count('data-ok="true"') == 5  # the verdict and the four requirements


@pytest.mark.parametrize("persona", ["community_staff", "worker_a"])
def test_other_roles_find_no_such_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404


def test_another_districts_admin_sees_only_their_own(client, small, district_admin):
    other = build_small_district("U")
    admin_u = make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)
    client.force_login(admin_u)
    assert client.get(f"{URL}?district={small.district.pk}").status_code == 404
    assert client.get(URL).context["district"] == other.district


def test_the_page_costs_the_same_queries_with_more_grids(client, district_admin, small):
    _complete(small)
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for n in range(5):
        grid = area_actions.create_area(None, parent=small.communities[n % 2], name=f"加网格{n}", code=f"T-X{n}")
        area_actions.set_grid_boundaries(None, [(grid, grid_square(4 + n))])
    with count_queries() as many:
        assert client.get(URL).status_code == 200
    assert_flat(few, many, at_most=20)
