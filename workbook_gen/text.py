"""Input text kept as data wherever it goes: the terminal, CSV exports, chart names and titles.

Every string that comes from an input file passes through one of these before it leaves the program.
"""

from __future__ import annotations

import re

# C0 and C1 control characters and DEL; the line feed is kept for multi-line messages.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, keep_newlines: bool = True) -> str:
    """``text`` with control characters (terminal escapes, carriage returns, NUL, ...) shown as ``?``."""
    return (_CONTROL if keep_newlines else _CONTROL_ALL).sub("?", str(text))


# How xlsxwriter decides that a chart name or title is a reference (``Sheet!A1``) rather than text:
# the first "!" followed by an optional "$", column letters, an optional "$" and digits.
XLSXWRITER_REFERENCE = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")
WORD_JOINER = "\u2060"  # zero width, not shown: keeps the text as it reads, breaks the "!A1" shape


def inert_name(text: str) -> str:
    """A chart title or series name that xlsxwriter writes as literal text, never as a reference.

    Control characters are removed and every "!" is followed by an invisible word joiner, so no
    part of the string has the ``Sheet!A1`` shape xlsxwriter turns into a ``<c:f>`` formula."""
    clean = _CONTROL_ALL.sub("", str(text))
    if "!" in clean:
        clean = clean.replace("!", "!" + WORD_JOINER)
    assert not XLSXWRITER_REFERENCE.match(clean)
    return clean


_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell for a CSV export: a leading ``= + - @`` tab or CR is escaped with an apostrophe,
    as spreadsheet tools expect, so that opening the file never evaluates it as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_CSV_TRIGGERS) else text


def segments_of(split: str) -> str:
    """'Segments' qualified by the split attribute: 'Segments by Region', but plain 'Segments' where the
    attribute is itself called Segment (no 'Segments of Segment')."""
    return "Segments" if split.strip().lower() in ("segment", "segments") else f"Segments by {split}"
