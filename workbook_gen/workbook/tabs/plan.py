"""Plan vs actual (docs/definitions.md, Plan vs actual): the latest month, quarter to date, year to date
and the full year (plan against outlook) of every planned metric, and below the table the named monthly
rows ``plan_<key>`` and ``variance_<key>`` on the timeline. Every cell is a formula over the Plan sheet
and the metric rows."""

from __future__ import annotations

import math

from workbook_gen.definitions import BY_KEY, CURRENCY, HIGHER, PCT, shown_label
from workbook_gen.metrics.plan import PERIODS, covers, no_plan_text
from workbook_gen.model import SHEET_PLAN
from workbook_gen.names import plan_name, plan_summary_name, series_name, variance_name
from workbook_gen.rules import plan_is_flow
from workbook_gen.text import inert_name
from workbook_gen.workbook.book import Book, cached, excel_serial
from workbook_gen.workbook.charts import PALETTE, money_format, new_chart
from workbook_gen.workbook.formulas import NA, in_row, latest
from workbook_gen.workbook.layout import FIRST_COL, TL_DATE, Place, cell, on, span
from workbook_gen.workbook.tabs.common import month_header, section_row, sheet_header, unit_text
from workbook_gen.workbook.tabs.inputs import plan_first_col

SHEET = "Plan vs actual"
TABLE_TOP = 5  # first metric row of the table (two heading rows above it)
NO_PLAN_ROW = 2  # the line the page prints instead of the table when the plan lacks the latest month
UNIT_COL, BETTER_COL = 2, 3
COLUMNS = ("Actual", "Plan", "Variance", "Var. %")
# The page prints its sixteen columns of figures on one landscape sheet: its text a point larger than
# the workbook's, amounts in thousands or millions, so that fitted to the sheet it stays legible.
FONT_PT = 11
LABEL_WIDTH, FIGURE_WIDTH = 26, 9
YEAR_COLUMNS = ("Outlook", "Plan", "Variance", "Var. %")


def group_col(period: str) -> int:
    """First column of a period's four columns (actual or outlook, plan, variance, variance %)."""
    return FIRST_COL + 4 * PERIODS.index(period)


CHART_ROWS = 17  # sheet rows the ARR-against-plan chart takes below the notes
CHART_KEY = "arr"  # drawn against its plan when planned


def monthly_top(n_keys: int) -> int:
    """The month header of the monthly plan and variance rows, below the table, its notes and the chart."""
    return TABLE_TOP + n_keys + 6 + CHART_ROWS


def chart_months(book: Book) -> tuple[int, int]:
    """The ARR chart's months, as 0-based positions on the timeline (past the last actual month for the
    plan's future months): the year before the plan year and the plan year, as far as the plan runs."""
    p, months = book.results.plan, book.results.months
    start = p.year_months[0]
    first = max(0, months.index(start) - 12) if start in months else 0
    end = min(p.year_months[-1], p.plan_months[-1]) if p.plan_months else months[-1]
    n_after = 0 if end <= months[-1] else sum(1 for m in p.plan_months if months[-1] < m <= end)
    return first, len(months) - 1 + n_after


def plan(book: Book) -> None:
    """Place the named monthly rows: plan_<key>, then variance_<key>, for each planned key."""
    p, lay = book.results.plan, book.layout
    row = monthly_top(len(p.keys)) + 1
    for k in p.keys:
        lay.register(plan_name(k), Place(SHEET, row, FIRST_COL, lay.n_months))
        lay.register(variance_name(k), Place(SHEET, row + 1, FIRST_COL, lay.n_months))
        lay.register(plan_summary_name(k), Place(SHEET, TABLE_TOP + p.keys.index(k), FIRST_COL, 16))
        row += 2


def _both(a: str, p: str, then: str) -> str:
    return f"IF(AND(ISNUMBER({a}),ISNUMBER({p})),{then},{NA})"


def _sum_all(rng: str) -> str:
    """The sum of a range, n/a unless every cell of it is a number."""
    return f"IF(COUNT({rng})=COLUMNS({rng}),SUM({rng}),{NA})"


def _styles(fmt, m, values) -> tuple:
    """A row's styles (figure, variance): amounts in thousands from the row's largest of 10k (never
    millions: a variance of a few thousand must not print as $0.00m), else by its unit."""
    if m.unit == CURRENCY:
        top = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=math.nan)
        return fmt.money(top, millions=False), fmt.money_change(top, millions=False)
    return fmt.unit(m.unit), fmt.change(m.unit)


def write(book: Book) -> None:
    res, lay = book.results, book.layout
    fmt = book.fmt.sized(FONT_PT)
    p = res.plan
    ws = book.sheet(SHEET)
    months = res.months
    version = f" · plan: {p.version}" if p.version else ""
    sheet_header(
        book,
        ws,
        f"Plan vs actual — {months[-1]:%B %Y}",
        f"{book.company} · {book.settings.currency}{version}",
    )
    first_q, _ = p.windows["qtd"]
    first_y, _ = p.windows["ytd"]
    year = p.year_months
    heads = {
        "month": f"{months[-1]:%b %Y}",
        "qtd": f"Quarter to date ({months[first_q]:%b}–{months[-1]:%b %Y})",
        "ytd": f"Year to date ({months[first_y]:%b %Y}–{months[-1]:%b %Y})",
        "year": f"Full year ({year[0]:%b %Y}–{year[-1]:%b %Y})",
    }
    for c, h in enumerate(("Metric", "Defined name", "Unit", "Better")):
        ws.write_string(TABLE_TOP - 1, c, h, fmt.header_left)
        ws.write_blank(TABLE_TOP - 2, c, None, fmt.header_left)
    for period in PERIODS:
        c0 = group_col(period)
        ws.merge_range(TABLE_TOP - 2, c0, TABLE_TOP - 2, c0 + 3, heads[period], fmt.header)
        for j, h in enumerate(YEAR_COLUMNS if period == "year" else COLUMNS):
            ws.write_string(TABLE_TOP - 1, c0 + j, h, fmt.header)
    plan_sheet_row = {
        line.key: r for r, line in enumerate(book.data.plan.lines, start=1) if line in _chosen(book)
    }
    currency = book.settings.currency_symbol.strip()
    for r, k in enumerate(p.keys):
        row = TABLE_TOP + r
        m = BY_KEY[k]
        ws.write_string(row, 0, shown_label(m), fmt.label)
        ws.write_string(row, 1, plan_name(k), fmt.name)
        ws.write_string(row, UNIT_COL, unit_text(m.unit, currency), fmt.unit_text)
        ws.write_string(row, BETTER_COL, m.better, fmt.unit_text)
        cells = _table_formulas(book, k, plan_sheet_row[k])
        figure, change = _styles(
            fmt, m, [v for period in PERIODS for v in (p.table[period][k].actual, p.table[period][k].plan)]
        )
        for period in PERIODS:
            c0 = group_col(period)
            comp = p.table[period][k]
            a_ref, p_ref = cell(row, c0), cell(row, c0 + 1)
            actual_f, plan_f = cells[period]
            _cell(ws, row, c0, actual_f, figure, comp.actual)
            _cell(ws, row, c0 + 1, plan_f, figure, comp.plan)
            scale = "*100" if m.unit == PCT else ""  # a change of a percentage is shown in points
            ws.write_formula(
                row,
                c0 + 2,
                "=" + _both(a_ref, p_ref, f"({a_ref}-{p_ref}){scale}"),
                change,
                cached(comp.variance * (100 if m.unit == PCT else 1)),
            )
            ws.write_formula(
                row,
                c0 + 3,
                "=" + _both(a_ref, p_ref, f"IF({p_ref}=0,{NA},({a_ref}-{p_ref})/ABS({p_ref}))"),
                fmt.change_pct(),
                cached(comp.variance_pct),
            )
            _colour(book, ws, row, c0 + 2, m.better == HIGHER)
    notes = TABLE_TOP + len(p.keys) + 1
    for j, text in enumerate(
        (
            "Variance = actual − plan (a percentage's variance in points); variance % = variance ÷ |plan|. "
            "Green: favourable, the way the metric is better (spend, churn and burn under plan are "
            "favourable); red: unfavourable.",
            "Quarter and year to date: flows (movements, new clients, spend, burn) summed over the months "
            "with actuals, against the plan for the same months; stocks and rates at the latest month.",
            "Full year: the plan for the year against the outlook, the actuals to date and the plan for the "
            "remaining months (for a stock or a rate, its value at the year end).",
        )
    ):
        ws.write_string(notes + j, 0, text, fmt.note)
    _monthly(book, ws)
    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, 1, 24, None, {"level": 1, "hidden": True})
    # The unit is the figures' own ($, k, %), and which way is better shows in the variance's colour
    # (the notes say so): both columns stay in the workbook, off the page.
    ws.set_column(UNIT_COL, BETTER_COL, 7, None, {"level": 1, "hidden": True})
    ws.set_column(FIRST_COL, max(lay.last_col, group_col("year") + 3), FIGURE_WIDTH)
    ws.freeze_panes(TABLE_TOP, 1)
    bottom = notes + 2
    if CHART_KEY in p.keys:
        _chart(book, ws, notes + 4)
        bottom = notes + 4 + CHART_ROWS - 1
    if covers(p, months[-1]):
        ws.print_area(0, 0, bottom, group_col("year") + 3)
    else:  # every actual would face an n/a: the page says when the plan runs instead (the table stays)
        ws.write_string(NO_PLAN_ROW, 0, no_plan_text(p, months[-1]), fmt.label)
        ws.print_area(0, 0, NO_PLAN_ROW, group_col("ytd") - 1)
    ws.fit_to_pages(1, 1)


def _chosen(book: Book):
    return book.data.plan.lines_of(book.results.plan.version)


def _cell(ws, row: int, col: int, formula: str | None, style, value: float) -> None:
    """A table cell: its formula, or the text n/a where the plan or the actuals cannot give one."""
    if formula is None:
        ws.write_string(row, col, NA.strip('"'), style)
    else:
        ws.write_formula(row, col, "=" + formula, style, cached(value))


def _colour(book: Book, ws, row: int, col: int, higher: bool) -> None:
    """Variance and variance %: green when favourable, red when not (by the variance's sign)."""
    v = cell(row, col, col_abs=True)
    good, bad = (">", "<") if higher else ("<", ">")
    for cmp, style in ((good, book.fmt.good), (bad, book.fmt.bad)):
        ws.conditional_format(
            row,
            col,
            row,
            col + 1,
            {"type": "formula", "criteria": f"=AND(ISNUMBER({v}),{v}{cmp}0)", "format": style},
        )


def _plan_span(book: Book, sheet_row: int, months) -> str | None:
    """The Plan sheet's cells of one row over ``months`` (contiguous); None when the plan lacks one."""
    plan_months = book.data.plan.months
    if not months or months[0] not in plan_months or months[-1] not in plan_months:
        return None
    first = plan_first_col(book.data.plan)
    c1, c2 = first + plan_months.index(months[0]), first + plan_months.index(months[-1])
    if c1 == c2:
        return on(SHEET_PLAN, cell(sheet_row, c1, True, True), SHEET)
    return on(SHEET_PLAN, span(sheet_row, c1, sheet_row, c2), SHEET)


def _table_formulas(book: Book, key: str, sheet_row: int) -> dict[str, tuple[str | None, str | None]]:
    """(actual or outlook, plan) formulas of each period for ``key``."""
    res, lay = book.results, book.layout
    p, months = res.plan, res.months
    last = len(months) - 1
    actual_latest, plan_latest = latest(series_name(key)), latest(plan_name(key))
    out = {"month": (actual_latest, plan_latest)}
    for name in ("qtd", "ytd"):
        if plan_is_flow(key):
            first, _ = p.to_date(key, name)  # from the metric's first month with a value
            if first > last:
                out[name] = (None, None)
                continue
            a = on(*_row_span(lay, series_name(key), first, last), SHEET)
            q = on(*_row_span(lay, plan_name(key), first, last), SHEET)
            out[name] = (_sum_all(a), _sum_all(q))
        else:
            out[name] = (actual_latest, plan_latest)
    year = p.year_months
    rest = [m for m in year if m > months[-1]]
    if plan_is_flow(key):
        whole = _plan_span(book, sheet_row, year)
        plan_f = None if whole is None else _sum_all(whole)
        if year[0] < months[0]:
            outlook = None
        else:
            done = on(*_row_span(lay, series_name(key), months.index(year[0]), last), SHEET)
            later = _plan_span(book, sheet_row, rest) if rest else ""
            if later is None:
                outlook = None
            elif later:
                outlook = (
                    f"IF(AND(COUNT({done})=COLUMNS({done}),COUNT({later})=COLUMNS({later})),"
                    f"SUM({done})+SUM({later}),{NA})"
                )
            else:
                outlook = _sum_all(done)
    else:
        end = _plan_span(book, sheet_row, year[-1:])
        plan_f = None if end is None else f"IF(ISNUMBER({end}),{end},{NA})"
        outlook = plan_f if rest else actual_latest
    out["year"] = (outlook, plan_f)
    return out


def _row_span(lay, name: str, first: int, last: int) -> tuple[str, str]:
    """(sheet, range) of months ``first``..``last`` of a named monthly row."""
    place = lay.place(name)
    return place.sheet, span(place.row, place.col + first, place.row, place.col + last)


def _monthly(book: Book, ws) -> None:
    """The named monthly rows: the plan for each month of actuals (n/a where the plan has none) and
    the variance, actual − plan."""
    res, fmt, lay = book.results, book.fmt, book.layout
    p = res.plan
    top = monthly_top(len(p.keys))
    section_row(fmt, ws, top - 1, "Plan and variance by month", 4)
    month_header(book, ws, SHEET, top)
    plan_sheet_row = {
        line.key: r for r, line in enumerate(book.data.plan.lines, start=1) if line in _chosen(book)
    }
    first = plan_first_col(book.data.plan)
    n_plan = len(book.data.plan.months)
    header = on(SHEET_PLAN, span(0, first, 0, first + n_plan - 1), SHEET)
    currency = book.settings.currency_symbol.strip()
    for k in p.keys:
        m = BY_KEY[k]
        row_range = on(
            SHEET_PLAN, span(plan_sheet_row[k], first, plan_sheet_row[k], first + n_plan - 1), SHEET
        )
        prow, vrow = lay.place(plan_name(k)).row, lay.place(variance_name(k)).row
        for r, label, name in (
            (prow, f"{shown_label(m)} — plan", plan_name(k)),
            (vrow, f"{shown_label(m)} — variance", variance_name(k)),
        ):
            ws.write_string(r, 0, label, fmt.label)
            ws.write_string(r, 1, name, fmt.name)
            ws.write_string(r, UNIT_COL, unit_text(m.unit, currency), fmt.unit_text)
        style, _ = _styles(fmt, m, [*p.plan[k], *p.variance[k]])
        for i in range(lay.n_months):
            date = lay.timeline(TL_DATE, i, SHEET)
            x = in_row(row_range, f"MATCH({date},{header},0)")
            ws.write_formula(prow, lay.col(i), f"=IF(ISNUMBER({x}),{x},{NA})", style, cached(p.plan[k][i]))
            a, q = lay.series_cell(series_name(k), i, SHEET), cell(prow, lay.col(i))
            ws.write_formula(vrow, lay.col(i), "=" + _both(a, q, f"{a}-{q}"), style, cached(p.variance[k][i]))


def _chart_rows(book: Book) -> dict[str, int]:
    """The rows of the ARR-against-plan chart's data (hidden, below the monthly rows of this tab)."""
    base = book.layout.place(variance_name(book.results.plan.keys[-1])).row + 2
    return {"date": base, "actual": base + 1, "plan": base + 2}


def _chart(book: Book, ws, top: int) -> None:
    """ARR against plan: the actuals, and the plan line on to the end of the plan year, marked as plan.
    Its helper rows (hidden, below the monthly rows) sit on the timeline's columns, continued to the
    right for the plan's future months; a month without a value is #N/A, a gap."""
    res, fmt, lay = book.results, book.fmt, book.layout
    p, months = res.plan, res.months
    plan_months = book.data.plan.months
    first, last = chart_months(book)
    future = [m for m in plan_months if m > months[-1]]  # the plan's months past the actuals
    rows = _chart_rows(book)
    first_col = plan_first_col(book.data.plan)
    sheet_row = {line.key: r for r, line in enumerate(book.data.plan.lines, start=1) if line in _chosen(book)}
    label = BY_KEY[CHART_KEY].label
    for what, row in rows.items():
        ws.write_string(
            row, 0, f"{label} against plan — chart data ({what}), #N/A where there is none", fmt.note
        )
        ws.set_row(row, None, None, {"level": 1, "hidden": True})
    money = fmt.unit(BY_KEY[CHART_KEY].unit)
    for i in range(first, last + 1):
        col = lay.col(i)
        if i < len(months):
            month = months[i]
            date = f"={lay.timeline(TL_DATE, i, SHEET)}"
            a = lay.series_cell(series_name(CHART_KEY), i, SHEET)
            value = res.total.monthly[CHART_KEY][i]
            ws.write_formula(rows["actual"], col, f"=IF(ISNUMBER({a}),{a},NA())", money, _chart_value(value))
            q = lay.series_cell(plan_name(CHART_KEY), i, SHEET)
        else:
            month = future[i - len(months)]
            j = plan_months.index(month)
            date = "=" + on(SHEET_PLAN, cell(0, first_col + j, True, True), SHEET)
            q = on(SHEET_PLAN, cell(sheet_row[CHART_KEY], first_col + j, True, True), SHEET)
        ws.write_formula(rows["date"], col, date, fmt.header_date, excel_serial(month))
        ws.write_formula(
            rows["plan"],
            col,
            f"=IF(ISNUMBER({q}),{q},NA())",
            money,
            _chart_value(p.plan_at(CHART_KEY, month)),
        )
    chart = arr_against_plan(book)
    chart.set_size({"width": 900, "height": 320})
    ws.insert_chart(top, 0, chart, {"object_position": 3})


def arr_against_plan(book: Book):
    """The chart of ARR against its plan (the dashboard's ARR chart too, when ARR is planned): actuals,
    and the plan dashed on to the end of the plan year. Its data are this tab's hidden chart rows."""
    p, lay = book.results.plan, book.layout
    first, last = chart_months(book)
    rows = _chart_rows(book)
    label = BY_KEY[CHART_KEY].label
    actual = book.results.total.monthly[CHART_KEY][first : last + 1]
    # a plan with no month in the chart's months (a history cut short with --as-of) draws no line
    on_chart = [*book.results.months, *(m for m in p.plan_months if m > book.results.months[-1])]
    drawn = [p.plan_at(CHART_KEY, m) for m in on_chart[first : last + 1]]
    with_plan = any(v is not None and math.isfinite(v) for v in drawn)
    planned = [p.plan_at(CHART_KEY, m) for m in book.data.plan.months] if with_plan else []
    top = max((abs(v) for v in (*actual, *planned) if v is not None and math.isfinite(v)), default=None)
    title = f"{label} against plan" if with_plan else label
    chart = new_chart(book, "line", f"{title} ({book.settings.currency})", None, money_format(book, top))
    categories = [SHEET, rows["date"], lay.col(first), rows["date"], lay.col(last)]
    chart.add_series(
        {
            "name": label,
            "categories": categories,
            "values": [SHEET, rows["actual"], lay.col(first), rows["actual"], lay.col(last)],
            "line": {"color": PALETTE[0], "width": 2.25},
        }
    )
    if not with_plan:
        return chart
    version = f" ({p.version})" if p.version else ""
    chart.add_series(
        {
            "name": inert_name(f"Plan{version}"),
            "categories": categories,
            "values": [SHEET, rows["plan"], lay.col(first), rows["plan"], lay.col(last)],
            "line": {"color": PALETTE[1], "width": 1.75, "dash_type": "dash"},
        }
    )
    return chart


def _chart_value(v: float):
    return "#N/A" if v is None or math.isnan(v) else float(v)
