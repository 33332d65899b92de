"""Client calc: O(1) helper columns per client row (first paying month, cohort keys, segment).

Everything else aggregates over the MRR sheet's columns, so the number of formulas does not
grow with clients beyond these few columns."""

from __future__ import annotations

import numpy as np

from workbook_gen.definitions import CURRENCY, GROUPINGS
from workbook_gen.inputs.model import SHEET_MRR
from workbook_gen.metrics.cohorts import cohort_of
from workbook_gen.metrics.engine import UNASSIGNED, segment_labels
from workbook_gen.metrics.monthly import first_active
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.layout import (
    CC_FIRST,
    CC_ID,
    CC_QUARTER,
    CC_SEGMENT,
    CC_YEAR,
    CLIENT_BASE_COL,
    CLIENT_CALC,
    CLIENT_COHORT_COL,
    TL_QUARTER,
    TL_YEAR,
    cell,
    on,
    span,
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
    for r in range(data.n_clients):
        row = r + 1
        ws.write_formula(row, CC_ID, f"={on(SHEET_MRR, cell(row, 0))}", fmt.label, data.client_ids[r])
        months = on(SHEET_MRR, span(row, first_col, row, last_col, False, False))
        ws.write_array_formula(
            row, CC_FIRST, row, CC_FIRST, f"{{=IFERROR(MATCH(TRUE,{months}>0,0),0)}}", calc, int(first[r])
        )
        f = cell(row, CC_FIRST)
        ws.write_formula(
            row, CC_QUARTER, f"=IF({f}=0,0,INDEX({quarter_row},{f}))", calc, int(coh_q[r]) if first[r] else 0
        )
        ws.write_formula(
            row, CC_YEAR, f"=IF({f}=0,0,INDEX({year_row},{f}))", calc, int(coh_y[r]) if first[r] else 0
        )
        for g in GROUPINGS:
            k = cell(row, CLIENT_COHORT_COL[g])
            ws.write_formula(
                row,
                CLIENT_BASE_COL[g],
                f"=IF({k}=0,0,INDEX({months},INDEX({last_tables[g]},{k})))",
                money,
                float(bases[g][r]),
            )
        if seg_numbers is not None:
            a = lay.mrr_attribute(split_col, row)
            ws.write_formula(
                row,
                CC_SEGMENT,
                f"=IF(LEN({a})=0,{unassigned},IFERROR(MATCH({a},{seg_list},0),0))",
                calc,
                int(seg_numbers[r]),
            )
