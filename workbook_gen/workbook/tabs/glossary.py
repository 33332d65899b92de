"""Glossary: every metric of the workbook with its defined name, definition, formula and benchmark,
generated from the metric definitions (the same data the engine and JSON use)."""

from __future__ import annotations

from workbook_gen.definitions import (
    BY_KEY,
    COHORT_TABLES,
    GROUPINGS,
    METRICS,
    PERIOD_KEYS,
    TRAILING_KEYS,
    TRAILING_NAME,
    period_metric,
    shown_label,
)
from workbook_gen.names import (
    SLUG_MAX,
    cohort_name,
    period_edge_name,
    period_row_name,
    plan_name,
    scope_suffix,
    setting_name,
    variance_name,
)
from workbook_gen.rules import better_sentence, formula_text, period_rule_text, undefined_sentence
from workbook_gen.settings import SETTING_HELP
from workbook_gen.text import segments_of
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.printing import text_lines
from workbook_gen.workbook.tabs.common import section_row, sheet_header, unit_text
from workbook_gen.workbook.tabs.settings import CARRIED_TEXT, NUMERIC_SETTINGS

SHEET = "Glossary"
# Widths in characters, their sum as before (the page's scale unchanged): the Benchmark column, empty on
# most rows, gives room to the Note, the tallest cell of most rows; the defined-name column holds the
# longest name on one line.
WIDTHS = (22, 26, 7, 48, 48, 18, 54)
LINE_PT = 12.5  # a wrapped line of the entries' 10-point font
# Column widths count the digits of the 11-point default font; the entries are 10-point, so a column
# holds up to 11/10 as many of their characters: a little less is counted, as text_lines does, so that
# a line full of capitals still fits.
FONT_ROOM = 1.05
GAP_PT = 6  # the empty row between the heads and the first entry of every page
HEADS = ("Metric", "Defined name", "Unit", "What it means", "How it is calculated", "Benchmark", "Note")
GENERAL_NOTES = (
    "Month 1 is the opening balance: it has closing MRR, clients and ARPA but no movements; every client paying "
    "in month 1 belongs to the opening-base cohort.",
    "Undefined values show as n/a (a zero denominator, or a window that reaches before the data) and n/m for a "
    "burn multiple when ARR did not grow; they are never shown as 0. In the JSON export they are null.",
    "Segment versions of a series are named <key>__<segment>, e.g. arr__self_serve; cohort tables "
    "cohort_<month|quarter|year>_<table>[__<segment>]. The segment part is the value in lower case with "
    f"every run of other characters turned into _; one longer than {SLUG_MAX} characters keeps its first "
    "55 and ends in _ and eight hexadecimal digits of its SHA-256 digest, so that it stays unique and every "
    "defined name stays within Excel's 255 characters (see Segments below).",
    "Quarterly and annual views (quarterly_<key>, annual_<key>) sum flows, take stocks at the period's last "
    "month and recompute ratios from the period's sums.",
    "MRR movements (new, reactivation, expansion, contraction, churn) and the ARR change the burn multiple "
    "and magic number use are rounded to 6 decimals (ROUND(…, 6)), as in the engine: a difference of sums "
    "that is zero is then exactly zero in every spreadsheet, so an undefined ratio stays n/a.",
    "Settings such as the CAC window (W), CAC lag (L) and churn window (C) are cells on the Settings tab; the formulas "
    "refer to them by name (setting_cac_window, ...).",
)

CALCULATION_NAMES = (
    ("Months", "months", "The row of month dates every monthly row is aligned with."),
    *(
        (
            f"{g.capitalize()} periods: {edge} month",
            period_edge_name(g, edge),
            f"For each {g} period, the number of its {edge} month on the timeline (1 = first month).",
        )
        for g in GROUPINGS
        for edge in ("first", "last")
    ),
    ("Segment values", "segment_list", "The values of the split attribute, in segment-number order."),
)


def write(book: Book) -> None:
    fmt = book.fmt
    ws = book.sheet(SHEET)
    sheet_header(book, ws, "Glossary — what every number means")
    row = 3
    for c, h in enumerate(HEADS):
        ws.write_string(row, c, h, fmt.header_left)
    # a thin empty row under the heads, repeated with them on every printed page: the entries are
    # top-aligned, so the first one of a page otherwise touches the heads' rule
    ws.set_row(row + 1, GAP_PT)
    row += 2
    symbol = book.settings.currency_symbol.strip()

    def entry(cells) -> None:
        nonlocal row
        lines = 1
        for c, v in enumerate(cells):
            ws.write_string(row, c, v, fmt.wrap_bold if c == 0 else fmt.wrap)
            if v:  # broken at spaces, as the spreadsheet wraps it (a rougher count left rows half empty)
                lines = max(lines, text_lines(v, WIDTHS[c] * FONT_ROOM))
        ws.set_row(row, LINE_PT * lines)  # spreadsheets do not grow wrapped rows on their own
        row += 1

    for m in METRICS:
        bench = m.benchmark.text if m.benchmark else ""
        note = " ".join(x for x in (m.note, undefined_sentence(m.key), better_sentence(m.key)) if x)
        entry((shown_label(m), m.key, unit_text(m.unit, symbol), m.definition, formula_text(m), bench, note))
    row += 1
    section_row(fmt, ws, row, "Quarterly and annual views", len(HEADS))
    row += 1
    for key in PERIOD_KEYS:
        m = period_metric(key)
        names = f"{period_row_name('quarterly', key)}, {period_row_name('annual', key)}"
        label = shown_label(m, "periods")
        entry((label, names, unit_text(m.unit, symbol), m.definition, period_rule_text(key), "", ""))
    row += 1
    section_row(fmt, ws, row, f"Trailing twelve months ({TRAILING_NAME}: Dashboard, Segments)", len(HEADS))
    row += 1
    for key in TRAILING_KEYS:
        m = period_metric(key)
        rule = period_rule_text(key)
        entry(
            (
                shown_label(m, "trailing"),
                "",
                unit_text(m.unit, symbol),
                m.definition,
                f"Over the last twelve months: {rule}",
                "",
                "",
            )
        )
    if book.results.plan is not None:
        row += 1
        section_row(fmt, ws, row, "Plan vs actual", len(HEADS))
        row += 1
        for key in book.results.plan.keys:
            m = BY_KEY[key]
            entry(
                (
                    f"{shown_label(m)} — plan",
                    plan_name(key),
                    unit_text(m.unit, symbol),
                    f"The plan ({book.results.plan.version or 'the Plan sheet'}) for each month of actuals.",
                    "The Plan sheet's value for the month (n/a where the plan has none)",
                    "",
                    better_sentence(key),
                )
            )
            entry(
                (
                    f"{shown_label(m)} — variance",
                    variance_name(key),
                    unit_text(m.unit, symbol),
                    "Actual minus plan for each month.",
                    f"{m.label} − plan (n/a where either is undefined); variance % = variance ÷ |plan|",
                    "",
                    "",
                )
            )
    row += 1
    section_row(fmt, ws, row, "Cohort tables", len(HEADS))
    row += 1
    for t in COHORT_TABLES:
        names = ", ".join(cohort_name(g, t.key) for g in GROUPINGS)
        entry((t.shown_label(), names, unit_text(t.unit, symbol), t.definition, "", "", ""))
    row += 1
    section_row(fmt, ws, row, "Timeline and settings", len(HEADS))
    row += 1
    for label, name, what in CALCULATION_NAMES:
        if name != "segment_list" or book.results.segments:
            entry((label, name, "", what, "", "", ""))
    for key in (*NUMERIC_SETTINGS, *CARRIED_TEXT):
        entry(
            (
                key.replace("_", " ").capitalize(),
                setting_name(key),
                "",
                SETTING_HELP[key],
                "Settings tab",
                "",
                "",
            )
        )
    if book.results.segments:
        row += 1
        section_row(fmt, ws, row, segments_of(book.results.split), len(HEADS))
        row += 1
        for scope in book.results.segment_scopes():
            entry(
                (
                    scope.label,
                    scope_suffix(scope.slug),
                    "",
                    f"Ends the defined name of every series and cohort table of segment {scope.label}.",
                    f"e.g. arr__{scope.slug}",
                    "",
                    "",
                )
            )
    row += 1
    section_row(fmt, ws, row, "Conventions", len(HEADS))
    row += 1
    for note in GENERAL_NOTES:
        ws.merge_range(row, 0, row, len(HEADS) - 1, note, fmt.wrap)
        ws.set_row(row, LINE_PT * text_lines(note, sum(WIDTHS) * FONT_ROOM))
        row += 1
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    ws.freeze_panes(5, 1)
    ws.repeat_rows(3, 4)
