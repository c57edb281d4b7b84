"""Routing: the rules tried in priority order with the reason each did or did not match
(`explain_route`), the dispatch centre when none does, `route(case)` answering the same, and
the rules changed only by the district's administrator, each change audited."""

import pytest

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.cases import actions
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import Category, HandlingUnit, RoutingRule, UnitKind
from wangge.cases.queries import RuleOutcome, explain_route, place_at_point, place_of_case, place_of_node, route
from wangge.cases.tests.factories import IN_GRID_0, IN_GRID_2, file
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError


@pytest.fixture
def units(small, catalogue) -> dict[str, HandlingUnit]:
    return {u.name: u for u in HandlingUnit.objects.filter(district=small.district)}


@pytest.fixture
def rules(small, catalogue, units, district_admin) -> dict[str, RoutingRule]:
    """The municipal group to housing (priority 100), street lamps in grid 0 to civil affairs
    (20), anything in building 0 of grid 2 to justice (10), and everything to the urban
    management bureau (500)."""
    add = actions.add_rule
    return {
        "group": add(
            district_admin,
            district=small.district,
            category=catalogue["SZ"],
            unit=units["住房和城乡建设局"],
            priority=100,
        ),
        "grid": add(
            district_admin,
            district=small.district,
            category=catalogue["SZ01"],
            area=small.grids[0],
            unit=units["民政局"],
            priority=20,
        ),
        "building": add(
            district_admin, district=small.district, area=small.buildings[4], unit=units["司法局"], priority=10
        ),
        "all": add(district_admin, district=small.district, unit=units["城市管理局"], priority=500),
    }


def _outcomes(explanation) -> list[tuple[int, str]]:
    return [(t.rule.priority, t.outcome) for t in explanation.tried]


def test_rules_are_tried_by_priority_and_the_first_match_wins(small, catalogue, rules):
    explained = explain_route(small.district.pk, catalogue["SZ01"], place_of_node(small.buildings[0]))
    assert _outcomes(explained) == [
        (10, RuleOutcome.OUTSIDE_AREA),  # building 0 of grid 2: not this building
        (20, RuleOutcome.WINS),  # street lamps in grid 0
        (100, RuleOutcome.NOT_TRIED),
        (500, RuleOutcome.NOT_TRIED),
    ]
    assert explained.rule == rules["grid"] and explained.unit.name == "民政局" and not explained.fallback
    assert small.buildings[4].name in explained.tried[0].why


def test_a_rule_for_a_group_covers_its_categories_and_a_category_less_rule_covers_all(small, catalogue, rules):
    elsewhere = place_of_node(small.buildings[2])  # grid 1
    road = explain_route(small.district.pk, catalogue["SZ02"], elsewhere)
    assert _outcomes(road)[:3] == [
        (10, RuleOutcome.OUTSIDE_AREA),
        (20, RuleOutcome.CATEGORY_DIFFERS),
        (100, RuleOutcome.WINS),
    ]
    assert "路灯不亮" in road.tried[1].why and "道路破损" in road.tried[1].why
    dispute = explain_route(small.district.pk, catalogue["MD01"], elsewhere)
    assert dispute.rule == rules["all"] and dispute.unit.name == "城市管理局"


def test_a_rule_for_an_area_covers_every_place_inside_it(small, catalogue, rules):
    household = small.households[4 * 3]  # a household of building 4 (three per building)
    assert explain_route(small.district.pk, catalogue["HJ01"], place_of_node(household)).rule == rules["building"]
    grid = explain_route(small.district.pk, catalogue["SZ01"], place_of_node(small.grids[0]))
    assert grid.rule == rules["grid"]
    # A place known only to its grid is not inside a building of it.
    assert explain_route(small.district.pk, catalogue["HJ01"], place_of_node(small.grids[2])).rule == rules["all"]


def test_with_no_matching_rule_the_district_dispatch_takes_the_case(small, catalogue, units, district_admin):
    actions.add_rule(district_admin, district=small.district, category=catalogue["SZ"], unit=units["民政局"])
    explained = explain_route(small.district.pk, catalogue["MD01"], place_of_node(small.buildings[0]))
    assert explained.fallback and explained.rule is None
    assert explained.unit.kind == UnitKind.DISPATCH
    assert _outcomes(explained) == [(10, RuleOutcome.CATEGORY_DIFFERS)]


def test_route_agrees_with_the_explanation(small, catalogue, rules, district_admin):
    cases = [
        file(small, catalogue),  # a point in grid 0
        file(small, catalogue, code="SZ02", point=IN_GRID_2),
        actions.file_case(
            None,
            district=small.district,
            category=catalogue["HJ01"],
            channel="patrol",
            description="楼下垃圾堆放",
            building=small.buildings[4],
        ),
        file(small, catalogue, code="MD01", point=IN_GRID_2),
    ]
    units = [route(case) for case in cases]
    assert [u.name for u in units] == ["民政局", "住房和城乡建设局", "司法局", "城市管理局"]
    for case, unit in zip(cases, units, strict=True):
        assert explain_route(case.district_id, case.category, place_of_case(case)).unit == unit
    accepted = actions.accept(district_admin, cases[2])
    assert accepted.unit.name == "司法局"


def test_moving_a_rule_swaps_it_with_its_neighbour(small, rules, district_admin):
    actions.move_rule(district_admin, rules["all"], up=True)
    order = list(RoutingRule.objects.filter(district=small.district).order_by("priority", "id"))
    assert order == [rules["building"], rules["grid"], rules["all"], rules["group"]]
    actions.move_rule(district_admin, rules["building"], up=True)  # already first: nothing moves
    assert RoutingRule.objects.get(pk=rules["building"].pk).priority == 10


def test_moving_between_rules_of_equal_priority_numbers_them_apart(small, catalogue, units, district_admin):
    first = actions.add_rule(district_admin, district=small.district, unit=units["民政局"], priority=5)
    second = actions.add_rule(district_admin, district=small.district, unit=units["司法局"], priority=5)
    actions.move_rule(district_admin, second, up=True)
    ordered = list(RoutingRule.objects.filter(district=small.district).order_by("priority", "id"))
    assert ordered == [second, first] and [r.priority for r in ordered] == [10, 20]


def test_rule_changes_are_checked_and_audited(small, catalogue, units, rules, district_admin):
    other = build_small_district("U")
    install_default_catalogue(other.district)
    foreign_unit = HandlingUnit.objects.filter(district=other.district).first()
    add = actions.add_rule

    def refused(**kwargs) -> str:
        with pytest.raises(DomainError) as error:
            add(district_admin, district=small.district, **{"unit": units["民政局"], **kwargs})
        return error.value.code

    assert refused(unit=foreign_unit) == "rule_unit_invalid"
    assert refused(area=other.grids[0]) == "rule_area_invalid"
    assert refused(area=small.households[0]) == "rule_area_invalid"
    assert refused(category=Category.objects.filter(district=other.district).first()) == "rule_category_invalid"
    assert refused(priority=0) == "rule_priority_invalid"
    changed = actions.update_rule(
        district_admin,
        rules["grid"],
        unit=units["司法局"],
        category=catalogue["SZ01"],
        area=small.district,
        priority=30,
    )
    assert changed.area is None and changed.priority == 30  # the whole district is stored as no area
    actions.delete_rule(district_admin, rules["all"])
    changes = list(
        AuditEvent.objects.filter(action=AuditAction.ROUTING_CHANGED).order_by("pk").values_list("detail", flat=True)
    )
    assert [c["change"] for c in changes] == ["rule_added"] * 4 + ["rule_updated", "rule_deleted"]
    assert changes[4]["before"]["unit"] == "民政局" and changes[4]["unit"] == "司法局"


def test_another_districts_admin_and_community_staff_find_no_such_rule(small, rules, community_staff, units):
    other = build_small_district("U")
    stranger = make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)
    for user in (stranger, community_staff):
        with pytest.raises(DomainError) as error:
            actions.delete_rule(user, rules["all"])
        assert error.value.code == "rule_not_found"
        with pytest.raises(DomainError) as error:
            actions.add_rule(user, district=small.district, unit=units["民政局"])
        assert error.value.code == "rule_not_found"
    assert RoutingRule.objects.filter(pk=rules["all"].pk).exists()


def test_a_point_is_inside_its_grid_and_community_but_no_building(small, catalogue, rules):
    place, grid = place_at_point(*IN_GRID_0)
    assert grid == small.grids[0] and place.ids["community"] == small.communities[0].pk
    assert "building" not in place.ids
    assert explain_route(small.district.pk, catalogue["SZ01"], place).rule == rules["grid"]
