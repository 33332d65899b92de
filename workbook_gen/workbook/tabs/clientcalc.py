"""Client calc: O(1) helper columns per client row (first paying month, cohort keys, segment).

Everything else aggregates over the MRR sheet's columns, so the number of formulas does not
grow with clients beyond these few columns."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from xlsxwriter.utility import quote_sheetname

from workbook_gen.definitions import CURRENCY, GROUPINGS, OPENING_BASE
from workbook_gen.metrics.arrays import first_active
from workbook_gen.metrics.cohorts import row_of
from workbook_gen.metrics.engine import UNASSIGNED, segment_key
from workbook_gen.model import SHEET_MRR
from workbook_gen.names import period_edge_name
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.formulas import column_slice, in_column, in_row
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
    CR_FIRST,
    CR_LABEL,
    CR_LAST,
    CR_NUMBER,
    CR_PERIOD,
    CR_ROWS_FIRST,
    CR_ROWS_LAST,
    CR_SEGMENT_ROWS,
    SEGMENT_BLOCK_GROUPING,
    TIMELINE,
    TIMELINE_ROWS,
    TL_MLABEL,
    TL_NUMBER,
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
        "Cohort row by quarter (1: opening base)",
        "Cohort row by year (1: opening base)",
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
    rows = {g: res.total.cohorts[g].rows for g in GROUPINGS}
    coh_q = row_of(data.mrr, rows["quarter"]) + 1
    coh_y = row_of(data.mrr, rows["year"]) + 1
    seg_numbers = book.segment_numbers
    if res.split:
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
        ends = res.periods[g].last[rows[g].period[idx]]
        bases[g] = np.where(first > 0, data.mrr[np.arange(data.n_clients), ends], 0.0)
    last_tables = {g: lay.place(period_edge_name(g, "last")).range(CLIENT_CALC) for g in GROUPINGS}
    row_periods = {g: lay.cohort_rows_column(g, CR_PERIOD, CLIENT_CALC) for g in GROUPINGS}
    # One formula text per column, with {n} for the row number: the loop only fills in rows.
    mrr = quote_sheetname(SHEET_MRR)
    months = f"{mrr}!{column_name(first_col)}{{n}}:{column_name(last_col)}{{n}}"
    f = f"{column_name(CC_FIRST)}{{n}}"
    never = f"{f}>COLUMNS({lay.timeline_row(TL_NUMBER, CLIENT_CALC)})"
    after = f"COLUMNS({months})+1"
    texts = {
        CC_ID: f"={mrr}!A{{n}}",
        # The first paying month: months + 1 less the largest (months + 1 − month number) over the paying
        # months, so a client who never paid gets months + 1 and sorts after every month. Not
        # MATCH(TRUE, row>0, 0): Gnumeric caches every MATCH over an array in one table whose cost grows
        # with the square of the client rows (100,000 rows did not finish recalculating in 100 minutes).
        CC_FIRST: f"{{{{={after}-MAX(({months}>0)*({after}-{lay.timeline_row(TL_NUMBER, CLIENT_CALC)}))}}}}",
    }
    for g in ("quarter", "year"):
        # the opening base is row 1; a later client's row counts periods from the one holding month 2
        number_row = lay.timeline_row(TIMELINE_ROWS[g], CLIENT_CALC)
        month_2 = in_row(number_row, f"MIN(2,COLUMNS({number_row}))")
        later = f"{in_row(number_row, f)}-{month_2}+2"
        texts[CLIENT_COHORT_COL[g]] = f"=IF({never},0,IF({f}=1,1,{later}))"
    for g in GROUPINGS:
        k = f"{column_name(CLIENT_COHORT_COL[g])}{{n}}"
        end = in_column(last_tables[g], in_column(row_periods[g], k))
        texts[CLIENT_BASE_COL[g]] = f"=IF({never},0,{in_row(months, end)})"
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
    in_order = np.all(key[1:] >= key[:-1])
    if seg_numbers is not None:
        same = key[1:] == key[:-1]
        in_order = in_order and np.all(seg_numbers[1:][same] >= seg_numbers[:-1][same])
    _order_cell(book, ws, int(in_order), seg_numbers is not None)
    write_cohort_rows(book)


def write_cohort_rows(book: Book) -> None:
    """Per grouping, on the Timeline: the cohort-row table, one row per row of the cohort tables (the
    opening base, then each period from the one holding month 2), with its label, the period it is
    measured in, the months its clients first pay in, and its block of client rows (1-based; an empty
    cohort has last = first - 1). The blocks are counts over the sorted first paying months: past every
    client who started before the row's first month, up to the last who started by its last month. A
    count, not an approximate MATCH: with runs of equal first months the bound is the run's end in every
    engine, whatever position its binary search lands on. The cohort tables of every scope sum these
    blocks."""
    lay, fmt, res = book.layout, book.fmt, book.results
    ws = book.sheet(TIMELINE)
    firsts = lay.client_column(CC_FIRST, TIMELINE)
    first = first_active(book.data.mrr) + 1
    key = np.where(first > 0, first, lay.n_months + 1)  # as the Client calc column (sorted)
    month_labels = lay.timeline_row(TL_MLABEL, TIMELINE)
    heads = (
        "Cohort",
        "#",
        "Period #",
        "First month #",
        "Last month #",
        "First client row",
        "Last client row",
    )
    for g in GROUPINGS:
        top = lay.cohort_row_tables[g]
        rows = res.total.cohorts[g].rows
        number_row = lay.timeline_row(TIMELINE_ROWS[g], TIMELINE)
        n = lay.n_periods[g]
        label_tbl = span(lay.period_tables[g], 0, lay.period_tables[g] + n - 1, 0)  # the periods' labels
        first_tbl = lay.place(period_edge_name(g, "first")).range(TIMELINE)
        last_tbl = lay.place(period_edge_name(g, "last")).range(TIMELINE)
        ws.write_string(top - 2, 0, f"Cohort rows by {g}", fmt.label_bold)
        for c, h in enumerate(heads):
            ws.write_string(top - 1, c, h, fmt.header)
        start = np.searchsorted(key, rows.first + 1, side="left") + 1
        end = np.searchsorted(key, rows.last + 1, side="right")
        for r in range(len(rows)):
            row = top + r
            number, period = cell(row, CR_NUMBER), cell(row, CR_PERIOD)
            month_first, month_last = cell(row, CR_FIRST), cell(row, CR_LAST)
            if r == 0:
                label = f'={in_row(month_labels, 1)}&" {OPENING_BASE}"'
                period_text = f"={in_row(number_row, 1)}"
                first_text = f"={in_column(first_tbl, period)}"
                last_text = f"={month_first}"
            else:
                label = f"={in_column(label_tbl, period)}"
                # the period holding month 2, then one row per period
                period_text = f"={in_row(number_row, 2)}+{number}-2"
                first_text = f"=MAX(2,{in_column(first_tbl, period)})"
                last_text = f"={in_column(last_tbl, period)}"
            values = (
                (CR_LABEL, label, fmt.label, rows.labels[r]),
                (CR_NUMBER, f"=ROWS({span(top, CR_LABEL, row, CR_LABEL)})", None, r + 1),
                (CR_PERIOD, period_text, None, int(rows.period[r]) + 1),
                (CR_FIRST, first_text, None, int(rows.first[r]) + 1),
                (CR_LAST, last_text, None, int(rows.last[r]) + 1),
                (CR_ROWS_FIRST, f'=COUNTIF({firsts},"<"&{month_first})+1', None, int(start[r])),
                (CR_ROWS_LAST, f'=COUNTIF({firsts},"<="&{month_last})', None, int(end[r])),
            )
            for col, text, style, value in values:
                ws.write_formula(row, col, text, style or fmt.calc_int(), value)
        if g == SEGMENT_BLOCK_GROUPING and res.split:
            _write_segment_rows(book, ws, top, start, end)


def _write_segment_rows(book: Book, ws, top: int, start: np.ndarray, end: np.ndarray) -> None:
    """Beside the month grouping's cohort-row table: each segment's part of every cohort's block of client
    rows (within a month cohort the rows are sorted by segment number): from the cohort's first row past
    its clients of lower segment numbers, as many rows as it has clients of this segment. The segment
    cohort tables of the month grouping sum these rows alone, without testing the segment of each client."""
    lay, fmt, res = book.layout, book.fmt, book.results
    numbers = book.segment_numbers
    segments = lay.client_column(CC_SEGMENT, TIMELINE)
    for k, label in enumerate(res.segments, start=1):
        first_col = CR_SEGMENT_ROWS + 2 * (k - 1)
        ws.write_string(top - 1, first_col, f"First client row: {label}", fmt.header)
        ws.write_string(top - 1, first_col + 1, f"Last client row: {label}", fmt.header)
        for r in range(len(start)):
            row = top + r
            f, last = cell(row, CR_ROWS_FIRST), cell(row, CR_ROWS_LAST)
            block = numbers[start[r] - 1 : end[r]]
            first_k = int(start[r] + np.count_nonzero(block < k))
            rows = column_slice(segments, f, last)
            first_text = f'=IF({last}<{f},{f},{f}+COUNTIF({rows},"<{k}"))'
            last_text = f"=IF({last}<{f},{f}-1,{cell(row, first_col)}+COUNTIF({rows},{k})-1)"
            ws.write_formula(row, first_col, first_text, fmt.calc_int(), first_k)
            ws.write_formula(
                row, first_col + 1, last_text, fmt.calc_int(), first_k + int(np.count_nonzero(block == k)) - 1
            )


def _order_cell(book: Book, ws, in_order: int, by_segment: bool) -> None:
    """1 while every row is in cohort order: then each cohort is a block of rows and the cohort tables
    sum that block alone; 0 after an edit that moved a client into another cohort, or (with a split) to
    another segment (the tables then scan every client, exactly but slowly, until the next build
    restores the order)."""
    lay, fmt = book.layout, book.fmt
    first, last = lay.mrr_first_row, lay.mrr_last_row
    # Each row's first paying month against the row above's, in one cell (one client: nothing to compare);
    # with a split, within one first paying month, its segment number against the row above's.
    below = span(first + 1, CC_FIRST, last, CC_FIRST)
    above = span(first, CC_FIRST, last - 1, CC_FIRST)
    wrong = f"SUMPRODUCT(--({below}<{above}))"
    if by_segment:
        seg_below = span(first + 1, CC_SEGMENT, last, CC_SEGMENT)
        seg_above = span(first, CC_SEGMENT, last - 1, CC_SEGMENT)
        wrong += f"+SUMPRODUCT(--({below}={above}),--({seg_below}<{seg_above}))"
    formula = f"=IF({wrong}=0,1,0)" if last > first else "=1"
    ws.write_string(0, CC_ORDER_OK, "All rows in cohort order (1 = yes)", fmt.header_left)
    ws.write_formula(first, CC_ORDER_OK, formula, fmt.calc_int(), in_order)
    ws.set_column(CC_ORDER_OK, CC_ORDER_OK, 30)
