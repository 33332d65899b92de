"""Dashboard: the latest month's KPIs against benchmarks, and the main charts."""

from __future__ import annotations

import math

from workbook_gen.definitions import BY_KEY, COUNT, CURRENCY, PCT, series_name
from workbook_gen.workbook.book import Book, cached
from workbook_gen.workbook.charts import color, month_window, new_chart, row_series
from workbook_gen.workbook.tabs.monthly import chart_name

SHEET = "Dashboard"
KPIS = (
    "arr",
    "mrr_growth_mom",
    "arr_growth_yoy",
    "clients_closing",
    "arpa",
    "quick_ratio_3m",
    "logo_churn_rate",
    "nrr_12m",
    "grr_12m",
    "cac",
    "cac_payback_months",
    "ltv",
    "ltv_cac",
    "magic_number",
    "burn_multiple",
    "rule_of_40",
)
TABLE_TOP = 5
COLS = ("Metric", "Latest", "Previous month", "Change", "12 months ago", "Benchmark", "Good at", "OK at")


def _money(book: Book) -> str:
    return book.fmt.number_formats[CURRENCY]


def write(book: Book) -> None:
    fmt, res = book.fmt, book.results
    ws = book.sheet(SHEET)
    ws.write_string(0, 0, f"{book.company} — SaaS metrics dashboard", fmt.title)
    ws.write_string(
        1, 0, f"{book.period_text} · {book.settings.currency} · every figure is a live formula", fmt.subtitle
    )
    ws.write_string(3, 0, "Latest month", fmt.label_bold)
    t = len(res.months)
    last = res.months[-1]
    ws.write_formula(
        3,
        1,
        "=INDEX(months,COUNT(months))",
        book.wb.add_format({"num_format": "mmmm yyyy", "bold": True}),
        float((last - last.__class__(1899, 12, 30)).days),
    )
    for c, h in enumerate(COLS):
        ws.write_string(TABLE_TOP - 1, c, h, fmt.header if c else fmt.header_left)
    monthly = res.total.monthly
    for r, key in enumerate(k for k in KPIS if k in monthly):
        row = TABLE_TOP + r
        m = BY_KEY[key]
        values = monthly[key]
        ws.write_string(row, 0, m.label, fmt.label)
        style = fmt.kpi(m.unit)
        undefined = "n/m" if key == "burn_multiple" else "n/a"
        ws.write_formula(row, 1, f"=INDEX({key},COUNT(months))", style, cached(values[-1], undefined))
        prev = values[-2] if t > 1 else math.nan
        ws.write_formula(
            row,
            2,
            f'=IF(COUNT(months)>1,INDEX({key},COUNT(months)-1),"n/a")',
            fmt.unit(m.unit),
            cached(prev, undefined if t > 4 else "n/a"),
        )
        change = values[-1] - prev if t > 1 else math.nan
        change_unit = PCT if m.unit == PCT else m.unit
        b, c = f"B{row + 1}", f"C{row + 1}"
        ws.write_formula(
            row,
            3,
            f'=IF(AND(ISNUMBER({b}),ISNUMBER({c})),{b}-{c},"n/a")',
            fmt.unit(change_unit),
            cached(change),
        )
        ago = values[-13] if t > 12 else math.nan
        ws.write_formula(
            row,
            4,
            f'=IF(COUNT(months)>12,INDEX({key},COUNT(months)-12),"n/a")',
            fmt.unit(m.unit),
            cached(ago, undefined if t > 15 else "n/a"),
        )
        bench = m.benchmark
        if bench:
            ws.write_string(row, 5, bench.text, fmt.note)
            ws.write_number(row, 6, bench.good, fmt.input_unit(m.unit if m.unit != COUNT else "int"))
            ws.write_number(row, 7, bench.ok, fmt.input_unit(m.unit if m.unit != COUNT else "int"))
            g, o = f"$G{row + 1}", f"$H{row + 1}"
            cmp = ">=" if bench.higher else "<="
            cell = f"B{row + 1}"
            ws.conditional_format(
                row,
                1,
                row,
                1,
                {
                    "type": "formula",
                    "criteria": f"=AND(ISNUMBER({cell}),{cell}{cmp}{g})",
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
                    "criteria": f"=AND(ISNUMBER({cell}),{cell}{cmp}{o})",
                    "format": fmt.okay,
                    "stop_if_true": True,
                },
            )
            ws.conditional_format(
                row, 1, row, 1, {"type": "formula", "criteria": f"=ISNUMBER({cell})", "format": fmt.bad}
            )
    n_rows = sum(1 for k in KPIS if k in monthly)
    note_row = TABLE_TOP + n_rows + 1
    ws.write_string(
        note_row,
        0,
        "Colours: green meets the 'good' benchmark, amber the 'OK' one, red neither. "
        "Benchmarks are common rules of thumb (see Glossary); the thresholds are inputs you can change.",
        fmt.note,
    )
    ws.set_column(0, 0, 30)
    ws.set_column(1, 4, 15)
    ws.set_column(5, 5, 44)
    ws.set_column(6, 7, 9)
    ws.set_column(8, 20, 10)
    _charts(book, ws, note_row + 2)
    book.print_setup(ws)
    ws.fit_to_pages(1, 0)


def _charts(book: Book, ws, top: int) -> None:
    window = month_window(book, 24)
    money = _money(book)
    charts = [
        bridge_chart(book, None, window),
        _single(book, "arr", "ARR", "column", money, window),
        _quick_ratio(book, window),
        _lines(book, ["nrr_12m", "grr_12m"], "Net and gross revenue retention (12 months)", "0%", window),
        _payback(book, window),
        _single(book, "burn_multiple", "Burn multiple (3 months)", "column", "0.0", window),
    ]
    for k, chart in enumerate(charts):
        ws.insert_chart(top + (k // 2) * 16, (k % 2) * 5, chart, {"x_offset": 5, "y_offset": 5})


def bridge_chart(book: Book, slug: str | None, window, title: str = "MRR bridge"):
    chart = new_chart(book, "column", title, "stacked", _money(book))
    for i, (key, label) in enumerate(
        (("mrr_new", "New"), ("mrr_reactivation", "Reactivation"), ("mrr_expansion", "Expansion"))
    ):
        chart.add_series(row_series(book, series_name(key, slug), label, window, fill=color(i + 1), gap=40))
    chart.add_series(
        row_series(book, chart_name("mrr_contraction", slug), "Contraction", window, fill=color(3))
    )
    chart.add_series(row_series(book, chart_name("mrr_churn", slug), "Churn", window, fill=color(4)))
    line = new_chart(book, "line", title)
    line.add_series(
        row_series(
            book,
            series_name("mrr_closing", slug),
            "Closing MRR (right axis)",
            window,
            y2_axis=True,
            line={"color": PALETTE_DARK, "width": 2.25},
        )
    )
    chart.combine(line)
    line.set_y2_axis({"num_format": _money(book), "num_font": {"size": 8}})
    return chart


PALETTE_DARK = "#1F3864"


def _single(book: Book, key: str, title: str, kind: str, num_format: str, window):
    chart = new_chart(book, kind, title, None, num_format)
    chart.add_series(
        row_series(
            book,
            key,
            BY_KEY[key].label,
            window,
            **({"fill": color(0)} if kind == "column" else {"line": color(0)}),
        )
    )
    chart.set_legend({"none": True})
    return chart


def _lines(book: Book, keys, title: str, num_format: str, window):
    chart = new_chart(book, "line", title, None, num_format)
    for i, key in enumerate(keys):
        chart.add_series(row_series(book, key, BY_KEY[key].label, window, line={**color(i), "width": 2}))
    return chart


def _quick_ratio(book: Book, window):
    chart = new_chart(book, "column", "Quick ratio: MRR gained vs lost", "stacked", _money(book))
    for i, (name, label) in enumerate(
        (
            ("mrr_new", "New"),
            ("mrr_reactivation", "Reactivation"),
            ("mrr_expansion", "Expansion"),
            (chart_name("mrr_contraction", None), "Contraction"),
            (chart_name("mrr_churn", None), "Churn"),
        )
    ):
        chart.add_series(row_series(book, name, label, window, fill=color(i + 1), gap=40))
    line = new_chart(book, "line", "")
    line.add_series(
        row_series(
            book,
            "quick_ratio",
            "Quick ratio (right axis)",
            window,
            y2_axis=True,
            line={"color": PALETTE_DARK, "width": 2.25},
        )
    )
    line.set_y2_axis({"num_format": "0.0", "num_font": {"size": 8}})
    chart.combine(line)
    return chart


def _payback(book: Book, window):
    chart = new_chart(book, "column", "CAC payback (months) and LTV:CAC", None, "0")
    chart.add_series(
        row_series(book, "cac_payback_months", "CAC payback, months", window, fill=color(1), gap=60)
    )
    line = new_chart(book, "line", "")
    line.add_series(
        row_series(
            book,
            "ltv_cac",
            "LTV:CAC (right axis)",
            window,
            y2_axis=True,
            line={"color": PALETTE_DARK, "width": 2.25},
        )
    )
    line.set_y2_axis({"num_format": "0.0", "num_font": {"size": 8}})
    chart.combine(line)
    return chart
