"""Read the State Council's yearly holiday notice (关于YYYY年部分节假日安排的通知) into days.

The text is read line by line. Lines before the first item (title, addressees, preamble) and
lines without a date (closing paragraph, signature) are prose and skipped; the year comes from
the title (or is given). Every line that holds an item — "一、元旦：…", a festival name with a
colon, or any numbered line with a date — must be read completely, sentence by sentence:

- days off: "1月28日（周二）至2月4日（周二）放假调休，共8天", "4月5日放假，4月6日（星期一）补休",
  "1月1日（周三）放假1天，不调休", "6月10日放假，与周末连休", ranges across months and years
  ("2018年12月30日至2019年1月1日"), 至 / 到 / — / － / ~ between the ends;
- make-up working days: "1月26日（周日）、2月8日（周六）上班";
- advice ("鼓励各单位……") is skipped.

Checks, each an error naming the line: a weekday in parentheses that is not the date's, a
make-up day that is not a Saturday or Sunday, a 补休 day that is not a weekday, a day count
("共N天", "放假N天") that is not the range's, a date that does not exist or lies outside the
notice's year, a day both off and working, a sentence it cannot read, and (for the whole text)
a missing festival of the seven.

A later notice in the same text (a second title "关于……的通知", as for 2019's revised Labour
Day or 2020's longer Spring Festival) amends the first: an item for a festival already given
replaces its days, "延长2020年春节假期至2月2日" extends the festival's days off to that date
(and drops the make-up days it covers), any other item is added (2015's 70th anniversary).
"""

import dataclasses
import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

_DATE = r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?"
DATE_RE = re.compile(_DATE)
TITLE_YEAR_RE = re.compile(r"关于(\d{4})年.*节假日.*通知")
NOTICE_TITLE_RE = re.compile(r"关于.*通知$")
ITEM_NUMBER_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[、.]\s*|\([一二三四五六七八九十\d]+\)\s*)")
SIGNATURE_RE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
HOLIDAY_RE = re.compile(
    rf"^(?P<start>{_DATE})(?:(?:至|到|-|—|–|~)(?P<end>{_DATE}))?"
    r"(?:放假调休|调休放假|放假)(?:(?P<count>\d+)天)?(?P<rest>(?:,.*)?)$"
)
MAKE_UP_RE = re.compile(rf"^(?P<dates>{_DATE}(?:[、,]{_DATE})*)上班$")
EXTEND_RE = re.compile(rf"^延长(?:\d{{4}}年)?(?P<festival>\S+?)假期至(?P<end>{_DATE})(?P<rest>(?:,.*)?)$")
COUNT_CLAUSE_RE = re.compile(r"^(?:放假调休|放假)?,?共(\d+)天$")
IN_LIEU_RE = re.compile(rf"^(?P<date>{_DATE})补休$")
BACK_TO_WORK_RE = re.compile(rf"^(?P<date>{_DATE})起正常上班$")


class NoticeError(ValueError):
    """A text that cannot be read completely; `line` is the 1-based line number (0: the whole text)."""

    def __init__(self, message: str, *, line: int = 0, text: str = "") -> None:
        self.message = message
        self.line = line
        self.text = text
        super().__init__(self.describe())

    def describe(self) -> str:
        if not self.line:
            return self.message
        return _("Line %(line)d (%(text)s): %(message)s") % {
            "line": self.line,
            "text": self.text,
            "message": self.message,
        }


@dataclasses.dataclass
class Item:
    """One item of a notice: a festival (or several, "国庆节、中秋节") and its days."""

    label: str
    line: int
    holidays: list[dt.date] = dataclasses.field(default_factory=list)
    workdays: list[dt.date] = dataclasses.field(default_factory=list)

    @property
    def festivals(self) -> list[str]:
        return [f for f in FESTIVALS if f in self.label]

    @property
    def first(self) -> dt.date:
        return min(self.holidays)

    @property
    def last(self) -> dt.date:
        return max(self.holidays)


@dataclasses.dataclass
class Notice:
    year: int
    items: list[Item]

    @property
    def holidays(self) -> dict[dt.date, str]:
        """Every day off the notice gives (weekends inside a range too), with its festival's name."""
        return {day: item.label for item in self.items for day in item.holidays}

    @property
    def workdays(self) -> dict[dt.date, str]:
        """The make-up working days (on a Saturday or Sunday), with the festival they belong to."""
        return {day: item.label for item in self.items for day in item.workdays}

    @property
    def first_day(self) -> dt.date:
        return window(self.year)[0]

    @property
    def last_day(self) -> dt.date:
        return window(self.year)[1]


def window(year: int) -> tuple[dt.date, dt.date]:
    """The dates a year's notice governs: its New Year's Day holiday may begin in the last days
    of December before (2019's began on 30 December 2018), and the last days of its own December
    belong to the next year's notice."""
    return dt.date(year - 1, 12, 25), dt.date(year, 12, 24)


class _Reader:
    def __init__(self, year: int, line_no: int, raw: str) -> None:
        self.year = year
        self.line_no = line_no
        self.raw = raw

    def fail(self, message: str) -> NoticeError:
        return NoticeError(message, line=self.line_no, text=self.raw.strip())

    def date(self, match: re.Match[str], group: int, *, month: int | None = None, year: int | None = None) -> dt.date:
        """The date of the `_DATE` groups starting at `group`; month and year from the range start."""
        y, m, d, note = match.group(group, group + 1, group + 2, group + 3)
        year_value = int(y) if y else (year or self.year)
        month_value = int(m) if m else month
        if month_value is None:
            raise self.fail(_("A date without its month: %(day)s日.") % {"day": d})
        try:
            day = dt.date(year_value, month_value, int(d))
        except ValueError:
            raise self.fail(
                _("%(year)d-%(month)02d-%(day)02d is not a date.")
                % {"year": year_value, "month": month_value, "day": int(d)}
            ) from None
        self.check_weekday(day, note)
        return day

    def check_weekday(self, day: dt.date, note: str | None) -> None:
        if not note:
            return
        found = re.search(r"(?:星期|周)([一二三四五六日天])", note)
        if found and WEEKDAYS[found.group(1)] != day.weekday():
            raise self.fail(
                _("%(date)s is not a %(named)s: the text says 周%(named)s, the date is 周%(actual)s.")
                % {"date": day.isoformat(), "named": found.group(1), "actual": "一二三四五六日"[day.weekday()]}
            )

    def dates_in(self, text: str) -> list[dt.date]:
        return [self.date(m, 1) for m in DATE_RE.finditer(text)]


def _normalise(line: str) -> str:
    """Full-width punctuation and digits to half-width, no spaces; "。" and "、" stay."""
    text = unicodedata.normalize("NFKC", line)
    return re.sub(r"\s+", "", text.replace("．", "."))


def _is_festival_label(label: str) -> bool:
    """ "春节", "国庆节、中秋节": festival names and nothing else."""
    rest = label
    for festival in FESTIVALS:
        rest = rest.replace(festival, "")
    return label != rest and not re.sub(r"[、,和及]", "", rest)


def _split_label(text: str) -> tuple[str, str] | None:
    """("元旦", "1月1日放假…") from "元旦:1月1日放假…"; None when there is no label before a colon."""
    label, colon, body = text.partition(":")
    if not colon or DATE_RE.search(label):
        return None
    return label, body


def _split(text: str, separators: str) -> list[str]:
    """The non-empty parts of `text` between `separators`, not inside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip(",") for part in parts if part.strip(",")]


def _sentences(body: str) -> list[str]:
    return _split(body, "。;")


def _clauses(rest: str) -> list[str]:
    """The comma-separated clauses after a holiday sentence's days."""
    return _split(rest, ",")


def _read_holiday(reader: _Reader, match: re.Match[str], item: Item) -> None:
    start = reader.date(match, 2)
    end = reader.date(match, 7, month=start.month, year=start.year) if match.group("end") else start
    if end < start:
        raise reader.fail(_("The range ends before it begins."))
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    counts = [int(match.group("count"))] if match.group("count") else []
    for clause in _clauses(match.group("rest")):
        if clause in ("不调休", "与周末连休", "放假调休", "调休放假"):
            continue
        if said := COUNT_CLAUSE_RE.match(clause):
            counts.append(int(said.group(1)))
        elif in_lieu := IN_LIEU_RE.match(clause):
            day = reader.date(in_lieu, 2)
            if day.weekday() >= 5:
                raise reader.fail(_("%(date)s, a day off in lieu, falls on a weekend.") % {"date": day.isoformat()})
            days.append(day)
        else:
            raise reader.fail(_("Cannot read “%(clause)s”.") % {"clause": clause})
    for count in counts:
        if count != len(days):
            raise reader.fail(
                _("The text says %(said)d days, the dates give %(counted)d.") % {"said": count, "counted": len(days)}
            )
    item.holidays.extend(days)


def _read_make_up(reader: _Reader, match: re.Match[str], item: Item) -> None:
    for day in reader.dates_in(match.group("dates")):
        if day.weekday() < 5:
            raise reader.fail(
                _("%(date)s is a weekday: a make-up working day is a Saturday or a Sunday.") % {"date": day.isoformat()}
            )
        item.workdays.append(day)


def _read_extension(reader: _Reader, match: re.Match[str], items: list[Item]) -> None:
    festival = match.group("festival")
    target = next((i for i in items if festival in i.festivals), None)
    if target is None or not target.holidays:
        raise reader.fail(_("There is no %(festival)s holiday to extend.") % {"festival": festival})
    end = reader.date(match, 3)
    last = max(target.holidays)
    if end <= last:
        raise reader.fail(_("The extension ends before the holiday does."))
    for clause in _clauses(match.group("rest")):
        if back := BACK_TO_WORK_RE.match(clause):
            reader.date(back, 2)
        else:
            raise reader.fail(_("Cannot read “%(clause)s”.") % {"clause": clause})
    extra = [last + dt.timedelta(days=n) for n in range(1, (end - last).days + 1)]
    target.holidays.extend(extra)
    target.workdays = [d for d in target.workdays if d not in extra]


def _read_item(reader: _Reader, label: str, body: str, items: list[Item]) -> Item | None:
    item = Item(label=label, line=reader.line_no)
    extended = False
    for sentence in _sentences(body):
        if sentence.startswith("鼓励"):  # advice, not a day off
            continue
        if match := EXTEND_RE.match(sentence):
            _read_extension(reader, match, items)
            extended = True
        elif match := MAKE_UP_RE.match(sentence):
            _read_make_up(reader, match, item)
        elif match := HOLIDAY_RE.match(sentence):
            _read_holiday(reader, match, item)
        else:
            raise reader.fail(_("Cannot read “%(sentence)s”.") % {"sentence": sentence})
    if extended and not item.holidays and not item.workdays:
        return None
    if not item.holidays:
        raise reader.fail(_("The item gives no day off."))
    return item


def _check_item(reader: _Reader, item: Item, year: int) -> None:
    first, last = window(year)
    for day in [*item.holidays, *item.workdays]:
        if not first <= day <= last:
            raise reader.fail(_("%(date)s is outside the year %(year)d.") % {"date": day.isoformat(), "year": year})
    both = set(item.holidays) & set(item.workdays)
    if both:
        raise reader.fail(_("%(date)s is both a day off and a working day.") % {"date": min(both).isoformat()})


def _starts_item(line: str) -> bool:
    labelled = _split_label(ITEM_NUMBER_RE.sub("", line, count=1))
    return bool(ITEM_NUMBER_RE.match(line)) or (labelled is not None and _is_festival_label(labelled[0]))


def _is_title(line: str) -> bool:
    return bool(NOTICE_TITLE_RE.search(line)) and not DATE_RE.search(line)


def _logical_lines(text: str) -> list[tuple[int, str, str]]:
    """(first line number, raw text, normalised text) of each line, an item's continuation lines
    joined to it: a line broken inside a sentence (a copy from a PDF), or the item's make-up
    days on a line of their own. Errors name the item's first line."""
    lines: list[tuple[int, str, str]] = []
    in_item = False
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = _normalise(raw)
        if not line:
            in_item = False
            continue
        if _is_title(line) or SIGNATURE_RE.match(line):
            in_item = False
        elif _starts_item(line):
            in_item = True
        elif in_item and (not lines[-1][2].endswith("。") or DATE_RE.search(line)):
            first, raw_before, before = lines[-1]
            lines[-1] = (first, raw_before.strip() + raw.strip(), before + line)
            continue
        else:
            in_item = False
        lines.append((line_no, raw, line))
    return lines


def parse_notice(text: str, year: int | None = None) -> Notice:
    """The notice's year, items and days; `NoticeError` naming the line for anything it cannot read."""
    items: list[Item] = []
    title_year: int | None = None
    amending = False  # inside a later notice that amends the first
    for line_no, raw, line in _logical_lines(text):
        if _is_title(line):
            found = TITLE_YEAR_RE.search(line)
            if found and title_year is None and not items:
                title_year = int(found.group(1))
                if year is not None and year != title_year:
                    raise NoticeError(
                        _("The title is for %(title)d, not %(year)d.") % {"title": title_year, "year": year},
                        line=line_no,
                        text=raw.strip(),
                    )
            amending = amending or bool(items)
            continue
        numbered = ITEM_NUMBER_RE.match(line)
        content = line[numbered.end() :] if numbered else line
        labelled = _split_label(content)
        is_festival_label = labelled is not None and _is_festival_label(labelled[0])
        if not is_festival_label and (not DATE_RE.search(content) or SIGNATURE_RE.match(content)):
            continue  # prose: preamble, closing paragraph, signature
        if not (numbered or is_festival_label):
            if items or labelled is not None:
                raise NoticeError(_("Cannot read this line."), line=line_no, text=raw.strip())
            continue  # a dated line of the preamble
        notice_year = year or title_year
        if notice_year is None:
            raise NoticeError(
                _("Which year is this notice for? The title does not say; give the year."),
                line=line_no,
                text=raw.strip(),
            )
        reader = _Reader(notice_year, line_no, raw)
        label, body = labelled if labelled is not None else ("", content)
        item = _read_item(reader, label, body, items)
        if item is None:
            continue
        if not item.label:
            raise reader.fail(_("The item does not name its festival."))
        _check_item(reader, item, notice_year)
        replaced = [i for i in items if set(i.festivals) & set(item.festivals)]
        if replaced and not amending:
            raise reader.fail(_("%(festival)s is given twice.") % {"festival": item.label})
        items = [i for i in items if i not in replaced] + [item]
    final_year = year or title_year
    if final_year is None:
        raise NoticeError(_("Which year is this notice for? The title does not say; give the year."))
    given = {f for item in items for f in item.festivals}
    missing = [f for f in FESTIVALS if f not in given]
    if missing:
        raise NoticeError(
            _("The line for %(festivals)s is missing: a notice gives all seven festivals.")
            % {"festivals": "、".join(missing)}
        )
    _check_overlaps(items)
    return Notice(year=final_year, items=sorted(items, key=lambda i: min(i.holidays)))


def _check_overlaps(items: list[Item]) -> None:
    off: dict[dt.date, Item] = {}
    for item in items:
        for day in item.holidays:
            if day in off and off[day] is not item:
                raise NoticeError(
                    _("%(date)s is given twice.") % {"date": day.isoformat()}, line=item.line, text=item.label
                )
            off[day] = item
    for item in items:
        for day in item.workdays:
            if day in off:
                raise NoticeError(
                    _("%(date)s is both a day off and a working day.") % {"date": day.isoformat()},
                    line=item.line,
                    text=item.label,
                )
