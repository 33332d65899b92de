"""The state every tab module shares while the workbook is written."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from xlsxwriter.worksheet import CellFormulaTuple, Worksheet

from workbook_gen.inputs.cells import EXCEL_EPOCH
from workbook_gen.inputs.model import InputData
from workbook_gen.metrics.engine import Results, Scope
from workbook_gen.settings import Settings
from workbook_gen.text import inert_name
from workbook_gen.workbook import printing
from workbook_gen.workbook.formats import Formats
from workbook_gen.workbook.layout import Layout


class PortableWorksheet(Worksheet):
    """A worksheet for formulas that use only Excel 2016 functions (a test enforces it).

    xlsxwriter scans every formula with some thirty regular expressions for dynamic-array
    functions that need an ``_xlfn.`` prefix; none can occur here, and the scan was most of the
    build time, so it is skipped: the formula is written as given."""

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        # As xlsxwriter's own, without its search for dynamic-array functions (none can occur here).
        if self._check_dimensions(row, col):
            return -1
        if formula.startswith("{") and formula.endswith("}"):
            return self._write_array_formula(row, col, row, col, formula, cell_format, value)
        formula = self._prepare_formula(formula)
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)
        self.table[row][col] = CellFormulaTuple(formula, cell_format, value)
        return 0

    def _prepare_formula(self, formula, expand_future_functions=False):
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


RESERVED_SHEETS = {
    "cover",
    "dashboard",
    "mrr bridge",
    "clients & arpa",
    "retention",
    "unit economics",
    "quarterly",
    "annual",
    "segments",
    "checks",
    "glossary",
    "mrr",
    "s&m",
    "gross margin",
    "burn",
    "timeline",
    "client calc",
    "changes since last pack",
}


def sheet_safe(name: str, taken: set[str], limit: int = 31) -> str:
    """A valid, unique sheet name close to ``name``."""
    # "!" and "'" are legal in a sheet name but make references to it fragile (xlsxwriter splits
    # "Sheet!name" at the "!"), so they are replaced; the segment keeps its spelling everywhere else.
    plain = re.sub(r"[\[\]:*?/\\!]", "-", str(name)).replace("'", "\u2019")
    base = inert_name(plain).strip("\u2019 ") or "Segment"
    base = base[:limit]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate = base[: limit - len(suffix)] + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


@dataclass(eq=False)
class ScopeSheets:
    """Sheet names of one scope: its monthly series sheet per section and its cohort sheets."""

    scope: Scope
    monthly: dict[str, str]  # section -> sheet
    cohorts: dict[str, str]  # grouping -> sheet
    number_cell: str | None = None  # absolute ref to the segment number (segments only)
    sm_col: int | None = None
    burn_col: int | None = 1


@dataclass(eq=False)
class Book:
    wb: object
    fmt: Formats
    layout: Layout
    data: InputData
    results: Results
    settings: Settings
    company: str
    version: str
    sheets: dict[str, object] = field(default_factory=dict)  # name -> worksheet
    scope_sheets: list[ScopeSheets] = field(default_factory=list)
    contents: list[tuple[str, str]] = field(default_factory=list)  # (sheet, what it shows)
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where it came from

    @property
    def period_text(self) -> str:
        m = self.results.months
        return f"{m[0]:%b %Y} – {m[-1]:%b %Y}"

    def sheet(self, name: str):
        return self.sheets[name]

    def add_sheet(self, name: str, what: str = "", report: bool = True):
        ws = self.wb.add_worksheet(name, worksheet_class=PortableWorksheet)
        self.sheets[name] = ws
        if what:
            self.contents.append((name, what))
        if report:
            self.print_setup(ws)
        return ws

    def print_setup(self, ws, repeat_rows: tuple[int, int] | None = None, timeline: bool = False) -> None:
        """Page setup of a report tab (see :mod:`workbook_gen.workbook.printing`): one page wide, or
        for a tab on the monthly timeline its label column and the latest months."""
        if timeline:
            printing.timeline_tab(self, ws, ws.dim_rowmax or 0, 0)
        else:
            printing.report_tab(self, ws, repeat_rows)

    def define(self, name: str, ref: str) -> None:
        self.wb.define_name(name, f"={ref}")


def excel_serial(d) -> float:
    """A date as the number a spreadsheet stores for it (the cached value of a date formula)."""
    return float((d - EXCEL_EPOCH).days)


def undefined_text(key: str, i: int) -> str:
    """What a monthly formula shows when month i (0-based) of ``key`` is undefined: a burn multiple
    whose window is in the data but whose ARR did not grow is "n/m"; everything else "n/a"."""
    return "n/m" if key == "burn_multiple" and i >= 3 else "n/a"


def cached(value, undefined: str = "n/a"):
    """The value a formula cell carries: the engine's number, or the text shown for undefined."""
    if value is None:
        return undefined
    v = float(value)
    if math.isnan(v):
        return undefined
    return v
