"""Quarterly and Annual tabs: flows summed over the period's months, stocks at its last month,
opening balances carried in, ratios recomputed from the period's own sums (never averaged)."""

from __future__ import annotations

from workbook_gen.definitions import PERIOD_ROWS, period_metric
from workbook_gen.workbook.book import Book, cached
from workbook_gen.workbook.formulas import NA, NM, in_column, in_row, rounded, row_slice
from workbook_gen.workbook.layout import FIRST_COL, TIMELINE, TIMELINE_ROWS, Place, cell, on, span
from workbook_gen.workbook.tabs.common import sheet_header, write_row_head

VIEWS = (("Quarterly", "quarter", "quarterly"), ("Annual", "year", "annual"))
R_LABEL, R_NUMBER, R_FIRST, R_LAST = 3, 4, 5, 6
TOP = 8


def _keys(book: Book, attr: str) -> list[str]:
    view = getattr(book.results.total, attr)
    return [k for k, _ in PERIOD_ROWS if k in view]


def plan(book: Book) -> None:
    lay = book.layout
    for sheet, g, attr in VIEWS:
        for r, key in enumerate(_keys(book, attr)):
            lay.register(f"{attr}_{key}", Place(sheet, TOP + r, FIRST_COL, lay.n_periods[g]))


def write(book: Book) -> None:
    for sheet, g, attr in VIEWS:
        _write_view(book, sheet, g, attr)


def _write_view(book: Book, sheet: str, g: str, attr: str) -> None:
    lay, fmt, res = book.layout, book.fmt, book.results
    ws = book.sheet(sheet)
    view = getattr(res.total, attr)
    periods = res.periods[g]
    n = len(periods)
    fiscal = (
        ""
        if book.settings.fiscal_year_start == 1
        else f" (fiscal year starts in month {book.settings.fiscal_year_start})"
    )
    sheet_header(book, ws, f"{sheet} view — Total{fiscal}")
    ws.write_string(
        2,
        0,
        "Flows are sums of the months, stocks are at the period's last month, ratios are "
        "recomputed from the period's sums. Grey italics: period not complete.",
        fmt.note,
    )
    for r, label in (
        (R_LABEL, "Period"),
        (R_NUMBER, "Period #"),
        (R_FIRST, "First month #"),
        (R_LAST, "Last month #"),
    ):
        ws.write_string(r, 0, label, fmt.header_left if r == R_LABEL else fmt.label)
    label_tbl = on(TIMELINE, span(lay.period_tables[g], 0, lay.period_tables[g] + n - 1, 0), sheet)
    first_tbl = lay.place(f"period_{g}_first").range(sheet)
    last_tbl = lay.place(f"period_{g}_last").range(sheet)
    for p in range(n):
        c = FIRST_COL + p
        pc = cell(R_NUMBER, c, True)
        ws.write_formula(R_LABEL, c, f"={in_column(label_tbl, pc)}", fmt.header, periods.labels[p])
        ws.write_formula(
            R_NUMBER,
            c,
            f"=COLUMNS({cell(0, FIRST_COL, True, True)}:{cell(0, c, True)})",
            fmt.calc_int(),
            p + 1,
        )
        ws.write_formula(
            R_FIRST, c, f"={in_column(first_tbl, pc)}", fmt.calc_int(), int(periods.first[p]) + 1
        )
        ws.write_formula(R_LAST, c, f"={in_column(last_tbl, pc)}", fmt.calc_int(), int(periods.last[p]) + 1)
    number_row = lay.timeline_row(TIMELINE_ROWS[g], sheet)
    kinds = dict(PERIOD_ROWS)
    for key in _keys(book, attr):
        metric = period_metric(key)
        name = f"{attr}_{key}"
        row = lay.place(name).row
        write_row_head(ws, fmt, row, metric.label, name, metric.unit, book.settings.currency_symbol.strip())
        style, partial_style = fmt.unit(metric.unit), fmt.unit_partial(metric.unit)
        for p in range(n):
            c = FIRST_COL + p
            refs = _Refs(book, sheet, attr, c)
            formula = _formula(key, kinds[key], metric.first_month, refs, number_row, book, sheet)
            undefined = "n/m" if key == "burn_multiple" else "n/a"
            ws.write_formula(
                row,
                c,
                formula,
                partial_style if periods.partial[p] else style,
                cached(view[key][p], undefined),
            )
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 3, 8)
    ws.set_column(FIRST_COL, FIRST_COL + n, 12)
    ws.freeze_panes(R_NUMBER, FIRST_COL)
    book.print_setup(ws, repeat_rows=(R_LABEL, R_LABEL))


class _Refs:
    def __init__(self, book: Book, sheet: str, attr: str, col: int):
        self.lay, self.sheet, self.attr, self.col = book.layout, sheet, attr, col
        self.p = cell(R_NUMBER, col, True)
        self.first = cell(R_FIRST, col, True)
        self.last = cell(R_LAST, col, True)

    def v(self, key: str) -> str:
        """This period's ``key`` (same column)."""
        place = self.lay.place(f"{self.attr}_{key}")
        return cell(place.row, self.col)

    def monthly(self, key: str) -> str:
        return self.lay.series_row(key, self.sheet)


def _formula(key: str, kind: str, first_month: int, r: _Refs, number_row: str, book: Book, here: str) -> str:
    if kind == "flow":
        total = f"SUMIFS({r.monthly(key)},{number_row},{r.p})"
        return f"=IF({r.last}=1,{NA},{total})" if first_month > 1 else f"={total}"
    if kind == "stock":
        return f"={in_row(r.monthly(key), r.last)}"
    if kind == "opening":
        return f"={in_row(r.monthly(key.replace('_opening', '_closing')), f'MAX({r.first}-1,1)')}"

    def div(num: str, den: str) -> str:
        return f"=IF(ISNUMBER({den}),IF({den}=0,{NA},{num}/{den}),{NA})"

    gained = f"({r.v('mrr_new')}+{r.v('mrr_reactivation')}+{r.v('mrr_expansion')})"
    lost = f"({r.v('mrr_contraction')}+{r.v('mrr_churn')})"
    o, c = r.v("mrr_opening"), r.v("mrr_closing")
    if key == "mrr_net_new":
        return f"={c}-{o}"
    if key == "mrr_growth":
        return f"=IF({o}=0,{NA},{c}/{o}-1)"
    if key == "arpa":
        return div(c, r.v("clients_closing"))
    if key == "asp_new":
        return div(r.v("mrr_new"), r.v("clients_new"))
    if key == "quick_ratio":
        return f"=IF(ISNUMBER({r.v('mrr_new')}),IF({lost}=0,{NA},{gained}/{lost}),{NA})"
    if key == "logo_churn_rate":
        return f"=IF(ISNUMBER({r.v('clients_churned')}),IF({r.v('clients_opening')}=0,{NA},{r.v('clients_churned')}/{r.v('clients_opening')}),{NA})"
    if key == "gross_mrr_churn_rate":
        return f"=IF(ISNUMBER({r.v('mrr_churn')}),IF({o}=0,{NA},{lost}/{o}),{NA})"
    if key == "net_mrr_churn_rate":
        net = f"({lost}-{r.v('mrr_expansion')}-{r.v('mrr_reactivation')})"
        return f"=IF(ISNUMBER({r.v('mrr_churn')}),IF({o}=0,{NA},{net}/{o}),{NA})"
    if key == "gross_margin":
        closing, gm = r.monthly("mrr_closing"), r.monthly("gross_margin")
        revenue = f"SUMIFS({closing},{number_row},{r.p})"
        return f"=IF({revenue}=0,{NA},SUMPRODUCT(({number_row}={r.p})*{closing}*{gm})/{revenue})"
    if key == "cac":
        lag = r.lay.setting("cac_lag")
        sm = r.monthly("sm_spend")
        spend = f"SUM({row_slice(sm, f'{r.first}-{lag}', f'{r.last}-{lag}')})"
        new = r.v("clients_new")
        return f"=IF(OR({r.first}<2,{r.first}-{lag}<1),{NA},IF({new}=0,{NA},{spend}/{new}))"
    if key == "burn_multiple":
        delta = rounded(f"{r.v('arr')}-12*{o}")
        return f"=IF({delta}<=0,{NM},{r.v('net_burn')}/{delta})"
    raise KeyError(key)
