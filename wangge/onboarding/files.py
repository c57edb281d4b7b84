"""Reading an onboarding file (.xlsx/.xls/.csv) with the ledgers' reader — its size and memory
limits, its CSV encodings, its row numbers — and finding the header by the Chinese names of
the columns a kind of file has (and their usual variants).

The header is the row, or pair of rows, among the first 15 that names the most columns; a
header is compared after NFKC, without spaces, `*` marks, colons or bracketed notes. Empty
rows and repeated header rows are skipped. Every cell is read as clean text (`cell_text`);
"无", "-", "/", "暂无" … are empty.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from wangge.ledgers.cleaning import is_empty_word
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.layouts import normalise_header
from wangge.ledgers.reading import match_columns, raw_rows
from wangge.ledgers.sheets import HEADER_SCAN_ROWS
from wangge.lib.errors import DomainError
from wangge.lib.text import cell_text


@dataclass(frozen=True)
class Column:
    name: str  # the field
    label: Promise  # shown in messages
    headers: tuple[str, ...]  # the Chinese headers naming it; the first is the one documented


@dataclass
class Sheet:
    header_rows: tuple[int, ...]
    present: set[str]  # the fields the file has a column for
    ignored: list[str] = field(default_factory=list)  # headers no field claims
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, non-empty cells)


def read_sheet(path: str | Path, columns: Sequence[Column], required: Sequence[tuple[str, ...]]) -> Sheet:
    """The rows of the file's first sheet with data, as (row number, field → text). `required`:
    groups of fields of which the file needs at least one column each (e.g. ("building",
    "address")). A DomainError when the file cannot be read or has no such header."""
    head, raw, _count = raw_rows(Path(path))
    index = {normalise_header(h): c.name for c in columns for h in c.headers}
    best: tuple[int, int, bool, dict[int, str]] = (0, -1, False, {})
    for r, row in enumerate(head[:HEADER_SCAN_ROWS]):
        options = [(match_columns(index, row, None), False)]
        if r > 0:
            options.append((match_columns(index, row, head[r - 1]), True))
        for found, two_rows in options:
            if len(found) > best[0]:  # strictly better: the earliest row, a single row wins a tie
                best = (len(found), r, two_rows, found)
    score, r, two_rows, found = best
    labels = {c.name: c for c in columns}
    if score < min(2, len(required)):
        raise DomainError(
            LedgerError.HEADER_NOT_FOUND,
            _("No header row naming the columns was found in the first %(rows)d rows (looked for e.g. %(example)s).")
            % {"rows": HEADER_SCAN_ROWS, "example": "、".join(labels[g[0]].headers[0] for g in required)},
        )
    present = set(found.values())
    missing = [g for g in required if not present.intersection(g)]
    if missing:
        raise DomainError(
            LedgerError.COLUMN_MISSING,
            _("The file has no column for: %(fields)s.")
            % {"fields": ", ".join(" / ".join(labels[n].headers[0] for n in g) for g in missing)},
        )
    header_cells = [head[r - 1], head[r]] if two_rows else [head[r]]
    ignored = []
    for col in range(max(len(row) for row in header_cells)):
        if col not in found:
            text = "".join(cell_text(row[col]) for row in header_cells if col < len(row))
            if text:
                ignored.append(text)
    header_texts = {normalise_header(cell_text(c)) for c in head[r]}
    sheet = Sheet((r, r + 1) if two_rows else (r + 1,), present, ignored)
    items = sorted(found.items())
    for number, row in enumerate(raw, start=1):
        if number <= r + 1:
            continue
        cells = {}
        for col, name in items:
            if col < len(row):
                value = cell_text(row[col])
                if value and not is_empty_word(value):
                    cells[name] = value
        if not cells or all(normalise_header(v) in header_texts for v in cells.values()):
            continue  # an empty row, or the header repeated (a ledger printed page by page)
        sheet.rows.append((number, cells))
    return sheet
