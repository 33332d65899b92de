"""Monthly series tabs (MRR bridge, Clients & ARPA, Retention, Unit economics).

The total scope has one tab per section; a segment has all sections on its own tab. The same
code writes both: a scope is a loop variable, never a copy.
"""

from __future__ import annotations

import math

from workbook_gen.definitions import (
    BURN,
    BY_KEY,
    CLIENTS,
    GAINS,
    METRICS,
    MOVEMENTS,
    SECTIONS,
    SM,
    UNIT,
    metric_keys,
    metric_rows,
    scope_note,
    shown_label,
)
from workbook_gen.names import chart_data_name, helper_row_name, section_notes_name, series_name
from workbook_gen.rules import monthly_marker
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, ScopeSheets, cached
from workbook_gen.workbook.charts import chart_kinds, has_data, month_window, monthly_chart
from workbook_gen.workbook.formats import NAVY
from workbook_gen.workbook.formulas import (
    KEPT_COUNT,
    KEPT_NOW,
    KEPT_THEN,
    TOP_N,
    TOP_THRESHOLD,
    MonthlyFormulas,
    ScopeRefs,
)
from workbook_gen.workbook.layout import FIRST_COL, HEADER_ROWS, Place
from workbook_gen.workbook.printing import MONTH_COL_WIDTH, print_window
from workbook_gen.workbook.tabs import waterfall
from workbook_gen.workbook.tabs.common import (
    at_lifetime_cap,
    capped_figures,
    capped_line,
    kpi_label,
    left_off,
    month_header,
    monthly_columns,
    not_shown_line,
    section_row,
    sheet_header,
    write_row_head,
    write_wrapped,
)

SEGMENT_NUMBER_ROW = 2
# Chart data: every series a chart draws reads a hidden helper row that repeats it as a number, or
# #N/A where it is undefined, so the chart shows a gap rather than a zero (the visible row keeps
# n/a). Contraction and churn are drawn below the axis, so their helper rows are negated.
CHART_DATA = {
    SECTIONS[0]: metric_rows((k, 1 if k in GAINS else -1) for k in MOVEMENTS),
    SECTIONS[1]: metric_rows(
        (
            ("arpa", 1),
            ("asp_new", 1),
            ("arpa_churned", 1),
            ("arpa_expanded", 1),
            ("arpa_contracted", 1),
            ("top10_share", 1),
            ("top1_share", 1),
        )
    ),
    SECTIONS[2]: metric_rows((("quick_ratio_3m", 1), ("nrr_12m", 1), ("grr_12m", 1))),
    SECTIONS[3]: metric_rows((("cac_payback_months", 1), ("ltv_cac", 1), ("burn_multiple", 1))),
}
SECTION_CHARTS = {
    SECTIONS[0]: chart_kinds("bridge"),  # and the quarterly ARR waterfall (tabs/waterfall.py)
    SECTIONS[1]: chart_kinds("clients", "arpa"),
    SECTIONS[2]: chart_kinds("quick_ratio", "retention"),
    SECTIONS[3]: chart_kinds("payback", "burn_multiple"),
}
# Rows set in bold: the balances a reader looks for first.
BOLD_ROWS = metric_keys("mrr_closing", "arr", "clients_closing")
# A segment's tab prints on one page (SPEC §6, the board pack): these rows over the latest months,
# the section headings and the notes on absent metrics, and one row of charts. Its other rows stay
# on the tab, grouped and collapsed (one click on the outline +), as the chart helper rows are.
SEGMENT_BOARD_ROWS = metric_keys(
    "mrr_opening",
    *MOVEMENTS,
    "mrr_closing",
    "arr",
    "arr_share",
    "arr_growth_yoy",
    "clients_closing",
    "clients_new",
    "clients_churned",
    "arpa",
    "asp_new",
    "quick_ratio_3m",
    "logo_churn_rate",
    "nrr_12m",
    "grr_12m",
    "cac",
    "cac_payback_months",
    "lifetime_months",  # the lifetime cap's note points at it (section_notes)
    "ltv",
    "ltv_cac",
    "burn_multiple",
    "rule_of_40",
)


def section_keys(ss: ScopeSheets, section: str) -> list[str]:
    return [m.key for m in METRICS if m.section == section and m.key in ss.scope.monthly]


def plan(book: Book, ss: ScopeSheets) -> None:
    """Assign every series of the scope a row; record the rows in the layout."""
    lay, scope = book.layout, ss.scope
    rows: dict[str, int] = {}
    for section in SECTIONS:
        sheet = ss.monthly[section]
        row = rows.get(sheet, HEADER_ROWS)
        row += 1  # section heading
        for key in section_keys(ss, section):
            lay.register(series_name(key, scope.slug), Place(sheet, row, FIRST_COL, lay.n_months))
            row += 1
        notes = section_notes(book, ss) if section == UNIT else []
        if notes:  # the notes saying why spend- or burn-based metrics are absent: a block of the
            # layout, so that what is placed under the rows (the period views) starts below them
            lay.register(section_notes_name(scope.slug), Place(sheet, row, 0, 1, len(notes)))
            row += len(notes)
        for key, _sign in chart_data(ss, section):
            lay.register(
                chart_data_name(series_name(key, scope.slug)), Place(sheet, row, FIRST_COL, lay.n_months)
            )
            row += 1
        for what in helper_rows(ss, section):
            lay.register(helper_row_name(what, scope.slug), Place(sheet, row, FIRST_COL, lay.n_months))
            row += 1
        rows[sheet] = row + 1


# The hidden helper rows of a section, each read by several series of the scope: what the clients paying in
# both of two consecutive months paid (formulas.KEPT_*), and each month's 10th largest client MRR.
HELPER_LABELS = {
    KEPT_NOW: "MRR now of the clients who paid last month (helper of reactivation and contraction)",
    KEPT_THEN: "Last month's MRR of the clients who pay now (helper of churn)",
    KEPT_COUNT: "Clients paying last month and now (helper of reactivated and churned clients)",
    TOP_THRESHOLD: f"{TOP_N}th largest client MRR (helper of the top {TOP_N} share)",
}


def helper_rows(ss: ScopeSheets, section: str) -> list[str]:
    """Hidden helper rows of a section (see :data:`HELPER_LABELS`)."""
    if section == SECTIONS[0]:
        return [KEPT_NOW, KEPT_THEN]
    if section == CLIENTS:
        return [KEPT_COUNT] + ([TOP_THRESHOLD] if "top10_share" in ss.scope.monthly else [])
    return []


def chart_data(ss: ScopeSheets, section: str) -> list[tuple[str, int]]:
    return [(k, sign) for k, sign in CHART_DATA[section] if k in ss.scope.monthly]


def section_notes(book: Book, ss: ScopeSheets) -> list[str]:
    """The notes under a segment's rows: one per scope rule that leaves the segment without some
    metrics, naming them from the catalog (docs/definitions.md, Scopes and segments), and the line on
    the board rows its page leaves off (:func:`undefined_in_print`)."""
    scope = ss.scope
    if scope.is_total:
        return []
    lacking = [(SM, scope.has_sm), (BURN, scope.has_burn)]
    notes = [scope_note(rule, scope.label) for rule, has in lacking if not has]
    board = [k for section in SECTIONS for k in section_keys(ss, section) if k in SEGMENT_BOARD_ROWS]
    line = not_shown_line(undefined_in_print(book, ss, board), book.layout.n_months, book.settings)
    life = scope.monthly.get("lifetime_months")
    if life is not None and at_lifetime_cap(life[print_window(book.layout.n_months) :], book.settings):
        # the dashboard's rule, for the months this page prints
        cap = book.settings.lifetime_cap_months
        figures = capped_figures("ltv_cac" in scope.monthly)
        notes.append(
            capped_line([scope.label], book.settings, figures, f" where client lifetime shows {cap:g}")
        )
    return notes + ([line] if line else [])


def undefined_in_print(book: Book, ss: ScopeSheets, keys) -> list[str]:
    """The keys whose every printed month (the window of the latest months) is undefined: rows the
    printed page leaves off (tabs.common.left_off)."""
    first = print_window(book.layout.n_months)
    return left_off((k, ss.scope.monthly[k][first:]) for k in keys)


def write(book: Book, ss: ScopeSheets) -> None:
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    refs = ScopeRefs(scope.slug, ss.number_cell, ss.sm_col, ss.burn_col, ss.cash_col)
    done_headers: set[str] = set()
    for section in SECTIONS:
        sheet = ss.monthly[section]
        ws = book.sheet(sheet)
        if sheet not in done_headers:
            done_headers.add(sheet)
            title = f"{section} — Total" if scope.is_total else f"{book.results.split}: {scope.label}"
            sheet_header(book, ws, title)
            if not scope.is_total:
                # A technical index for the formulas, in the hidden auditor columns (not an input).
                ws.write_string(SEGMENT_NUMBER_ROW, 1, "Segment # (Timeline list)", fmt.name)
                ws.write_number(SEGMENT_NUMBER_ROW, 2, scope.number, fmt.calc_int())
            month_header(book, ws, sheet)
            monthly_columns(book, ws)
            ws.freeze_panes(HEADER_ROWS, FIRST_COL, HEADER_ROWS, FIRST_COL + print_window(lay.n_months))
        keys = section_keys(ss, section)
        first_row = lay.place(series_name(keys[0], scope.slug)).row
        blank = undefined_in_print(book, ss, keys) if scope.is_total else []
        section_row(fmt, ws, first_row - 1, section, FIRST_COL + lay.n_months)
        if blank:  # rows with no value in any printed month stay in the workbook, off the page
            # in the band over the printed columns, wrapped there
            first, last = printing.window_columns(book)
            line = not_shown_line(blank, lay.n_months, book.settings)
            band = fmt._get(
                ("section_wrap",),
                bold=True,
                font_color="#FFFFFF",
                bg_color=NAVY,
                text_wrap=True,
                valign="vcenter",
            )
            write_wrapped(ws, first_row - 1, first, last, line, band, MONTH_COL_WIDTH * (last - first + 1))
            for k in blank:
                row = lay.place(series_name(k, scope.slug)).row
                ws.set_row(row, None, None, {"level": 1, "hidden": True})
        f = MonthlyFormulas(lay, refs, sheet)
        for key in keys:
            metric = BY_KEY[key]
            name = series_name(key, scope.slug)
            row = lay.place(name).row
            # the rolling window a month's figure rests on, as the dashboard says it ("CAC payback
            # (months, trailing 3 months)"): a month's CAC is not that month's spend over its clients
            label = kpi_label(key, book.settings)
            write_row_head(ws, fmt, row, label, name, metric.unit, book.settings.currency_symbol.strip())
            bold = key in BOLD_ROWS
            style = fmt.unit(metric.unit, bold)
            values = scope.monthly[key]
            for i in range(lay.n_months):
                ws.write_formula(
                    row, lay.col(i), f.formula(key, i), style, cached(values[i], monthly_marker(key, i))
                )
        if section == UNIT and section_notes_name(scope.slug) in lay.places:
            row = lay.place(section_notes_name(scope.slug)).row
            for k, note in enumerate(section_notes(book, ss)):
                # wrapped in the label column, so that it prints beside any window of months
                ws.write_string(row + k, 0, note, fmt.note_wrap)
                ws.set_row(row + k, 13 * math.ceil(len(note) / 38))
        _write_chart_data(book, ss, ws, sheet, section)
        _write_helper_rows(book, ss, ws, f, section)
    _charts(book, ss)


def _write_helper_rows(book: Book, ss: ScopeSheets, ws, f: MonthlyFormulas, section: str) -> None:
    lay, scope = book.layout, ss.scope
    whats = helper_rows(ss, section)
    if not whats:
        return
    for what in whats:
        row = lay.place(helper_row_name(what, scope.slug)).row
        ws.write_string(row, 0, HELPER_LABELS[what], book.fmt.note)
        ws.set_row(row, None, None, {"level": 1, "hidden": True})
        values = scope.helpers[what]
        if what == TOP_THRESHOLD:
            formula_of = f.top_threshold
        else:
            formula_of = lambda i, what=what: f.kept_formula(what, i)  # noqa: E731
        unit = "count" if what == KEPT_COUNT else BY_KEY["mrr_closing"].unit
        style = book.fmt.unit(unit)
        for i in range(lay.n_months):
            ws.write_formula(row, lay.col(i), formula_of(i), style, cached(values[i]))


def _write_chart_data(book: Book, ss: ScopeSheets, ws, sheet: str, section: str) -> None:
    """The hidden helper rows the charts read (see :data:`CHART_DATA`)."""
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    for key, sign in chart_data(ss, section):
        row = lay.place(chart_data_name(series_name(key, scope.slug))).row
        label = shown_label(BY_KEY[key]) + (" (negative)" if sign < 0 else "")
        ws.write_string(row, 0, f"{label} — chart data, #N/A where undefined", fmt.note)
        ws.set_row(row, None, None, {"level": 1, "hidden": True})
        style = fmt.unit(BY_KEY[key].unit)
        minus = "-" if sign < 0 else ""
        for i, v in enumerate(scope.monthly[key]):
            ref = lay.series_cell(series_name(key, scope.slug), i, sheet)
            ws.write_formula(
                row,
                lay.col(i),
                f"=IF(ISNUMBER({ref}),{minus}{ref},NA())",
                style,
                "#N/A" if math.isnan(v) else sign * float(v),
            )


def _charts(book: Book, ss: ScopeSheets) -> None:
    """Charts under the rows of each monthly tab of the scope."""
    lay, scope = book.layout, ss.scope
    # the months the printed table shows: a chart beside a table covers the same periods
    window = month_window(book, printing.PRINT_MONTHS)
    if not scope.is_total:
        _segment_page(book, ss, window)
        return
    by_sheet: dict[str, list[str]] = {}
    for section in SECTIONS:
        by_sheet.setdefault(ss.monthly[section], []).extend(SECTION_CHARTS[section])
    for sheet, kinds in by_sheet.items():
        table_bottom = max(p.row for p in lay.places.values() if p.sheet == sheet) + 1
        ws = book.sheet(sheet)
        kinds = [k for k in kinds if has_data(book, k, scope.slug, window)]
        made = [monthly_chart(book, kind, scope.slug, window) for kind in kinds]
        if sheet == ss.monthly[SECTIONS[0]]:  # the bridge's page: the quarterly ARR waterfall beside it
            made += [c for c in (waterfall.chart(book),) if c is not None]
        chart_rows = math.ceil(len(made) / 2)
        first = printing.timeline_tab(book, ws, table_bottom, chart_rows)
        for k, chart in enumerate(made):
            chart.set_size({"width": printing.CHART_W, "height": printing.CHART_H})
            ws.insert_chart(
                table_bottom + 2 + (k // 2) * printing.CHART_ROWS_EACH,
                first,
                chart,
                {"x_offset": (k % 2) * (printing.CHART_W + printing.CHART_GAP), "y_offset": 0},
            )


def segment_charts(ss: ScopeSheets) -> list[str]:
    """The charts on a segment's page: growth, retention and, where the segment has its own S&M,
    payback and LTV:CAC (else its paying clients)."""
    return ["bridge", "retention", "payback" if ss.scope.has_sm else "clients"]


def _segment_page(book: Book, ss: ScopeSheets, window) -> None:
    """A segment's tab on one page: the board rows (:data:`SEGMENT_BOARD_ROWS`) under their section
    headings, the notes on absent metrics, and one row of charts under the latest months."""
    lay, scope = book.layout, ss.scope
    sheet = ss.monthly[SECTIONS[0]]  # a segment has all sections on its own tab
    ws = book.sheet(sheet)
    shown: set[int] = set()
    for section in SECTIONS:
        keys = section_keys(ss, section)
        rows = {k: lay.place(series_name(k, scope.slug)).row for k in keys}
        shown.add(rows[keys[0]] - 1)  # the section heading
        blank = set(undefined_in_print(book, ss, keys))  # named in the notes under the rows
        shown.update(r for k, r in rows.items() if k in SEGMENT_BOARD_ROWS and k not in blank)
        notes = lay.places.get(section_notes_name(scope.slug))
        if section == UNIT and notes is not None:
            shown.update(range(notes.row, notes.row + notes.height))
    last = max([p.row + p.height - 1 for p in lay.places.values() if p.sheet == sheet] + list(shown))
    for r in range(HEADER_ROWS, last + 1):
        if r not in shown:
            ws.set_row(r, None, None, {"level": 1, "hidden": True})
    chart_top = last + 2  # a blank row under the table
    kinds = [k for k in segment_charts(ss) if has_data(book, k, scope.slug, window)]
    first, width = printing.one_page_tab(book, ws, chart_top, len(kinds))
    for k, kind in enumerate(kinds):
        chart = monthly_chart(book, kind, scope.slug, window)
        chart.set_size({"width": width, "height": printing.PAGE_CHART_H})
        x = k * (width + printing.CHART_GAP)
        ws.insert_chart(chart_top, first, chart, {"x_offset": x, "y_offset": 0})
