"""The dry run: every row of a file classified against the registry, chunk by chunk, with a
fixed number of queries per chunk (persons by ID-number blind index, candidates by name,
their households, member profiles, fingerprints already imported, review items already queued).

Classes (docs/import.md, "Matching"):

* **new**: nobody in the registry is this person;
* **matched**: a person with the same ID number (blind index) whose facts equal the row's
  (a fact the row leaves empty is not compared), or, for a row without an ID number, the very
  same row imported before (its fingerprint);
* **review** (possible match): no exact ID-number match, but a person with the same name and
  birth date and the same address, household or phone, where one of the two has no ID number;
* **conflict**: same ID number, different facts (the differing fields are named);
* **invalid**: the reasons, by row number (an earlier row of the same file is named by its
  number when the row repeats it);
* **held**: a matched, possible-match or conflict row about a person outside the importing
  user's scope. The user is told nothing more (no fields, names or differences, and not which
  of those it was): otherwise a dry run would tell a grid worker whether an ID number is
  registered anywhere in the district and whether a name or phone guessed for it is right.
  A held possible match or conflict waits in the review queue of the lowest area that covers
  both the person and the row's household (`review_place`), as every queued row does.
"""

import contextlib
import datetime as dt
import gc
import json
import operator
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from itertools import islice
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.areas.models import AreaNode, Level
from wangge.ledgers.areas import AreaResolver
from wangge.ledgers.cleaning import Facts, Invalid, RowParser, clean_name, text
from wangge.ledgers.errors import LedgerError
from wangge.ledgers.layouts import LayoutSpec, Vocabulary
from wangge.ledgers.models import ImportedRecord, ReviewItem
from wangge.ledgers.reading import Cell
from wangge.lib import crypto
from wangge.lib.crypto import bound_to, decrypt
from wangge.people.models import HouseholdMember, MemberProfile, Person

CHUNK = 2000
# More frozen objects than this before a check: frozen on purpose by someone else (see below).
FROZEN_BY_OTHERS = 5000


class Status:
    NEW = "new"
    MATCHED = "matched"
    REVIEW = "review"
    CONFLICT = "conflict"
    INVALID = "invalid"
    HELD = "held"
    LABELS = {
        NEW: gettext_lazy("New"),
        MATCHED: gettext_lazy("Matched"),
        REVIEW: gettext_lazy("Possible match"),
        CONFLICT: gettext_lazy("Conflict"),
        INVALID: gettext_lazy("Invalid"),
        HELD: gettext_lazy("Held for review by a higher level"),
    }
    # What a row is queued for review as (a held row: what it was before it was held).
    QUEUED = frozenset({REVIEW, CONFLICT})


@dataclass(slots=True)
class RowResult:
    """One row's outcome. Kept for every row of a file, so its empty parts are shared tuples."""

    number: int
    status: str
    facts: Facts | None = None  # new, review and conflict rows only (what a commit needs)
    problems: Sequence[Invalid] = ()
    person_id: int | None = None  # matched person, or the candidate of a review / conflict
    other_candidates: Sequence[int] = ()
    fields: Sequence[str] = ()
    blank_fields: Sequence[str] = ()
    fingerprint: str = ""
    queued: bool = False  # already in the review queue (an earlier import of the same row)
    area_id: int | None = None  # household (grid layout) or home community (members layout)
    # Where a review item of the row is queued: the community and grid covering the candidates
    # and the row's area (None: wider).
    scope: tuple[int | None, int | None] = (None, None)
    held_as: str = ""  # a held row: the status it was held from (matched, review or conflict)
    preview: dict[str, str] | None = None  # of a rejected row, for the masked report
    # Made ahead for a commit in the helper process (`ledgers.pipeline`), in case the row is new:
    # (index key id, the ID number's blind index) for its lookup; the values sealed by
    # `people.actions.seal` (SQLite) or the row rendered by `people.actions.prepare` (PostgreSQL),
    # bound to the id reserved for the row (which they carry).
    id_index: tuple[str, str] | None = None
    sealed: tuple[Any, ...] | None = None
    prepared: tuple[str, str, int, bytes] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # For `ledgers.pipeline`: the values in field order (quicker than the state dict of slots).
        return (RowResult, _result_values(self))

    def reasons(self) -> str:
        # Each message is a sentence with its own full stop (。 or .).
        return " ".join(p.message for p in self.problems)


_result_values = operator.attrgetter(*(item.name for item in fields(RowResult)))


@dataclass
class CheckResult:
    district: AreaNode
    layout: LayoutSpec
    header_rows: tuple[int, ...]
    ignored_headers: list[str]
    results: list[RowResult] = field(default_factory=list)
    helper_peak_kb: int = 0  # peak memory of the process that read and parsed the file, if another
    helper_cpu_s: float = 0.0  # and its CPU time

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("new", "matched", "review", "conflicts", "invalid", "held"), 0)
        key = {Status.CONFLICT: "conflicts"}
        for result in self.results:
            counts[key.get(result.status, result.status)] += 1
        return {"rows": len(self.results), **counts}

    def of(self, *statuses: str) -> list[RowResult]:
        return [r for r in self.results if r.status in statuses]

    def to_queue(self) -> list[RowResult]:
        """The rows a commit queues for review: possible matches and conflicts, held or not."""
        return [r for r in self.results if queued_as(r) is not None]


def queued_as(result: RowResult) -> str | None:
    """REVIEW or CONFLICT for a row that goes to the review queue (held or not), else None."""
    status = result.held_as if result.status == Status.HELD else result.status
    return status if status in Status.QUEUED else None


def by_id_number_index(district: AreaNode, indexes: list[str]) -> QuerySet[Person]:
    """The district's persons with one of these ID-number blind indexes. The condition that
    the index is not empty repeats that of the unique constraint, whose partial index SQLite
    uses only then (else it reads every person of the district)."""
    return Person.objects.filter(~Q(id_number_index=""), district=district, id_number_index__in=indexes).order_by()


def _fingerprint_text(facts: Facts) -> str:
    return "ledger-row:" + json.dumps(facts.as_document(), ensure_ascii=False, sort_keys=True)


def fingerprint(facts: Facts, ring: crypto.KeyRing | None = None) -> str:
    """A keyed HMAC of the row's facts (under the current index key): equal rows give equal
    fingerprints, nobody without the index key can tell what a fingerprint stands for."""
    return (ring or crypto.keyring()).blind_index(_fingerprint_text(facts))


def fingerprints(facts: Facts, ring: crypto.KeyRing) -> list[str]:
    """The fingerprints a row may have been stored under (the previous index key too, during a
    rotation of the index key); the current one first."""
    return ring.blind_indexes(_fingerprint_text(facts))


# --- comparing a row with a registry person -------------------------------------------------

PLAIN_COMPARED = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "registered_address",
    "current_address",
    "residence_status",
    "political_status",
    "education",
    "employer",
)
PERSON_VALUES = (
    "id",
    "id_number_index",
    "phone_index",
    "sensitive_encrypted",
    "community_id",
    "grid_id",
    *PLAIN_COMPARED,
)


@dataclass
class Registry:
    """What the registry holds about the persons one chunk touches."""

    persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    households: dict[int, dict[int, str]] = field(default_factory=dict)
    members: dict[int, tuple[str, int, dt.date | None, int | None]] = field(default_factory=dict)
    ring: crypto.KeyRing = field(default_factory=crypto.keyring)
    _sensitive: dict[int, dict[str, Any]] = field(default_factory=dict)

    def load_links(self, person_ids: Iterable[int], with_members: bool) -> None:
        ids = [pk for pk in person_ids if pk not in self.households]
        if not ids:
            return
        for pk in ids:
            self.households[pk] = {}
        links = HouseholdMember.objects.filter(person_id__in=ids).order_by()
        for person_id, household_id, relation in links.values_list("person_id", "household_id", "relation"):
            self.households[person_id][household_id] = relation
        if with_members:
            for person_id, kind, community, reported, unit in (
                MemberProfile.objects.filter(person_id__in=ids)
                .order_by()
                .values_list("person_id", "kind", "home_community_id", "reported_on", "org_unit_id")
            ):
                self.members[person_id] = (kind, community, reported, unit)

    def sensitive(self, person_id: int) -> dict[str, Any]:
        if person_id not in self._sensitive:
            token = self.persons[person_id]["sensitive_encrypted"]
            binding = bound_to(Person, "sensitive_encrypted", person_id)
            self._sensitive[person_id] = json.loads(decrypt(bytes(token), binding)) if token else {}
        return self._sensitive[person_id]


def compare(facts: Facts, person: dict[str, Any], registry: Registry) -> tuple[list[str], list[str]]:
    """(fields that differ, those of them the registry has no value for). A fact the row leaves
    empty is not compared."""
    differ: list[str] = []
    blank: list[str] = []

    def note(name: str, current: object) -> None:
        differ.append(name)
        if current in ("", None, {}, False):
            blank.append(name)

    for name in PLAIN_COMPARED:
        incoming = getattr(facts, name)
        if incoming not in ("", None) and person[name] != incoming:
            note(name, person[name])
    if facts.id_number and person["id_number_index"] not in registry.ring.blind_indexes(facts.id_number):
        note("id_number", person["id_number_index"])
    if facts.phone and person["phone_index"] not in registry.ring.blind_indexes(facts.phone):
        note("phone", person["phone_index"])
    pk = person["id"]
    if facts.household_id is not None:
        households = registry.households.get(pk, {})
        if facts.household_id not in households:
            note("household", households)
        elif facts.relation and households[facts.household_id] != facts.relation:
            note("relation", households[facts.household_id])
    if facts.sensitive:
        current = registry.sensitive(pk)
        for key, value in sorted(facts.sensitive.items()):
            if current.get(key) != value:
                note(key, current.get(key))
    if facts.member_kind:
        profile = registry.members.get(pk)
        kind, community, reported, unit = profile if profile else ("", None, None, None)
        for name, incoming, existing in (
            ("member_kind", facts.member_kind, kind),
            ("home_community", facts.home_community_id, community),
            ("reported_on", facts.reported_on, reported),
            ("org_unit", facts.org_unit_id, unit),
        ):
            if incoming not in ("", None) and incoming != existing:
                note(name, existing)
    return differ, blank


def _same_place(facts: Facts, person: dict[str, Any], registry: Registry) -> bool:
    """Same address (registered or current), same household, or same phone."""
    if facts.registered_address and facts.registered_address == person["registered_address"]:
        return True
    if facts.current_address and facts.current_address == person["current_address"]:
        return True
    if facts.household_id is not None and facts.household_id in registry.households.get(person["id"], {}):
        return True
    return bool(facts.phone) and person["phone_index"] in registry.ring.blind_indexes(facts.phone)


# --- in-file duplicates ---------------------------------------------------------------------


@dataclass(slots=True)
class _Seen:
    row: int
    has_id: bool
    phone: str
    registered_address: str
    current_address: str
    household_id: int | None


class _FileIndex:
    """Rows already seen in this file: by ID number, by fingerprint, by name and birth date."""

    def __init__(self) -> None:
        self.by_id: dict[str, int] = {}
        self.by_fingerprint: dict[str, int] = {}
        self.by_person: dict[tuple[str, dt.date], list[_Seen]] = defaultdict(list)

    def duplicate(self, result: RowResult) -> Invalid | None:
        facts = result.facts
        assert facts is not None
        if facts.id_number:
            earlier = self.by_id.get(facts.id_number)
            if earlier is not None:
                return Invalid(
                    LedgerError.DUPLICATE_ROW, _("Same ID number as row %(row)d of this file.") % {"row": earlier}
                )
        else:
            earlier = self.by_fingerprint.get(result.fingerprint)
            if earlier is not None:
                return Invalid(LedgerError.DUPLICATE_ROW, _("Repeats row %(row)d of this file.") % {"row": earlier})
        if facts.birth_date is not None:
            for seen in self.by_person.get((facts.name, facts.birth_date), []):
                if facts.id_number and seen.has_id:
                    continue
                if (
                    (facts.phone and facts.phone == seen.phone)
                    or (facts.registered_address and facts.registered_address == seen.registered_address)
                    or (facts.current_address and facts.current_address == seen.current_address)
                    or (facts.household_id is not None and facts.household_id == seen.household_id)
                ):
                    return Invalid(
                        LedgerError.POSSIBLE_DUPLICATE_ROW,
                        _(
                            "Same name, birth date and address, household or phone as row %(row)d of this file, "
                            "and one of the two has no ID number: keep one of them or add the ID number."
                        )
                        % {"row": seen.row},
                    )
        return None

    def add(self, result: RowResult) -> None:
        facts = result.facts
        assert facts is not None
        if facts.id_number:
            self.by_id[facts.id_number] = result.number
        else:
            self.by_fingerprint[result.fingerprint] = result.number
        if facts.birth_date is not None:
            self.by_person[(facts.name, facts.birth_date)].append(
                _Seen(
                    result.number,
                    bool(facts.id_number),
                    facts.phone,
                    facts.registered_address,
                    facts.current_address,
                    facts.household_id,
                )
            )


def _preview(cells: dict[str, Cell]) -> dict[str, str]:
    """The cells a masked report shows of a rejected row (masked when written, never logged)."""
    preview = {"name": clean_name(cells.get("name"))}
    for name in ("id_number", "phone"):
        if name in cells:
            cell = cells[name]
            value = str(int(cell)) if isinstance(cell, float) and cell.is_integer() else text(cell)
            preview[name] = "".join(ch for ch in value if ch.isalnum()).upper()
    for name in ("community", "grid"):
        if name in cells:
            preview[name] = text(cells[name])
    if "home_community" in cells:
        preview["community"] = text(cells["home_community"])
    return preview


# --- the check ------------------------------------------------------------------------------


class RegistryOutline:
    """What a district's registry holds, in brief, read once for a large file (two queries):
    the first 60 bits of every stored ID-number blind index, and a hash of the name and birth
    date of every person without an ID number. Most rows of a large file are new residents:
    a number not in the first (and then a name and birth date not in the second) needs no
    lookup. A false positive only costs a lookup; what is registered after the outline was
    read is not in it (a commit then fails on the unique constraint: `registry_changed`)."""

    PREFIX = 15  # hex digits of a blind index kept: 60 bits, a signed 64-bit integer

    def __init__(self, district: AreaNode, up_to: int | None) -> None:
        numbers = Person.objects.filter(~Q(id_number_index=""), district=district).order_by()
        prefixes = (int(index[: self.PREFIX], 16) for index in numbers.values_list("id_number_index", flat=True))
        self.numbers = array("q", sorted(prefixes))
        without = Person.objects.filter(district=district, id_number_index="", birth_date__isnull=False).order_by()
        if up_to is not None:
            without = without.filter(pk__lte=up_to)
        self.without_number = {hash(pair) for pair in without.values_list("name", "birth_date")}

    def may_hold(self, index: str) -> bool:
        """Whether a person of the district may have this ID-number blind index."""
        prefix = int(index[: self.PREFIX], 16)
        at = bisect_left(self.numbers, prefix)
        return at < len(self.numbers) and self.numbers[at] == prefix

    def may_have_without_number(self, name: str, birth_date: dt.date) -> bool:
        """Whether a person of the district without an ID number may have this name and birth date."""
        return hash((name, birth_date)) in self.without_number


class Parsing:
    """A row's cells to its `RowResult` before any query: parsed, checked against the user's
    scope and against the earlier rows of the file (in-file duplicates). Needs no database
    (the district's areas are loaded), so it can run in a second process (`ledgers.pipeline`);
    rows must come in file order."""

    def __init__(self, parser: RowParser, scope: list[tuple[str, int]] | None, ring: crypto.KeyRing) -> None:
        self.parser = parser
        self.areas = parser.areas
        self.scope = scope
        self.ring = ring
        self.seen = _FileIndex()

    def parse(self, number: int, cells: dict[str, Cell]) -> RowResult:
        facts, problems = self.parser.parse(cells)
        if facts is None:
            return RowResult(number, Status.INVALID, problems=problems, preview=_preview(cells))
        result = RowResult(number, Status.NEW, facts=facts)
        result.area_id = facts.household_id if facts.household_id is not None else facts.home_community_id
        if self.scope is not None and (result.area_id is None or not self.areas.within(result.area_id, self.scope)):
            result.status = Status.INVALID
            result.facts = None
            result.problems = [
                Invalid(LedgerError.OUT_OF_SCOPE, _("This row's household or community is outside your area."))
            ]
            result.preview = _preview(cells)
            return result
        if not facts.id_number:
            result.fingerprint = fingerprint(facts, self.ring)
        duplicate = self.seen.duplicate(result)
        if duplicate is not None:
            result.status = Status.INVALID
            result.facts = None
            result.problems = [duplicate]
            result.preview = _preview(cells)
            return result
        self.seen.add(result)
        return result


@contextlib.contextmanager
def _collector_spared() -> Iterator[Callable[[], None]]:
    """`spare()` after each chunk moves what is alive (the results so far) out of the garbage
    collector's way until the end: its full collections walked them all again and again, 3.5 s
    of a 200,000-row commit. Not when something else froze objects on purpose (`gc.freeze` in a
    preforking server; the interpreter freezes a few hundred of its own): the end's
    `gc.unfreeze` would release those too."""
    if gc.get_freeze_count() > FROZEN_BY_OTHERS:
        yield lambda: None
        return
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


class Checker:
    """Classifies the rows of one file for one district (and, with `scope`, one user's areas)."""

    def __init__(
        self,
        district: AreaNode,
        layout: LayoutSpec,
        vocabulary: Vocabulary,
        *,
        scope: list[tuple[str, int]] | None = None,
    ) -> None:
        self.district = district
        self.layout = layout
        self.areas = AreaResolver(district)
        self.ring = crypto.keyring()
        self.parsing = Parsing(RowParser(layout, vocabulary, self.areas), scope, self.ring)
        self.with_members = "member_kind" in layout.fields
        # A commit writes each chunk's new rows before the next chunk is matched: the candidates
        # by name are then the persons registered before it (`registry_as_it_was`).
        self.registry_up_to: int | None = None
        # A large file's rows are first looked up in the registry's outline (`read_outline`).
        self.outline: RegistryOutline | None = None

    def registry_as_it_was(self) -> None:
        """Candidates by name only among the persons registered now. A person this import writes
        cannot be a later row's candidate anyway (that row repeats an earlier one of the file:
        invalid), but the common names of a large file would fetch them all again and again."""
        last = Person.objects.filter(district=self.district).order_by("-pk").values_list("pk", flat=True).first()
        self.registry_up_to = last or 0

    def read_outline(self) -> None:
        """Read the registry's outline (`RegistryOutline`): for a large file, while it is being read."""
        self.outline = RegistryOutline(self.district, self.registry_up_to)

    def run(
        self,
        rows: Iterator[tuple[int, dict[str, Cell]]],
        progress: Callable[[int], None] | None = None,
        checked: Callable[[list[RowResult]], None] | None = None,
    ) -> list[RowResult]:
        """Every row classified, chunk by chunk; `checked(chunk)` after each chunk."""

        def chunks() -> Iterator[list[tuple[int, dict[str, Cell]]]]:
            while chunk := list(islice(rows, CHUNK)):
                yield chunk

        return self._each(chunks(), self.check_chunk, progress, checked)

    def run_parsed(
        self,
        chunks: Iterable[list[RowResult]],
        progress: Callable[[int], None] | None = None,
        checked: Callable[[list[RowResult]], None] | None = None,
    ) -> list[RowResult]:
        """`run` for rows parsed elsewhere (`Parsing.parse` in order, e.g. in a second process)."""
        return self._each(chunks, self.match, progress, checked)

    def _each(
        self,
        chunks: Iterable[Any],
        classify: Callable[[Any], list[RowResult]],
        progress: Callable[[int], None] | None,
        checked: Callable[[list[RowResult]], None] | None,
    ) -> list[RowResult]:
        results: list[RowResult] = []
        with _collector_spared() as spare:
            for chunk in chunks:
                done = classify(chunk)
                if checked is not None:
                    checked(done)
                results.extend(done)
                if progress is not None:
                    progress(len(results))
                spare()
        return results

    def check_chunk(self, chunk: list[tuple[int, dict[str, Cell]]]) -> list[RowResult]:
        self.parsing.ring = crypto.keyring()  # the key ring as it is now (a rotation may be under way)
        return self.match([self.parsing.parse(number, cells) for number, cells in chunk])

    def match(self, results: list[RowResult]) -> list[RowResult]:
        """Classify a chunk of parsed rows against the registry (a fixed number of queries)."""
        self.ring = crypto.keyring()  # the key ring as it is now (a rotation may be under way)
        if self.ring.index_current != self.parsing.ring.index_current:
            # Parsed under another index key (rotated meanwhile): fingerprints as they are now.
            for result in results:
                if result.facts is not None and not result.facts.id_number:
                    result.fingerprint = fingerprint(result.facts, self.ring)
        valid = [r for r in results if r.facts is not None]
        with_id = [r for r in valid if r.facts and r.facts.id_number]
        without_id = [r for r in valid if r.facts and not r.facts.id_number]
        registry = Registry(ring=self.ring)
        # 1. Exact matches by ID number (one query; every index the number may be stored under).
        variants = {id(r): self._id_indexes(r) for r in with_id}
        by_index: dict[str, int] = {}
        outline = self.outline
        every = [index for indexes in variants.values() for index in indexes]
        if outline is not None:
            every = [index for index in every if outline.may_hold(index)]
        if every:
            for person in by_id_number_index(self.district, every).values(*PERSON_VALUES):
                registry.persons[person["id"]] = person
                by_index[person["id_number_index"]] = person["id"]
        match_of = {id(r): next((by_index[i] for i in variants[id(r)] if i in by_index), None) for r in with_id}
        # 2. Rows without an ID number imported before, by fingerprint (one query).
        imported: dict[int, int] = {}
        if without_id:
            prints = {id(r): fingerprints(r.facts, self.ring) for r in without_id if r.facts}
            stored = dict(
                ImportedRecord.objects.filter(
                    district=self.district, fingerprint__in=[f for fs in prints.values() for f in fs]
                ).values_list("fingerprint", "person_id")
            )
            for r in without_id:
                found = next((stored[f] for f in prints[id(r)] if f in stored), None)
                if found is not None:
                    imported[id(r)] = found
        # 3. Candidates by name and birth date for the rest: any person for a row without an ID
        #    number; for a row whose number nobody has, a person without one (see below), looked
        #    up in the small index of those (most rows are of new residents with a number). By
        #    name only in SQL: with a list of birth dates too, the index would be searched for
        #    every pair of a name and a birth date (millions per chunk).
        candidates: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
        anyone: set[tuple[str, dt.date]] = set()  # for rows without an ID number
        without_number: set[tuple[str, dt.date]] = set()  # for rows whose number nobody has
        for r in valid:
            facts = r.facts
            if facts is None or facts.birth_date is None or id(r) in imported or match_of.get(id(r)) is not None:
                continue
            key = (facts.name, facts.birth_date)
            if not facts.id_number:
                anyone.add(key)
            elif outline is None or outline.may_have_without_number(*key):
                without_number.add(key)
        for condition, wanted in ((Q(), anyone), (Q(id_number_index=""), without_number)):
            if not wanted:
                continue
            by_name = Person.objects.filter(condition, district=self.district, name__in=sorted({n for n, _b in wanted}))
            if self.registry_up_to is not None:
                by_name = by_name.filter(pk__lte=self.registry_up_to)
            for person in by_name.order_by().values(*PERSON_VALUES):
                key = (person["name"], person["birth_date"])
                if key in wanted and person["id"] not in candidates[key]:
                    registry.persons.setdefault(person["id"], person)
                    candidates[key].append(person["id"])
        # 4. Their households and member profiles (one query each).
        registry.load_links(registry.persons, self.with_members)
        for result in valid:
            facts = result.facts
            assert facts is not None
            if facts.id_number:
                pk = match_of[id(result)]
                if pk is not None:
                    self._compare(result, registry.persons[pk], registry)
                    continue
                pool = [
                    p
                    for p in candidates.get((facts.name, facts.birth_date), [])  # type: ignore[arg-type]
                    if not registry.persons[p]["id_number_index"]
                ]
            else:
                pk = imported.get(id(result))
                if pk is not None:
                    result.status = Status.MATCHED
                    result.person_id = pk
                    continue
                pool = candidates.get((facts.name, facts.birth_date), []) if facts.birth_date else []  # type: ignore[arg-type]
            self._possible_match(result, pool, registry)
        for result in valid:
            result.id_index = None  # looked up: keep the memory of a large file small
            if result.status != Status.NEW:
                result.sealed = result.prepared = None  # nothing to write
                if result.status == Status.MATCHED:
                    result.facts = None
        self._hold_and_place(valid, registry)
        # 5. Rows already in the review queue (one query).
        pending = [r for r in valid if queued_as(r) is not None]
        if pending:
            prints = {id(r): fingerprints(r.facts, self.ring) for r in pending if r.facts}
            for r in pending:
                r.fingerprint = prints[id(r)][0]
            queued = set(
                ReviewItem.objects.filter(
                    district=self.district, fingerprint__in=[f for fs in prints.values() for f in fs]
                ).values_list("candidate_id", "fingerprint")
            )
            for r in pending:
                r.queued = any((r.person_id, f) in queued for f in prints[id(r)])
        return results

    def _hold_and_place(self, results: list[RowResult], registry: Registry) -> None:
        """Hold the rows about a person outside the user's scope (`Status.HELD`), and place
        every row bound for the review queue (`review_place`)."""
        scope = self.parsing.scope
        if scope is not None:
            # Rows matched by fingerprint (imported before) name a person not looked up yet.
            missing = {r.person_id for r in results if r.person_id is not None} - registry.persons.keys()
            if missing:
                for person in Person.objects.filter(pk__in=missing).order_by().values(*PERSON_VALUES):
                    registry.persons[person["id"]] = person
        for result in results:
            if result.person_id is None or result.status not in (Status.MATCHED, *Status.QUEUED):
                continue
            if scope is None and result.status == Status.MATCHED:
                continue  # nothing to hold, nothing to queue
            persons = [registry.persons[pk] for pk in (result.person_id, *result.other_candidates)]
            if scope is not None and not all(_person_within(p, scope) for p in persons):
                result.held_as, result.status = result.status, Status.HELD
            if queued_as(result) is not None:
                places = [(p["community_id"], p["grid_id"]) for p in persons]
                if result.area_id is not None:
                    places.append(self.areas.ancestors.get(result.area_id, (None, None))[:2])
                result.scope = review_place(places)

    def _id_indexes(self, result: RowResult) -> list[str]:
        """Every index the row's ID number may be stored under: the one made ahead when that
        is all there is (no index rotation under way, the same key)."""
        ahead = result.id_index
        ring = self.ring
        if ahead is not None and ahead[0] == ring.index_current and len(ring.lookup_index_ids) == 1:
            return [ahead[1]]
        assert result.facts is not None
        return ring.blind_indexes(result.facts.id_number)

    def _compare(self, result: RowResult, person: dict[str, Any], registry: Registry) -> None:
        assert result.facts is not None
        result.person_id = person["id"]
        differ, blank = compare(result.facts, person, registry)
        if differ:
            result.status = Status.CONFLICT
            result.fields, result.blank_fields = differ, blank
        else:
            result.status = Status.MATCHED

    def _possible_match(self, result: RowResult, pool: list[int], registry: Registry) -> None:
        facts = result.facts
        assert facts is not None
        near = [pk for pk in pool if _same_place(facts, registry.persons[pk], registry)]
        if not near:
            return  # new
        scored = sorted(near, key=lambda pk: (len(compare(facts, registry.persons[pk], registry)[0]), pk))
        best = registry.persons[scored[0]]
        result.status = Status.REVIEW
        result.person_id = best["id"]
        result.other_candidates = scored[1:]
        result.fields, result.blank_fields = compare(facts, best, registry)


def _person_within(person: dict[str, Any], scope: list[tuple[str, int]]) -> bool:
    """Whether a registry person (community and grid) lies in one of the user's (level, id)
    scopes; a narrower scope than a grid (a building) does not cover a person."""
    own: dict[str, int | None] = {Level.COMMUNITY: person["community_id"], Level.GRID: person["grid_id"]}
    return any(level == Level.DISTRICT or (own.get(level) is not None and own.get(level) == pk) for level, pk in scope)


def review_place(places: Iterable[tuple[int | None, int | None]]) -> tuple[int | None, int | None]:
    """(community, grid) of the lowest area covering all these (community, grid) places — the
    row's household (or community) and every person concerned: their grid when all share one,
    else their community, else (None, None), the district. A review item is queued there, so
    whoever decides it sees all of them."""
    places = list(places)
    communities = {community for community, _grid in places}
    if len(communities) != 1 or None in communities:
        return (None, None)
    grids = {grid for _community, grid in places}
    return (communities.pop(), grids.pop() if len(grids) == 1 else None)
