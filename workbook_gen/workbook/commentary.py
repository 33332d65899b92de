"""The CFO's commentary of a month, written into a region of a worksheet as wrapped paragraphs.

The text comes from the Commentary input as it was typed: paragraphs are separated by an empty line,
the lines of a paragraph are kept as lines (a list of asks stays a list), and a line longer than the
region is wrapped at word boundaries so that nothing runs past the region's right edge when printed.
Every line is written as a text cell: whatever it looks like, it is never a formula or a link.
"""

from __future__ import annotations

import re
import textwrap

from workbook_gen.text import printable

BULLETS = ("- ", "* ", "• ", "– ")


def paragraphs(text: str) -> list[list[str]]:
    """The text's paragraphs (separated by empty lines), each the list of its lines as written."""
    out: list[list[str]] = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.rstrip() for line in block.split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            out.append(lines)
    return out


def wrapped_lines(text: str, width: int) -> list[str | None]:
    """The printed lines of ``text`` at ``width`` characters: each written line wrapped at word
    boundaries (a bulleted line continues under its text), None for the empty line between two
    paragraphs."""
    out: list[str | None] = []
    for p, lines in enumerate(paragraphs(text)):
        if p:
            out.append(None)
        for line in lines:
            stripped = line.lstrip()
            indent = " " * (len(line) - len(stripped))
            hanging = indent + ("  " if stripped.startswith(BULLETS) else "")
            out += textwrap.wrap(
                line,
                width=max(width, 20),
                subsequent_indent=hanging,
                break_long_words=True,
                break_on_hyphens=False,
                replace_whitespace=False,
                drop_whitespace=True,
            ) or [""]
    return out


def write_commentary(ws, cell_format, text: str, row: int, col: int, width: int) -> int:
    """Write ``text`` as wrapped paragraphs from (``row``, ``col``) down, each printed line in its own
    row of column ``col`` and at most ``width`` characters long (the region to its right is left empty
    for the text to spill into). Returns the first row after the text."""
    for line in wrapped_lines(text, width):
        if line:
            ws.write_string(row, col, printable(line), cell_format)  # control characters shown as ?
        row += 1
    return row


def write_month_commentary(ws, fmt, data, month, row: int, col: int, width: int) -> int:
    """The commentary of ``month`` (the pack's month) from the Commentary input, under a heading naming
    the month, from (``row``, ``col``) down; nothing when there is none. Returns the first row after it
    (``row`` itself when nothing was written). The executive summary page calls this, or the cash page
    while there is no executive summary."""
    text = data.commentary_of(month)
    if not text:
        return row
    ws.write_string(row, col, f"CFO commentary — {month:%B %Y}", fmt.label_bold)
    return write_commentary(ws, fmt.label, text, row + 1, col, width)
