"""Glossary: every metric of the workbook with its defined name, definition, formula and benchmark,
generated from the metric definitions (the same data the engine and JSON use)."""

from __future__ import annotations

import math

from workbook_gen.definitions import COHORT_TABLES, METRICS, PERIOD_ONLY, cohort_name
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.tabs.common import section_row, sheet_header, unit_text

SHEET = "Glossary"
WIDTHS = (26, 24, 7, 48, 48, 30, 40)
HEADS = ("Metric", "Defined name", "Unit", "What it means", "How it is calculated", "Benchmark", "Note")
GENERAL_NOTES = (
    "Month 1 is the opening balance: it has closing MRR, clients and ARPA but no movements; every client paying "
    "in month 1 belongs to the opening-base cohort.",
    "Undefined values show as n/a (a zero denominator, or a window that reaches before the data) and n/m for a "
    "burn multiple when ARR did not grow; they are never shown as 0. In the JSON export they are null.",
    "Segment versions of a series are named <key>__<segment>, e.g. arr__self_serve; cohort tables "
    "cohort_<month|quarter|year>_<table>[__<segment>].",
    "Quarterly and annual views (quarterly_<key>, annual_<key>) sum flows, take stocks at the period's last "
    "month and recompute ratios from the period's sums.",
    "Settings such as the CAC window (W), CAC lag (L) and churn window (C) are cells on the Cover; the formulas "
    "refer to them by name (setting_cac_window, ...).",
)


def write(book: Book) -> None:
    fmt = book.fmt
    ws = book.sheet(SHEET)
    sheet_header(book, ws, "Glossary — what every number means")
    row = 3
    for c, h in enumerate(HEADS):
        ws.write_string(row, c, h, fmt.header_left)
    row += 1
    symbol = book.settings.currency_symbol.strip()

    def entry(cells) -> None:
        nonlocal row
        lines = 1
        for c, v in enumerate(cells):
            ws.write_string(row, c, v, fmt.wrap_bold if c == 0 else fmt.wrap)
            lines = max(lines, math.ceil(len(v) * 1.1 / WIDTHS[c]))
        ws.set_row(row, 13.5 * lines)  # spreadsheets do not grow wrapped rows on their own
        row += 1

    period_only = tuple(PERIOD_ONLY.values())
    for m in (*METRICS, *period_only):
        name = m.key if m not in period_only else f"quarterly_{m.key} / annual_{m.key}"
        bench = m.benchmark.text if m.benchmark else ""
        entry((m.label, name, unit_text(m.unit, symbol), m.definition, m.formula, bench, m.note))
    row += 1
    section_row(fmt, ws, row, "Cohort tables", len(HEADS))
    row += 1
    for t in COHORT_TABLES:
        entry((t.label, cohort_name("<g>", t.key), unit_text(t.unit, symbol), t.definition, "", "", ""))
    row += 1
    section_row(fmt, ws, row, "Conventions", len(HEADS))
    row += 1
    for note in GENERAL_NOTES:
        ws.merge_range(row, 0, row, len(HEADS) - 1, note, fmt.wrap)
        ws.set_row(row, 30)
        row += 1
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    ws.freeze_panes(4, 1)
    ws.repeat_rows(3, 3)
