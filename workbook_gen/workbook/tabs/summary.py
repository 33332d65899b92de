"""Executive summary: the CFO's commentary for the month (when given), then what the engine found
(:mod:`workbook_gen.metrics.summary`): the KPIs that improved and worsened most over the last three
months, each segment's direction, the largest client wins and losses. One landscape page."""

from __future__ import annotations

import datetime as dt
import math

from workbook_gen.definitions import BY_KEY, CURRENCY, MONTHS, PCT, RATIO
from workbook_gen.expressions import UNDEFINED
from workbook_gen.metrics.plan import covers, largest_variances, plan_months_text
from workbook_gen.metrics.summary import SPAN, Summary, mark, summarise, trend_verdict
from workbook_gen.rules import first_month_number, monthly_marker
from workbook_gen.text import segments_of
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.commentary import write_commentary
from workbook_gen.workbook.tabs.common import kpi_label, listed, section_row

SHEET = "Summary"
LEFT, RIGHT = 0, 5  # first columns of the two blocks
WIDTHS = (40, 12, 12, 10, 3, 24, 12, 19, 12, 20)  # the KPI's label says its unit and window
COMMENT_CHARS = 150  # characters a printed line of the commentary may take across the page


def write(book: Book) -> None:
    fmt, res = book.fmt, book.results
    ws = book.sheet(SHEET)
    s = summarise(book.data, res)
    ws.write_string(0, 0, f"Executive summary — {book.month_text}", fmt.title)
    since = f"{s.since:%B %Y}" if s.since is not None else "the first month"
    ws.write_string(1, 0, f"{book.company} · changes over the {SPAN} months since {since}", fmt.subtitle)
    row = 3
    last = len(WIDTHS) - 1
    text = book.data.commentary_of(res.months[-1])
    if text:  # the CFO's words first, as typed (paragraphs kept, long lines wrapped)
        section_row(fmt, ws, row, f"CFO commentary — {book.month_text}", last + 1)
        row = write_commentary(ws, fmt.label, text, row + 1, 0, COMMENT_CHARS) + 1
    top = row
    left = _moves(book, ws, top, "Improved most", s.improved, "No KPI improved.")
    left = _moves(book, ws, left + 1, "Worsened most", s.worsened, _none_worsened(s))
    for m in s.still_poor:  # "none worsened" beside a red figure on the dashboard says why
        ws.write_string(
            left,
            LEFT,
            f"{m.label} improved ({_short(m.before, m.unit)} → {_short(m.after, m.unit)}) but is still "
            "red against its benchmark.",
            fmt.note,
        )
        left += 1
    if s.cash:  # not ranked with the KPIs above, but never left unsaid
        left = _levels(book, ws, left + 1, "Cash and runway", s)
    if res.plan is not None:
        left = _variances(book, ws, left + 1, largest_variances(res.plan, "month", 3))
    right = _segments(book, ws, top, s) if s.segments else top
    right = _clients(book, ws, right if right == top else right + 1, "Largest client wins", s.wins)
    right = _clients(book, ws, right + 1, "Largest client losses", s.losses)
    bottom = max(left, right)
    notes = (
        f"Changes over the last {SPAN} months: rates in percentage points, other figures in per cent of "
        "their earlier value"
        + (
            "; variances to plan likewise (in per cent of plan), ranked by their size relative to plan."
            if res.plan is not None
            else "."
        ),
        "Better or worse as each KPI's benchmark reads (lower churn, burn and payback are better); a "
        "segment's NRR is coloured by the NRR benchmark, as on the dashboard, and its ARR trend is red while "
        "that NRR is.",
    )
    notes += _set_aside_notes(s)
    if s.since is not None and (s.wins or s.losses):
        notes += (
            f"Client wins and losses: change in ARR (12 × MRR) between {s.since:%b %Y} and "
            f"{res.months[-1]:%b %Y}, net of moves in between, as in the Customers page's three-month lists.",
        )
    for i, note in enumerate(notes, start=1):
        ws.write_string(bottom + i, 0, note, fmt.note)
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    ws.print_area(0, 0, bottom + len(notes), last)
    printing.report_tab(book, ws, pages_tall=1)


def _none_worsened(s: Summary) -> str:
    """What the Worsened block says when no ranked KPI worsened: never "no KPI worsened" while the cash
    balance or the runway printed below it fell."""
    fell = [
        BY_KEY[level.key].label.lower() for level in s.cash if level.move is not None and level.move.gain < 0
    ]
    if fell:
        return f"No other KPI worsened: only the {listed(fell)} (below) did."
    return "No KPI worsened."


def _short(value: float, unit: str) -> str:
    """A KPI's value in a sentence, as the tables print it."""
    if unit == PCT:
        return f"{value * 100:.1f}%"
    if unit == RATIO:
        return f"{value:.2f}"
    if unit == MONTHS:
        return f"{value:.1f} months"
    return f"{value:,.0f}"


def _set_aside_notes(s: Summary) -> tuple[str, ...]:
    """The rule that keeps a far-out ratio out of the ranking, and the ratios it kept out this time with
    the catalog's mark each passed."""
    notes = (
        "Not ranked: a ratio (x) more than twice as good as its benchmark's good mark at either end, as its "
        "change then rests on a small denominator.",
    )
    if s.set_aside:
        moved = []
        for m in s.set_aside:
            way = "above" if BY_KEY[m.key].benchmark.higher else "under"
            moved.append(
                f"{m.label} {_short(m.before, m.unit)} → {_short(m.after, m.unit)} ({way} {mark(m.key):g})"
            )
        notes += (f"Not ranked this time: {listed(moved)}.",)
    return notes


def _band(book: Book, ws, row: int, col: int, title: str, heads: tuple[str, ...]) -> int:
    fmt = book.fmt
    ws.write_string(row, col, title, fmt.section)
    for c in range(1, len(heads)):
        ws.write_blank(row, col + c, None, fmt.section)
    for c, h in enumerate(heads):
        ws.write_string(row + 1, col + c, h, fmt.header if c else fmt.header_left)
    return row + 2


def _value(book: Book, ws, row: int, col: int, value: float, unit: str) -> None:
    if value is None or not math.isfinite(value):
        ws.write_string(row, col, UNDEFINED, book.fmt.unit(unit))
    else:
        ws.write_number(row, col, value, book.fmt.unit(unit))


def _change_format(book: Book, points: bool):
    code = '+0.0" pts";-0.0" pts";0.0" pts"' if points else '+0.0"%";-0.0"%";0.0"%"'
    return book.fmt._get(("summary_change", points), num_format=code, align="right", bold=True)


def _moves(book: Book, ws, row: int, title: str, moves, none: str) -> int:
    since = book.results.months[-1 - SPAN] if len(book.results.months) > SPAN else None
    then = f"{since:%b %Y}" if since else "Then"
    row = _band(book, ws, row, LEFT, title, ("KPI", then, f"{book.results.months[-1]:%b %Y}", "Change"))
    if not moves:
        ws.write_string(row, LEFT, none, book.fmt.note)
        return row + 1
    for m in moves:
        ws.write_string(row, LEFT, kpi_label(m.key, book.settings), book.fmt.label)
        _value(book, ws, row, LEFT + 1, m.before, m.unit)
        _value(book, ws, row, LEFT + 2, m.after, m.unit)
        fill = book.fmt.good if m.gain > 0 else book.fmt.bad
        ws.write_number(row, LEFT + 3, m.change, _change_format(book, m.in_points))
        ws.conditional_format(row, LEFT + 3, row, LEFT + 3, {"type": "no_errors", "format": fill})
        row += 1
    return row


def _levels(book: Book, ws, row: int, title: str, s: Summary) -> int:
    """KPIs at both ends of the span (cash and runway), their change coloured where it can be said."""
    since = book.results.months[-1 - SPAN] if len(book.results.months) > SPAN else None
    then = f"{since:%b %Y}" if since else "Then"
    row = _band(book, ws, row, LEFT, title, ("KPI", then, f"{book.results.months[-1]:%b %Y}", "Change"))
    n = len(book.results.months)
    for level in s.cash:
        m = BY_KEY[level.key]
        ws.write_string(row, LEFT, kpi_label(level.key, book.settings), book.fmt.label)
        for col, value, i in ((LEFT + 1, level.before, n - 1 - SPAN), (LEFT + 2, level.after, n - 1)):
            if math.isfinite(value):
                ws.write_number(row, col, value, book.fmt.unit(m.unit))
            else:  # a runway is not meaningful while the company generates cash
                ws.write_string(row, col, monthly_marker(level.key, i, book.settings), book.fmt.unit(m.unit))
        mv = level.move
        if mv is not None:
            ws.write_number(row, LEFT + 3, mv.change, _change_format(book, mv.in_points))
            fill = book.fmt.good if mv.gain > 0 else book.fmt.bad if mv.gain < 0 else book.fmt.okay
            ws.conditional_format(row, LEFT + 3, row, LEFT + 3, {"type": "no_errors", "format": fill})
        row += 1
    return row


def _variances(book: Book, ws, row: int, found) -> int:
    """The month's largest variances to plan (relative to the plan), favourable in green."""
    fmt = book.fmt
    row = _band(
        book,
        ws,
        row,
        LEFT,
        f"Largest variances to plan, {book.results.months[-1]:%b %Y}",
        ("KPI", "Actual", "Plan", "Variance"),
    )
    if not found:
        p, month = book.results.plan, book.results.months[-1]
        none = (
            "No variance to plan."
            if covers(p, month)
            else f"No plan for {month:%b %Y}: the plan covers {plan_months_text(p)}."
        )
        ws.write_string(row, LEFT, none, fmt.note)
        return row + 1
    for v in found:
        m = BY_KEY[v.key]
        ws.write_string(row, LEFT, kpi_label(v.key, book.settings), fmt.label)
        _value(book, ws, row, LEFT + 1, v.actual, m.unit)
        _value(book, ws, row, LEFT + 2, v.plan, m.unit)
        if m.unit == PCT:  # a rate's variance in points, as on the dashboard and the Plan page
            ws.write_number(row, LEFT + 3, v.variance * 100, _change_format(book, True))
        else:
            ws.write_number(row, LEFT + 3, v.variance_pct * 100, _change_format(book, False))
        fill = {True: fmt.good, False: fmt.bad}.get(v.favourable)
        if fill is not None:
            ws.conditional_format(row, LEFT + 3, row, LEFT + 3, {"type": "no_errors", "format": fill})
        row += 1
    return row


def _segments(book: Book, ws, row: int, s: Summary) -> int:
    fmt = book.fmt
    row = _band(
        book,
        ws,
        row,
        RIGHT,
        segments_of(book.results.split),
        ("Segment", "ARR", f"ARR change, {SPAN} months", "NRR (12m)", "ARR trend"),
    )
    for t in s.segments:
        ws.write_string(row, RIGHT, t.label, fmt.label)
        _value(book, ws, row, RIGHT + 1, t.arr, CURRENCY)
        if math.isfinite(t.arr_change_pct):
            ws.write_number(row, RIGHT + 2, t.arr_change_pct, _change_format(book, False))
        else:
            ws.write_string(row, RIGHT + 2, UNDEFINED, fmt.unit(PCT))
        _value(book, ws, row, RIGHT + 3, t.nrr, PCT)
        grade = BY_KEY["nrr_12m"].benchmark.grade(t.nrr)
        if grade is not None:
            nrr_style = {"good": fmt.good, "ok": fmt.okay, "poor": fmt.bad}[grade]
            ws.conditional_format(row, RIGHT + 3, row, RIGHT + 3, {"type": "no_errors", "format": nrr_style})
        text, tone = trend_verdict(t)
        style = {"good": fmt.good, "ok": fmt.okay, "poor": fmt.bad}.get(tone)
        ws.write_string(row, RIGHT + 4, text or UNDEFINED, fmt.label)
        if style is not None:
            ws.conditional_format(row, RIGHT + 4, row, RIGHT + 4, {"type": "no_errors", "format": style})
        row += 1
    months = book.results.months
    first = first_month_number("nrr_12m", book.settings)
    if len(months) < first and s.segments:  # an n/a NRR says why, as the dashboard's rows left off do
        start = months[0]
        k = start.month - 1 + first - 1
        when = dt.date(start.year + k // 12, k % 12 + 1, 1)
        ws.write_string(
            row,
            RIGHT,
            f"NRR (12m) compares with 12 months earlier: the history starts in {start:%b %Y}, "
            f"so its first value is for {when:%b %Y}.",
            fmt.note,
        )
        row += 1
    return row


def _clients(book: Book, ws, row: int, title: str, moves) -> int:
    fmt = book.fmt
    since = book.results.months[-1 - SPAN] if len(book.results.months) > SPAN else None
    then = f"ARR {since:%b %Y}" if since else "ARR then"
    row = _band(
        book,
        ws,
        row,
        RIGHT,
        title,
        ("Client", then, f"ARR {book.results.months[-1]:%b %Y}", "ARR change", ""),
    )
    if not moves:
        ws.write_string(row, RIGHT, "None.", fmt.note)
        return row + 1
    for c in moves:
        ws.write_string(row, RIGHT, c.name, fmt.label)
        # in ARR (12 × MRR), as the Customers page's movements and the segments' ARR beside them
        _value(book, ws, row, RIGHT + 1, 12 * c.before, CURRENCY)
        _value(book, ws, row, RIGHT + 2, 12 * c.after, CURRENCY)
        _value(book, ws, row, RIGHT + 3, 12 * c.change, CURRENCY)
        what = (
            "new"
            if c.before == 0
            else "churned"
            if c.after == 0
            else "expanded"
            if c.change > 0
            else "contracted"
        )
        ws.write_string(row, RIGHT + 4, what, fmt.note)
        row += 1
    return row
