"""Turning one row's cells into the facts of a person, or into the reasons it cannot be used.

Every text cell is normalised the same way: NFKC (full-width digits and letters become
half-width, a non-breaking or ideographic space becomes a space), invisible characters
dropped (zero-width ones, soft hyphens, control characters such as NUL, and the bidirectional
controls of `wangge.lib.text`, so a right-to-left override cannot turn a name around), runs of
spaces and line breaks collapsed to one space, ends trimmed. Names also lose
the spaces typed between Chinese characters to line them up ("张  三" → "张三"). ID numbers
accept a lower-case x, spaces and hyphens, and the 15-digit first-generation form (converted
to 18 digits). Dates accept 2026-01-05, 2026/1/5, 2026.1.5, 2026年1月5日, 20260105, an Excel
serial number and the spreadsheet's own date values. Reasons never repeat an ID number, a
phone number or any other value of the row: the row number says where to look.
"""

import datetime as dt
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.ledgers.areas import AreaResolver
from wangge.ledgers.layouts import (
    DISABILITY_KINDS,
    EMPTY_WORDS,
    ETHNIC_GROUPS,
    FALSE_WORDS,
    SENSITIVE_FIELDS,
    TRUE_WORDS,
    LayoutSpec,
    Vocabulary,
    field_label,
)
from wangge.lib.errors import DomainError, Invalid
from wangge.lib.idnumber import birth_date_of, parse_id_number, parse_phone
from wangge.lib.text import cell_text as text

# Longest values the registry's columns hold.
MAX_LENGTHS = {
    "name": 100,
    "ethnicity": 20,
    "registered_address": 300,
    "current_address": 300,
    "employer": 200,
    "chronic_illness": 200,
}
EARLIEST_BIRTH = dt.date(1880, 1, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)

NO_FACTS: Mapping[str, Any] = MappingProxyType({})
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff·])\s+(?=[\u3400-\u9fff\uf900-\ufaff·])")
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DISABILITY_LEVEL = re.compile(r"([一二三四1-4])\s*级")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def gender_of(number: str) -> str:
    """The gender a GB 11643 number encodes (17th digit odd: male)."""
    return "male" if int(number[16]) % 2 else "female"


def clean_name(cell: Any) -> str:
    value = text(cell)
    return _CJK_GAP.sub("", value) if " " in value else value


def is_empty_word(value: str) -> bool:
    return value.lower() in EMPTY_WORDS


# --- values that can be wrong ---------------------------------------------------------------


def _from_domain(error: DomainError) -> Invalid:
    return Invalid(error.code, error.message)


def parse_date(cell: Any, name: str) -> dt.date:
    """A date from any of the accepted forms; `Invalid` naming the field otherwise."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, bool):
        cell = text(cell)
    if isinstance(cell, (int, float)):
        number = int(cell)
        if 10_000_000 <= number <= 99_999_999 and (not isinstance(cell, float) or cell.is_integer()):
            cell = str(number)
        elif 1 <= cell < 100_000:
            return EXCEL_EPOCH + dt.timedelta(days=number)
        else:
            raise _unreadable_date(name)
    value = text(cell)
    match = _DATE.match(value) or _COMPACT_DATE.match(value)
    if match is None:
        raise _unreadable_date(name)
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _impossible_date(name) from None


def _too_long(name: str) -> Invalid:
    return Invalid("value_too_long", _("The %(field)s is too long.") % {"field": field_label(name)})


def _unreadable_date(name: str) -> Invalid:
    return Invalid("date_format", _("The %(field)s cannot be read as a date.") % {"field": field_label(name)})


def _impossible_date(name: str) -> Invalid:
    return Invalid("date_impossible", _("The %(field)s is a date that does not exist.") % {"field": field_label(name)})


def _unknown_value(name: str) -> Invalid:
    return Invalid(
        "value_unknown",
        _(
            "The value in the column “%(field)s” is not one the import knows; "
            "see docs/import.md or give it in the mapping."
        )
        % {"field": field_label(name)},
    )


def _word(vocabulary: Vocabulary, name: str, cell: Any) -> str:
    value = text(cell)
    if not value or is_empty_word(value):
        return ""
    found = vocabulary.lookup(name, value)
    if found is None:
        raise _unknown_value(name)
    return found


def _flag(cell: Any, name: str, keyword: str) -> bool:
    value = text(cell).lower()
    if not value or value in FALSE_WORDS or value in EMPTY_WORDS:
        return False
    if value in TRUE_WORDS or keyword in value:
        return True
    raise _unknown_value(name)


def _disability(combined: Any, kind_cell: Any, level_cell: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for cell in (combined, kind_cell, level_cell):
        value = text(cell)
        if not value or is_empty_word(value) or value.lower() in FALSE_WORDS:
            continue
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            value = f"{int(cell)}级"
        elif value.isdigit():
            value += "级"
        level = _DISABILITY_LEVEL.search(value)
        if level is not None:
            digit = level[1]
            result["level"] = _CN_DIGITS.get(digit) or int(digit)
            value = value[: level.start()] + value[level.end() :]
        kind = value.replace("残疾", "").replace("类别", "").replace("类", "").strip(" /、,，")
        if kind:
            result["kind"] = next((k for k in DISABILITY_KINDS if k in kind), kind)[:20]
    return result


def _support(combined: Any, low_income: Any, extreme: Any) -> str:
    value = text(combined)
    kinds: set[str] = set()
    if value and not is_empty_word(value) and value.lower() not in FALSE_WORDS:
        if "特困" in value:
            kinds.add("extreme_poverty")
        elif "低保" in value:
            kinds.add("low_income")
        else:
            raise _unknown_value("support")
    if low_income is not None and _flag(low_income, "low_income", "低保"):
        kinds.add("low_income")
    if extreme is not None and _flag(extreme, "extreme_poverty", "特困"):
        kinds.add("extreme_poverty")
    if len(kinds) > 1:
        raise Invalid(
            "support_both",
            _("A person receives either the subsistence allowance (低保) or extreme-poverty support (特困), not both."),
        )
    return kinds.pop() if kinds else ""


# --- the facts of one row -------------------------------------------------------------------


@dataclass(slots=True)
class Facts:
    """What one row says about a person, normalised; empty means "the row does not say"."""

    name: str
    gender: str = ""
    birth_date: dt.date | None = None
    id_number: str = ""
    phone: str = ""
    ethnicity: str = ""
    registered_address: str = ""
    current_address: str = ""
    residence_status: str = ""
    political_status: str = ""
    education: str = ""
    employer: str = ""
    household_id: int | None = None
    relation: str = ""
    sensitive: Mapping[str, Any] = NO_FACTS
    member_kind: str = ""
    home_community_id: int | None = None
    reported_on: dt.date | None = None
    org_unit_id: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # For `ledgers.pipeline` (parsed in one process, matched in another): the values in field
        # order (quicker than the state dict of slots; the shared empty mapping as None).
        if self.sensitive is NO_FACTS:
            values = list(_fact_values(self))
            values[_SENSITIVE_AT] = None
            return (_facts, (tuple(values),))
        return (_facts, (_fact_values(self),))

    def as_document(self) -> dict[str, Any]:
        """A JSON-ready document of every fact the row gives (for the encrypted review copy)."""
        document: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            name = item.name
            if value in ("", None, {}):
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Mapping):
                value = dict(value)
            document[name] = value
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "Facts":
        values = dict(document)
        for name in ("birth_date", "reported_on"):
            if values.get(name):
                values[name] = dt.date.fromisoformat(values[name])
        return cls(**values)


_FACT_FIELDS = tuple(item.name for item in fields(Facts))
_fact_values = operator.attrgetter(*_FACT_FIELDS)
_SENSITIVE_AT = _FACT_FIELDS.index("sensitive")


def _facts(values: tuple[Any, ...]) -> Facts:
    facts = Facts(*values)
    if facts.sensitive is None:
        facts.sensitive = NO_FACTS
    return facts


PLAIN_TEXT = ("ethnicity", "registered_address", "current_address", "employer")
WORD_FIELDS = ("gender", "residence_status", "political_status", "education", "relation", "member_kind")


class RowParser:
    """Parses rows of one layout against one district's areas."""

    def __init__(self, layout: LayoutSpec, vocabulary: Vocabulary, areas: AreaResolver) -> None:
        self.layout = layout
        self.vocabulary = vocabulary
        self.areas = areas
        self.today = timezone.localdate()
        self.reads = set(layout.fields)
        self._words: dict[tuple[str, Any], str | Invalid] = {}
        # One string object per distinct address, employer, ethnicity: they repeat down a file.
        self._strings: dict[str, str] = {}
        self._texts: dict[tuple[str, Any], str] = {}
        self._households: dict[tuple[Any, ...], int | Invalid] = {}

    def _word(self, name: str, cell: Any) -> str:
        """`_word`, remembered per (field, cell): ledgers repeat the same few words."""
        key = (name, cell)
        found = self._words.get(key)
        if found is None:
            try:
                found = _word(self.vocabulary, name, cell)
            except Invalid as problem:
                found = problem.kept()
            self._words[key] = found
        if isinstance(found, Invalid):
            raise found.kept()
        return found

    def _plain(self, name: str, cell: Any) -> str:
        """A plain text cell, cleaned; remembered per (field, cell), as addresses, employers and
        ethnicities repeat down a file (one string object per distinct value)."""
        key = (name, cell)
        value = self._texts.get(key)
        if value is None:
            value = text(cell)
            if is_empty_word(value):
                value = ""
            if name == "ethnicity" and value in ETHNIC_GROUPS:
                value += "族"
            value = self._texts[key] = self._strings.setdefault(value, value)
        return value

    def parse(self, cells: dict[str, Any]) -> tuple[Facts | None, list[Invalid]]:
        problems: list[Invalid] = []

        def attempt(function: Any, *args: Any) -> Any:
            try:
                return function(*args)
            except Invalid as problem:
                problems.append(problem.kept())
                return None

        name = clean_name(cells.get("name"))
        if not name:
            problems.append(Invalid("name_missing", _("The row has no name.")))
        elif len(name) > MAX_LENGTHS["name"]:
            problems.append(_too_long("name"))
        facts = Facts(name=name)
        if "id_number" in cells:
            facts.id_number = attempt(parse_id_number, cells["id_number"]) or ""
        if "phone" in cells:
            phone_text = text(cells["phone"])
            if phone_text and not is_empty_word(phone_text):
                facts.phone = attempt(parse_phone, cells["phone"]) or ""
        for word in WORD_FIELDS:
            if word in cells:
                setattr(facts, word, attempt(self._word, word, cells[word]) or "")
        for plain in PLAIN_TEXT:
            if plain in cells:
                value = self._plain(plain, cells[plain])
                if len(value) > MAX_LENGTHS[plain]:
                    problems.append(_too_long(plain))
                setattr(facts, plain, value)
        if "birth_date" in cells:
            birth = attempt(parse_date, cells["birth_date"], "birth_date")
            if birth is not None and not EARLIEST_BIRTH <= birth <= self.today:
                problems.append(_impossible_date("birth_date"))
            facts.birth_date = birth
        if facts.id_number:
            from_id = birth_date_of(facts.id_number)
            if facts.birth_date is not None and facts.birth_date != from_id:
                problems.append(
                    Invalid(
                        "birth_date_mismatch", _("The birth date does not agree with the one inside the ID number.")
                    )
                )
            facts.birth_date = from_id
            # The gender stays as the row states it (a stated fact is compared; one derived from
            # the number is not news to a registry that holds the number): see `gender_of`.
            if facts.gender and facts.gender != gender_of(facts.id_number):
                problems.append(Invalid("gender_mismatch", _("The gender does not agree with the ID number.")))
        if "reported_on" in cells:
            reported = attempt(parse_date, cells["reported_on"], "reported_on")
            if reported is not None and reported > self.today:
                problems.append(_impossible_date("reported_on"))
            facts.reported_on = reported
        if "community" in self.reads:
            self._household(cells, facts, problems)
        if "home_community" in self.reads:
            self._membership(cells, facts, problems)
        if "disability" in self.reads:
            self._sensitive(cells, facts, problems)
        if problems:
            return None, problems
        return facts, []

    def _household(self, cells: dict[str, Any], facts: Facts, problems: list[Invalid]) -> None:
        if not ("community" in cells and "building" in cells and "room" in cells):
            problems.append(
                Invalid(
                    "household_missing",
                    _("The row does not say which household: community, building and room number are needed."),
                )
            )
            return
        get = cells.get
        key = (get("community"), get("grid"), get("building"), get("unit"), get("room"))
        found = self._households.get(key)
        if found is None:
            try:
                found = self.areas.household(
                    community=self.vocabulary.alias("community", text(key[0])),
                    grid=text(key[1]),
                    building=text(key[2]),
                    unit=text(key[3]),
                    room=text(key[4]),
                )
            except DomainError as error:
                found = _from_domain(error)
            self._households[key] = found
        if isinstance(found, Invalid):
            problems.append(found)
        else:
            facts.household_id = found

    def _membership(self, cells: dict[str, Any], facts: Facts, problems: list[Invalid]) -> None:
        if not facts.member_kind:
            problems.append(
                Invalid("value_missing", _("The row has no %(field)s.") % {"field": field_label("member_kind")})
            )
        community = self.vocabulary.alias("home_community", text(cells.get("home_community")))
        if not community:
            problems.append(
                Invalid("value_missing", _("The row has no %(field)s.") % {"field": field_label("home_community")})
            )
        else:
            try:
                facts.home_community_id = self.areas.community(community)
            except DomainError as error:
                problems.append(_from_domain(error))
        unit = self.vocabulary.alias("org_unit", text(cells.get("org_unit")))
        if unit and not is_empty_word(unit):
            try:
                facts.org_unit_id = self.areas.org_unit(unit)
            except DomainError as error:
                problems.append(_from_domain(error))

    def _sensitive(self, cells: dict[str, Any], facts: Facts, problems: list[Invalid]) -> None:
        if cells.keys().isdisjoint(SENSITIVE_FIELDS):
            return  # most rows: no sensitive fact at all
        sensitive: dict[str, Any] = {}
        disability = _disability(cells.get("disability"), cells.get("disability_kind"), cells.get("disability_level"))
        if disability:
            sensitive["disability"] = disability
        illness = text(cells.get("chronic_illness"))
        if illness and not is_empty_word(illness) and illness.lower() not in FALSE_WORDS:
            if len(illness) > MAX_LENGTHS["chronic_illness"]:
                problems.append(_too_long("chronic_illness"))
            sensitive["chronic_illness"] = illness
        try:
            support = _support(cells.get("support"), cells.get("low_income"), cells.get("extreme_poverty"))
            if support:
                sensitive["support"] = support
            if "elderly_alone" in cells and _flag(cells["elderly_alone"], "elderly_alone", "独居"):
                sensitive["elderly_alone"] = True
            if "left_behind_child" in cells and _flag(cells["left_behind_child"], "left_behind_child", "留守"):
                sensitive["left_behind_child"] = True
        except Invalid as problem:
            problems.append(problem.kept())
        if sensitive:
            facts.sensitive = sensitive
