"""The heart of the suite: LibreOffice recalculates the generated workbook from its input sheets
and must get exactly the engine's numbers, for every defined name of every scope."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import openpyxl
import pytest
from helpers import expected_names, mismatches, read_names

from workbook_gen.build import build, load
from workbook_gen.inputs.example import synthetic_company
from workbook_gen.libreoffice import convert, recalculate
from workbook_gen.metrics.engine import compute
from workbook_gen.workbook.input_book import write_input_workbook

pytestmark = pytest.mark.libreoffice

FOUR_REGIONS = (
    ("North America", 0.4, 300.0, 0.02),
    ("EMEA", 0.3, 250.0, 0.025),
    ("APAC", 0.2, 150.0, 0.03),
    ("LATAM", 0.1, 90.0, 0.04),
)


def test_recalculated_example_equals_engine(example_recalculated, example_results):
    expected = expected_names(example_results)
    assert len(expected) > 240  # every series and cohort table of the total and both segments
    bad = mismatches(expected, read_names(example_recalculated, expected))
    assert bad == []


def test_recalculation_really_happened(example_recalculated):
    """LibreOffice must have recalculated, not kept our cached values: the Checks summary is
    a formula whose cached text we wrote ourselves; a recalculated copy still says OK, and the
    months row is recomputed from the MRR header."""
    wb = openpyxl.load_workbook(example_recalculated, data_only=True)
    assert wb["Checks"]["C3"].value == "All checks OK"
    wb.close()


def _edit_and_recalc(src, tmp_path, edit):
    wb = openpyxl.load_workbook(src)
    edit(wb)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    wb.close()
    return edited, recalculate(edited, tmp_path / "recalc")


def test_live_formulas_follow_edited_inputs(libreoffice, tmp_path):
    company = synthetic_company(n_clients=90, n_months=27, seed=3)
    src = tmp_path / "small.xlsx"
    write_input_workbook(src, company)
    built = tmp_path / "built.xlsx"
    build(src, built)

    def edit(wb):
        ws = wb["MRR"]
        first_month_col = 1 + len(company.attributes) + 1  # 1-based column of month 1
        last = first_month_col + company.n_months - 1
        paying = [r for r in range(2, 2 + company.n_clients) if (ws.cell(r, last).value or 0) > 0]
        ws.cell(paying[0], last).value = None  # churns in the last month
        ws.cell(paying[1], last).value = ws.cell(paying[1], last).value + 500  # expands
        ws.cell(paying[2], last - 5).value = 0  # drops out five months ago, then comes back
        ws.cell(2 + company.n_clients - 1, first_month_col + 3).value = 75  # an earlier first month
        wb["Gross margin"]["B5"].value = 0.5
        wb["S&M"]["B8"].value = 123456

    edited, recalculated = _edit_and_recalc(built, tmp_path, edit)
    data, settings = load(edited)
    results = compute(data, settings)
    before = compute(*load(src))
    assert results.total.monthly["mrr_closing"][-1] != before.total.monthly["mrr_closing"][-1]
    expected = expected_names(results)
    assert mismatches(expected, read_names(recalculated, expected)) == []


def test_four_region_split_with_settings(libreoffice, tmp_path):
    """A third dataset: four regions, no per-segment S&M, non-default windows and fiscal year."""
    company = synthetic_company(
        n_clients=150, n_months=30, seed=11, segments=FOUR_REGIONS, segment_column="Region", regions=()
    )
    src = tmp_path / "regions.xlsx"
    write_input_workbook(src, company)
    out = tmp_path / "regions-workbook.xlsx"
    overrides = {
        "cac_window": 2,
        "cac_lag": 1,
        "ltv_churn_window": 6,
        "fiscal_year_start": 4,
        "lifetime_cap_months": 36,
    }
    build(src, out, overrides)
    results = compute(*load(src, overrides))
    assert [s.label for s in results.segment_scopes()] == ["APAC", "EMEA", "LATAM", "North America"]
    assert not any(s.has_sm for s in results.segment_scopes())
    expected = expected_names(results)
    assert "cac__emea" not in expected and "arr__north_america" in expected
    recalculated = recalculate(out, tmp_path / "recalc")
    assert mismatches(expected, read_names(recalculated, expected)) == []


def test_segment_burn_columns_are_read_and_recalculated(libreoffice, tmp_path):
    """Optional per-segment columns on Burn (SPEC §2.1, §5): read from the input workbook, written
    back on the output's Burn sheet, used by that segment's formulas only; a segment without one
    has no burn-based keys at all (not the company's burn)."""
    import json
    from dataclasses import replace

    from workbook_gen.export import to_json

    base = synthetic_company(n_clients=80, n_months=26, seed=4)
    n = base.n_months
    company = replace(base, burn_by_segment={"Self-serve": np.round(base.net_burn * 0.3)})
    src = tmp_path / "burn.xlsx"
    write_input_workbook(src, company)
    data, settings = load(src)
    assert data.same_data(company)
    out = tmp_path / "burn-workbook.xlsx"
    build(src, out)
    results = compute(data, settings)
    by_label = {s.label: s for s in results.segment_scopes()}
    assert by_label["Self-serve"].has_burn and not by_label["Assisted"].has_burn
    expected = expected_names(results)
    assert "rule_of_40__self_serve" in expected and "net_burn__assisted" not in expected
    doc = json.loads(to_json(results))
    assert "burn_multiple" not in doc["scopes"]["Segment=Assisted"]["monthly"]
    assert (
        doc["scopes"]["Segment=Self-serve"]["monthly"]["net_burn"][n - 1]
        == company.burn_by_segment["Self-serve"][n - 1]
    )
    recalculated = recalculate(out, tmp_path / "recalc")
    assert mismatches(expected, read_names(recalculated, expected)) == []


def test_dashboard_prints_landscape_one_page_wide(example_workbook, tmp_path, libreoffice):
    pdf = convert(example_workbook, tmp_path, "pdf")
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "3", str(pdf)], capture_output=True, text=True, check=False
    )
    if info.returncode != 0:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    sizes = [line for line in info.stdout.splitlines() if line.startswith("Page") and "size" in line]
    for line in sizes:
        w, h = (float(x) for x in line.split(":")[1].split("pts")[0].split("x"))
        assert w > h, line  # landscape
    text = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "dashboard" in text.lower()
    # The board pack (SPEC §6): at most 40 pages, the dashboard on exactly one of them, no input or
    # calculation sheet printed. Every page's header names its tab.
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages <= 40
    tabs = []  # the header's middle field: company | tab | period
    for page in range(1, pages + 1):
        page_text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        fields = re.split(r"\s{2,}", page_text.splitlines()[0].strip()) if page_text else []
        tabs.append(fields[1] if len(fields) == 3 else "")
    assert tabs.count("Dashboard") == 1, tabs
    assert tabs[1] == "Dashboard" and tabs[0] == "Cover"
    for hidden in ("MRR", "S&M", "Gross margin", "Burn", "Timeline", "Client calc"):
        assert hidden not in tabs, hidden
    assert "#VALUE!" not in text and "###" not in text and "#N/A" not in text
    whole = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for bad in ("#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "Err:"):
        assert bad not in whole, bad


def test_build_with_pdf(libreoffice, tmp_path):
    from click.testing import CliRunner

    from workbook_gen.cli import main

    company = synthetic_company(n_clients=40, n_months=14, seed=9)
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, company)
    out = tmp_path / "pack.xlsx"
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "--pdf", "-q"])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "pack.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert f"wrote {pdf}" in result.stdout


def test_numeric_split_values(libreoffice, tmp_path):
    """A split on a numeric attribute (plan tier 1, 2, 3): the workbook matches the segment by its text."""
    from dataclasses import replace

    base = synthetic_company(n_clients=60, n_months=14, seed=21)
    tiers = [float(1 + i % 3) for i in range(base.n_clients)]
    data = replace(base, attributes={"Plan tier": tiers}, sm_by_segment={})
    src = tmp_path / "tiers.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "tiers-workbook.xlsx"
    build(src, out)
    results = compute(*load(src))
    assert results.segments == ("1", "2", "3")
    expected = expected_names(results)
    assert mismatches(expected, read_names(recalculate(out, tmp_path / "recalc"), expected)) == []


def _values(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {
        ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")}
        for ws in wb.worksheets
    }
    wb.close()
    return out


def test_every_cached_value_equals_the_recalculated_one(example_workbook, example_recalculated):
    """Beyond the named ranges: every formula cell of every tab (dashboard tables, comparison, checks,
    period labels, helper columns) shows before recalculation what LibreOffice computes."""
    import math

    cached, recalculated = _values(example_workbook), _values(example_recalculated)
    bad = []
    for sheet, cells in cached.items():
        for ref, value in cells.items():
            got = recalculated[sheet].get(ref)
            if isinstance(value, int | float) and not isinstance(value, bool):
                ok = isinstance(got, int | float) and math.isclose(value, got, rel_tol=1e-9, abs_tol=1e-6)
            else:
                ok = value == got
            if not ok:
                bad.append(f"{sheet}!{ref}: cached {value!r}, recalculated {got!r}")
    assert bad[:20] == [], f"{len(bad)} cells differ"


def test_split_values_with_wildcard_characters(libreoffice, tmp_path):
    """Segment values are matched literally: 'A?' must not take the clients of 'A1', nor '*' those of others."""
    from dataclasses import replace

    base = synthetic_company(n_clients=48, n_months=13, seed=5)
    values = ["A1", "A?", "A*", "~x"]
    data = replace(
        base, attributes={"Tier": [values[i % 4] for i in range(base.n_clients)]}, sm_by_segment={}
    )
    src = tmp_path / "wild.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "wild-workbook.xlsx"
    build(src, out)
    results = compute(*load(src))
    assert set(results.segments) == set(values)
    expected = expected_names(results)
    assert mismatches(expected, read_names(recalculate(out, tmp_path / "recalc"), expected)) == []
