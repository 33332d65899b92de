"""Native Excel charts over named rows of the workbook."""

from __future__ import annotations

import numpy as np

from workbook_gen.definitions import BY_KEY, series_name
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.layout import TIMELINE, TL_DATE

PALETTE = [
    "#1F3864",
    "#2E75B6",
    "#70AD47",
    "#FFC000",
    "#C00000",
    "#7030A0",
    "#ED7D31",
    "#A5A5A5",
    "#5B9BD5",
    "#264478",
    "#9E480E",
    "#636363",
]
SIZE = {"x_scale": 1.45, "y_scale": 1.25}


def month_window(book: Book, last_n: int | None = None) -> tuple[int, int]:
    n = book.layout.n_months
    first = 0 if last_n is None else max(0, n - last_n)
    return first, n - 1


def row_series(book: Book, name: str, label: str, window: tuple[int, int], **extra) -> dict:
    """A chart series over months ``window`` of the named monthly row ``name``."""
    lay = book.layout
    place = lay.place(name)
    a, b = window
    series = {
        "name": label,
        "categories": [TIMELINE, TL_DATE, lay.col(a), TL_DATE, lay.col(b)],
        "values": [place.sheet, place.row, place.col + a, place.row, place.col + b],
    }
    series.update(extra)
    return series


def new_chart(
    book: Book,
    kind: str,
    title: str,
    subtype: str | None = None,
    number_format: str | None = None,
    y_title: str | None = None,
):
    spec = {"type": kind}
    if subtype:
        spec["subtype"] = subtype
    chart = book.wb.add_chart(spec)
    chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    chart.set_legend({"position": "bottom", "font": {"size": 8}})
    chart.set_x_axis(
        {
            "date_axis": False,
            "num_format": "mmm yy",
            "num_font": {"size": 8, "rotation": -45},
            "major_tick_mark": "none",
            "label_position": "low",
        }
    )
    y = {"num_font": {"size": 8}, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    if number_format:
        y["num_format"] = number_format
    if y_title:
        y["name"] = y_title
        y["name_font"] = {"size": 8}
    chart.set_y_axis(y)
    chart.set_size({"width": 620, "height": 300})
    chart.set_chartarea({"border": {"none": True}})
    # Undefined months are #N/A in the chart's helper rows: a gap, never a zero; the helper rows
    # are hidden (they are not for print), so hidden data must still be plotted.
    chart.show_blanks_as("gap")
    chart.show_na_as_empty_cell()
    chart.show_hidden_data()
    return chart


def color(i: int) -> dict:
    return {"color": PALETTE[i % len(PALETTE)]}


def money_format(book: Book) -> str:
    return book.fmt.number_formats["chart_currency"]


def chart_name(key: str, slug: str | None) -> str:
    """The unnamed helper rows that show contraction and churn as negative bars."""
    return f"_chart_{series_name(key, slug)}"


PALETTE_DARK = "#1F3864"
MOVEMENTS = (
    ("mrr_new", "New", False),
    ("mrr_reactivation", "Reactivation", False),
    ("mrr_expansion", "Expansion", False),
    ("mrr_contraction", "Contraction", True),
    ("mrr_churn", "Churn", True),
)


def _movements(book: Book, slug, window, title):
    chart = new_chart(book, "column", title, "stacked", money_format(book))
    for i, (key, label, negative) in enumerate(MOVEMENTS):
        name = chart_name(key, slug) if negative else series_name(key, slug)
        chart.add_series(row_series(book, name, label, window, fill=color(i + 1), gap=40))
    return chart


def _right_line(book: Book, chart, name: str, label: str, window, num_format: str):
    line = new_chart(book, "line", "")
    line.add_series(
        row_series(
            book,
            name,
            f"{label} (right axis)",
            window,
            y2_axis=True,
            line={"color": PALETTE_DARK, "width": 2.25},
        )
    )
    line.set_y2_axis({"num_format": num_format, "num_font": {"size": 8}})
    chart.combine(line)
    return chart


def _lines(book: Book, slug, keys, title: str, num_format: str, window):
    chart = new_chart(book, "line", title, None, num_format)
    for i, key in enumerate(keys):
        chart.add_series(
            row_series(book, series_name(key, slug), BY_KEY[key].label, window, line={**color(i), "width": 2})
        )
    return chart


def _columns(book: Book, slug, key: str, title: str, num_format: str, window):
    chart = new_chart(book, "column", title, None, num_format)
    chart.add_series(
        row_series(book, series_name(key, slug), BY_KEY[key].label, window, fill=color(0), gap=50)
    )
    chart.set_legend({"none": True})
    return chart


# The series whose first defined month starts each chart (earlier months would plot n/a as zero).
CHART_START_KEYS = {
    "bridge": ("mrr_new",),
    "quick_ratio": ("quick_ratio",),
    "arr": ("arr",),
    "clients": ("clients_closing",),
    "arpa": ("arpa",),
    "retention": ("nrr_12m",),
    "payback": ("cac_payback_months", "ltv_cac"),
    "burn_multiple": ("burn_multiple",),
}


def defined_window(book: Book, slug: str | None, keys, window: tuple[int, int]) -> tuple[int, int]:
    """``window`` starting no earlier than the first month in which one of ``keys`` has a value."""
    scope = next(s for s in book.results.scopes if s.slug == slug)
    firsts = [
        int(np.argmax(np.isfinite(v)))
        for k in keys
        if k in scope.monthly
        for v in [scope.monthly[k]]
        if np.isfinite(v).any()
    ]
    start = max(window[0], min(firsts)) if firsts else window[0]
    return min(start, window[1]), window[1]


def monthly_chart(book: Book, kind: str, slug: str | None, window):
    """One of the standard charts of SPEC §6 for a scope, over the months of ``window``."""
    window = defined_window(book, slug, CHART_START_KEYS[kind], window)
    money = money_format(book)
    if kind == "bridge":
        chart = _movements(book, slug, window, "MRR bridge")
        return _right_line(book, chart, series_name("mrr_closing", slug), "Closing MRR", window, money)
    if kind == "quick_ratio":
        chart = _movements(book, slug, window, "Quick ratio: MRR gained vs lost")
        return _right_line(book, chart, series_name("quick_ratio", slug), "Quick ratio", window, "0.0")
    if kind == "arr":
        return _columns(book, slug, "arr", "ARR", money, window)
    if kind == "clients":
        chart = _columns(book, slug, "clients_closing", "Paying clients", "#,##0", window)
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        return chart
    if kind == "arpa":
        return _lines(
            book,
            slug,
            ["arpa", "asp_new", "arpa_churned"],
            "ARPA drivers: ARPA vs new vs churned",
            money,
            window,
        )
    if kind == "retention":
        return _lines(
            book, slug, ["nrr_12m", "grr_12m"], "Net and gross revenue retention (12 months)", "0%", window
        )
    if kind == "payback":
        chart = new_chart(book, "column", "CAC payback (months) and LTV:CAC", None, "0")
        chart.add_series(
            row_series(
                book,
                series_name("cac_payback_months", slug),
                "CAC payback, months",
                window,
                fill=color(1),
                gap=60,
            )
        )
        return _right_line(book, chart, series_name("ltv_cac", slug), "LTV:CAC", window, "0.0")
    if kind == "burn_multiple":
        return _columns(book, slug, "burn_multiple", "Burn multiple (3 months)", "0.0", window)
    raise KeyError(kind)
