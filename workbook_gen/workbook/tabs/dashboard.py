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
from workbook_gen.names import plan_name, series_name, variance_name
from workbook_gen.rules import monthly_marker, period_marker, window_words
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, cached, excel_serial
from workbook_gen.workbook.charts import chart_kinds, has_data, month_window, monthly_chart
from workbook_gen.workbook.derived import NA, PeriodRenderer, period_formula
from workbook_gen.workbook.formulas import in_row, latest
from workbook_gen.workbook.layout import cell
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
TABLE_TOP = 5
# Six charts, no two of the same thing (the MRR movements are the bridge's alone).
DASHBOARD_CHARTS = chart_kinds("bridge", "arr", "clients", "retention", "payback", "burn_multiple")
COLS = ("Metric", "Latest", "Previous month", "Change", "12 months ago", "Benchmark", "Good at", "OK at")
#: With a plan, the plan for the latest month and the variance to it follow the latest value.
PLAN_COLS = ("Plan", "Variance to plan")
WIDTH = {
    "Metric": 38,
    "Latest": 13,
    "Plan": 13,
    "Variance to plan": 14,
    "Previous month": 13,
    "Change": 11,
    "12 months ago": 13,
    "Benchmark": 45,
    "Good at": 8,
    "OK at": 8,
}
TRAILING_WIDTHS = (2, 30, 13)  # a gap, then the trailing-twelve-months table right of the KPI table
CHART_W, CHART_H = 420, 275  # three charts across the page, two rows
CHART_ROWS = 14  # sheet rows a row of charts takes


def write(book: Book) -> None:
    fmt, res = book.fmt, book.results
    ws = book.sheet(SHEET)
    ws.write_string(0, 0, f"Dashboard — {book.month_text}", fmt.title)
    ws.write_string(1, 0, f"{book.company} · {book.settings.currency} · {book.month_text}", fmt.subtitle)
    ws.write_string(3, 0, "Latest month", fmt.label_bold)
    paying = res.total.monthly["clients_closing"][-1]
    ws.write_string(2, 0, f"{int(paying):,} paying clients ({book.data.n_clients:,} ever)", fmt.label_bold)
    t = len(res.months)
    last = res.months[-1]
    ws.write_formula(
        3,
        1,
        f"={latest('months')}",
        book.wb.add_format({"num_format": "mmm yyyy", "bold": True, "align": "right"}),
        excel_serial(last),
    )
    cols = columns(res.plan is not None)
    col = {name: c for c, name in enumerate(cols)}
    for c, h in enumerate(cols):
        ws.write_string(TABLE_TOP - 1, c, h, fmt.header if c else fmt.header_left)
    monthly = res.total.monthly
    for r, key in enumerate(k for k in KPIS if k in monthly):
        row = TABLE_TOP + r
        m = BY_KEY[key]
        values = monthly[key]
        ws.write_string(row, 0, kpi_label(key, book.settings), fmt.label)
        style = fmt.kpi(m.unit)
        ws.write_formula(row, 1, f"={latest(key)}", style, cached(values[-1], monthly_marker(key, t - 1)))
        if res.plan is not None:
            _plan_cells(book, ws, row, col["Plan"], key)
        prev = values[-2] if t > 1 else math.nan
        ws.write_formula(
            row,
            col["Previous month"],
            f"=IF(COUNT(months)>1,{in_row(key, 'COUNT(months)-1')},{NA})",
            fmt.unit(m.unit),
            cached(prev, monthly_marker(key, t - 2)),
        )
        change = values[-1] - prev if t > 1 else math.nan
        b, c = cell(row, 1), cell(row, col["Previous month"])
        points = m.unit == PCT  # a change of a percentage is shown in percentage points
        ws.write_formula(
            row,
            col["Change"],
            f"=IF(AND(ISNUMBER({b}),ISNUMBER({c})),({b}-{c}){'*100' if points else ''},{NA})",
            fmt.change(m.unit),
            cached(change * 100 if points else change),
        )
        ago = values[-13] if t > 12 else math.nan
        ws.write_formula(
            row,
            col["12 months ago"],
            f"=IF(COUNT(months)>12,{in_row(key, 'COUNT(months)-12')},{NA})",
            fmt.unit(m.unit),
            cached(ago, monthly_marker(key, t - 13)),
        )
        bench = m.benchmark
        if bench:
            good_col, ok_col = col["Good at"], col["OK at"]
            ws.write_string(row, col["Benchmark"], bench.text, fmt.bench)
            ws.write_number(row, good_col, bench.good, fmt.input_unit(m.unit if m.unit != COUNT else "int"))
            ws.write_number(row, ok_col, bench.ok, fmt.input_unit(m.unit if m.unit != COUNT else "int"))
            g, o = cell(row, good_col, col_abs=True), cell(row, ok_col, col_abs=True)
            cmp = ">=" if bench.higher else "<="
            latest_cell = cell(row, 1)
            ws.conditional_format(
                row,
                1,
                row,
                1,
                {
                    "type": "formula",
                    "criteria": f"=AND(ISNUMBER({latest_cell}),{latest_cell}{cmp}{g})",
                    "format": fmt.good,
                    "stop_if_true": True,
                },
            )
            ws.conditional_format(
                row,
                1,
                row,
                1,
                {
                    "type": "formula",
                    "criteria": f"=AND(ISNUMBER({latest_cell}),{latest_cell}{cmp}{o})",
                    "format": fmt.okay,
                    "stop_if_true": True,
                },
            )
            ws.conditional_format(
                row,
                1,
                row,
                1,
                {"type": "formula", "criteria": f"=ISNUMBER({latest_cell})", "format": fmt.bad},
            )
    # A KPI with no value in any printed column (a young company's 12-month figures) stays in the
    # workbook, its row hidden, and one line under the table names it and says why.
    kpis = [k for k in KPIS if k in monthly]
    blank = left_off((key, printed_values(book, key)) for key in kpis)
    hidden = {TABLE_TOP + r for r, key in enumerate(kpis) if key in blank}
    for row in sorted(hidden):
        ws.set_row(row, None, None, {"level": 1, "hidden": True})
    for c, width in enumerate((*(WIDTH[name] for name in cols), *TRAILING_WIDTHS)):
        ws.set_column(c, c, width)
    # the trailing table beside the KPI table, on its visible rows (a hidden KPI row would hide it)
    shown_rows = (r for r in itertools.count(TABLE_TOP - 1) if r not in hidden)
    trailing_bottom = _trailing(book, ws, shown_rows, len(cols) + 1)
    note_row = max(TABLE_TOP + len(kpis), trailing_bottom + 1)
    ws.write_string(
        note_row,
        0,
        "Green: meets the 'good at' threshold; amber: the 'OK at' one; red: neither. Thresholds are common "
        "rules of thumb (see the glossary in the appendix). Change: % metrics in percentage points."
        + (
            f" Plan: the {res.plan.version or 'plan'} for {last:%b %Y}; variance green where it is favourable."
            if res.plan is not None
            else ""
        ),
        fmt.note,
    )
    if blank:
        note_row += 1
        line = not_shown_line(blank, t, book.settings)
        write_wrapped(ws, note_row, 0, len(cols) - 1, line, fmt.note_wrap, sum(WIDTH[c] for c in cols))
    seg_bottom = _segment_rows(book, ws, note_row + 2) if res.segments else note_row
    _charts(book, ws, seg_bottom + 2)
    ws.freeze_panes(TABLE_TOP, 1)
    printing.report_tab(book, ws, pages_tall=1)


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


def columns(with_plan: bool) -> tuple[str, ...]:
    """The KPI table's columns: the plan's two after the latest value when there is a plan."""
    return (*COLS[:2], *(PLAN_COLS if with_plan else ()), *COLS[2:])


def _plan_cells(book: Book, ws, row: int, plan_col: int, key: str) -> None:
    """The latest month's plan and variance to plan of a planned KPI (a variance of a percentage in
    points), the variance green where favourable and red where not, by the metric's direction."""
    fmt, plan = book.fmt, book.results.plan
    if key not in plan.keys:
        for c in (plan_col, plan_col + 1):
            ws.write_blank(row, c, None, fmt.unit(BY_KEY[key].unit))
        return
    m = BY_KEY[key]
    points = m.unit == PCT
    ws.write_formula(
        row, plan_col, f"={latest(plan_name(key))}", fmt.unit(m.unit), cached(plan.plan[key][-1])
    )
    here = cell(row, plan_col + 1)
    var = latest(variance_name(key))
    ws.write_formula(
        row,
        plan_col + 1,
        f"=IF(ISNUMBER({var}),{var}{'*100' if points else ''},{NA})",
        fmt.change(m.unit),
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


def _trailing(book: Book, ws, rows: Iterator[int], label_col: int) -> int:
    """Flows of the trailing twelve months, and ratios recomputed from those sums, right of the KPI
    table from column ``label_col`` (the engine's ``trailing`` values as formulas), one line on each
    of ``rows`` in turn (the first its head). Returns the last row."""
    fmt, res = book.fmt, book.results
    window = t12_slice(len(res.months))
    lc, vc = label_col, label_col + 1
    top = next(rows)
    ws.write_string(top, lc, trailing_words(len(res.months)), fmt.header_left)
    ws.write_string(top, vc, "Sum / ratio", fmt.header)
    row = next(rows)
    ws.write_string(row, lc, "From (first month of the window)", fmt.note)
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
        ws.write_string(row, lc, TRAILING_LABELS.get(key, shown_label(m, "trailing")), fmt.label)
        formula = period_formula(trailing_renderer(book), key)
        ws.write_formula(row, vc, formula, fmt.unit(m.unit), cached(values[key], period_marker(key)))
    return row


def _charts(book: Book, ws, top: int) -> None:
    window = month_window(book, 24)
    kinds = [kind for kind in DASHBOARD_CHARTS if has_data(book, kind, None, window)]
    plan = book.results.plan
    for k, kind in enumerate(kinds):
        if kind == "arr" and plan is not None and PLANNED_CHART_KEY in plan.keys:
            chart = arr_against_plan(book)  # the plan line on to the end of the plan year
        else:
            chart = monthly_chart(book, kind, None, window)
        chart.set_size({"width": CHART_W, "height": CHART_H})
        ws.insert_chart(
            top + (k // 3) * CHART_ROWS,
            0,
            chart,
            {"x_offset": 5 + (k % 3) * (CHART_W + 8), "y_offset": 0},
        )


# One row per segment under the KPI table, so that no segment hides in the blended figures: the
# latest month of each, coloured by the benchmarks of the KPI table's rows (the same cells).
SEGMENT_KPIS = metric_rows(
    (
        ("arr", "ARR"),
        ("arr_growth_yoy", "ARR growth (year on year)"),
        ("nrr_12m", "NRR (12 months)"),
        ("grr_12m", "GRR (12 months)"),
        ("logo_churn_rate", "Logo churn (per month)"),
        ("cac_payback_months", "CAC payback (months)"),
        ("ltv_cac", "LTV:CAC (x)"),
    )
)
CAPPED_MARK = "*"


def _segment_rows(book: Book, ws, top: int) -> int:
    """The segments' rows (the total first, for reference) from row ``top``; returns the last row used.
    A segment's LTV:CAC that rests on the lifetime cap is marked, with a note under the rows."""
    fmt, res = book.fmt, book.results
    monthly = res.total.monthly
    kpi_row = {k: TABLE_TOP + r for r, k in enumerate(k for k in KPIS if k in monthly)}
    ws.write_string(top, 0, f"By segment, {res.months[-1]:%b %Y}", fmt.header_left)
    cols = columns(res.plan is not None)
    lines = 2  # each head names its unit and period, on two lines or more in a narrow column
    for j, (_key, head) in enumerate(SEGMENT_KPIS):
        ws.write_string(top, 1 + j, head, fmt.header_wrap)
        lines = max(lines, printing.text_lines(head, WIDTH[cols[1 + j]]))
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
            col = 1 + j
            m = BY_KEY[key]
            style = _segment_format(book, m.unit, scope.is_total)
            if key not in scope.monthly:
                ws.write_string(row, col, "–", style)
                continue
            values = scope.monthly[key]
            name = series_name(key, scope.slug)
            ws.write_formula(
                row, col, f"={latest(name)}", style, cached(values[-1], monthly_marker(key, t - 1))
            )
            life = scope.monthly.get("lifetime_months")
            if key == "ltv_cac" and life is not None and at_lifetime_cap(life[-1:], book.settings):
                ws.write_string(row, col + 1, CAPPED_MARK, fmt.label)
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


def _segment_format(book: Book, unit: str, bold: bool):
    """A segment row's figure, centred under its head; months carry their unit."""
    code = '0.0" mo"' if unit == MONTHS else book.fmt.number_formats[unit]
    return book.fmt._get(("segment_row", unit, bold), num_format=code, align="center", bold=bold)


def _colour(book: Book, ws, at: tuple[int, int], bench_row: int, cols: tuple[str, ...], higher: bool) -> None:
    """Green / amber / red by the thresholds in the KPI table's "Good at" and "OK at" cells of the row
    (their columns move right when the table has the plan's two)."""
    fmt = book.fmt
    row, col = at
    here = cell(row, col)
    g = cell(bench_row, cols.index("Good at"), True, True)
    o = cell(bench_row, cols.index("OK at"), True, True)
    cmp = ">=" if higher else "<="
    for criteria, style in (
        (f"=AND(ISNUMBER({here}),{here}{cmp}{g})", fmt.good),
        (f"=AND(ISNUMBER({here}),{here}{cmp}{o})", fmt.okay),
        (f"=ISNUMBER({here})", fmt.bad),
    ):
        ws.conditional_format(
            row,
            col,
            row,
            col,
            {"type": "formula", "criteria": criteria, "format": style, "stop_if_true": True},
        )
