"""Reading a ledger file: .xlsx/.xls with python-calamine in a child process with a memory limit,
after checks of its size (`sheets`), .csv with the csv module (UTF-8 with or without BOM,
UTF-16 with BOM, else GBK/GB18030), and finding its header.

The header is the row (or pair of rows) among the first `HEADER_SCAN_ROWS` that names the
most of the layout's fields. A two-row header is read column by column as upper + lower
("残疾" over "类别" → "残疾类别"), else the lower cell, else the upper one; an empty upper
cell takes the value to its left, as merged cells leave only their first cell filled. Title
rows above the header and empty rows anywhere are skipped. Row numbers are the ones a
spreadsheet program shows (1-based, counting every row), so a reason can be found in the file.
"""

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from wangge.ledgers.errors import LedgerError
from wangge.ledgers.layouts import FIELDS, LayoutSpec, Mapping, field_label, header_index, normalise_header
from wangge.ledgers.sheets import (
    HEADER_SCAN_ROWS,
    SPREADSHEET_SUFFIXES,
    Limits,
    SheetError,
    read_in_child,
    sheet_rows,
)
from wangge.lib.errors import DomainError

TEXT_SUFFIXES = {".csv", ".txt"}
SUFFIXES = SPREADSHEET_SUFFIXES | TEXT_SUFFIXES

Cell = Any  # str, int, float, bool, date, datetime, time, timedelta (calamine) or str (csv)


@dataclass
class Table:
    """The located header and an iterator over the data rows as (row number, cells by field)."""

    columns: dict[int, str]  # column index → field
    header_rows: tuple[int, ...]  # spreadsheet row numbers of the header
    ignored_headers: list[str] = field(default_factory=list)
    rows: Iterator[tuple[int, dict[str, Cell]]] = field(default_factory=lambda: iter(()))
    total: int = 0  # data rows after the header (empty ones included): for progress


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --- raw rows -------------------------------------------------------------------------------


def sheet_error(error: SheetError) -> DomainError:
    """The answer to a spreadsheet refused or not read (`sheets.SheetError`): a stable code and
    a message that quotes nothing of the file."""
    figures = error.figures
    if error.reason == "parts":
        message = _("The workbook has %(count)s parts; an import reads at most %(limit)s.") % {
            "count": f"{figures['count']:,}",
            "limit": f"{figures['limit']:,}",
        }
    elif error.reason == "unpacked":
        message = _("The workbook unpacks to %(size)s MB; an import reads at most %(limit)s MB.") % {
            "size": f"{math.ceil(figures['size'] / 2**20):,}",
            "limit": f"{figures['limit'] // 2**20:,}",
        }
    elif error.reason == "ratio":
        message = _(
            "A part of the workbook unpacks to %(ratio)s times its packed size, more than any spreadsheet "
            "(%(limit)s times): it is refused as a possible zip bomb."
        ) % {"ratio": f"{figures['ratio']:,}", "limit": f"{figures['limit']:,}"}
    elif error.reason == "area":
        message = _(
            "A sheet of the workbook declares the range %(range)s, %(cells)s cells; an import reads at most "
            "%(limit)s. Delete the empty rows and columns around the data and save the file again."
        ) % {"range": figures["ref"], "cells": f"{figures['cells']:,}", "limit": f"{figures['limit']:,}"}
    elif error.reason == "memory":
        message = _(
            "Reading the file needs more than the %(limit)s MB of memory an import may use: its cells may "
            "be spread over a very large area. Delete the empty rows and columns around the data and save "
            "the file again."
        ) % {"limit": f"{settings.IMPORT_READER_MEMORY_MB:,}"}
    elif error.reason == "doctype":
        return DomainError(
            LedgerError.FILE_UNREADABLE,
            _("The file cannot be read as a spreadsheet: it declares an XML document type, which ledgers never do."),
        )
    elif error.reason == "empty":
        return DomainError(LedgerError.FILE_EMPTY, _("The file has no rows."))
    else:
        return DomainError(
            LedgerError.FILE_UNREADABLE,
            _("The file cannot be read as a spreadsheet: %(reason)s") % {"reason": figures.get("error", "-")},
        )
    return DomainError(LedgerError.FILE_TOO_LARGE, message)


def _spreadsheet_rows(path: Path, sheet: Any = None) -> tuple[list[list[Cell]], Iterator[list[Cell]], int]:
    """(first rows, iterator over all rows from the first, row count) of the first sheet with data:
    `sheet` (loaded by the caller in a process of its own, `pipeline`), else read in a child
    process (`sheets.read_in_child`: this one never opens a spreadsheet)."""
    if sheet is not None:
        return sheet_rows(sheet)
    try:
        data = read_in_child(path, Limits.from_settings(settings))
    except SheetError as error:
        raise sheet_error(error) from None
    return data.head, iter(data.rows), data.count


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(
            LedgerError.FILE_ENCODING,
            _("The file's text is neither UTF-8 nor GBK; save it as UTF-8 CSV and try again."),
        ) from None


def _csv_rows(path: Path) -> tuple[list[list[Cell]], Iterator[list[Cell]], int]:
    try:
        text = _decode(path.read_bytes())
    except OSError:
        raise DomainError(LedgerError.FILE_UNREADABLE, _("The file cannot be read.")) from None
    sample = text[:8192]
    first_lines = [line for line in sample.splitlines() if line.strip()][:5]
    counts = {d: sum(line.count(d) for line in first_lines) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        # A field beyond the csv module's limit (128 KiB): no ledger has one.
        raise DomainError(LedgerError.FILE_UNREADABLE, _("The file cannot be read: a field is too long.")) from None
    return records[: HEADER_SCAN_ROWS + 1], iter(records), len(records)


# --- header ---------------------------------------------------------------------------------


def _forward_filled(row: list[Cell], below: list[Cell]) -> list[str]:
    """The upper header row with each empty cell taking the value to its left where the lower
    row has a header (what a merged cell spanning those columns means)."""
    filled: list[str] = []
    last = ""
    for col, cell in enumerate(row):
        text = "" if _blank(cell) else str(cell)
        if text:
            last = text
            filled.append(text)
        elif col < len(below) and not _blank(below[col]) and last:
            filled.append(last)
        else:
            last = ""
            filled.append("")
    return filled


def match_columns(index: dict[str, str], lower: list[Cell], upper: list[Cell] | None) -> dict[int, str]:
    """Column index → field for a header row (`lower`, with the row above it for a two-row
    header), `index` mapping normalised headers to fields; each field claimed once."""
    columns: dict[int, str] = {}
    used: set[str] = set()
    upper_filled = _forward_filled(upper, lower) if upper is not None else []
    for col, cell in enumerate(lower):
        low = "" if _blank(cell) else normalise_header(cell)
        up = normalise_header(upper_filled[col]) if col < len(upper_filled) else ""
        candidates = []
        if up and low:
            candidates.append(up + low)
        if low:
            candidates.append(low)
        if up and not low and (upper is None or col >= len(upper) or not _blank(upper[col])):
            candidates.append(up)
        for candidate in candidates:
            name = index.get(candidate)
            if name is not None and name not in used:
                columns[col] = name
                used.add(name)
                break
    return columns


def locate_header(
    head: list[list[Cell]], layout: LayoutSpec, mapping: Mapping
) -> tuple[int, bool, dict[int, str], list[str]]:
    """(index of the last header row, two-row header?, columns, ignored headers)."""
    unknown = [name for name in mapping.columns if name not in layout.fields]
    if unknown:
        raise DomainError(
            LedgerError.MAPPING_FIELD_NOT_IN_LAYOUT,
            _("The mapping names %(fields)s, which this layout does not read.")
            % {"fields": ", ".join(field_label(n) for n in unknown)},
        )
    index = header_index(layout, mapping)
    best: tuple[int, int, bool, dict[int, str]] = (0, -1, False, {})
    for r, row in enumerate(head[:HEADER_SCAN_ROWS]):
        single = match_columns(index, row, None)
        options = [(len(single), False, single)]
        if r > 0:
            double = match_columns(index, row, head[r - 1])
            options.append((len(double), True, double))
        for score, two_rows, columns in options:
            # Strictly better only: the earliest row wins a tie, a single row wins over a pair.
            if score > best[0]:
                best = (score, r, two_rows, columns)
    score, r, two_rows, columns = best
    if score < 2 or "name" not in columns.values():
        raise DomainError(
            LedgerError.HEADER_NOT_FOUND,
            _("No header row naming the columns was found in the first %(rows)d rows (looked for e.g. %(example)s).")
            % {"rows": HEADER_SCAN_ROWS, "example": "、".join(FIELDS[n][1][0] for n in layout.required)},
        )
    missing = [name for name in layout.required if name not in columns.values()]
    if missing:
        raise DomainError(
            LedgerError.COLUMN_MISSING,
            _("The file has no column for: %(fields)s.") % {"fields": ", ".join(field_label(n) for n in missing)},
        )
    ignored: list[str] = []
    rows_of_header = [head[r - 1], head[r]] if two_rows else [head[r]]
    width = max(len(row) for row in rows_of_header)
    for col in range(width):
        if col in columns:
            continue
        text = "".join(str(row[col]).strip() for row in rows_of_header if col < len(row) and not _blank(row[col]))
        if text:
            ignored.append(text)
    return r, two_rows, columns, ignored


def raw_rows(path: Path, *, sheet: Any = None) -> tuple[list[list[Cell]], Iterator[list[Cell]], int]:
    """(the first rows, an iterator over every row from row 1, the row count) of an .xlsx/.xls
    file (read in a child process with the memory limit, after the size checks) or a .csv file
    (its encoding and delimiter detected); a DomainError for any other file or one not read."""
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return _spreadsheet_rows(path, sheet)
    if suffix in TEXT_SUFFIXES:
        return _csv_rows(path)
    raise DomainError(
        LedgerError.FILE_TYPE,
        _("Only .xlsx, .xls and .csv files can be imported (this one is “%(suffix)s”).") % {"suffix": suffix or "-"},
    )


def read_table(path: str | Path, layout: LayoutSpec, mapping: Mapping | None = None, *, sheet: Any = None) -> Table:
    """Open the file, find its header and return the data rows as an iterator (row numbers as shown
    in a spreadsheet program; empty rows skipped). `sheet`: a spreadsheet's first sheet with data,
    loaded ahead in the helper process (`pipeline._load_sheet`)."""
    path = Path(path)
    mapping = mapping or Mapping()
    head, raw, count = raw_rows(path, sheet=sheet)
    r, two_rows, columns, ignored = locate_header(head, layout, mapping)
    header_rows = (r, r + 1) if two_rows else (r + 1,)
    items = sorted(columns.items())
    header_cells = {name: normalise_header(head[r][col]) for col, name in items if col < len(head[r])}

    def rows() -> Iterator[tuple[int, dict[str, Cell]]]:
        for number, row in enumerate(raw, start=1):
            if number <= r + 1:
                continue
            width = len(row)
            cells = {}
            for col, name in items:
                if col < width:
                    cell = row[col]
                    if cell == "" or cell is None or (cell.__class__ is str and cell.isspace()):
                        continue
                    cells[name] = cell
            if not cells:
                continue
            # A repeated header (ledgers printed page by page) is not a row.
            if (
                "name" in cells
                and isinstance(cells["name"], str)
                and normalise_header(cells["name"]) == header_cells.get("name")
            ):
                continue
            yield number, cells

    return Table(columns, header_rows, ignored, rows(), max(count - (r + 1), 0))
