"""The coverage page: totals per kind of gap, tables per community and grid, every gap by name."""

import pytest
from django.urls import reverse

from wangge.lib.testing import assert_flat, count_queries
from wangge.orgs.coverage import GapKind
from wangge.web.tests.conftest import add_rows

URL = "/coverage/"


def test_url_name():
    assert reverse("coverage") == URL


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_no_role_user_gets_the_no_role_page(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "web/no_role.html" in [t.name for t in response.templates]


def test_district_admin_sees_every_gap_by_name(client, district_admin, populated):
    small = populated.small
    client.force_login(district_admin)
    response = client.get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    # Grid 0 is organised and its first building covered; everything else is a gap.
    assert report.totals == {
        GapKind.GRID_WITHOUT_UNIT: 3,
        GapKind.GROUP_WITHOUT_UNIT: 3,
        GapKind.BUILDING_WITHOUT_MEMBER: 7,
        GapKind.HOUSEHOLD_WITHOUT_MEMBER: 21,
    }
    assert [line.area_id for line in report.communities] == [c.pk for c in small.communities]
    assert [line.total for line in report.grids] == [4, 10, 10, 10]
    html = response.content.decode()
    for grid in small.grids[1:]:
        assert grid.name in html
    assert small.buildings[1].name in html  # a building without member, by name
    assert f'href="{reverse("area", args=[small.buildings[1].pk])}"' in html
    assert small.buildings[0].name + "<" not in html.split('id="gap-list"')[1]  # covered building not a gap


@pytest.mark.parametrize(("persona", "own", "other"), [("worker_a", 0, 2), ("worker_b", 2, 0)])
def test_grid_workers_see_own_gaps_only(client, populated, request, persona, own, other):
    small = populated.small
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    report = response.context["report"]
    assert {gap.grid_id for gap in report.gaps} <= {small.grids[own].pk}
    assert [line.area_id for line in report.grids] == [small.grids[own].pk]
    assert report.communities == []
    html = response.content.decode()
    assert small.grids[other].name not in html
    # Narrowing to the other's grid is outside the scope.
    assert client.get(URL, {"area": small.grids[other].pk}).status_code == 404
    assert client.get(URL, {"area": small.grids[own].pk}).status_code == 200


def test_worker_b_sees_the_gaps_of_an_unorganised_grid(client, worker_b, populated):
    small = populated.small
    client.force_login(worker_b)
    report = client.get(URL).context["report"]
    assert [gap.name for gap in report.gaps if gap.kind == GapKind.GRID_WITHOUT_UNIT] == [small.grids[2].name]
    assert report.total == 1 + 1 + 2 + 6


def test_narrowing_to_an_area(client, district_admin, populated):
    small = populated.small
    client.force_login(district_admin)
    response = client.get(URL, {"area": small.communities[1].pk})
    assert response.status_code == 200
    assert {gap.community_id for gap in response.context["report"].gaps} == {small.communities[1].pk}
    assert response.context["within"] == small.communities[1]
    assert client.get(URL, {"area": "abc"}).status_code == 404
    assert client.get(URL, {"area": 999999}).status_code == 404


def test_htmx_request_gets_only_the_gap_list(client, district_admin, populated, monkeypatch):
    monkeypatch.setattr("wangge.web.views.GAPS_PER_PAGE", 10)
    client.force_login(district_admin)
    full = client.get(URL, {"page": 2})
    assert "<html" in full.content.decode()
    partial = client.get(URL, {"page": 2}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="gap-list">')
    assert partial.context["page"].number == 2
    # The same URL answers a page or a fragment: caches and the back button must tell them apart.
    assert "HX-Request" in full["Vary"] and "HX-Request" in partial["Vary"]


def test_query_count_does_not_grow(client, district_admin, populated):
    small = populated.small
    client.force_login(district_admin)
    with count_queries() as before:
        client.get(URL)
    add_rows(small, 0, tag="X")
    add_rows(small, 3, tag="Y")
    with count_queries() as after:
        client.get(URL)
    assert_flat(before, after, at_most=9)
