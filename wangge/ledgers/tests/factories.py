"""Ledger files for tests, written the way the real systems write them: openpyxl workbooks
(merged header cells, title rows) and CSV in UTF-8 (with or without BOM) or GBK.

The small test district (`wangge.areas.tests.factories`) has communities 社区1 and 社区2, grids
社区1第1网格 …, buildings 社区1第1网格1号楼 … and households 社区1第1网格1号楼101室 (101, 201, 301).
"""

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from wangge.lib.idnumber import check_digit

GRID_HEADER = [
    "社区",
    "网格",
    "楼栋",
    "单元",
    "房号",
    "姓名",
    "性别",
    "出生日期",
    "与户主关系",
    "身份证号",
    "联系方式",
    "户籍地址",
    "现住址",
    "人户状态",
    "政治面貌",
    "文化程度",
    "工作单位",
    "民族",
    "残疾类别/等级",
    "慢性病",
    "低保/特困",
    "独居老人",
    "留守儿童",
]

MEMBERS_HEADER = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "公民身份号码",
    "联系电话",
    "学历",
    "人员类别",
    "所在党组织",
    "报到社区",
    "报到时间",
    "工作单位",
]


def id_number(birth: dt.date, sequence: int, region: str = "370102") -> str:
    """A valid 18-digit ID number (odd sequence: male)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def first_generation(birth: dt.date, sequence: int, region: str = "370102") -> str:
    """The 15-digit form of the same person's number (born in the 1900s)."""
    return f"{region}{birth:%y%m%d}{sequence:03d}"


def grid_row(
    *,
    community: str = "社区1",
    grid: str = "第1网格",
    building: str = "1号楼",
    unit: str = "",
    room: str = "101",
    name: str = "王小明",
    gender: str = "",
    birth: object = "",
    relation: str = "户主",
    id_number: object = "",
    phone: object = "",
    registered_address: str = "",
    current_address: str = "",
    residence: str = "",
    political: str = "",
    education: str = "",
    employer: str = "",
    ethnicity: str = "",
    disability: str = "",
    illness: str = "",
    support: str = "",
    elderly_alone: str = "",
    left_behind: str = "",
) -> list[Any]:
    return [
        community,
        grid,
        building,
        unit,
        room,
        name,
        gender,
        birth,
        relation,
        id_number,
        phone,
        registered_address,
        current_address,
        residence,
        political,
        education,
        employer,
        ethnicity,
        disability,
        illness,
        support,
        elderly_alone,
        left_behind,
    ]


def member_row(
    *,
    number: int = 1,
    name: str = "李建国",
    gender: str = "男",
    ethnicity: str = "汉族",
    birth: object = "",
    id_number: object = "",
    phone: object = "",
    education: str = "本科",
    kind: str = "在职党员",
    org_unit: str = "",
    community: str = "社区1",
    reported_on: object = "",
    employer: str = "",
) -> list[Any]:
    return [
        number,
        name,
        gender,
        ethnicity,
        birth,
        id_number,
        phone,
        education,
        kind,
        org_unit,
        community,
        reported_on,
        employer,
    ]


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = GRID_HEADER,
    title: str | None = None,
    merges: Sequence[str] = (),
    header_rows: Sequence[Sequence[Any]] | None = None,
) -> Path:
    """A workbook: an optional title row merged across the columns, the header (or several
    header rows, with `merges` given as ranges like "A2:A3"), then the rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    if title is not None:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    for row in header_rows or [header]:
        sheet.append(list(row))
    for merged in merges:
        sheet.merge_cells(merged)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], *, header: Sequence[str] = GRID_HEADER, encoding: str = "utf-8"
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def register_two(small: Any, id_number_a: str) -> list[Any]:
    """王小明 (with ID number `id_number_a`) heading the first household; 赵丽 (without one, born
    1975-03-01, 泉华路1号) heading the second."""
    from wangge.people.actions import PersonInput, create_persons

    return create_persons(
        None,
        district=small.district,
        people=[
            PersonInput(name="王小明", id_number=id_number_a, household=small.households[0], relation="head"),
            PersonInput(
                name="赵丽",
                birth_date=dt.date(1975, 3, 1),
                household=small.households[1],
                relation="head",
                current_address="泉华路1号",
            ),
        ],
    )
