"""Area pages: district, community, grid, building group, building and household."""

import pytest
from django.urls import reverse

from wangge.accounts import actions as account_actions
from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import add_rows, zh


def url(node) -> str:
    return reverse("area", args=[node.pk])


def all_nodes(small):
    return [
        small.district,
        small.communities[0],
        small.grids[0],
        small.building_groups[0],
        small.buildings[0],
        small.households[0],
    ]


def test_anonymous_is_sent_to_login(client, small):
    for node in all_nodes(small):
        response = client.get(url(node))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_no_role_user_gets_the_no_role_page(client, small, no_role_user):
    client.force_login(no_role_user)
    response = client.get(url(small.grids[0]))
    assert response.status_code == 403
    assert "web/no_role.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(("persona", "own", "other"), [("worker_a", 0, 2), ("worker_b", 2, 0)])
def test_grid_workers_see_own_grid_and_404_on_the_other(client, populated, request, persona, own, other):
    small = populated.small
    client.force_login(request.getfixturevalue(persona))
    own_grid, other_grid = small.grids[own], small.grids[other]
    assert client.get(url(own_grid)).status_code == 200
    for node in [
        other_grid,
        small.building_groups[other],
        small.buildings[other * 2],
        small.households[other * 6],
        small.district,
        small.communities[0],
        small.communities[1],
    ]:
        assert client.get(url(node)).status_code == 404, node
    for node in [small.building_groups[own], small.buildings[own * 2], small.households[own * 6]]:
        assert client.get(url(node)).status_code == 200, node


def test_district_page_lists_communities(client, district_admin, small):
    client.force_login(district_admin)
    response = client.get(url(small.district))
    assert response.status_code == 200
    assert [row.node for row in response.context["rows"]] == small.communities
    assert [row.counts["household"] for row in response.context["rows"]] == [12, 12]


def test_community_page_lists_grids_with_counts(client, community_staff, small):
    client.force_login(community_staff)
    response = client.get(url(small.communities[0]))
    assert response.status_code == 200
    assert [row.node for row in response.context["rows"]] == small.grids[:2]
    assert [(row.counts["building"], row.counts["household"]) for row in response.context["rows"]] == [(2, 6), (2, 6)]
    assert client.get(url(small.communities[1])).status_code == 404


def test_breadcrumb_links_only_what_the_user_may_open(client, worker_a, small):
    client.force_login(worker_a)
    crumbs = client.get(url(small.households[0])).context["crumbs"]
    assert [c.name for c in crumbs] == [
        small.district.name,
        small.communities[0].name,
        small.grids[0].name,
        small.building_groups[0].name,
        small.buildings[0].name,
    ]
    assert [c.url is not None for c in crumbs] == [False, False, True, True, True]


def test_grid_page_shows_fused_organisation_members_and_workers(client, worker_a, populated):
    small = populated.small
    client.force_login(worker_a)
    client.cookies["django_language"] = "en"
    response = client.get(url(small.grids[0]))
    assert response.status_code == 200
    context = response.context
    assert [(line.label, line.depth) for line in context["unit_lines"]] == [
        ("Grid general branch", 0),
        ("Building-group branch", 1),
        ("Building party group", 2),
        ("Building party group", 2),
    ]
    assert [g["node"] for g in context["groups"]] == [small.building_groups[0]]
    assert [b.n_children for b in context["groups"][0]["buildings"]] == [3, 3]
    assert context["groups"][0]["buildings"][0].responsible == ["党员甲"]
    assert [m.name for m in context["members"]] == ["党员甲"]
    assert context["members"][0].phone_masked == "139****5678"
    assert [w.person.name for w in context["workers"]] == ["书记乙"]
    assert len(context["map_data"]["points"]) == 2
    assert context["map_data"]["outline"]["type"] == "Polygon"
    html = response.content.decode()
    assert "第1网格党总支" in html and "1号楼群党支部" in html
    assert "139****5678" in html and "13912345678" not in html


def test_grid_page_uses_the_district_level_names(client, worker_a, populated):
    from wangge.orgs import actions as org_actions
    from wangge.orgs.models import UnitKind

    org_actions.set_level_name(None, district=populated.small.district, kind=UnitKind.BUILDING_CELL, name="楼栋党小组")
    client.force_login(worker_a)
    labels = [line.label for line in client.get(url(populated.small.grids[0])).context["unit_lines"]]
    assert labels[-1] == "楼栋党小组"


def test_grid_map_points_follow_the_tile_crs(client, worker_a, small, settings):
    client.force_login(worker_a)
    wgs = client.get(url(small.grids[0])).context["map_data"]["points"][0]["lnglat"]
    settings.MAP_TILE_CRS = "gcj02"
    gcj = client.get(url(small.grids[0])).context["map_data"]["points"][0]["lnglat"]
    assert wgs != gcj
    assert abs(wgs[0] - gcj[0]) < 0.01


def test_building_group_page(client, worker_a, populated):
    small = populated.small
    client.force_login(worker_a)
    response = client.get(url(small.building_groups[0]))
    assert response.status_code == 200
    assert response.context["buildings"] == small.buildings[:2]
    assert response.context["household_count"] == 6


def test_building_page_lists_residents_masked_and_writes_an_audit_row(client, worker_a, populated):
    small = populated.small
    client.force_login(worker_a)
    response = client.get(url(small.buildings[0]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "居民1" in html and "居民3" in html
    assert populated.resident.id_number_masked in html
    assert "370102" not in html.replace(populated.resident.id_number_masked, "")  # only the masked form
    assert "13800000000" not in html
    lines = response.context["households"]
    assert [line.demonstration for line in lines] == [True, False, False]
    assert all(line.responsible == ["党员甲"] for line in lines)
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert (event.actor, event.object_type, event.object_id) == (worker_a, "areas.areanode", str(small.buildings[0].pk))
    assert event.ip_address == "10.1.2.3"
    assert event.district_id == small.district.pk
    assert event.detail == {"page": "building", "residents": 4}


def test_household_page_writes_an_audit_row(client, worker_a, populated):
    small = populated.small
    client.force_login(worker_a)
    response = client.get(url(small.households[0]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "居民1" in html and "党员甲" in html
    assert zh("Demonstration household") in html
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert event.object_id == str(small.households[0].pk)


def test_no_audit_row_for_pages_without_personal_data(client, worker_a, populated):
    small = populated.small
    client.force_login(worker_a)
    for node in [small.grids[0], small.building_groups[0]]:
        client.get(url(node))
    client.get(reverse("home"))
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()


def test_roles_without_personal_data_see_no_residents(client, populated):
    """A volunteer does not use the area pages at all (docs/decisions.md, "Pages by role")."""
    small = populated.small
    volunteer = make_persona("volunteer_a", Role.VOLUNTEER, small.grids[0])
    client.force_login(volunteer)
    response = client.get(url(small.buildings[0]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "居民1" not in html
    assert populated.resident.id_number_masked not in html
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_VIEWED).exists()


def test_personal_data_role_must_cover_the_node(client, populated):
    """A grid worker elsewhere who is only a volunteer here sees no residents here."""
    small = populated.small
    user = make_persona("mixed", Role.GRID_WORKER, small.grids[2])
    account_actions.assign_role(None, user=user, role=Role.VOLUNTEER, area=small.grids[0])
    client.force_login(user)
    html = client.get(url(small.buildings[0])).content.decode()
    assert "居民1" not in html


@pytest.mark.parametrize("level", ["grid", "building_group", "building", "household", "community", "district"])
def test_area_page_query_count_does_not_grow(client, district_admin, populated, level):
    small = populated.small
    node = {
        "district": small.district,
        "community": small.communities[0],
        "grid": small.grids[0],
        "building_group": small.building_groups[0],
        "building": small.buildings[0],
        "household": small.households[0],
    }[level]
    client.force_login(district_admin)
    with count_queries() as before:
        client.get(url(node))
    add_rows(small, 0, tag="X")
    add_rows(small, 1, tag="Y")
    with count_queries() as after:
        client.get(url(node))
    # The grid page also reads its team (fieldwork.queries.grid_team: role holders, workers, members).
    assert_flat(before, after, at_most=15 if level == "grid" else 14)
