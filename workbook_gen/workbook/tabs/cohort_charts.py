"""The template's cohort economics as charts, at the top of the quarterly cohort tab
and beside the annual cohort tables:

- cohort NRR curves (quarterly cohorts; annual cohorts beside the year tables, or on a segment's
  tab in the grid of charts at the top, which is its printed page),
- cumulative gross profit by cohort age against each cohort's CAC (a flat line in the cohort's
  colour) for the latest quarterly cohorts with a CAC,
- the average cohort: gross profit per client by age against CAC per client, chained by age
  (metrics/cohort_economics.py), drawn up to the last age at least MIN_COHORTS cohorts have reached.

Chart data the tables do not hold (CAC repeated across ages, the average cohort) sits in hidden
rows under the tab's tables: numbers, or #N/A where undefined (a gap, not a zero)."""

from __future__ import annotations

import math

import numpy as np

from workbook_gen.definitions import GROUPINGS
from workbook_gen.expressions import UNDEFINED
from workbook_gen.names import cohort_chart_name, cohort_index_name, cohort_name
from workbook_gen.workbook import charts
from workbook_gen.workbook.book import Book, ScopeSheets
from workbook_gen.workbook.derived import NA
from workbook_gen.workbook.layout import FIRST_COL, Place, cell, span

MIN_COHORTS = 3  # the average cohort is drawn up to the last age this many cohorts have reached
CURVE_COHORTS = 3  # latest quarterly cohorts drawn as cumulative-GP curves (each with its CAC line)
NRR_COHORTS = 8
CHART_W, CHART_H = 430, 300
SEGMENT_CHART_W = 560  # on a segment's cohort tab, two charts a row
GRID_ROWS = 16  # sheet rows a row of charts takes


def _line_rows(ss: ScopeSheets) -> list[int]:
    """Quarterly cohort rows that get a CAC line in the chart data: every cohort after the opening base
    with at least two ages (the same rows whatever the clients, so the formulas do not depend on them)."""
    t = ss.scope.cohorts["quarter"]
    return [] if t.cac is None else [p for p in range(1, t.n) if t.ages(p) >= 2]


def _curve_cohorts(ss: ScopeSheets) -> list[int]:
    """Quarterly cohorts drawn against their CAC: the latest with a CAC and at least two ages."""
    t = ss.scope.cohorts["quarter"]
    if t.cac is None:
        return []
    ok = [p for p in range(t.n) if np.isfinite(t.cac[p]) and t.size[p] > 0 and t.ages(p) >= 2]
    return ok[-CURVE_COHORTS:]


def _name(slug, what: str) -> str:
    return cohort_chart_name(what, slug)


def plan(book: Book, ss: ScopeSheets) -> None:
    """Hidden chart-data rows under everything else on the quarterly cohort tab."""
    lay, slug = book.layout, ss.scope.slug
    sheet = ss.cohorts["quarter"]
    n = lay.n_periods["quarter"]
    row = max(p.row + p.height for p in lay.places.values() if p.sheet == sheet) + 2
    cohorts = _line_rows(ss)
    if cohorts:
        lay.register(_name(slug, "cac_lines"), Place(sheet, row, FIRST_COL, n, len(cohorts)))
        row += len(cohorts)
    if ss.scope.cohorts["quarter"].cac is not None:
        lay.register(_name(slug, "average"), Place(sheet, row, FIRST_COL, n, 2))


def write(book: Book, ss: ScopeSheets) -> None:
    for g in GROUPINGS:
        _cac_per_client(book, ss, g)
    _write_data(book, ss)
    _quarter_charts(book, ss)
    _year_chart(book, ss)


def _cac_per_client(book: Book, ss: ScopeSheets, g: str) -> None:
    """Beside the cohort's S&M spend: CAC per client (spend ÷ cohort size)."""
    lay, fmt, t = book.layout, book.fmt, ss.scope.cohorts[g]
    if t.cac is None:
        return
    ws = book.sheet(ss.cohorts[g])
    idx = lay.place(cohort_index_name(g, ss.scope.slug))
    per_client = idx.col + idx.width - 1  # the index block's last column, free for CAC per client
    size_col = lay.place(cohort_name(g, "size", ss.scope.slug)).col
    cac_col = lay.place(cohort_name(g, "cac", ss.scope.slug)).col
    ws.write_string(idx.row - 1, per_client, "CAC per client", fmt.header)
    for p in range(t.n):
        spend, size = cell(idx.row + p, cac_col), cell(idx.row + p, size_col)
        v = t.cac[p] / t.size[p] if t.size[p] > 0 and np.isfinite(t.cac[p]) else math.nan
        ws.write_formula(
            idx.row + p,
            per_client,
            f"=IF(ISNUMBER({spend}),IF({size}=0,{NA},{spend}/{size}),{NA})",
            fmt.unit("currency"),
            UNDEFINED if math.isnan(v) else float(v),
        )


def _or_na(v: float):
    return "#N/A" if math.isnan(v) else float(v)


def _hide(ws, row: int) -> None:
    ws.set_row(row, None, None, {"level": 1, "hidden": True})


def _write_data(book: Book, ss: ScopeSheets) -> None:
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    slug, sheet = scope.slug, ss.cohorts["quarter"]
    ws = book.sheet(sheet)
    t = scope.cohorts["quarter"]
    n = t.n
    idx = lay.place(cohort_index_name("quarter", slug))
    size_at = lay.place(cohort_name("quarter", "size", slug)).col
    cac_at = lay.places.get(cohort_name("quarter", "cac", slug))
    money = fmt.unit("currency")
    lines = lay.places.get(_name(slug, "cac_lines"))
    if lines is not None:
        for j, p in enumerate(_line_rows(ss)):
            r = lines.row + j
            _hide(ws, r)
            ws.write_string(r, 0, f"{t.labels[p]} CAC — chart data", fmt.note)
            cac_cell = cell(idx.row + p, cac_at.col, True, True)
            for k in range(t.ages(p)):
                ws.write_formula(
                    r, FIRST_COL + k, f"=IF(ISNUMBER({cac_cell}),{cac_cell},NA())", money, _or_na(t.cac[p])
                )
    avg_place = lay.places.get(_name(slug, "average"))
    if avg_place is None:
        return
    avg = t.average
    gp = lay.place(cohort_name("quarter", "cum_gp", slug))
    size_col = span(idx.row, size_at, idx.row + n - 1, size_at)
    cac_col = span(idx.row, cac_at.col, idx.row + n - 1, cac_at.col)
    r_gp, r_cac = avg_place.row, avg_place.row + 1
    for r, label in ((r_gp, "Average cohort: gross profit per client to date"), (r_cac, "CAC per client")):
        _hide(ws, r)
        ws.write_string(r, 0, f"{label} — chart data", fmt.note)
    cac_clients = f'SUMIFS({size_col},{cac_col},">=0")'
    for k in range(t.width):
        gp_col = span(gp.row, FIRST_COL + k, gp.row + n - 1, FIRST_COL + k, True, False)
        clients = f'SUMIFS({size_col},{cac_col},">=0",{gp_col},"<>")'
        to_date = f'SUMIFS({gp_col},{cac_col},">=0")'
        if k == 0:
            text = f"=IF({clients}=0,NA(),{to_date}/{clients})"
        else:  # chained (metrics/cohort_economics.py): the age before, plus what the cohorts at age k earned in it
            before = span(gp.row, FIRST_COL + k - 1, gp.row + n - 1, FIRST_COL + k - 1, True, False)
            then = f'SUMIFS({before},{cac_col},">=0",{gp_col},"<>")'
            text = f"=IF({clients}=0,NA(),{cell(r_gp, FIRST_COL + k - 1)}+({to_date}-{then})/{clients})"
        v = avg.gp_per_client[k]
        ws.write_formula(r_gp, FIRST_COL + k, text, money, "#N/A" if math.isnan(v) else float(v))
        c = avg.cac_per_client
        ws.write_formula(
            r_cac,
            FIRST_COL + k,
            f'=IF({cac_clients}=0,NA(),SUMIFS({cac_col},{cac_col},">=0")/{cac_clients})',
            money,
            "#N/A" if math.isnan(c) else float(c),
        )


def _age_axis(chart, unit: str) -> None:
    chart.set_x_axis(
        {
            "name": f"Age ({unit})",
            "name_font": {"size": 8},
            "num_font": {"size": 8},
            "major_tick_mark": "none",
        }
    )


def _nrr_curves(book: Book, ss: ScopeSheets, g: str, title: str):
    """NRR of each cohort by age (% of its age-0 MRR); cohorts with a size and two ages or more."""
    lay, t = book.layout, ss.scope.cohorts[g]
    sheet = ss.cohorts[g]
    nrr = lay.place(cohort_name(g, "nrr", ss.scope.slug))
    head = nrr.row - 1
    picked = [p for p in range(t.n) if t.size[p] > 0 and t.ages(p) >= 2][-NRR_COHORTS:]
    if not picked:
        return None
    chart = charts.new_chart(book, "line", title, None, "0%")
    for j, p in enumerate(picked):
        r = nrr.row + p
        chart.add_series(
            {
                "name": [sheet, r, 0],
                "categories": [sheet, head, FIRST_COL, head, FIRST_COL + t.width - 1],
                "values": [sheet, r, FIRST_COL, r, FIRST_COL + t.ages(p) - 1],
                "line": {**charts.color(j), "width": 1.75},
                "marker": {"type": "circle", "size": 3, "fill": charts.color(j), "border": charts.color(j)},
            }
        )
    _age_axis(chart, "quarters" if g == "quarter" else "years")
    chart.set_size({"width": CHART_W, "height": CHART_H})
    low = np.nanmin(t.nrr[picked]) if np.isfinite(t.nrr[picked]).any() else np.nan
    if low > 0.3:  # start the axis near the data, not at 0 %
        charts.set_y_limits(chart, math.floor(low * 10 - 1) / 10)
    return chart


def _quarter_charts(book: Book, ss: ScopeSheets) -> None:
    lay, scope = book.layout, ss.scope
    slug, sheet = scope.slug, ss.cohorts["quarter"]
    ws = book.sheet(sheet)
    t = scope.cohorts["quarter"]
    n = t.n
    cur = book.settings.currency
    made = []
    if n >= 3:
        made.append(_nrr_curves(book, ss, "quarter", "Cohort NRR by quarter of acquisition (% of age-0 MRR)"))
    lines = lay.places.get(_name(slug, "cac_lines"))
    gp = lay.place(cohort_name("quarter", "cum_gp", slug))
    head = gp.row - 1
    if lines is not None and _curve_cohorts(ss):
        curves = charts.new_chart(
            book,
            "line",
            f"Cumulative gross profit vs CAC, by quarterly cohort ({cur})",
            None,
            charts.money_format(
                book,
                max(
                    [charts.largest(t.cum_gp[p]) for p in _curve_cohorts(ss)]
                    + [charts.largest(t.cac[_curve_cohorts(ss)])],
                    default=0.0,
                ),
            ),
        )
        line_rows = _line_rows(ss)
        for j, p in enumerate(_curve_cohorts(ss)):
            line = lines.row + line_rows.index(p)
            colour = charts.color(j)
            cats = [sheet, head, FIRST_COL, head, FIRST_COL + t.ages(p) - 1]
            curves.add_series(
                {
                    "name": [sheet, gp.row + p, 0],
                    "categories": cats,
                    "values": [sheet, gp.row + p, FIRST_COL, gp.row + p, FIRST_COL + t.ages(p) - 1],
                    "line": {**colour, "width": 2},
                }
            )
            curves.add_series(
                {
                    "name": f"CAC {t.labels[p]}",
                    "categories": cats,
                    "values": [sheet, line, FIRST_COL, line, FIRST_COL + t.ages(p) - 1],
                    "line": {**colour, "width": 1, "dash_type": "dash"},
                }
            )
        _age_axis(curves, "quarters")
        curves.set_legend({"position": "right", "font": {"size": 7}})
        curves.set_size({"width": CHART_W, "height": CHART_H})
        made.append(curves)
    avg_place = lay.places.get(_name(slug, "average"))
    if avg_place is not None and np.isfinite(t.average.cac_per_client):
        avg = charts.new_chart(
            book,
            "line",
            f"Average cohort: gross profit vs CAC per client ({cur})",
            None,
            charts.money_format(
                book, max(charts.largest(t.average.gp_per_client), charts.largest([t.average.cac_per_client]))
            ),
        )
        # ages that at least MIN_COHORTS cohorts have reached (fewer make a noisy average)
        reached = [int(np.sum(np.isfinite(t.cac) & np.isfinite(t.cum_gp[:, k]))) for k in range(t.width)]
        least = min(MIN_COHORTS, max(reached))
        last = max([k for k in range(t.width) if reached[k] >= least], default=0)
        cats = [sheet, head, FIRST_COL, head, FIRST_COL + last]
        for r, label, line in (
            (avg_place.row, "Gross profit per client to date", {**charts.color(1), "width": 2.25}),
            (avg_place.row + 1, "CAC per client", {**charts.color(4), "width": 1.5, "dash_type": "dash"}),
        ):
            avg.add_series(
                {
                    "name": label,
                    "categories": cats,
                    "values": [sheet, r, FIRST_COL, r, FIRST_COL + last],
                    "line": line,
                }
            )
        _age_axis(avg, "quarters")
        avg.set_size({"width": CHART_W, "height": CHART_H})
        made.append(avg)
        ws.write_string(AVERAGE_NOTE_ROW, 0, average_note(least), book.fmt.note)
    top = (
        min(
            p.row
            for name, p in lay.places.items()
            if p.sheet == sheet and name.startswith(cohort_index_name("", "")[:-2])
        )
        - 2
    )
    width, per_row = CHART_W, 3
    if not scope.is_total:  # a segment's page: two rows of two, the annual cohorts' NRR curves last
        made.append(_year_nrr(book, ss))
        width, per_row = SEGMENT_CHART_W, 2
    chart_top = 4  # under the tab's title and note (tabs/cohorts.py keeps this space free)
    for k, chart in enumerate(c for c in made if c is not None):
        row = chart_top + (k // per_row) * GRID_ROWS
        if row + 15 > top:
            break
        chart.set_size({"width": width, "height": CHART_H})
        ws.insert_chart(row, 0, chart, {"x_offset": 5 + (k % per_row) * (width + 8), "y_offset": 5})


AVERAGE_NOTE_ROW = 3  # under the tab's note, above the charts (tabs/cohorts.py keeps it free here)


def average_note(least: int) -> str:
    """What the average cohort's line is, in the board's words (``least``: the cohorts its last age has)."""
    reached = f"{least} or more cohorts" if least > 1 else "a cohort"
    return (
        "Average cohort: each quarter of age adds the gross profit per client earned in it by the cohorts "
        f"that reached it; drawn to the last age {reached} reached."
    )


def _year_nrr(book: Book, ss: ScopeSheets):
    """Annual cohort NRR curves (None when there are too few annual cohorts)."""
    if ss.scope.cohorts["year"].n < 2 or "year" not in GROUPINGS:
        return None
    return _nrr_curves(book, ss, "year", "Annual cohorts: NRR by age (% of year-0 MRR)")


def _year_chart(book: Book, ss: ScopeSheets) -> None:
    """Annual cohort NRR curves, right of the year index block (a segment's are at the top of its
    cohort tab, with its other cohort charts)."""
    lay, t = book.layout, ss.scope.cohorts["year"]
    if not ss.scope.is_total:
        return
    chart = _year_nrr(book, ss)
    if chart is None:
        return
    idx = lay.place(cohort_index_name("year", ss.scope.slug))
    ws = book.sheet(ss.cohorts["year"])
    ws.insert_chart(idx.row - 2, FIRST_COL + t.width + 1, chart, {"x_offset": 10})
