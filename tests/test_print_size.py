"""The pages a board reads at arm's length, as LibreOffice prints them: the dashboard and the Plan vs
actual page of the example company (with its plan) each fit one landscape A4 page, and their table text
is still at least PRINTED_FLOOR points on paper. The size is measured, not assumed: each word of the
tables' row labels is as wide on the page as its letters in Carlito (Calibri's metrics, which
LibreOffice prints with) at some size, and that size is the printed one."""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

import pytest

from workbook_gen.build import build, load
from workbook_gen.definitions import BY_KEY, shown_label
from workbook_gen.libreoffice import convert
from workbook_gen.metrics.engine import compute
from workbook_gen.settings import Settings
from workbook_gen.workbook.tabs.common import kpi_label
from workbook_gen.workbook.tabs.dashboard import KPIS

pytestmark = pytest.mark.libreoffice

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "example-company.xlsx"  # with its plan
PRINTED_FLOOR = 8.0  # points: table text a board member reads on paper without a magnifier
PT_PER_PX = 72 / 96


@pytest.fixture(scope="module")
def printed(tmp_path_factory, libreoffice):
    folder = tmp_path_factory.mktemp("print-size")
    out = folder / "pack.xlsx"
    build(EXAMPLE, out)
    pdf = convert(out, folder, "pdf")
    return pdf, compute(*load(EXAMPLE))


def _pages(pdf) -> dict[str, list[int]]:
    """The pages of each tab (the middle field of each page's header), 1-based."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    out: dict[str, list[int]] = {}
    for n, page in enumerate(text.split("\f"), start=1):
        lines = page.strip().splitlines()
        fields = re.split(r"\s{2,}", lines[0].strip()) if lines else []
        if len(fields) == 3:
            out.setdefault(fields[1], []).append(n)
    return out


def _words(pdf, page: int) -> list[tuple[str, float]]:
    """(text, printed width in points) of every word on a page."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', xml
    )
    return [(text, float(x2) - float(x1)) for x1, x2, text in found]


def printed_size(pdf, page: int, labels: list[str]) -> float:
    """The median printed size (points) of the words of ``labels`` (regular type) on the page: a word
    w points wide whose Carlito letters are u points wide at 1 pt prints at w / u points."""
    from textfit import text_px

    wanted = {w for label in labels for w in label.split() if len(w) >= 4}
    sizes = [width / (text_px(text, 1) * PT_PER_PX) for text, width in _words(pdf, page) if text in wanted]
    assert len(sizes) >= 10, (page, sizes)  # enough of the labels' words were found to measure
    return statistics.median(sizes)


def test_printed_size_by_hand():
    """Carlito's "Closing" is 1092 + 470 + 1080 + 801 + 470 + 1076 + 964 = 5953 of its 2048 units to
    the em wide (2.907 em): a word 23.25 pt wide on paper prints at 8 pt, one 17.44 pt wide at 6 pt."""
    from textfit import text_px

    em = text_px("Closing", 1) * PT_PER_PX
    assert em == pytest.approx(5953 / 2048)
    assert 23.25 / em == pytest.approx(8.0, abs=0.01)
    assert 17.44 / em == pytest.approx(6.0, abs=0.01)


def test_the_dashboard_prints_legibly_on_one_page(printed):
    pdf, results = printed
    pages = _pages(pdf)
    assert len(pages["Dashboard"]) == 1
    page = pages["Dashboard"][0]
    labels = [kpi_label(k, Settings()) for k in KPIS if k in results.total.monthly]
    size = printed_size(pdf, page, labels)
    assert size >= PRINTED_FLOOR, size
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout
    # the KPIs, the segment rows and the charts are all on that page
    assert "Runway (months, trailing 3 months)" in text and "By segment, Dec 2025" in text
    assert "MRR bridge (USD)" in text and "ARR against plan (USD)" in text
    # the cap mark sits with the figure it qualifies, not in a column of its own
    assert re.search(r"\s5\.22\*\s", text)
    assert not re.search(r"\s\*\s*$", text, re.M)


def test_the_plan_page_prints_legibly_on_one_page(printed):
    pdf, results = printed
    pages = _pages(pdf)
    assert len(pages["Plan vs actual"]) == 1
    labels = [shown_label(BY_KEY[k]) for k in results.plan.keys]
    size = printed_size(pdf, pages["Plan vs actual"][0], labels)
    assert size >= PRINTED_FLOOR, size


def test_the_quarterly_and_annual_tables_print_legibly_on_two_pages_each(printed):
    """Each period table prints on two pages (its MRR and client rows, then from its retention rows,
    under a copy of the period heads) at the floor or more: fitted to one page, it printed at 6 points."""
    from workbook_gen.definitions import PERIOD_KEYS, period_metric

    pdf, results = printed
    pages = _pages(pdf)
    heads = {"Quarterly": "Per quarter 2024 Q1 2024 Q2", "Annual": "Per year 2022 2023 2024 2025"}
    for tab, attr in (("Quarterly", "quarterly"), ("Annual", "annual")):
        view = getattr(results.total, attr)
        labels = [shown_label(period_metric(k), attr) for k in PERIOD_KEYS if k in view]
        assert len(pages[tab]) == 2, (tab, pages[tab])
        for page in pages[tab]:
            size = printed_size(pdf, page, labels)
            assert size >= PRINTED_FLOOR, (tab, page, size)
        second = subprocess.run(
            ["pdftotext", "-layout", "-f", str(pages[tab][1]), "-l", str(pages[tab][1]), str(pdf), "-"],
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        body = [line.split() for line in second[1:] if line.strip()]
        assert " ".join(body[0]).startswith(heads[tab]), body[0]
        assert body[1][:2] == ["Quick", "ratio"], body[1]
