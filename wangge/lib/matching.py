"""Forgiving text matching, for every box that picks a building, a category, a unit or a
person, and for the ledger import's area names: one piece of code for what Chinese users
type.

* **Names of areas** (`norm`, `number`, `community_key`, `grid_key`, `building_key`,
  `unit_key`, `room_key`): compared without spaces, full-width forms made half-width, numbers
  written 3 / 三 / 03 read alike, and a numbered building written 3号楼, 3号, 3栋, 3幢, 3#,
  3# 楼 or 3 read as one key ("#3"). The ledger import's rule (docs/import.md, "Households")
  is built on these.
* **Search as one types** (`Searchable`, `score`, `rank`): a query matches an item's texts
  by its key (3号 / 3# / 三号楼 → 3号楼), as a part of a text (青年东路5号), by the texts'
  pinyin or its initials ("qndl" → 青年东路, "zhw" → 张伟; pypinyin) and, failing those, by
  a small typo (rapidfuzz). A score says how sure: `EXACT` for the key or a whole text,
  `PART` for a part of one, `PINYIN` below, fuzzy matches lower still.
"""

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

_NOISE = re.compile(r"[\s\u3000]+")
_COMMUNITY_SUFFIXES = ("社区居民委员会", "居民委员会", "社区居委会", "居委会", "社区")
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十两"
_GRID = re.compile(rf"^(?:第?(\d+|[{_CN}]+)号?网格|网格(\d+)号?|(\d+))$")
_BUILDING = re.compile(rf"^第?(\d+|[{_CN}]+|[A-Z])(?:号楼|号|栋|幢|#楼|#|楼|座|号楼栋)?$")
_UNIT = re.compile(rf"^第?(\d+|[{_CN}]+)(?:单元)?$")
_ROOM_WITH_UNIT = re.compile(rf"^(\d+|[{_CN}]+)单元(\d+)$")
_DASHED = re.compile(r"^(?:\d+-)?(\d+)-(\d+)$")
_HAN = re.compile(r"[\u3400-\u9fff]+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def norm(value: str) -> str:
    """`value` without spaces, full-width forms half-width, letters upper case."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", value)).upper()


def number(token: str) -> str:
    """A number written in digits or in Chinese (三, 十二, 二十一) as digits; other text as it is."""
    if token.isdigit():
        return str(int(token))
    if token and all(c in _DIGITS or c == "十" for c in token) and token.count("十") <= 1:
        tens, _ten, ones = token.partition("十")
        if not _ten:
            return str(_DIGITS[tens]) if len(tens) == 1 else token
        if len(tens) > 1 or len(ones) > 1:
            return token
        return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))
    return token


def strip_prefixes(value: str, prefixes: Iterable[str]) -> str:
    for prefix in sorted({p for p in prefixes if p}, key=len, reverse=True):
        if value.startswith(prefix) and len(value) > len(prefix):
            return value[len(prefix) :]
    return value


def community_key(name: str, district_name: str = "") -> str:
    value = norm(name)
    if district_name and value.startswith(norm(district_name)) and len(value) > len(norm(district_name)):
        value = value[len(norm(district_name)) :]
    for suffix in _COMMUNITY_SUFFIXES:
        if value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)]
    return value


def grid_key(name: str, prefixes: Iterable[str] = ()) -> str:
    value = strip_prefixes(norm(name), prefixes)
    match = _GRID.match(value)
    if match:
        return "#" + number(next(g for g in match.groups() if g))
    return value


def building_key(name: str, prefixes: Iterable[str] = ()) -> str:
    """3号楼, 3号, 三号楼, 3栋, 3幢, 3#, 3 → "#3"; another name as `norm` gives it."""
    value = strip_prefixes(norm(name), prefixes)
    match = _BUILDING.match(value)
    if match:
        return "#" + number(match[1])
    return value


def unit_key(value: str) -> str:
    value = norm(value)
    if not value:
        return ""
    match = _UNIT.match(value)
    return number(match[1]) if match else value


def room_key(value: str) -> tuple[str, str]:
    """(unit, room) from a room cell: "1单元101室" → ("1", "101"), "1-101" → ("1", "101"),
    "101室" → ("", "101")."""
    value = norm(value).rstrip("室号户")
    match = _ROOM_WITH_UNIT.match(value)
    if match:
        return number(match[1]), number(match[2])
    match = _DASHED.match(value)
    if match:
        return number(match[1]), number(match[2])
    if value.isdigit():
        return "", number(value)
    return "", value


# --- search as one types ---------------------------------------------------------------------

EXACT = 100.0
PART = 90.0
PINYIN = 80.0
FUZZY = 60.0  # the best a typo can score: below every other way of matching
FUZZY_CUTOFF = 75.0  # rapidfuzz's partial ratio a typo must reach


def _initial(syllable: str) -> str:
    return syllable[:2] if syllable[:2] in ("zh", "ch", "sh") else syllable[:1]


@functools.lru_cache(maxsize=65536)
def _han_pinyin(run: str) -> tuple[str, str, str]:
    syllables = lazy_pinyin(run, style=Style.NORMAL)
    return "".join(syllables), "".join(s[:1] for s in syllables), "".join(_initial(s) for s in syllables)


def spellings(value: str) -> tuple[str, str, str]:
    """(full pinyin, first letters, initials with zh/ch/sh) of `value`, lower case, other
    letters and digits kept: "张伟" → ("zhangwei", "zw", "zhw"). Runs of Han characters are
    remembered, so a district's thousands of addresses cost little."""
    parts: tuple[list[str], list[str], list[str]] = ([], [], [])
    at = 0
    text = unicodedata.normalize("NFKC", value).lower()
    for match in _HAN.finditer(text):
        rest = _NOT_WORD.sub("", text[at : match.start()])
        for part, spelled in zip(parts, _han_pinyin(match[0]), strict=True):
            part += [rest, spelled]
        at = match.end()
    rest = _NOT_WORD.sub("", text[at:])
    full, first, initials = ("".join(part) + rest for part in parts)
    return full, first, initials


def pinyin(value: str) -> tuple[str, str]:
    """(full pinyin, first letters) of `value`: "青年东路5号" → ("qingniandonglu5hao", "qndl5h")."""
    full, first, _initials = spellings(value)
    return full, first


@dataclass
class Searchable:
    """An item as the search sees it: its key (e.g. a building's "#3"), its texts (name,
    address, the grid's name, …), prepared once."""

    key: str
    texts: tuple[str, ...]
    # What may stand before the key in a query ("幸福里社区第1网格" + "3号楼"), normalised.
    prefixes: tuple[str, ...] = ()
    fulls: tuple[str, ...] = field(init=False)
    initials: tuple[str, ...] = field(init=False)
    joined: str = field(init=False)
    spelled: str = field(init=False)

    def __post_init__(self) -> None:
        self.texts = tuple(norm(t) for t in self.texts if t)
        self.prefixes = tuple(sorted({norm(p) for p in self.prefixes if p}, key=len, reverse=True))
        spelled = [spellings(t) for t in self.texts]
        self.fulls = tuple(s[0] for s in spelled)
        self.initials = tuple([s[1] for s in spelled] + [s[2] for s in spelled if s[2] != s[1]])
        self.joined = " ".join(self.texts)
        self.spelled = " ".join(self.fulls + self.initials)


@dataclass(frozen=True)
class Query:
    text: str
    key: str
    latin: str

    @classmethod
    def of(cls, raw: str, key: str = "") -> "Query":
        text = norm(raw)
        latin = text.lower() if text.isascii() and any(c.isalpha() for c in text) else ""
        return cls(text, key or building_key(raw), _NOT_WORD.sub("", latin))


def score(query: Query, item: Searchable) -> float:
    """How well `query` matches `item`: 0 for not at all (see the module's docstring)."""
    if not query.text:
        return 0.0
    if item.key and query.key == item.key:
        return EXACT
    if query.text in item.texts:
        return EXACT
    for prefix in item.prefixes:
        if query.text.startswith(prefix) and len(query.text) > len(prefix):
            if item.key and building_key(query.text[len(prefix) :]) == item.key:
                return EXACT
            break
    if query.text in item.joined:  # one test rules out most items at once
        return PART + 5 if any(t.startswith(query.text) for t in item.texts) else PART
    if query.latin and query.latin in item.spelled:  # one test rules out most items at once
        latin = query.latin
        if latin in item.initials or latin in item.fulls:
            return PINYIN + 8
        if any(p.startswith(latin) for p in item.initials):
            return PINYIN + 5
        if any(p.startswith(latin) for p in item.fulls):
            return PINYIN + 4
        return PINYIN
    return 0.0


def typo_score(query: Query, item: Searchable) -> float:
    """A small typo's score (at most `FUZZY`), for queries long enough to carry one."""
    if query.latin:
        if len(query.latin) < 4:
            return 0.0
        ratio = fuzz.partial_ratio(query.latin, item.spelled, score_cutoff=FUZZY_CUTOFF + 5)
    else:
        if len(query.text) < 3:
            return 0.0
        ratio = fuzz.partial_ratio(query.text, item.joined, score_cutoff=FUZZY_CUTOFF)
    return ratio * FUZZY / 100


def rank[T](raw: str, items: Sequence[tuple[T, Searchable]], limit: int = 8) -> list[tuple[T, float]]:
    """The best `limit` items for the query `raw`, best first, with their scores; typos are
    looked at only when nothing matches otherwise."""
    query = Query.of(raw)
    found = [(value, s) for value, item in items if (s := score(query, item)) > 0]
    if not found:
        found = [(value, s) for value, item in items if (s := typo_score(query, item)) > 0]
    found.sort(key=lambda pair: -pair[1])
    return found[:limit]


def clear_choice[T](ranked: list[tuple[T, float]]) -> T | None:
    """The one item a query names without doubt: the only one found, or the only one matching
    exactly (its key or a whole text); None when several are as likely."""
    if len(ranked) == 1:
        return ranked[0][0]
    exact = [value for value, s in ranked if s >= EXACT]
    return exact[0] if len(exact) == 1 else None
