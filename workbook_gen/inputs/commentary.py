"""The optional Commentary input (README, Inputs): the CFO's own words for a month's pack, one row per
month (``Month``, ``Commentary``) on a ``Commentary`` sheet or in ``commentary.csv``.

The text is data: read as text whatever the cell holds, its paragraphs and line breaks kept, never
evaluated. Problems name the sheet and cell, and are reported with every other problem of the input.
"""

from __future__ import annotations

import datetime as dt
import re

from workbook_gen.inputs.cells import cell_ref, is_blank, month_of, text_of
from workbook_gen.model import COL_COMMENTARY, COL_MONTH

#: The most text a spreadsheet cell holds; a longer commentary would be cut by every application.
MAX_COMMENTARY = 32_767
_LINE_ENDS = re.compile(r"\r\n?")


def commentary_text(value) -> str:
    """A cell's commentary: text as written (line ends made ``\\n``, trailing spaces of the whole
    removed), a number or date as its plain text."""
    text = value if isinstance(value, str) else text_of(value)
    return _LINE_ENDS.sub("\n", text).strip()


def parse_commentary(grid: list[list], label: str, problems: list[str]) -> tuple[tuple[dt.date, str], ...]:
    """(month, text) for every row with words, in sheet order. A row with a month and no words is
    skipped (nothing to say that month); every other problem is appended, naming its cell."""
    if not grid or all(is_blank(v) for v in grid[0]):
        return ()
    header = grid[0]
    names = {text_of(h).strip().lower(): c for c, h in enumerate(header) if not is_blank(h)}
    month_col, text_col = names.get(COL_MONTH.lower()), names.get(COL_COMMENTARY.lower())
    for col, name in ((month_col, COL_MONTH), (text_col, COL_COMMENTARY)):
        if col is None:
            problems.append(f"{label}: missing column {name!r} in row 1.")
    if month_col is None or text_col is None:
        return ()
    out: list[tuple[dt.date, str]] = []
    first_row: dict[dt.date, int] = {}
    for r in range(1, len(grid)):
        row = list(grid[r]) + [None] * (max(month_col, text_col) + 1 - len(grid[r]))
        raw_month, raw_text = row[month_col], row[text_col]
        if is_blank(raw_text):
            continue
        month = month_of(raw_month)
        if month is None:
            shown = "a blank month" if is_blank(raw_month) else f"{raw_month!r}, which is not a month"
            problems.append(f"{cell_ref(label, r, month_col)}: commentary with {shown}.")
            continue
        if month in first_row:
            problems.append(
                f"{cell_ref(label, r, month_col)}: a second commentary for {month:%Y-%m} (first at "
                f"{cell_ref(label, first_row[month], month_col)}); keep one row per month."
            )
            continue
        text = commentary_text(raw_text)
        if len(text) > MAX_COMMENTARY:
            problems.append(
                f"{cell_ref(label, r, text_col)}: {len(text):,} characters, over the {MAX_COMMENTARY:,} "
                "a spreadsheet cell holds; shorten it."
            )
            continue
        first_row[month] = r
        if text:
            out.append((month, text))
    return tuple(out)
