"""Importing a ledger file: who may import into a district, the dry run (every row classified,
nothing written) and the commit (all valid rows in one transaction, or none), with the outcome
a caller shows. What the commit writes for each chunk is `actions.writing`.
"""

import contextlib
import functools
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record_many
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, User
from wangge.accounts.scope import assignments_of
from wangge.areas.models import AreaNode, Level
from wangge.ledgers import pipeline
from wangge.ledgers.actions.writing import NewRows
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.files import file_sha256
from wangge.ledgers.layouts import LAYOUTS, Mapping, Vocabulary
from wangge.ledgers.matching import Checker, CheckResult, RowResult, Status
from wangge.ledgers.models import ImportRun, RunMode, RunPhase, RunState
from wangge.ledgers.reading import read_table
from wangge.lib.errors import DomainError
from wangge.lib.rowids import reserve_ids
from wangge.people.models import Person

logger = logging.getLogger(__name__)

# SQLite's page cache while an import writes (allocated as it fills).
WRITE_CACHE_MB = 128
IMPORT_LOCK_KEY = zlib.crc32(b"wangge.ledgers.import")


# --- who may import -------------------------------------------------------------------------


def import_scope(acting_user: User | None, district: AreaNode) -> list[tuple[str, int]] | None:
    """The (level, area id) scopes a user's rows must fall in; None: the whole district (the
    command line without --user, a superuser). No personal-data role in the district: refused."""
    if acting_user is None or (acting_user.is_authenticated and acting_user.is_superuser):
        return None
    scope = [
        (a.area.level, a.area_id)
        for a in assignments_of(acting_user)
        if a.role in PERSONAL_DATA_ROLES and a.district_id == district.pk
    ]
    if not scope:
        raise DomainError(
            LedgerError.IMPORT_FORBIDDEN, _("You may not import residents' data in this district."), status=403
        )
    if any(level == Level.DISTRICT for level, _pk in scope):
        return None
    return scope


# --- the import -----------------------------------------------------------------------------


class Progress:
    """Where a run stands; the background task writes it where a page can poll it."""

    def started(self, total: int) -> None:
        pass

    def checked(self, done: int) -> None:
        pass

    def writing(self, done: int, total: int) -> None:
        pass


@dataclass
class ImportOutcome:
    check: CheckResult
    run: ImportRun | None = None
    committed: bool = False
    queued: int = 0
    sha256: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of check and write

    def summary(self) -> dict[str, Any]:
        """The counts and the rows named by number and reason (no row values)."""
        return {
            **self.check.counts(),
            "committed": self.committed,
            "queued_for_review": self.queued,
            "run": self.run.pk if self.run else None,
            "file_sha256": self.sha256,
            "header_rows": list(self.check.header_rows),
            "ignored_columns": self.check.ignored_headers,
            "invalid_rows": [
                {"row": r.number, "reasons": [{"code": p.code, "message": p.message} for p in r.problems]}
                for r in self.check.of(Status.INVALID)
            ],
            "review_rows": [
                {
                    "row": r.number,
                    "result": r.status,
                    "fields": list(r.fields),
                    "already_queued": r.queued,
                }
                for r in self.check.of(Status.REVIEW, Status.CONFLICT)
            ],
            # Row numbers only: what a held row was, and about whom, is not the importer's to know.
            "held_rows": [r.number for r in self.check.of(Status.HELD)],
        }


def check_file(
    acting_user: User | None,
    *,
    district: AreaNode,
    path: str | Path,
    layout: str,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    checked: Callable[[list[RowResult]], None] | None = None,
) -> CheckResult:
    """The dry run: every row classified, nothing written. `checked` is given each chunk of rows
    as soon as it is classified (the commit writes its new rows then)."""
    if layout not in LAYOUTS:
        raise DomainError(
            LedgerError.UNKNOWN_LAYOUT, _("Unknown layout “%(layout)s”; use members or grid.") % {"layout": layout}
        )
    spec = LAYOUTS[layout]
    mapping = mapping or Mapping()
    scope = import_scope(acting_user, district)
    progress = progress or Progress()
    if pipeline.wanted(path):
        # A large file: read and parsed in a second process while this one matches (and writes).
        # A commit's rows are sealed there too (bound to ids reserved for them here, in case they
        # are new), and on PostgreSQL rendered for its COPY.
        commit = checked is not None
        prepare = commit and connection.vendor == "postgresql"
        reserve = functools.partial(reserve_ids, Person) if commit else None
        # Reading from now on.
        with pipeline.ParsedRows(path, layout, mapping, reserve=reserve, prepare=prepare) as parsed:
            checker = Checker(district, spec, Vocabulary.build(mapping), scope=scope)
            if checked is not None:
                checker.registry_as_it_was()
            checker.read_outline()  # meanwhile the helper loads the sheet
            parsed.parse_with(checker.parsing)
            progress.started(parsed.total)
            results = checker.run_parsed(parsed.chunks(), progress.checked, checked)
        return CheckResult(
            district,
            spec,
            parsed.header_rows,
            parsed.ignored_headers,
            results,
            helper_peak_kb=parsed.helper_peak_kb,
            helper_cpu_s=parsed.helper_cpu_s,
        )
    table = read_table(path, spec, mapping)
    progress.started(table.total)
    checker = Checker(district, spec, Vocabulary.build(mapping), scope=scope)
    if checked is not None:
        checker.registry_as_it_was()
    results = checker.run(table.rows, progress.checked, checked)
    return CheckResult(district, spec, table.header_rows, table.ignored_headers, results)


def import_people(
    acting_user: User | None,
    *,
    district: AreaNode,
    path: str | Path,
    layout: str,
    mapping: Mapping | None = None,
    commit: bool = False,
    file_name: str = "",
    run: ImportRun | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Check a ledger file and, with `commit`, apply it: all valid rows in one transaction or none.

    New rows create persons; matched rows change nothing; possible matches and conflicts go to
    the review queue (once: an item already queued for the same row and person is not queued
    again); invalid rows are skipped and listed. A commit writes an `ImportRun` (who, when, the
    file's name and SHA-256, the counts) or, given `run` (a background run), completes it.

    A commit checks and writes in its one transaction, chunk by chunk: the new rows of a chunk
    are written as soon as it is classified (a later chunk cannot match them: a row that could
    is already an in-file duplicate), so the writing overlaps the reading of the next rows.
    """
    started = time.perf_counter()
    sha = file_sha256(path)
    if not commit:
        check = check_file(acting_user, district=district, path=path, layout=layout, mapping=mapping, progress=progress)
        _record_holds(acting_user, check, run)
        return ImportOutcome(check, run, sha256=sha, seconds={"check": time.perf_counter() - started})
    progress = progress or Progress()
    with _sqlite_page_cache(), transaction.atomic():
        _lock_imports(district)
        if run is None:
            run = ImportRun(
                district=district,
                created_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
                layout=layout,
                mode=RunMode.COMMIT,
                file_name=(file_name or Path(path).name)[:255],
                file_sha256=sha,
                mapping=(mapping or Mapping()).as_dict(),
                started_at=timezone.now(),
            )
            run.save()
        writer = NewRows(acting_user, district, run)
        check = check_file(
            acting_user,
            district=district,
            path=path,
            layout=layout,
            mapping=mapping,
            progress=progress,
            checked=writer.write,
        )
        _record_holds(acting_user, check, run)
        outcome = ImportOutcome(check, run, sha256=sha, seconds={"check": time.perf_counter() - started})
        started = time.perf_counter()
        outcome.queued = writer.queued
        writer.finish()
        counts = check.counts()
        for name, value in counts.items():
            setattr(run, name, value)
        run.queued_for_review = outcome.queued
        run.rows_done = run.rows_total = counts["rows"]
        run.state, run.phase, run.finished_at = RunState.SUCCEEDED, RunPhase.DONE, timezone.now()
        run.save()
    outcome.committed = True
    writer.after_commit()
    outcome.seconds["write"] = time.perf_counter() - started
    logger.info(
        "Ledger import %s committed: %s rows, %s new, %s matched, %s to review, %s conflicts, %s invalid.",
        run.pk,
        *(counts[k] for k in ("rows", "new", "matched", "review", "conflicts", "invalid")),
    )
    return outcome


def _record_holds(acting_user: User | None, check: CheckResult, run: ImportRun | None) -> None:
    """An audit row for every row held because it concerns a person outside the importer's scope:
    that someone tried to import facts about them is the person's and the higher level's to know."""
    held = check.of(Status.HELD)
    if held:
        entries = [(r.person_id, {"run": run.pk if run else None, "row": r.number, "held_as": r.held_as}) for r in held]
        record_many(acting_user, AuditAction.IMPORT_HELD, model=Person, entries=entries, district_id=check.district.pk)


@contextlib.contextmanager
def _sqlite_page_cache() -> Iterator[None]:
    """SQLite: a page cache of `WRITE_CACHE_MB` while an import writes. With the default 2 MB the
    index entries of every new row (ID number, phone, name: random places in their indexes)
    are read from the file again and again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-WRITE_CACHE_MB * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _lock_imports(district: AreaNode) -> None:
    """One import writes to a district at a time (SQLite: the IMMEDIATE transaction already does)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK_KEY - 2**31, district.pk % 2**31])
