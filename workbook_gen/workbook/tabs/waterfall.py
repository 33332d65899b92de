"""The quarterly ARR waterfall on the MRR bridge page: the latest complete quarter's opening ARR, the
ARR each movement added or took away, and the closing ARR, as floating columns.

Its data are live formulas over the Quarterly tab's named rows (twelve times the quarter's MRR
movements), in hidden rows under the Quarterly tab's other chart data: the amounts, then the
invisible base each column floats on, the rises, the falls, and each column's top, where its amount
is labelled (above the column, never across a bar's edge)."""

from __future__ import annotations

import math

import numpy as np

from workbook_gen.definitions import GAINS, metric_keys, metric_rows
from workbook_gen.names import period_row_name
from workbook_gen.workbook import charts
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.formulas import in_row
from workbook_gen.workbook.layout import FIRST_COL, Place, cell

SHEET = "Quarterly"
VIEW = "quarterly"
NAME = "_arr_waterfall"  # a private block (not a public defined name)
# (key, column label): the movements in the bridge's order, gains then losses.
STEPS = metric_rows(
    (
        ("mrr_new", "New"),
        ("mrr_reactivation", "Reactivation"),
        ("mrr_expansion", "Expansion"),
        ("mrr_contraction", "Contraction"),
        ("mrr_churn", "Churn"),
    )
)
OPENING, CLOSING = metric_keys("mrr_opening", "mrr_closing")
ROWS = ("ARR waterfall: column", "ARR", "base (not drawn)", "rise", "fall", "column top (its label's place)")


def quarter(book: Book) -> int | None:
    """0-based index of the quarter the waterfall shows: the latest complete one after the first
    (the first quarter holds the opening month, whose clients are the opening base), or None."""
    periods = book.results.periods["quarter"]
    q = len(periods) - 1 - (1 if periods.partial[-1] else 0)
    return q if q >= 1 else None


def plan(book: Book) -> None:
    lay = book.layout
    if quarter(book) is None:
        return
    bottom = max(p.row + p.height - 1 for p in lay.places.values() if p.sheet == SHEET)
    lay.register(NAME, Place(SHEET, bottom + 2, FIRST_COL, len(STEPS) + 2, len(ROWS)))


def amounts(book: Book, q: int) -> np.ndarray:
    """Opening ARR, the ARR of each movement (losses as positive amounts), closing ARR: the engine's."""
    view = book.results.total.quarterly
    opening = 12 * float(view[OPENING][q])
    steps = [12 * float(view[k][q]) for k, _ in STEPS]
    return np.array([opening, *steps, 12 * float(view[CLOSING][q])])


def levels(values: np.ndarray) -> tuple[list[float], list[float], list[float]]:
    """Base, rise and fall of each column: the opening and closing columns stand on 0; a gain rises
    from the running total, a loss falls from it."""
    base, rise, fall = [0.0], [values[0]], [0.0]
    running = values[0]
    for (key, _), v in zip(STEPS, values[1:-1], strict=True):
        if key in GAINS:
            base.append(running)
            rise.append(v)
            fall.append(0.0)
            running += v
        else:
            running -= v
            base.append(running)
            rise.append(0.0)
            fall.append(v)
    base.append(0.0)
    rise.append(values[-1])
    fall.append(0.0)
    return base, rise, fall


def write(book: Book) -> None:
    """The data block (hidden rows on the Quarterly tab)."""
    lay, fmt = book.layout, book.fmt
    if NAME not in lay.places:
        return
    q = quarter(book)
    place = lay.place(NAME)
    ws = book.sheet(SHEET)
    r0, c0 = place.row, place.col
    for i, label in enumerate(ROWS):
        ws.write_string(r0 + i, 0, label, fmt.note)
        ws.set_row(r0 + i, None, None, {"level": 1, "hidden": True})
    heads = ["Opening ARR", *(label for _, label in STEPS), "Closing ARR"]
    for j, h in enumerate(heads):
        ws.write_string(r0, c0 + j, h, fmt.label)
    values = amounts(book, q)
    keys = [OPENING, *(k for k, _ in STEPS), CLOSING]
    money = fmt.unit("currency")
    k = q + 1  # 1-based column of the quarter in the named rows
    for j, key in enumerate(keys):
        ws.write_formula(
            r0 + 1, c0 + j, f"=12*{in_row(period_row_name(VIEW, key), k)}", money, float(values[j])
        )
    base, rise, fall = levels(values)
    amount = [cell(r0 + 1, c0 + j) for j in range(len(keys))]
    for j, key in enumerate(keys):
        if j == 0 or j == len(keys) - 1:
            b, u, d = "0", amount[j], "0"
        elif key in GAINS:
            b, u, d = f"{amount[0]}+{'+'.join(_signed(amount, j))}" if j > 1 else amount[0], amount[j], "0"
        else:
            b, u, d = f"{amount[0]}+{'+'.join(_signed(amount, j + 1))}", "0", amount[j]
        for row, formula, value in ((r0 + 2, b, base[j]), (r0 + 3, u, rise[j]), (r0 + 4, d, fall[j])):
            ws.write_formula(row, c0 + j, f"={formula}", money, float(value))
        parts = "+".join(cell(r0 + i, c0 + j) for i in (2, 3, 4))
        ws.write_formula(r0 + 5, c0 + j, f"={parts}", money, float(base[j] + rise[j] + fall[j]))


def _signed(amount: list[str], upto: int) -> list[str]:
    """The movements before column ``upto`` (1-based steps 1..upto-1), losses negated."""
    out = []
    for j in range(1, upto):
        key = STEPS[j - 1][0]
        out.append(amount[j] if key in GAINS else f"(-{amount[j]})")
    return out


def chart(book: Book):
    """The waterfall chart, or None when there is no complete quarter to show."""
    lay = book.layout
    if NAME not in lay.places:
        return None
    q = quarter(book)
    place = lay.place(NAME)
    r0, c0, c1 = place.row, place.col, place.col + place.width - 1
    label = book.results.periods["quarter"].labels[q]
    values = amounts(book, q)
    base, rise, fall = levels(values)
    cur = book.settings.currency
    top = max(values[0], values[-1], max(b + u for b, u in zip(base, rise, strict=True)))
    wf = charts.new_chart(
        book, "column", f"ARR waterfall, {label} ({cur})", "stacked", charts.money_format(book, top)
    )
    cats = [SHEET, r0, c0, r0, c1]
    wf.add_series(
        {
            "name": "Base",
            "categories": cats,
            "values": [SHEET, r0 + 2, c0, r0 + 2, c1],
            "fill": {"none": True},
            "border": {"none": True},
            "gap": 40,
        }
    )
    wf.add_series(
        {
            "name": "Rise",
            "categories": cats,
            "values": [SHEET, r0 + 3, c0, r0 + 3, c1],
            "fill": charts.color(1),
        }
    )
    wf.add_series(
        {
            "name": "Fall",
            "categories": cats,
            "values": [SHEET, r0 + 4, c0, r0 + 4, c1],
            "fill": charts.color(3),
        }
    )
    # The amounts above each column, off the bar (on a short bar a label inside straddled its edge, and
    # black on the dark fill was hard to read): an undrawn line through the columns' tops carries them.
    tops = book.wb.add_chart({"type": "line"})
    tops.add_series(
        {
            "name": "Amount",
            "categories": cats,
            "values": [SHEET, r0 + 5, c0, r0 + 5, c1],
            "line": {"none": True},
            "marker": {"type": "none"},
            "data_labels": value_labels(book, values, rise, fall),
        }
    )
    wf.combine(tops)
    wf.set_legend({"none": True})
    wf.set_x_axis({"num_font": {"size": 8}, "major_tick_mark": "none"})
    floor = axis_floor(values, base, top)
    if floor > 0:  # said in the title: the columns of opening and closing ARR are cut at the axis
        wf.set_title(
            {
                "name": f"ARR waterfall, {label} ({cur}; axis from {compact_money(book, floor)})",
                "name_font": {"size": 11, "bold": True},
            }
        )
        charts.set_y_limits(wf, floor, None)
    return wf


SLIVER = 0.1  # movements all smaller than this share of the ARR would be slivers on a zero-based axis


def axis_floor(values: np.ndarray, base: list[float], top: float) -> float:
    """Where the value axis starts: 0, unless every movement is under :data:`SLIVER` of the ARR, then a
    round step below the lowest level the columns reach (so that the movements can be read)."""
    moves = np.abs(values[1:-1])
    if top <= 0 or moves.max(initial=0.0) >= SLIVER * top:
        return 0.0
    low = min(values[0], values[-1], *base[1:-1])
    step = charts.nice_ceiling(top / 5) or 1.0
    return max(0.0, math.floor((low - step) / step) * step)


def compact_money(book: Book, v: float) -> str:
    """An amount as a board reads it on a chart, in thousands or millions alike: $4.17m, $252k, $7.3k,
    $0.9k (a small amount in units beside large ones in thousands read as a mistake: +$7,320, +$214k)."""
    sym = book.settings.currency_symbol.strip()
    a = abs(v)
    if a >= 1e6:
        return f"{sym}{a / 1e6:,.2f}m"
    if a >= 1e4:
        return f"{sym}{a / 1e3:,.0f}k"
    return f"{sym}{a / 1e3:,.1f}k"


def value_labels(book: Book, values, rise, fall) -> dict:
    """The label above each column: the opening and closing ARR unsigned, a gain with +, a loss with
    −; none on a movement of nothing."""
    last = len(values) - 1
    custom = []
    for j, v in enumerate(values):
        if j in (0, last):
            text = compact_money(book, v)
        elif rise[j] > 0 or fall[j] > 0:
            text = f"{'+' if rise[j] > 0 else '−'}{compact_money(book, rise[j] or fall[j])}"
        else:
            custom.append({"delete": True})
            continue
        custom.append({"value": text, "font": {"size": 8}})
    return {"value": True, "position": "above", "custom": custom}
