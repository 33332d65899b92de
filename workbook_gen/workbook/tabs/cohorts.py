"""Cohort tabs (docs/definitions.md): per grouping an index block (the single-column tables: size, CAC,
payback age) and the age tables (MRR, NRR, GRR, logo retention, cumulative gross profit), cohorts
down, ages across. The first row of every grouping is the opening base, then one row per period from
the one holding month 2.

Every cell of a table is one formula shape, from the table's function in
:mod:`workbook_gen.workbook.cohort_formulas`: the cohort's row number sits in column B, the age in the
header row, and the months a (cohort, age) pair means come from the Timeline's cohort-row and period
tables. This module only places the blocks and writes their heads and cells."""

from __future__ import annotations

import math

import numpy as np

from workbook_gen.definitions import COHORT_TABLES, CURRENCY, GROUPINGS, PCT
from workbook_gen.expressions import UNDEFINED
from workbook_gen.names import (
    cohort_calendar_name,
    cohort_index_name,
    cohort_name,
    period_edge_name,
    series_name,
)
from workbook_gen.workbook.book import Book, ScopeSheets, cached, excel_serial
from workbook_gen.workbook.cohort_formulas import COHORT_FORMULAS, COHORT_TEXT, Blocks, CohortCell
from workbook_gen.workbook.formats import HEAT_NOTE, HEAT_SCALE, PARTIAL_NOTE
from workbook_gen.workbook.formulas import NA, column_slice, in_column, in_row
from workbook_gen.workbook.layout import (
    CR_FIRST,
    CR_LABEL,
    CR_LAST,
    CR_NUMBER,
    FIRST_COL,
    TIMELINE,
    TL_DATE,
    Place,
    cell,
    column_name,
    on,
    span,
)
from workbook_gen.workbook.tabs import cohort_charts, cohort_print
from workbook_gen.workbook.tabs.common import section_row, sheet_header

IDX_LABEL, IDX_NUMBER = 0, 1
TOP = 4
CHART_SPACE = 18  # rows kept free above the tables for the two cohort charts
SEGMENT_CHART_SPACE = 34  # a segment's cohort tab: two rows of charts (its printed page)
CHART_GROUPING = "quarter"
# Every grouping has a hidden block of cohort MRR by calendar month (on the monthly timeline). Only the
# month grouping's block sums client rows (one cohort's block of rows per cell); a longer period's
# cohort is a run of month cohorts, so its cell sums a few cells of the month block. Each MRR age
# table reads its grouping's block at the age's last month, and cumulative gross profit sums its row:
# the client rows are read once per (month cohort, month), not again for every grouping and table.
SCANNED_GROUPING = "month"


def heat_map_range(values: np.ndarray, first_row: int) -> str:
    """The cells of a cohort rate table (NRR, GRR, logo retention; ``values`` cohorts × ages, NaN
    where undefined) that its colour scale covers: every age, but from age 1 where age 0 is 100 % in
    every row (NRR and GRR by definition, monthly logo retention): that column, coloured, would
    swamp the scale and say nothing."""
    n, width = values.shape
    age0 = values[:, 0][np.isfinite(values[:, 0])] if width else np.array([])
    first = FIRST_COL + (1 if width > 1 and age0.size and np.all(np.abs(age0 - 1) < 1e-9) else 0)
    return span(first_row, first, first_row + n - 1, FIRST_COL + width - 1, False, False)


def anchor(row: int, col: int) -> str:
    """A cohort row's own cell (its number, its size), absolute in row and column. LibreOffice joins the
    cells of a column whose formulas are equal relative to their row into a group, and recalculates a
    group in threads only after checking every cell of every range the formula names, the fallback
    scan's ranges over every client row included: for the cohort tables that check cost more than the
    cells themselves (34 s of 89 s at 20,000 clients x 120 months). With each row's formula naming its
    own row, no two rows are equal and every cell is calculated on its own; along a row (the ages) the
    formula is still one."""
    return cell(row, col, True, True)


def age_tables():
    return [t for t in COHORT_TABLES if not t.single_column]


def single_tables():
    return [t for t in COHORT_TABLES if t.single_column]


def index_col(key: str) -> int:
    """Column of single-column table ``key`` in the index block (after the label and the number)."""
    return 2 + [t.key for t in single_tables()].index(key)


def gp_to_date_col() -> int:
    return 2 + len(single_tables())


def plan(book: Book, ss: ScopeSheets) -> None:
    lay, scope = book.layout, ss.scope
    rows: dict[str, int] = {}
    for g in GROUPINGS:
        sheet = ss.cohorts[g]
        n, width = lay.n_cohorts[g], lay.n_periods[g]
        tables = scope.cohorts[g]
        charts_here = sheet == ss.cohorts[CHART_GROUPING]
        space = CHART_SPACE if scope.is_total else SEGMENT_CHART_SPACE
        row = rows.get(sheet, TOP + (space if charts_here else 0))
        # index block: section title, header, n rows
        idx = row + 2
        lay.register(cohort_index_name(g, scope.slug), Place(sheet, idx, 0, gp_to_date_col() + 2, n))
        for t in single_tables():
            if tables.table(t.key) is not None:
                lay.register(cohort_name(g, t.key, scope.slug), Place(sheet, idx, index_col(t.key), 1, n))
        row = idx + n + 1
        for t in age_tables():
            lay.register(cohort_name(g, t.key, scope.slug), Place(sheet, row + 2, FIRST_COL, width, n))
            row += n + 3
        lay.register(cohort_calendar_name(g, scope.slug), Place(sheet, row + 2, FIRST_COL, lay.n_months, n))
        row += n + 3
        rows[sheet] = row + 1


def write(book: Book, ss: ScopeSheets) -> None:
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    headed: set[str] = set()
    for g in GROUPINGS:
        sheet = ss.cohorts[g]
        ws = book.sheet(sheet)
        if sheet not in headed:
            headed.add(sheet)
            split = book.results.split
            title = f"Cohorts by {g} — Total" if scope.is_total else f"{split}: {scope.label} — cohorts"
            sheet_header(book, ws, title)
            ws.write_string(
                2,
                0,
                "Cohort = period of first payment after month 1 (first row: the opening base, paying in "
                f"month 1); age 0 = that period. {PARTIAL_NOTE}",
                fmt.note,
            )
            left_out = cohort_print.month_ages_note(book.layout.n_periods["month"])
            if scope.is_total and [x for x in GROUPINGS if ss.cohorts[x] == sheet] == ["month"] and left_out:
                ws.write_string(3, 0, left_out, fmt.note)
            ws.set_column(0, 0, 22)
            ws.set_column(1, 1, 8)
            ws.set_column(2, 3, 12)
            ws.set_column(4, 4 + max(lay.n_periods.values()), 11)
        grouping = _Grouping(book, ss, ws, sheet, g)
        grouping.write_index()
        grouping.write_calendar()
        for spec in age_tables():
            grouping.write_age_table(spec)
    cohort_charts.write(book, ss)
    cohort_print.setup(book, ss)


class _Grouping:
    """The blocks of one grouping of one scope: index block, calendar block and age tables."""

    def __init__(self, book: Book, ss: ScopeSheets, ws, here: str, g: str):
        self.book, self.ss, self.ws, self.here, self.g = book, ss, ws, here, g
        lay, scope = book.layout, ss.scope
        self.lay, self.fmt, self.scope = lay, book.fmt, scope
        self.tables = scope.cohorts[g]
        self.idx = lay.place(cohort_index_name(g, scope.slug))
        self.blocks = Blocks(lay, here, g, ss.number_cell, scope.number)
        self.partial_last = bool(book.results.periods[g].partial[-1])
        self.gm_row = lay.series_row(series_name("gross_margin", scope.slug), here)
        self.sm_row = lay.series_row(series_name("sm_spend", scope.slug), here) if scope.has_sm else None

    # --- references ----------------------------------------------------------------------
    def _place(self, key: str) -> Place:
        return self.lay.place(cohort_name(self.g, key, self.scope.slug))

    def _cell(self, r: int, row: int, col: int, age: str | None, previous: str | None) -> CohortCell:
        """The context of the cell (row, col) of cohort row r."""

        def at(key: str) -> str:
            place = self._place(key)
            if place.col < FIRST_COL:  # a single-column table (in the index block)
                return cell(place.row + r, place.col, False, True)
            return cell(place.row + r, col)

        def at_age0(key: str) -> str:
            return cell(self._place(key).row + r, FIRST_COL, False, True)

        def ages_row(key: str) -> str:
            p = self._place(key)
            return on(self.here, span(p.row + r, FIRST_COL, p.row + r, FIRST_COL + p.width - 1))

        cal_r = self.lay.place(cohort_calendar_name(self.g, self.scope.slug)).row + r + 1
        calendar = (
            f"${column_name(FIRST_COL)}{cal_r}:${column_name(FIRST_COL + self.lay.n_months - 1)}{cal_r}"
        )
        return CohortCell(
            self.g,
            self.blocks,
            pc=anchor(row, IDX_NUMBER),
            size=anchor(row, index_col("size")),  # the same column in every block
            age=age,
            at=at,
            at_age0=at_age0,
            ages_row=ages_row,
            previous=previous,
            gross_margin=self.gm_row,
            sm_spend=self.sm_row,
            calendar=calendar,
            setting=self.lay.setting,
        )

    def _row_heads(self, row: int, r: int) -> None:
        """Label, number and size of cohort row r, repeated from the index block."""
        ir, fmt, t = self.idx.row + r, self.fmt, self.tables
        self.ws.write_formula(row, 0, f"={cell(ir, IDX_LABEL)}", fmt.label, t.labels[r])
        self.ws.write_formula(row, 1, f"={cell(ir, IDX_NUMBER)}", fmt.calc_int(), r + 1)
        size_col = index_col("size")
        self.ws.write_formula(row, 2, f"={cell(ir, size_col)}", fmt.unit("count"), float(t.size[r]))

    def _write(self, row: int, col: int, key: str, formula: str, style, value) -> None:
        if formula.startswith("{="):
            self.ws.write_array_formula(row, col, row, col, formula, style, value)
        else:
            self.ws.write_formula(row, col, formula, style, value)

    def _cached(self, key: str, value: float, r: int):
        if key in COHORT_TEXT and math.isnan(value) and self.tables.cac is not None:
            return cached(value, COHORT_TEXT[key] if math.isfinite(self.tables.cac[r]) else UNDEFINED)
        return cached(value)

    # --- the blocks ----------------------------------------------------------------------
    def write_index(self) -> None:
        """Label and number of each cohort row (from the Timeline's cohort-row table), the
        single-column tables, and the cumulative gross profit to date."""
        lay, fmt, ws, t, g = self.lay, self.fmt, self.ws, self.tables, self.g
        top, n = self.idx.row - 2, t.n
        title = f"Cohorts by {g}" + ("" if self.scope.is_total else f" — {self.scope.label}")
        section_row(fmt, ws, top, title, FIRST_COL + t.width)
        heads = {IDX_LABEL: "Cohort", IDX_NUMBER: "#", gp_to_date_col(): "GP to date"}
        for spec in single_tables():
            head = spec.shown_label(g)
            if t.table(spec.key) is None:
                head = f"{spec.label} (no S&M column)" if spec.key == "cac" else ""
            heads[index_col(spec.key)] = head
        for c, h in heads.items():
            ws.write_string(top + 1, c, h, fmt.header_wrap)
        ws.set_row(top + 1, 30)  # two lines: "Payback age (quarters)" is wider than its column
        rows = lambda col: lay.cohort_rows_column(g, col, self.here)  # noqa: E731
        gp = self._place("cum_gp")
        first_edge = lay.place(period_edge_name(g, "first")).range(self.here)
        for r in range(n):
            row = self.idx.row + r
            number = on(TIMELINE, cell(lay.cohort_row_tables[g] + r, CR_NUMBER, False, True), self.here)
            ws.write_formula(row, IDX_NUMBER, f"={number}", fmt.calc_int(), r + 1)
            pc = anchor(row, IDX_NUMBER)
            ws.write_formula(row, IDX_LABEL, f"={in_column(rows(CR_LABEL), pc)}", fmt.label, t.labels[r])
            c = self._cell(r, row, 0, None, None)
            for spec in single_tables():
                values = t.table(spec.key)
                if values is None:
                    continue
                col = index_col(spec.key)
                style = fmt.unit(spec.unit)
                self._write(
                    row,
                    col,
                    spec.key,
                    COHORT_FORMULAS[spec.key](c),
                    style,
                    self._cached(spec.key, values[r], r),
                )
            gp_row = on(self.here, span(gp.row + r, FIRST_COL, gp.row + r, FIRST_COL + gp.width - 1))
            last_age = f"ROWS({first_edge})-{c.period}+1"
            ws.write_formula(
                row,
                gp_to_date_col(),
                f"=IF({c.size}=0,{NA},{in_row(gp_row, last_age)})",
                fmt.unit(CURRENCY),
                cached(t.cum_gp[r, t.ages(r) - 1]),
            )

    def write_calendar(self) -> None:
        """Cohort MRR by calendar month, on the monthly timeline: one sum over the cohort's block of
        rows per cell from its period's first month on. Cumulative gross profit sums its rows."""
        lay, fmt, ws, t, g, b = self.lay, self.fmt, self.ws, self.tables, self.g, self.blocks
        cal = lay.place(cohort_calendar_name(g, self.scope.slug))
        head = cal.row - 1
        ws.write_string(
            head - 1, 0, f"Cohort MRR by calendar month — by {g} of first payment", fmt.label_bold
        )
        for c, h in enumerate(("Cohort", "#", "Size", "")):
            ws.write_string(head, c, h, fmt.header)
        for i, m in enumerate(self.book.results.months):
            ws.write_formula(
                head, lay.col(i), f"={lay.timeline(TL_DATE, i, self.here)}", fmt.header_date, excel_serial(m)
            )
        first = self.book.results.periods[g].first
        style = fmt.unit(CURRENCY)
        scanned = lay.place(cohort_calendar_name(SCANNED_GROUPING, self.scope.slug))
        for r in range(t.n):
            row = cal.row + r
            self._row_heads(row, r)
            pc, size_c = anchor(row, IDX_NUMBER), anchor(row, 2)
            f_c, l_c = b.rows(pc)
            for i in range(int(first[t.rows.period[r]]), lay.n_months):
                if g == SCANNED_GROUPING:
                    month = lay.mrr_month(i, self.here)
                    total = b.total(column_slice(month, f_c, l_c), month, pc, f_c, l_c)
                else:
                    # month cohort m is row m of the month block (row 1: the opening base, month 1)
                    months = on(
                        scanned.sheet,
                        span(scanned.row, lay.col(i), scanned.row + scanned.height - 1, lay.col(i)),
                        self.here,
                    )
                    total = f"SUM({column_slice(months, b.of_row(CR_FIRST, pc), b.of_row(CR_LAST, pc))})"
                ws.write_formula(
                    row, lay.col(i), f"=IF({size_c}=0,0,{total})", style, cached(t.calendar[r, i])
                )

    def write_age_table(self, spec) -> None:
        """One age table: its title and definition, the age header, and one formula per cell inside
        the data (cells past the data stay blank)."""
        fmt, ws, t = self.fmt, self.ws, self.tables
        place = self._place(spec.key)
        head = place.row - 1
        ws.write_string(head - 1, 0, spec.shown_label(self.g), fmt.label_bold)  # named cohort_<g>_<key>
        shaded_note = f" {HEAT_NOTE}" if spec.unit == PCT or spec.key == "mrr" else ""
        ws.write_string(head - 1, FIRST_COL, spec.definition + shaded_note, fmt.subtitle)
        for c, h in enumerate(("Cohort", "#", "Size", "")):
            ws.write_string(head, c, h, fmt.header)
        for k in range(t.width):
            ws.write_number(head, FIRST_COL + k, k, fmt.header)
        values = t.table(spec.key)
        style, style_partial = fmt.unit(spec.unit), fmt.unit_partial(spec.unit)
        formula = COHORT_FORMULAS[spec.key]
        for r in range(t.n):
            row = place.row + r
            self._row_heads(row, r)
            period = int(t.rows.period[r])
            for k in range(t.ages(r)):
                col = FIRST_COL + k
                c = self._cell(r, row, col, cell(head, col, True, False), cell(row, col - 1) if k else None)
                partial = self.partial_last and period + k == t.width - 1
                self._write(
                    row,
                    col,
                    spec.key,
                    formula(c),
                    style_partial if partial else style,
                    self._cached(spec.key, values[r, k], r),
                )
        # one white-to-blue scale on every shaded table (rates from age 1 where age 0 is 100 % throughout)
        shaded = None
        if spec.unit == PCT:
            shaded = heat_map_range(np.asarray(values, dtype=float)[: t.n, : t.width], place.row)
        elif spec.key == "mrr":
            shaded = span(place.row, FIRST_COL, place.row + t.n - 1, FIRST_COL + t.width - 1, False, False)
        if shaded:
            ws.conditional_format(
                shaded, {"type": "2_color_scale", "min_color": HEAT_SCALE[0], "max_color": HEAT_SCALE[1]}
            )
