"""Cash & runway: the pack's page on cash, for a company whose Burn sheet has a Cash balance column.

The latest cash balance, the average net burn of the runway window, the runway and the month cash
would run out; then the latest twelve months of cash balance and net burn, with the change in cash
set beside minus the net burn (the difference is financing and other inflows: information, not a
check); a chart of the same months. Every figure is a formula over the named rows of the Unit
economics tab and the runway window on the Cover.

The month's commentary (the Commentary input) prints on the executive summary page; ``write`` can
still put it at the top of this page (:func:`workbook_gen.workbook.commentary.write_month_commentary`).
"""

from __future__ import annotations

import math

import numpy as np

from workbook_gen.definitions import BY_KEY, CURRENCY, MONTHS
from workbook_gen.expressions import NOT_MEANINGFUL, UNDEFINED
from workbook_gen.metrics.cash import (
    CASH_GENERATIVE,
    OUT_OF_RANGE,
    RUNWAY_CAP_MONTHS,
    average_burn,
    cash_out_month,
)
from workbook_gen.names import series_name, setting_name
from workbook_gen.rules import monthly_marker
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, cached, excel_serial
from workbook_gen.workbook.charts import color, largest, money_format, month_window, new_chart, row_series
from workbook_gen.workbook.commentary import write_month_commentary
from workbook_gen.workbook.derived import NA
from workbook_gen.workbook.formulas import latest, row_slice
from workbook_gen.workbook.layout import TL_DATE, cell

SHEET = "Cash & runway"
MONTHS_SHOWN = 12
LABEL_WIDTH = 44  # characters of column A
MONTH_WIDTH = 11
COMMENTARY_WIDTH = 150  # characters a commentary line may take across the page
CHART_ROWS = 16
CHART_H = 300


def has_cash(book: Book) -> bool:
    return "cash_balance" in book.results.total.monthly


def write(book: Book, with_commentary: bool = True) -> None:
    """The page. ``with_commentary``: print the month's commentary at its top (while no executive
    summary page does)."""
    fmt, res, lay = book.fmt, book.results, book.layout
    ws = book.sheet(SHEET)
    monthly = res.total.monthly
    n = len(res.months)
    last = res.months[-1]
    ws.write_string(0, 0, f"{book.company} — Cash & runway", fmt.title)
    window = book.settings.runway_window
    ws.write_string(
        1,
        0,
        f"{last:%B %Y} · {book.settings.currency} · runway = cash ÷ average monthly net burn of the last "
        f"{window} month{'s' if window != 1 else ''}",
        fmt.subtitle,
    )
    row = 3
    if with_commentary and book.data.commentary_of(last):
        row = write_month_commentary(ws, fmt, book.data, last, row, 0, COMMENTARY_WIDTH) + 1

    # --- the latest month's figures ---------------------------------------------------------
    kpi_top = row
    cash = monthly["cash_balance"]
    burn = monthly["net_burn"]
    runway = monthly["runway_months"]
    average = average_burn(burn, window)
    r_name = setting_name("runway_window")
    burn_window = row_slice("net_burn", f"COUNT(months)-{r_name}+1", "COUNT(months)")
    kpis = [
        ("Cash balance", f"={latest('cash_balance')}", CURRENCY, cached(cash[-1])),
        (
            f"Average net burn, last {window} month{'s' if window != 1 else ''}",
            f"=IF(COUNT(months)<{r_name},{NA},SUM({burn_window})/{r_name})",
            CURRENCY,
            cached(average),
        ),
        (
            "Runway (months)",
            f"={latest('runway_months')}",
            MONTHS,
            cached(runway[-1], monthly_marker("runway_months", n - 1, book.settings)),
        ),
    ]
    for k, (label, formula, unit, value) in enumerate(kpis):
        ws.write_string(kpi_top + k, 0, label, fmt.label)
        ws.write_formula(kpi_top + k, 1, formula, fmt.kpi(unit), value)
    runway_cell = cell(kpi_top + 2, 1)
    out_row = kpi_top + len(kpis)
    ws.write_string(out_row, 0, "Cash runs out (at this burn)", fmt.label)
    out = cash_out_month(last, runway[-1])
    ws.write_formula(
        out_row,
        1,
        f'=IF(ISNUMBER({runway_cell}),IF({runway_cell}>={RUNWAY_CAP_MONTHS},"{OUT_OF_RANGE}",'
        f"DATE(YEAR({latest('months')}),MONTH({latest('months')})+INT({runway_cell}),1)),"
        f'IF({runway_cell}="{NOT_MEANINGFUL}","{CASH_GENERATIVE}",{NA}))',
        book.fmt.kpi("date"),
        _out_value(out, runway[-1], monthly_marker("runway_months", n - 1, book.settings)),
    )
    ws.write_string(
        out_row + 1,
        0,
        f"The month the cash balance would reach zero if net burn stayed at its average of the last "
        f"{window} month{'s' if window != 1 else ''}: the latest month plus the runway, rounded down; "
        f"{CASH_GENERATIVE} when that average is not a burn.",
        fmt.note,
    )
    bench = BY_KEY["runway_months"].benchmark
    if bench:
        ws.write_string(kpi_top + 2, 2, bench.text, fmt.bench)
    row = out_row + 3

    # --- the latest months, table -------------------------------------------------------------
    first = max(0, n - MONTHS_SHOWN)
    shown = range(first, n)
    ws.write_string(row, 0, _window_text(len(shown)), fmt.header_left)
    for j, i in enumerate(shown):
        ws.write_formula(
            row, 1 + j, f"={lay.timeline(TL_DATE, i, SHEET)}", fmt.header_date, excel_serial(res.months[i])
        )
    header = row
    row += 1
    top = row  # the first row of the table

    def cell_of(key: str, i: int) -> str:
        return lay.series_cell(series_name(key), i, SHEET)

    change = [math.nan if i == 0 else cash[i] - cash[i - 1] for i in range(n)]
    rows = [
        ("Cash balance (month end)", CURRENCY, lambda i: f"={cell_of('cash_balance', i)}", cash, True),
        ("Net burn", CURRENCY, lambda i: f"={cell_of('net_burn', i)}", burn, False),
        (
            "Change in cash",
            CURRENCY,
            lambda i: f"={cell_of('cash_balance', i)}-{cell_of('cash_balance', i - 1)}" if i else None,
            change,
            False,
        ),
        ("Minus net burn", CURRENCY, lambda i: f"=-{cell_of('net_burn', i)}", -burn, False),
        (
            "Difference: financing and other inflows",
            CURRENCY,
            lambda i: f"={cell(top + 2, 1 + i - first)}-{cell(top + 3, 1 + i - first)}" if i else None,
            [math.nan if i == 0 else change[i] - (-burn[i]) for i in range(n)],
            False,
        ),
        ("Runway (months)", MONTHS, lambda i: f"={cell_of('runway_months', i)}", runway, True),
    ]
    for k, (label, unit, formula, values, bold) in enumerate(rows):
        r = row + k
        ws.write_string(r, 0, label, fmt.label_bold if bold else fmt.label)
        # amounts in k or m, as the board reads them (the workbook's cells hold the exact values)
        style = (
            fmt.money(largest(np.asarray(values)[first:]), bold) if unit == CURRENCY else fmt.unit(unit, bold)
        )
        for j, i in enumerate(shown):
            text = formula(i)
            if text is None:  # the first month: no month before it to compare with
                ws.write_string(r, 1 + j, UNDEFINED, style)
                continue
            marker = monthly_marker("runway_months", i, book.settings) if unit == MONTHS else UNDEFINED
            ws.write_formula(r, 1 + j, text, style, cached(values[i], marker))
    row += len(rows)
    ws.write_string(
        row,
        0,
        "The change in cash equals minus the net burn except where money came in or went out outside net "
        "burn (a financing round, a loan): the difference is shown for information, not as a check.",
        fmt.note,
    )
    row += 2

    # --- chart: the same months ---------------------------------------------------------------
    months_window = month_window(book, MONTHS_SHOWN)
    drawn = slice(months_window[0], months_window[1] + 1)
    chart = new_chart(
        book, "column", "Cash balance and net burn", number_format=money_format(book, largest(cash[drawn]))
    )
    chart.add_series(row_series(book, "cash_balance", "Cash balance", months_window, fill=color(1)))
    line = book.wb.add_chart({"type": "line"})
    line.add_series(
        row_series(
            book,
            "net_burn",
            "Net burn (right axis)",
            months_window,
            line={"width": 2.25, **color(4)},
            y2_axis=True,
        )
    )
    line.set_y2_axis({"num_format": money_format(book, largest(burn[drawn])), "num_font": {"size": 8}})
    chart.combine(line)
    width = printing.col_px(LABEL_WIDTH) + len(shown) * printing.col_px(MONTH_WIDTH)
    chart.set_size({"width": width, "height": CHART_H})
    ws.insert_chart(row, 0, chart)
    bottom = row + CHART_ROWS

    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, MONTHS_SHOWN, MONTH_WIDTH)
    # as wide as a year's table whatever the history: the notes under it print whole
    ws.print_area(0, 0, bottom, MONTHS_SHOWN)
    ws.freeze_panes(header + 1, 1)
    printing.report_tab(book, ws, pages_tall=1)


def _out_value(out, runway: float, marker: str):
    """The cash-out cell's cached value: the month, or the text the formula shows instead."""
    if out is not None:
        return excel_serial(out)
    if math.isfinite(runway):
        return OUT_OF_RANGE
    return CASH_GENERATIVE if marker == NOT_MEANINGFUL else UNDEFINED


def _window_text(count: int) -> str:
    """What the table covers: the latest twelve months, or all the months when there are fewer."""
    if count == MONTHS_SHOWN:
        return "Latest twelve months"
    return f"All {count} months"
