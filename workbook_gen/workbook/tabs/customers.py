"""Customers: who the revenue rests on — the ten largest clients by ARR at the latest month, the largest
new, expansion, contraction and churned clients of the latest month and of the latest three months, and
the concentration trend (docs/definitions.md, Customers).

Every list is live. Client calc holds one score per client for each movement and window (a formula of
that client's row alone); a list's k-th line is ``LARGE(score, k)``, and the client holding it is found
with an exact MATCH — after the previous line's row when both lines have the same score, so equal scores
are listed in row order, as :mod:`workbook_gen.metrics.customers` ranks them. Each line reads one column
of client rows twice: the work is proportional to clients × lines, never clients².
"""

from __future__ import annotations

import math

from xlsxwriter.utility import quote_sheetname

from workbook_gen.definitions import CURRENCY, PCT, metric_rows
from workbook_gen.expressions import UNDEFINED
from workbook_gen.metrics.customers import (
    MOVEMENTS,
    NEW_MONTHS,
    SIGN,
    TOP_CLIENTS,
    TOP_MOVERS,
    WINDOWS,
    scores,
    shown_name,
)
from workbook_gen.model import SHEET_MRR
from workbook_gen.names import customers_list_name, series_name
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, cached
from workbook_gen.workbook.charts import color, month_window, new_chart, row_series
from workbook_gen.workbook.formulas import NA, column_slice, in_column, latest
from workbook_gen.workbook.layout import (
    CC_FIRST,
    CC_MOVERS,
    CC_SEGMENT,
    CLIENT_CALC,
    TIMELINE,
    TL_NUMBER,
    Place,
    cell,
    column_name,
    on,
)
from workbook_gen.workbook.tabs.common import section_row, sheet_header

SHEET = "Customers"
SECTION = "customers"  # its place in the printed pack (workbook.sequence)
MOVEMENT_LABEL = {"new": "New", "expansion": "Expansion", "contraction": "Contraction", "churn": "Churned"}
MOVEMENT_HEAD = {
    "new": "New: MRR now",
    "expansion": "Expansion: MRR added",
    "contraction": "Contraction: MRR lost",
    "churn": "Churned: MRR lost",
}
# Visible columns: two tables share them (the largest clients; the movements of the two windows side by side).
WIDTHS = (12, 26, 16, 14, 12, 26, 16, 14)
LARGEST_TOP = 5  # header row of the largest clients
MOVERS_TOP = LARGEST_TOP + TOP_CLIENTS + 8  # header row of the movements
# Hidden helper columns: for each line, its rank k, the score LARGE finds and the client row MATCH finds.
HELPER = {"month": 20, "three_months": 23}  # first of (k, value, row) for each side; the largest use "month"
CHART_COL = len(WIDTHS)
# Under the largest clients, the concentration at the latest month; the trend chart draws the same rows.
SHARE_ROWS = metric_rows(
    (("Top 10 clients' share of ARR", "top10_share"), ("Largest client's share of ARR", "top1_share")), at=1
)
CHART_SERIES = metric_rows((("Top 10 clients", "top10_share"), ("Largest client", "top1_share")), at=1)


def score_column(window: str, kind: str) -> int:
    """The Client calc column of a window's movement scores."""
    return CC_MOVERS + list(WINDOWS).index(window) * len(MOVEMENTS) + MOVEMENTS.index(kind)


def write_scores(book: Book) -> None:
    """Client calc: each client's score for every movement and window (0 when it has none)."""
    lay, fmt = book.layout, book.fmt
    ws = book.sheet(CLIENT_CALC)
    res = book.results
    mrr = quote_sheetname(SHEET_MRR)
    n_months = lay.n_months
    latest_col = column_name(lay.mrr_col(n_months - 1))
    money = fmt.unit(CURRENCY)
    first = f"{column_name(CC_FIRST)}{{n}}"
    for window in WINDOWS:
        start = res.customers.window_starts[window]
        since = f"{res.months[start]:%b %Y}"
        start_number = on(TIMELINE, cell(TL_NUMBER, lay.col(start), True, True), CLIENT_CALC)
        # SUM of one cell: its number, 0 for a blank MRR cell (Gnumeric's N() of a blank cell is an error)
        a = f"SUM({mrr}!{column_name(lay.mrr_col(start))}{{n}})"
        b = f"SUM({mrr}!{latest_col}{{n}})"
        texts = {
            "new": f"=IF({first}>{start_number},{b},0)",
            "expansion": f"=IF({a}>0,MAX({b}-{a},0),0)",
            "contraction": f"=IF({b}>0,MAX({a}-{b},0),0)",
            "churn": f"=IF({b}=0,{a},0)",
        }
        values = scores(book.data.mrr, start)  # the workbook's rows (cohort order)
        for kind in MOVEMENTS:
            col = score_column(window, kind)
            ws.write_string(0, col, f"{MOVEMENT_HEAD[kind]} (since {since})", fmt.header_left)
            ws.write_formula_column(1, col, texts[kind].format(n=2), values[kind].tolist(), money)
        ws.set_column(score_column(window, MOVEMENTS[0]), score_column(window, MOVEMENTS[-1]), 22)


class Lines:
    """The formulas of one list: rank k, score and client row in hidden helper columns, then what the
    board reads (client, segment, amounts) in the visible ones."""

    def __init__(self, book: Book, score: str, side: str, top: int, count: int):
        self.book, self.score, self.top, self.count = book, score, top, count
        self.k_col, self.v_col, self.r_col = HELPER[side], HELPER[side] + 1, HELPER[side] + 2
        self.n = book.layout.mrr_rows

    def v(self, j: int) -> str:
        return cell(self.top + j, self.v_col)

    def r(self, j: int) -> str:
        return cell(self.top + j, self.r_col)

    def write_helpers(self, ws, values: list[float], rows: list[int]) -> None:
        fmt = self.book.fmt
        for j in range(self.count):
            row = self.top + j
            ws.write_number(row, self.k_col, j + 1, fmt.calc_int())
            v = self.v(j)
            large = f"=IFERROR(LARGE({self.score},{cell(row, self.k_col)}),0)"
            anywhere = f"MATCH({v},{self.score},0)"
            if j == 0:
                found = f"=IF({v}<=0,0,{anywhere})"
            else:
                pv, pr = self.v(j - 1), self.r(j - 1)
                after = column_slice(self.score, f"MIN({pr}+1,{self.n})", self.n)
                found = f"=IF({v}<=0,0,IF({v}={pv},{pr}+MATCH({v},{after},0),{anywhere}))"
            ws.write_formula(
                row, self.v_col, large, fmt.unit(CURRENCY), values[j] if j < len(values) else 0.0
            )
            ws.write_formula(row, self.r_col, found, fmt.calc_int(), rows[j] + 1 if j < len(rows) else 0)

    def at(self, j: int, column: str) -> str:
        """The client's cell of a one-column range of client rows."""
        return in_column(column, self.r(j))


def write(book: Book) -> None:
    lay, fmt, res = book.layout, book.fmt, book.results
    cust = res.customers
    ws = book.sheet(SHEET)
    months = res.months
    last = f"{months[-1]:%b %Y}"
    sheet_header(book, ws, f"Customers — {last}")
    ws.write_string(
        2,
        0,
        "ARR = 12 × MRR. Clients with equal ARR are listed by first paying month, then in input order.",
        fmt.note,
    )
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.set_column(HELPER["month"], HELPER["three_months"] + 2, 8, None, {"hidden": True})
    here = SHEET
    n_months = lay.n_months
    mrr_col = lay.mrr_month(n_months - 1, here)
    ids = lay.mrr_sheet_column(0, here)
    name_col = cust.name_column
    names = None
    if name_col is not None:
        names = lay.mrr_sheet_column(1 + list(book.data.attributes).index(name_col), here)
    first = lay.client_column(CC_FIRST, here)
    segments = None
    if res.split:
        segments = (lay.client_column(CC_SEGMENT, here), lay.place("segment_list").range(here))

    def who(lines: Lines, j: int, client, cols: tuple[int, int], empty: str = "") -> None:
        """The client's name (its ID where it has none) and segment on line j."""
        row, r = lines.top + j, lines.r(j)
        ident = f'""&{lines.at(j, ids)}'
        if names is not None:
            name = f'""&{lines.at(j, names)}'
            ident = f'IF({name}="",{ident},{name})'
        shown = empty if client is None else shown_name(client.client_id, client.name)
        ws.write_formula(row, cols[0], f'=IF({r}=0,"{empty}",{ident})', fmt.label, shown)
        if segments is not None:
            number = lines.at(j, segments[0])
            ws.write_formula(
                row,
                cols[1],
                f'=IF({r}=0,"",{in_column(segments[1], number)})',
                fmt.label,
                "" if client is None else client.segment,
            )

    # --- the largest clients ----------------------------------------------------------------------
    section_row(fmt, ws, LARGEST_TOP - 1, f"Largest clients by ARR — {last}", len(WIDTHS))
    heads = ("#", "Client", "Segment", "ARR", "Share of ARR", "ARR change, 12 months", "Change, 12 months")
    for c, h in enumerate(heads):
        ws.write_string(LARGEST_TOP, c, h, fmt.header_left if c < 3 else fmt.header)
    top = LARGEST_TOP + 1
    lines = Lines(book, mrr_col, "month", top, min(TOP_CLIENTS, lay.n_clients))
    lines.write_helpers(ws, [c.mrr for c in cust.largest], [c.row for c in cust.largest])
    lay.register(customers_list_name("largest"), Place(SHEET, top, 0, len(heads), lines.count))
    closing = latest(series_name("mrr_closing"))
    year_back = lay.mrr_month(n_months - 1 - NEW_MONTHS, here) if n_months > NEW_MONTHS else None
    for j in range(lines.count):
        row = top + j
        client = cust.largest[j] if j < len(cust.largest) else None
        r, v = lines.r(j), lines.v(j)
        ws.write_number(row, 0, j + 1, fmt.label)
        who(lines, j, client, (1, 2))
        ws.write_formula(
            row, 3, f'=IF({r}=0,"",12*{v})', fmt.unit(CURRENCY), "" if client is None else client.arr
        )
        ws.write_formula(
            row, 4, f'=IF({r}=0,"",{v}/{closing})', fmt.unit(PCT), "" if client is None else client.share
        )
        f = lines.at(j, first)
        is_new = f"AND({f}>=2,{f}>COUNT(months)-{NEW_MONTHS})"
        if year_back is not None:
            then = lines.at(j, year_back)
            change = f'=IF({r}=0,"",IF({is_new},"new",12*({v}-{then})))'
            pct = f'=IF({r}=0,"",IF({is_new},"",IF({then}=0,{NA},{v}/{then}-1)))'
        else:  # the data does not reach back a year: only the clients won in it are known to be new
            change = f'=IF({r}=0,"",IF({is_new},"new",{NA}))'
            pct = f'=IF({r}=0,"",IF({is_new},"",{NA}))'
        ws.write_formula(row, 5, change, fmt.unit(CURRENCY), _change_value(client))
        ws.write_formula(row, 6, pct, fmt.unit(PCT), _pct_value(client))
    total = top + lines.count + 1
    for k, (label, key) in enumerate(SHARE_ROWS):
        ws.write_string(total + k, 1, label, fmt.label_bold)
        value = res.total.monthly[key][-1]
        ws.write_formula(total + k, 4, f"={latest(series_name(key))}", fmt.unit(PCT), cached(value))

    # --- the largest movements ------------------------------------------------------------------------
    section_row(fmt, ws, MOVERS_TOP - 3, "Largest movements — change in ARR (12 × MRR)", len(WIDTHS))
    sides = {"month": (1, 2, 3), "three_months": (5, 6, 7)}
    for window, (c_client, c_seg, c_change) in sides.items():
        start = cust.window_starts[window]
        span = (
            f"Latest month: {last}"
            if window == "month"
            else f"Latest three months: {months[min(start + 1, n_months - 1)]:%b %Y} – {last}"
        )
        ws.write_string(MOVERS_TOP - 2, c_client, span, fmt.label_bold)
        ws.write_string(MOVERS_TOP - 1, c_client, window_text(window, months[start], last), fmt.note)
        for c, h in zip((c_client, c_seg, c_change), ("Client", "Segment", "ARR change"), strict=True):
            ws.write_string(MOVERS_TOP, c, h, fmt.header_left if c != c_change else fmt.header)
    ws.write_string(MOVERS_TOP, 0, "Movement", fmt.header_left)
    ws.write_blank(MOVERS_TOP, 4, None, fmt.header_left)
    for g, kind in enumerate(MOVEMENTS):
        top = MOVERS_TOP + 1 + g * TOP_MOVERS
        ws.write_string(top, 0, MOVEMENT_LABEL[kind], fmt.label_bold)
        for window, (c_client, c_seg, c_change) in sides.items():
            col = score_column(window, kind)
            score = on(CLIENT_CALC, cell_range(lay, col), here)
            lines = Lines(book, score, window, top, min(TOP_MOVERS, lay.n_clients))
            movers = cust.movers[window][kind]
            lines.write_helpers(ws, [m.score for m in movers], [m.row for m in movers])
            lay.register(customers_list_name(f"{window}_{kind}"), Place(SHEET, top, c_client, 3, lines.count))
            for j in range(lines.count):
                mover = movers[j] if j < len(movers) else None
                who(lines, j, mover, (c_client, c_seg), "none" if j == 0 else "")
                sign = "-" if SIGN[kind] < 0 else ""
                ws.write_formula(
                    top + j,
                    c_change,
                    f'=IF({lines.r(j)}=0,"",{sign}12*{lines.v(j)})',
                    fmt.unit(CURRENCY),
                    "" if mover is None else mover.arr_change,
                )
    bottom = MOVERS_TOP + len(MOVEMENTS) * TOP_MOVERS + 1
    if cust.window_starts["month"] != cust.window_starts["three_months"]:  # say how the two windows differ
        three = months[cust.window_starts["three_months"]]
        for k, note in enumerate(net_notes(f"{three:%b %Y}", last)):
            ws.write_string(bottom + k, 0, note, fmt.note)
        bottom += 1
    _chart(book, ws)
    printing.page_setup(book, ws)
    ws.print_area(0, 0, bottom, CHART_COL + math.ceil(CHART_W / printing.col_px(8.43)))
    ws.fit_to_pages(1, 1)


CHART_W, CHART_H = 460, 300


def window_text(window: str, start, last: str) -> str:
    """What a window's lists measure, in the board's words."""
    if window == "month":
        return f"Change in ARR from {start:%b %Y} to {last}."
    return f"Change in ARR between {start:%b %Y} and {last}, net of moves in between."


def net_notes(start: str, last: str) -> tuple[str, str]:
    """Why a client of the month's lists can be missing from the three months' lists, or differ there."""
    return (
        f"The three-month lists compare each client's ARR in {last} with {start}: a client that grew and then "
        "shrank (or the reverse) shows only its net change,",
        f"so a move of {last} can be smaller there, or absent. ARR = 12 × MRR, as in the executive summary's "
        "client wins and losses.",
    )


def _chart(book: Book, ws) -> None:
    """The concentration trend over the latest 24 months, beside the largest clients."""
    chart = new_chart(book, "line", "Revenue concentration (% of MRR)", None, "0%")
    window = month_window(book, 24)
    for k, (label, key) in enumerate(CHART_SERIES):
        chart.add_series(row_series(book, series_name(key), label, window, line={**color(k), "width": 2}))
    chart.set_size({"width": CHART_W, "height": CHART_H})
    ws.insert_chart(LARGEST_TOP - 1, CHART_COL, chart, {"x_offset": 15})


def cell_range(lay, col: int) -> str:
    return f"{cell(lay.mrr_first_row, col, True, True)}:{cell(lay.mrr_last_row, col, True, True)}"


def _change_value(client):
    if client is None:
        return ""
    if client.new:
        return "new"
    return UNDEFINED if math.isnan(client.arr_change_12m) else client.arr_change_12m


def _pct_value(client):
    if client is None or client.new:
        return ""
    return UNDEFINED if math.isnan(client.change_12m) else client.change_12m
