"""Quarterly and Annual tabs: flows summed over the period's months, stocks at its last month,
opening balances carried in, ratios recomputed from the period's own sums (never averaged).

A segment's quarterly and annual views are the same rows (``quarterly_<key>__<slug>``) under its
monthly rows on the segment's tab, grouped away with its other non-board rows."""

from __future__ import annotations

import math

import numpy as np

from workbook_gen.definitions import (
    BY_KEY,
    GAINS,
    LOSSES,
    MOVEMENTS,
    PERIOD_KEYS,
    RETENTION,
    SECTIONS,
    VIEW_PERIOD,
    metric_keys,
    metric_rows,
    period_metric,
    shown_label,
)
from workbook_gen.names import chart_data_name, period_edge_name, period_row_name, series_name
from workbook_gen.rules import period_marker, windows
from workbook_gen.workbook import charts, printing
from workbook_gen.workbook.book import Book, ScopeSheets, cached
from workbook_gen.workbook.derived import PeriodRenderer, period_formula
from workbook_gen.workbook.formats import PARTIAL_NOTE
from workbook_gen.workbook.formulas import in_column
from workbook_gen.workbook.layout import FIRST_COL, TIMELINE, Place, cell, on, span
from workbook_gen.workbook.tabs.common import (
    left_off,
    listed,
    not_shown_line,
    section_row,
    sheet_header,
    write_row_head,
    write_wrapped,
)

VIEWS = (("Quarterly", "quarter", "quarterly"), ("Annual", "year", "annual"))
PRINT_PERIODS = {"quarter": 8, "year": 99}  # periods on the printed page: two years of quarters
# Groupings whose charts print (on a page after the table). None: each table takes two pages at a
# legible size (second_page), and a page of quarterly charts would take the pack past its 20 pages;
# the charts stay in the workbook under the tables, and the MRR bridge, Retention and Unit economics
# pages chart the same movements and ratios month by month.
PRINTED_CHARTS: tuple[str, ...] = ()
PERIOD_COL_WIDTH = 12  # characters
R_LABEL, R_NUMBER, R_FIRST, R_LAST = 3, 4, 5, 6
TOP = 8
# Lines under a period table: the rows not shown, the lifetime at its cap, why the ratios can differ
# from the dashboard's (then a gap row).
NOTE_ROWS = 4


def _keys(book: Book, attr: str, scope=None) -> list[str]:
    view = getattr(scope or book.results.total, attr)
    return [k for k in PERIOD_KEYS if k in view]


def second_page(keys: list[str]) -> int:
    """Where the total's period table turns its page: before its first retention row (the MRR bridge and
    the clients on the first page, retention and unit economics on the second), so that the table
    prints at the workbook's size, not scaled down to fit a page (about 6 points on paper). The
    second page opens with a copy of the period heads."""
    retention = [i for i, k in enumerate(keys) if k in BY_KEY and BY_KEY[k].section == RETENTION]
    return retention[0] if retention else len(keys) // 2


# Chart data (hidden rows under the table): numbers, or #N/A where undefined; contraction and
# churn negated so that they are drawn below the axis.
CHART_DATA = metric_rows(
    (
        *((k, 1 if k in GAINS else -1) for k in MOVEMENTS),
        ("quick_ratio", 1),
        ("nrr_12m", 1),
        ("grr_12m", 1),
        ("cac_payback_months", 1),
        ("ltv_cac", 1),
        ("magic_number", 1),
        ("burn_multiple", 1),
    )
)


def chart_row_name(attr: str, key: str) -> str:
    return chart_data_name(period_row_name(attr, key))


def plan(book: Book) -> None:
    lay = book.layout
    for sheet, g, attr in VIEWS:
        keys = _keys(book, attr)
        turn = second_page(keys)
        for r, key in enumerate(keys):
            row = TOP + r + (r >= turn)  # a row for the heads of the second page
            lay.register(period_row_name(attr, key), Place(sheet, row, FIRST_COL, lay.n_periods[g]))
        row = TOP + len(keys) + 2 + NOTE_ROWS  # the chart data after the lines under the table
        for key, _sign in CHART_DATA:
            if key in keys:
                lay.register(chart_row_name(attr, key), Place(sheet, row, FIRST_COL, lay.n_periods[g]))
                row += 1
    for ss in book.scope_sheets:
        if not ss.scope.is_total:
            _plan_segment(book, ss)


def _plan_segment(book: Book, ss: ScopeSheets) -> None:
    """A segment's views under every row of its tab: per view a heading, the period rows (label,
    number, first and last month) and one row per key."""
    lay, scope = book.layout, ss.scope
    sheet = ss.monthly[SECTIONS[0]]
    row = max(p.row + p.height - 1 for p in lay.places.values() if p.sheet == sheet) + 3
    for _title, g, attr in VIEWS:
        keys = _keys(book, attr, scope)
        for r, key in enumerate(keys):
            lay.register(
                period_row_name(attr, key, scope.slug),
                Place(sheet, row + TOP - R_LABEL + r, FIRST_COL, lay.n_periods[g]),
            )
        row += TOP - R_LABEL + len(keys) + 2


def write(book: Book) -> None:
    for sheet, g, attr in VIEWS:
        _write_view(book, sheet, g, attr)
    for ss in book.scope_sheets:
        if not ss.scope.is_total:
            sheet = ss.monthly[SECTIONS[0]]
            for title, g, attr in VIEWS:
                keys = _keys(book, attr, ss.scope)
                label_row = book.layout.place(period_row_name(attr, keys[0], ss.scope.slug)).row - (
                    TOP - R_LABEL
                )
                ws = book.sheet(sheet)
                heading = f"{title} view — {ss.scope.label}"
                section_row(book.fmt, ws, label_row - 1, heading, FIRST_COL + book.layout.n_periods[g])
                _write_rows(
                    book, ws, sheet, g, attr, ss.scope, label_row, FIRST_COL + book.layout.n_periods[g] + 1
                )


def _write_rows(
    book: Book, ws, sheet: str, g: str, attr: str, scope, label_row: int, note_col: int | None = None
) -> None:
    """The period header rows from ``label_row`` (label, number, first and last month number) and the
    rows of the scope's view, each cell rendered from the catalog's period rule; in column
    ``note_col``, when given, how a row's period value is built where the rule alone does not say."""
    lay, fmt, res = book.layout, book.fmt, book.results
    view = getattr(scope, attr)
    periods = res.periods[g]
    n = len(periods)
    r_label, r_number, r_first, r_last = (label_row + k for k in range(4))
    for r, label in (
        (r_label, VIEW_PERIOD[attr].capitalize()),  # the window of every figure: "Per quarter"
        (r_number, "Period #"),
        (r_first, "First month #"),
        (r_last, "Last month #"),
    ):
        ws.write_string(r, 0, label, fmt.header_left if r == r_label else fmt.label)
    label_tbl = on(TIMELINE, span(lay.period_tables[g], 0, lay.period_tables[g] + n - 1, 0), sheet)
    first_tbl = lay.place(period_edge_name(g, "first")).range(sheet)
    last_tbl = lay.place(period_edge_name(g, "last")).range(sheet)
    for p in range(n):
        c = FIRST_COL + p
        pc = cell(r_number, c, True)
        ws.write_formula(r_label, c, f"={in_column(label_tbl, pc)}", fmt.header, periods.labels[p])
        ws.write_formula(
            r_number,
            c,
            f"=COLUMNS({cell(0, FIRST_COL, True, True)}:{cell(0, c, True)})",
            fmt.calc_int(),
            p + 1,
        )
        ws.write_formula(
            r_first, c, f"={in_column(first_tbl, pc)}", fmt.calc_int(), int(periods.first[p]) + 1
        )
        ws.write_formula(r_last, c, f"={in_column(last_tbl, pc)}", fmt.calc_int(), int(periods.last[p]) + 1)
    for key in _keys(book, attr, scope):
        metric = period_metric(key)
        name = period_row_name(attr, key, scope.slug)
        row = lay.place(name).row
        write_row_head(
            ws, fmt, row, shown_label(metric, attr), name, metric.unit, book.settings.currency_symbol.strip()
        )
        style, partial_style = fmt.unit(metric.unit), fmt.unit_partial(metric.unit)
        for p in range(n):
            c = FIRST_COL + p

            def row_cell(k: str, col: int = c) -> str | None:
                place = lay.places.get(period_row_name(attr, k, scope.slug))
                return None if place is None else cell(place.row, col)

            renderer = PeriodRenderer(
                lay.setting,
                first=cell(r_first, c, True),
                last=cell(r_last, c, True),
                monthly_row=lambda k: lay.series_row(series_name(k, scope.slug), sheet),
                row_cell=row_cell,
                previous_cell=lambda k, col=c: row_cell(k, col - 1),
                number=cell(r_number, c, True),
            )
            ws.write_formula(
                row,
                c,
                period_formula(renderer, key),
                partial_style if periods.partial[p] else style,
                cached(view[key][p], period_marker(key)),
            )
        if metric.period_note and note_col is not None:
            ws.write_string(row, note_col, metric.period_note, fmt.note)


def _write_view(book: Book, sheet: str, g: str, attr: str) -> None:
    lay, fmt, res = book.layout, book.fmt, book.results
    ws = book.sheet(sheet)
    view = getattr(res.total, attr)
    periods = res.periods[g]
    n = len(periods)
    fiscal = (
        ""
        if book.settings.fiscal_year_start == 1
        else f" (fiscal year starts in month {book.settings.fiscal_year_start})"
    )
    sheet_header(book, ws, f"{sheet} view — Total{fiscal}")
    ws.write_string(
        2,
        0,
        "Flows summed, stocks at period end",
        fmt.note,
    )
    for r in (R_NUMBER, R_FIRST, R_LAST):  # helper rows for the formulas: auditors only
        ws.set_row(r, None, None, {"level": 1, "hidden": True})
    ws.set_column(0, 0, 33)  # the subtitle prints whole within the label columns
    ws.set_column(1, 1, 28)
    ws.set_column(2, 3, 8)
    ws.set_column(FIRST_COL, FIRST_COL + n - 1, PERIOD_COL_WIDTH)
    printing.hide_audit_columns(ws)  # before the printed width is measured: they take none
    table_bottom = max(lay.place(period_row_name(attr, k)).row for k in _keys(book, attr))
    # Printed: the label column and the latest PRINT_PERIODS periods (earlier ones a scroll left
    # on screen) on two pages (second_page), and the quarterly charts under them on a page of their
    # own, two side by side within the periods' columns. Both views print as wide as two years of
    # quarters, which a landscape page holds at about the workbook's size (fitted to one page, the
    # table printed at 6 points).
    first_print = FIRST_COL + max(0, n - PRINT_PERIODS[g])
    # A row with no value in any printed period (a young company's 12-month figures) stays in the
    # workbook, hidden, and one line under the table names it and says why.
    blank = left_off((k, view[k][first_print - FIRST_COL :]) for k in _keys(book, attr))
    for key in blank:
        ws.set_row(lay.place(period_row_name(attr, key)).row, None, None, {"level": 1, "hidden": True})
    if blank:  # under the labels, wrapped across the page once its columns are known (below)
        table_bottom += 1
        blank_row, blank_line = table_bottom, not_shown_line(blank, len(res.months), book.settings, f"{g}s")
    note = lifetime_note(book, g, view, first_print - FIRST_COL, blank)
    if note:  # from the first printed period (the columns between it and the labels do not print),
        table_bottom += 1  # wrapped across the printed columns, once they are known (below)
        note_row = table_bottom
    windowed = trailing_note(g, [k for k in _keys(book, attr) if k not in blank])
    if windowed:  # wrapped across the printed columns, once they are known (below)
        table_bottom += 1
        windowed_row = table_bottom
    last_table_col = FIRST_COL + n - 1
    shown = printing.width_px(ws, 0, FIRST_COL - 1) + printing.width_px(ws, first_print, last_table_col)
    labels_px = printing.width_px(ws, 0, FIRST_COL - 1)
    wanted = labels_px + PRINT_PERIODS["quarter"] * printing.col_px(PERIOD_COL_WIDTH)
    last_print = last_table_col + max(0, math.ceil((wanted - shown) / printing.DEFAULT_COL_PX))
    chars = printing.width_px(ws, first_print, last_print) / 7
    if blank and first_print == FIRST_COL:  # the label column and the periods: one printed stretch
        all_chars = printing.width_px(ws, 0, last_print) / 7
        write_wrapped(ws, blank_row, 0, last_print, blank_line, fmt.note_wrap, all_chars)
    elif blank:  # the columns between the labels and the first printed period do not print
        ws.write_string(blank_row, 0, blank_line, fmt.note)
    if note:
        write_wrapped(ws, note_row, first_print, last_print, note, fmt.note_wrap, chars)
    if windowed:
        write_wrapped(ws, windowed_row, first_print, last_print, windowed, fmt.note_wrap, chars)
    # How each period value is built, for the auditor: beside the table but off the printed page
    # (formula text is no board reading; the Glossary in the appendix says the same).
    note_col = last_print + 2
    _write_rows(book, ws, sheet, g, attr, res.total, R_LABEL, note_col)
    keys = _keys(book, attr)
    heads_row = lay.place(period_row_name(attr, keys[second_page(keys)])).row - 1
    ws.write_string(heads_row, 0, VIEW_PERIOD[attr].capitalize(), fmt.header_left)
    for p in range(n):  # the period heads again, over the second page
        ws.write_formula(
            heads_row, FIRST_COL + p, f"={cell(R_LABEL, FIRST_COL + p)}", fmt.header, periods.labels[p]
        )
    ws.write_string(R_LABEL, note_col, "How the period's value is built", fmt.header_left)
    ws.set_column(note_col, note_col, 60)
    ws.write_string(
        2,
        first_print,
        f"Ratios from the period's own sums, never an average of months. {PARTIAL_NOTE}",
        fmt.note,
    )
    _write_chart_data(book, ws, sheet, attr, view)
    data_bottom = max(p.row + p.height - 1 for p in lay.places.values() if p.sheet == sheet)
    printed_charts = g in PRINTED_CHARTS
    chart_w = printing.CHART_W
    if printed_charts:  # two abreast within the printed columns right of the labels (which repeat)
        chart_w = min(
            chart_w, (printing.width_px(ws, first_print, last_print) - 5 - 2 * printing.CHART_GAP) // 2
        )
    charts_bottom = _charts(book, ws, sheet, g, attr, data_bottom + 2, first_print, chart_w)
    # No repeated header row: it would open a charts' page with a header of no table; the table's
    # second page has its own copy of the heads.
    printing.report_tab(book, ws, first_month=int(periods.first[first_print - FIRST_COL]))
    ws.repeat_columns(0, FIRST_COL - 1)
    # the charts' page starts at their top row: the blank rows above them end the table's page
    ws.set_h_pagebreaks([heads_row, *([data_bottom + 2] if printed_charts else [])])
    ws.print_area(0, first_print, charts_bottom if printed_charts else table_bottom, last_print)
    ws.freeze_panes(R_NUMBER, FIRST_COL, R_NUMBER, first_print)


def trailing_note(g: str, keys) -> str:
    """The line under a period table that says why its ratios can differ from the dashboard's for the
    same months: a period's ratio is worked out over that period's own months (the catalog's period
    rule), where the latest month's figure runs over rolling windows (rules.windows: the CAC window,
    the churn window) and takes the latest month's gross margin and ARPA. Names the printed ratios
    that have such windows; "" when none is printed."""
    labels = [BY_KEY[k].label for k in keys if k in BY_KEY and windows(k)]
    if not labels:
        return ""
    return (
        f"Each {g}'s ratios are worked out over that {g}'s own months, so its {listed(labels)} can "
        "differ from the dashboard's figures for the same months, which run over trailing windows."
    )


def lifetime_note(book: Book, g: str, view, first: int, blank) -> str:
    """The line under a period table whose printed client lifetime reaches the cap: a period's lifetime
    rests on its own months' churn (docs/definitions.md, Client lifetime), where the monthly one rests on
    the churn window, so that a young company shows a capped lifetime per quarter while its monthly
    lifetime and LTV have no value yet; "" when no printed period is at the cap."""
    life = view.get("lifetime_months")
    cap = book.settings.lifetime_cap_months
    if life is None or "lifetime_months" in blank or not np.any(np.asarray(life[first:]) == cap):
        return ""
    return (
        f"Client lifetime and LTV: from each {g}'s own client churn, at most {cap:g} months (the cap); "
        f"the monthly figures use the churn of the last {book.settings.ltv_churn_window} months."
    )


def _write_chart_data(book: Book, ws, sheet: str, attr: str, view) -> None:
    lay, fmt = book.layout, book.fmt
    for key, sign in CHART_DATA:
        name = chart_row_name(attr, key)
        if name not in lay.places:
            continue
        place = lay.place(name)
        metric = period_metric(key)
        ws.write_string(
            place.row, 0, f"{shown_label(metric, attr)} — chart data, #N/A where undefined", fmt.note
        )
        ws.set_row(place.row, None, None, {"level": 1, "hidden": True})
        src = lay.place(period_row_name(attr, key))
        minus = "-" if sign < 0 else ""
        for p, v in enumerate(view[key]):
            ref = cell(src.row, src.col + p)
            ws.write_formula(
                place.row,
                place.col + p,
                f"=IF(ISNUMBER({ref}),{minus}{ref},NA())",
                fmt.unit(metric.unit),
                "#N/A" if math.isnan(v) else sign * float(v),
            )


def _charts(book: Book, ws, sheet: str, g: str, attr: str, top: int, anchor_col: int, w: int) -> int:
    """The period charts of the template: MRR drivers & quick ratio, NRR/GRR, unit economics, each
    ``w`` pixels wide. Complete periods only (a period still in progress would look like a drop). Returns the last row."""
    lay, res = book.layout, book.results
    periods = res.periods[g]
    n = len(periods) - (1 if periods.partial[-1] else 0)
    if n < 1:
        return top
    first = 1 if n > 1 and periods.last[0] == 0 else 0  # a period of only the opening month has no flows
    # The charts cover the periods the printed table shows (the latest PRINT_PERIODS), no more.
    first = max(first, len(periods) - PRINT_PERIODS[g])
    cur = book.settings.currency
    word = "quarter" if g == "quarter" else "year"

    def series(key: str, label: str, start: int | None = None, **extra) -> dict:
        place = lay.places.get(chart_row_name(attr, key)) or lay.place(period_row_name(attr, key))
        a = first if start is None else start
        return {
            "name": label,
            "categories": [sheet, R_LABEL, FIRST_COL + a, R_LABEL, FIRST_COL + n - 1],
            "values": [sheet, place.row, place.col + a, place.row, place.col + n - 1],
            **extra,
        }

    made = []
    drivers = charts.new_chart(book, "column", f"MRR drivers ({cur}) & quick ratio (x), by {word}", "stacked")
    for key, label, _neg, colour in charts.MOVEMENT_SERIES:
        drivers.add_series(series(key, label, fill={"color": colour}, gap=50))
    drivers.set_x_axis({"num_font": {"size": 8}, "label_position": "low", "major_tick_mark": "none"})
    view = getattr(res.total, attr)
    shown = slice(first, n)

    def peak(keys) -> float:
        return float(np.max(sum(np.nan_to_num(view[k][shown]) for k in keys), initial=0.0))

    down, up = peak(LOSSES), peak(GAINS)
    charts.movement_axis(drivers, -down, up)
    drivers.wbg_y["num_format"] = charts.money_format(book, max(up, down))
    drivers.set_y_axis(drivers.wbg_y)

    def shown_values(key: str, start: int | None = None) -> np.ndarray:
        """The points of ``key``'s series as drawn (from ``start``, else the first shown period)."""
        return np.asarray(view[key][(first if start is None else start) : n], dtype=float)

    def right_line(base, key: str, label: str) -> None:
        """A dark line of the ratio ``key`` on the right axis of the column chart ``base``; an
        outlier does not set that axis (charts.clip_top), it is drawn clipped, with its value."""
        values = shown_values(key)
        top = charts.clip_top(values)
        if top is None:
            top = float(np.nanmax(values, initial=0.0)) if np.isfinite(values).any() else 0.0
        y2 = charts.right_axis(base, top, "0.0")
        chart = charts.new_chart(book, "line", "")
        chart.add_series(
            series(
                key,
                charts.clip_name(label, values, y2.get("max"), "0.0", periods.labels[first:n]),
                y2_axis=True,
                line={"color": charts.PALETTE_DARK, "width": 2.25},
            )
        )
        chart.set_y2_axis(y2)
        base.combine(chart)

    right_line(drivers, "quick_ratio", "Quick ratio (right axis)")
    made.append(drivers)
    keep = [k for k in metric_keys("nrr_12m", "grr_12m") if period_row_name(attr, k) in lay.places]
    nrr = getattr(res.total, attr).get("nrr_12m")
    if keep and nrr is not None and np.isfinite(nrr[:n]).any():
        defined_from = max(first, int(np.argmax(np.isfinite(nrr[:n]))))
        ret = charts.new_chart(book, "line", f"NRR and GRR at each {word} end, 12 months (%)", None, "0%")
        drawn = {k: shown_values(k, defined_from) for k in keep}
        ret_top = charts.clip_axis(ret, list(drawn.values()), low=None)
        for i, k in enumerate(keep):
            ret.add_series(
                series(
                    k,
                    charts.clip_name(
                        period_metric(k).label, drawn[k], ret_top, "0%", periods.labels[defined_from:n]
                    ),
                    defined_from,
                    line={**charts.color(i), "width": 2},
                    marker={"type": "circle", "size": 4},
                )
            )
        ret.set_x_axis({"num_font": {"size": 8}})
        every = np.concatenate(list(drawn.values()))
        low = np.nanmin(every) if np.isfinite(every).any() else np.nan
        if low > 0.3:  # start the axis near the data, not at 0 %
            charts.set_y_limits(ret, math.floor(low * 10 - 1) / 10)
        made.append(ret)
    if period_row_name(attr, "cac_payback_months") in lay.places:
        with_ltv = bool(np.isfinite(shown_values("ltv_cac")).any())  # else no empty line, no axis of nothing
        what = "CAC payback (months) and LTV:CAC (x)" if with_ltv else "CAC payback (months)"
        pay = charts.new_chart(book, "column", f"{what}, by {word}", None, "0")
        payback = shown_values("cac_payback_months")
        pay_top = charts.clip_axis(pay, [payback])
        pay.add_series(
            series(
                "cac_payback_months",
                "CAC payback, months",
                fill=charts.color(1),
                gap=60,
                **charts.clip_labels(payback, pay_top, "0"),
            )
        )
        if pay_top is None:
            charts.set_y_limits(pay, 0)
        if with_ltv:
            right_line(pay, "ltv_cac", "LTV:CAC (right axis)")
        pay.set_x_axis({"num_font": {"size": 8}})
        made.append(pay)
    eff = [k for k in metric_keys("magic_number", "burn_multiple") if period_row_name(attr, k) in lay.places]
    if eff:
        e = charts.new_chart(book, "column", f"Magic number and burn multiple (x), by {word}", None, "0.0")
        shown_eff = {k: shown_values(k) for k in eff}
        # an outlier does not set the scale: it is drawn clipped, with its value
        eff_top = charts.clip_axis(e, list(shown_eff.values()))
        for i, k in enumerate(eff):
            extra = charts.clip_labels(shown_eff[k], eff_top, "0.0")
            e.add_series(series(k, period_metric(k).label, fill=charts.color(i + 2), gap=80, **extra))
        e.set_x_axis({"num_font": {"size": 8}})
        made.append(e)
    h = printing.CHART_H
    for k, chart in enumerate(made):
        chart.set_size({"width": w, "height": h})
        ws.insert_chart(
            top + (k // 2) * printing.CHART_ROWS_EACH,
            anchor_col,
            chart,
            {"x_offset": 5 + (k % 2) * (w + printing.CHART_GAP)},
        )
    return top + ((len(made) + 1) // 2) * printing.CHART_ROWS_EACH
