"""What prints (the board pack): page setup shared by every report tab.

Only report tabs print: the input and calculation sheets are hidden (both Excel and LibreOffice
skip hidden sheets when printing the workbook). A tab on the monthly timeline prints its label
column and the most recent :data:`PRINT_MONTHS` months one page wide, with its charts under those
months (its earlier months stay on screen, a scroll to the left). Auditor-only columns (defined name, unit) and the
chart helper rows are hidden, so they are in the workbook but off the printed page. A segment's tab
prints on one page (:func:`one_page_tab`): its board rows, one row of charts within the window.
"""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

from workbook_gen.workbook.layout import DATE_ROW, FIRST_COL

PRINT_MONTHS = 12  # months of a monthly tab on its printed page
PAGE_ROWS = 40  # rows on a page of a monthly tab printed one page wide (label column + a year)
CHART_W, CHART_H = 480, 290  # a chart on a printed monthly tab, in pixels
CHART_GAP = 10
TIMELINE_CHARTS_PX = 2 * CHART_W + CHART_GAP + 20  # two charts side by side under a monthly tab
PAGE_CHART_H, PAGE_CHART_MIN_W = 280, 300  # a chart in the one row of charts on a segment's page
CHART_ROWS_EACH = math.ceil((CHART_H + CHART_GAP) / 20)  # sheet rows (20 px) a row of charts takes
MONTH_COL_WIDTH = 11  # characters
AUDIT_COLS = (1, 2)  # defined name, unit


# The printable area of a landscape A4 page inside the margins of page_setup, in pixels at 96 dpi
# (the header and footer sit in the margins).
PAGE_W_PX = round((297 / 25.4 - 2 * 0.35) * 96)
PAGE_H_PX = round((210 / 25.4 - 2 * 0.6) * 96)
DEFAULT_COL_PX, DEFAULT_ROW_PX = 64, 20
# Spreadsheets differ by a few per cent in how wide a column of n characters prints; leave room.
WIDTH_SLACK = 0.9


def _printed(sizes: dict, first: int, last: int, default: int) -> int:
    """Σ of the sizes (ColumnInfo/RowInfo by index) of first..last: hidden ones 0, unset ones ``default``."""
    total = 0
    for i in range(first, last + 1):
        info = sizes.get(i)
        size = None if info is None else (info.width if hasattr(info, "width") else info.height)
        total += 0 if info is not None and info.hidden else (default if size is None else size)
    return total


def width_px(ws, first_col: int, last_col: int) -> int:
    """Printed width of columns first..last as set on the sheet (hidden ones are 0)."""
    return _printed(ws.col_info, first_col, last_col, DEFAULT_COL_PX)


def height_px(ws, first_row: int, last_row: int) -> int:
    """Printed height of rows first..last as set on the sheet (hidden ones are 0)."""
    return _printed(ws.row_info, first_row, last_row, DEFAULT_ROW_PX)


def width_scale(ws, *column_ranges: tuple[int, int]) -> float:
    """The scale at which the printed columns fill the page width (at most 100 %), as fit-to-width
    printing chooses it with the workbook's font."""
    return min(1.0, PAGE_W_PX * WIDTH_SLACK / max(1, sum(width_px(ws, a, b) for a, b in column_ranges)))


def block_breaks(ws, blocks: list[tuple[int, int]], scale: float, repeat_px: int = 0) -> list[int]:
    """Rows at which to start a new page so that no block (first row, last row) that fits on a page
    is split across two, at the given print scale; blocks in order down the sheet. A block taller than
    a page starts on a new page and runs on over the automatic breaks."""
    room = PAGE_H_PX / scale - repeat_px - DEFAULT_ROW_PX  # a row of slack for rounding
    breaks: list[int] = []
    page_top = blocks[0][0] if blocks else 0
    for top, bottom in blocks:
        if top > page_top and height_px(ws, page_top, bottom) > room:
            breaks.append(top)
            page_top = top
        used = 0
        for r in range(page_top, bottom + 1):  # where the automatic breaks inside the block fall
            h = height_px(ws, r, r)
            if used + h > room:
                page_top, used = r, 0
            used += h
    return breaks


def width_for_height(block_px: int) -> int:
    """The printed width at which fitting the page width scales a block ``block_px`` high down to
    the page height (with a row of slack)."""
    return math.ceil((block_px + DEFAULT_ROW_PX) * PAGE_W_PX / PAGE_H_PX / WIDTH_SLACK)


LETTERS_PER_CHAR = 1.1


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a cell ``width`` characters wide, broken at spaces: a column
    width counts the font's digits, and its letters are narrower on average (:data:`LETTERS_PER_CHAR`,
    a little less than they are, so that a row sized by it holds the whole text)."""
    per_line = max(1, int(width * LETTERS_PER_CHAR))
    lines = 0
    for paragraph in text.split("\n"):
        used = -1
        lines += 1
        for word in paragraph.split(" "):
            if used >= 0 and used + 1 + len(word) > per_line:
                lines += 1
                used = -1
            used += 1 + len(word) if used >= 0 else len(word) + 1
    return lines


def col_px(width: float) -> int:
    """Pixels of a column ``width`` characters wide (Calibri 11, as the spreadsheets count)."""
    return int(width * 7 + 5) if width >= 1 else int(width * 12 + 0.5)


def page_setup(book, ws, repeat_rows: tuple[int, int] | None = None, first_month: int = 0) -> None:
    """Landscape A4, margins, a header naming the company, the tab and the period the tab prints
    (from its ``first_month``, 0-based, to the latest: :func:`period_from`), and on every page the
    footer "<company> · Confidential · <month>" and "page n of m"."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.35, right=0.35, top=0.6, bottom=0.6)
    company = book.company.replace("&", "&&")
    ws.set_header(f"&L&8{company}&C&8&A&R&8{period_from(book, first_month)}", {"margin": 0.25})
    ws.set_footer(f"&L&8{footer_text(book)}&R&8page &P of &N", {"margin": 0.25})
    if repeat_rows:
        ws.repeat_rows(*repeat_rows)
    ws.hide_gridlines(2)


def period_from(book, first_month: int) -> str:
    """The period a page prints, for its header: from month ``first_month`` (0-based) to the latest
    ("Jan 2025 – Dec 2025" on a page of the last twelve months; the whole history from 0)."""
    m = book.results.months
    return f"{m[first_month]:%b %Y} – {m[-1]:%b %Y}"


def footer_text(book) -> str:
    """The left footer of every page, as the header/footer code wants it ("&" doubled)."""
    return f"{book.company} · Confidential · {book.month_text}".replace("&", "&&")


def print_window(n_months: int) -> int:
    """0-based first month of the printed window."""
    return max(0, n_months - PRINT_MONTHS)


def hide_audit_columns(ws) -> None:
    """Defined-name and unit columns: in the workbook (one click on the outline +) but not printed."""
    ws.set_column(AUDIT_COLS[0], AUDIT_COLS[0], 24, None, {"level": 1, "hidden": True})
    ws.set_column(AUDIT_COLS[1], AUDIT_COLS[1], 8, None, {"level": 1, "hidden": True})
    ws.set_column(AUDIT_COLS[1] + 1, AUDIT_COLS[1] + 1, 2, None, {"collapsed": True})


def timeline_tab(book, ws, table_bottom: int, chart_rows: int) -> int:
    """Print setup of a tab on the monthly timeline: label column plus the latest months, one page
    wide, with the charts (``chart_rows`` rows of two, placed by the caller at row
    ``table_bottom + 2`` under the window) on the table's page when they fit there, else from a
    new page. Returns the first column of the window, where the caller anchors its charts."""
    chart_top = table_bottom + 2
    bottom = chart_top + chart_rows * CHART_ROWS_EACH + 1
    # hidden rows (chart data, helper rows) take no room on the page
    hidden = sum(1 for r, info in ws.row_info.items() if r < chart_top and info.hidden)
    if chart_rows and bottom - hidden > PAGE_ROWS:
        ws.set_h_pagebreaks([chart_top - 1])
    first = _window_print_area(book, ws, bottom, TIMELINE_CHARTS_PX)
    ws.fit_to_pages(1, 0)
    return first


def one_page_tab(book, ws, chart_top: int, n_charts: int) -> tuple[int, int]:
    """Print setup of a segment's tab on exactly one page: its visible rows (the caller hides the
    rows a board does not need) over the latest months, and one row of ``n_charts`` charts
    :data:`PAGE_CHART_H` pixels high that the caller places at row ``chart_top``. Returns the first
    column of the window, where the charts start, and the width of each chart: together they span
    the window and no more, because LibreOffice without the workbook's font draws columns wider
    than Excel and would shrink a page widened for charts to specks."""
    n = book.layout.n_months
    window_px = col_px(MONTH_COL_WIDTH) * (n - print_window(n))
    width = max(PAGE_CHART_MIN_W, (window_px - (n_charts - 1) * CHART_GAP) // max(1, n_charts))
    bottom = chart_top + math.ceil(PAGE_CHART_H / 20)
    first = _window_print_area(book, ws, bottom, n_charts * width + (n_charts - 1) * CHART_GAP)
    ws.fit_to_pages(1, 1)
    return first, width


def window_columns(book, charts_px: int = TIMELINE_CHARTS_PX) -> tuple[int, int]:
    """The first and last printed columns of a tab on the monthly timeline: the window of the
    latest months, widened to ``charts_px`` pixels when the charts under it are wider."""
    n = book.layout.n_months
    first = FIRST_COL + print_window(n)
    last = FIRST_COL + n - 1
    months_px = max(col_px(MONTH_COL_WIDTH) * (last - first + 1), charts_px)
    return first, max(last, first + math.ceil(months_px / col_px(MONTH_COL_WIDTH)) - 1)


def _window_print_area(book, ws, bottom: int, charts_px: int) -> int:
    """Page setup, and a print area of rows 0..``bottom`` over the window of the latest months,
    extended to ``charts_px`` pixels when the charts are wider than the window."""
    first, last_print = window_columns(book, charts_px)
    page_setup(book, ws, repeat_rows=(DATE_ROW, DATE_ROW), first_month=first - FIRST_COL)
    ws.repeat_columns(0, FIRST_COL - 1)
    ws.print_area(0, first, bottom, last_print)
    hide_audit_columns(ws)
    return first


def report_tab(
    book, ws, repeat_rows: tuple[int, int] | None = None, pages_tall: int = 0, first_month: int = 0
) -> None:
    """A report tab that prints one page wide (and ``pages_tall`` tall, 0 = as many as needed), of
    the months from ``first_month`` (0-based) on."""
    page_setup(book, ws, repeat_rows, first_month)
    ws.fit_to_pages(1, pages_tall)


# A chart-data cell whose value is undefined: a formula with NA() cached as #N/A (only chart data
# uses NA(); the tables show the text n/a).
_UNDEFINED_CHART_CELL = re.compile(
    r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="e"><f>[^<]*NA\(\)[^<]*</f><v>#N/A</v></c>'
)


def print_copy(source: Path, target: Path, pages: dict[str, int] | None = None) -> None:
    """A copy of the workbook for printing with LibreOffice, whose charts (7.4) draw #N/A as zero
    and only empty cells as gaps: the chart-data cells of undefined months are left empty. With
    ``pages`` (each tab's first page in print), the cover's contents say on which page each section
    starts (:func:`fill_contents_pages`). Every other byte is the workbook's own; Excel prints the
    original with the gaps it already has (and its own pagination, so no page numbers)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        cover = _sheet_part(zin, CONTENTS_SHEET) if pages else None
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _UNDEFINED_CHART_CELL.sub(r'<c r="\1"\2/>', data.decode("utf-8")).encode("utf-8")
            if item.filename == cover:
                data = fill_contents_pages(data.decode("utf-8"), pages).encode("utf-8")
            zout.writestr(item, data)


# The cover's contents: each section's link in column A, its page in column PAGE_COL (blank in the
# workbook, filled in the copy LibreOffice prints, whose pagination the numbers come from).
CONTENTS_SHEET = "Cover"
PAGE_COL = 2
PAGE_HEAD = "Page"


def first_pages(tabs: list[str], sheets: list[str]) -> dict[str, int] | None:
    """Each tab's first page (1-based), from the tab of each printed page (``tabs``, in page order),
    when the pages follow the printed order of ``sheets`` (the visible tabs in tab order) — else None,
    so that no page number is ever a guess."""
    order = {name: i for i, name in enumerate(sheets)}
    if not tabs or any(t not in order for t in tabs):
        return None
    if any(order[a] > order[b] for a, b in zip(tabs, tabs[1:], strict=False)):
        return None
    out: dict[str, int] = {}
    for page, tab in enumerate(tabs, start=1):
        out.setdefault(tab, page)
    return out


def fill_contents_pages(xml: str, pages: dict[str, int]) -> str:
    """The cover's sheet XML with each contents line's page (the tab its link in column A goes to)
    written in its blank cell of column :data:`PAGE_COL`, and the column's head over them."""
    col = _column_letter(PAGE_COL)
    rows = {}
    for ref, location in re.findall(r'<hyperlink ref="A([0-9]+)" location="([^"]+)"', xml):
        name = location.rsplit("!", 1)[0]
        if name.startswith("'"):
            name = name[1:-1].replace("''", "'")
        name = name.replace("&amp;", "&").replace("&apos;", "'").replace("&quot;", '"')
        if name in pages:
            rows[int(ref)] = pages[name]
    if not rows:
        return xml

    def page(m: re.Match) -> str:
        return f'<c r="{col}{m[1]}"{m[2]}><v>{rows[int(m[1])]}</v></c>'

    xml = re.sub(
        rf'<c r="{col}([0-9]+)"((?: s="[0-9]+")?)/>', lambda m: page(m) if int(m[1]) in rows else m[0], xml
    )
    head = min(rows) - 1
    return re.sub(
        rf'<c r="{col}{head}"((?: s="[0-9]+")?)/>',
        lambda m: f'<c r="{col}{head}"{m[1]} t="inlineStr"><is><t>{PAGE_HEAD}</t></is></c>',
        xml,
    )


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _sheet_part(z: zipfile.ZipFile, name: str) -> str | None:
    """The part (xl/worksheets/sheetN.xml) of the sheet called ``name``."""
    book = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    found = re.search(rf'<sheet name="{re.escape(name)}" sheetId="[0-9]+" r:id="(rId[0-9]+)"', book)
    if found is None:
        return None
    target = re.search(rf'<Relationship Id="{found[1]}" Type="[^"]+" Target="([^"]+)"', rels)
    return None if target is None else "xl/" + target[1].lstrip("/").removeprefix("xl/")


def visible_sheets(path: Path) -> list[str]:
    """The workbook's visible tabs, in tab (printed) order."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
    names = []
    for tag in re.findall(r"<sheet [^>]*/>", book):
        if 'state="hidden"' in tag or 'state="veryHidden"' in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)[1]
        names.append(
            name.replace("&amp;", "&")
            .replace("&apos;", "'")
            .replace("&quot;", '"')
            .replace("&lt;", "<")
            .replace("&gt;", ">")
        )
    return names
