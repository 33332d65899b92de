"""Client calc: O(1) helper columns per client row (first paying month, cohort keys, segment).

Everything else aggregates over the MRR sheet's columns, so the number of formulas does not
grow with clients beyond these few columns."""

from __future__ import annotations

import numpy as np
from xlsxwriter.utility import quote_sheetname

from workbook_gen.definitions import CURRENCY, GROUPINGS
from workbook_gen.inputs.model import SHEET_MRR
from workbook_gen.metrics.cohorts import cohort_of
from workbook_gen.metrics.engine import UNASSIGNED, segment_labels
from workbook_gen.metrics.monthly import first_active
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.layout import (
    CC_FIRST,
    CC_ID,
    CC_KEY,
    CC_ORDER,
    CC_ORDER_OK,
    CC_QUARTER,
    CC_SEGMENT,
    CC_YEAR,
    CLIENT_BASE_COL,
    CLIENT_CALC,
    CLIENT_COHORT_COL,
    TL_NUMBER,
    TL_QUARTER,
    TL_YEAR,
    column_name,
)


def write(book: Book) -> None:
    lay, fmt, res, data = book.layout, book.fmt, book.results, book.data
    ws = book.sheet(CLIENT_CALC)
    heads = [
        "Client ID",
        "First paying month #",
        "Cohort quarter #",
        "Cohort year #",
        f"Segment # ({res.split})" if res.split else "Segment # (no split)",
        "MRR at end of cohort month",
        "MRR at end of cohort quarter",
        "MRR at end of cohort year",
        "Cohort order key",
        "Row in cohort order",
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
        seg_list = lay.place("segment_list").range(CLIENT_CALC)
        unassigned = lookup.get(UNASSIGNED, 0)
    first_col, last_col = lay.mrr_col(0), lay.mrr_col(lay.n_months - 1)
    calc = fmt.calc_int()
    money = fmt.unit(CURRENCY)
    cohort_number = {"month": first, "quarter": coh_q, "year": coh_y}
    bases = {}
    for g in GROUPINGS:
        idx = np.maximum(cohort_number[g] - 1, 0)
        ends = res.periods[g].last[idx]
        bases[g] = np.where(first > 0, data.mrr[np.arange(data.n_clients), ends], 0.0)
    last_tables = {g: lay.place(f"period_{g}_last").range(CLIENT_CALC) for g in GROUPINGS}
    # One formula text per column, with {n} for the row number: the loop only fills in rows.
    mrr = quote_sheetname(SHEET_MRR)
    months = f"{mrr}!{column_name(first_col)}{{n}}:{column_name(last_col)}{{n}}"
    f = f"{column_name(CC_FIRST)}{{n}}"
    texts = {
        CC_ID: f"={mrr}!A{{n}}",
        CC_FIRST: f"{{{{=IFERROR(MATCH(TRUE,{months}>0,0),0)}}}}",
        CC_QUARTER: f"=IF({f}=0,0,INDEX({quarter_row},1,{f}))",
        CC_YEAR: f"=IF({f}=0,0,INDEX({year_row},1,{f}))",
        # Never-paying clients sort after every month; the first row compares with the header (N() = 0).
        CC_KEY: f"=IF({f}=0,COLUMNS({lay.timeline_row(TL_NUMBER, CLIENT_CALC)})+1,{f})",
        CC_ORDER: f"=IF({column_name(CC_KEY)}{{n}}>=N({column_name(CC_KEY)}{{p}}),1,0)",
    }
    for g in GROUPINGS:
        k = f"{column_name(CLIENT_COHORT_COL[g])}{{n}}"
        texts[CLIENT_BASE_COL[g]] = f"=IF({k}=0,0,INDEX({months},1,INDEX({last_tables[g]},{k},1)))"
    if seg_numbers is not None:
        a = f"{mrr}!{column_name(1 + split_col)}{{n}}"
        # Matched as text, with the wildcard characters * ? ~ escaped so that a value is only itself.
        escaped = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(""&{a},"~","~~"),"*","~*"),"?","~?")'
        texts[CC_SEGMENT] = f"=IF(LEN({a})=0,{unassigned},IFERROR(MATCH({escaped},{seg_list},0),0))"
    key = np.where(first > 0, first, lay.n_months + 1)
    values = {
        CC_FIRST: first.tolist(),
        CC_KEY: key.tolist(),
        CC_ORDER: np.concatenate(([1], (key[1:] >= key[:-1]).astype(int))).tolist(),
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
        CC_KEY: calc,
        CC_ORDER: calc,
        **{CLIENT_BASE_COL[g]: money for g in GROUPINGS},
    }
    ids = data.client_ids
    for r in range(data.n_clients):
        row = r + 1
        n = row + 1
        ws.write_formula(row, CC_ID, texts[CC_ID].format(n=n), fmt.label, ids[r])
        ws.write_array_formula(
            row, CC_FIRST, row, CC_FIRST, texts[CC_FIRST].format(n=n), calc, values[CC_FIRST][r]
        )
        for col, text in texts.items():
            if col not in (CC_ID, CC_FIRST):
                ws.write_formula(row, col, text.format(n=n, p=n - 1), styles[col], values[col][r])
    _order_cell(book, ws, int(all(values[CC_ORDER])))


def _order_cell(book: Book, ws, in_order: int) -> None:
    """1 while every row is in cohort order: then each cohort is a block of rows and the cohort tables
    sum that block alone; 0 after an edit that moved a client into another cohort (the tables then
    scan every client, exactly but slowly, until the next build restores the order)."""
    lay, fmt = book.layout, book.fmt
    flags = lay.client_column(CC_ORDER, CLIENT_CALC)
    ws.write_string(0, CC_ORDER_OK, "All rows in cohort order (1 = yes)", fmt.header_left)
    ws.write_formula(
        lay.mrr_first_row, CC_ORDER_OK, f"=IF(COUNTIF({flags},0)=0,1,0)", fmt.calc_int(), in_order
    )
    ws.set_column(CC_ORDER_OK, CC_ORDER_OK, 30)
