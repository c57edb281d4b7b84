"""The characters text input may hold, decided once for every way text arrives (docs/decisions.md,
"Control and bidi characters").

- **Refused**: control characters other than tab, line feed and carriage return (C0, DEL, C1;
  NUL among them, which PostgreSQL cannot store in a text column) and lone surrogates (half a
  UTF-16 pair, from a JSON `\\ud800`; no encoding can write them). They have no place in
  anything a person types, so a request carrying one is refused as a whole (400
  `invalid_characters`, by `wangge.web.edge`) rather than changed behind the sender's back.
- **Removed**: the bidirectional controls (embeddings and overrides U+202A–U+202E, isolates
  U+2066–U+2069, the marks U+200E, U+200F and U+061C). Phones and copied text carry them
  invisibly, and a right-to-left override makes `=evil.exe` look like another name or turns
  the rest of a line around where the text is shown. Nothing the platform stores needs them.

`cell_text` turns a cell of a spreadsheet (or anything typed) into clean text: NFKC
(full-width digits and letters become half-width, a non-breaking or ideographic space becomes
a space), invisible characters dropped (zero-width ones, soft hyphens, control characters such
as NUL, and the bidirectional controls), runs of spaces and line breaks collapsed to one space,
ends trimmed.
"""

import datetime as dt
import re
import unicodedata
from typing import Any

# Tab (\t), line feed (\n) and carriage return (\r) are ordinary text; every other C0 control,
# DEL and the C1 controls are not, nor are unpaired surrogates.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_DROPPED = re.compile(f"[{BIDI_CONTROLS}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Tab, line feed and carriage return are white space, collapsed by `cell_text`; other controls are dropped.
_INVISIBLE = re.compile(f"[\u200b\u200c\u200d\u2060\ufeff\u00ad{BIDI_CONTROLS}\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def is_ascii_number(value: str) -> bool:
    """Whether `value` is a number written in the digits 0–9. `str.isdigit` alone also accepts
    superscripts and other digits `int()` refuses (`"²"`: a ValueError, a 500)."""
    return value.isascii() and value.isdigit()


def has_refused_characters(value: str) -> bool:
    """Whether `value` holds a character no text input may hold (see the module's docstring)."""
    return _REFUSED.search(value) is not None


def strip_bidi(value: str) -> str:
    """`value` without its bidirectional control characters."""
    return _BIDI.sub("", value) if not value.isascii() else value


def clean_text(value: str) -> str:
    """One line of text as stored (a name, an address): without bidirectional controls or control
    characters, its ends trimmed. For text that does not come through a request (a file, the
    command line, a program); a request with a control character is refused at the edge instead."""
    if value.isascii() and value.isprintable():  # most values: nothing to drop
        return value.strip()
    return _DROPPED.sub("", value).strip()


def cell_text(cell: Any) -> str:
    """A cell as clean text (see the module's docstring); "是" / "否" for a boolean, a whole
    float without its ".0", a datetime at midnight as its date."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        plain = cell.isascii() and cell.isprintable()  # most cells: nothing to normalise or drop
        value = cell if plain else _INVISIBLE.sub("", unicodedata.normalize("NFKC", cell))
        return " ".join(value.split())  # runs of white space as one space, ends trimmed
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    return str(cell)
