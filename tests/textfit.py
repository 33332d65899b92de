"""Whether each printed text cell's text fits where it prints, estimated from the font's metrics.

LibreOffice prints the workbook's Calibri with Carlito, a font of the same advance widths; a column
``w`` characters wide is ``w × 7`` pixels (Calibri 11's digit width at 96 dpi, as the spreadsheets
count). A text that does not fit is cut at the cell's edge on paper (the PDF keeps the clipped text,
so reading the PDF's text does not find the cut). The rules of both spreadsheets:

- a text that is not wrapped runs on into the empty cells beside it (right of a left-aligned text,
  left of a right-aligned one, both sides of a centred one), within the printed columns;
- a merged range prints its text across the range, no further;
- a wrapped text breaks at spaces onto lines of the cell's width; its lines must fit the row's height
  where the row has a height of its own (a row without one grows to its text).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

PX_PER_PT = 96 / 72
CHAR_PX = 7  # Calibri 11's digit width: a column w characters wide is 7 w pixels
DEFAULT_WIDTH = 64 / CHAR_PX  # 8.43 characters, 64 pixels
DEFAULT_HEIGHT_PT = 15
PADDING_PX = 4  # the space a cell keeps either side of its text, together
INDENT_PX = 10  # one level of indent, in pixels
LINE_HEIGHT = 1.22  # a line of text, as a multiple of the font size (Carlito's ascent + descent)


@dataclass(frozen=True)
class Misfit:
    sheet: str
    cell: str
    text: str
    needed: float  # pixels (lines for a wrapped text)
    room: float

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell} needs {self.needed:.0f}, has {self.room:.0f}: {self.text[:70]!r}"


@cache
def _font(bold: bool, italic: bool):
    from fontTools.ttLib import TTFont

    style = ":bold" * bold + ":italic" * italic
    path = subprocess.run(
        ["fc-match", f"Carlito{style}", "--format=%{file}"], capture_output=True, text=True, check=True
    ).stdout
    if "Carlito" not in path:
        raise FileNotFoundError("Carlito is not installed")
    font = TTFont(path)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    units = font["head"].unitsPerEm
    fallback = hmtx["x"][0]
    return {"cmap": cmap, "hmtx": hmtx, "units": units, "fallback": fallback}


def text_px(text: str, size_pt: float = 11, bold: bool = False, italic: bool = False) -> float:
    """The printed width of one line of ``text`` in Carlito (Calibri's metrics), in pixels at 96 dpi."""
    f = _font(bool(bold), bool(italic))
    units = 0
    for ch in text:
        glyph = f["cmap"].get(ord(ch))
        units += f["hmtx"][glyph][0] if glyph is not None else f["fallback"]
    return units / f["units"] * size_pt * PX_PER_PT


def wrapped_lines(text: str, width_px: float, size_pt: float, bold: bool, italic: bool) -> int:
    """Lines a wrapped text takes in a cell ``width_px`` wide (breaks at spaces and line breaks)."""
    lines = 0
    for paragraph in text.split("\n"):
        line = ""
        count = 1
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if line and text_px(trial, size_pt, bold, italic) > width_px:
                count += 1
                line = word
            else:
                line = trial
        lines += count
    return lines


class Sheet:
    """The print geometry of one worksheet: widths, heights, what prints, what is empty."""

    def __init__(self, ws, ws_formulas):
        self.ws, self.wf = ws, ws_formulas
        self.widths: dict[int, float] = {}
        self.hidden_cols: set[int] = set()
        for letter, dim in ws.column_dimensions.items():
            lo = dim.min or column_index_from_string(letter)
            hi = dim.max or lo
            for c in range(lo, hi + 1):
                if dim.width:
                    self.widths[c] = dim.width
                if dim.hidden:
                    self.hidden_cols.add(c)
        self.hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        area = ws.print_area
        if area:
            ref = (area[0] if isinstance(area, list) else area).split("!")[-1].replace("$", "")
            self.c1, self.r1, self.c2, self.r2 = range_boundaries(ref)
        else:
            self.c1, self.r1, self.c2, self.r2 = 1, 1, ws.max_column, ws.max_row
        # Columns printed on every page (print titles) join the print area's columns on paper.
        self.title_cols: set[int] = set()
        if ws.print_title_cols:
            a, b = ws.print_title_cols.replace("$", "").split(":")
            self.title_cols = set(range(column_index_from_string(a), column_index_from_string(b) + 1))
        self.merged = {}
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    self.merged[(r, c)] = rng

    def printed_col(self, c: int) -> bool:
        return c not in self.hidden_cols and (self.c1 <= c <= self.c2 or c in self.title_cols)

    def col_px(self, c: int) -> float:
        if c in self.hidden_cols:
            return 0.0
        return int(self.widths.get(c, DEFAULT_WIDTH) * CHAR_PX + 0.5)

    def row_pt(self, r: int) -> tuple[float, bool]:
        """A row's height in points and whether it is its own (else it grows to its wrapped text)."""
        dim = self.ws.row_dimensions.get(r)
        if dim is not None and dim.ht is not None and dim.customHeight:
            return float(dim.ht), True
        return DEFAULT_HEIGHT_PT, False

    def empty(self, r: int, c: int) -> bool:
        return self.wf.cell(r, c).value is None and (r, c) not in self.merged

    def run_on(self, r: int, c: int, step: int) -> float:
        """Pixels of the empty printed cells beside (r, c) in direction ``step``, up to the first one
        with a value or the edge of what prints (a column that does not print ends the run; hidden
        ones take no room)."""
        px = 0.0
        c += step
        while 1 <= c <= self.ws.max_column + 40 and self.printed_col(c) or c in self.hidden_cols:
            if c in self.hidden_cols:
                c += step
                continue
            if not self.empty(r, c):
                break
            px += self.col_px(c)
            c += step
        return px

    def misfits(self) -> list[Misfit]:
        out = []
        ws = self.ws
        cols = sorted({*range(self.c1, self.c2 + 1), *self.title_cols})
        for r in range(self.r1, self.r2 + 1):
            if r in self.hidden_rows:
                continue
            for c in cols:
                if not self.printed_col(c):
                    continue
                cell = ws.cell(r, c)
                if not isinstance(cell.value, str) or not cell.value.strip() or prints_no_text(cell):
                    continue
                out += self._check(cell)
        return out

    def _check(self, cell) -> list[Misfit]:
        r, c, text = cell.row, cell.column, cell.value
        font, align = cell.font, cell.alignment
        size = float(font.sz or 11)
        bold, italic = bool(font.b), bool(font.i)
        rng = self.merged.get((r, c))
        if rng is not None:
            if (rng.min_row, rng.min_col) != (r, c):
                return []
            room = sum(self.col_px(k) for k in range(rng.min_col, rng.max_col + 1))
            rows = range(rng.min_row, rng.max_row + 1)
        else:
            room = self.col_px(c)
            rows = range(r, r + 1)
        room -= PADDING_PX + INDENT_PX * (align.indent or 0)
        where = f"{get_column_letter(c)}{r}"
        if align.wrap_text:
            heights = [self.row_pt(k) for k in rows]
            if not all(own for _, own in heights):
                # a row without a height of its own grows to its text; a word longer than the line
                # is still cut
                longest = max(text_px(w, size, bold, italic) for w in re.split(r"[ \n]", text) if w)
                return [] if longest <= room else [Misfit(ws_title(cell), where, text, longest, room)]
            lines = wrapped_lines(text, room, size, bold, italic)
            fits = int(sum(h for h, _ in heights) / (size * LINE_HEIGHT) + 1e-9)
            return [] if lines <= fits else [Misfit(ws_title(cell), where, text, lines, fits)]
        need = max(text_px(line, size, bold, italic) for line in text.split("\n"))
        if need <= room or rng is not None:
            return [] if need <= room else [Misfit(ws_title(cell), where, text, need, room)]
        horizontal = align.horizontal or "general"
        if horizontal in ("general", "left", "fill", "justify", "distributed"):
            room += self.run_on(r, c, 1)
        elif horizontal == "right":
            room += self.run_on(r, c, -1)
        else:  # centred: as much room each side
            room += 2 * min(self.run_on(r, c, 1), self.run_on(r, c, -1))
        return [] if need <= room else [Misfit(ws_title(cell), where, text, need, room)]


def prints_no_text(cell) -> bool:
    """Whether the cell's number format has a fourth (text) section that is empty (";;;"): its text
    stays in the workbook and prints nothing."""
    sections = re.sub(r'"[^"]*"', "", cell.number_format or "").split(";")
    return len(sections) == 4 and not sections[3].strip()


def ws_title(cell) -> str:
    return cell.parent.title


def misfits(path) -> list[Misfit]:
    """Every printed text cell of the workbook at ``path`` (visible sheets, inside the print area and
    its print titles, not hidden) whose text does not fit where it prints."""
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    out = []
    for ws in values.worksheets:
        if ws.sheet_state == "visible":
            out += Sheet(ws, formulas[ws.title]).misfits()
    values.close()
    formulas.close()
    return out
