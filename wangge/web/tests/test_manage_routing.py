"""The routing page (/manage/routing/): the district administrator lists the rules in the order
they are tried, adds, edits, moves and deletes one, and asks the tester where a case would go;
the administrator of another district and every other role find no such page or rule (404).
The list's queries stay flat as rules are added."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.models import AreaNode
from wangge.areas.tests.factories import build_small_district
from wangge.cases import actions
from wangge.cases.catalogue import install_default_catalogue, install_default_routing
from wangge.cases.models import HandlingUnit, RoutingRule
from wangge.cases.tests.factories import IN_GRID_2
from wangge.conftest import make_persona
from wangge.lib.geo import from_wgs84
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import zh

URL = "/manage/routing/"


@pytest.fixture
def units(small, catalogue) -> dict[str, HandlingUnit]:
    return {u.name: u for u in HandlingUnit.objects.filter(district=small.district)}


@pytest.fixture
def routed(small, catalogue) -> list[RoutingRule]:
    return install_default_routing(small.district)


@pytest.fixture
def other_admin(db):
    other = build_small_district("U")
    install_default_catalogue(other.district)
    return make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)


def test_url_names():
    assert reverse("manage_routing") == URL
    assert reverse("manage_routing_edit", args=[3]) == "/manage/routing/3/"


def test_the_admin_sees_the_rules_in_the_order_they_are_tried(client, district_admin, routed, other_admin):
    assert install_default_routing(AreaNode.objects.get(level="district", code="U"))  # another district's rules
    client.force_login(district_admin)
    html = client.get(URL).content.decode()
    positions = [html.index(f'id="rule-{rule.pk}"') for rule in routed]
    assert positions == sorted(positions) and "住房和城乡建设局" in html
    assert html.count('<tr id="rule-') == len(routed)


def test_the_admin_adds_edits_moves_and_deletes_a_rule(client, district_admin, small, catalogue, units, routed):
    client.force_login(district_admin)
    response = client.post(
        reverse("manage_routing_add"),
        {
            "district": small.district.pk,
            "priority": "5",
            "category": catalogue["SZ01"].pk,
            "area": small.grids[0].pk,
            "unit": units["民政局"].pk,
        },
    )
    rule = RoutingRule.objects.get(priority=5)
    assert response["Location"].endswith(f"#rule-{rule.pk}") and rule.area == small.grids[0]
    assert client.get(reverse("manage_routing_edit", args=[rule.pk])).status_code == 200
    client.post(
        reverse("manage_routing_edit", args=[rule.pk]),
        {"priority": "7", "category": "", "area": small.district.pk, "unit": units["司法局"].pk},
    )
    rule.refresh_from_db()
    assert (rule.priority, rule.category, rule.area, rule.unit.name) == (7, None, None, "司法局")
    client.post(reverse("manage_routing_move", args=[rule.pk]), {"direction": "down"})
    assert list(RoutingRule.objects.order_by("priority", "id"))[1] == rule
    refused = client.post(
        reverse("manage_routing_add"), {"district": small.district.pk, "priority": "0", "unit": units["民政局"].pk}
    )
    assert refused.status_code == 302
    client.post(reverse("manage_routing_delete", args=[rule.pk]))
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    changes = AuditEvent.objects.filter(action=AuditAction.ROUTING_CHANGED, actor=district_admin)
    assert sorted(changes.values_list("detail__change", flat=True)) == [
        "rule_added",
        "rule_deleted",
        "rule_moved_down",
        "rule_updated",
    ]


def test_the_tester_shows_the_winning_rule_for_a_building_and_why(
    client, district_admin, small, catalogue, units, routed
):
    special = actions.add_rule(
        district_admin,
        district=small.district,
        category=catalogue["SZ01"],
        area=small.grids[0],
        unit=units["民政局"],
        priority=5,
    )
    client.force_login(district_admin)
    response = client.get(URL, {"category": catalogue["SZ01"].pk, "building": small.buildings[0].pk})
    test = response.context["test"]
    assert test["explanation"].rule == special and test["explanation"].unit.name == "民政局"
    html = response.content.decode()
    assert f'<tr id="rule-{special.pk}" class="winner">' in html
    assert zh("Not tried: a rule before it won.") in html

    elsewhere = client.get(URL, {"category": catalogue["SZ01"].pk, "building": small.buildings[2].pk})
    tried = elsewhere.context["test"]["explanation"].tried
    assert [t.outcome for t in tried[:3]] == ["outside_area", "category_differs", "category_differs"]
    assert elsewhere.context["test"]["explanation"].unit.name == "住房和城乡建设局"


def test_the_tester_takes_a_point_and_shows_dispatch_when_no_rule_fits(client, district_admin, small, catalogue):
    client.force_login(district_admin)
    lng, lat = from_wgs84(*IN_GRID_2, "gcj02")
    response = client.get(URL, {"category": catalogue["MD01"].pk, "lng": lng, "lat": lat, "crs": "gcj02"})
    test = response.context["test"]
    assert test["explanation"].fallback and test["explanation"].unit.kind == "dispatch"
    assert small.grids[2].name in test["place_label"]
    missing = client.get(URL, {"category": catalogue["MD01"].pk})
    assert missing.context["test"]["error"].code == "location_required"


@pytest.mark.parametrize("persona", ["community_staff", "worker_a", "dept_b"])
def test_other_roles_find_no_such_page(client, request, persona, routed):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.post(reverse("manage_routing_delete", args=[routed[0].pk])).status_code == 404
    assert RoutingRule.objects.filter(pk=routed[0].pk).exists()


def test_another_districts_admin_finds_no_such_rule(client, other_admin, small, routed, units):
    client.force_login(other_admin)
    rule = routed[0]
    assert f'id="rule-{rule.pk}"' not in client.get(URL).content.decode()
    assert client.get(reverse("manage_routing_edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("manage_routing_move", args=[rule.pk]), {"direction": "down"}).status_code == 404
    assert client.post(reverse("manage_routing_delete", args=[rule.pk])).status_code == 404
    assert client.get(URL, {"district": small.district.pk}).status_code == 404
    added = client.post(reverse("manage_routing_add"), {"district": small.district.pk, "unit": units["民政局"].pk})
    assert added.status_code == 404
    assert RoutingRule.objects.filter(district=small.district).count() == len(routed)
    assert not AuditEvent.objects.filter(action=AuditAction.ROUTING_CHANGED).exists()


def test_the_list_costs_the_same_queries_with_more_rules(client, district_admin, small, catalogue, units, routed):
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    for n, grid in enumerate(small.grids):
        actions.add_rule(
            district_admin, district=small.district, area=grid, category=catalogue["HJ01"], unit=units["民政局"]
        )
        actions.add_rule(district_admin, district=small.district, area=grid, unit=units["司法局"], priority=n + 1)
    with count_queries() as many:
        assert client.get(URL).status_code == 200
    assert_flat(few, many, at_most=14)
    print(f"routing list: {len(many)} queries")
