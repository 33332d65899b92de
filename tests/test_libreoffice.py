"""The heart of the suite: two independent engines, LibreOffice and Gnumeric, recalculate the
generated workbook from its input sheets and must get exactly the engine's numbers, for every
defined name of every scope. Every formula's cached value is stripped before an engine sees the
file, so each value compared was computed by that engine (tests taking ``engine`` run once per
engine)."""

from __future__ import annotations

import html
import re
import subprocess

import numpy as np
import openpyxl
import pytest
from helpers import cents_company, expected_names, mismatches, read_names, undefined_cells

from workbook_gen.build import build, load
from workbook_gen.definitions import BY_KEY, shown_label
from workbook_gen.inputs.example import synthetic_company
from workbook_gen.libreoffice import convert
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


def test_checks_tab_recalculated_says_ok(example_recalculated):
    """The Checks summary was stripped with every other cached value: the engine computed this text."""
    wb = openpyxl.load_workbook(example_recalculated, data_only=True)
    assert wb["Checks"]["C3"].value == "All checks OK"
    wb.close()


def test_segmented_company_with_settings_equals_engine(engine, segmented_workbook, tmp_path):
    """Cents-level amounts, split values differing only in case and spaces (one segment each, first
    spelling), a segment name too long for a defined name, per-segment S&M, non-default settings."""
    built, results = segmented_workbook
    assert [s.label for s in results.segment_scopes()] == [
        "Enterprise",
        "Mid market",
        "Self-serve",
        results.segments[3],
        "Unassigned",
    ]
    assert results.segments[3].startswith("Strategic accounts") and len(results.segments[3]) > 255
    # S&M columns "Self-serve" and "MID  MARKET " (matched up to case and spaces)
    assert [s.has_sm for s in results.segment_scopes()] == [False, True, True, False, False]
    expected = expected_names(results)
    assert max(map(len, expected)) <= 255
    assert "arr__self_serve" in expected and "cac__self_serve" in expected
    recalculated = engine.recalculate(built, tmp_path)
    got = read_names(recalculated, expected)
    assert mismatches(expected, got) == []
    assert undefined_cells(got) == undefined_cells(expected)
    bad = _differences(built, recalculated)  # and every other cell of every tab
    assert bad[:20] == [], f"{len(bad)} cells differ"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_undefined_exactly_where_the_engine_says(engine, tmp_path, seed):
    """Generated companies with cents-level amounts: after recalculation the set of undefined cells
    equals the engine's, name by name (a difference of sums must never leave a residue that turns an
    undefined ratio into a huge number)."""
    data = cents_company(seed, segments=("A", "b", "a ", None) if seed % 2 else ())
    src = tmp_path / "cents.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "cents-workbook.xlsx"
    build(src, out)
    results = compute(*load(src))
    expected = expected_names(results)
    want = undefined_cells(expected)
    # the case this test is about: months after the first with nothing lost (quick ratio undefined)
    assert any(name.startswith("quick_ratio") and c > 3 for name, _, c in want)
    got = read_names(engine.recalculate(out, tmp_path), expected)
    undefined = undefined_cells(got)
    assert sorted(undefined - want)[:10] == [] and sorted(want - undefined)[:10] == []
    assert mismatches(expected, got) == []


def test_a_broken_formula_is_caught(engine, tmp_path):
    """The control: with one formula deliberately wrong (ARPA of the last month doubled), the
    comparison fails on exactly that cell — so a passing comparison means the engine recalculated."""
    company = synthetic_company(n_clients=50, n_months=15, seed=4)
    src = tmp_path / "small.xlsx"
    write_input_workbook(src, company)
    built = tmp_path / "built.xlsx"
    build(src, built)
    results = compute(*load(src))
    expected = expected_names(results)
    assert mismatches(expected, read_names(engine.recalculate(built, tmp_path / "good"), expected)) == []

    wb = openpyxl.load_workbook(built)
    ((sheet, ref),) = list(wb.defined_names["arpa"].destinations)
    last = wb[sheet][ref.replace("$", "")][0][-1]
    last.value = f"={last.value.lstrip('=')}*2"
    broken = tmp_path / "broken.xlsx"
    wb.save(broken)
    wb.close()
    bad = mismatches(expected, read_names(engine.recalculate(broken, tmp_path / "bad"), expected))
    assert bad and all(b.startswith(("arpa[0,14]", "ltv", "ltv_cac")) for b in bad), bad
    assert bad[0].startswith("arpa[0,14]")


def _edit_and_recalc(engine, src, tmp_path, edit):
    wb = openpyxl.load_workbook(src)
    edit(wb)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    wb.close()
    return edited, engine.recalculate(edited, tmp_path / "recalc")


def test_live_formulas_follow_edited_inputs(engine, tmp_path):
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

    edited, recalculated = _edit_and_recalc(engine, built, tmp_path, edit)
    data, settings = load(edited)
    results = compute(data, settings)
    before = compute(*load(src))
    assert results.total.monthly["mrr_closing"][-1] != before.total.monthly["mrr_closing"][-1]
    expected = expected_names(results)
    assert mismatches(expected, read_names(recalculated, expected)) == []


def test_four_region_split_with_settings(engine, tmp_path):
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
    recalculated = engine.recalculate(out, tmp_path / "recalc")
    assert mismatches(expected, read_names(recalculated, expected)) == []


def test_segment_burn_columns_are_read_and_recalculated(engine, tmp_path):
    """Optional per-segment columns on Burn: read from the input workbook, written
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
    recalculated = engine.recalculate(out, tmp_path / "recalc")
    assert mismatches(expected, read_names(recalculated, expected)) == []


@pytest.fixture(scope="module")
def example_pdf(example_workbook, tmp_path_factory, libreoffice):
    pdf = convert(example_workbook, tmp_path_factory.mktemp("pack"), "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    return pdf


def page_tabs(pdf) -> list[str]:
    """The tab each page of the pack belongs to: the middle field of its header (company | tab |
    period)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    tabs = []
    for page in range(1, pages + 1):
        page_text = subprocess.run(
            ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        fields = re.split(r"\s{2,}", page_text.splitlines()[0].strip()) if page_text else []
        tabs.append(fields[1] if len(fields) == 3 else "")
    return tabs


def test_dashboard_prints_landscape_one_page_wide(example_pdf):
    pdf = example_pdf
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "3", str(pdf)], capture_output=True, text=True, check=False
    )
    sizes = [line for line in info.stdout.splitlines() if line.startswith("Page") and "size" in line]
    for line in sizes:
        w, h = (float(x) for x in line.split(":")[1].split("pts")[0].split("x"))
        assert w > h, line  # landscape
    text = subprocess.run(
        ["pdftotext", "-f", "3", "-l", "3", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "dashboard" in text.lower()
    # The board pack: at most 40 pages, the dashboard on exactly one of them, no input or
    # calculation sheet printed. Every page's header names its tab.
    tabs = page_tabs(pdf)
    assert len(tabs) <= 40
    assert tabs.count("Dashboard") == 1, tabs
    assert tabs[:3] == ["Cover", "Summary", "Dashboard"], tabs
    for hidden in ("MRR", "S&M", "Gross margin", "Burn", "Timeline", "Client calc"):
        assert hidden not in tabs, hidden
    assert "#VALUE!" not in text and "###" not in text and "#N/A" not in text
    whole = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for bad in ("#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "Err:"):
        assert bad not in whole, bad


def _words(pdf, page: int) -> list[tuple[float, float, str]]:
    """(x, y, text) of every word on a page, left to right."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', xml)
    return sorted((float(x), float(y), html.unescape(t)) for x, y, t in found)


def _line_y(words, label: str) -> float:
    """The top of the line whose leftmost words read ``label``."""
    wanted = label.split()
    for y in sorted({y for _, y, t in words if t == wanted[0]}):
        line = [t for _, wy, t in words if abs(wy - y) < 0.5]  # left to right (words sort by x)
        if any(line[i : i + len(wanted)] == wanted for i in range(len(line))):
            return y
    raise AssertionError(f"{label!r} is not on the page")


def test_each_segment_prints_on_one_legible_page(example_pdf, example_results):
    """Each segment's tab prints on exactly one page (SPEC §6), at a size a board reads: the rows of
    the table, 15 points apart at 100 %, are at least 55 % of that apart. The page has the board
    rows with the latest numbers, not the rows kept for auditors, and no error text; its cohort
    tab prints on one page too (its charts)."""
    tabs = page_tabs(example_pdf)
    segments = example_results.segment_scopes()
    assert len(segments) == 2
    for scope in segments:
        assert tabs.count(scope.label) == 1, tabs
        assert tabs.count(f"{scope.label} cohorts") == 1, tabs
        page = tabs.index(scope.label) + 1
        words = _words(example_pdf, page)
        pitch = (_line_y(words, "Closing MRR") - _line_y(words, "Opening MRR")) / 6  # six rows apart
        scale = pitch / 15
        assert 0.55 <= scale <= 1, scale
        text = " ".join(t for _, _, t in words)
        assert f"${float(scope.monthly['arr'][-1]):,.0f}" in text  # the latest ARR
        for key in ("nrr_12m", "quick_ratio_3m", "ltv_cac", "clients_closing"):
            _line_y(words, shown_label(BY_KEY[key]))  # the catalog's label, with its unit
        for hidden in ("Reactivated clients", "Gross MRR churn rate", "chart data", "Segment #"):
            assert hidden not in text, hidden
        for bad in ("###", "#VALUE!", "#N/A", "#REF!", "#DIV/0!", "Err:"):
            assert bad not in text, bad


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


def test_numeric_split_values(engine, tmp_path):
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
    assert mismatches(expected, read_names(engine.recalculate(out, tmp_path / "recalc"), expected)) == []


def _values(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {
        ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")}
        for ws in wb.worksheets
    }
    wb.close()
    return out


def _differences(built, recalculated_path) -> list[str]:
    import math

    cached, recalculated = _values(built), _values(recalculated_path)
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
    return bad


def test_every_cached_value_equals_the_recalculated_one(example_workbook, example_recalculated):
    """Beyond the named ranges: every formula cell of every tab (dashboard tables, comparison, checks,
    period labels, helper columns) shows before recalculation what each engine computes."""
    bad = _differences(example_workbook, example_recalculated)
    assert bad[:20] == [], f"{len(bad)} cells differ"


def test_split_values_with_wildcard_characters(engine, tmp_path):
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
    assert mismatches(expected, read_names(engine.recalculate(out, tmp_path / "recalc"), expected)) == []


@pytest.mark.parametrize("program", ["libreoffice", "gnumeric"])
def test_opening_shows_the_cached_values(program, tmp_path, request):
    """The file does not ask for a recalculation on open: LibreOffice with a default profile and
    Gnumeric without --recalc show the cached values (one is planted here, so the one shown must be
    it), while a recalculation replaces it with the formula's value."""
    from helpers import replace_cached_value

    from workbook_gen import gnumeric, libreoffice

    request.getfixturevalue(program)  # skips (or fails under CI=true) without the program
    company = synthetic_company(n_clients=30, n_months=13, seed=8)
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, company)
    built = tmp_path / "built.xlsx"
    build(src, built)
    wb = openpyxl.load_workbook(built, read_only=False)
    ((sheet, ref),) = list(wb.defined_names["arr"].destinations)
    coordinate = ref.replace("$", "").split(":")[1]
    wb.close()
    planted = tmp_path / "planted.xlsx"
    replace_cached_value(built, planted, sheet, coordinate, 123.25)

    def opened(recalc: bool):
        out = tmp_path / f"{program}-{recalc}"
        if program == "libreoffice":
            path = libreoffice.convert(planted, out, "xlsx", recalc=recalc)
        else:
            path = gnumeric.recalculate(planted, out, recalc=recalc)
        wb = openpyxl.load_workbook(path, data_only=True)
        value = wb[sheet][coordinate].value
        wb.close()
        return value

    assert opened(recalc=False) == 123.25
    assert opened(recalc=True) == pytest.approx(12 * company.mrr[:, -1].sum())
