"""The four input sheets, laid out exactly as the input workbook (README, Inputs).

Used for the copy inside the generated workbook (so it is itself a valid input), for the
example company's input file and for the blank template of ``init``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from workbook_gen.definitions import BY_KEY, CURRENCY, PCT
from workbook_gen.metrics.cohorts import cohort_order
from workbook_gen.metrics.engine import segment_numbers
from workbook_gen.model import (
    COL_BURN,
    COL_CASH,
    COL_CLIENT_ID,
    COL_COMMENTARY,
    COL_GM,
    COL_METRIC,
    COL_MONTH,
    COL_SM,
    COL_VERSION,
    SHEET_BURN,
    SHEET_COMMENTARY,
    SHEET_GM,
    SHEET_MRR,
    SHEET_PLAN,
    SHEET_SM,
    InputData,
    PlanInput,
)

MONTH_WIDTH = 11


def write_text(ws, row: int, col: int, value, fmt=None) -> None:
    """Input text is data: always a string cell, never a formula or a link."""
    ws.write_string(row, col, str(value), fmt)


def write_attribute(ws, row: int, col: int, value, fmt) -> None:
    if value is None:
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        ws.write_number(row, col, float(value), fmt)
    else:
        write_text(ws, row, col, value, fmt)


def in_cohort_order(data: InputData, split: str | None = None) -> InputData:
    """The same inputs with the clients in cohort order (by first paying month, then by segment number
    of the ``split`` attribute when given, ties in input order, never-paying clients last). The output
    workbook's MRR sheet is written in this order so that every cohort, and every segment's part of a
    month cohort, is a contiguous block of rows its formulas can sum alone; every metric is
    independent of the order of clients, and a workbook already in this order keeps it."""
    order = cohort_order(data.mrr, segment_numbers(data, split))
    if np.array_equal(order, np.arange(data.n_clients)):
        return data
    return replace(
        data,
        client_ids=tuple(data.client_ids[i] for i in order),
        attributes={k: [v[i] for i in order] for k, v in data.attributes.items()},
        mrr=data.mrr[order],
    )


def cash_column(data: InputData) -> int | None:
    """The Burn sheet's column of the cash balance: after net burn and the segments' burn columns
    (None without a cash balance)."""
    return None if data.cash_balance is None else 2 + len(data.burn_by_segment)


def write_mrr_sheet(wb, fmt, data: InputData, validation_rows: int = 0, worksheet_class=None):
    ws = wb.add_worksheet(SHEET_MRR, worksheet_class=worksheet_class)
    number_row = getattr(ws, "write_number_row", None)  # the output workbook's sheet writes a row at once
    attrs = list(data.attributes)
    write_text(ws, 0, 0, COL_CLIENT_ID, fmt.input_header)
    for j, name in enumerate(attrs):
        write_text(ws, 0, 1 + j, name, fmt.input_header)
    first = 1 + len(attrs)
    for i, m in enumerate(data.months):
        ws.write_datetime(0, first + i, dt.datetime(m.year, m.month, m.day), fmt.input_header_date)
    money = fmt.input_unit(CURRENCY)
    columns = [data.attributes[a] for a in attrs]
    mrr = data.mrr
    for r, cid in enumerate(data.client_ids):
        row = r + 1
        write_text(ws, row, 0, cid, fmt.input_text)
        for j, values in enumerate(columns):
            write_attribute(ws, row, 1 + j, values[r], fmt.input_text)
        values = mrr[r]
        paid = values.nonzero()[0]
        if number_row is not None:
            number_row(row, (first + paid).tolist(), values[paid].tolist(), money)
            continue
        for i in paid:
            ws.write_number(row, first + int(i), float(values[i]), money)
    ws.set_column(0, 0, 14)
    if attrs:
        ws.set_column(1, len(attrs), 16)
    ws.set_column(first, first + max(len(data.months), 1) - 1, MONTH_WIDTH, money)
    ws.freeze_panes(1, first)
    if validation_rows:
        last = first + max(len(data.months), 1) - 1
        ws.data_validation(
            1,
            first,
            validation_rows,
            last,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "error_title": "MRR",
                "error_message": "MRR is a number of 0 or more (leave blank for 0).",
            },
        )
    return ws


def _monthly_sheet(
    wb, fmt, name, headers, months, columns, units, validation_rows=0, validations=None, blank=False
):
    ws = wb.add_worksheet(name)
    write_text(ws, 0, 0, COL_MONTH, fmt.input_header)
    for j, h in enumerate(headers):
        write_text(ws, 0, 1 + j, h, fmt.input_header)
    for r, m in enumerate(months):
        ws.write_datetime(r + 1, 0, dt.datetime(m.year, m.month, 1), fmt.input_date)
        for j, values in enumerate(columns):
            if blank:
                ws.write_blank(r + 1, 1 + j, None, fmt.input_unit(units[j]))
            else:
                ws.write_number(r + 1, 1 + j, float(values[r]), fmt.input_unit(units[j]))
    ws.set_column(0, 0, 12)
    ws.set_column(1, max(len(headers), 1), 18)
    ws.freeze_panes(1, 1)
    for j, rule in enumerate(validations or []):
        if rule and validation_rows:
            ws.data_validation(1, 1 + j, validation_rows, 1 + j, rule)
    return ws


def write_monthly_sheets(
    wb, fmt, data: InputData, validation_rows: int = 0, blank_values: bool = False
) -> None:
    """S&M, Gross margin and Burn. Returns the column of each value per sheet (segment spend by value)."""
    months = data.months
    seg_names = list(data.sm_by_segment)
    spend_rule = {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_message": "Spend is a number of 0 or more.",
    }
    _monthly_sheet(
        wb,
        fmt,
        SHEET_SM,
        [COL_SM, *seg_names],
        months,
        [data.sm_spend, *[data.sm_by_segment[k] for k in seg_names]],
        [CURRENCY] * (1 + len(seg_names)),
        validation_rows,
        [spend_rule] * (1 + len(seg_names)),
        blank_values,
    )
    gm_rule = {
        "validate": "decimal",
        "criteria": "between",
        "minimum": 0,
        "maximum": 1,
        "error_message": "Gross margin is a fraction from 0 to 1 (75 % is 0.75).",
    }
    _monthly_sheet(
        wb,
        fmt,
        SHEET_GM,
        [COL_GM],
        months,
        [data.gross_margin],
        [PCT],
        validation_rows,
        [gm_rule],
        blank_values,
    )
    burn_names = list(data.burn_by_segment)  # optional per-segment burn, as on S&M
    burn_rule = {
        "validate": "decimal",
        "criteria": "between",
        "minimum": -1e15,
        "maximum": 1e15,
        "error_message": "Net burn is a number (negative when cash is generated).",
    }
    cash = [] if data.cash_balance is None else [data.cash_balance]  # optional, after the burn columns
    cash_rule = {
        "validate": "decimal",
        "criteria": "between",
        "minimum": -1e15,
        "maximum": 1e15,
        "error_message": "Cash balance is the cash at month end, a number (every month filled).",
    }
    _monthly_sheet(
        wb,
        fmt,
        SHEET_BURN,
        [COL_BURN, *burn_names, *([COL_CASH] if cash else [])],
        months,
        [data.net_burn, *[data.burn_by_segment[k] for k in burn_names], *cash],
        [CURRENCY] * (1 + len(burn_names) + len(cash)),
        validation_rows,
        [burn_rule] * (1 + len(burn_names)) + [cash_rule] * len(cash),
        blank_values,
    )


def write_commentary_sheet(wb, fmt, data: InputData, months=(), worksheet_class=None):
    """The optional Commentary sheet, as the input workbook has it: ``Month``, ``Commentary``, one row
    per month with words (or, for the blank template, ``months`` with their commentary left blank).
    The text is written as text, whatever it looks like."""
    ws = wb.add_worksheet(SHEET_COMMENTARY, worksheet_class=worksheet_class)
    write_text(ws, 0, 0, COL_MONTH, fmt.input_header)
    write_text(ws, 0, 1, COL_COMMENTARY, fmt.input_header)
    rows = list(data.commentary) or [(m, None) for m in months]
    for r, (m, text) in enumerate(rows, start=1):
        ws.write_datetime(r, 0, dt.datetime(m.year, m.month, 1), fmt.input_date)
        if text is None:
            ws.write_blank(r, 1, None, fmt.input_wrap)
        else:
            write_text(ws, r, 1, text, fmt.input_wrap)
            ws.set_row(r, 15 * min(text.count("\n") + 1 + len(text) // 110, 27))
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 110)
    ws.freeze_panes(1, 1)
    return ws


def plan_first_col(plan: PlanInput) -> int:
    """The Plan sheet's first month column: after ``Metric`` and, when the plan has versions, ``Version``."""
    return 2 if plan.has_versions else 1


def write_plan_sheet(wb, fmt, plan: PlanInput, worksheet_class=None):
    """The optional Plan sheet, as the input has it: one row per plan line (row r + 1 for line r), its
    metric as written, its version, then one column per plan month (a blank stays blank)."""
    ws = wb.add_worksheet(SHEET_PLAN, worksheet_class=worksheet_class)
    first = plan_first_col(plan)
    write_text(ws, 0, 0, COL_METRIC, fmt.input_header)
    if plan.has_versions:
        write_text(ws, 0, 1, COL_VERSION, fmt.input_header)
    for j, m in enumerate(plan.months):
        ws.write_datetime(0, first + j, dt.datetime(m.year, m.month, 1), fmt.input_header_date)
    for r, line in enumerate(plan.lines, start=1):
        write_text(ws, r, 0, line.text, fmt.input_text)
        if plan.has_versions and line.version:
            write_text(ws, r, 1, line.version, fmt.input_text)
        style = fmt.input_unit(BY_KEY[line.key].unit)
        for j, v in enumerate(line.values):
            if v is None:
                ws.write_blank(r, first + j, None, style)
            else:
                ws.write_number(r, first + j, float(v), style)
    ws.set_column(0, 0, 22)
    if plan.has_versions:
        ws.set_column(1, 1, 16)
    ws.set_column(first, first + max(len(plan.months), 1) - 1, MONTH_WIDTH)
    ws.freeze_panes(1, first)
    return ws
