"""Segments side by side: latest and trailing-twelve-month KPIs, ARR and NRR by segment."""

from __future__ import annotations

import math

import numpy as np

from workbook_gen.definitions import metric_keys, metric_rows, period_metric, shown_label
from workbook_gen.expressions import UNDEFINED
from workbook_gen.names import series_name
from workbook_gen.rules import monthly_marker, period_marker
from workbook_gen.text import segments_of
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, cached
from workbook_gen.workbook.charts import (
    clip_axis,
    clip_name,
    color,
    defined_window,
    floor_axis,
    largest,
    money_format,
    month_labels,
    month_window,
    new_chart,
    row_series,
    scope_values,
    scope_values_all,
)
from workbook_gen.workbook.derived import NA, period_formula
from workbook_gen.workbook.formulas import latest
from workbook_gen.workbook.layout import cell
from workbook_gen.workbook.tabs.common import (
    at_lifetime_cap,
    capped_figures,
    capped_line,
    kpi_label,
    left_off,
    not_shown_line,
    scope_lines,
    sheet_header,
    t12_slice,
    trailing_words,
)
from workbook_gen.workbook.tabs.dashboard import (
    BENCHMARK_LEGEND,
    THRESHOLD_COLS,
    benchmark_colours,
    threshold_cells,
    trailing_renderer,
)

SHEET = "Segments"
TOP = 4
LABEL_WIDTH, VALUE_WIDTH = 52, 16  # the labels name their windows

# (key, view): "latest" reads a monthly row in the latest month; "t12" is the engine's
# trailing-twelve-months value of the key (definitions.TRAILING_KEYS), written as its formula. The
# labels are the catalog's (definitions.shown_label), with the view.
ROWS = metric_rows(
    (
        ("arr", "latest"),
        ("arr_share", "latest"),
        ("clients_closing", "latest"),
        ("arr_growth_yoy", "latest"),
        ("nrr_12m", "latest"),
        ("grr_12m", "latest"),
        ("arpa", "latest"),
        ("asp_new", "t12"),
        ("quick_ratio", "t12"),
        ("logo_churn_monthly", "t12"),
        ("ltv", "latest"),
        ("lifetime_months", "latest"),
        ("cac_payback_months", "latest"),
        ("ltv_cac", "latest"),
    ),
)


def row_label(key: str, view: str, n_months: int, settings) -> str:
    m = period_metric(key)
    if view == "latest":
        return kpi_label(key, settings, "latest")
    return shown_label(m, "trailing", trailing_words(n_months, short=True))


def write(book: Book) -> None:
    fmt, res = book.fmt, book.results
    ws = book.sheet(SHEET)
    n = len(res.months)
    window = trailing_words(n, short=True)
    sheet_header(book, ws, f"{segments_of(res.split)} compared — latest month and {window}")
    months = res.months[t12_slice(n)]
    ws.write_string(
        2,
        0,
        f"{window[0].upper()}{window[1:]}: {months[0]:%b %Y} – {months[-1]:%b %Y}; ratios divide the "
        "months' sums, not average monthly ratios.",
        fmt.note,
    )
    scopes = res.scopes
    ws.write_string(TOP - 1, 0, "KPI", fmt.header_left)
    for j, scope in enumerate(scopes):
        ws.write_string(TOP - 1, 1 + j, scope.label, fmt.header)
    printed: dict[str, list[float]] = {}
    coloured: list[tuple[int, str]] = []  # the rows with a benchmark, coloured once the page is laid out
    for r, (key, view) in enumerate(ROWS):
        row = TOP + r
        ws.write_string(row, 0, row_label(key, view, n, book.settings), fmt.label)
        unit = period_metric(key).unit
        printed[key] = []
        for j, scope in enumerate(scopes):
            if view == "latest" and key in scope.monthly:
                formula = f"={latest(series_name(key, scope.slug))}"
                printed[key].append(scope.monthly[key][-1])
                value = cached(scope.monthly[key][-1], monthly_marker(key, n - 1))
            elif view == "t12" and key in scope.trailing:
                formula = period_formula(trailing_renderer(book, scope.slug), key)
                printed[key].append(scope.trailing[key])
                value = cached(scope.trailing[key], period_marker(key))
            elif scope.is_total and key == "arr_share":
                continue  # the total is the whole
            else:  # a metric this segment does not have (spend- or burn-based without its own column)
                formula, value = f"={NA}", UNDEFINED
            ws.write_formula(row, 1 + j, formula, fmt.unit(unit), value)
        if period_metric(key).benchmark is not None:
            coloured.append((row, key))
    # A row with no value in any scope (a young company's 12-month figures) stays in the workbook,
    # hidden, and a line under the table names it and says why.
    blank = left_off(printed.items())
    for r, (key, _view) in enumerate(ROWS):
        if key in blank:
            ws.set_row(TOP + r, None, None, {"level": 1, "hidden": True})
    # under the table, wrapped across it (it is narrower than a line): the rows left off, and why a
    # segment's "n/a" (no spend or burn of its own)
    legend = [f"Against its benchmark: {BENCHMARK_LEGEND}"] if {k for _r, k in coloured} - set(blank) else []
    lines = (
        legend
        + ([not_shown_line(blank, n, book.settings)] if blank else [])
        + scope_lines([k for k in printed if k not in blank], scopes)
    )
    capped = [  # the dashboard's rule, on the latest lifetime each column prints
        s
        for s in scopes
        if "lifetime_months" not in blank
        and at_lifetime_cap(s.monthly.get("lifetime_months", [])[-1:], book.settings)
    ]
    if capped:
        figures = capped_figures(any("ltv_cac" in s.monthly for s in capped))
        labels = ["Total" if s.is_total else s.label for s in capped]
        lines.append(capped_line(labels, book.settings, figures))
    for i, line in enumerate(lines):
        row = TOP + len(ROWS) + i
        ws.merge_range(row, 0, row, len(scopes), line, fmt.note_wrap)
        ws.set_row(row, 15 * printing.text_lines(line, LABEL_WIDTH + VALUE_WIDTH * len(scopes)))
    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, len(scopes), VALUE_WIDTH)
    top = TOP + len(ROWS) + max(len(lines), 1) + 1
    window = month_window(book, 24)
    arr_top = largest(scope_values(book, None, "arr", window))
    arr = new_chart(
        book, "column", f"ARR by segment ({book.settings.currency})", "stacked", money_format(book, arr_top)
    )
    for j, scope in enumerate(res.segment_scopes()):
        arr.add_series(
            row_series(book, series_name("arr", scope.slug), scope.label, window, fill=color(j + 1), gap=40)
        )
    ws.insert_chart(top, 0, arr, {"x_offset": 5})
    window = defined_window(book, None, metric_keys("nrr_12m"), window)
    drawn = [scope_values_all(book, s.slug, "nrr_12m", window) for s in scopes]
    charts_px = 5 + arr.width
    if any(np.isfinite(d).any() for d in drawn):  # a young company's NRR chart would be empty
        nrr = _nrr_chart(book, scopes, window, drawn)
        # beside the first chart, whatever the column widths (from column E it overlapped the ARR chart)
        ws.insert_chart(top, 0, nrr, {"x_offset": charts_px + 20})
        charts_px += 20 + nrr.width
    # the page: the table, its notes and the charts (the two side by side may be wider than the table);
    # the thresholds the figures are coloured by stay beside it, in the workbook
    last_col = len(scopes)
    while printing.width_px(ws, 0, last_col) < charts_px:
        last_col += 1
    book.print_setup(ws)
    bottom = top + math.ceil(arr.height / printing.DEFAULT_ROW_PX) + 1
    ws.print_area(0, 0, bottom, last_col)
    cols = [last_col + 1 + i for i in range(len(THRESHOLD_COLS))]
    for h, c in zip(THRESHOLD_COLS, cols, strict=True):
        ws.write_string(TOP - 1, c, h, fmt.header)
        ws.set_column(c, c, VALUE_WIDTH)
    for row, key in coloured:
        _benchmark(book, ws, row, key, len(scopes), cols)


def _benchmark(book: Book, ws, row: int, key: str, n_scopes: int, cols: list[int]) -> None:
    """Colour row ``row``'s figures as the dashboard colours its own (green / amber / red by the
    catalog's benchmark of ``key``), by thresholds in columns ``cols``, beside the page: the
    dashboard's cells where its KPI table has the metric (one place to change them), else the
    catalog's values."""
    bench = period_metric(key).benchmark
    fmt = book.fmt
    source = threshold_cells(book, key)
    unit = period_metric(key).unit
    for c, value, ref in zip(cols, (bench.good, bench.ok), source or (None, None), strict=True):
        if ref is None:
            ws.write_number(row, c, value, fmt.input_unit(unit))
        else:
            ws.write_formula(row, c, f"={ref}", fmt.unit(unit), value)
    good, ok = (cell(row, c, True, True) for c in cols)
    for j in range(n_scopes):
        benchmark_colours(fmt, ws, (row, 1 + j), good, ok, bench.higher)


def _nrr_chart(book: Book, scopes, window, drawn):
    """Each scope's 12-month NRR over ``window`` (``drawn``: its values there)."""
    nrr = new_chart(book, "line", "NRR, 12 months, by segment (%)", None, "0%")
    nrr_top = clip_axis(nrr, drawn, low=None)  # a segment's outlier does not set the scale
    for j, scope in enumerate(scopes):
        nrr.add_series(
            row_series(
                book,
                series_name("nrr_12m", scope.slug),
                clip_name(scope.label, drawn[j], nrr_top, "0%", month_labels(book, window)),
                window,
                line={**color(j), "width": 2},
            )
        )
    floor_axis(nrr, np.concatenate([scope_values(book, s.slug, "nrr_12m", window) for s in scopes]))
    return nrr
