"""The home page: the map page of the user's top scope, or the "no role yet" page."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse

from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import add_rows, zh


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_no_role_user_gets_the_no_role_page(client, no_role_user):
    client.force_login(no_role_user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "web/no_role.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert zh("Your account has no role yet") in html
    assert zh("No role yet") in html  # the header instead of the roles


def _section(response, name):
    return next(s.data for s in response.context["sections"] if s.name == name)


def test_district_admin_sees_communities_and_totals(client, district_admin, small):
    client.force_login(district_admin)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    district = _section(response, "district")
    assert [row.node for row in district["communities"]] == small.communities
    assert [row.counts["grid"] for row in district["communities"]] == [2, 2]
    assert [n for _label, n in district["structure"]] == [2, 4, 8, 24]
    html = response.content.decode()
    assert small.district.name in html
    for community in small.communities:
        assert community.name in html
    config = json.loads(html.split('id="map-config" type="application/json">')[1].split("</script>")[0])
    assert config["geojson_url"] == reverse("map_grids") + "?overdue=1"
    assert config["color_by"] == "overdue"
    assert config["tile_url"] == ""


def test_map_tiles_only_when_configured(client, district_admin, settings):
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    client.force_login(district_admin)
    html = client.get(reverse("home")).content.decode()
    assert "https://tiles.example/{z}/{x}/{y}.png" in html


def test_community_staff_sees_own_grids(client, community_staff, small):
    client.force_login(community_staff)
    response = client.get(reverse("home"))
    rows = _section(response, "community")["rows"]
    assert [row["grid"].area_id for row in rows] == [g.pk for g in small.grids[:2]]


@pytest.mark.parametrize(("persona", "own", "other"), [("worker_a", 0, 2), ("worker_b", 2, 0)])
def test_grid_worker_sees_only_own_grid(client, small, request, persona, own, other):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert [s.name for s in response.context["sections"]] == ["grid"]
    html = response.content.decode()
    assert small.grids[own].name in html  # the header's role line
    assert small.grids[other].name not in html


@pytest.mark.parametrize("persona", ["district_admin", "worker_a"])
def test_home_query_count_does_not_grow(client, small, request, persona):
    client.force_login(request.getfixturevalue(persona))
    with count_queries() as before:
        client.get(reverse("home"))
    add_rows(small, 0, tag="X")
    add_rows(small, 1, tag="Y")
    with count_queries() as after:
        client.get(reverse("home"))
    assert_flat(before, after, at_most=16)


def test_superuser_without_assignment_sees_every_district(client, small, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="x-very-long-password")
    client.force_login(admin)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert [row.node for row in _section(response, "district")["communities"]] == small.communities
    assert len(client.get(reverse("map_grids")).json()["features"]) == 4
    html = response.content.decode()
    assert zh("Superuser") in html
    assert zh("No role yet") not in html


def test_district_administrators_are_warned_about_a_year_without_a_calendar(small, district_admin, worker_a):
    import time_machine

    from wangge.calendars import actions as calendar_actions

    november = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(november, tick=False):
        admin, worker = Client(), Client()
        admin.force_login(district_admin)
        worker.force_login(worker_a)
        page = admin.get("/").content.decode()
        assert page.count('data-testid="calendar-warning"') == 1 and "2027" in page
        assert 'data-testid="calendar-warning"' not in worker.get("/").content.decode()
        calendar_actions.publish_year(None, district=small.district, year=2027)
        assert 'data-testid="calendar-warning"' not in admin.get("/").content.decode()
