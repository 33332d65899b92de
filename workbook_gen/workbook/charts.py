"""Native Excel charts over named rows of the workbook."""

from __future__ import annotations

import math
import re

import numpy as np

from workbook_gen.definitions import BY_KEY, LOSSES, MOVEMENTS, metric_keys, metric_rows, shown_label
from workbook_gen.names import chart_data_name, series_name
from workbook_gen.text import inert_name
from workbook_gen.workbook import formats
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.layout import TIMELINE, TL_DATE

# Series colours: blues, teals, purples, pink, brown and greys, never the green / amber / red that
# mark a KPI's status (formats.py). Neighbours differ in hue, so that
# the first few series of any chart are told apart at a glance (tests/test_pack_charts.py).
PALETTE = [
    "#1F3864",  # navy
    "#2E75B6",  # blue
    "#1B9AAA",  # teal
    "#7030A0",  # purple
    "#7F7F7F",  # grey
    "#CC79A7",  # pink
    "#9DC3E6",  # light blue
    "#8C564B",  # brown
    "#B4A7D6",  # lavender
    "#3F3F3F",  # dark grey
    "#0B5563",  # dark teal
    "#BFBFBF",  # light grey
]
STATUS_COLOURS = (
    "#70AD47",
    "#FFC000",
    "#C00000",
    "#00B050",
    "#FF0000",
    "#FFFF00",
    "#ED7D31",
    *(formats.GOOD, formats.OK, formats.BAD, formats.GOOD_FONT, formats.OK_FONT, formats.BAD_FONT),
)
SIZE = {"x_scale": 1.45, "y_scale": 1.25}


def month_window(book: Book, last_n: int | None = None) -> tuple[int, int]:
    n = book.layout.n_months
    first = 0 if last_n is None else max(0, n - last_n)
    return first, n - 1


def row_series(book: Book, name: str, label: str, window: tuple[int, int], **extra) -> dict:
    """A chart series over months ``window`` of the named monthly row ``name``."""
    lay = book.layout
    # A series with a chart-data helper row (numbers, #N/A where undefined) is drawn from it.
    place = lay.places.get(chart_data_name(name)) or lay.place(name)
    a, b = window
    series = {
        "name": inert_name(label),
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
    chart.set_title({"name": inert_name(title), "name_font": {"size": 11, "bold": True}})
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
        y["name"] = inert_name(y_title)
        y["name_font"] = {"size": 8}
    chart.set_y_axis(y)
    chart.wbg_y = y  # kept so that axis limits can be added later without losing the style
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


def money_format(book: Book, top: float | None = None) -> str:
    """An axis format for amounts up to ``top`` in size: in millions from 1m ($4.5m), in thousands
    from 10k ($250k), else whole units."""
    sym = book.settings.currency_symbol.replace('"', "")
    size = abs(top) if top is not None and math.isfinite(top) else 0.0
    if size >= 1e6:
        body = '#,##0.0,,"m"'
    elif size >= 1e4:
        body = '#,##0,"k"'
    else:
        return book.fmt.number_formats["chart_currency"]
    return f'"{sym}"{body};-"{sym}"{body}'


def largest(values) -> float:
    """The largest size among ``values`` (NaN ignored; 0 when there is none)."""
    v = np.abs(np.asarray(values, dtype=float))
    v = v[np.isfinite(v)]
    return float(v.max()) if v.size else 0.0


PALETTE_DARK = "#1F3864"
# The bridge's movements as the charts draw them: (key, legend, drawn below the axis, colour). Each
# its own hue (gains blue, teal and lavender; losses light and mid grey), none the closing line's navy.
MOVEMENT_SERIES = metric_rows(
    (key, legend, key in LOSSES, colour)
    for key, legend, colour in zip(
        MOVEMENTS,
        ("New", "Reactivation", "Expansion", "Contraction", "Churn"),
        ("#2E75B6", "#1B9AAA", "#B4A7D6", "#BFBFBF", "#7F7F7F"),
        strict=True,
    )
)


def set_y_limits(chart, low: float | None = None, high: float | None = None) -> None:
    y = dict(chart.wbg_y)
    if low is not None:
        y["min"] = low
    if high is not None:
        y["max"] = high
    chart.set_y_axis(y)
    chart.wbg_y = y


STEPS = (1, 2, 2.5, 5, 10)  # round steps of an axis
TOPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)  # round tops of a clipped axis, close to the data


def nice_ceiling(x: float, ladder=STEPS) -> float:
    """The smallest of ``ladder`` (1, 2, 2.5, 5) × a power of ten that is ≥ ``x`` (0 for x ≤ 0)."""
    if not x > 0:
        return 0.0
    mag = 10.0 ** math.floor(math.log10(x))
    return next(m * mag for m in ladder if m * mag >= x * (1 - 1e-12))


def scope_values(book: Book, slug, key: str, window) -> np.ndarray:
    scope = next(s for s in book.results.scopes if s.slug == slug)
    v = scope.monthly.get(key)
    if v is None:
        return np.array([])
    v = v[window[0] : window[1] + 1]
    return v[np.isfinite(v)]


def _movement_range(book: Book, slug, window) -> tuple[float, float]:
    scope = next(s for s in book.results.scopes if s.slug == slug)
    a, b = window[0], window[1] + 1
    up = sum(np.nan_to_num(scope.monthly[k][a:b]) for k, _, neg, _ in MOVEMENT_SERIES if not neg)
    down = sum(np.nan_to_num(scope.monthly[k][a:b]) for k, _, neg, _ in MOVEMENT_SERIES if neg)
    return -float(np.max(down, initial=0.0)), float(np.max(up, initial=0.0))


def _movements(book: Book, slug, window, title):
    low, high = _movement_range(book, slug, window)
    chart = new_chart(book, "column", title, "stacked", money_format(book, max(high, -low)))
    for key, label, _negative, colour in MOVEMENT_SERIES:
        chart.add_series(
            row_series(book, series_name(key, slug), label, window, fill={"color": colour}, gap=40)
        )
    movement_axis(chart, low, high)
    return chart


def movement_axis(chart, low: float, high: float) -> None:
    """Left axis from ``low`` (≤ 0) to ``high`` in round steps; remembered for :func:`right_axis`."""
    step = nice_ceiling(max(high, -low) / 4) or 1.0
    down, up = math.ceil(-low / step - 1e-9), max(1, math.ceil(high / step - 1e-9))
    chart.wbg_range = (-down * step, up * step)
    chart.wbg_steps = (down, up)
    set_y_limits(chart, *chart.wbg_range)
    chart.wbg_y["major_unit"] = step
    chart.set_y_axis(chart.wbg_y)


def right_axis(chart, top: float, num_format: str) -> dict:
    """Options of a right axis up to ``top`` whose zero and gridlines are the left axis' ones."""
    y2 = {"num_format": num_format, "num_font": {"size": 8}, "min": 0}
    down, up = getattr(chart, "wbg_steps", (0, 0))
    if top > 0 and up:
        step = nice_ceiling(top / up)
        y2.update({"min": -down * step, "max": up * step, "major_unit": step})
        if down:
            y2["num_format"] = _no_negatives(num_format)
    elif top > 0:
        y2["max"] = nice_ceiling(top)
    return y2


def _no_negatives(num_format: str) -> str:
    """A format that leaves negative axis labels blank (the right axis below a shared zero line)."""
    return f"{num_format.split(';')[0]};;0"


def _right_line(book: Book, chart, slug, key: str, label: str, window, num_format: str, clip: bool = False):
    """A line of ``key`` on the right axis. Where the left axis goes below zero, the right axis
    gets the same share of its height below zero, so both share one zero line. With ``clip`` (a
    ratio or multiple), an outlier does not set the right axis (:func:`clip_axis`)."""
    values = scope_values_all(book, slug, key, window)
    finite = values[np.isfinite(values)]
    top = clip_top(values) if clip else None
    y2 = right_axis(
        chart, top if top is not None else (float(np.max(finite)) if finite.size else 0.0), num_format
    )
    line = new_chart(book, "line", "")
    line.add_series(
        row_series(
            book,
            series_name(key, slug),
            clip_name(f"{label} (right axis)", values, y2.get("max"), num_format, month_labels(book, window)),
            window,
            y2_axis=True,
            line={"color": PALETTE_DARK, "width": 2.25},
        )
    )
    line.set_y2_axis(y2)
    chart.combine(line)
    return chart


def _lines(book: Book, slug, keys, title: str, num_format: str, window, clip: bool = False):
    """One line per key; with ``clip`` (ratios), an outlier does not set the axis (:func:`clip_axis`)."""
    chart = new_chart(book, "line", title, None, num_format)
    values = {key: scope_values_all(book, slug, key, window) for key in keys}
    top = clip_axis(chart, list(values.values()), low=None) if clip else None
    for i, key in enumerate(keys):
        chart.add_series(
            row_series(
                book,
                series_name(key, slug),
                clip_name(shown_label(BY_KEY[key]), values[key], top, num_format, month_labels(book, window)),
                window,
                line={**color(i), "width": 2},
            )
        )
    return chart


def _columns(book: Book, slug, key: str, title: str, num_format: str, window, clip: bool = False):
    """One column series; with ``clip`` (a ratio or multiple), an outlier does not set the axis
    (:func:`clip_axis`)."""
    chart = new_chart(book, "column", title, None, num_format)
    values = scope_values_all(book, slug, key, window)
    top = clip_axis(chart, [values]) if clip else None
    chart.add_series(
        row_series(
            book,
            series_name(key, slug),
            shown_label(BY_KEY[key]),
            window,
            fill=color(0),
            gap=50,
            **clip_labels(values, top, num_format),
        )
    )
    chart.set_legend({"none": True})
    return chart


def month_labels(book: Book, window) -> list[str]:
    """The category label of each month of ``window``, as the chart axes show it ("Mar 25")."""
    return [f"{m:%b %y}" for m in book.results.months[window[0] : window[1] + 1]]


def scope_values_all(book: Book, slug, key: str, window) -> np.ndarray:
    """The months of ``window`` of a scope's series, NaN where undefined (one value per point)."""
    scope = next(s for s in book.results.scopes if s.slug == slug)
    v = scope.monthly.get(key)
    return np.array([]) if v is None else np.asarray(v[window[0] : window[1] + 1], dtype=float)


OUTLIER_FENCE = 3.0  # interquartile ranges above the upper quartile: beyond it a value is far out
OUTLIER_HEADROOM = 1.15
OUTLIER_GAIN = 0.8  # clip only where the axis then ends below 80 % of the largest value
OUTLIER_MEDIANS = 5.0  # times the median: far out however few the points (three quarters of a young company)


def typical_top(values) -> float | None:
    """The top of a value axis that follows the typical values, or None when no value is far out:
    with an outlier (above the upper quartile by more than :data:`OUTLIER_FENCE` interquartile
    ranges and at least twice the upper quartile, or more than :data:`OUTLIER_MEDIANS` times the
    median: among three or four points one outlier drags the upper quartile along), the axis
    reaches a little above the largest value that is not one, rounded up to a round top
    (:data:`TOPS`), unless that top is close to the largest value anyway (:data:`OUTLIER_GAIN`).
    Outliers found, the rule looks again at the values left (up to a third of the points in all):
    two far-out points together widen the quartiles so that the second passes for typical (a young
    company's first quick ratios, 83.5 and 65.2, beside 7 to 24) and would hold the axis up."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 3:
        return None
    far = _far_out(v)
    if not far.any():
        return None
    while (~far).sum() >= 3:
        more = np.zeros_like(far)
        more[~far] = _far_out(v[~far])
        if not more.any() or (far | more).sum() > v.size // 3:
            break
        far |= more
    top = nice_ceiling(float(v[~far].max()) * OUTLIER_HEADROOM, TOPS)
    return top if top < OUTLIER_GAIN * float(v.max()) else None  # else clipping would gain little


def _far_out(v: np.ndarray) -> np.ndarray:
    """Which of the finite values ``v`` (three or more) are far out (:func:`typical_top`)."""
    q1, median, q3 = np.percentile(v, [25, 50, 75])
    if q3 <= 0:
        return np.zeros(v.shape, bool)
    fence = q3 + OUTLIER_FENCE * (q3 - q1)
    return (v > max(fence, 2 * q3)) | ((median > 0) & (v > OUTLIER_MEDIANS * median))


def clip_top(*series) -> float | None:
    """The one outlier rule of every ratio or multiple chart: the top of a value axis over all the
    ``series`` drawn on it (arrays of their points, NaN where undefined) that follows their typical
    values (:func:`typical_top`), or None when no point is far out."""
    parts = [np.asarray(s, dtype=float).ravel() for s in series]
    return typical_top(np.concatenate(parts)) if parts else None


def clip_axis(chart, series, low: float | None = 0.0) -> float | None:
    """Clip the left value axis of ``chart`` at :func:`clip_top` of ``series`` (a list of arrays of
    the points of each series on that axis), from ``low`` or the lowest point when it is below it
    (``low`` None: the bottom is left as it is); returns that top (None: the axis is left as it
    was). A point beyond it is drawn clipped: give its series :func:`clip_labels`."""
    top = clip_top(*series)
    if top is not None and low is None:
        set_y_limits(chart, None, top)
    elif top is not None:
        every = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
        lowest = float(np.nanmin(every)) if np.isfinite(every).any() else 0.0
        set_y_limits(chart, min(low, lowest), top)
    return top


def beyond(values, top: float | None) -> np.ndarray:
    """Which points of ``values`` are above an axis top ``top`` (none when it is None)."""
    v = np.asarray(values, dtype=float)
    return np.zeros(v.shape, bool) if top is None else np.isfinite(v) & (v > top)


def clip_labels(values, top: float | None, num_format: str) -> dict:
    """Options of a column series that label each column drawn clipped at an axis top ``top`` with
    its true value (nothing when ``top`` is None or no point is beyond it)."""
    if not beyond(values, top).any():
        return {}
    return {"data_labels": clipped_labels(np.asarray(values, dtype=float), top, num_format)}


def clip_name(name: str, values, top: float | None, num_format: str, categories) -> str:
    """The legend name of a line whose points beyond an axis top ``top`` leave the plot at its top
    edge, with the true value of each such point ("Quick ratio, 2024 Q1 9.0 ↑").
    A line's label of a point beyond the axis is not drawn by the spreadsheets, so the legend says it.
    ``categories``: the label of each point."""
    far = beyond(values, top)
    if not far.any():
        return name
    v = np.asarray(values, dtype=float)
    return ", ".join(
        [name] + [f"{categories[i]} {_label(float(v[i]), num_format)}" for i in np.flatnonzero(far)]
    )


def clipped_labels(values, top: float, num_format: str) -> dict:
    """Data labels that print the value of each point drawn clipped at ``top``, and nothing else.
    Where two clipped columns stand side by side, their labels (wider than a column of a two-year
    chart) would print over each other: then every label runs up its column instead."""
    far = beyond(values, top)
    font, arrow = {"size": 8, "bold": True}, "↑"
    if (far[1:] & far[:-1]).any():
        # turned a quarter left, white inside the dark column; its arrow turns with it, so "→" points up
        font.update({"rotation": -90, "color": "#FFFFFF"})
        arrow = "→"
    custom = []
    for x, out in zip(values, far, strict=True):
        text = _label(float(x), num_format).replace("↑", arrow)
        custom.append({"value": text, "font": dict(font)} if out else {"delete": True})
    return {"value": True, "position": "inside_end", "custom": custom}


def _label(x: float, num_format: str) -> str:
    """``x`` as the axis format shows it (decimals and per cent), marked as beyond the axis."""
    first = num_format.split(";")[0]
    decimals = len(re.search(r"\.(0*)", first)[1]) if "." in first else 0
    text = f"{x * 100:,.{decimals}f}%" if "%" in first else f"{x:,.{decimals}f}"
    return f"{text} ↑"


# The series whose first defined month starts each chart (earlier months would plot n/a as zero).
CHART_START_KEYS = {
    "bridge": metric_keys(MOVEMENTS[0]),
    "quick_ratio": metric_keys("quick_ratio_3m"),
    "arr": metric_keys("arr"),
    "clients": metric_keys("clients_closing"),
    "arpa": metric_keys("arpa"),
    "retention": metric_keys("nrr_12m"),
    "payback": metric_keys("cac_payback_months", "ltv_cac"),
    "burn_multiple": metric_keys("burn_multiple"),
}


def chart_kinds(*kinds: str) -> tuple[str, ...]:
    """A list of the standard charts a tab draws (monthly_chart's kinds), checked where it is declared."""
    unknown = [k for k in kinds if k not in CHART_START_KEYS]
    if unknown:
        raise ValueError(f"not chart kinds: {', '.join(map(repr, unknown))}")
    return kinds


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


def _floor_axis(chart, book: Book, slug, keys, window, step: float = 0.1) -> None:
    floor_axis(chart, np.concatenate([scope_values(book, slug, k, window) for k in keys]), step)


def floor_axis(chart, values: np.ndarray, step: float = 0.1) -> None:
    """Start the value axis a step below the lowest value instead of at zero (NRR, GRR)."""
    if values.size and float(np.min(values)) > step:
        set_y_limits(chart, math.floor(float(np.min(values)) / step) * step - step)


def has_data(book: Book, kind: str, slug: str | None, window) -> bool:
    """Whether the chart would draw anything over ``window`` (an empty chart is not printed)."""
    return any(scope_values(book, slug, k, window).size for k in CHART_START_KEYS[kind])


def monthly_chart(book: Book, kind: str, slug: str | None, window):
    """One of the standard charts for a scope, over the months of ``window``. Every
    title names its unit."""
    window = defined_window(book, slug, CHART_START_KEYS[kind], window)
    cur = book.settings.currency
    if kind == "bridge":
        chart = _movements(book, slug, window, f"MRR bridge ({cur})")
        top = largest(scope_values(book, slug, "mrr_closing", window))
        return _right_line(book, chart, slug, "mrr_closing", "Closing MRR", window, money_format(book, top))
    if kind == "quick_ratio":
        chart = _movements(book, slug, window, f"MRR drivers ({cur}) & quick ratio (3 months, x)")
        return _right_line(
            book, chart, slug, "quick_ratio_3m", "Quick ratio, 3 months", window, "0.0", clip=True
        )
    if kind == "arr":
        money = money_format(book, largest(scope_values(book, slug, "arr", window)))
        return _columns(book, slug, "arr", f"ARR ({cur})", money, window)
    if kind == "clients":
        chart = _columns(book, slug, "clients_closing", "Paying clients (#)", "#,##0", window)
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        return chart
    if kind == "arpa":
        keys = metric_keys("arpa", "asp_new", "arpa_churned", "arpa_expanded", "arpa_contracted")
        top = largest(np.concatenate([scope_values(book, slug, k, window) for k in keys]))
        return _lines(
            book, slug, keys, f"ARPA by group ({cur} MRR per client)", money_format(book, top), window
        )
    if kind == "retention":
        keys = metric_keys("nrr_12m", "grr_12m")
        chart = _lines(book, slug, keys, "Net and gross revenue retention, 12 months (%)", "0%", window, True)
        _floor_axis(chart, book, slug, keys, window)
        return chart
    if kind == "payback":
        # LTV:CAC needs a year more history than CAC payback: until it has a value, no empty line and
        # no right axis of nothing
        with_ltv = scope_values(book, slug, "ltv_cac", window).size > 0
        title = "CAC payback (months) and LTV:CAC (x)" if with_ltv else "CAC payback (months)"
        chart = new_chart(book, "column", title, None, "0")
        payback = scope_values_all(book, slug, "cac_payback_months", window)
        top = clip_axis(chart, [payback])
        chart.add_series(
            row_series(
                book,
                series_name("cac_payback_months", slug),
                "CAC payback, months",
                window,
                fill=color(1),
                gap=60,
                **clip_labels(payback, top, "0"),
            )
        )
        if top is None:
            set_y_limits(chart, 0)
        if not with_ltv:
            return chart
        return _right_line(book, chart, slug, "ltv_cac", "LTV:CAC", window, "0.0", clip=True)
    if kind == "burn_multiple":
        return _columns(book, slug, "burn_multiple", "Burn multiple, 3 months (x)", "0.0", window, clip=True)
    raise KeyError(kind)
