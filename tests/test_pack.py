"""The board pack as printed (SPEC §6): the pack then the appendix, a footer on every page, no tool
vocabulary before the appendix, the segments on the dashboard, the page budget, and every printed
cell's whole text on its page. The PDF is LibreOffice's; its text is read with ``pdftotext``."""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pytest
from helpers import printed_texts

from workbook_gen.libreoffice import convert

pytestmark = pytest.mark.libreoffice

COMPANY = "Example SaaS Co"
# Pages the companion sections take for the example company once they are in the pack (cash and
# runway, plan vs actual, customers): the budget keeps room for each one not printed yet.
COMPANION_PAGES = 3
PACK_BUDGET = 20
# The tabs of the pack as this module knows them; any other tab before the appendix is a companion page.
KNOWN_PACK_TABS = {
    "Cover",
    "Summary",
    "Dashboard",
    "Changes since last pack",
    "MRR bridge",
    "Retention",
    "Unit economics",
    "Quarterly",
    "Annual",
    "Cohorts (quarter)",
    "Cohorts (year)",
    "Assisted",
    "Self-serve",
    "Segments",
}
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
TOOL_WORDS = (
    "workbook-gen",
    "defined name",
    "formula",
    "Unhide",
    "right-click",
    "SHA-256",
    " sheet",
    "column headed",
    "outline",
    "ROUND(",
    "INDEX(",
)


@pytest.fixture(scope="module")
def pack(example_workbook, tmp_path_factory, libreoffice):
    pdf = convert(example_workbook, tmp_path_factory.mktemp("board-pack"), "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    n = int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])
    pages = [page_text(pdf, p) for p in range(1, n + 1)]
    return example_workbook, pdf, pages


def page_text(pdf, page: int, mode: str = "-raw") -> str:
    return subprocess.run(
        ["pdftotext", mode, "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def tab_of(pdf, page: int) -> str:
    """The tab a page belongs to: the middle field of its header (company | tab | period)."""
    first = page_text(pdf, page, "-layout").strip().splitlines()[0]
    fields = re.split(r"\s{2,}", first.strip())
    return fields[1] if len(fields) == 3 else ""


def test_every_page_has_the_footer(pack):
    _, _, pages = pack
    n = len(pages)
    for i, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert f"{COMPANY} · Confidential · December 2025" in flat, i
        assert f"page {i} of {n}" in flat, i
        assert "workbook-gen" not in flat or i > 1  # the cover says nothing of the tool


def test_the_pack_then_the_appendix_within_the_page_budget(pack):
    _, pdf, pages = pack
    tabs = [tab_of(pdf, p) for p in range(1, len(pages) + 1)]
    assert tabs[:3] == ["Cover", "Summary", "Dashboard"], tabs
    assert tabs.count("Appendix") == 1, tabs
    divider = tabs.index("Appendix")
    before, after = tabs[:divider], tabs[divider + 1 :]
    for tab in ("Cohorts (month)", "Checks", "Glossary", "Settings"):
        assert tab in after and tab not in before, tab
    companions = sum(1 for t in before if t not in KNOWN_PACK_TABS)
    reserved = max(0, COMPANION_PAGES - companions)
    assert len(before) + reserved <= PACK_BUDGET, (len(before), reserved, before)
    for hidden in ("MRR", "S&M", "Gross margin", "Burn", "Timeline", "Client calc"):
        assert hidden not in tabs, hidden


def test_no_tool_vocabulary_before_the_appendix(pack):
    _, pdf, pages = pack
    tabs = [tab_of(pdf, p) for p in range(1, len(pages) + 1)]
    for i, text in enumerate(pages[: tabs.index("Appendix")], start=1):
        assert SNAKE.findall(text) == [], (i, SNAKE.findall(text))
        for word in TOOL_WORDS:
            assert word.lower() not in text.lower(), (i, word)
    # The appendix holds the workings: its glossary names the defined names.
    appendix = " ".join(pages[tabs.index("Appendix") :])
    assert "nrr_12m" in appendix


def test_the_dashboard_has_a_row_per_segment(pack, example_results):
    _, pdf, pages = pack
    tabs = [tab_of(pdf, p) for p in range(1, len(pages) + 1)]
    text = pages[tabs.index("Dashboard")]
    lines = {line.split(" $")[0].strip(): line for line in text.splitlines() if " $" in line}
    for scope in example_results.scopes:
        label = "Total" if scope.is_total else scope.label
        assert label in lines, (label, list(lines))
        nrr = scope.monthly["nrr_12m"][-1]
        assert f"{nrr * 100:.1f}%" in lines[label]
        assert f"${scope.monthly['arr'][-1]:,.0f}" in lines[label]
    paying = int(example_results.total.monthly["clients_closing"][-1])
    assert f"{paying:,} paying clients (600 ever)" in text


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_printed_cells_whole_text_is_on_its_page(pack):
    """No text cut off at a cell edge or the page's edge: each text cell of a printed sheet is found
    whole (spaces and line breaks aside) in the text of that sheet's pages."""
    xlsx, pdf, pages = pack
    by_tab: dict[str, str] = {}
    for p, text in enumerate(pages, start=1):
        tab = tab_of(pdf, p)
        by_tab[tab] = by_tab.get(tab, "") + squeeze(text)
    missing = []
    for sheet, texts in printed_texts(xlsx).items():
        assert sheet in by_tab, sheet
        missing += [(sheet, t) for t in texts if squeeze(t) not in by_tab[sheet]]
    assert missing == []


def test_arr_waterfall_recalculated_equals_the_engine(example_recalculated, example_results):
    """The waterfall's data (hidden rows on the Quarterly tab) are live formulas over the quarterly
    rows: after each engine recalculates them from the inputs, they equal the engine's quarter."""
    import numpy as np

    from workbook_gen.workbook.layout import FIRST_COL
    from workbook_gen.workbook.tabs.waterfall import ROWS, STEPS, levels

    periods = example_results.periods["quarter"]
    q = len(periods) - 1 - (1 if periods.partial[-1] else 0)
    view = example_results.total.quarterly
    amounts = np.array(
        [12 * view["mrr_opening"][q], *(12 * view[k][q] for k, _ in STEPS), 12 * view["mrr_closing"][q]]
    )
    expected = [list(amounts), *levels(amounts)]
    wb = openpyxl.load_workbook(example_recalculated, data_only=True)
    ws = wb["Quarterly"]
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == ROWS[0])
    for i, row in enumerate(expected):
        got = [ws.cell(top + 1 + i, FIRST_COL + 1 + j).value for j in range(len(row))]
        assert got == pytest.approx([float(x) for x in row], rel=1e-9, abs=1e-6), ROWS[1 + i]
    wb.close()


def test_the_contents_give_each_sections_first_page(example_workbook, tmp_path):
    """``build --pdf`` prints twice: the second print's cover says on which page each section starts,
    as read from the first print; the numbers agree with the pages' own headers."""
    import shutil

    from workbook_gen.build import export_pdf

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    book = tmp_path / "book.xlsx"
    shutil.copy(example_workbook, book)
    pdf = export_pdf(book)
    n = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout)[
            1
        ]
    )
    tabs = [tab_of(pdf, p) for p in range(1, n + 1)]
    cover = page_text(pdf, 1, "-layout")
    listed = {}
    for line in cover.splitlines():
        m = re.match(r"^(\S.*?)\s{2,}.*?\s(\d+)$", line.strip()) or re.match(
            r"^(Appendix)\s+(\d+)$", line.strip()
        )
        if m and m[1] in tabs:
            listed[m[1]] = int(m[2])
    assert "Page" in cover
    assert set(listed) == set(tabs) - {"Cover"}, (sorted(listed), sorted(set(tabs)))
    for tab, page in listed.items():
        assert tabs.index(tab) + 1 == page, (tab, page)
    # the workbook itself keeps no page numbers (Excel paginates its own way)
    wb = openpyxl.load_workbook(book, read_only=True)
    assert all(row[2] is None for row in wb["Cover"].iter_rows(min_row=9, max_col=3, values_only=True))
    wb.close()


def test_the_glossary_is_tight_and_whole(pack):
    """The Glossary took 7 landscape pages, its rows sized by a rough count of characters that left
    most of them a line or two taller than their text: its rows are now sized by the words they wrap
    to, and its widths give the Note (the tallest cell of most rows) the room the mostly empty
    Benchmark column had. Every metric is still on it (tests/test_docs.py checks each row's words)."""
    from workbook_gen.definitions import METRICS

    workbook, pdf, pages = pack
    glossary = [p for p in range(1, len(pages) + 1) if tab_of(pdf, p) == "Glossary"]
    assert 1 <= len(glossary) <= 6, len(glossary)
    printed = "".join(pages[p - 1] for p in glossary)
    assert all(m.key in printed for m in METRICS)
