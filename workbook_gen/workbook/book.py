"""The state every tab module shares while the workbook is written."""

from __future__ import annotations

import math
import re
from collections import namedtuple
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat

import numpy as np
from xlsxwriter.utility import xl_rowcol_to_cell, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellFormulaTuple, CellNumberTuple, Worksheet

from workbook_gen.expressions import UNDEFINED
from workbook_gen.metrics.engine import Results, Scope, segment_numbers
from workbook_gen.model import EXCEL_EPOCH, InputData
from workbook_gen.settings import Settings
from workbook_gen.text import inert_name
from workbook_gen.workbook import printing, sequence
from workbook_gen.workbook.formats import Formats
from workbook_gen.workbook.layout import Layout

# A cell of a column that shares one formula (written once, with relative references moving row by row).
SharedFormula = namedtuple("SharedFormula", "formula, format, value, si, ref")


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

    def write_number_row(self, row: int, cols, values, cell_format) -> None:
        """Numbers of one row (finite floats, a format): as many ``write_number`` calls, without their
        per-cell checks (the callers write input data already validated)."""
        if (
            len(cols) == 0
            or self._check_dimensions(row, int(cols[0]))
            or self._check_dimensions(row, int(cols[-1]))
        ):
            return
        make = CellNumberTuple._make
        self.table[row].update(zip(cols, map(make, zip(values, repeat(cell_format))), strict=True))

    def write_formula_column(self, first_row: int, col: int, formula: str, values, cell_format) -> None:
        """One formula down a column, from ``first_row`` for ``len(values)`` rows: written as a shared
        formula (the text of the first cell once, as spreadsheets save a filled-down column), with each
        cell's cached value. ``formula`` is the first cell's; relative references move row by row."""
        last_row = first_row + len(values) - 1
        if (
            len(values) == 0
            or self._check_dimensions(first_row, col)
            or self._check_dimensions(last_row, col)
        ):
            return
        if last_row == first_row:
            self.write_formula(first_row, col, formula, cell_format, values[0])
            return
        si = getattr(self, "_shared_formulas", 0)
        self._shared_formulas = si + 1
        ref = f"{xl_rowcol_to_cell(first_row, col)}:{xl_rowcol_to_cell(last_row, col)}"
        table = self.table
        table[first_row][col] = SharedFormula(self._prepare_formula(formula), cell_format, values[0], si, ref)
        for r in range(1, len(values)):
            table[first_row + r][col] = SharedFormula(None, cell_format, values[r], si, None)

    def _write_shared(self, row, col, cell):
        attrs = f'r="{xl_rowcol_to_cell_fast(row, col)}"'
        if cell.format is not None:
            attrs += f' s="{cell.format._get_xf_index()}"'
        value = cell.value
        if isinstance(value, str):
            attrs += ' t="str"'
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if cell.formula is None:
            f = f'<f t="shared" si="{cell.si}"/>'
        else:
            text = cell.formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            f = f'<f t="shared" ref="{cell.ref}" si="{cell.si}">{text}</f>'
        self.fh.write(f"<c {attrs}>{f}<v>{value}</v></c>")

    def _write_cell(self, row, col, cell):
        # The innermost serialisation loop, for the two cell kinds that make up almost every cell
        # here (a formatted number; a formatted formula with a number or text result); xlsxwriter's
        # own code for everything else. Same XML as xlsxwriter writes.
        kind = cell.__class__
        if kind is SharedFormula:
            self._write_shared(row, col, cell)
            return
        if cell.format is not None and (kind is CellNumberTuple or kind is CellFormulaTuple):
            ref = xl_rowcol_to_cell_fast(row, col)
            xf = cell.format._get_xf_index()
            if kind is CellNumberTuple:
                self.fh.write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
                return
            value = cell.value
            if value.__class__ is float or value.__class__ is int:
                formula = cell.formula
                if "&" in formula or "<" in formula or ">" in formula:
                    formula = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                self.fh.write(f'<c r="{ref}" s="{xf}"><f>{formula}</f><v>{value}</v></c>')
                return
        super()._write_cell(row, col, cell)

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
    "customers",
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
    "cash & runway",
    "commentary",
    "summary",
    "appendix",
    "settings",
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
    cash_col: int | None = None


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
    declared: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # pack section -> (sheet, what)
    part: dict[str, str] = field(default_factory=dict)  # printed sheet -> "pack", "divider" or "appendix"

    @cached_property
    def segment_numbers(self) -> np.ndarray | None:
        """Each client row's segment number (1 for the first of ``results.segments``), in the workbook's
        row order; None without a split."""
        return segment_numbers(self.data, self.results.split)

    @property
    def period_text(self) -> str:
        m = self.results.months
        return f"{m[0]:%b %Y} – {m[-1]:%b %Y}"

    def sheet(self, name: str):
        return self.sheets[name]

    def declare(self, section: str, name: str, what: str) -> None:
        """Give a printed tab its place in the pack (a section of :mod:`workbook_gen.workbook.sequence`);
        :meth:`create_declared` then adds the sheets in printed order."""
        if section not in sequence.SECTIONS:
            raise ValueError(f"{section!r} is not a section of the pack")
        self.declared.setdefault(section, []).append((name, what))

    def create_declared(self) -> None:
        """Every declared tab, in the pack's printed order, with the appendix divider between the parts."""
        for section, name, what in sequence.ordered(self.declared):
            self.add_sheet(name, what)
            self.part[name] = (
                "divider" if section == "divider" else "appendix" if section in sequence.APPENDIX else "pack"
            )

    def declared_what(self) -> list[tuple[str, str]]:
        """(sheet, what it shows) of every declared tab, in printed order (the divider included)."""
        return [(sheet, what) for _, sheet, what in sequence.ordered(self.declared)]

    def in_appendix(self, name: str) -> bool:
        return self.part.get(name) == "appendix"

    @property
    def month_text(self) -> str:
        """The pack's month, as the board reads it: "December 2025"."""
        return f"{self.results.months[-1]:%B %Y}"

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


def cached(value, undefined: str = UNDEFINED):
    """The value a formula cell carries: the engine's number, or the text shown for undefined."""
    if value is None:
        return undefined
    v = float(value)
    if math.isnan(v):
        return undefined
    return v
