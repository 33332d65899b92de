"""Timeline: the one row of months every monthly sheet shares, fiscal periods, period tables
and the list of segment values. Calculation sheet."""

from __future__ import annotations

from workbook_gen.definitions import GROUPINGS
from workbook_gen.metrics.periods import fiscal_position, fiscal_year
from workbook_gen.names import period_edge_name
from workbook_gen.workbook.book import Book, excel_serial
from workbook_gen.workbook.formulas import in_row
from workbook_gen.workbook.layout import (
    FIRST_COL,
    TIMELINE,
    TIMELINE_LABELS,
    TIMELINE_ROWS,
    TL_DATE,
    TL_FPOS,
    TL_FY,
    TL_MLABEL,
    TL_NUMBER,
    TL_QLABEL,
    TL_QUARTER,
    TL_YEAR,
    TL_YLABEL,
    Place,
    cell,
    on,
)
from workbook_gen.workbook.tabs.common import write_row_head

PERIOD_TABLE_TOP = TL_MLABEL + 3
SEGMENT_LIST_COL = 10  # column K, beside the period tables


def plan(book: Book) -> None:
    lay = book.layout
    lay.register("months", Place(TIMELINE, TL_DATE, FIRST_COL, lay.n_months))
    row = PERIOD_TABLE_TOP
    for g in GROUPINGS:
        n = lay.n_periods[g]
        lay.period_tables[g] = row + 1
        lay.register(period_edge_name(g, "first"), Place(TIMELINE, row + 1, 2, 1, n))
        lay.register(period_edge_name(g, "last"), Place(TIMELINE, row + 1, 3, 1, n))
        row += n + 3
    for g in GROUPINGS:
        lay.cohort_row_tables[g] = row + 1
        row += lay.n_cohorts[g] + 3
    if book.results.segments:
        lay.register(
            "segment_list",
            Place(TIMELINE, PERIOD_TABLE_TOP + 1, SEGMENT_LIST_COL, 1, len(book.results.segments)),
        )


def write(book: Book) -> None:
    lay, fmt, res = book.layout, book.fmt, book.results
    ws = book.sheet(TIMELINE)
    fys = book.settings.fiscal_year_start
    fys_ref = lay.setting("fiscal_year_start")
    ws.write_string(
        0, 0, "Timeline — months, fiscal periods and lists every calculation refers to", fmt.title
    )
    ws.write_string(
        1, 0, "Calculation sheet: one column per month, the same column on every monthly sheet.", fmt.subtitle
    )
    rows = [
        (TL_DATE, "Month", "months", "date"),
        (TL_NUMBER, "Month number", "", "int"),
        (TL_FY, "Fiscal year", "", "int"),
        (TL_FPOS, "Month of fiscal year (0-11)", "", "int"),
        (TL_QUARTER, "Quarter number", "", "int"),
        (TL_YEAR, "Year number", "", "int"),
        (TL_QLABEL, "Quarter", "", "text"),
        (TL_YLABEL, "Fiscal year label", "", "text"),
        (TL_MLABEL, "Month label", "", "text"),
    ]
    for r, label, name, unit in rows:
        write_row_head(ws, fmt, r, label, name, unit)
    mrr_header = lambda i: on("MRR", cell(0, lay.mrr_col(i), row_abs=True))  # noqa: E731
    first_fy = cell(TL_FY, FIRST_COL, True, True)
    first_pos = cell(TL_FPOS, FIRST_COL, True, True)
    date_fmt = book.wb.add_format(
        {"num_format": "mmm yyyy", "bold": True, "align": "center", "font_size": 10}
    )
    for i, m in enumerate(res.months):
        c = lay.col(i)
        d = cell(TL_DATE, c)
        fy_c, pos_c = cell(TL_FY, c), cell(TL_FPOS, c)
        fy, pos = fiscal_year(m, fys), fiscal_position(m, fys)
        q_number = (
            (fy * 4 + pos // 3)
            - (fiscal_year(res.months[0], fys) * 4 + fiscal_position(res.months[0], fys) // 3)
            + 1
        )
        ws.write_formula(TL_DATE, c, f"={mrr_header(i)}", date_fmt, excel_serial(m))
        ws.write_formula(
            TL_NUMBER,
            c,
            # counted over the title row above (constants), so no cell refers to itself
            f"=COLUMNS({cell(0, FIRST_COL, True, True)}:{cell(0, c, True)})",
            fmt.calc_int(),
            i + 1,
        )
        ws.write_formula(
            TL_FY, c, f"=YEAR({d})+IF(AND({fys_ref}>1,MONTH({d})>={fys_ref}),1,0)", fmt.calc_int(), fy
        )
        ws.write_formula(TL_FPOS, c, f"=MOD(MONTH({d})-{fys_ref},12)", fmt.calc_int(), pos)
        ws.write_formula(
            TL_QUARTER,
            c,
            f"=({fy_c}*4+INT({pos_c}/3))-({first_fy}*4+INT({first_pos}/3))+1",
            fmt.calc_int(),
            q_number,
        )
        ws.write_formula(
            TL_YEAR, c, f"={fy_c}-{first_fy}+1", fmt.calc_int(), fy - fiscal_year(res.months[0], fys) + 1
        )
        prefix = f'IF({fys_ref}=1,"","FY")'
        ws.write_formula(
            TL_QLABEL,
            c,
            f'={prefix}&{fy_c}&" Q"&(INT({pos_c}/3)+1)',
            fmt.label,
            f"{'' if fys == 1 else 'FY'}{fy} Q{pos // 3 + 1}",
        )
        ws.write_formula(TL_YLABEL, c, f"={prefix}&{fy_c}", fmt.label, f"{'' if fys == 1 else 'FY'}{fy}")
        # a label as a value: TEXT() format codes depend on the reader's locale
        ws.write_string(TL_MLABEL, c, f"{m:%Y-%m}", fmt.label)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 3, 10)
    ws.set_column(FIRST_COL, lay.last_col, 10)
    ws.freeze_panes(TL_DATE + 1, FIRST_COL)
    _period_tables(book, ws)
    if res.segments:
        top = PERIOD_TABLE_TOP
        ws.write_string(top, SEGMENT_LIST_COL - 1, "#", fmt.header)
        ws.write_string(top, SEGMENT_LIST_COL, f"{res.split} (segment values)", fmt.header_left)
        for k, value in enumerate(res.segments):
            ws.write_number(top + 1 + k, SEGMENT_LIST_COL - 1, k + 1, fmt.calc_int())
            ws.write_string(top + 1 + k, SEGMENT_LIST_COL, value, fmt.label)
        ws.set_column(SEGMENT_LIST_COL, SEGMENT_LIST_COL, 24)


def _period_tables(book: Book, ws) -> None:
    lay, fmt, res = book.layout, book.fmt, book.results
    for g in GROUPINGS:
        periods = res.periods[g]
        top = lay.period_tables[g] - 1
        for c, h in enumerate((f"{g.capitalize()} period", "#", "First month #", "Last month #", "Partial")):
            ws.write_string(top, c, h, fmt.header)
        number_row = lay.timeline_row(TIMELINE_ROWS[g], TIMELINE)
        label_row = lay.timeline_row(TIMELINE_LABELS[g], TIMELINE)
        for p in range(len(periods)):
            r = top + 1 + p
            pc, fc = cell(r, 1), cell(r, 2)
            ws.write_formula(r, 0, f"={in_row(label_row, fc)}", fmt.label, periods.labels[p])
            ws.write_formula(
                r,
                1,
                f"=ROWS({cell(top + 1, 4, True, True)}:{cell(r, 4, False, True)})",  # over the Partial column
                fmt.calc_int(),
                p + 1,
            )
            ws.write_formula(r, 2, f"=MATCH({pc},{number_row},0)", fmt.calc_int(), int(periods.first[p]) + 1)
            ws.write_formula(
                r, 3, f"={fc}+COUNTIF({number_row},{pc})-1", fmt.calc_int(), int(periods.last[p]) + 1
            )
            ws.write_string(r, 4, "partial" if periods.partial[p] else "", fmt.label)
