"""Cover of the board pack: company, "Board pack — <month>", "Confidential", and the contents
(the pack's pages, then the appendix's), each a link to its tab. No settings or file details: those
are on the Settings tab, in the appendix."""

from __future__ import annotations

from workbook_gen.workbook import printing
from workbook_gen.workbook.book import Book
from workbook_gen.workbook.tabs.common import section_row

SHEET = "Cover"


def write(book: Book) -> None:
    fmt = book.fmt
    ws = book.sheet(SHEET)
    ws.set_row(2, 40)
    ws.write_string(
        2, 0, book.company, fmt._get(("cover_company",), bold=True, font_size=28, font_color="#1F3864")
    )
    ws.set_row(3, 26)
    ws.write_string(3, 0, f"Board pack — {book.month_text}", fmt._get(("cover_month",), font_size=18))
    ws.write_string(4, 0, "Confidential", fmt._get(("cover_conf",), bold=True, font_color="#9C0006"))
    row = 7
    section_row(fmt, ws, row, "Contents", 3)  # the third column: each section's page, in print
    row += 1
    page = fmt._get(("cover_page",), align="right")
    for name, what in book.declared_what():
        if name == SHEET:
            continue
        if book.part.get(name) == "divider":
            row += 1
            ws.write_url(
                row,
                0,
                f"internal:'{name}'!A1",
                fmt._get(("cover_appendix",), bold=True, font_color="#0563C1", underline=1),
                name,
            )
            ws.write_blank(row, printing.PAGE_COL, None, page)
            row += 1
            continue
        ws.write_url(row, 0, f"internal:'{name.replace(chr(39), chr(39) * 2)}'!A1", fmt.link, name)
        ws.write_string(row, 1, what, fmt.label)
        ws.write_blank(row, printing.PAGE_COL, None, page)  # filled where it prints (printing.print_copy)
        row += 1
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)
    ws.set_column(printing.PAGE_COL, printing.PAGE_COL, 6)
    ws.print_area(0, 0, row, printing.PAGE_COL)
    printing.report_tab(book, ws, pages_tall=1)
