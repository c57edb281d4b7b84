"""The second district of the onboarding tests, 新区 (XQ), and its files.

Areas as `build_xinqu` makes them through the area actions: communities 东湖社区 (XQ-C1) and
西山社区 (XQ-C2), each with grids 第1网格 and 第2网格 (XQ-C1-G1 …), squares of 0.005° in WGS-84
from lng 117.100, lat 36.650 (东湖 south, 西山 north; 第1网格 west, 第2网格 east), and the
department 住建局. The files in `files/xinqu/` are written by this module (`write_xinqu_files`,
see
`test_files.py` for the command that writes them again); the tests write bad variants of them
into their own directory with `write_table`.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from shapely.geometry import box

from wangge.areas import actions
from wangge.areas.models import AreaNode
from wangge.cases.models import HandlingUnit, UnitKind
from wangge.lib.geo import from_wgs84

FILES = Path(__file__).parent / "files" / "xinqu"
WEST, SOUTH, SIDE = 117.100, 36.650, 0.005
COMMUNITIES = (("东湖社区", "XQ-C1", "东湖路"), ("西山社区", "XQ-C2", "西山路"))
DEPARTMENT = "住建局"


@dataclass
class Xinqu:
    district: AreaNode
    communities: list[AreaNode] = field(default_factory=list)
    grids: list[AreaNode] = field(default_factory=list)  # C1-G1, C1-G2, C2-G1, C2-G2
    department: HandlingUnit | None = None


def grid_square(community: int, grid: int):
    """The square of grid `grid` (0, 1) of community `community` (0, 1), in WGS-84."""
    west, south = WEST + grid * SIDE, SOUTH + community * SIDE
    return box(west, south, west + SIDE, south + SIDE)


def build_xinqu() -> Xinqu:
    xinqu = Xinqu(actions.create_district(None, name="新区", code="XQ"))
    for name, code, _road in COMMUNITIES:
        community = actions.create_area(None, parent=xinqu.district, name=name, code=code)
        xinqu.communities.append(community)
        for g in range(2):
            grid = actions.create_area(None, parent=community, name=f"{name}第{g + 1}网格", code=f"{code}-G{g + 1}")
            xinqu.grids.append(grid)
    actions.set_grid_boundaries(None, [(grid, grid_square(i // 2, i % 2)) for i, grid in enumerate(xinqu.grids)])
    # A department of the district (no action creates handling units yet; the catalogue's installer does it so).
    xinqu.department = HandlingUnit.objects.create(district=xinqu.district, kind=UnitKind.DEPARTMENT, name=DEPARTMENT)
    return xinqu


# --- the address book -------------------------------------------------------------------------

ADDRESS_HEADER = ["社区", "网格", "楼栋", "楼栋地址", "单元", "房号", "经度", "纬度", "坐标系"]
# How each grid's buildings give their point: GCJ-02, none, WGS-84, and BD-09 for the first building only.
POINTS = {(0, 0): "GCJ-02", (0, 1): "", (1, 0): "WGS-84", (1, 1): "BD-09 first"}
ROOMS = ("101", "102", "201", "202")


def building_point(community: int, grid: int, building: int) -> tuple[float, float]:
    """The WGS-84 point of building `building` (0–2) of a grid: along the square's middle line."""
    square = grid_square(community, grid)
    west, south, _east, _north = square.bounds
    return round(west + SIDE * (building + 1) / 4, 6), round(south + SIDE / 2, 6)


def address_rows() -> list[list[Any]]:
    """12 buildings (3 a grid), 2 units × 4 rooms each: 96 households."""
    rows: list[list[Any]] = []
    for c, (community, _code, road) in enumerate(COMMUNITIES):
        for g in range(2):
            for b in range(3):
                system = POINTS[(c, g)]
                lng: Any = ""
                lat: Any = ""
                crs = ""
                if system == "GCJ-02" or (system == "BD-09 first" and b == 0):
                    crs = "GCJ-02" if system == "GCJ-02" else "BD-09"
                    lng, lat = from_wgs84(*building_point(c, g, b), "gcj02" if crs == "GCJ-02" else "bd09")
                    lng, lat = round(lng, 7), round(lat, 7)
                elif system == "WGS-84":
                    crs = "WGS-84"
                    lng, lat = building_point(c, g, b)
                address = f"{road}{g * 10 + b + 1}号"
                for unit in (1, 2):
                    for room in ROOMS:
                        rows.append(
                            [community, f"{community}第{g + 1}网格", f"{b + 1}号楼", address, unit, room, lng, lat, crs]
                        )
    return rows


# --- the staff roster -------------------------------------------------------------------------

STAFF_HEADER = ["用户名", "姓名", "角色", "区域", "单位", "手机"]
STAFF_ROWS: list[list[Any]] = [
    ["xq_dh_staff", "陈东湖", "社区工作人员", "东湖社区", "", "13912340001"],
    ["xq_xs_staff", "林西山", "社区工作人员", "西山社区", "", "13912340002"],
    ["xq_dh_g1", "王一格", "网格员", "东湖社区第1网格", "", "13912340011"],
    ["xq_dh_g2", "王二格", "网格员", "东湖社区第2网格", "", "13912340012"],
    ["xq_xs_g1", "李一格", "网格员", "西山社区第1网格", "", "13912340021"],
    ["xq_xs_g2", "李二格", "网格员", "西山社区第2网格", "", "13912340022"],
    ["xq_zjj_1", "赵建设", "职能部门", "", DEPARTMENT, "13912340031"],
    ["xq_zjj_2", "钱住房", "职能部门", "新区", DEPARTMENT, "13912340032"],
]
STAFF_PHONES = [row[5] for row in STAFF_ROWS]

# --- organisation and resident units ----------------------------------------------------------

ORG_HEADER = ["名称", "类型", "区域", "行业", "成立日期"]
ORG_ROWS: list[list[Any]] = [
    ["东湖社区党委", "社区党委", "东湖社区", "", ""],
    ["西山社区党委", "社区党委", "西山社区", "", ""],
    ["东湖社区第1网格党总支", "网格党总支", "东湖社区第1网格", "", ""],
    ["东湖社区第2网格党总支", "网格党总支", "东湖社区第2网格", "", ""],
    ["西山社区第1网格党总支", "网格党总支", "西山社区第1网格", "", ""],
    ["西山社区第2网格党总支", "网格党总支", "西山社区第2网格", "", ""],
    ["东湖社区第1网格1号楼群党支部", "楼群党支部", "东湖社区/第1网格/1号楼群", "", ""],
    ["东湖社区第1网格1号楼党小组", "楼栋党小组", "东湖社区/第1网格/1号楼群/1号楼", "", ""],
    ["东湖路商户联合党支部", "商户联合党支部", "东湖社区", "", ""],
    ["新区住建行业党支部", "行业党支部", "新区", DEPARTMENT, ""],
    ["东湖社区旧楼改造临时党支部", "临时党支部", "东湖社区第2网格", "", "2026-03-01"],
]

RESIDENT_HEADER = ["单位名称", "单位类型", "区域", "地址"]
RESIDENT_ROWS: list[list[Any]] = [
    ["新区第一中学", "学校", "东湖社区", "东湖路88号"],
    ["新区人民医院", "医院", "西山社区第1网格", "西山路20号"],
    ["新区供电公司", "国有企业", "西山社区", "西山路66号"],
]


def write_table(path: Path, header: Sequence[Any], rows: Sequence[Sequence[Any]], *, title: str = "") -> Path:
    """An .xlsx (with a title row above the header, as ledgers have) or a UTF-8 .csv file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_xinqu_files(folder: Path = FILES) -> None:
    write_table(folder / "addresses.xlsx", ADDRESS_HEADER, address_rows(), title="新区楼栋户台账")
    write_table(folder / "staff.xlsx", STAFF_HEADER, STAFF_ROWS, title="新区工作人员名册")
    write_table(folder / "org_units.xlsx", ORG_HEADER, ORG_ROWS, title="新区党组织台账")
    write_table(folder / "resident_units.xlsx", RESIDENT_HEADER, RESIDENT_ROWS, title="新区驻区单位台账")
