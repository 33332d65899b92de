"""Native Excel charts over named rows of the workbook."""

from __future__ import annotations

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
    return chart


def color(i: int) -> dict:
    return {"color": PALETTE[i % len(PALETTE)]}
