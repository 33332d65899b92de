"""Segments side by side: latest and trailing-twelve-month KPIs, ARR and NRR by segment."""

from __future__ import annotations

import numpy as np

from workbook_gen.definitions import COUNT, CURRENCY, MONTHS, PCT, RATIO, series_name
from workbook_gen.metrics.monthly import ratio
from workbook_gen.workbook.book import Book, cached
from workbook_gen.workbook.charts import (
    color,
    defined_window,
    floor_axis,
    money_format,
    month_window,
    new_chart,
    row_series,
    scope_values,
)
from workbook_gen.workbook.formulas import latest
from workbook_gen.workbook.tabs.common import sheet_header, t12_slice, t12_sum

SHEET = "Segments"
TOP = 4

# (label, unit, kind, keys): "latest" reads the last month of a series; "t12" divides sums of the
# last twelve months (from month 2 at the earliest).
ROWS = (
    ("ARR (latest)", CURRENCY, "latest", ("arr",)),
    ("Share of total ARR", PCT, "share", ("arr",)),
    ("Closing clients (latest)", COUNT, "latest", ("clients_closing",)),
    ("ARR growth YoY (latest)", PCT, "latest", ("arr_growth_yoy",)),
    ("NRR 12m (latest)", PCT, "latest", ("nrr_12m",)),
    ("GRR 12m (latest)", PCT, "latest", ("grr_12m",)),
    ("ARPA (latest)", CURRENCY, "latest", ("arpa",)),
    ("ASP of new clients (T12M)", CURRENCY, "t12", ("mrr_new", "clients_new")),
    ("Quick ratio (T12M)", RATIO, "t12_qr", ()),
    ("Logo churn per month (T12M)", PCT, "t12", ("clients_churned", "clients_opening")),
    ("LTV (latest)", CURRENCY, "latest", ("ltv",)),
    ("Client lifetime (latest)", MONTHS, "latest", ("lifetime_months",)),
    ("CAC payback (latest)", MONTHS, "latest", ("cac_payback_months",)),
    ("LTV:CAC (latest)", RATIO, "latest", ("ltv_cac",)),
)


def write(book: Book) -> None:
    fmt, res = book.fmt, book.results
    ws = book.sheet(SHEET)
    sheet_header(book, ws, f"Segments side by side — by {res.split}")
    ws.write_string(
        2,
        0,
        "T12M: sums over the last twelve months (from month 2), then divided — not an average of "
        "monthly ratios.",
        fmt.note,
    )
    scopes = res.scopes
    ws.write_string(TOP - 1, 0, "KPI", fmt.header_left)
    for j, scope in enumerate(scopes):
        ws.write_string(TOP - 1, 1 + j, scope.label, fmt.header)
    n = len(res.months)
    w = t12_slice(n)
    for r, (label, unit, kind, keys) in enumerate(ROWS):
        row = TOP + r
        ws.write_string(row, 0, label, fmt.label)
        for j, scope in enumerate(scopes):
            m = scope.monthly
            nm = [series_name(k, scope.slug) for k in keys]
            if kind == "latest" and keys[0] not in m:
                formula = '="n/a"'  # an S&M-based metric of a segment without its own S&M column
                value = np.nan
            elif kind == "latest":
                formula = f"={latest(nm[0])}"
                value = m[keys[0]][-1]
            elif kind == "share":
                formula = f'=IF({latest("arr")}=0,"n/a",{latest(nm[0])}/{latest("arr")})'
                value = ratio(m["arr"][-1], res.total.monthly["arr"][-1])
            elif kind == "t12":
                formula = f'=IF(COUNT(months)<2,"n/a",IF({t12_sum(nm[1])}=0,"n/a",{t12_sum(nm[0])}/{t12_sum(nm[1])}))'
                value = ratio(np.sum(m[keys[0]][w]), np.sum(m[keys[1]][w])) if n > 1 else np.nan
            else:
                gained = "+".join(
                    t12_sum(series_name(k, scope.slug))
                    for k in ("mrr_new", "mrr_reactivation", "mrr_expansion")
                )
                lost = "+".join(t12_sum(series_name(k, scope.slug)) for k in ("mrr_contraction", "mrr_churn"))
                formula = f'=IF(COUNT(months)<2,"n/a",IF(({lost})=0,"n/a",({gained})/({lost})))'
                g = sum(np.sum(m[k][w]) for k in ("mrr_new", "mrr_reactivation", "mrr_expansion"))
                lo = sum(np.sum(m[k][w]) for k in ("mrr_contraction", "mrr_churn"))
                value = ratio(g, lo) if n > 1 else np.nan
            ws.write_formula(row, 1 + j, formula, fmt.unit(unit), cached(value))
    ws.set_column(0, 0, 30)
    ws.set_column(1, len(scopes), 16)
    top = TOP + len(ROWS) + 2
    window = month_window(book, 24)
    arr = new_chart(
        book, "column", f"ARR by segment ({book.settings.currency})", "stacked", money_format(book)
    )
    for j, scope in enumerate(res.segment_scopes()):
        arr.add_series(
            row_series(book, series_name("arr", scope.slug), scope.label, window, fill=color(j + 1), gap=40)
        )
    nrr = new_chart(book, "line", "NRR, 12 months, by segment (%)", None, "0%")
    window = defined_window(book, None, ("nrr_12m",), window)
    for j, scope in enumerate(scopes):
        nrr.add_series(
            row_series(
                book, series_name("nrr_12m", scope.slug), scope.label, window, line={**color(j), "width": 2}
            )
        )
    floor_axis(nrr, np.concatenate([scope_values(book, s.slug, "nrr_12m", window) for s in scopes]))
    ws.insert_chart(top, 0, arr, {"x_offset": 5})
    # beside the first chart, whatever the column widths (from column E it overlapped the ARR chart)
    ws.insert_chart(top, 0, nrr, {"x_offset": 5 + arr.width + 20})
    book.print_setup(ws)
