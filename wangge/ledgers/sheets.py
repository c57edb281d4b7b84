"""Opening an uploaded spreadsheet where its failure cannot take anything else down.

A workbook from outside can make its reader (python-calamine) do anything: one cell at
XFD1048576 next to A1 makes it allocate the whole area between them (512 GB: the process
aborts), a zip bomb unpacks to gigabytes, an XML part may declare entities (XXE, billion
laughs). So a spreadsheet is never opened in the importing process (the command line, the web
server's worker): it is opened in a child process whose address space is limited
(`RLIMIT_AS`), and only after checks that cost next to nothing and parse no XML:

- the zip directory (`zipfile`): at most `MAX_PARTS` parts, unpacking to at most
  `Limits.max_unpacked_bytes` in all, none larger than `MAX_RATIO` times its packed size (from
  `RATIO_FLOOR` on). The reader refuses a part larger than the directory says, so these sizes
  bound its work;
- the first `HEAD_BYTES` of every part, unpacked as a stream: no document type declaration
  (`<!DOCTYPE`, `<!ENTITY`: ledgers never have one), and a worksheet's declared dimension
  (`<dimension ref="A1:XFD1048576"/>`) at most `Limits.max_cells` cells.

A sheet that declares no dimension, or a small one, and spreads its cells wider anyway is
stopped by the memory limit: the child aborts, and its death is the answer (`SheetError`
"memory"). An .xls file (no zip) has only that limit.

This module imports neither Django nor anything of ours, so that the child starts fast: it
is the main module of the child that reads a small spreadsheet (`read_in_child`: the raw rows
come back through a pipe); the helper that reads and parses a large one (`pipeline`) limits
its memory and checks its file here too.
"""

import contextlib
import ctypes
import os
import pickle
import re
import resource
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_PARTS = 1000
MAX_RATIO = 100
RATIO_FLOOR = 2**20  # a part unpacking to less than this may be packed as densely as it likes
HEAD_BYTES = 64 * 1024
# CPU seconds the small file's reader may take (a real one needs a fraction of one); a reader
# that loops longer is killed (SIGXCPU) and the file answered as unreadable.
READ_CPU_SECONDS = 120
HEADER_SCAN_ROWS = 15  # rows read ahead for the header (`reading.locate_header`)
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
ZIP_SUFFIXES = {".xlsx", ".xlsm"}

# `<dimension ref="A1:XFD1048576"/>`, with or without a namespace prefix.
_DIMENSION = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\sref\s*=\s*[\"']\s*\$?([A-Za-z]+)\$?([0-9]+)"
    rb"(?:\s*:\s*\$?([A-Za-z]+)\$?([0-9]+))?"
)
_DOCUMENT_TYPE = (b"<!DOCTYPE", b"<!ENTITY")
# A child killed by one of these has run out of memory: Rust aborts when an allocation fails,
# the kernel's OOM killer sends SIGKILL.
OUT_OF_MEMORY_SIGNALS = {signal.SIGABRT, signal.SIGKILL}

Cell = Any  # str, int, float, bool, date, datetime, time, timedelta


@dataclass(frozen=True)
class Limits:
    memory_bytes: int  # the reading process's address space
    max_cells: int  # a worksheet's declared area, rows × columns
    max_unpacked_bytes: int  # the workbook's parts, unpacked, in all

    @classmethod
    def from_settings(cls, settings: Any) -> "Limits":
        return cls(
            memory_bytes=settings.IMPORT_READER_MEMORY_MB * 2**20,
            max_cells=settings.IMPORT_MAX_CELLS,
            max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_MB * 2**20,
        )


class SheetError(Exception):
    """Why a spreadsheet is not read: `reason` is one of

    - `parts`, `unpacked`, `ratio`, `area` — over a limit (figures: the value and the limit);
    - `memory` — reading it needed more memory than the limit;
    - `doctype` — an XML part declares a document type;
    - `unreadable` — not a workbook the reader understands (`error`: the exception's type);
    - `empty` — no visible worksheet with data.

    The figures never quote the file's content."""

    def __init__(self, reason: str, **figures: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.figures = figures


# --- the checks -----------------------------------------------------------------------------


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def declared_cells(head: bytes) -> tuple[str, int] | None:
    """The dimension a worksheet declares at its beginning, and its area in cells."""
    match = _DIMENSION.search(head)
    if match is None:
        return None
    first_col, first_row, last_col, last_row = match.groups()
    last_col, last_row = last_col or first_col, last_row or first_row
    columns = abs(_column_number(last_col) - _column_number(first_col)) + 1
    rows = abs(int(last_row) - int(first_row)) + 1
    ref = match.group(0).rsplit(b"=", 1)[1].strip(b" \"'").decode("ascii")
    return ref, columns * rows


def check(path: str | Path, limits: Limits) -> None:
    """Refuse (`SheetError`) a workbook over the limits, before anything reads it. A file that
    is not a zip is left to the reader (an .xls file; or no spreadsheet at all)."""
    path = Path(path)
    if path.suffix.lower() not in ZIP_SUFFIXES and not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise SheetError("parts", count=len(parts), limit=MAX_PARTS)
            unpacked = sum(part.file_size for part in parts)
            if unpacked > limits.max_unpacked_bytes:
                raise SheetError("unpacked", size=unpacked, limit=limits.max_unpacked_bytes)
            for part in parts:
                if part.file_size >= RATIO_FLOOR and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                    raise SheetError("ratio", ratio=part.file_size // max(part.compress_size, 1), limit=MAX_RATIO)
            for part in parts:
                if part.is_dir():
                    continue
                with archive.open(part) as stream:
                    head = stream.read(HEAD_BYTES)
                if any(marker in head for marker in _DOCUMENT_TYPE):
                    raise SheetError("doctype")
                declared = declared_cells(head)
                if declared is not None and declared[1] > limits.max_cells:
                    raise SheetError("area", ref=declared[0], cells=declared[1], limit=limits.max_cells)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        # Not a zip after all, encrypted parts, a compression method zipfile does not know …
        raise SheetError("unreadable", error=type(error).__name__) from None


# --- the reading ----------------------------------------------------------------------------


def _lower(kind: int, limit: int) -> None:
    """Set a resource limit of this process (never above the hard limit it already has)."""
    _soft, hard = resource.getrlimit(kind)
    limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(kind, (limit, hard))


def limit_memory(memory_bytes: int) -> None:
    """Limit this process's address space."""
    _lower(resource.RLIMIT_AS, memory_bytes)


def first_sheet(path: str | Path) -> Any:
    """The first visible worksheet with data (a `CalamineSheet`), or None. Raises the reader's
    errors (call it in a child process, after `check`)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    book = CalamineWorkbook.from_path(str(path))
    for index, meta in enumerate(book.sheets_metadata):
        if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_index(index)
        if sheet.height:
            return sheet
    return None


def sheet_rows(sheet: Any) -> tuple[list[list[Cell]], Iterator[list[Cell]], int]:
    """(the first rows, an iterator over all rows from row 1, the row count) of a loaded sheet."""
    head = sheet.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS + 1)
    # `iter_rows` starts at the sheet's first row (row 1) whatever is empty above the data;
    # columns start at the first used one, so `to_python` rows are cut the same way.
    offset = sheet.start[1] if sheet.start else 0
    head = [row[offset:] for row in head]
    return head, iter(sheet.iter_rows()), (sheet.end[0] + 1 if sheet.end else 0)


@dataclass
class SheetData:
    """A small spreadsheet's rows, read in a child: as `sheet_rows` gives them."""

    head: list[list[Cell]]
    rows: list[list[Cell]] = field(default_factory=list)
    count: int = 0


def _read(path: str, limits: Limits) -> SheetData:
    check(path, limits)
    try:
        sheet = first_sheet(path)
        if sheet is None:
            raise SheetError("empty")
        head, rows, count = sheet_rows(sheet)
        return SheetData(head, list(rows), count)
    except (SheetError, MemoryError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 (the reader's errors, a Rust panic too: the file's doing)
        raise SheetError("unreadable", error=type(error).__name__) from None


def child_environment() -> dict[str, str]:
    """The environment of a child running one of our modules (`python -m wangge…`)."""
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


def die_with_parent(parent: int) -> None:
    """Linux: this process gets SIGTERM when the one that started it dies."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def death(returncode: int | None) -> SheetError | None:
    """What a reading child's death by a signal means: out of memory (it aborted, or was
    killed), or a reader that crashed on the file. None if it was not killed."""
    if returncode is None or returncode >= 0:
        return None
    if -returncode in OUT_OF_MEMORY_SIGNALS:
        return SheetError("memory")
    return SheetError("unreadable", error=signal.Signals(-returncode).name)


def read_in_child(path: str | Path, limits: Limits) -> SheetData:
    """Check and read a spreadsheet in a child process limited to `limits.memory_bytes`;
    `SheetError` if it is refused, cannot be read, or the child dies of it."""
    job = pickle.dumps((str(path), limits), protocol=pickle.HIGHEST_PROTOCOL)
    process = subprocess.run(  # noqa: S603 (this interpreter, this module)
        [sys.executable, "-m", "wangge.ledgers.sheets", str(os.getpid())],
        input=job,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # a reader's dying words may quote the file
        env=child_environment(),
        check=False,
    )
    died = death(process.returncode)
    if died is not None:
        raise died
    if process.returncode != 0 or not process.stdout:
        raise RuntimeError(f"The spreadsheet reader ended with status {process.returncode}.")
    kind, answer = pickle.loads(process.stdout)  # noqa: S301 (from our own child)
    if kind == "error":
        reason, figures = answer
        raise SheetError(reason, **figures)
    return SheetData(*answer)


def main() -> None:
    """`python -m wangge.ledgers.sheets PARENT_PID`: the job (path, limits) pickled on stdin,
    the answer pickled on stdout, built-in types only (this module is `__main__` here):
    ("rows", (head, rows, count)) or ("error", (reason, figures))."""
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing else reaches the answer's pipe
    die_with_parent(int(sys.argv[1]))
    path, limits = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 (from the process that started this one)
    limit_memory(limits.memory_bytes)
    _lower(resource.RLIMIT_CPU, READ_CPU_SECONDS)
    try:
        sheet = _read(path, limits)
        data = pickle.dumps(("rows", (sheet.head, sheet.rows, sheet.count)), protocol=pickle.HIGHEST_PROTOCOL)
    except SheetError as error:
        data = pickle.dumps(("error", (error.reason, error.figures)))
    except MemoryError:
        data = pickle.dumps(("error", ("memory", {})))
    out.write(data)
    out.close()


if __name__ == "__main__":
    main()
