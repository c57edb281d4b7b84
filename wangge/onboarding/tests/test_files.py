"""The example files of 新区 hold what `factories` says they hold, and onboarding files are
read as the ledgers are (title rows, CSV encodings, header variants).

Written again, after a change of `factories`, with:

    DJANGO_SETTINGS_MODULE=wangge.settings python -c "import django; django.setup(); \
        from wangge.onboarding.tests.factories import write_xinqu_files; write_xinqu_files()"
"""

import pytest

from wangge.lib.errors import DomainError
from wangge.lib.text import cell_text
from wangge.onboarding import addresses, staff, units
from wangge.onboarding.files import read_sheet
from wangge.onboarding.tests.factories import (
    ADDRESS_HEADER,
    FILES,
    ORG_ROWS,
    RESIDENT_ROWS,
    STAFF_ROWS,
    address_rows,
)


def _texts(rows) -> list[list[str]]:
    return [[cell_text(cell) for cell in row] for row in rows]


@pytest.mark.parametrize(
    ("name", "columns", "required", "rows"),
    [
        ("addresses.xlsx", addresses.COLUMNS, addresses.REQUIRED, address_rows()),
        ("staff.xlsx", staff.COLUMNS, staff.REQUIRED, STAFF_ROWS),
        ("org_units.xlsx", units.ORG_COLUMNS, (("name",),), ORG_ROWS),
        ("resident_units.xlsx", units.RESIDENT_COLUMNS, (("name",),), RESIDENT_ROWS),
    ],
)
def test_the_example_files_hold_the_rows_of_the_factories(name, columns, required, rows):
    sheet = read_sheet(FILES / name, list(columns.values()), required)

    assert sheet.header_rows == (2,)  # below the title row
    assert [number for number, _cells in sheet.rows] == list(range(3, 3 + len(rows)))
    order = list(columns)
    for (_number, cells), expected in zip(sheet.rows, _texts(rows), strict=True):
        present = [value for value in expected if value]
        assert sorted(cells.values()) == sorted(present)
    assert set(order) >= sheet.present


def test_a_gbk_csv_is_read(tmp_path):
    path = tmp_path / "gbk.csv"
    lines = [",".join(ADDRESS_HEADER), *(",".join(str(c) for c in row) for row in address_rows()[:3])]
    path.write_bytes("\r\n".join(lines).encode("gbk"))

    sheet = read_sheet(path, list(addresses.COLUMNS.values()), addresses.REQUIRED)

    assert sheet.rows[0][1]["community"] == "东湖社区"


def test_a_file_without_the_columns_it_needs_is_refused_naming_them(tmp_path, english):
    path = tmp_path / "no_room.csv"
    path.write_text("社区,网格,楼栋\n东湖社区,第1网格,1号楼\n", encoding="utf-8")

    with pytest.raises(DomainError) as error:
        read_sheet(path, list(addresses.COLUMNS.values()), addresses.REQUIRED)

    assert error.value.code == "column_missing"
    assert "房号" in error.value.message
