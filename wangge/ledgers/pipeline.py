"""Reading and parsing a large ledger in a second process while this one matches its rows.

The helper process (`python -m wangge.ledgers.pipeline`: a new interpreter, nothing inherited
but the environment, no database connection) reads the file with `reading.read_table` and
turns each row into its `RowResult` with `matching.Parsing` (parsed, checked against the
user's scope and the earlier rows of the file), for a commit seals each valid row in case it
is new (`people.actions.seal`; on PostgreSQL renders its row for COPY too, `prepare`), and
sends them in chunks of `matching.CHUNK` rows through a pipe. The importing process receives
them and does what needs the database: the matching queries and, for a commit, the writing,
in its one transaction. Everything the helper needs comes through a second pipe: the
district's areas (loaded here), the vocabulary, the key ring (for the fingerprints of rows
without an ID number, and the sealing), today's date and the active language, so its reasons
read exactly as the in-process ones.

A sealed value is bound to its person's row (`lib.crypto.bound_to`), whose id the helper
cannot draw: the importing process reserves ids (`lib.rowids.reserve_ids`, given as
`reserve`) and sends them through the second pipe, two chunks' worth ahead of what the helper
has used (each chunk says how many it has), topped up as each chunk arrives. So the helper
never waits for ids, and the pipe never holds more than that (a few KiB: neither side blocks
on it). Ids of rows that turn out not new are gaps.

Not `multiprocessing`'s "spawn": it runs the importing program's main module again in the
helper (a script without the `if __name__ == "__main__"` guard would import twice) and keeps
a resource-tracker process; nothing is forked, so no open database connection is shared.

The helper reads the spreadsheet as `sheets` says, under the same memory limit as the child
that reads a small one (`sheets.limit_memory`, set before anything else) and after the same
checks. Errors keep their meaning: a `DomainError` of the reading (an unreadable file, no
header …) is raised here with the same code, message and status; a file refused by the
checks, or one whose reading runs out of memory (a `MemoryError`, or the helper killed by
SIGABRT or SIGKILL), is answered as `reading.sheet_error` says (`file_too_large`,
`file_unreadable`); any other failure of the helper is a `PipelineError` naming only the
exception's type (its message may quote a cell). The helper
exits when its pipe breaks (this process gone or done with it) and, on Linux, when this
process dies (`PR_SET_PDEATHSIG`); leaving `ParsedRows` always ends and reaps it.
"""

import contextlib
import gc
import os
import pickle
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation

from wangge.ledgers.sheets import (
    SPREADSHEET_SUFFIXES,
    Limits,
    SheetError,
    check,
    child_environment,
    death,
    die_with_parent,
    first_sheet,
    limit_memory,
)
from wangge.lib.errors import DomainError

# This module is the helper's main module, run before Django is set up: models only under
# TYPE_CHECKING or inside functions.
if TYPE_CHECKING:
    from wangge.ledgers.layouts import Mapping
    from wangge.ledgers.matching import Parsing, RowResult

# Files at least this large are read in a second process; smaller ones (a few thousand rows)
# in-process, where starting an interpreter and Django (about 1 s) would not pay.
MIN_BYTES = 512 * 1024
# How long to wait for the helper to end once it is told to (then it is killed).
STOP_SECONDS = 5.0


class PipelineError(RuntimeError):
    """The helper process failed other than with a `DomainError` (names the exception type only)."""


def wanted(path: str | Path) -> bool:
    """Whether to read and parse this file in a second process."""
    try:
        return Path(path).stat().st_size >= MIN_BYTES
    except OSError:
        return False  # the in-process reading says what is wrong with it


@dataclass
class _Job:
    path: str
    layout: str
    mapping: dict[str, Any]
    language: str | None
    seal: bool  # a commit: seal each row, in case it is new (`people.actions.seal`)
    prepare: bool  # and render it for PostgreSQL's COPY (`people.actions.prepare`)
    limits: Limits  # of the reading: the helper's memory, the file's sizes


class _Ids:
    """The helper's supply of reserved person ids, in blocks from the importing process."""

    def __init__(self, jobs: Connection) -> None:
        self.jobs = jobs
        self.block: list[int] = []
        self.next = 0
        self.used = 0

    def take(self) -> int:
        if self.next == len(self.block):
            self.block = pickle.loads(self.jobs.recv_bytes())  # noqa: S301 (from the process that started this one)
            self.next = 0
        pk = self.block[self.next]
        self.next += 1
        self.used += 1
        return pk


def _peak_kb() -> int:
    """This process's peak resident memory in KiB: Linux's VmHWM, which starts afresh at exec
    (`ru_maxrss` carries over the high-water mark of the process that exec'd: the forked copy of
    the importing one)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _load_sheet(path: str, limits: Limits, loaded: list[Any]) -> None:
    """A spreadsheet checked (`sheets.check`) and the sheet `reading.read_table` reads (the first
    visible worksheet with data) loaded into `loaded` ahead: calamine lets Django start
    meanwhile. On any failure `loaded` holds the `SheetError` that says why."""
    try:
        check(path, limits)
        sheet = first_sheet(path)
        loaded.append(sheet if sheet is not None else SheetError("empty"))
    except SheetError as error:
        loaded.append(error)
    except MemoryError:
        loaded.append(SheetError("memory"))
    except BaseException as error:  # noqa: BLE001 (the reader's errors, a Rust panic too: the file's doing)
        loaded.append(SheetError("unreadable", error=type(error).__name__))


class _Households(dict[int, Any]):
    """The district's households as `people.actions.prepare` needs them: unsaved nodes that say
    their level, community and grid (from the parser's areas), made as rows name them. Another
    id is a KeyError: that row is not rendered ahead (the importing process then says why)."""

    def __init__(self, parsing: "Parsing") -> None:
        super().__init__()
        self.ancestors = parsing.areas.ancestors
        self.known = {pk for pks in parsing.areas.households.values() for pk in pks}

    def __missing__(self, household_id: int) -> Any:
        from wangge.areas.models import AreaNode, Level

        if household_id not in self.known:
            raise KeyError(household_id)
        community, grid, _group, _building = self.ancestors[household_id]
        node = self[household_id] = AreaNode(
            pk=household_id, level=Level.HOUSEHOLD, community_id=community, grid_id=grid
        )
        return node


def _work(jobs: Connection, conn: Connection) -> None:
    """The helper: read, parse, send. Runs in the new process."""
    try:
        job: _Job = pickle.loads(jobs.recv_bytes())  # noqa: S301 (from the process that started this one)
        limit_memory(job.limits.memory_bytes)
        loaded: list[Any] = []
        loader = None
        if Path(job.path).suffix.lower() in SPREADSHEET_SUFFIXES:
            loader = threading.Thread(target=_load_sheet, args=(job.path, job.limits, loaded), daemon=True)
            loader.start()
        import django

        django.setup(set_prefix=False)
        from wangge.ledgers.layouts import LAYOUTS, Mapping
        from wangge.ledgers.matching import CHUNK
        from wangge.ledgers.newrows import person_input
        from wangge.ledgers.reading import read_table
        from wangge.people.actions import prepare, seal

        gc.freeze()  # Django and the modules: never garbage
        if job.language:
            translation.activate(job.language)
        sheet = None
        if loader is not None:
            loader.join()
            sheet = loaded[0] if loaded else SheetError("unreadable", error="-")
        try:
            if isinstance(sheet, SheetError):
                raise sheet
            table = read_table(job.path, LAYOUTS[job.layout], Mapping.from_dict(job.mapping), sheet=sheet)
            conn.send(("header", table.header_rows, table.ignored_headers, table.total))
            # The parser (the district's areas, the key ring): unpickled once Django is set up.
            parsing: Parsing = pickle.loads(jobs.recv_bytes())  # noqa: S301
            ids = _Ids(jobs)  # a commit: the ids to seal with come on this pipe
            if not job.seal:
                jobs.close()
            parse, ring = parsing.parse, parsing.ring
            households = _Households(parsing)
            district_id = parsing.areas.district.pk
            chunk: list[RowResult] = []
            for number, cells in table.rows:
                result = parse(number, cells)
                facts = result.facts
                if facts is not None and job.seal:
                    # Sealed (and rendered) here, in case it is new: the importing process then
                    # only writes. A value refused is sealed again there, and refused there.
                    # Bound to an id reserved for the row (a gap if it is not new after all).
                    with contextlib.suppress(DomainError, KeyError):
                        pk = ids.take()
                        sealed = seal(pk, facts.id_number, facts.phone, facts.sensitive, ring, normalised=True)
                        if facts.id_number:
                            result.id_index = (sealed[1], sealed[4])
                        if job.prepare:
                            result.prepared = prepare(district_id, pk, person_input(facts, households, sealed), ring)
                        else:
                            result.sealed = sealed
                chunk.append(result)
                if len(chunk) == CHUNK:
                    conn.send(("rows", chunk, ids.used))
                    chunk = []
                    # What stays (the in-file index, the parser's caches) out of the collector's
                    # way: a full collection would walk it all again, 3.5 s of 19 at 200,000 rows.
                    gc.freeze()
            if chunk:
                conn.send(("rows", chunk, ids.used))
            conn.send(("done", _peak_kb(), time.process_time()))
        except DomainError as error:
            conn.send(("error", error.code, error.message, error.status, _peak_kb()))
        except SheetError as error:
            conn.send(("refused", error.reason, error.figures, _peak_kb()))
        except MemoryError:
            conn.send(("refused", "memory", {}, _peak_kb()))
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception as error:  # noqa: BLE001 (reported by type only: a message may quote a cell)
            conn.send(("failed", type(error).__name__, _peak_kb()))
    except (BrokenPipeError, ConnectionResetError, EOFError):
        pass  # the importing process no longer listens: stop
    finally:
        conn.close()


def main() -> None:
    """`python -m wangge.ledgers.pipeline JOB_FD ROWS_FD PARENT_PID`: the helper."""
    jobs_fd, rows_fd, parent = (int(argument) for argument in sys.argv[1:4])
    die_with_parent(parent)
    _work(Connection(jobs_fd, writable=False), Connection(rows_fd, readable=False))


class ParsedRows:
    """The rows of a file, parsed in a second process. `with ParsedRows(path, layout, mapping)
    as rows:` starts it (it reads the file meanwhile); `rows.parse_with(parsing)` hands it the
    parser and waits for the header (`rows.header_rows`, `rows.ignored_headers`, `rows.total`);
    then `rows.chunks()`. With `reserve` (a commit: `reserve(n)` reserves `n` person ids) the
    helper seals each valid row bound to an id reserved for it, and with `prepare` renders it
    for PostgreSQL's COPY too."""

    def __init__(
        self,
        path: str | Path,
        layout: str,
        mapping: "Mapping",
        *,
        reserve: Callable[[int], list[int]] | None = None,
        prepare: bool = False,
    ) -> None:
        if prepare and reserve is None:
            raise ValueError("Rows are rendered for a commit only: give `reserve`.")
        self.job = _Job(
            str(path),
            layout,
            mapping.as_dict(),
            translation.get_language(),
            reserve is not None,
            prepare,
            Limits.from_settings(settings),
        )
        self.reserve = reserve
        self.ids_sent = 0  # person ids sent to the helper
        self.process: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None
        self.jobs: Connection | None = None
        self.header_rows: tuple[int, ...] = ()
        self.ignored_headers: list[str] = []
        self.total = 0
        self.helper_peak_kb = 0  # the helper's peak resident memory, once it has finished
        self.helper_cpu_s = 0.0  # and the CPU time it took

    def __enter__(self) -> "ParsedRows":
        job = pickle.dumps(self.job, protocol=pickle.HIGHEST_PROTOCOL)
        jobs_read, jobs_write = os.pipe()
        rows_read, rows_write = os.pipe()
        try:
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, this module)
                [sys.executable, "-m", "wangge.ledgers.pipeline", str(jobs_read), str(rows_write), str(os.getpid())],
                pass_fds=(jobs_read, rows_write),
                stdin=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # a reader's dying words may quote the file
                env=child_environment(),
            )
        except BaseException:
            for fd in (jobs_read, jobs_write, rows_read, rows_write):
                os.close(fd)
            raise
        # The helper holds its own copies: its ends alone keep the pipes open.
        os.close(jobs_read)
        os.close(rows_write)
        self.conn = Connection(rows_read, writable=False)
        self.jobs = Connection(jobs_write, readable=False)
        self._send(job)
        return self

    def _send(self, data: bytes) -> None:
        assert self.jobs is not None
        # A helper that has ended refuses it: what it said before, or its silence, is read next.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.jobs.send_bytes(data)

    def parse_with(self, parsing: "Parsing") -> None:
        """Hand the helper the parser (the district's areas, the key ring …) and, for a commit,
        its first ids; wait for the header."""
        self._send(pickle.dumps(parsing, protocol=pickle.HIGHEST_PROTOCOL))
        assert self.jobs is not None
        if self.reserve is not None:
            self._top_up(0)
        else:
            self.jobs.close()
            self.jobs = None
        _kind, self.header_rows, self.ignored_headers, self.total = self._receive()

    def _top_up(self, used: int) -> None:
        """Send the helper ids until it has two chunks' worth ahead of the `used` ones."""
        from wangge.ledgers.matching import CHUNK

        wanted = used + 2 * CHUNK - self.ids_sent
        if self.reserve is None or self.jobs is None or wanted <= 0:
            return
        ids = self.reserve(wanted)
        self.ids_sent += len(ids)
        self._send(pickle.dumps(ids, protocol=pickle.HIGHEST_PROTOCOL))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop()

    def _receive(self) -> tuple[Any, ...]:
        from wangge.ledgers.reading import sheet_error

        assert self.conn is not None
        try:
            message: tuple[Any, ...] = self.conn.recv()
        except EOFError:
            died = self._death()
            if died is not None:
                raise sheet_error(died) from None
            raise PipelineError("The ledger reader ended without an answer.") from None
        kind = message[0]
        if kind == "error":
            _kind, code, text, status, self.helper_peak_kb = message
            raise DomainError(code, text, status=status)
        if kind == "refused":
            _kind, reason, figures, self.helper_peak_kb = message
            raise sheet_error(SheetError(reason, **figures))
        if kind == "failed":
            self.helper_peak_kb = message[2]
            raise PipelineError(f"The ledger reader failed: {message[1]}.")
        return message

    def _death(self) -> SheetError | None:
        """Why the helper ended without an answer, if a signal killed it (out of memory …)."""
        if self.process is None:
            return None
        try:
            returncode = self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            return None
        return death(returncode)

    def chunks(self) -> Iterator[list["RowResult"]]:
        while True:
            message = self._receive()
            if message[0] == "done":
                _kind, self.helper_peak_kb, self.helper_cpu_s = message
                return
            _kind, rows, used = message
            self._top_up(used)
            yield rows

    def _stop(self) -> None:
        if self.jobs is not None:
            self.jobs.close()
            self.jobs = None
        if self.conn is not None:
            self.conn.close()  # a helper still sending gets a broken pipe and stops
            self.conn = None
        process = self.process
        if process is None:
            return
        self.process = None
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
