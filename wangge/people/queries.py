"""Reading persons within a user's scope, and reading what the key ring has encrypted.

Only the roles in `PERSONAL_DATA_ROLES` see the registry at all: a functional department, a
member or a volunteer assigned to an area sees no persons of it (a department sees the
reporter's contact of the cases it handles, through the case, and nothing else).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import QuerySet

from wangge.accounts.models import PERSONAL_DATA_ROLES, User
from wangge.accounts.scope import DISTRICT_COMMUNITY_GRID, assignments_of, has_role_over, scope_q
from wangge.areas.models import AreaNode, Level
from wangge.lib import matching
from wangge.lib.crypto import blind_index, blind_indexes, bound_to, decrypt, is_bound, key_id_of, keyring
from wangge.lib.errors import Invalid
from wangge.lib.idnumber import normalise_id_number, normalise_phone, parse_id_number, parse_phone
from wangge.people.models import HouseholdMember, Person


def visible_persons(user: User) -> QuerySet[Person]:
    """Persons the user may see (masked): a personal-data role whose scope holds their grid."""
    return Person.objects.filter(scope_q(user, DISTRICT_COMMUNITY_GRID, roles=PERSONAL_DATA_ROLES))


def scope_node_id(person: Person) -> int:
    """The area node that places a person in the tree: their grid, else community, else district
    (the same columns `visible_persons` filters on)."""
    return person.grid_id or person.community_id or person.district_id


def scope_nodes(persons: Iterable[Person]) -> dict[int, AreaNode]:
    """The scope node of each person, by node id: at most one query for any number of persons,
    none when the nodes were loaded with them (`select_related("grid")`)."""
    nodes: dict[int, AreaNode] = {}
    missing = set()
    for p in persons:
        name = "grid" if p.grid_id else "community" if p.community_id else "district"
        if Person._meta.get_field(name).is_cached(p):  # type: ignore[union-attr]
            nodes[scope_node_id(p)] = getattr(p, name)
        else:
            missing.add(scope_node_id(p))
    return nodes | (AreaNode.objects.in_bulk(missing) if missing else {})


def may_read_personal_data(user: User, person: Person, nodes: dict[int, AreaNode] | None = None) -> bool:
    """Whether the user holds a personal-data role over the person (decided by `has_role_over`)."""
    node = (nodes or scope_nodes([person])).get(scope_node_id(person))
    return node is not None and has_role_over(user, node, *PERSONAL_DATA_ROLES)


# --- what is encrypted, and under which key ------------------------------------------------------


@dataclass(frozen=True)
class EncryptedColumn:
    """A BinaryField named `…_encrypted` on some model; `index_field` when the model also has
    the blind index of the same value (`…_index`)."""

    model: type[models.Model]
    field: str
    index_field: str | None

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Every encrypted column of every installed model, found through the app registry."""
    found = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        names = {f.name for f in opts.concrete_fields}
        for f in opts.concrete_fields:
            if isinstance(f, models.BinaryField) and f.name.endswith("_encrypted"):
                index = f.name.removesuffix("_encrypted") + "_index"
                found.append(EncryptedColumn(model, f.name, index if index in names else None))
    return sorted(found, key=lambda c: c.label)


def iter_encrypted(column: EncryptedColumn, chunk: int = 2000) -> Iterator[tuple[int, bytes, str | None]]:
    """(pk, ciphertext, stored index or None) of every non-empty value, in pk order, a chunk
    per query."""
    fields = ["pk", column.field] + ([column.index_field] if column.index_field else [])
    manager = column.model._default_manager
    last = None
    while True:
        rows = manager.exclude(**{f"{column.field}__isnull": True}).order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.values_list(*fields)[:chunk])
        if not batch:
            return
        for row in batch:
            if row[1]:
                yield row[0], bytes(row[1]), (row[2] if column.index_field else None)
        last = batch[-1][0]


@dataclass
class ColumnUsage:
    column: str
    by_key: dict[str, int]
    # Only with `with_index`: how many indexes are computed under each index key.
    index_by_key: dict[str, int] | None = None
    # How many values are not bound to their row yet (ciphertext versions 1 and 2).
    unbound: int = 0


def key_usage(*, with_index: bool = False) -> list[ColumnUsage]:
    """How many values of each encrypted column use each data key, and how many are not bound
    to their row (and, with `with_index`, each blind-index key: this decrypts every indexed
    value; "?" for a value that does not decrypt where it is stored, or matches no key)."""
    ring = keyring()
    usage = []
    for column in encrypted_columns():
        by_key: Counter[str] = Counter()
        unbound = 0
        index_by_key: Counter[str] | None = Counter() if with_index and column.index_field else None
        for pk, token, stored_index in iter_encrypted(column):
            by_key[key_id_of(token)] += 1
            unbound += not is_bound(token)
            if index_by_key is not None:
                try:
                    value = decrypt(token, bound_to(column.model, column.field, pk))
                except ValueError:
                    index_by_key["?"] += 1
                    continue
                match = next((k for k in ring.index_keys if blind_index(value, k) == stored_index), "?")
                index_by_key[match] += 1
        usage.append(
            ColumnUsage(column.label, dict(by_key), dict(index_by_key) if index_by_key is not None else None, unbound)
        )
    return usage


def find_by_id_number(district: AreaNode, id_number: str) -> Person | None:
    indexes = blind_indexes(normalise_id_number(id_number))
    return Person.objects.filter(district=district, id_number_index__in=indexes).first()


def find_by_phone(district: AreaNode, phone: str) -> list[Person]:
    return list(Person.objects.filter(district=district, phone_index__in=blind_indexes(normalise_phone(phone))))


def households_by_person(person_ids: Iterable[int]) -> dict[int, list[HouseholdMember]]:
    """The household memberships (with their household node) of each person: one query."""
    links: dict[int, list[HouseholdMember]] = defaultdict(list)
    for link in HouseholdMember.objects.filter(person_id__in=list(person_ids)).select_related("household"):
        links[link.person_id].append(link)
    return links


# --- search (the web's "find a resident" box) ---------------------------------------------------


class SearchKind:
    ID_NUMBER = "id_number"  # a whole ID number: exact lookup through the blind index
    PHONE = "phone"  # a whole phone number: exact lookup through the blind index
    SUFFIX = "suffix"  # the last four characters of an ID or phone number (kept in the masked form)
    TEXT = "text"  # part of a name or an address
    INVALID = "invalid"  # looks like an ID number but is not one (format, check digit)


@dataclass(frozen=True)
class PersonSearch:
    kind: str
    persons: QuerySet[Person]
    # For INVALID: the code and translated message of what is wrong (never the value typed).
    error_code: str = ""
    error_message: str = ""


_SUFFIX_LENGTH = 4
_ID_CHARS = set("0123456789X")


def _user_districts(user: User) -> list[int] | None:
    """The districts in which the user holds a personal-data role; None for a superuser (all)."""
    if user.is_authenticated and user.is_superuser:
        return None
    return sorted({a.district_id for a in assignments_of(user) if a.role in PERSONAL_DATA_ROLES})


_NAMES_SPELLED = 200  # at most this many different names a pinyin search looks for


def _names_spelled(scoped: QuerySet[Person], text: str) -> list[str]:
    """The names in scope whose pinyin or initials `text` spells (`wangge.lib.matching`): the
    names are stored in clear, so the scope's different names are read (one query) and spelled
    in memory. Empty for a term that is not Latin letters."""
    if not (text.isascii() and text.replace(" ", "").isalpha() and len(text) >= 2):
        return []
    names = scoped.order_by().values_list("name", flat=True).distinct()
    items = [(name, matching.Searchable("", (name,))) for name in names]
    return [name for name, _score in matching.rank(text, items, _NAMES_SPELLED)]


def search_persons(user: User, term: str) -> PersonSearch:
    """The persons in the user's scope that `term` finds, ordered by name, grid and community
    loaded. What was typed decides how it is looked up:

    - an 18-character (or 15-digit first-generation) ID number: exact, through the blind index
      of each of the user's districts (`find_by_id_number`); a malformed one is INVALID;
    - a phone number (7 to 15 digits, +86 allowed): exact, through the blind index (`find_by_phone`);
    - four characters of an ID number's end (`123X`, `0011`): the masked ID number's (or the
      masked phone's) last four characters, which the masked forms keep;
    - anything else: part of the name, of either address, or of the household or its building's
      address they live in; a name also by its pinyin or initials ("zhw", "zhangwei" → 张伟).

    The term itself is never stored, logged or put in a message."""
    text = " ".join((term or "").split())
    compact = "".join(ch for ch in text if ch not in " -").upper()
    scoped = visible_persons(user).select_related("grid", "community").order_by("name", "id")
    districts = _user_districts(user)
    district_nodes = list(
        AreaNode.objects.filter(level=Level.DISTRICT)
        if districts is None
        else AreaNode.objects.filter(pk__in=districts)
    )
    looks_like_id = (len(compact) == 18 and compact[:17].isdigit()) or (len(compact) == 15 and compact.isdigit())
    if looks_like_id and set(compact) <= _ID_CHARS:
        try:
            number = parse_id_number(compact)
        except Invalid as error:
            return PersonSearch(SearchKind.INVALID, scoped.none(), error.code, error.message)
        found = [p.pk for d in district_nodes if (p := find_by_id_number(d, number)) is not None]
        return PersonSearch(SearchKind.ID_NUMBER, scoped.filter(pk__in=found))
    digits = compact.removeprefix("+")
    if digits.isdigit() and 7 <= len(digits) <= 17:
        try:
            phone = parse_phone(text)
        except Invalid as error:
            return PersonSearch(SearchKind.INVALID, scoped.none(), error.code, error.message)
        found = [p.pk for d in district_nodes for p in find_by_phone(d, phone)]
        return PersonSearch(SearchKind.PHONE, scoped.filter(pk__in=found))
    if len(compact) == _SUFFIX_LENGTH and set(compact) <= _ID_CHARS and compact[:3].isdigit():
        match = models.Q(id_number_masked__endswith=compact)
        if compact.isdigit():
            match |= models.Q(phone_masked__endswith=compact)
        return PersonSearch(SearchKind.SUFFIX, scoped.filter(match))
    if not text:
        return PersonSearch(SearchKind.TEXT, scoped.none())
    # The place they live: a household ("1单元101室") or its building's address ("青年东路5号1号楼").
    places = AreaNode.objects.filter(level=Level.HOUSEHOLD).filter(
        models.Q(name__contains=text) | models.Q(building__address__contains=text)
    )
    match = (
        models.Q(name__contains=text)
        | models.Q(name__in=_names_spelled(scoped, text))
        | models.Q(registered_address__contains=text)
        | models.Q(current_address__contains=text)
        | models.Q(pk__in=HouseholdMember.objects.filter(household__in=places).values("person_id"))
    )
    return PersonSearch(SearchKind.TEXT, scoped.filter(match))
