"""Cohort tabs (docs/definitions.md): per grouping an index block (size, CAC, payback age) and the age
tables (MRR, NRR, GRR, logo retention, cumulative gross profit), cohorts down, ages across.

Every cell is one formula shape for its whole table: the cohort's period number sits in
column B, the age in the header row, and the months a (cohort, age) pair means come from
the Timeline's period tables.

Speed: the client rows are written in cohort order, so a cohort is a block of rows whose
first and last client row the Timeline's period tables find with MATCH on the sorted first paying
months (see ``clientcalc.write_cohort_rows``); a cell then sums that
block alone, and a table costs clients × ages instead of clients × cohorts × ages. Every such cell
has the form IF(rows in order, block formula, scan of every client): after an edit that moves a
client to another cohort the tables stay exact (only slower) until the next build."""

from __future__ import annotations

from workbook_gen.definitions import COHORT_TABLES, CURRENCY, GROUPINGS, LAGGED_SPEND, PCT
from workbook_gen.expressions import UNDEFINED
from workbook_gen.names import (
    cohort_calendar_name,
    cohort_index_name,
    cohort_name,
    period_edge_name,
    series_name,
)
from workbook_gen.workbook.book import Book, ScopeSheets, cached, excel_serial
from workbook_gen.workbook.derived import PeriodRenderer
from workbook_gen.workbook.formulas import NA, column_slice, in_column, in_row, index, row_slice
from workbook_gen.workbook.layout import (
    CC_SEGMENT,
    CLIENT_BASE_COL,
    CLIENT_COHORT_COL,
    FIRST_COL,
    PT_ROWS_FIRST,
    PT_ROWS_LAST,
    TIMELINE,
    TL_DATE,
    Place,
    cell,
    column_name,
    on,
    span,
)
from workbook_gen.workbook.tabs import cohort_charts, cohort_print
from workbook_gen.workbook.tabs.common import section_row, sheet_header

AGE_TABLES = [t for t in COHORT_TABLES if not t.single_column]
IDX_LABEL, IDX_NUMBER, IDX_SIZE, IDX_CAC, IDX_PAYBACK, IDX_GP = range(6)
TOP = 4
CHART_SPACE = 18  # rows kept free above the tables for the two cohort charts
SEGMENT_CHART_SPACE = 34  # a segment's cohort tab: two rows of charts (its printed page)
CHART_GROUPING = "quarter"
# Groupings whose periods span several months get a block of cohort MRR by calendar month (on the
# monthly timeline), from which cumulative gross profit is summed cheaply instead of client by client.
CALENDAR_GROUPINGS = ("quarter", "year")


def _groupings(ss: ScopeSheets) -> list[str]:
    return [g for g in GROUPINGS if ss.cohorts[g]]


def plan(book: Book, ss: ScopeSheets) -> None:
    lay, scope = book.layout, ss.scope
    rows: dict[str, int] = {}
    for g in GROUPINGS:
        sheet = ss.cohorts[g]
        n = lay.n_periods[g]
        charts_here = sheet == ss.cohorts[CHART_GROUPING]
        space = CHART_SPACE if scope.is_total else SEGMENT_CHART_SPACE
        row = rows.get(sheet, TOP + (space if charts_here else 0))
        # index block: section title, header, n rows
        idx = row + 2
        lay.register(cohort_index_name(g, scope.slug), Place(sheet, idx, 0, 7, n))
        lay.register(cohort_name(g, "size", scope.slug), Place(sheet, idx, IDX_SIZE, 1, n))
        if scope.has_sm:
            lay.register(cohort_name(g, "cac", scope.slug), Place(sheet, idx, IDX_CAC, 1, n))
            lay.register(cohort_name(g, "payback_age", scope.slug), Place(sheet, idx, IDX_PAYBACK, 1, n))
        row = idx + n + 1
        for t in AGE_TABLES:
            lay.register(cohort_name(g, t.key, scope.slug), Place(sheet, row + 2, FIRST_COL, n, n))
            row += n + 3
        if g in CALENDAR_GROUPINGS:
            lay.register(_calendar_name(g, scope.slug), Place(sheet, row + 2, FIRST_COL, lay.n_months, n))
            row += n + 3
        rows[sheet] = row + 1


def _calendar_name(g: str, slug: str | None) -> str:
    return cohort_calendar_name(g, slug)


def write(book: Book, ss: ScopeSheets) -> None:
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    headed: set[str] = set()
    for g in GROUPINGS:
        sheet = ss.cohorts[g]
        ws = book.sheet(sheet)
        if sheet not in headed:
            headed.add(sheet)
            split = book.results.split
            title = f"Cohorts by {g} — Total" if scope.is_total else f"{split}: {scope.label} — cohorts"
            sheet_header(book, ws, title)
            ws.write_string(
                2,
                0,
                "Cohort = period of the client's first paying month; age 0 = that period. "
                "Grey italics: the period is not complete yet (its value is at the last month of data).",
                fmt.note,
            )
            left_out = cohort_print.month_ages_note(book.layout.n_periods["month"])
            if scope.is_total and [x for x in GROUPINGS if ss.cohorts[x] == sheet] == ["month"] and left_out:
                ws.write_string(3, 0, left_out, fmt.note)
            ws.set_column(0, 0, 22)
            ws.set_column(1, 1, 8)
            ws.set_column(2, 3, 12)
            ws.set_column(4, 4 + max(lay.n_periods.values()), 11)
        _write_grouping(book, ss, ws, sheet, g)
    cohort_charts.write(book, ss)
    cohort_print.setup(book, ss)


def _cohort_rows(lay, g: str, period: str, here: str) -> tuple[str, str]:
    """First and last client row of the cohort whose period number is in cell ``period`` (from the
    Timeline's period table of grouping g)."""
    return tuple(in_column(lay.cohort_rows_column(g, c, here), period) for c in (PT_ROWS_FIRST, PT_ROWS_LAST))


class _Blocks:
    """Formula texts for one grouping of one scope: a cohort's clients as its block of client rows
    (from the Timeline's period table; fast, while the rows are in cohort order), or as
    every client whose cohort column holds the cohort's number (exact in any row order)."""

    def __init__(self, book: Book, ss: ScopeSheets, here: str, g: str):
        lay = book.layout
        self.lay, self.here = lay, here
        self.ok = f"{lay.in_cohort_order(here)}=1"
        self.coh = lay.client_column(CLIENT_COHORT_COL[g], here)
        self.base = lay.client_column(CLIENT_BASE_COL[g], here)
        self.seg = lay.client_column(CC_SEGMENT, here)
        self.num = ss.number_cell  # None for the total
        self.all_rows = f"ROWS({self.coh})"
        self.block = lay.mrr_block(here)

    def column(self, month: str, first: str, last: str) -> str:
        """Client rows ``first``..``last`` of the MRR sheet in month number ``month``."""
        return f"{index(self.block, first, month)}:{index(self.block, last, month)}"

    def fast(self, fast_text: str, full_text: str) -> str:
        return f"IF({self.ok},{fast_text},{full_text})"

    def seg_rows(self, first: str, last: str) -> str:
        return column_slice(self.seg, first, last)

    def total(self, fast_rng: str, full_rng: str, pc: str, first: str, last: str) -> str:
        """Σ of a client column over the cohort (and segment)."""
        if self.num is None:
            fast_text = f"SUM({fast_rng})"
        else:
            fast_text = f"SUMIFS({fast_rng},{self.seg_rows(first, last)},{self.num})"
        seg = "" if self.num is None else f",{self.seg},{self.num}"
        return self.fast(fast_text, f"SUMIFS({full_rng},{self.coh},{pc}{seg})")

    def count(self, pc: str, first: str, last: str, fast_rng: str | None = None, full_rng: str | None = None):
        """# cohort (and segment) clients, or of those with MRR > 0 in the given column."""
        fast_crit = [] if fast_rng is None else [fast_rng, '">0"']
        full_crit = [self.coh, pc] + ([] if full_rng is None else [full_rng, '">0"'])
        if self.num is not None:
            fast_crit += [self.seg_rows(first, last), self.num]
            full_crit += [self.seg, self.num]
        fast_text = f"COUNTIFS({','.join(fast_crit)})" if fast_crit else f"{last}-{first}+1"
        return self.fast(fast_text, f"COUNTIFS({','.join(full_crit)})")

    def below_base(self, month: str, pc: str, first: str, last: str) -> str:
        """Σ over cohort clients now below their cohort base MRR of (now − base)."""
        now = self.column(month, first, last)
        base = column_slice(self.base, first, last)
        seg = "" if self.num is None else f"--({self.seg_rows(first, last)}={self.num}),"
        fast_text = f"SUMPRODUCT({seg}--({now}<{base}),{now}-{base})"
        now = self.column(month, "1", self.all_rows)
        seg = "" if self.num is None else f"--({self.seg}={self.num}),"
        full_text = f"SUMPRODUCT(--({self.coh}={pc}),{seg}--({now}<{self.base}),{now}-{self.base})"
        return self.fast(fast_text, full_text)


def _write_calendar(book: Book, ss: ScopeSheets, ws, here: str, g: str, blocks: _Blocks) -> None:
    """Cohort MRR by calendar month, on the monthly timeline: one sum over the cohort's block of rows
    per cell from the cohort's first month on. Cumulative gross profit sums its rows month by month."""
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    tables = scope.cohorts[g]
    cal = lay.place(_calendar_name(g, scope.slug))
    idx = lay.place(cohort_index_name(g, scope.slug))
    head = cal.row - 1
    ws.write_string(head - 1, 0, f"Cohort MRR by calendar month — by {g} of first payment", fmt.label_bold)
    for c, h in enumerate(("Cohort", "#", "Size", "")):
        ws.write_string(head, c, h, fmt.header)
    for i, m in enumerate(book.results.months):
        ws.write_formula(
            head, lay.col(i), f"={lay.timeline(TL_DATE, i, here)}", fmt.header_date, excel_serial(m)
        )
    first = book.results.periods[g].first
    style = fmt.unit(CURRENCY)
    for p in range(tables.n):
        r = cal.row + p
        ir = idx.row + p
        ws.write_formula(r, 0, f"={cell(ir, IDX_LABEL)}", fmt.label, _label(tables, p))
        ws.write_formula(r, 1, f"={cell(ir, IDX_NUMBER)}", fmt.calc_int(), p + 1)
        ws.write_formula(r, 2, f"={cell(ir, IDX_SIZE)}", fmt.unit("count"), float(tables.size[p]))
        pc, size_c = cell(r, 1, False, True), cell(r, 2, False, True)
        f_c, l_c = _cohort_rows(lay, g, pc, here)
        for i in range(int(first[p]), lay.n_months):
            month = lay.mrr_month(i, here)
            total = blocks.total(column_slice(month, f_c, l_c), month, pc, f_c, l_c)
            ws.write_formula(
                r, lay.col(i), f"=IF({size_c}=0,0,{total})", style, cached(tables.calendar[p, i])
            )


def _label(tables, p: int) -> str:
    return tables.labels[p] + (" (opening base)" if p == 0 else "")


def _write_grouping(book: Book, ss: ScopeSheets, ws, here: str, g: str) -> None:
    lay, fmt, scope = book.layout, book.fmt, ss.scope
    res = book.results
    tables = scope.cohorts[g]
    n = tables.n
    idx = lay.place(cohort_index_name(g, scope.slug))
    first_tbl = lay.place(period_edge_name(g, "first")).range(here)
    last_tbl = lay.place(period_edge_name(g, "last")).range(here)
    label_tbl = on(TIMELINE, span(lay.period_tables[g], 0, lay.period_tables[g] + n - 1, 0), here)
    blocks = _Blocks(book, ss, here, g)
    partial_last = bool(res.periods[g].partial[-1])

    # index block
    top = idx.row - 2
    title = f"Cohorts by {g}" + ("" if scope.is_total else f" — {scope.label}")
    section_row(fmt, ws, top, title, FIRST_COL + n)
    heads = ["Cohort", "#", "Size", "S&M spend (CAC)", "Payback age", "GP to date"]
    if not scope.has_sm:
        heads[IDX_CAC] = "CAC (no S&M column)"
        heads[IDX_PAYBACK] = ""
    for c, h in enumerate(heads):
        ws.write_string(top + 1, c, h, fmt.header)
    sm_row = lay.series_row(series_name("sm_spend", scope.slug), here) if scope.has_sm else None
    cum_gp_place = lay.place(cohort_name(g, "cum_gp", scope.slug))
    for p in range(n):
        r = idx.row + p
        pc, size_c = cell(r, IDX_NUMBER, False, True), cell(r, IDX_SIZE, False, True)
        f_c, l_c = _cohort_rows(lay, g, pc, here)
        label = _label(tables, p)
        ws.write_formula(
            r, IDX_LABEL, f'={in_column(label_tbl, pc)}&IF({pc}=1," (opening base)","")', fmt.label, label
        )
        # the period's number from the Timeline's period table (never a count over its own cell)
        number = on(TIMELINE, cell(lay.period_tables[g] + p, 1, False, True), here)
        ws.write_formula(r, IDX_NUMBER, f"={number}", fmt.calc_int(), p + 1)
        size = blocks.count(pc, f_c, l_c)
        if scope.number is not None:  # a block with no client at all has no rows to count in
            size = f"IF({l_c}<{f_c},IF({blocks.ok},0,{size}),{size})"
        ws.write_formula(r, IDX_SIZE, f"={size}", fmt.unit("count"), float(tables.size[p]))
        gp_row = on(here, span(cum_gp_place.row + p, FIRST_COL, cum_gp_place.row + p, FIRST_COL + n - 1))
        ws.write_formula(
            r,
            IDX_GP,
            f"=IF({size_c}=0,{NA},{in_row(gp_row, f'ROWS({pc}:{cell(idx.row + n - 1, IDX_NUMBER, True, True)})')})",
            fmt.unit(CURRENCY),
            cached(tables.cum_gp[p, n - p - 1]),
        )
        if sm_row is None:
            continue
        spend = PeriodRenderer(
            lay.setting,
            first=in_column(first_tbl, pc),
            last=in_column(last_tbl, pc),
            monthly_row=lambda _key, row=sm_row: row,
        )
        cac_c = cell(r, IDX_CAC, False, True)
        ws.write_formula(
            r,
            IDX_CAC,
            spend.formula(LAGGED_SPEND, [("na", f"OR({pc}=1,{size_c}=0)")]),
            fmt.unit(CURRENCY),
            cached(tables.cac[p]),
        )
        ws.write_array_formula(
            r,
            IDX_PAYBACK,
            r,
            IDX_PAYBACK,
            f'{{=IF(ISNUMBER({cac_c}),IFERROR(MATCH(TRUE,{gp_row}>={cac_c},0)-1,"not yet"),{NA})}}',
            fmt.unit("count"),
            cached(tables.payback_age[p], "not yet" if tables.cac[p] == tables.cac[p] else UNDEFINED),
        )

    def age_formula(key, pc, kc, size_c, r, col, top) -> str:
        f_c, l_c = _cohort_rows(lay, g, pc, here)
        month = in_column(last_tbl, f"{pc}+{kc}")  # the month number of end(cohort + age)
        now = blocks.column(month, f_c, l_c)
        now_all = blocks.column(month, "1", blocks.all_rows)
        if key == "mrr":
            return f"=IF({size_c}=0,{NA},{blocks.total(now, now_all, pc, f_c, l_c)})"
        mrr_row = lay.place(cohort_name(g, "mrr", scope.slug)).row + (r - top)
        mrr_k = cell(mrr_row, col)
        mrr_0 = cell(mrr_row, FIRST_COL, False, True)
        if key == "nrr":
            return f"=IF(ISNUMBER({mrr_0}),IF({mrr_0}=0,{NA},{mrr_k}/{mrr_0}),{NA})"
        if key == "grr":
            # Σ min(now, base) = Σ base + Σ over clients below their base of (now − base); Σ base = age-0 MRR.
            below = blocks.below_base(month, pc, f_c, l_c)
            return f"=IF(ISNUMBER({mrr_0}),IF({mrr_0}=0,{NA},({mrr_0}+{below})/{mrr_0}),{NA})"
        if key == "cum_gp" and g == "month":
            # one month per age: the cohort's MRR of that month (the MRR table) times its gross margin
            return f"=IF({size_c}=0,{NA},IF({kc}=0,0,{cell(r, col - 1)})+{mrr_k}*{in_row(gm_row, month)})"
        if key == "logo_retention":
            return f"=IF({size_c}=0,{NA},{blocks.count(pc, f_c, l_c, now, now_all)}/{size_c})"
        if key == "cum_gp":
            # the months of age k, from the cohort's calendar row, times each month's gross margin
            cal = lay.place(_calendar_name(g, scope.slug))
            cal_r = cal.row + (r - top)
            cal_row = f"${column_name(FIRST_COL)}{cal_r + 1}:${column_name(FIRST_COL + lay.n_months - 1)}{cal_r + 1}"
            f = in_column(first_tbl, f"{pc}+{kc}")
            last = in_column(last_tbl, f"{pc}+{kc}")
            gp = f"SUMPRODUCT({row_slice(cal_row, f, last)},{row_slice(gm_row, f, last)})"
            return f"=IF({size_c}=0,{NA},IF({kc}=0,0,{cell(r, col - 1)})+{gp})"
        raise KeyError(key)

    gm_row = lay.series_row(series_name("gross_margin", scope.slug), here)
    if g in CALENDAR_GROUPINGS:
        _write_calendar(book, ss, ws, here, g, blocks)

    # age tables
    for spec in AGE_TABLES:
        place = lay.place(cohort_name(g, spec.key, scope.slug))
        head = place.row - 1
        ws.write_string(head - 1, 0, spec.label, fmt.label_bold)  # its defined name: cohort_<g>_<key>
        ws.write_string(head - 1, FIRST_COL, spec.definition, fmt.subtitle)
        for c, h in enumerate(("Cohort", "#", "Size", "")):
            ws.write_string(head, c, h, fmt.header)
        for k in range(n):
            ws.write_number(head, FIRST_COL + k, k, fmt.header)
        values = tables.table(spec.key)
        style = fmt.unit(spec.unit)
        style_partial = fmt.unit_partial(spec.unit)
        for p in range(n):
            r = place.row + p
            ir = idx.row + p
            ws.write_formula(
                r,
                0,
                f"={cell(ir, IDX_LABEL)}",
                fmt.label,
                _label(tables, p),
            )
            ws.write_formula(r, 1, f"={cell(ir, IDX_NUMBER)}", fmt.calc_int(), p + 1)
            ws.write_formula(r, 2, f"={cell(ir, IDX_SIZE)}", fmt.unit("count"), float(tables.size[p]))
            pc, size_c = cell(r, 1, False, True), cell(r, 2, False, True)
            for k in range(n - p):
                col = FIRST_COL + k
                kc = cell(head, col, True, False)
                formula = age_formula(spec.key, pc, kc, size_c, r, col, place.row)
                partial = partial_last and p + k == n - 1
                ws.write_formula(r, col, formula, style_partial if partial else style, cached(values[p, k]))
        if spec.unit == PCT:
            rng = span(place.row, FIRST_COL, place.row + n - 1, FIRST_COL + n - 1, False, False)
            ws.conditional_format(
                rng,
                {
                    "type": "3_color_scale",
                    "min_color": "#F8696B",
                    "mid_color": "#FFEB84",
                    "max_color": "#63BE7B",
                    "min_type": "num",
                    "min_value": 0.5,
                    "mid_type": "num",
                    "mid_value": 0.9,
                    "max_type": "num",
                    "max_value": 1.2,
                },
            )
        elif spec.key == "mrr":
            rng = span(place.row, FIRST_COL, place.row + n - 1, FIRST_COL + n - 1, False, False)
            ws.conditional_format(
                rng, {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#5B9BD5"}
            )
