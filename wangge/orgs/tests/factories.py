"""Organisation units for the small test district."""

from wangge.areas.tests.factories import SmallDistrict
from wangge.orgs import actions
from wangge.orgs.models import OrgUnit


def lay_units(d: SmallDistrict) -> list[OrgUnit]:
    """The vertical unit of every community, grid, building group and building."""
    rows = [(area, f"{area.name}组织") for area in [*d.communities, *d.grids, *d.building_groups, *d.buildings]]
    return actions.lay_vertical_units(None, rows)
