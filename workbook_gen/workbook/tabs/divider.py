"""The divider page between the pack and its appendix, listing what the appendix holds."""

from __future__ import annotations

from workbook_gen.workbook import printing, sequence
from workbook_gen.workbook.book import Book

SHEET = sequence.DIVIDER


def write(book: Book) -> None:
    fmt = book.fmt
    ws = book.sheet(SHEET)
    ws.write_string(
        0, 0, "Appendix", book.fmt._get(("divider_title",), bold=True, font_size=28, font_color="#1F3864")
    )
    ws.set_row(0, 40)
    ws.write_string(2, 0, "The detail behind the pack and how its figures are built:", fmt.subtitle)
    row = 4
    for name in sequence.appendix_sheets(book.declared):
        what = dict(book.declared_what())[name]
        ws.write_url(row, 0, f"internal:'{name.replace(chr(39), chr(39) * 2)}'!A1", fmt.link, name)
        ws.write_string(row, 1, what, fmt.label)
        row += 1
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 80)
    ws.print_area(0, 0, max(row, 24), 1)
    printing.report_tab(book, ws, pages_tall=1)
