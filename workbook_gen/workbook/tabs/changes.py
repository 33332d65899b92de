"""Changes since last pack (``build --previous``): restated history, client by client and metric by
metric, and the settings that changed.

The comparison is computed in Python (:mod:`workbook_gen.metrics.changes`). On this tab, last month's
values are constants — they are history, what was reported then — while this pack's values are formulas
over this workbook's named rows and MRR sheet, and each difference is a formula.
"""

from __future__ import annotations

import datetime as dt
import math

from workbook_gen.definitions import BY_KEY, CURRENCY, PCT, shown_label
from workbook_gen.expressions import UNDEFINED
from workbook_gen.metrics.changes import REMOVED, Changes
from workbook_gen.names import series_name
from workbook_gen.rules import monthly_marker
from workbook_gen.workbook.book import Book, cached
from workbook_gen.workbook.derived import NA
from workbook_gen.workbook.layout import cell
from workbook_gen.workbook.tabs.common import section_row, unit_text

SHEET = "Changes since last pack"
WIDTH = 8  # columns A-H
LAST, THIS, DIFF = 4, 5, 6  # columns E, F, G: last pack, this pack, difference


def _diff_formula(row: int, points: bool) -> str:
    old, new = cell(row, LAST), cell(row, THIS)
    delta = f"({new}-{old})*100" if points else f"{new}-{old}"
    return f"=IF(AND(ISNUMBER({old}),ISNUMBER({new})),{delta},{NA})"


def _diff_value(old: float, new: float, points: bool):
    if math.isnan(old) or math.isnan(new):
        return UNDEFINED
    return (new - old) * (100 if points else 1)


def write(book: Book, changes: Changes) -> None:
    fmt, lay = book.fmt, book.layout
    ws = book.sheet(SHEET)
    date_fmt = book.wb.add_format({"num_format": "mmm yyyy", "align": "left", "font_size": 10})
    points_fmt = book.wb.add_format(
        {"num_format": '+0.00" pts";-0.00" pts";0.00" pts"', "align": "right", "font_size": 10}
    )
    # Amounts to the cent: a restatement smaller than one currency unit must not show as 0.
    cents = book.wb.add_format(
        {
            "num_format": fmt.number_formats[CURRENCY].replace("#,##0", "#,##0.00"),
            "align": "right",
            "font_size": 10,
        }
    )
    ws.write_string(0, 0, "Changes since last pack", fmt.title)
    ws.write_string(
        1,
        0,
        f"{book.company} · this pack {book.period_text} · compared with {changes.previous}",
        fmt.subtitle,
    )
    ws.write_string(
        2,
        0,
        f"'Last pack' values are constants copied from {changes.previous} (history, as it was reported "
        "then); 'This pack' values are formulas over this workbook; differences are formulas. Percentages "
        "differ in points.",
        fmt.note,
    )
    ws.write_string(4, 0, changes.headline(), fmt.label_bold)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2, 26)
    ws.set_column(3, 3, 11)
    ws.set_column(4, 6, 15)
    ws.set_column(7, 7, 10)
    if not changes.any:
        return
    row = 6

    def section(title: str, heads: tuple[str, ...]) -> None:
        nonlocal row
        section_row(fmt, ws, row, title, WIDTH)
        row += 1
        for c, h in enumerate(heads):
            if h:
                ws.write_string(row, c, h, fmt.header if c in (LAST, THIS, DIFF) else fmt.header_left)
            else:
                ws.write_blank(row, c, None, fmt.header_left)
        row += 1

    def shown_all(listed: int, total: int) -> None:
        nonlocal row
        if total > listed:
            ws.write_string(row, 0, f"The first {listed:,} of {total:,} are listed.", fmt.note)
            row += 1
        row += 1

    if changes.settings:
        section("Settings that changed", ("Setting", "", "", "", "Last pack", "This pack", "", ""))
        for s in changes.settings:
            ws.write_string(row, 0, s.key, fmt.label)
            for col, value in ((LAST, s.old), (THIS, s.new)):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(row, col, float(value), fmt.unit("int"))
                else:
                    ws.write_string(row, col, "" if value is None else str(value), fmt.label)
            row += 1
        row += 1

    if changes.clients:
        section(
            "Client MRR that changed in months both packs cover (matched by Client ID)",
            ("Client ID", "What", "", "Month", "Last pack", "This pack", "Difference", "Unit"),
        )
        position = {c: r for r, c in enumerate(book.data.client_ids)}
        money = cents
        for c in changes.clients:
            ws.write_string(row, 0, c.client_id, fmt.label)
            ws.write_string(row, 1, c.status, fmt.label)
            ws.write_datetime(row, 3, dt.datetime(c.month.year, c.month.month, 1), date_fmt)
            ws.write_number(row, LAST, c.old, money)
            # SUM() of the one cell: a blank MRR cell is 0 (the input sheet leaves zeros blank) in every engine
            # (Gnumeric's N() of a blank cell is #NUM!).
            if c.status == REMOVED:
                ws.write_number(row, THIS, 0.0, money)
            else:
                ws.write_formula(
                    row, THIS, f"=SUM({lay.mrr_cell(position[c.client_id], c.index, SHEET)})", money, c.new
                )
            ws.write_formula(row, DIFF, _diff_formula(row, False), money, c.new - c.old)
            ws.write_string(row, 7, book.settings.currency, fmt.unit_text)
            row += 1
        shown_all(len(changes.clients), changes.n_client_cells)

    if changes.attributes:
        section(
            "Client attributes that changed (they move clients between segments)",
            ("Client ID", "Attribute", "", "", "Last pack", "This pack", "", ""),
        )
        for a in changes.attributes:
            ws.write_string(row, 0, a.client_id, fmt.label)
            ws.write_string(row, 1, a.attribute, fmt.label)
            ws.write_string(row, LAST, a.old or "(blank)", fmt.label)
            ws.write_string(row, THIS, a.new or "(blank)", fmt.label)
            row += 1
        shown_all(len(changes.attributes), changes.n_attribute_cells)

    if changes.metrics:
        section(
            "Metrics whose value changed in months both packs cover",
            ("Scope", "Metric", "Defined name", "Month", "Last pack", "This pack", "Difference", "Unit"),
        )
        for m in changes.metrics:
            metric = BY_KEY[m.key]
            name = series_name(m.key, m.slug)
            points = metric.unit == PCT
            style = cents if metric.unit == CURRENCY else fmt.unit(metric.unit)
            undefined = monthly_marker(m.key, m.index)
            ws.write_string(row, 0, m.scope, fmt.label)
            ws.write_string(row, 1, shown_label(metric), fmt.label)
            ws.write_string(row, 2, name, fmt.name)
            ws.write_datetime(row, 3, dt.datetime(m.month.year, m.month.month, 1), date_fmt)
            old = cached(m.old, undefined)
            if isinstance(old, str):
                ws.write_string(row, LAST, old, style)
            else:
                ws.write_number(row, LAST, old, style)
            ws.write_formula(
                row, THIS, "=" + lay.series_cell(name, m.index, SHEET), style, cached(m.new, undefined)
            )
            ws.write_formula(
                row,
                DIFF,
                _diff_formula(row, points),
                points_fmt if points else style,
                _diff_value(m.old, m.new, points),
            )
            ws.write_string(row, 7, unit_text(metric.unit, book.settings.currency), fmt.unit_text)
            row += 1
        shown_all(len(changes.metrics), changes.n_metric_values)

    if changes.dropped_scopes:
        ws.write_string(
            row,
            0,
            "Segments of last month's pack that this pack does not have (not compared): "
            + ", ".join(changes.dropped_scopes),
            fmt.note,
        )
        row += 1
    ws.freeze_panes(5, 0)
