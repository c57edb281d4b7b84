"""The go-live checklist: a district that meets every requirement passes; each missing piece
is named (grid without boundary, overlap, grid without branch or worker, category routed to a
unit without staff, unpublished calendar year); a fixed number of queries however many grids."""

import datetime as dt

import pytest
from shapely.geometry import box

from wangge.accounts.models import Role
from wangge.areas import actions as area_actions
from wangge.areas.tests.factories import STEP, grid_square
from wangge.calendars.actions import publish_year
from wangge.calendars.models import CalendarYear
from wangge.cases.catalogue import install_default_catalogue, install_default_routing
from wangge.cases.models import Category, HandlingUnit, RoutingRule
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.onboarding.checklist import go_live_checklist
from wangge.orgs import actions as org_actions

pytestmark = pytest.mark.usefixtures("english")

TODAY = dt.date(2026, 12, 7)


def _complete(small) -> None:
    """Every grid with its branch and a worker; every department staffed; 2026 (seeded) and 2027 published."""
    org_actions.lay_vertical_units(None, [(g, f"{g.name}党总支") for g in small.grids])
    for n, grid in enumerate(small.grids):
        make_persona(f"worker_g{n}", Role.GRID_WORKER, grid)
    install_default_catalogue(small.district)
    install_default_routing(small.district)
    for n, unit in enumerate(HandlingUnit.objects.filter(district=small.district)):
        unit.users.add(make_persona(f"dept_{n}", Role.DEPARTMENT, small.district))
    publish_year(None, district=None, year=2027)


def _by_key(checklist):
    return {r.key: r for r in checklist.requirements}


def test_a_complete_district_meets_every_requirement(small):
    _complete(small)
    checklist = go_live_checklist(small.district, TODAY)
    assert [(r.key, r.ok, [i.text for i in r.items]) for r in checklist.requirements] == [
        ("grids_tile", True, []),
        ("grids_staffed", True, []),
        ("categories_routed", True, []),
        ("calendars", True, []),
    ]
    assert checklist.ok


def test_an_empty_district_misses_everything(db):
    district = area_actions.create_district(None, name="新区", code="XQ")
    checklist = _by_key(go_live_checklist(district, dt.date(2031, 3, 1)))
    assert [i.text for i in checklist["grids_tile"].items] == ["The district has no grids yet."]
    assert [i.fix for i in checklist["grids_staffed"].items] == ["grids"]
    assert [i.text for i in checklist["categories_routed"].items] == ["The district has no active category yet."]
    assert [i.text for i in checklist["calendars"].items] == [
        "The work calendar for 2031 is not published.",
        "The work calendar for 2032 is not published.",
    ]


def test_each_missing_piece_is_named_with_the_page_that_fixes_it(small):
    _complete(small)
    grid = small.grids[3]
    # An overlap between the first two grids, a grid without boundary, a grid without branch and worker.
    area_actions.set_grid_boundaries(None, [(small.grids[0], box(117.0, 36.6, 117.0 + STEP * 1.2, 36.6 + STEP))])
    extra = area_actions.create_area(None, parent=small.communities[1], name="新网格", code="T-C2-G9")
    # Routing: one category to a unit nobody staffs, in one community only.
    empty = HandlingUnit.objects.create(district=small.district, kind="community", name="空单位")
    category = Category.objects.filter(district=small.district, parent__isnull=False, active=True).first()
    RoutingRule.objects.create(
        district=small.district, priority=1, category=category, area=small.communities[1], unit=empty
    )
    checklist = _by_key(go_live_checklist(small.district, TODAY))

    tile = checklist["grids_tile"]
    assert not tile.ok
    assert [i.text for i in tile.items] == [
        "新网格 (T-C2-G9) has no boundary.",
        tile.items[1].text,
    ]
    assert tile.items[1].text.startswith(f"Grids {small.grids[0].code} and {small.grids[1].code} overlap by")
    assert {i.fix for i in tile.items} == {"grids"}

    staffed = checklist["grids_staffed"]
    assert [(i.text, i.fix) for i in staffed.items] == [
        ("新网格 (T-C2-G9) has no grid general branch.", "org_units"),
        ("新网格 (T-C2-G9) has no grid worker.", "staff"),
    ]

    routed = checklist["categories_routed"]
    where = "、".join(f"{g.name} ({g.code})" for g in [small.grids[2], grid, extra])
    assert [(i.text, i.fix) for i in routed.items] == [
        (f"{category.name}: in {where} it goes to 空单位, which has no staff.", "routing")
    ]
    assert checklist["calendars"].ok


def test_a_gap_between_grids_is_listed_but_does_not_stop_going_live(small):
    _complete(small)
    square = grid_square(1)
    # A ring-shaped grid leaves a hole inside the union.
    area_actions.set_grid_boundaries(None, [(small.grids[1], square.difference(square.centroid.buffer(STEP / 10)))])
    tile = _by_key(go_live_checklist(small.district, TODAY))["grids_tile"]
    assert tile.ok
    assert len(tile.warnings) == 1 and "belongs to no grid" in tile.warnings[0].text


def test_categories_falling_to_an_unstaffed_dispatch_are_named(small):
    _complete(small)
    RoutingRule.objects.filter(district=small.district).delete()
    HandlingUnit.objects.filter(district=small.district).delete()
    routed = _by_key(go_live_checklist(small.district, TODAY))["categories_routed"]
    active = Category.objects.filter(district=small.district, parent__isnull=False, active=True).count()
    assert len(routed.items) == active
    assert "no routing rule matches" in routed.items[0].text


def test_a_district_calendar_counts_as_published(small):
    _complete(small)
    CalendarYear.objects.filter(district__isnull=True, year=2027).delete()
    assert not _by_key(go_live_checklist(small.district, TODAY))["calendars"].ok
    publish_year(None, district=small.district, year=2027)
    assert _by_key(go_live_checklist(small.district, TODAY))["calendars"].ok


def test_the_checklist_costs_the_same_queries_however_many_grids(small):
    _complete(small)
    go_live_checklist(small.district, TODAY)
    with count_queries() as few:
        go_live_checklist(small.district, TODAY)
    for n in range(6):
        grid = area_actions.create_area(None, parent=small.communities[n % 2], name=f"加网格{n}", code=f"T-X{n}")
        area_actions.set_grid_boundaries(None, [(grid, grid_square(4 + n))])
        org_actions.lay_vertical_units(None, [(grid, f"{grid.name}党总支")])
        make_persona(f"worker_x{n}", Role.GRID_WORKER, grid)
    with count_queries() as many:
        checklist = go_live_checklist(small.district, TODAY)
    assert checklist.ok
    assert_flat(few, many, at_most=10)
