"""Dashboard: the latest month's KPIs against benchmarks, and the main charts."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from workbook_gen.definitions import (
    BOARD_KPIS,
    BY_KEY,
    COUNT,
    HIGHER,
    MONTHS,
    PCT,
    TRAILING_KEYS,
    metric_keys,
    metric_rows,
    period_metric,
    shown_label,
)
from workbook_gen.metrics.plan import no_plan_text
from workbook_gen.names import plan_name, series_name, variance_name
from workbook_gen.rules import monthly_marker, period_marker, window_words
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, cached, excel_serial
from workbook_gen.workbook.charts import chart_kinds, has_data, month_window, monthly_chart
from workbook_gen.workbook.derived import NA, PeriodRenderer, period_formula
from workbook_gen.workbook.formats import HEAD_FILL
from workbook_gen.workbook.formulas import in_row, latest
from workbook_gen.workbook.layout import cell, on
from workbook_gen.workbook.tabs.common import (
    T12_START,
    at_lifetime_cap,
    capped_line,
    kpi_label,
    left_off,
    listed,
    not_shown_line,
    scope_lines,
    t12_slice,
    trailing_words,
    write_wrapped,
)
from workbook_gen.workbook.tabs.plan import CHART_KEY as PLANNED_CHART_KEY
from workbook_gen.workbook.tabs.plan import arr_against_plan

SHEET = "Dashboard"
KPIS = BOARD_KPIS
TABLE_TOP = 4
# Three charts in a row under the tables, no two of the same thing (the MRR movements are the
# bridge's alone); CAC payback and burn multiple have their own charts on the Unit economics page.
DASHBOARD_CHARTS = chart_kinds("bridge", "arr", "retention")
# The page prints on one landscape sheet and its table text must stay legible on paper, so the tab's
# text is a point larger than the workbook's (rows keep their height) and the page is laid out to be
# fitted to the sheet at no smaller than PRINTED_PT / FONT_PT: its charts take the height left at
# LAYOUT_PT (a little above, for the spreadsheets' rounding).
FONT_PT, PRINTED_PT, LAYOUT_PT = 11, 8, 8.3
COLS = ("Metric", "Latest", "Previous month", "Change", "12 months ago", "Benchmark")
#: With a plan, the plan for the latest month and the variance to it follow the latest value.
PLAN_COLS = ("Plan", "Variance to plan")
#: The trailing-twelve-months table (its head, "Trailing twelve months", is the history's), right of
#: the KPI table, its labels indented from it.
TRAILING_COLS = ("Trailing", "Sum / ratio")
#: The benchmark thresholds the colours compare with: input cells right of the printed page (the
#: benchmark's words print; the numbers are for whoever tunes them).
THRESHOLD_COLS = ("Good at", "OK at")
# What the benchmark colours mean, in the same words wherever figures are coloured by them.
BENCHMARK_LEGEND = "green good, amber OK, red neither (rules of thumb; see the glossary)."
WIDTH = {
    "Metric": 35,
    "Latest": 12,
    "Plan": 11,
    "Variance to plan": 11,
    "Previous month": 11,
    "Change": 10,
    "12 months ago": 11,
    "Benchmark": 43,
    "Trailing": 23,
    "Sum / ratio": 11,
    "Good at": 8,
    "OK at": 8,
}
#: Why a trailing figure here and the Quarterly or Annual figure of the same months differ (the catalog's
#: monthly expression runs over rolling windows; a period's rule over the period's own months).
WINDOWS_LINE = (
    "Trailing figures: the window in each label, to {month}; the Quarterly and Annual pages work each "
    "period's ratios over its own months, so their figures can differ."
)
CHART_GAP = 8  # pixels between two charts
GAP_PT = 8  # the height of a gap row
# LibreOffice draws a column of n characters about 6 % wider than the spreadsheets' nominal 7n + 5
# pixels (measured on the printed dashboard): the share of the page width the nominal width gets.
FIT_WIDTH = 0.94
CHART_H_MIN, CHART_H_MAX = 180, 300  # pixels


def write(book: Book) -> None:
    res = book.results
    fmt = book.fmt.sized(FONT_PT)
    ws = book.sheet(SHEET)
    ws.write_string(0, 0, f"Dashboard — {book.month_text}", fmt.title)
    ws.write_string(1, 0, f"{book.company} · {book.settings.currency} · {book.month_text}", fmt.subtitle)
    paying = res.total.monthly["clients_closing"][-1]
    ws.write_string(
        2, 0, f"{int(paying):,} paying clients ({book.data.n_clients_ever:,} ever)", fmt.label_bold
    )
    t = len(res.months)
    last = res.months[-1]
    ws.write_formula(  # the month of the Latest column, over its head
        2,
        1,
        f"={latest('months')}",
        book.wb.add_format({"num_format": "mmm yyyy", "bold": True, "align": "right", "font_size": FONT_PT}),
        excel_serial(last),
    )
    cols = columns(res.plan is not None)
    col = {name: c for c, name in enumerate(cols)}
    table = table_columns(res.plan is not None)
    monthly = res.total.monthly
    kpis = [k for k in KPIS if k in monthly]
    # A KPI with no value in any printed column (a young company's 12-month figures) stays in the
    # workbook, its row hidden, and one line under the table names it and says why.
    blank = left_off((key, printed_values(book, key)) for key in kpis)
    # Likewise a column with no value in any printed row (12 months ago in a first year, the plan's
    # columns in a month the plan does not cover): its cells stay live, printed blank.
    blank_cols = blank_columns(book, [k for k in kpis if k not in blank])
    hidden_text = fmt._get(("blank column",), num_format=";;;")
    hidden_head = fmt._get(("blank head",), num_format=";;;", bold=True, bottom=1, bg_color=HEAD_FILL)
    for c, h in enumerate(cols):
        if h in TRAILING_COLS:
            continue  # the trailing table writes its own heads
        style = hidden_head if h in blank_cols else fmt.header_wrap if c else fmt.header_left
        ws.write_string(TABLE_TOP - 1, c, h, style)
    ws.set_row(TABLE_TOP - 1, 15 * max(printing.text_lines(h, WIDTH[h]) for h in table))
    for r, key in enumerate(kpis):
        row = TABLE_TOP + r
        m = BY_KEY[key]
        values = monthly[key]

        def unit(name: str, style):
            return hidden_text if name in blank_cols else style

        ws.write_string(row, 0, kpi_label(key, book.settings), fmt.label)
        style = fmt.kpi(m.unit)
        ws.write_formula(row, 1, f"={latest(key)}", style, cached(values[-1], monthly_marker(key, t - 1)))
        if res.plan is not None:
            _plan_cells(book, fmt, ws, row, col["Plan"], key, hidden_text if "Plan" in blank_cols else None)
        prev = values[-2] if t > 1 else math.nan
        ws.write_formula(
            row,
            col["Previous month"],
            f"=IF(COUNT(months)>1,{in_row(key, 'COUNT(months)-1')},{NA})",
            unit("Previous month", fmt.unit(m.unit)),
            cached(prev, monthly_marker(key, t - 2)),
        )
        change = values[-1] - prev if t > 1 else math.nan
        b, c = cell(row, 1), cell(row, col["Previous month"])
        points = m.unit == PCT  # a change of a percentage is shown in percentage points
        ws.write_formula(
            row,
            col["Change"],
            f"=IF(AND(ISNUMBER({b}),ISNUMBER({c})),({b}-{c}){'*100' if points else ''},{NA})",
            unit("Change", fmt.change(m.unit)),
            cached(change * 100 if points else change),
        )
        ago = values[-13] if t > 12 else math.nan
        ws.write_formula(
            row,
            col["12 months ago"],
            f"=IF(COUNT(months)>12,{in_row(key, 'COUNT(months)-12')},{NA})",
            unit("12 months ago", fmt.unit(m.unit)),
            cached(ago, monthly_marker(key, t - 13)),
        )
        bench = m.benchmark
        if bench:
            good_col, ok_col = col["Good at"], col["OK at"]
            ws.write_string(row, col["Benchmark"], bench.text, fmt.bench)
            ws.write_number(row, good_col, bench.good, fmt.input_unit(m.unit if m.unit != COUNT else "int"))
            ws.write_number(row, ok_col, bench.ok, fmt.input_unit(m.unit if m.unit != COUNT else "int"))
            g, o = cell(row, good_col, col_abs=True), cell(row, ok_col, col_abs=True)
            benchmark_colours(fmt, ws, (row, 1), g, o, bench.higher)
    for h in THRESHOLD_COLS:  # their heads, beside the printed page
        ws.write_string(TABLE_TOP - 1, col[h], h, fmt.header)
    hidden = {TABLE_TOP + r for r, key in enumerate(kpis) if key in blank}
    for row in sorted(hidden):
        ws.set_row(row, None, None, {"level": 1, "hidden": True})
    for c, name in enumerate(cols):
        ws.set_column(c, c, WIDTH[name])
    # the trailing table beside the KPI table, on its visible rows (a hidden KPI row would hide it)
    shown_rows = (r for r in itertools.count(TABLE_TOP - 1) if r not in hidden)
    trailing_bottom = _trailing(book, fmt, ws, shown_rows, col["Trailing"])
    note_row = max(TABLE_TOP + len(kpis), trailing_bottom + 1)
    last_col = col[TRAILING_COLS[-1]]  # the printed page's last column
    page_chars = sum(WIDTH[name] for name in cols[: last_col + 1])
    write_wrapped(
        ws,
        note_row,
        0,
        last_col,
        f"Latest value against its benchmark: {BENCHMARK_LEGEND} Change: % metrics in points."
        + (
            f" Plan: the {res.plan.version or 'plan'} for {last:%b %Y}; variance green where favourable."
            if res.plan is not None and "Plan" not in blank_cols
            else ""
        )
        + f" {WINDOWS_LINE.format(month=f'{last:%b %Y}')}",
        fmt.note_wrap,
        page_chars,
    )
    lines = [not_shown_line(blank, t, book.settings)] if blank else []
    lines += [_blank_column_line(book, blank_cols)] if blank_cols else []
    for line in lines:
        note_row += 1
        write_wrapped(ws, note_row, 0, last_col, line, fmt.note_wrap, page_chars)
    # thin gap rows between the tables and above the charts: the page's height is its scarce room
    ws.set_row(note_row + 1, GAP_PT)
    seg_bottom = _segment_rows(book, fmt, ws, note_row + 2) if res.segments else note_row
    ws.set_row(seg_bottom + 1, GAP_PT)
    chart_top = seg_bottom + 2
    bottom = _charts(book, ws, chart_top, last_col)
    ws.freeze_panes(TABLE_TOP, 1)
    printing.report_tab(book, ws, pages_tall=1)
    ws.print_area(0, 0, bottom, last_col)


def _blank_column_line(book: Book, blank_cols: list[str]) -> str:
    """The line under the KPI table that says why a column prints blank."""
    res = book.results
    parts = []
    if "12 months ago" in blank_cols:
        parts.append(f"12 months ago: the history starts in {res.months[0]:%b %Y}.")
    if "Plan" in blank_cols:
        parts.append(f"Plan: {no_plan_text(res.plan, res.months[-1])}")
    return " ".join(parts)


def blank_columns(book: Book, kpis: list[str]) -> list[str]:
    """The KPI table's columns that would print n/a in every one of its printed rows (``kpis``): the
    figure of 12 months before in a first year; the plan and its variance in a month the plan does
    not cover."""
    res = book.results
    t = len(res.months)
    out = []
    if t <= 12 or not any(math.isfinite(res.total.monthly[k][-13]) for k in kpis):
        out.append("12 months ago")
    plan = res.plan
    if plan is not None:
        planned = [k for k in kpis if k in plan.keys]
        if not any(math.isfinite(plan.plan[k][-1]) for k in planned):
            out += list(PLAN_COLS)
    return out


# The trailing-twelve-months table: the catalog's trailing view (definitions.TRAILING_KEYS) but for the
# ASP of new clients (on the Segments tab), with the dashboard's own wording where the catalog's label
# names a period.
TRAILING = tuple(k for k in TRAILING_KEYS if k not in metric_keys("asp_new"))
TRAILING_LABELS = dict(metric_rows((("revenue", "Recurring revenue"),)))


def printed_values(book: Book, key: str) -> list[float]:
    """What a KPI's row prints: its latest value, the plan for the latest month (when planned), the
    previous month's value and that of 12 months before."""
    res = book.results
    values = res.total.monthly[key]
    t = len(values)
    out = [values[-1], values[-2] if t > 1 else math.nan, values[-13] if t > 12 else math.nan]
    if res.plan is not None and key in res.plan.keys:
        out.append(res.plan.plan[key][-1])
    return out


def trailing_renderer(book: Book, slug: str | None = None) -> PeriodRenderer:
    """Formulas over the trailing twelve months of a scope's named monthly rows."""
    return PeriodRenderer(
        book.layout.setting,
        first=T12_START,
        last="COUNT(months)",
        monthly_row=lambda key: series_name(key, slug),
    )


def table_columns(with_plan: bool) -> tuple[str, ...]:
    """The KPI table's columns: the plan's two after the latest value when there is a plan."""
    return (*COLS[:2], *(PLAN_COLS if with_plan else ()), *COLS[2:])


def columns(with_plan: bool) -> tuple[str, ...]:
    """The tab's columns: the KPI table's, the trailing table's (the last printed), then the
    benchmark thresholds beside the printed page."""
    return (*table_columns(with_plan), *TRAILING_COLS, *THRESHOLD_COLS)


def _plan_cells(book: Book, fmt, ws, row: int, plan_col: int, key: str, blank=None) -> None:
    """The latest month's plan and variance to plan of a planned KPI (a variance of a percentage in
    points), the variance green where favourable and red where not, by the metric's direction;
    ``blank``: the style of a column that prints blank (no plan for the month)."""
    plan = book.results.plan
    if key not in plan.keys:
        for c in (plan_col, plan_col + 1):
            ws.write_blank(row, c, None, fmt.unit(BY_KEY[key].unit))
        return
    m = BY_KEY[key]
    points = m.unit == PCT
    ws.write_formula(
        row, plan_col, f"={latest(plan_name(key))}", blank or fmt.unit(m.unit), cached(plan.plan[key][-1])
    )
    here = cell(row, plan_col + 1)
    var = latest(variance_name(key))
    ws.write_formula(
        row,
        plan_col + 1,
        f"=IF(ISNUMBER({var}),{var}{'*100' if points else ''},{NA})",
        blank or fmt.change(m.unit),
        cached(plan.variance[key][-1] * (100 if points else 1)),
    )
    up, down = (fmt.good, fmt.bad) if m.better == HIGHER else (fmt.bad, fmt.good)
    for cmp, style in ((">", up), ("<", down)):
        ws.conditional_format(
            row,
            plan_col + 1,
            row,
            plan_col + 1,
            {"type": "formula", "criteria": f"=AND(ISNUMBER({here}),{here}{cmp}0)", "format": style},
        )


def _trailing(book: Book, fmt, ws, rows: Iterator[int], label_col: int) -> int:
    """Flows of the trailing twelve months, and ratios recomputed from those sums, right of the KPI
    table from column ``label_col`` (the engine's ``trailing`` values as formulas), one line on each
    of ``rows`` in turn (the first its head). Returns the last row."""
    res = book.results
    window = t12_slice(len(res.months))
    lc, vc = label_col, label_col + 1
    top = next(rows)
    ws.write_string(top, lc, trailing_words(len(res.months)), fmt.header_wrap)
    ws.write_string(top, vc, "Sum / ratio", fmt.header_wrap)
    row = next(rows)
    label = fmt._get(("label", "indented"), indent=1)  # set apart from the KPI table beside it
    ws.write_string(row, lc, "From", fmt.bench)
    ws.write_formula(
        row,
        vc,
        f"={in_row('months', T12_START)}",
        fmt.get_date_right(),
        excel_serial(res.months[window.start]),
    )
    values = res.total.trailing
    for key in (k for k in TRAILING if k in values):
        row = next(rows)
        m = period_metric(key)
        ws.write_string(row, lc, TRAILING_LABELS.get(key, shown_label(m, "trailing")), label)
        formula = period_formula(trailing_renderer(book), key)
        ws.write_formula(row, vc, formula, fmt.unit(m.unit), cached(values[key], period_marker(key)))
    return row


def _charts(book: Book, ws, top: int, last_col: int) -> int:
    """The charts in one row from row ``top``, together as wide as the printed columns 0..``last_col``
    and as tall as the page leaves room for at the scale it prints at (LAYOUT_PT / FONT_PT, or its
    width's if smaller), within
    CHART_H_MIN..CHART_H_MAX. Returns the last row they take."""
    window = month_window(book, 24)
    kinds = [kind for kind in DASHBOARD_CHARTS if has_data(book, kind, None, window)]
    plan = book.results.plan
    page_w = printing.width_px(ws, 0, last_col)
    # the scale the page prints at: the layout's, or its width's as LibreOffice fits it if smaller
    scale = min(LAYOUT_PT / FONT_PT, FIT_WIDTH * printing.PAGE_W_PX / page_w)
    room = printing.PAGE_H_PX / scale - printing.height_px(ws, 0, top - 1) - printing.DEFAULT_ROW_PX
    height = int(min(CHART_H_MAX, max(CHART_H_MIN, room)))
    width = (page_w - 10 - (len(DASHBOARD_CHARTS) - 1) * CHART_GAP) // len(DASHBOARD_CHARTS)
    for k, kind in enumerate(kinds):
        if kind == "arr" and plan is not None and PLANNED_CHART_KEY in plan.keys:
            chart = arr_against_plan(book)  # the plan line on to the end of the plan year
        else:
            chart = monthly_chart(book, kind, None, window)
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(top, 0, chart, {"x_offset": 5 + k * (width + CHART_GAP), "y_offset": 0})
    return top + math.ceil(height / printing.DEFAULT_ROW_PX)


# One row per segment under the KPI table, so that no segment hides in the blended figures: the
# latest month of each, coloured by the benchmarks of the KPI table's rows (the same cells).
SEGMENT_KPIS = metric_rows(
    (
        ("arr", "ARR"),
        ("arr_growth_yoy", "ARR growth (YoY)"),
        ("nrr_12m", "NRR (12 months)"),
        ("grr_12m", "GRR (12 months)"),
        ("logo_churn_rate", "Logo churn (per month)"),
        ("cac_payback_months", "CAC payback (months)"),
        ("ltv_cac", "LTV:CAC (x)"),
    )
)
CAPPED_MARK = "*"


def segment_columns(with_plan: bool) -> list[int]:
    """The columns of the segment rows' figures: the printed columns right of the labels (the KPI
    table's, then the trailing table's when there is no plan)."""
    cols = columns(with_plan)
    printed = cols[: cols.index(TRAILING_COLS[-1]) + 1]
    return list(range(1, len(printed)))[: len(SEGMENT_KPIS)]


def _segment_rows(book: Book, fmt, ws, top: int) -> int:
    """The segments' rows (the total first, for reference) from row ``top``; returns the last row used.
    A segment's LTV:CAC that rests on the lifetime cap carries the mark in its own cell ("5.22*"), with
    a note under the rows."""
    res = book.results
    monthly = res.total.monthly
    kpi_row = {k: TABLE_TOP + r for r, k in enumerate(k for k in KPIS if k in monthly)}
    ws.write_string(top, 0, f"By segment, {res.months[-1]:%b %Y}", fmt.header_left)
    cols = columns(res.plan is not None)
    at = segment_columns(res.plan is not None)
    lines = 2  # each head names its unit and period, on two lines or more in a narrow column
    for j, (_key, head) in enumerate(SEGMENT_KPIS):
        ws.write_string(top, at[j], head, fmt.header_wrap)
        lines = max(lines, printing.text_lines(head, WIDTH[cols[at[j]]]))
    ws.set_row(top, 15 * lines)
    t = len(res.months)
    capped = []
    row = top
    for scope in res.scopes:
        row += 1
        ws.write_string(
            row,
            0,
            "Total" if scope.is_total else scope.label,
            fmt.label_bold if scope.is_total else fmt.label,
        )
        for j, (key, _head) in enumerate(SEGMENT_KPIS):
            col = at[j]
            m = BY_KEY[key]
            life = scope.monthly.get("lifetime_months")
            mark = (
                key == "ltv_cac" and life is not None and at_lifetime_cap(life[-1:], book.settings)
            ) and key in scope.monthly
            style = _segment_format(book, fmt, m.unit, scope.is_total, CAPPED_MARK if mark else "")
            if key not in scope.monthly:
                ws.write_string(row, col, "–", style)
                continue
            values = scope.monthly[key]
            name = series_name(key, scope.slug)
            ws.write_formula(
                row, col, f"={latest(name)}", style, cached(values[-1], monthly_marker(key, t - 1))
            )
            if mark:
                capped.append(scope.label)
            if m.benchmark is not None and key in kpi_row:
                _colour(book, ws, (row, col), kpi_row[key], cols, m.benchmark.higher)
    windows = [
        f"{BY_KEY[key].label} over the {words}"
        for key, _head in SEGMENT_KPIS
        if (words := window_words(key, book.settings))
    ]
    if windows:  # the heads are short; the windows are the KPI table's
        row += 1
        ws.write_string(row, 0, f"Latest month; {listed(windows)}, as in the table above.", fmt.note)
    if capped:
        row += 1
        ws.write_string(row, 0, f"{CAPPED_MARK} {capped_line(capped, book.settings)}", fmt.note)
    for line in scope_lines((key for key, _head in SEGMENT_KPIS), res.scopes):  # why a "–"
        row += 1
        ws.write_string(row, 0, line, fmt.note)
    return row


def _segment_format(book: Book, fmt, unit: str, bold: bool, mark: str = ""):
    """A segment row's figure, centred under its head; months carry their unit; ``mark`` follows the
    figure in its cell (the number stays a number)."""
    code = '0.0" mo"' if unit == MONTHS else fmt.number_formats[unit]
    if mark:
        code = ";".join(f'{part}"{mark}"' for part in code.split(";"))
    return fmt._get(("segment_row", unit, bold, mark), num_format=code, align="center", bold=bold)


def _colour(book: Book, ws, at: tuple[int, int], bench_row: int, cols: tuple[str, ...], higher: bool) -> None:
    """Green / amber / red by the thresholds in the KPI table's "Good at" and "OK at" cells of the row
    (beside the printed page, wherever the plan's columns put them)."""
    g = cell(bench_row, cols.index("Good at"), True, True)
    o = cell(bench_row, cols.index("OK at"), True, True)
    benchmark_colours(book.fmt, ws, at, g, o, higher)


def benchmark_colours(fmt, ws, at: tuple[int, int], good: str, ok: str, higher: bool) -> None:
    """The benchmark rule, the one every coloured KPI figure follows (the dashboard's and the Segments
    page's): green when the figure at ``at`` reaches the "Good at" threshold in cell ``good``, amber
    when it reaches "OK at" in ``ok``, red when it reaches neither; a cell with no figure (n/a, –)
    stays plain. ``higher``: whether a higher figure is better. Said under the figures by
    :data:`BENCHMARK_LEGEND`."""
    row, col = at
    here = cell(row, col)
    cmp = ">=" if higher else "<="
    for criteria, style in (
        (f"=AND(ISNUMBER({here}),{here}{cmp}{good})", fmt.good),
        (f"=AND(ISNUMBER({here}),{here}{cmp}{ok})", fmt.okay),
        (f"=ISNUMBER({here})", fmt.bad),
    ):
        ws.conditional_format(
            row,
            col,
            row,
            col,
            {"type": "formula", "criteria": criteria, "format": style, "stop_if_true": True},
        )


def threshold_cells(book: Book, key: str) -> tuple[str, str] | None:
    """The "Good at" and "OK at" cells of ``key``'s row in the KPI table (sheet-qualified, absolute),
    or None when the table has no such row or it has no benchmark."""
    kpis = [k for k in KPIS if k in book.results.total.monthly]
    if key not in kpis or BY_KEY[key].benchmark is None:
        return None
    row = TABLE_TOP + kpis.index(key)
    cols = columns(book.results.plan is not None)
    return tuple(on(SHEET, cell(row, cols.index(h), True, True)) for h in THRESHOLD_COLS)
