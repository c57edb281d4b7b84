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
"""

import re

# Tab (\t), line feed (\n) and carriage return (\r) are ordinary text; every other C0 control,
# DEL and the C1 controls are not, nor are unpaired surrogates.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_DROPPED = re.compile(f"[{BIDI_CONTROLS}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


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
