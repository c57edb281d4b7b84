"""Every change an import makes goes through these functions: importing a file (dry run or
commit, all or nothing), starting one in the background, and deciding the review queue
(merge with a choice per field, undo a merge, keep separate, dismiss).

Persons are created through `wangge.people.actions.add_persons` and `register_members`.
A merge writes the person's fields here, encrypting and indexing with `wangge.lib.crypto`
exactly as the people app does, and records the values before and after (encrypted) in a
`Merge` row so that `undo_merge` restores them exactly.
"""

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.audit import record, record_many
from wangge.accounts.models import PERSONAL_DATA_ROLES, AuditAction, Role, User
from wangge.accounts.scope import assignments_of, has_role_over
from wangge.areas.models import AreaNode, Level
from wangge.ledgers import pipeline
from wangge.ledgers.cleaning import Facts, gender_of
from wangge.ledgers.layouts import LAYOUTS, Mapping, Vocabulary, field_label
from wangge.ledgers.matching import (
    PLAIN_COMPARED,
    Checker,
    CheckResult,
    RowResult,
    Status,
    queued_as,
    review_place,
)
from wangge.ledgers.models import (
    ImportedRecord,
    ImportRun,
    Merge,
    ReviewItem,
    ReviewKind,
    ReviewState,
    RunMode,
    RunPhase,
    RunState,
)
from wangge.ledgers.reading import SUFFIXES, read_table
from wangge.ledgers.report import write_report
from wangge.lib.crypto import blind_index, blind_indexes, bound_to, decrypt_field, encrypt, encrypt_field
from wangge.lib.errors import DomainError
from wangge.lib.idnumber import mask_id_number, mask_phone
from wangge.lib.rowids import assign_id, reserve_ids
from wangge.people.actions import (
    SEALED_COLUMNS,
    PersonInput,
    add_persons,
    decrypt_sensitive,
    encrypt_sensitive,
    register_members,
)
from wangge.people.models import SENSITIVE_FACTS, HouseholdMember, MemberProfile, Person, Relation

logger = logging.getLogger(__name__)

WRITE_CHUNK = 5000
# After a commit that added at least this many persons, the registry's statistics are refreshed.
ANALYZE_AFTER_NEW_ROWS = 10_000
# PostgreSQL: during a commit, the statistics of `Person` and `HouseholdMember` are refreshed (in
# its transaction) once it has written this many persons, and again each time it has doubled them.
ANALYZE_DURING_NEW_ROWS = 10_000
# SQLite's page cache while an import writes (allocated as it fills).
WRITE_CACHE_MB = 128
MAX_UPLOAD_BYTES = 200 * 2**20
# A dry run's file is kept this long for its commit, then deleted by the next background run.
KEEP_UPLOADS = dt.timedelta(days=1)
IMPORT_LOCK_KEY = zlib.crc32(b"wangge.ledgers.import")
# The columns of `Person` the matching filters on (statistics refreshed during a commit).
LOOKUP_COLUMNS = "(id, district_id, id_number_index, name, birth_date)"
MEMBER_FACTS = ("member_kind", "home_community", "reported_on", "org_unit")


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
        raise DomainError("import_forbidden", _("You may not import residents' data in this district."), status=403)
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


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        raise DomainError("unknown_layout", _("Unknown layout “%(layout)s”; use members or grid.") % {"layout": layout})
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
        writer = _NewRows(acting_user, district, run)
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
        analysed = writer.finish()
        counts = check.counts()
        for name, value in counts.items():
            setattr(run, name, value)
        run.queued_for_review = outcome.queued
        run.rows_done = run.rows_total = counts["rows"]
        run.state, run.phase, run.finished_at = RunState.SUCCEEDED, RunPhase.DONE, timezone.now()
        run.save()
    outcome.committed = True
    if counts["new"] >= ANALYZE_AFTER_NEW_ROWS and not analysed:
        _refresh_statistics()
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


def _refresh_statistics() -> None:
    """Statistics of the registry's tables, after a large import (SQLite; PostgreSQL's are
    refreshed in the import's transaction, `_NewRows.finish`): it grows them faster than
    autovacuum re-analyses them, and with the old statistics PostgreSQL read the whole district
    for each chunk of the next import's lookups (about 9 s more at 200,000 rows)."""
    with connection.cursor() as cursor:
        for model in (Person, HouseholdMember):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


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


def person_input(
    facts: Facts,
    households: dict[int, AreaNode],
    sealed: tuple[Any, ...] | None = None,
    prepared: tuple[str, str, int, bytes] | None = None,
) -> PersonInput:
    """What the people app is given for a new row (its household among `households`)."""
    return PersonInput(
        name=facts.name,
        gender=facts.gender or (gender_of(facts.id_number) if facts.id_number else ""),
        birth_date=facts.birth_date,
        id_number=facts.id_number,
        phone=facts.phone,
        household=households[facts.household_id] if facts.household_id is not None else None,
        relation=facts.relation or Relation.OTHER,
        ethnicity=facts.ethnicity,
        registered_address=facts.registered_address,
        current_address=facts.current_address,
        residence_status=facts.residence_status,
        political_status=facts.political_status,
        education=facts.education,
        employer=facts.employer,
        sensitive=dict(facts.sensitive),
        sealed=sealed,
        prepared=prepared,
    )


def _households_of(rows: list[Facts]) -> dict[int, AreaNode]:
    household_ids = {f.household_id for f in rows if f.household_id is not None}
    if not household_ids:
        return {}
    return AreaNode.objects.only("level", "community_id", "grid_id").in_bulk(household_ids)


def _create(
    acting_user: User | None,
    district: AreaNode,
    rows: list[Facts],
    households: dict[int, AreaNode] | None = None,
    ahead: list[RowResult] | None = None,
) -> list[int]:
    """Persons (and member profiles) for `rows`, through the people app's actions; their ids.
    `households`: the households the rows name, when already loaded; `ahead`: the rows' results
    with their values sealed (`people.actions.seal`) or rendered (`prepare`) ahead, if they were."""
    households = _households_of(rows) if households is None else households
    people = (
        [person_input(f, households) for f in rows]
        if ahead is None
        else [person_input(f, households, r.sealed, r.prepared) for f, r in zip(rows, ahead, strict=True)]
    )
    ids = add_persons(acting_user, district=district, people=people)
    members = [(pk, f) for pk, f in zip(ids, rows, strict=True) if f.member_kind]
    if members:
        communities = AreaNode.objects.in_bulk({f.home_community_id for _pk, f in members})
        persons = Person.objects.in_bulk([pk for pk, _f in members])
        profiles = register_members(
            acting_user,
            [(persons[pk], f.member_kind, communities[f.home_community_id]) for pk, f in members],  # type: ignore[index]
        )
        extra = []
        for profile, (_pk, f) in zip(profiles, members, strict=True):
            if f.reported_on is not None or f.org_unit_id is not None:
                profile.reported_on, profile.org_unit_id = f.reported_on, f.org_unit_id
                extra.append(profile)
        if extra:
            MemberProfile.objects.bulk_update(extra, ["reported_on", "org_unit"], batch_size=2000)
    return ids


class _NewRows:
    """Writes the new rows of each chunk as the commit classifies it (in its transaction), and
    queues its possible matches and conflicts for review."""

    def __init__(self, acting_user: User | None, district: AreaNode, run: ImportRun) -> None:
        self.acting_user = acting_user
        self.district = district
        self.run = run
        self.households: dict[int, AreaNode] = {}
        self.written = 0
        self.queued = 0
        self.analysed_at = ANALYZE_DURING_NEW_ROWS  # persons written when the statistics are next refreshed
        self.postgresql = connection.vendor == "postgresql"
        if self.postgresql:
            # Foreign keys checked as each statement writes, not all at COMMIT (Django's are
            # DEFERRABLE INITIALLY DEFERRED): there they ran after the last chunk, when the
            # process reading the file had finished and one core stood idle (2 s at 200,000 rows).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def write(self, results: list[RowResult]) -> None:
        new = [r for r in results if r.status == Status.NEW and r.facts is not None]
        if new:
            self.written += len(new)
            if self.written >= self.analysed_at and self.postgresql:
                # The registry grows inside this transaction faster than its statistics say: with
                # those of the smaller tables PostgreSQL chose plans for the next chunks' lookups
                # that read ever more of them (50 ms a chunk by the end). ANALYZE in the
                # transaction counts its own new rows. Each time the import has doubled what it
                # had written.
                self._analyse()
                self.analysed_at *= 2
            missing = {r.facts.household_id for r in new if r.facts is not None and r.facts.household_id is not None}
            missing -= self.households.keys()
            if missing:
                self.households |= AreaNode.objects.only("level", "community_id", "grid_id").in_bulk(missing)
            for start in range(0, len(new), WRITE_CHUNK):
                self._write(new[start : start + WRITE_CHUNK])
        self.queued += _queue_for_review(self.district, self.run, results)

    def finish(self) -> bool:
        """PostgreSQL: foreign keys deferred again (Django's; for a caller's transaction around
        this one), and the statistics brought up to date in the transaction after a large import
        (instead of after it: the detail follows with autovacuum); whether they were."""
        if not self.postgresql:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if self.written < ANALYZE_AFTER_NEW_ROWS:
            return False
        self._analyse()
        return True

    @staticmethod
    def _analyse() -> None:
        with connection.cursor() as cursor:
            # Of a small sample (3,000 rows: the plans need the sizes, not the details) and of the
            # columns the lookups filter on.
            cursor.execute("SET LOCAL default_statistics_target = 10")
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Person._meta.db_table)} {LOOKUP_COLUMNS}")
            cursor.execute(f"ANALYZE {connection.ops.quote_name(HouseholdMember._meta.db_table)} (person_id)")

    def _write(self, chunk: list[RowResult]) -> None:
        facts = [r.facts for r in chunk if r.facts is not None]
        try:
            ids = _create(self.acting_user, self.district, facts, self.households, [r for r in chunk if r.facts])
        except DomainError as error:
            if error.code != "id_number_exists":
                raise
            # The check found nobody with these numbers (and no number twice in the file): someone
            # registered one of them meanwhile, and the unique constraint (or, during an index
            # rotation, the people app's check) refused it. The dry run no longer holds.
            raise DomainError(
                "registry_changed",
                _("The registry changed while the file was being checked; nothing was written. Run the import again."),
                status=409,
            ) from None
        ImportedRecord.objects.bulk_create(
            [
                ImportedRecord(district=self.district, fingerprint=r.fingerprint, person_id=pk, run=self.run)
                for r, pk in zip(chunk, ids, strict=True)
                if r.facts is not None and not r.facts.id_number
            ],
            batch_size=2000,
        )
        for r, pk in zip(chunk, ids, strict=True):
            r.person_id = pk
            r.facts = r.sealed = r.prepared = None  # written, needed no more: a large file's memory stays small


def _encrypt_document(row: ReviewItem | Merge, field: str, document: dict[str, Any]) -> bytes:
    """A JSON document encrypted for `row.<field>` (bound to that row: it has its id)."""
    return encrypt(json.dumps(document, ensure_ascii=False, sort_keys=True), bound_to(row, field))


def _queue_for_review(district: AreaNode, run: ImportRun, results: list[RowResult]) -> int:
    pending = [r for r in results if queued_as(r) is not None and not r.queued]
    if pending:
        # Queued meanwhile by another import of the same rows: not twice.
        existing = set(
            ReviewItem.objects.filter(district=district, fingerprint__in=[r.fingerprint for r in pending]).values_list(
                "candidate_id", "fingerprint"
            )
        )
        pending = [r for r in pending if (r.person_id, r.fingerprint) not in existing]
    # Their ids reserved first: the incoming facts are encrypted bound to the item's row.
    queued = [r for r in pending if r.facts is not None and r.person_id is not None]
    items: list[ReviewItem] = []
    for pk, r in zip(reserve_ids(ReviewItem, len(queued)), queued, strict=True):
        assert r.facts is not None and r.person_id is not None
        item = ReviewItem(
            pk=pk,
            district=district,
            community_id=r.scope[0],
            grid_id=r.scope[1],
            run=run,
            row_number=r.number,
            kind=ReviewKind.CONFLICT if queued_as(r) == Status.CONFLICT else ReviewKind.POSSIBLE_MATCH,
            candidate_id=r.person_id,
            other_candidates=list(r.other_candidates),
            fingerprint=r.fingerprint,
            differing_fields=list(r.fields),
            blank_fields=list(r.blank_fields),
        )
        item.incoming_encrypted = _encrypt_document(item, "incoming_encrypted", r.facts.as_document())
        items.append(item)
    ReviewItem.objects.bulk_create(items, batch_size=1000)
    return len(items)


# --- in the background ----------------------------------------------------------------------


def _media(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def progress_file(run: ImportRun) -> Path:
    return _media(f"ledgers/progress/{run.pk}.json")


class RunProgress(Progress):
    """A dry run's checking: rows done on the `ImportRun` row. A commit checks and writes in
    its one transaction, where an update of the run would stay invisible until the end, so its
    progress goes to a small file next to the uploads (`queries.progress` reads it)."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run

    def started(self, total: int) -> None:
        self.run.rows_total = total
        ImportRun.objects.filter(pk=self.run.pk).update(
            rows_total=total, phase=RunPhase.CHECKING, updated_at=timezone.now()
        )
        if connection.in_atomic_block:
            self.writing(0, total)

    def checked(self, done: int) -> None:
        if connection.in_atomic_block:
            self.writing(done, self.run.rows_total)  # a commit writes each chunk as it is checked
            return
        ImportRun.objects.filter(pk=self.run.pk).update(rows_done=done, updated_at=timezone.now())

    def writing(self, done: int, total: int) -> None:
        path = progress_file(self.run)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"phase": RunPhase.WRITING, "done": done, "total": total}))
        os.replace(temporary, path)


def _save_upload(uploaded_file: UploadedFile, suffix: str) -> tuple[str, str, int]:
    """Store the upload under MEDIA_ROOT/ledgers/uploads; (relative path, SHA-256, size)."""
    relative = f"ledgers/uploads/{uuid.uuid4().hex}{suffix}"
    target = _media(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as handle:
        for block in uploaded_file.chunks():
            size += len(block)
            if size > MAX_UPLOAD_BYTES:
                handle.close()
                target.unlink(missing_ok=True)
                raise DomainError(
                    "file_too_large",
                    _("The file is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // 2**20},
                )
            digest.update(block)
            handle.write(block)
    return relative, digest.hexdigest(), size


def start_import(
    acting_user: User,
    district: AreaNode,
    uploaded_file: UploadedFile,
    layout: str,
    commit: bool,
    mapping: Mapping | dict[str, Any] | None = None,
) -> ImportRun:
    """Store an uploaded ledger and run its dry run (or commit) in the background
    (`wangge worker`); poll `queries.progress(run)`."""
    import_scope(acting_user, district)
    if layout not in LAYOUTS:
        raise DomainError("unknown_layout", _("Unknown layout “%(layout)s”; use members or grid.") % {"layout": layout})
    mapping = mapping if isinstance(mapping, Mapping) else Mapping.from_dict(mapping or {})
    name = Path(uploaded_file.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError(
            "file_type",
            _("Only .xlsx, .xls and .csv files can be imported (this one is “%(suffix)s”).")
            % {"suffix": suffix or "-"},
        )
    relative, sha, _size = _save_upload(uploaded_file, suffix)
    with transaction.atomic():
        run = ImportRun.objects.create(
            district=district,
            created_by=acting_user,
            layout=layout,
            mode=RunMode.COMMIT if commit else RunMode.DRY_RUN,
            file_name=name[:255],
            file_sha256=sha,
            mapping=mapping.as_dict(),
            stored_file=relative,
        )
        _enqueue(run)
    return run


def _enqueue(run: ImportRun) -> None:
    from wangge.ledgers.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(run.pk))


def commit_import(acting_user: User, run: ImportRun) -> ImportRun:
    """Commit the file of a finished dry run: a new background run of the same file."""
    _own_run(acting_user, run)
    if run.mode != RunMode.DRY_RUN or run.state != RunState.SUCCEEDED or not run.stored_file:
        raise DomainError(
            "run_not_committable", _("Only a finished dry run whose file is still kept can be committed."), status=409
        )
    with transaction.atomic():
        claimed = ImportRun.objects.filter(pk=run.pk, stored_file=run.stored_file).update(
            stored_file="", updated_at=timezone.now()
        )
        if not claimed:
            raise DomainError(
                "run_not_committable",
                _("Only a finished dry run whose file is still kept can be committed."),
                status=409,
            )
        committed = ImportRun.objects.create(
            district=run.district,
            created_by=acting_user,
            layout=run.layout,
            mode=RunMode.COMMIT,
            file_name=run.file_name,
            file_sha256=run.file_sha256,
            mapping=run.mapping,
            stored_file=run.stored_file,
        )
        run.stored_file = ""
        _enqueue(committed)
    return committed


def discard_upload(acting_user: User, run: ImportRun) -> None:
    """Delete the stored file of a dry run that will not be committed."""
    _own_run(acting_user, run)
    if run.stored_file and run.state in (RunState.SUCCEEDED, RunState.FAILED):
        _media(run.stored_file).unlink(missing_ok=True)
        ImportRun.objects.filter(pk=run.pk).update(stored_file="", updated_at=timezone.now())
        run.stored_file = ""


def _own_run(acting_user: User, run: ImportRun) -> None:
    if run.created_by_id == acting_user.pk or has_role_over(acting_user, run.district, Role.DISTRICT_ADMIN):
        return
    raise DomainError("run_not_found", _("There is no such import."), status=404)


def execute_run(run_id: int) -> dict[str, Any]:
    """The body of the background task: check (and commit) the stored file of a queued run,
    write its error report, and record the outcome on the run. Runs once per run: a second
    delivery of the task finds it no longer queued."""
    claimed = ImportRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, phase=RunPhase.READING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return {"skipped": True}
    purge_uploads(KEEP_UPLOADS)
    run = ImportRun.objects.select_related("district", "created_by").get(pk=run_id)
    commit = run.mode == RunMode.COMMIT
    path = _media(run.stored_file)
    try:
        if not run.stored_file or not path.exists():
            raise DomainError("file_missing", _("The uploaded file is no longer there; upload it again."), status=410)
        if file_sha256(path) != run.file_sha256:
            raise DomainError("file_changed", _("The uploaded file changed after it was checked; upload it again."))
        outcome = import_people(
            run.created_by,
            district=run.district,
            path=path,
            layout=run.layout,
            mapping=Mapping.from_dict(run.mapping),
            commit=commit,
            run=run if commit else None,
            progress=RunProgress(run),
        )
        counts = outcome.check.counts()
        report = ""
        if counts["invalid"] or counts["review"] or counts["conflicts"] or counts["held"]:
            report = f"ledgers/reports/{run.pk}-{uuid.uuid4().hex}.xlsx"
            _media(report).parent.mkdir(parents=True, exist_ok=True)
            write_report(outcome.check, _media(report))
        updates: dict[str, Any] = {"report_file": report, "updated_at": timezone.now()}
        if not commit:
            updates |= counts | {
                "state": RunState.SUCCEEDED,
                "phase": RunPhase.DONE,
                "rows_done": counts["rows"],
                "rows_total": counts["rows"],
                "finished_at": timezone.now(),
            }
        ImportRun.objects.filter(pk=run.pk).update(**updates)
        return {**counts, "queued_for_review": outcome.queued}
    except DomainError as error:
        ImportRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED,
            phase=RunPhase.DONE,
            error_code=error.code,
            error_message=error.message[:500],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return {"error": error.code}
    except Exception:
        ImportRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED,
            phase=RunPhase.DONE,
            error_code="internal_error",
            error_message=_("The import stopped on an unexpected error; nothing was written."),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        raise
    finally:
        progress_file(run).unlink(missing_ok=True)
        if commit and run.stored_file:
            # A commit run's file has served its purpose (and holds personal data in clear).
            path.unlink(missing_ok=True)
            ImportRun.objects.filter(pk=run.pk).update(stored_file="")


def purge_uploads(older_than: dt.timedelta) -> int:
    """Delete stored uploads of finished runs older than `older_than` (dry runs never committed)."""
    cutoff = timezone.now() - older_than
    stale = ImportRun.objects.filter(updated_at__lt=cutoff).exclude(stored_file="").exclude(state=RunState.RUNNING)
    removed = 0
    for pk, relative in stale.values_list("pk", "stored_file"):
        _media(relative).unlink(missing_ok=True)
        removed += ImportRun.objects.filter(pk=pk, stored_file=relative).update(stored_file="")
    return removed


# --- the review queue -----------------------------------------------------------------------

# What a merge may change on the person, besides the encrypted values (kept in clear inside the
# encrypted snapshot, and written back encrypted and indexed under the keys current then).
PERSON_COLUMNS = (*PLAIN_COMPARED, "community_id", "grid_id")
PERSON_WRITTEN = (*PERSON_COLUMNS, *SEALED_COLUMNS, "sensitive_encrypted")


class Choice:
    INCOMING = "incoming"
    REGISTRY = "registry"


class Decision:
    MERGE = "merge"
    KEEP_SEPARATE = "keep_separate"
    DISMISS = "dismiss"


def _snapshot(person: Person) -> dict[str, Any]:
    """Everything a merge may change about a person, by value: the plain columns, the ID number,
    phone and sensitive facts in clear (the snapshot itself is stored encrypted), the household
    memberships and the member profile. Comparing values, not ciphertexts, keeps a snapshot
    valid across a rotation of the data or index key."""
    found = (
        MemberProfile.objects.filter(person=person)
        .values("kind", "home_community_id", "reported_on", "org_unit_id")
        .first()
    )
    member: dict[str, Any] | None = dict(found) if found is not None else None
    if member is not None and member["reported_on"] is not None:
        member["reported_on"] = member["reported_on"].isoformat()
    values: dict[str, Any] = {column: getattr(person, column) for column in PERSON_COLUMNS}
    if values["birth_date"] is not None:
        values["birth_date"] = values["birth_date"].isoformat()
    values["id_number"] = decrypt_field(person, "id_number_encrypted")
    values["phone"] = decrypt_field(person, "phone_encrypted")
    values["sensitive"] = decrypt_sensitive(person)
    return {
        "person": values,
        "households": sorted(
            [h, r] for h, r in HouseholdMember.objects.filter(person=person).values_list("household_id", "relation")
        ),
        "member": member,
    }


def _set_encrypted(person: Person, *, id_number: str | None = None, phone: str | None = None) -> None:
    """Encrypt, index and mask exactly as `people.actions` does (empty clears the value)."""
    if id_number is not None:
        person.id_number_encrypted = encrypt_field(person, "id_number_encrypted", id_number)
        person.id_number_index = blind_index(id_number) if id_number else ""
        person.id_number_masked = mask_id_number(id_number) if id_number else ""
    if phone is not None:
        person.phone_encrypted = encrypt_field(person, "phone_encrypted", phone)
        person.phone_index = blind_index(phone) if phone else ""
        person.phone_masked = mask_phone(phone) if phone else ""


def _restore(acting_user: User, person: Person, snapshot: dict[str, Any]) -> None:
    values = snapshot["person"]
    for column in PERSON_COLUMNS:
        setattr(person, column, values[column])
    if values["birth_date"] is not None:
        person.birth_date = dt.date.fromisoformat(values["birth_date"])
    _set_encrypted(person, id_number=values["id_number"], phone=values["phone"])
    person.sensitive_encrypted = encrypt_sensitive(values["sensitive"], person.pk)
    person.save(update_fields=[*PERSON_WRITTEN, "updated_at"])
    HouseholdMember.objects.filter(person=person).delete()
    HouseholdMember.objects.bulk_create(
        [HouseholdMember(person=person, household_id=h, relation=r) for h, r in snapshot["households"]]
    )
    member = snapshot["member"]
    if member is None:
        MemberProfile.objects.filter(person=person).delete()
        return
    reported = dt.date.fromisoformat(member["reported_on"]) if member["reported_on"] else None
    values = {
        "kind": member["kind"],
        "home_community_id": member["home_community_id"],
        "reported_on": reported,
        "org_unit_id": member["org_unit_id"],
    }
    if not MemberProfile.objects.filter(person=person).update(**values, updated_at=timezone.now()):
        MemberProfile.objects.create(district_id=person.district_id, person=person, **values)


def _node_of(person: Person) -> AreaNode:
    """The narrowest area node recorded on the person (grid, community or district)."""
    pk = person.grid_id or person.community_id or person.district_id
    return AreaNode.objects.get(pk=pk)


def _item_node(item: ReviewItem) -> AreaNode:
    """The area whose review queue holds the item (`matching.review_place`)."""
    return AreaNode.objects.get(pk=item.grid_id or item.community_id or item.district_id)


def _check_reviewer(acting_user: User, item: ReviewItem, *extra: AreaNode) -> None:
    """The user holds a personal-data role over the item's queue and its candidate (and over any
    area the merge would move them to); otherwise the item does not exist for them."""
    nodes = [_item_node(item), _node_of(item.candidate), *extra]
    if not all(has_role_over(acting_user, node, *PERSONAL_DATA_ROLES) for node in nodes):
        raise DomainError("review_item_not_found", _("There is no such review item."), status=404)


def incoming_facts(item: ReviewItem) -> Facts:
    return Facts.from_document(json.loads(decrypt_field(item, "incoming_encrypted")))


def _load_item(item: ReviewItem) -> ReviewItem:
    return ReviewItem.objects.select_for_update(of=("self",)).select_related("candidate", "run").get(pk=item.pk)


def decide_review(
    acting_user: User,
    item: ReviewItem,
    choices: dict[str, str] | None = None,
    *,
    decision: str = Decision.MERGE,
) -> ReviewItem:
    """Decide an open review item.

    * `merge` (the default): for each differing field, `choices[field]` is "incoming" (the
      file's value wins) or "registry" (the person's stays; also what an unnamed field does).
      At least one field must take the incoming value. The person's values before and after
      are kept in a `Merge` row (see `undo_merge`).
    * `keep_separate`: the incoming row is another person; it is created as new. Only for a
      possible match (a conflict shares the ID number, so it is the same person).
    * `dismiss`: the registry stays as it is.
    """
    with transaction.atomic():
        item = _load_item(item)
        _check_reviewer(acting_user, item)
        if item.state != ReviewState.OPEN:
            raise DomainError("review_item_decided", _("This review item has already been decided."), status=409)
        if decision == Decision.MERGE:
            _merge(acting_user, item, choices or {})
            item.state = ReviewState.MERGED
        elif decision == Decision.KEEP_SEPARATE:
            item.created_person = _keep_separate(acting_user, item)
            item.state = ReviewState.KEPT_SEPARATE
        elif decision == Decision.DISMISS:
            item.state = ReviewState.DISMISSED
        else:
            raise DomainError("unknown_decision", _("Unknown decision; use merge, keep_separate or dismiss."))
        item.decided_by, item.decided_at = acting_user, timezone.now()
        item.save(update_fields=["state", "decided_by", "decided_at", "created_person", "updated_at"])
    return item


def _merge(acting_user: User, item: ReviewItem, choices: dict[str, str]) -> Merge:
    unknown = sorted(set(choices) - set(item.differing_fields))
    if unknown:
        raise DomainError(
            "merge_unknown_field",
            _("%(field)s is not one of the fields that differ.") % {"field": field_label(unknown[0])},
        )
    if any(choice not in (Choice.INCOMING, Choice.REGISTRY) for choice in choices.values()):
        raise DomainError("merge_choice", _("Choose “incoming” or “registry” for each field."))
    chosen = [f for f in item.differing_fields if choices.get(f) == Choice.INCOMING]
    if not chosen:
        raise DomainError(
            "merge_nothing_chosen",
            _("No field takes the incoming value: dismiss the item instead of merging."),
        )
    incoming = incoming_facts(item)
    person = Person.objects.select_for_update().get(pk=item.candidate_id)
    item.candidate = person
    target = None
    if "household" in chosen and incoming.household_id is not None:
        target = AreaNode.objects.get(pk=incoming.household_id)
    if target is not None:
        _check_reviewer(acting_user, item, target)
    before = _snapshot(person)
    member_changes: dict[str, Any] = {}
    sensitive: dict[str, Any] | None = None
    for name in chosen:
        if name in PLAIN_COMPARED:
            setattr(person, name, getattr(incoming, name))
        elif name == "id_number":
            taken = Person.objects.filter(
                district_id=person.district_id, id_number_index__in=blind_indexes(incoming.id_number)
            ).exclude(pk=person.pk)
            if taken.exists():
                raise DomainError("id_number_exists", _("A person with this ID number is already registered."))
            _set_encrypted(person, id_number=incoming.id_number)
        elif name == "phone":
            _set_encrypted(person, phone=incoming.phone)
        elif name == "household" and target is not None:
            relation = incoming.relation or Relation.OTHER
            HouseholdMember.objects.filter(person=person).delete()
            HouseholdMember.objects.create(person=person, household=target, relation=relation)
            person.community_id, person.grid_id = target.community_id, target.grid_id
        elif name == "relation":
            HouseholdMember.objects.filter(person=person, household_id=incoming.household_id).update(
                relation=incoming.relation, updated_at=timezone.now()
            )
        elif name in SENSITIVE_FACTS:
            sensitive = decrypt_sensitive(person) if sensitive is None else sensitive
            sensitive[name] = incoming.sensitive[name]
        elif name in MEMBER_FACTS:
            member_changes[name] = getattr(
                incoming, {"home_community": "home_community_id", "org_unit": "org_unit_id"}.get(name, name)
            )
    if sensitive is not None:
        person.sensitive_encrypted = encrypt_sensitive(sensitive, person.pk)
    person.save(update_fields=[*PERSON_WRITTEN, "updated_at"])
    if member_changes:
        _merge_membership(acting_user, person, member_changes)
    after = _snapshot(person)
    merge = Merge(district_id=item.district_id, item=item, person=person, merged_by=acting_user, changed_fields=chosen)
    assign_id(merge)
    merge.before_encrypted = _encrypt_document(merge, "before_encrypted", before)
    merge.after_encrypted = _encrypt_document(merge, "after_encrypted", after)
    merge.save(force_insert=True)
    _follow(person, but=item)
    return merge


def _follow(person: Person, but: ReviewItem | None = None) -> None:
    """The person's other open items follow them to where they now live: each to the lowest
    area covering the person and the item's row (`matching.review_place`)."""
    items = ReviewItem.objects.filter(candidate=person, state=ReviewState.OPEN)
    if but is not None:
        items = items.exclude(pk=but.pk)
    for other in items:
        facts = incoming_facts(other)
        row_area = facts.household_id or facts.home_community_id
        places = [(person.community_id, person.grid_id)]
        if row_area is not None:
            node = AreaNode.objects.only("community_id", "grid_id").get(pk=row_area)
            places.append((node.community_id, node.grid_id))
        other.community_id, other.grid_id = review_place(places)
        other.save(update_fields=["community", "grid", "updated_at"])


def _merge_membership(acting_user: User, person: Person, changes: dict[str, Any]) -> None:
    fields = {"member_kind": "kind", "home_community": "home_community_id", "reported_on": "reported_on"}
    fields["org_unit"] = "org_unit_id"
    values = {fields[name]: value for name, value in changes.items()}
    if MemberProfile.objects.filter(person=person).exists():
        MemberProfile.objects.filter(person=person).update(**values, updated_at=timezone.now())
        return
    if "kind" not in values or "home_community_id" not in values:
        raise DomainError(
            "merge_member_incomplete",
            _("To record the person as a member, take both the member category and the home community."),
        )
    community = AreaNode.objects.get(pk=values.pop("home_community_id"))
    (profile,) = register_members(acting_user, [(person, values.pop("kind"), community)])
    if values:
        MemberProfile.objects.filter(pk=profile.pk).update(**values)


def _keep_separate(acting_user: User, item: ReviewItem) -> Person:
    if item.kind != ReviewKind.POSSIBLE_MATCH:
        raise DomainError(
            "keep_separate_same_id",
            _("A conflict shares the ID number with the registered person: merge or dismiss it."),
            status=409,
        )
    facts = incoming_facts(item)
    if facts.household_id is not None:
        _check_reviewer(acting_user, item, AreaNode.objects.get(pk=facts.household_id))
    (pk,) = _create(acting_user, AreaNode.objects.get(pk=item.district_id), [facts])
    person = Person.objects.get(pk=pk)
    if not facts.id_number:
        ImportedRecord.objects.create(
            district_id=item.district_id, fingerprint=item.fingerprint, person=person, run=item.run
        )
    return person


def undo_merge(acting_user: User, merge: Merge) -> Merge:
    """Restore the values the merge replaced, exactly, and reopen its review item. Only the
    person's latest merge can be undone, and only while the person is as the merge left them."""
    with transaction.atomic():
        merge = Merge.objects.select_related("item", "item__candidate", "person").get(pk=merge.pk)
        _check_reviewer(acting_user, merge.item)
        if merge.undone_at is not None:
            raise DomainError("merge_already_undone", _("This merge has already been undone."), status=409)
        latest = (
            Merge.objects.filter(person=merge.person, undone_at__isnull=True).order_by("-created_at", "-id").first()
        )
        if latest is None or latest.pk != merge.pk:
            raise DomainError("merge_not_latest", _("Undo the later merges of this person first."), status=409)
        person = merge.person
        after = json.loads(decrypt_field(merge, "after_encrypted"))
        if _snapshot(person) != after:
            raise DomainError(
                "merge_changed_since",
                _("The person has changed since this merge, so it cannot be undone automatically."),
                status=409,
            )
        _restore(acting_user, person, json.loads(decrypt_field(merge, "before_encrypted")))
        merge.undone_at, merge.undone_by = timezone.now(), acting_user
        merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
        ReviewItem.objects.filter(pk=merge.item_id).update(
            state=ReviewState.OPEN, decided_by=None, decided_at=None, updated_at=timezone.now()
        )
        _follow(person)
    return merge


def review_detail(acting_user: User, item: ReviewItem, *, ip_address: str | None = None) -> list[dict[str, Any]]:
    """Per differing field: the registry's value and the incoming one, for the reviewer to
    choose (ID and phone numbers masked). Reading them is recorded in the audit log."""
    item = ReviewItem.objects.select_related("candidate").get(pk=item.pk)
    _check_reviewer(acting_user, item)
    person = item.candidate
    incoming = incoming_facts(item)
    current_sensitive = decrypt_sensitive(person) if any(f in SENSITIVE_FACTS for f in item.differing_fields) else {}
    households = dict(HouseholdMember.objects.filter(person=person).values_list("household_id", "relation"))
    member = MemberProfile.objects.filter(person=person).first()
    area_ids = {pk for pk in (incoming.household_id, incoming.home_community_id, *households) if pk is not None}
    if member is not None:
        area_ids.add(member.home_community_id)
    area_names = dict(AreaNode.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    rows = []
    registry: Any
    value: Any
    for name in item.differing_fields:
        if name == "id_number":
            registry, value = person.id_number_masked, mask_id_number(incoming.id_number)
        elif name == "phone":
            registry, value = person.phone_masked, mask_phone(incoming.phone)
        elif name == "household":
            registry = "、".join(area_names.get(h, "") for h in households)
            value = area_names.get(incoming.household_id or 0, "")
        elif name == "relation":
            registry = households.get(incoming.household_id or 0, "")
            value = incoming.relation
        elif name in SENSITIVE_FACTS:
            registry, value = current_sensitive.get(name), incoming.sensitive.get(name)
        elif name == "member_kind":
            registry, value = (member.kind if member else ""), incoming.member_kind
        elif name == "home_community":
            registry = area_names.get(member.home_community_id, "") if member else ""
            value = area_names.get(incoming.home_community_id or 0, "")
        elif name == "reported_on":
            registry, value = (member.reported_on if member else None), incoming.reported_on
        elif name == "org_unit":
            registry, value = (member.org_unit_id if member else None), incoming.org_unit_id
        else:
            registry, value = getattr(person, name), getattr(incoming, name)
        rows.append(
            {
                "field": name,
                "label": field_label(name),
                "registry": registry,
                "incoming": value,
                "registry_empty": name in item.blank_fields,
            }
        )
    record(
        acting_user,
        AuditAction.PERSONAL_DATA_VIEWED,
        obj=person,
        district_id=item.district_id,
        ip_address=ip_address,
        detail={"review_item": item.pk, "fields": list(item.differing_fields)},
    )
    return rows


# --- residents' rights ------------------------------------------------------------------------


def forget_persons(person_ids: list[int]) -> int:
    """Delete what imports keep about these persons: review items about them or created from
    them (their incoming facts), merges (values before and after) and the fingerprints of the
    rows they were created from. For anonymisation (`people.actions.anonymise_persons` should
    call it in its transaction); returns how many rows went. The import runs keep their counts."""
    with transaction.atomic():
        items = ReviewItem.objects.filter(Q(candidate_id__in=person_ids) | Q(created_person_id__in=person_ids))
        merges, _by_model = Merge.objects.filter(Q(person_id__in=person_ids) | Q(item__in=items)).delete()
        deleted_items, _by_model = items.delete()
        records, _by_model = ImportedRecord.objects.filter(person_id__in=person_ids).delete()
    return merges + deleted_items + records
