"""A standalone input workbook: the blank template of ``init`` and the example company's input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import xlsxwriter

from workbook_gen.definitions import CURRENCY
from workbook_gen.model import InputData, PlanInput, month_range
from workbook_gen.workbook.formats import Formats
from workbook_gen.workbook.tabs.inputs import (
    write_commentary_sheet,
    write_monthly_sheets,
    write_mrr_sheet,
    write_plan_sheet,
    write_text,
)
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
        "Commentary",
        "Optional sheet: your own words for a month's board pack (highlights, lowlights, asks), one row per "
        "month: Month, Commentary. Start a new paragraph with an empty line (Alt+Enter twice in a cell); "
        "the pack prints the text of its month as it is written. Always text, never a formula.",
    ),
    (
        "Plan",
        "Optional: the board's plan. One row per planned metric, named by its key or label (arr, "
        "net_new_arr, clients_new, net_burn, ...; the Glossary lists which metrics a plan may hold), an "
        "optional Version (Budget, Reforecast...; the setting plan_version picks one, else the last "
        "listed), then one column per month as on MRR; months may run past the last month of actuals. "
        "Leave the sheet without rows to build without a plan.",
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
    if data.commentary or rows:
        write_commentary_sheet(wb, fmt, data, TEMPLATE_MONTHS if rows else ())
    write_plan_sheet(wb, fmt, data.plan or PlanInput(data.months, (), has_versions=True))
    wb.close()


IMPORT_SHEET = "Billing import"


def reconciliation_path(output: Path) -> Path:
    """Where ``import`` writes the reconciliation beside the input workbook."""
    return output.with_name(f"{output.stem}-reconciliation.csv")


def write_imported_workbook(
    path: Path, data: InputData, billing, settings, company: str = "", blank_monthly: bool = False
) -> None:
    """The input workbook ``import`` writes from billing data: the derived ``MRR`` sheet (attributes
    carried), the monthly sheets (blank to fill in when the folder had no monthly.csv) and a one-page
    summary of the import a reviewer can check against the billing file."""
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": f"{company} inputs".strip(), "created": dt.datetime(2025, 1, 1)})
    fmt = Formats(wb, settings.currency_symbol)
    _write_import_summary(wb, fmt, data, billing, settings, path, blank_monthly)
    write_mrr_sheet(wb, fmt, data, 0)
    write_monthly_sheets(wb, fmt, data, 0, blank_values=blank_monthly)
    if billing.rates is not None:
        _write_fx_sheet(wb, fmt, data, billing)
    wb.close()


FX_SHEET = "FX rates"


def _write_fx_sheet(wb, fmt, data: InputData, billing) -> None:
    """Each client's currency and the rate each month was converted at: MRR = MRR in the client's
    currency (the reconciliation's mrr_native) × the rate of its month and currency."""
    import polars as pl

    d = billing.derived
    ws = wb.add_worksheet(FX_SHEET)
    per_client = (
        d.cells.select("row", "currency")
        .unique()
        .sort(["row", "currency"])
        .group_by("row", maintain_order=True)
    ).agg(pl.col("currency").str.join("+"))
    write_text(ws, 0, 0, "Client ID", fmt.header_left)
    write_text(ws, 0, 1, "Currency", fmt.header_left)
    for row, currency in per_client.iter_rows():
        write_text(ws, 1 + row, 0, d.clients[row])
        write_text(ws, 1 + row, 1, currency)
    write_text(ws, 0, 3, "Month", fmt.header_left)
    for j, currency in enumerate(d.currencies):
        write_text(ws, 0, 4 + j, currency, fmt.header_left)
    for i, m in enumerate(data.months):
        ws.write_datetime(1 + i, 3, dt.datetime(m.year, m.month, 1), fmt.input_header_date)
        for j in range(len(d.currencies)):
            ws.write_number(1 + i, 4 + j, float(d.rate_table[i, j]))
    note = (
        f"Units of {billing.rates.reporting} per unit, {billing.rates.describe()}; a client's MRR is its MRR in "
        "its currency (mrr_native in the reconciliation CSV) times the rate of the month."
    )
    write_text(ws, 2 + data.n_months, 3, note, fmt.note)
    ws.set_column(0, 0, 16)
    ws.set_column(3, 3, 10)


def _write_import_summary(
    wb, fmt, data: InputData, billing, settings, path: Path, blank_monthly: bool
) -> None:
    ws = wb.add_worksheet(IMPORT_SHEET)
    d = billing.derived
    write_text(ws, 0, 0, f"Imported from {billing.path.name} ({billing.lines.kind})", fmt.title)
    rows: list[tuple[str, object]] = [
        ("Billing file", billing.path.name),
        ("Period ends", settings.period_end),
        *(
            [
                (
                    "Exchange rates",
                    f"fx.csv, {billing.rates.describe()}; reporting currency {billing.rates.reporting}",
                )
            ]
            if billing.rates is not None
            else []
        ),
        *((k, v) for k, v in d.summary.items() if k not in ("months",)),
        ("Months", f"{data.n_months} ({data.months[0]:%Y-%m} to {data.months[-1]:%Y-%m})"),
        (
            "Reconciliation",
            f"{reconciliation_path(path).name}: per client and month, the lines, amount and MRR",
        ),
        (
            "Monthly sheets",
            "blank: fill in S&M, gross margin and burn" if blank_monthly else "from monthly.csv",
        ),
    ]
    r = 2
    for label, value in rows:
        write_text(ws, r, 0, label[:1].upper() + label[1:], fmt.label_bold)
        if isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(r, 1, float(value), fmt.label)
        else:
            write_text(ws, r, 1, str(value), fmt.label)
        r += 1
    r += 1
    write_text(ws, r, 0, "Month", fmt.header_left)
    write_text(ws, r, 1, "MRR", fmt.header_left)
    money = fmt.input_unit(CURRENCY)
    for i, m in enumerate(data.months):
        r += 1
        ws.write_datetime(r, 0, dt.datetime(m.year, m.month, 1), fmt.input_header_date)
        ws.write_number(r, 1, float(data.mrr[:, i].sum()), money)
    for w in billing.lines.warnings + d.warnings:
        r += 2
        write_text(ws, r, 0, w, fmt.note)
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 70)


def reconciliation_frame(billing, n_months: int):
    """Per client and month, the lines that made the MRR: how many, their amount (net of tax) before
    and their MRR after normalisation. Text cells that a spreadsheet would read as a formula are escaped."""
    import polars as pl

    d = billing.derived
    cells = d.cells.filter(pl.col("month") < n_months).sort(["row", "month", "currency"])
    client = pl.Series("client_id", d.clients).gather(cells["row"])
    month = pl.Series("month", [f"{m:%Y-%m}" for m in d.months[:n_months]]).gather(cells["month"])
    escaped = pl.when(client.str.contains(r"^[=+\-@\t\r]")).then("'" + client).otherwise(client)
    columns = [cells["lines"], cells["amount"].round(6)]
    if billing.rates is not None:
        columns = [cells["currency"], *columns, cells["mrr_native"].round(6), cells["rate"]]
    return pl.DataFrame({"client_id": client, "month": month}).with_columns(
        escaped.alias("client_id"), *columns, cells["mrr"].round(6)
    )
