"""What a cohort tab prints: its title and charts, and per grouping the index block and the age
tables, ages 0 to :data:`MONTH_AGES_PRINTED` - 1 for month cohorts (their first year). The
cohort-by-calendar-month helper blocks stay in the workbook for auditors (outline level 1, collapsed)
but not on the page; a segment's month cohorts print on the total's month tab only."""

from __future__ import annotations

from workbook_gen.definitions import (
    COHORT_TABLES,
    GROUPINGS,
    cohort_calendar_name,
    cohort_index_name,
    cohort_name,
    scope_suffix,
)
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, ScopeSheets
from workbook_gen.workbook.layout import FIRST_COL, span

MONTH_AGES_PRINTED = 13
CHART_COLS = 12  # age columns the charts at the top of a cohort tab span


def _bounds(book: Book, ss: ScopeSheets, g: str) -> tuple[int, int]:
    """First and last row of grouping ``g``'s printed blocks (index block to the last age table)."""
    lay, slug = book.layout, ss.scope.slug
    idx = lay.place(cohort_index_name(g, slug))
    tables = (cohort_name(g, t.key, slug) for t in COHORT_TABLES)
    last = max((lay.places[name] for name in tables if name in lay.places), key=lambda p: p.row + p.height)
    return idx.row - 2, last.row + last.height - 1


def _suffix(slug: str | None) -> str:
    return scope_suffix(slug)


def _hide_helpers(book: Book, ss: ScopeSheets, ws, g: str) -> None:
    place = book.layout.places.get(cohort_calendar_name(g, ss.scope.slug))
    if place is None:
        return
    for r in range(place.row - 2, place.row + place.height):
        ws.set_row(r, None, None, {"level": 1, "hidden": True})


def setup(book: Book, ss: ScopeSheets) -> None:
    lay = book.layout
    for sheet in dict.fromkeys(ss.cohorts[g] for g in GROUPINGS if ss.cohorts[g]):
        ws = book.sheet(sheet)
        groupings = [g for g in GROUPINGS if ss.cohorts[g] == sheet]
        printed = groupings if len(groupings) == 1 else [g for g in groupings if g != "month"]
        for g in groupings:
            _hide_helpers(book, ss, ws, g)
        ages = max(
            min(lay.n_periods[g], MONTH_AGES_PRINTED if g == "month" else lay.n_periods[g]) for g in printed
        )
        last_col = FIRST_COL + max(ages, CHART_COLS) - 1
        areas = []
        top_end = _bounds(book, ss, groupings[0])[0] - 1
        for g in printed:
            first, last = _bounds(book, ss, g)
            if areas and areas[-1][1] >= first - 4:
                areas[-1] = (areas[-1][0], last)
            else:
                areas.append((first, last))
        if areas[0][0] - 1 <= top_end + 1:
            areas[0] = (0, areas[0][1])
        else:
            areas.insert(0, (0, top_end))
        printing.report_tab(book, ws)
        ws.set_column(3, 3, 16)  # the index block's "S&M spend (CAC)" heading
        if len(areas) == 1:
            ws.print_area(areas[0][0], 0, areas[0][1], last_col)
        else:
            quoted = sheet.replace("'", "''")
            ranges = ",".join(f"'{quoted}'!{span(a, 0, b, last_col)}" for a, b in areas)
            book.wb.define_name(f"'{quoted}'!_xlnm.Print_Area", f"={ranges}")
        ws.freeze_panes(3, FIRST_COL)
