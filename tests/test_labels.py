"""Every figure's label says its period and unit, from the catalog (definitions.shown_label): a rate says
"per month", "per quarter" or "per year" wherever it is shown, a benchmark stated per month sits only
beside monthly values, months and x are in the label where the number format shows no unit, a cohort's
payback age is in its grouping's unit, and the trailing twelve months have one name."""

from __future__ import annotations

import re

import openpyxl
import pytest

from workbook_gen.build import build
from workbook_gen.definitions import (
    BY_KEY,
    METRICS,
    MONTHS,
    PERIOD_ONLY,
    RATIO,
    TRAILING_NAME,
    period_metric,
    shown_label,
)
from workbook_gen.inputs.example import example_company
from workbook_gen.workbook.input_book import write_input_workbook

PERIOD_WORDS = ("per month", "per quarter", "per year")
RATES = [m for m in (*METRICS, *PERIOD_ONLY.values()) if m.rate]


def test_shown_label_by_hand():
    churn = BY_KEY["logo_churn_rate"]
    assert shown_label(churn) == "Logo churn rate (per month)"
    assert shown_label(churn, "quarterly") == "Logo churn rate (per quarter)"
    assert shown_label(churn, "annual") == "Logo churn rate (per year)"
    assert shown_label(BY_KEY["cac_payback_months"]) == "CAC payback (months)"
    assert shown_label(BY_KEY["quick_ratio_3m"]) == "Quick ratio (3 months, x)"
    assert shown_label(BY_KEY["ltv_cac"], "monthly", "latest") == "LTV:CAC (x, latest)"
    assert shown_label(BY_KEY["arr"]) == "ARR"  # the currency format shows the unit
    assert {m.key for m in RATES} >= {"logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate"}


@pytest.fixture(scope="module")
def example_cells(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labels")
    src, out = folder / "in.xlsx", folder / "out.xlsx"
    write_input_workbook(src, example_company(), company="Labels")
    build(src, out, {"company": "Labels"})
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    wb.close()
    return rows


def _expected_period(name: str) -> str:
    if name.startswith("quarterly_"):
        return "per quarter"
    if name.startswith("annual_"):
        return "per year"
    return "per month"


def _metric_of(name: str):
    base = re.sub(r"^(quarterly|annual)_", "", name.split("__")[0])
    try:
        return period_metric(base)
    except KeyError:
        return None


def test_every_rate_label_in_the_built_workbook_says_its_period(example_cells):
    checked = 0
    for sheet, rows in example_cells.items():
        for row in rows:
            texts = [v for v in row if isinstance(v, str)]
            for text in texts:
                for m in RATES:
                    if text.startswith(m.label) and "chart data" not in text:
                        assert any(w in text for w in PERIOD_WORDS), f"{sheet}: {text!r} has no period"
                        checked += 1
            # a named row: its label says the period of its view
            if len(row) > 2 and isinstance(row[1], str) and isinstance(row[0], str):
                m = _metric_of(row[1])
                if (
                    m is not None
                    and m.rate
                    and row[1].split("__")[0] in {m.key, f"quarterly_{m.key}", f"annual_{m.key}"}
                ):
                    assert _expected_period(row[1]) in row[0], f"{sheet}: {row[1]} labelled {row[0]!r}"
    assert checked >= 20  # monthly tabs, segment tabs, Quarterly, Annual, Dashboard, Glossary


def test_benchmarks_stated_per_month_sit_only_beside_monthly_values(example_cells):
    benchmarks = {m.benchmark.text for m in METRICS if m.benchmark}
    for sheet, rows in example_cells.items():
        for row in rows:
            texts = [v for v in row if isinstance(v, str)]
            if benchmarks & set(texts):
                assert not any("per quarter" in t or "per year" in t for t in texts), (sheet, texts[:3])


def test_units_and_one_name_for_the_trailing_twelve_months(example_cells):
    seen = 0
    for sheet, rows in example_cells.items():
        for row in rows:
            for v in row:
                assert not (isinstance(v, str) and "T12M" in v), f"{sheet}: {v!r}"
            if len(row) > 2 and isinstance(row[1], str) and isinstance(row[0], str):
                m = _metric_of(row[1])
                if m is not None and m.unit in (MONTHS, RATIO):
                    word = "months" if m.unit == MONTHS else "x"
                    unit = rf"[(,] ?{word}\)|, {word},|\({word}, trailing"  # "(months, trailing 3 months)"
                    assert re.search(unit, row[0]), (sheet, row[0])
                    seen += 1
    assert seen >= 10
    segments = [r[0] for r in example_cells["Segments"] if r and isinstance(r[0], str)]
    # The Segments page names the window in board words, as its title and the line under it do.
    assert "Quick ratio (x, last 12 months)" in segments
    assert not [t for t in segments if TRAILING_NAME in t or re.search(r"\bT\d+M\b", t)]


def test_cohort_payback_age_is_in_its_groupings_unit(example_cells):
    found = set()
    for sheet, rows in example_cells.items():
        if "ohort" not in sheet:
            continue
        for row in rows:
            for v in row:
                if isinstance(v, str) and v.startswith("Payback age"):
                    found.add(v)
    assert {"Payback age (months)", "Payback age (quarters)", "Payback age (years)"} <= found


def test_segments_headings_name_the_split_without_repeating_segment(example_workbook):
    from workbook_gen.text import segments_of

    assert segments_of("Segment") == "Segments"
    assert segments_of(" segments ") == "Segments"
    assert segments_of("Region") == "Segments by Region"
    wb = openpyxl.load_workbook(example_workbook, read_only=True)
    texts = [
        v
        for name in ("Summary", "Cover", "Checks", "Glossary", "Segments")
        for row in wb[name].iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    ]
    wb.close()
    assert "Segments" in texts  # the Summary's segment block (the split column is called Segment)
    assert not [t for t in texts if "of Segment" in t or "by Segment" in t]


@pytest.mark.parametrize(
    "as_of, window, months",
    [
        # 10 months of history: the window is months 2 to 10 (month 1 has no movements), nine months
        ("2022-10", "last 9 months", "Feb 2022 – Oct 2022"),
        (None, "last 12 months", "Jan 2025 – Dec 2025"),  # 48 months: the last twelve
    ],
)
def test_the_segments_page_says_its_window_in_board_words(tmp_path, as_of, window, months):
    """Not "Segments side by side — by Segment", "TTM: sums over … (from month 2)" or a "T9M" head: the
    title and every trailing row say "last 9 months" (or 12), and the line under the title gives the
    window's months."""
    from pathlib import Path

    example = Path(__file__).parent.parent / "examples" / "example-company.xlsx"
    out = tmp_path / "book.xlsx"
    build(example, out, {"company": "Example SaaS Co", **({"as_of": as_of} if as_of else {})})
    wb = openpyxl.load_workbook(out, read_only=True)
    texts = [r[0] for r in wb["Segments"].iter_rows(values_only=True) if r and isinstance(r[0], str)]
    wb.close()
    assert texts[0] == f"Segments compared — latest month and {window}"
    assert texts[2] == (
        f"{window.capitalize()}: {months}; ratios divide the months' sums, not average monthly ratios."
    )
    assert f"Quick ratio (x, {window})" in texts and f"Logo churn per month ({window})" in texts
    assert not [t for t in texts if "TTM" in t or re.search(r"\bT\d+M\b", t) or "month 2" in t]


def test_no_ttm_jargon_on_the_pages_before_the_appendix(example_cells):
    """A board member reads "Revenue (last 12 months)", not "Revenue (TTM)": no text of a pack page
    (Summary to the segment pages) says TTM; the appendix's Glossary keeps the short name."""
    pack = (
        "Summary",
        "Dashboard",
        "MRR bridge",
        "Retention",
        "Unit economics",
        "Quarterly",
        "Annual",
        "Segments",
    )
    seen = [s for s in pack if s in example_cells]
    assert len(seen) >= 6, list(example_cells)
    texts = {(s, v) for s in seen for row in example_cells[s] for v in row if isinstance(v, str)}
    assert [t for t in texts if "TTM" in t[1]] == []
    assert ("Unit economics", "Revenue (last 12 months)") in texts
    assert ("Unit economics", "FCF margin (last 12 months)") in texts
    assert any("TTM" in v for row in example_cells["Glossary"] for v in row if isinstance(v, str))


def test_monthly_rows_name_the_window_their_figure_rests_on(example_cells):
    """A month's CAC, CAC payback, magic number or burn multiple runs over the trailing 3 months (the
    CAC window), its lifetime and LTV over the 12-month churn window: the monthly and segment pages say
    so in the row label as the dashboard does (one label function), so "CAC" on the Unit economics page
    is not read as that month's spend over that month's new clients. A label that already states its
    window keeps it once ("Revenue (last 12 months)", "Quick ratio (3 months, x)")."""
    from workbook_gen.settings import Settings
    from workbook_gen.workbook.tabs.common import kpi_label

    expected = {
        "cac": "CAC (trailing 3 months)",
        "cac_payback_months": "CAC payback (months, trailing 3 months)",
        "magic_number": "Magic number (x, trailing 3 months)",
        "burn_multiple": "Burn multiple (x, trailing 3 months)",
        "ltv_cac": "LTV:CAC (x, trailing 12 and 3 months)",
        "lifetime_months": "Client lifetime (months, trailing 12 months)",
        "revenue_ttm": "Revenue (last 12 months)",
        "quick_ratio_3m": "Quick ratio (3 months, x)",
    }
    for key, label in expected.items():
        assert kpi_label(key, Settings()) == label, key
    for sheet in ("Unit economics", "Assisted", "Self-serve"):
        named = {row[1].split("__")[0]: row[0] for row in example_cells[sheet] if len(row) > 2 and row[1]}
        for key, label in expected.items():
            if key in named:
                assert named[key] == label, (sheet, key, named[key])
        assert sum(key in named for key in expected) >= 5, sheet
