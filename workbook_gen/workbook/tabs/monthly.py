"""Monthly series tabs (MRR bridge, Clients & ARPA, Retention, Unit economics).

The total scope has one tab per section; a segment has all sections on its own tab. The same
code writes both: a scope is a loop variable, never a copy.
"""

from __future__ import annotations

import math

from workbook_gen.definitions import BY_KEY, CURRENCY, METRICS, SECTIONS, UNIT, series_name
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, ScopeSheets, cached, undefined_text
from workbook_gen.workbook.charts import chart_name, month_window, monthly_chart
from workbook_gen.workbook.formulas import MonthlyFormulas, ScopeRefs
from workbook_gen.workbook.layout import FIRST_COL, HEADER_ROWS, Place
from workbook_gen.workbook.printing import print_window
from workbook_gen.workbook.tabs.common import (
    month_header,
    monthly_columns,
    section_row,
    sheet_header,
    write_row_head,
)

SEGMENT_NUMBER_ROW = 2
CHART_ROWS = (
    ("mrr_contraction", "Contraction (negative, for the chart)"),
    ("mrr_churn", "Churn (negative, for the chart)"),
)
SECTION_CHARTS = {
    SECTIONS[0]: ("bridge", "arr"),
    SECTIONS[1]: ("clients", "arpa"),
    SECTIONS[2]: ("quick_ratio", "retention"),
    SECTIONS[3]: ("payback", "burn_multiple"),
}
SEGMENT_CHARTS = ("bridge", "clients", "arpa", "retention")


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
        if section == SECTIONS[0]:
            for key, _ in CHART_ROWS:
                lay.register(chart_name(key, scope.slug), Place(sheet, row, FIRST_COL, lay.n_months))
                row += 1
        if section == UNIT and not scope.is_total and not scope.has_sm:
            row += 1  # the note saying why S&M metrics are absent
        rows[sheet] = row + 1


def write(book: Book, ss: ScopeSheets) -> None:
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    refs = ScopeRefs(scope.slug, ss.number_cell, ss.sm_col)
    done_headers: set[str] = set()
    for section in SECTIONS:
        sheet = ss.monthly[section]
        ws = book.sheet(sheet)
        if sheet not in done_headers:
            done_headers.add(sheet)
            title = f"{section} — Total" if scope.is_total else f"{book.results.split}: {scope.label}"
            sheet_header(book, ws, title)
            if not scope.is_total:
                ws.write_string(
                    SEGMENT_NUMBER_ROW,
                    0,
                    f"Segment number (row of {scope.label!r} in the Timeline list)",
                    fmt.label,
                )
                ws.write_number(SEGMENT_NUMBER_ROW, 2, scope.number, fmt.input_unit("int"))
            month_header(book, ws, sheet)
            monthly_columns(book, ws)
            ws.freeze_panes(HEADER_ROWS, FIRST_COL, HEADER_ROWS, FIRST_COL + print_window(lay.n_months))
        keys = section_keys(ss, section)
        first_row = lay.place(series_name(keys[0], scope.slug)).row
        section_row(fmt, ws, first_row - 1, section, FIRST_COL + lay.n_months)
        f = MonthlyFormulas(lay, refs, sheet)
        for key in keys:
            metric = BY_KEY[key]
            name = series_name(key, scope.slug)
            row = lay.place(name).row
            write_row_head(
                ws, fmt, row, metric.label, name, metric.unit, book.settings.currency_symbol.strip()
            )
            bold = key in ("mrr_closing", "arr", "clients_closing")
            style = fmt.unit(metric.unit, bold)
            values = scope.monthly[key]
            for i in range(lay.n_months):
                ws.write_formula(
                    row, lay.col(i), f.formula(key, i), style, cached(values[i], undefined_text(key, i))
                )
        if section == SECTIONS[0]:
            for key, label in CHART_ROWS:
                row = lay.place(chart_name(key, scope.slug)).row
                ws.write_string(row, 0, label, fmt.note)
                ws.set_row(row, None, None, {"level": 1, "hidden": True})
                src = scope.monthly[key]
                for i in range(lay.n_months):
                    ref = lay.series_cell(series_name(key, scope.slug), i, sheet)
                    v = src[i]
                    ws.write_formula(
                        row,
                        lay.col(i),
                        f"=IF(ISNUMBER({ref}),-{ref},0)",
                        fmt.unit(CURRENCY),
                        0.0 if math.isnan(v) else -v,
                    )
        if section == UNIT and not scope.is_total and not scope.has_sm:
            row = lay.place(series_name(keys[-1], scope.slug)).row + 1
            ws.write_string(
                row,
                0,
                f"CAC, CAC payback, LTV:CAC, magic number, burn multiple, FCF margin and Rule of 40 need a column "
                f"headed {scope.label!r} on the S&M sheet: spend is matched to a segment only through its own column.",
                fmt.note,
            )
    _charts(book, ss)


def _charts(book: Book, ss: ScopeSheets) -> None:
    """Charts under the rows of each monthly tab of the scope."""
    lay, scope = book.layout, ss.scope
    window = month_window(book)
    by_sheet: dict[str, list[str]] = {}
    for section in SECTIONS:
        sheet = ss.monthly[section]
        if scope.is_total:
            by_sheet.setdefault(sheet, []).extend(SECTION_CHARTS[section])
        else:
            by_sheet[sheet] = list(SEGMENT_CHARTS) + (["payback"] if scope.has_sm else [])
    for sheet, kinds in by_sheet.items():
        table_bottom = max(p.row for p in lay.places.values() if p.sheet == sheet) + 1
        ws = book.sheet(sheet)
        chart_rows = math.ceil(len(kinds) / 2)
        first = printing.timeline_tab(book, ws, table_bottom, chart_rows)
        for k, kind in enumerate(kinds):
            chart = monthly_chart(book, kind, scope.slug, window)
            chart.set_size({"width": printing.CHART_W, "height": printing.CHART_H})
            ws.insert_chart(
                table_bottom + 2 + (k // 2) * printing.CHART_ROWS_EACH,
                first,
                chart,
                {"x_offset": (k % 2) * (printing.CHART_W + printing.CHART_GAP), "y_offset": 0},
            )
