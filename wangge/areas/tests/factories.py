"""A small district for tests: 2 communities × 2 grids (unit squares side by side), each grid
with one building group, two buildings and three households per building."""

from dataclasses import dataclass, field

from shapely.geometry import box

from wangge.areas import actions
from wangge.areas.models import AreaNode

# Grid squares of 0.01° (≈ 1 km) starting at this corner, in a row west → east.
ORIGIN = (117.00, 36.60)
STEP = 0.01


@dataclass
class SmallDistrict:
    district: AreaNode
    communities: list[AreaNode] = field(default_factory=list)
    grids: list[AreaNode] = field(default_factory=list)
    building_groups: list[AreaNode] = field(default_factory=list)
    buildings: list[AreaNode] = field(default_factory=list)
    households: list[AreaNode] = field(default_factory=list)


def grid_square(index: int):
    x0 = ORIGIN[0] + index * STEP
    return box(x0, ORIGIN[1], x0 + STEP, ORIGIN[1] + STEP)


def build_small_district(code: str = "T") -> SmallDistrict:
    d = SmallDistrict(actions.create_district(None, name=f"测试区{code}", code=code))
    for c in range(2):
        community = actions.create_area(None, parent=d.district, name=f"社区{c + 1}", code=f"{code}-C{c + 1}")
        d.communities.append(community)
        for g in range(2):
            index = c * 2 + g
            grid = actions.create_area(
                None, parent=community, name=f"社区{c + 1}第{g + 1}网格", code=f"{community.code}-G{g + 1}"
            )
            d.grids.append(grid)
            group = actions.create_area(None, parent=grid, name=f"{grid.name}1号楼群", code=f"{grid.code}-Q1")
            d.building_groups.append(group)
            square = grid_square(index)
            for b in range(2):
                lng, lat = square.centroid.x + (b - 0.5) * STEP / 4, square.centroid.y
                building = actions.create_area(
                    None, parent=group, name=f"{grid.name}{b + 1}号楼", code=f"{grid.code}-B{b + 1}", lng=lng, lat=lat
                )
                d.buildings.append(building)
                for h in range(3):
                    d.households.append(
                        actions.create_area(
                            None, parent=building, name=f"{building.name}{h + 1}01室", code=f"{building.code}-H{h + 1}"
                        )
                    )
    actions.set_grid_boundaries(None, [(grid, grid_square(i)) for i, grid in enumerate(d.grids)])
    return d
