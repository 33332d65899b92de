"""Checks: the MRR bridge identity per month and scope, segments summing to the total, and
input coverage — each a formula showing OK or the difference."""

from __future__ import annotations

import numpy as np

from workbook_gen.definitions import BY_KEY, GAINS, MOVEMENTS, metric_rows
from workbook_gen.expressions import UNDEFINED
from workbook_gen.model import SHEET_BURN, SHEET_GM, SHEET_SM
from workbook_gen.names import series_name
from workbook_gen.text import segments_of
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.derived import NA
from workbook_gen.workbook.layout import FIRST_COL, HEADER_ROWS, TL_DATE, cell, span
from workbook_gen.workbook.tabs.common import month_header, monthly_columns, section_row, sheet_header

SHEET = "Checks"
TOLERANCE = 0.005  # currency units; well below a cent of rounding
ORDER_LABEL = "MRR rows sorted by first paying month, then segment"
BRIDGE = metric_rows((("mrr_opening", 1), *((k, 1 if k in GAINS else -1) for k in MOVEMENTS)))


def write(book: Book) -> None:
    lay, fmt, res = book.layout, book.fmt, book.results
    ws = book.sheet(SHEET)
    sheet_header(book, ws, "Checks — every row should read OK")
    month_header(book, ws, SHEET)
    monthly_columns(book, ws)
    ws.freeze_panes(HEADER_ROWS, FIRST_COL)
    row = HEADER_ROWS + 1
    first_row = row
    # The tolerance is an input cell the check formulas refer to, not a constant inside them.
    ws.write_string(2, FIRST_COL, "Tolerance", fmt.label_bold)
    ws.write_number(2, FIRST_COL + 1, TOLERANCE, fmt.input_unit("currency_cents"))
    tol = cell(2, FIRST_COL + 1, True, True)

    def ok_row(label: str, name: str, formula_of, value_of):
        nonlocal row
        ws.write_string(row, 0, label, fmt.label)
        ws.write_string(row, 1, name, fmt.name)
        for i in range(lay.n_months):
            ws.write_formula(row, lay.col(i), "=" + formula_of(i), fmt.unit("currency"), value_of(i))
        row += 1

    def section(title: str, detail: str = ""):
        """A band with its title, and under it what it checks, wrapped in the label column (a title
        run on past the label columns was cut at their edge; the month columns are the checks')."""
        nonlocal row
        section_row(fmt, ws, row, title, FIRST_COL + lay.n_months)
        row += 1
        if detail:
            ws.write_string(row, 0, detail, fmt.note_wrap)
            ws.set_row(row, 15 * printing.text_lines(detail, LABEL_WIDTH))
            row += 1

    section("MRR bridge identity", "opening + new + reactivation + expansion − contraction − churn = closing")
    for scope in res.scopes:
        slug = scope.slug
        terms = [(series_name(k, slug), s) for k, s in BRIDGE]
        closing = series_name("mrr_closing", slug)

        def formula(i, terms=terms, closing=closing):
            parts = "".join(("+" if s > 0 else "-") + lay.series_cell(n, i, SHEET) for n, s in terms)
            diff = f"({parts})-{lay.series_cell(closing, i, SHEET)}"
            first = lay.series_cell(terms[0][0], i, SHEET)
            return f'IF(ISNUMBER({first}),IF(ABS({diff})<{tol},"OK",{diff}),{NA})'

        m = scope.monthly
        diffs = sum(s * m[k] for k, s in BRIDGE) - m["mrr_closing"]
        ok_row(f"Bridge — {scope.label}", "", formula, lambda i, d=diffs: _status(d[i]))
    if res.segments:
        section(f"{segments_of(res.split)}: they sum to the total")
        for key in (
            k for k in res.total.monthly if BY_KEY[k].additive and all(k in s.monthly for s in res.scopes)
        ):

            def formula(i, key=key):
                total = lay.series_cell(key, i, SHEET)
                parts = "+".join(
                    lay.series_cell(series_name(key, s.slug), i, SHEET) for s in res.segment_scopes()
                )
                diff = f"{total}-({parts})"
                return f'IF(ISNUMBER({total}),IF(ABS({diff})<{tol},"OK",{diff}),{NA})'

            total = res.total.monthly[key]
            parts = np.sum([s.monthly[key] for s in res.segment_scopes()], axis=0)
            ok_row(
                f"{BY_KEY[key].label}: total − Σ segments",
                key,
                formula,
                lambda i, d=total - parts: _status(d[i]),
            )
    section("Input coverage", "each monthly input has exactly one row for every month of the MRR sheet")
    for sheet in (SHEET_SM, SHEET_GM, SHEET_BURN):
        months = lay.input_month_column(sheet)
        ok_row(
            f"{sheet} has this month",
            "",
            lambda i, months=months: (
                f'IF(COUNTIFS({months},{lay.timeline(TL_DATE, i, SHEET)})=1,"OK","missing")'
            ),
            lambda i: "OK",
        )
    rng = span(first_row, FIRST_COL, row - 1, lay.last_col)
    ws.write_string(2, 0, "Overall", fmt.label_bold)
    ws.write_formula(
        2,
        2,
        f'=IF(COUNTIF({rng},"OK")+COUNTIF({rng},{NA})=COUNTA({rng}),"All checks OK","CHECK FAILED")',
        fmt.label_bold,
        "All checks OK",
    )
    ws.conditional_format(
        2, 2, 2, 2, {"type": "cell", "criteria": "==", "value": '"All checks OK"', "format": fmt.good}
    )
    ws.conditional_format(
        2, 2, 2, 2, {"type": "cell", "criteria": "!=", "value": '"All checks OK"', "format": fmt.bad}
    )
    _order_row(book, ws, row)
    live = span(first_row, FIRST_COL, row - 1, lay.last_col, False, False)
    top_left = cell(first_row, FIRST_COL)
    ws.conditional_format(
        live,
        {
            "type": "formula",
            "criteria": f'=AND({top_left}<>"",{top_left}<>"OK",{top_left}<>{NA})',
            "format": fmt.bad,
        },
    )
    ws.conditional_format(live, {"type": "formula", "criteria": f'={top_left}="OK"', "format": fmt.good})
    book.print_setup(ws, repeat_rows=(3, 3), timeline=True)
    ws.set_column(0, 0, LABEL_WIDTH)  # the title prints whole beside the window of months
    # Column C holds the verdicts (overall, cohort order), not a unit: it prints, unlike on other tabs.
    ws.set_column(2, 2, 16)


LABEL_WIDTH = 44


def _order_row(book: Book, ws, row: int) -> None:
    """Speed, not correctness (outside the overall check): whether the client rows are still in cohort
    order, so that each cohort table sums its own block of rows instead of scanning every client."""
    fmt = book.fmt
    section_row(fmt, ws, row, "Speed: client rows in cohort order", FIRST_COL + book.layout.n_months)
    ws.write_string(row + 1, 0, ORDER_LABEL, fmt.label)
    ws.write_formula(
        row + 1,
        2,
        f'=IF({book.layout.in_cohort_order(SHEET)}=1,"OK",'
        '"Not in cohort order: numbers stay exact, recalculation is slower; rebuild to restore speed")',
        fmt.label_bold,
        "OK",
    )
    ws.conditional_format(
        row + 1, 2, row + 1, 2, {"type": "cell", "criteria": "==", "value": '"OK"', "format": fmt.good}
    )
    ws.conditional_format(
        row + 1, 2, row + 1, 2, {"type": "cell", "criteria": "!=", "value": '"OK"', "format": fmt.bad}
    )


def _status(diff: float):
    if np.isnan(diff):
        return UNDEFINED
    return "OK" if abs(diff) < TOLERANCE else float(diff)
