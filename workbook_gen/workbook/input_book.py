"""A standalone input workbook: the blank template of ``init`` and the example company's input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import xlsxwriter

from workbook_gen.model import InputData, month_range
from workbook_gen.workbook.formats import Formats
from workbook_gen.workbook.tabs.inputs import write_monthly_sheets, write_mrr_sheet
from workbook_gen.workbook.writer import WORKBOOK_OPTIONS

TEMPLATE_MONTHS = month_range(dt.date(2025, 1, 1), 6)
VALIDATION_ROWS = 5000
READ_ME = (
    ("How to fill this workbook", None),
    (
        "MRR",
        "One row per client. Column A: a unique Client ID. Then any attribute columns you like (Client name, "
        "Segment, Region, Plan...). Then one column per month, headed by a date (any day of the month), "
        "contiguous and ascending. Each cell is the client's MRR at month end; leave it blank for 0.",
    ),
    (
        "S&M",
        "One row per month: total sales & marketing spend. Optional extra columns headed with a segment value "
        "(e.g. Self-serve, Assisted) give the spend of that segment.",
    ),
    (
        "Months",
        "The template comes with six month columns (Jan-Jun 2025) as an example: overwrite the dates with "
        "your own months, and add columns (and rows on S&M, Gross margin and Burn) for more. Months left "
        "blank at the end on every sheet are ignored (with a warning), so unused template months do no "
        "harm; delete them when you like.",
    ),
    ("Gross margin", "One row per month: gross margin as a fraction (0.75 or 75 %)."),
    ("Burn", "One row per month: net burn, the cash consumed (negative when cash is generated)."),
    (
        "Cash balance",
        "Optional column of the Burn sheet: cash at month end. Fill every month (a blank is an error, never "
        "0) to get the cash balance, the runway and the month cash would run out; leave the whole column "
        "blank, or delete it, to do without.",
    ),
    (
        "Next month",
        "Add a month column to MRR and a row to the other sheets, then run workbook-gen build again. "
        "The generated workbook carries these same four sheets and its settings, so it can be the next "
        "input: add the month to a copy of last month's pack and build it with --previous LAST.xlsx to "
        "see what history changed.",
    ),
    (
        "Settings",
        "workbook-gen.toml beside this file sets the company name, currency, segment column, CAC "
        "window and more; see the comments in it.",
    ),
)


def write_input_workbook(path: Path, data: InputData | None, company: str = "") -> None:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": f"{company} inputs".strip(), "created": dt.datetime(2025, 1, 1)})
    fmt = Formats(wb, "$")
    ws = wb.add_worksheet("Read me")
    ws.write_string(0, 0, READ_ME[0][0], fmt.title)
    for r, (sheet, text) in enumerate(READ_ME[1:], start=2):
        ws.write_string(r, 0, sheet, fmt.label_bold)
        ws.write_string(r, 1, text, fmt.wrap)
        ws.set_row(r, 45)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 100)
    rows = 0
    if data is None:
        n = len(TEMPLATE_MONTHS)
        data = InputData(
            client_ids=(),
            attributes={"Client name": [], "Segment": []},
            months=TEMPLATE_MONTHS,
            mrr=np.zeros((0, n)),
            sm_spend=np.zeros(n),
            gross_margin=np.zeros(n),
            net_burn=np.zeros(n),
            cash_balance=np.zeros(n),
        )
        rows = VALIDATION_ROWS
    write_mrr_sheet(wb, fmt, data, rows)
    write_monthly_sheets(wb, fmt, data, rows, blank_values=rows > 0)
    wb.close()
