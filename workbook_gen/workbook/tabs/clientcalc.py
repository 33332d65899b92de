"""Client calc: O(1) helper columns per client row (first paying month, cohort keys, segment).

Everything else aggregates over the MRR sheet's columns, so the number of formulas does not
grow with clients beyond these few columns."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from xlsxwriter.utility import quote_sheetname

from workbook_gen.definitions import CURRENCY, GROUPINGS
from workbook_gen.metrics.arrays import first_active
from workbook_gen.metrics.cohorts import cohort_of
from workbook_gen.metrics.engine import UNASSIGNED, segment_key, segment_labels
from workbook_gen.model import SHEET_MRR
from workbook_gen.names import period_edge_name
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.formulas import in_column, in_row
from workbook_gen.workbook.layout import (
    CC_FIRST,
    CC_ID,
    CC_ORDER_OK,
    CC_QUARTER,
    CC_SEGMENT,
    CC_YEAR,
    CLIENT_BASE_COL,
    CLIENT_CALC,
    CLIENT_COHORT_COL,
    PT_ROWS_FIRST,
    PT_ROWS_LAST,
    TIMELINE,
    TL_NUMBER,
    TL_QUARTER,
    TL_YEAR,
    cell,
    column_name,
    span,
)


def write(book: Book) -> None:
    lay, fmt, res, data = book.layout, book.fmt, book.results, book.data
    ws = book.sheet(CLIENT_CALC)
    heads = [
        "Client ID",
        "First paying month # (months + 1: never)",
        "Cohort quarter #",
        "Cohort year #",
        f"Segment # ({res.split})" if res.split else "Segment # (no split)",
        "MRR at end of cohort month",
        "MRR at end of cohort quarter",
        "MRR at end of cohort year",
    ]
    for c, h in enumerate(heads):
        ws.write_string(0, c, h, fmt.header_left)
    ws.set_column(0, 0, 14)
    ws.set_column(1, len(heads) - 1, 20)
    ws.freeze_panes(1, 1)
    first = first_active(data.mrr) + 1  # 0 for a client never active
    coh_q = cohort_of(data.mrr, res.periods["quarter"]) + 1
    coh_y = cohort_of(data.mrr, res.periods["year"]) + 1
    quarter_row = lay.timeline_row(TL_QUARTER, CLIENT_CALC)
    year_row = lay.timeline_row(TL_YEAR, CLIENT_CALC)
    seg_numbers = None
    if res.split:
        lookup = {v: k + 1 for k, v in enumerate(res.segments)}
        seg_numbers = np.array([lookup[v] for v in segment_labels(data, res.split)])
        split_col = list(data.attributes).index(res.split)
        listed = lay.place("segment_list")
        seg_list = listed.range(CLIENT_CALC)
        seg_numbers_col = replace(listed, col=listed.col - 1).range(CLIENT_CALC)  # 1, 2, … beside the list
        blank_key = segment_key(UNASSIGNED)
        unassigned = next((k + 1 for k, v in enumerate(res.segments) if segment_key(v) == blank_key), 0)
    first_col, last_col = lay.mrr_col(0), lay.mrr_col(lay.n_months - 1)
    calc = fmt.calc_int()
    money = fmt.unit(CURRENCY)
    cohort_number = {"month": first, "quarter": coh_q, "year": coh_y}
    bases = {}
    for g in GROUPINGS:
        idx = np.maximum(cohort_number[g] - 1, 0)
        ends = res.periods[g].last[idx]
        bases[g] = np.where(first > 0, data.mrr[np.arange(data.n_clients), ends], 0.0)
    last_tables = {g: lay.place(period_edge_name(g, "last")).range(CLIENT_CALC) for g in GROUPINGS}
    # One formula text per column, with {n} for the row number: the loop only fills in rows.
    mrr = quote_sheetname(SHEET_MRR)
    months = f"{mrr}!{column_name(first_col)}{{n}}:{column_name(last_col)}{{n}}"
    f = f"{column_name(CC_FIRST)}{{n}}"
    never = f"{f}>COLUMNS({lay.timeline_row(TL_NUMBER, CLIENT_CALC)})"
    texts = {
        CC_ID: f"={mrr}!A{{n}}",
        # A client who never paid sorts after every month (and matches no month).
        CC_FIRST: f"{{{{=IFERROR(MATCH(TRUE,{months}>0,0),COLUMNS({months})+1)}}}}",
        CC_QUARTER: f"=IF({never},0,{in_row(quarter_row, f)})",
        CC_YEAR: f"=IF({never},0,{in_row(year_row, f)})",
    }
    for g in GROUPINGS:
        k = f"{column_name(CLIENT_COHORT_COL[g])}{{n}}"
        texts[CLIENT_BASE_COL[g]] = f"=IF({never},0,{in_row(months, in_column(last_tables[g], k))})"
    if seg_numbers is not None:
        a = f"{mrr}!{column_name(1 + split_col)}{{n}}"
        # Compared as text with "=": literal (no wildcards), ignoring case like the engine's grouping, and
        # without the 255-character limit Excel puts on a MATCH value; TRIM as metrics.engine.trim.
        key = f'TRIM(""&{a})'
        texts[CC_SEGMENT] = (
            f"=IF(LEN({key})=0,{unassigned},SUMPRODUCT(--({seg_list}={key}),{seg_numbers_col}))"
        )
    key = np.where(first > 0, first, lay.n_months + 1)
    values = {
        CC_FIRST: key.tolist(),
        CC_QUARTER: np.where(first > 0, coh_q, 0).tolist(),
        CC_YEAR: np.where(first > 0, coh_y, 0).tolist(),
        **{CLIENT_BASE_COL[g]: bases[g].tolist() for g in GROUPINGS},
    }
    if seg_numbers is not None:
        values[CC_SEGMENT] = seg_numbers.tolist()
    styles = {
        CC_FIRST: calc,
        CC_QUARTER: calc,
        CC_YEAR: calc,
        CC_SEGMENT: calc,
        **{CLIENT_BASE_COL[g]: money for g in GROUPINGS},
    }
    values[CC_ID] = list(data.client_ids)
    styles[CC_ID] = fmt.label
    # Every column but the first paying month (an array formula) is one formula filled down.
    for col, text in texts.items():
        if col != CC_FIRST:
            ws.write_formula_column(1, col, text.format(n=2), values[col], styles[col])
    for r in range(data.n_clients):
        row = r + 1
        ws.write_array_formula(
            row, CC_FIRST, row, CC_FIRST, texts[CC_FIRST].format(n=row + 1), calc, values[CC_FIRST][r]
        )
    _order_cell(book, ws, int(np.all(key[1:] >= key[:-1])))
    write_cohort_rows(book)


def write_cohort_rows(book: Book) -> None:
    """Beside each Timeline period table: the period's cohort as a block of client rows (1-based; an
    empty cohort has last = first - 1), by counts over the first paying months, sorted while the rows
    are in cohort order: the block starts past every client who started before the period and ends at
    the last who started in it. A count, not an approximate MATCH: with runs of equal first months the
    bound is the run's end in every engine, whatever position its binary search lands on. The cohort
    tables of every scope sum these blocks."""
    lay, fmt, res = book.layout, book.fmt, book.results
    ws = book.sheet(TIMELINE)
    firsts = lay.client_column(CC_FIRST, TIMELINE)
    first = first_active(book.data.mrr) + 1
    key = np.where(first > 0, first, lay.n_months + 1)  # as the Client calc column (sorted)
    for g in GROUPINGS:
        top = lay.period_tables[g]
        periods = res.periods[g]
        start = np.searchsorted(key, periods.first, side="right") + 1
        end = np.searchsorted(key, periods.last + 1, side="right")
        ws.write_string(top - 1, PT_ROWS_FIRST, "First client row", fmt.header)
        ws.write_string(top - 1, PT_ROWS_LAST, "Last client row", fmt.header)
        first_tbl = lay.place(period_edge_name(g, "first")).range(TIMELINE)
        last_tbl = lay.place(period_edge_name(g, "last")).range(TIMELINE)
        for p in range(len(periods)):
            pc = cell(top + p, 1, False, True)
            ws.write_formula(
                top + p,
                PT_ROWS_FIRST,
                f'=COUNTIF({firsts},"<"&{in_column(first_tbl, pc)})+1',
                fmt.calc_int(),
                int(start[p]),
            )
            ws.write_formula(
                top + p,
                PT_ROWS_LAST,
                f'=COUNTIF({firsts},"<="&{in_column(last_tbl, pc)})',
                fmt.calc_int(),
                int(end[p]),
            )


def _order_cell(book: Book, ws, in_order: int) -> None:
    """1 while every row is in cohort order: then each cohort is a block of rows and the cohort tables
    sum that block alone; 0 after an edit that moved a client into another cohort (the tables then
    scan every client, exactly but slowly, until the next build restores the order)."""
    lay, fmt = book.layout, book.fmt
    first, last = lay.mrr_first_row, lay.mrr_last_row
    # Each row's first paying month against the row above's, in one cell (one client: nothing to compare).
    below = span(first + 1, CC_FIRST, last, CC_FIRST)
    above = span(first, CC_FIRST, last - 1, CC_FIRST)
    formula = f"=IF(SUMPRODUCT(--({below}<{above}))=0,1,0)" if last > first else "=1"
    ws.write_string(0, CC_ORDER_OK, "All rows in cohort order (1 = yes)", fmt.header_left)
    ws.write_formula(first, CC_ORDER_OK, formula, fmt.calc_int(), in_order)
    ws.set_column(CC_ORDER_OK, CC_ORDER_OK, 30)
