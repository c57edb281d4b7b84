"""What a commit writes for each chunk of rows as soon as it is classified, in the import's one
transaction: the persons of its new rows (through `wangge.people.actions`), the fingerprints of
those without an ID number, and review items for its possible matches and conflicts; and the
registry's statistics, refreshed as the import grows it.
"""

import json
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.areas.models import AreaNode
from wangge.ledgers.cleaning import Facts
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.matching import RowResult, Status, queued_as
from wangge.ledgers.models import ImportedRecord, ImportRun, Merge, ReviewItem, ReviewKind
from wangge.ledgers.newrows import households_of, person_input
from wangge.lib.crypto import bound_to, encrypt
from wangge.lib.errors import DomainError
from wangge.lib.rowids import reserve_ids
from wangge.people.actions import add_persons, register_members
from wangge.people.models import HouseholdMember, MemberProfile, Person

WRITE_CHUNK = 5000
# After a commit that added at least this many persons, the registry's statistics are refreshed.
ANALYZE_AFTER_NEW_ROWS = 10_000
# PostgreSQL: during a commit, the statistics of `Person` and `HouseholdMember` are refreshed (in
# its transaction) once it has written this many persons, and again each time it has doubled them.
ANALYZE_DURING_NEW_ROWS = 10_000
# The columns of `Person` the matching filters on (statistics refreshed during a commit).
LOOKUP_COLUMNS = "(id, district_id, id_number_index, name, birth_date)"


def create_rows(
    acting_user: User | None,
    district: AreaNode,
    rows: list[Facts],
    households: dict[int, AreaNode] | None = None,
    ahead: list[RowResult] | None = None,
) -> list[int]:
    """Persons (and member profiles) for `rows`, through the people app's actions; their ids.
    `households`: the households the rows name, when already loaded; `ahead`: the rows' results
    with their values sealed (`people.actions.seal`) or rendered (`prepare`) ahead, if they were."""
    households = households_of(rows) if households is None else households
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


class NewRows:
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
        self.analysed = False  # refreshed in the transaction after a large import (`finish`)
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
        self.queued += queue_for_review(self.district, self.run, results)

    def finish(self) -> None:
        """PostgreSQL: foreign keys deferred again (Django's; for a caller's transaction around
        this one), and the statistics brought up to date in the transaction after a large import
        (instead of after it: the detail follows with autovacuum)."""
        if not self.postgresql:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if self.written < ANALYZE_AFTER_NEW_ROWS:
            return
        self._analyse()
        self.analysed = True

    def after_commit(self) -> None:
        """After a large import whose statistics `finish` did not refresh in its transaction
        (SQLite): those of the registry's tables (`_refresh_statistics`)."""
        if self.written >= ANALYZE_AFTER_NEW_ROWS and not self.analysed:
            _refresh_statistics()

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
            ids = create_rows(self.acting_user, self.district, facts, self.households, [r for r in chunk if r.facts])
        except DomainError as error:
            if error.code != LedgerError.ID_NUMBER_EXISTS:
                raise
            # The check found nobody with these numbers (and no number twice in the file): someone
            # registered one of them meanwhile, and the unique constraint (or, during an index
            # rotation, the people app's check) refused it. The dry run no longer holds.
            raise DomainError(
                LedgerError.REGISTRY_CHANGED,
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


def encrypt_document(row: ReviewItem | Merge, field: str, document: dict[str, Any]) -> bytes:
    """A JSON document encrypted for `row.<field>` (bound to that row: it has its id)."""
    return encrypt(json.dumps(document, ensure_ascii=False, sort_keys=True), bound_to(row, field))


def queue_for_review(district: AreaNode, run: ImportRun, results: list[RowResult]) -> int:
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
        item.incoming_encrypted = encrypt_document(item, "incoming_encrypted", r.facts.as_document())
        items.append(item)
    ReviewItem.objects.bulk_create(items, batch_size=1000)
    return len(items)


def _refresh_statistics() -> None:
    """Statistics of the registry's tables, after a large import (SQLite; PostgreSQL's are
    refreshed in the import's transaction, `NewRows.finish`): it grows them faster than
    autovacuum re-analyses them, and with the old statistics PostgreSQL read the whole district
    for each chunk of the next import's lookups (about 9 s more at 200,000 rows)."""
    with connection.cursor() as cursor:
        for model in (Person, HouseholdMember):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
