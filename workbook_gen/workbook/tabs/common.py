"""Pieces every tab uses: row heads, sheet headers, the month header row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from workbook_gen.definitions import (
    BURN,
    BY_KEY,
    COUNT,
    CURRENCY,
    MONTHS,
    PCT,
    RATIO,
    SM,
    period_metric,
    scope_note,
    shown_label,
)
from workbook_gen.rules import first_month_number, window_words
from workbook_gen.workbook.book import Book, excel_serial
from workbook_gen.workbook.layout import DATE_ROW, FIRST_COL, TL_DATE

UNIT_TEXT = {
    CURRENCY: None,
    COUNT: "#",
    PCT: "%",
    RATIO: "x",
    MONTHS: "months",
    "int": "#",
    "date": "date",
    "text": "",
}


def kpi_label(key: str, settings, *extra: str) -> str:
    """A monthly KPI's label where it stands alone (the dashboard, the Segments page): the catalog's
    label with its period and unit (definitions.shown_label), ``extra`` words, and the rolling windows
    its latest value rests on, for these settings (rules.window_words: "CAC payback (months, trailing 3
    months)"), so that it is not mistaken for the quarter's or the year's figure."""
    window = window_words(key, settings)
    return shown_label(BY_KEY[key], "monthly", *extra, *([window] if window else []))


def unit_text(unit: str, currency: str) -> str:
    text = UNIT_TEXT.get(unit, unit)
    return currency if text is None else text


def write_row_head(ws, fmt, row: int, label: str, name: str = "", unit: str = "", currency: str = "") -> None:
    ws.write_string(row, 0, label, fmt.label)
    if name:
        ws.write_string(row, 1, name, fmt.name)
    if unit:
        ws.write_string(row, 2, unit_text(unit, currency), fmt.unit_text)


def sheet_header(book: Book, ws, title: str, subtitle: str | None = None) -> None:
    ws.write_string(0, 0, title, book.fmt.title)
    ws.write_string(
        1, 0, subtitle or f"{book.company} · {book.settings.currency} · {book.period_text}", book.fmt.subtitle
    )


def month_header(book: Book, ws, here: str, row: int = DATE_ROW) -> None:
    """Month dates across the timeline (linked to the Timeline sheet), and the column heads."""
    lay, fmt = book.layout, book.fmt
    for c, h in enumerate(("Metric", "Defined name", "Unit", "")):
        ws.write_string(row, c, h, fmt.header_left)
    for i, m in enumerate(book.results.months):
        ws.write_formula(
            row,
            lay.col(i),
            f"={lay.timeline(TL_DATE, i, here)}",
            fmt.header_date,
            excel_serial(m),
        )


def monthly_columns(book: Book, ws) -> None:
    ws.set_column(0, 0, 32)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 8)
    ws.set_column(3, 3, 2)
    ws.set_column(FIRST_COL, book.layout.last_col, 11)


def section_row(fmt, ws, row: int, title: str, width: int) -> None:
    """A dark band with a title across ``width`` columns."""
    ws.write_string(row, 0, title, fmt.section)
    for c in range(1, width):
        ws.write_blank(row, c, None, fmt.section)


# Trailing twelve months: the last twelve months, from month 2 at the earliest (month 1 has no movements).
T12_START = "MAX(2,COUNT(months)-11)"


def t12_slice(n_months: int) -> slice:
    """0-based months of the trailing window (:data:`T12_START` to the latest month)."""
    return slice(max(1, n_months - 12), n_months)


def trailing_words(n_months: int, short: bool = False) -> str:
    """What the trailing window covers, said plainly: "Trailing twelve months", or with a shorter
    history "Trailing 9 months" (never nine months called twelve). ``short``: "last 12 months" / "last 9
    months", board words for a window in a label (not "TTM" / "T9M")."""
    k = len(range(*t12_slice(n_months).indices(n_months)))
    if short:
        return f"last {k} months" if k != 1 else "last month"
    return "Trailing twelve months" if k == 12 else f"Trailing {k} month{'s' if k != 1 else ''}"


# Rows a printed page leaves off (SPEC §6, short histories): a row with no value in any printed column
# stays in the workbook, hidden (or outside the print area), and one printed line names it and says why.


def left_off(rows: Iterable[tuple[str, Sequence[float]]]) -> list[str]:
    """The keys of ``rows`` (key, the values its printed columns show) whose every printed value is
    undefined (NaN): the rows a printed page leaves off."""
    return [key for key, values in rows if not np.isfinite(np.asarray(values, dtype=float)).any()]


def not_shown_line(keys: Sequence[str], n_months: int, settings, periods: str = "months") -> str:
    """The one line a page prints about the rows it leaves off (:func:`left_off`), naming them and
    saying why: the months of history each needs (the catalog's first month with a value,
    rules.first_month_number, for these settings) where the data is shorter, else that it has no value
    in the ``periods`` shown ("months", "quarters", "years"). Empty when nothing is left off."""
    if not keys:
        return ""
    by_need: dict[int, list[str]] = {}
    other: list[str] = []
    for key in keys:
        label = (BY_KEY.get(key) or period_metric(key)).label
        need = first_month_number(key, settings) if key in BY_KEY else 0
        if need > n_months:
            by_need.setdefault(need, []).append(label)
        else:
            other.append(label)
    parts = [
        f"{listed(labels)} {'needs' if len(labels) == 1 else 'need'} {need} months of history"
        for need, labels in sorted(by_need.items())
    ]
    if by_need:
        parts[-1] += f" (the data covers {n_months} month{'s' if n_months != 1 else ''})"
    if other:
        parts.append(
            f"{listed(other)} {'has' if len(other) == 1 else 'have'} no value in the {periods} shown"
        )
    return f"Not shown: {'; '.join(parts)}."


def listed(words: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def at_lifetime_cap(lifetimes: Sequence[float], settings) -> bool:
    """Whether any printed client lifetime rests on the lifetime cap (too little churn to estimate one):
    the rule that flags LTV, and the LTV:CAC built on it, wherever a page prints them."""
    v = np.asarray(lifetimes, dtype=float)
    return bool(np.any(np.isfinite(v) & (v >= settings.lifetime_cap_months)))


def capped_figures(with_ltv_cac: bool) -> str:
    """What a lifetime at the cap inflates on a page that prints LTV (and LTV:CAC when ``with_ltv_cac``)."""
    return "LTV and LTV:CAC are upper figures" if with_ltv_cac else "LTV is an upper figure"


def capped_line(
    labels: Sequence[str], settings, figures: str = "LTV:CAC is an upper figure", where: str = ""
) -> str:
    """The note beside a printed lifetime at the cap (:func:`at_lifetime_cap`), naming the segments
    ``labels`` and the ``figures`` it inflates; ``where`` narrows it ("in the months ...")."""
    cap = settings.lifetime_cap_months
    return (
        f"{listed(labels)}: LTV rests on the {cap:g}-month lifetime cap{where} (too little churn to estimate "
        f"a lifetime), so {figures}."
    )


def scope_lines(keys: Iterable[str], scopes) -> list[str]:
    """The lines under a table that sets the segments side by side (the dashboard's segment rows, the
    Segments page): for each scope rule (SM, BURN), the metrics among ``keys`` that some segment lacks
    for want of its own spend or burn, and why (definitions.scope_note), naming the segments unless it
    is every one. A segment printed without one of them is then never left unexplained."""
    keys = [k for k in keys if k in BY_KEY]
    segments = [s for s in scopes if not s.is_total]
    out = []
    for rule, has in ((SM, lambda s: s.has_sm), (BURN, lambda s: s.has_burn)):
        shown = [k for k in keys if BY_KEY[k].scope == rule]
        without = [s.label for s in segments if not has(s)]
        if shown and without:
            among = "the segments" if len(without) == len(segments) else listed(without)
            each = "each segment" if len(without) == len(segments) else "each of them"
            out.append(scope_note(rule, each, shown, among))
    return out


def write_wrapped(ws, row: int, first_col: int, last_col: int, text: str, style, width: float) -> None:
    """``text`` wrapped across columns first..last (``width`` characters together), merged when more
    than one, its row as tall as its lines (printing.text_lines): a long line cannot run past the
    printed page."""
    from workbook_gen.workbook.printing import text_lines

    if last_col > first_col:
        ws.merge_range(row, first_col, row, last_col, text, style)
    else:
        ws.write_string(row, first_col, text, style)
    ws.set_row(row, 15 * text_lines(text, width))
