"""What a cohort tab prints: its title and charts, and per grouping the index block and the age
tables; for month cohorts ages 0 to :data:`MONTH_AGES_PRINTED` - 1 (their first year) and then the
milestones 18, 24, 36, 48, … months (:func:`printed_month_ages`), the ages between grouped away
(outline level 1) and the tab saying so. The
cohort-by-calendar-month helper blocks stay in the workbook for auditors (outline level 1, collapsed)
but not on the page; a segment's month cohorts print on the total's month tab only.

A segment's cohort tab prints one page: its cohort charts (NRR curves of the quarterly and the
annual cohorts, the quarterly cohorts' cumulative gross profit against CAC, the average cohort),
which is what a board reads of a segment's cohorts; its tables stay in the workbook. One range, so
every spreadsheet keeps it (Gnumeric rewrites a print area of several)."""

from __future__ import annotations

import math

from workbook_gen.definitions import COHORT_TABLES, GROUPINGS
from workbook_gen.names import cohort_calendar_name, cohort_index_name, cohort_name
from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book, ScopeSheets
from workbook_gen.workbook.layout import FIRST_COL, span
from workbook_gen.workbook.tabs import cohort_charts

MONTH_AGES_PRINTED = 13
MONTH_MILESTONES = (18, 24)  # then every 12 months from 36


def printed_month_ages(n_ages: int) -> list[int]:
    """The month-cohort ages that print: 0–12, then 18, 24, 36, 48, … (those the data reaches)."""
    first_year = list(range(min(n_ages, MONTH_AGES_PRINTED)))
    later = [a for a in MONTH_MILESTONES if a < n_ages] + list(range(36, n_ages, 12))
    return first_year + later


def month_ages_note(n_ages: int) -> str:
    """What the printed month-cohort tables show and leave out ("" when they show every age)."""
    ages = printed_month_ages(n_ages)
    if len(ages) == n_ages:
        return ""
    later = ", ".join(str(a) for a in ages[MONTH_AGES_PRINTED:])
    tail = f", then {later}" if later else ""
    return f"Printed: ages 0–{MONTH_AGES_PRINTED - 1} months{tail}; the ages between are in the workbook."


TITLE_ROWS = 6  # a cohort tab's title block is shorter than this; a top block of charts is taller
CHART_COLS = 12  # age columns the charts at the top of a cohort tab span
INDEX_COL_WIDTHS = (22, 8, 12, 16)  # characters: the columns left of the ages (see setup and cohorts.write)


def _bounds(book: Book, ss: ScopeSheets, g: str) -> tuple[int, int]:
    """First and last row of grouping ``g``'s printed blocks (index block to the last age table)."""
    lay, slug = book.layout, ss.scope.slug
    idx = lay.place(cohort_index_name(g, slug))
    tables = (cohort_name(g, t.key, slug) for t in COHORT_TABLES)
    last = max((lay.places[name] for name in tables if name in lay.places), key=lambda p: p.row + p.height)
    return idx.row - 2, last.row + last.height - 1


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
        if not ss.scope.is_total:
            _segment_page(book, ss, ws, groupings)
            continue
        printed = groupings if len(groupings) == 1 else [g for g in groupings if g != "month"]
        for g in groupings:
            _hide_helpers(book, ss, ws, g)
        ages = max(
            printed_month_ages(lay.n_periods[g])[-1] + 1 if g == "month" else lay.n_periods[g]
            for g in printed
        )
        last_col = FIRST_COL + max(ages, CHART_COLS) - 1
        if printed == ["month"]:  # the ages between the milestones: grouped away, off the page
            shown = set(printed_month_ages(lay.n_periods["month"]))
            for a in range(lay.n_periods["month"]):
                if a not in shown:
                    ws.set_column(FIRST_COL + a, FIRST_COL + a, None, None, {"level": 1, "hidden": True})
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
        ws.set_column(3, 3, 16)  # the index block's "Cohort CAC" heading
        if printed == ["year"]:
            # a handful of annual cohorts (the opening base and one row a year): the whole tab on one
            # page, printed wide enough that fitting the width scales its height onto the page
            wanted = printing.width_for_height(printing.height_px(ws, areas[0][0], areas[-1][1]))
            shown = printing.width_px(ws, 0, last_col)
            last_col += max(0, math.ceil((wanted - shown) / printing.DEFAULT_COL_PX))
        if len(areas) == 1:
            ws.print_area(areas[0][0], 0, areas[0][1], last_col)
        else:
            quoted = sheet.replace("'", "''")
            ranges = ",".join(f"'{quoted}'!{span(a, 0, b, last_col)}" for a, b in areas)
            book.wb.define_name(f"'{quoted}'!_xlnm.Print_Area", f"={ranges}")
        ws.freeze_panes(3, FIRST_COL)
        # a table starts a new page rather than leave its head at the foot of one
        blocks = [b for g in printed for b in _blocks(book, ss, g)]
        if top_end < TITLE_ROWS:  # a title only: it goes with the first table
            blocks[0] = (0, blocks[0][1])
        else:  # the charts at the top
            blocks.insert(0, (0, top_end))
        scale = printing.width_scale(ws, (0, last_col))
        ws.set_h_pagebreaks(printing.block_breaks(ws, blocks, scale))


def _blocks(book: Book, ss: ScopeSheets, g: str) -> list[tuple[int, int]]:
    """First and last row of grouping ``g``'s printed blocks: the index block, then each age table
    (each with its title and header rows)."""
    lay, slug = book.layout, ss.scope.slug
    idx = lay.place(cohort_index_name(g, slug))
    out = [(idx.row - 2, idx.row + idx.height - 1)]
    for t in COHORT_TABLES:
        place = lay.places.get(cohort_name(g, t.key, slug))
        if place is not None and not t.single_column:
            out.append((place.row - 2, place.row + place.height - 1))
    return out


def _segment_page(book: Book, ss: ScopeSheets, ws, groupings: list[str]) -> None:
    """One page: the charts above the tables, or (a segment too young for any cohort chart) its
    quarterly cohort tables."""
    for g in groupings:
        _hide_helpers(book, ss, ws, g)
    printing.report_tab(book, ws, pages_tall=1)
    ws.set_column(3, 3, 16)  # the index block's "Cohort CAC" heading
    ws.freeze_panes(3, FIRST_COL)
    last_col = FIRST_COL + CHART_COLS - 1
    if ws.charts:
        # as wide as two charts: the index columns and as many age columns as the rest needs
        rest = 5 + 2 * (cohort_charts.SEGMENT_CHART_W + 8) - sum(map(printing.col_px, INDEX_COL_WIDTHS))
        last = FIRST_COL + math.ceil(rest / printing.col_px(printing.MONTH_COL_WIDTH)) - 1
        ws.print_area(0, 0, _bounds(book, ss, groupings[0])[0] - 1, last)
        return
    g = "quarter" if "quarter" in groupings else groupings[-1]
    first, last = _bounds(book, ss, g)
    ws.print_area(first, 0, last, max(last_col, FIRST_COL + book.layout.n_periods[g] - 1))
