"""What the printed pages of the pack hold, read from the built workbook (no printing needed): rows
without a value in any printed column are left off with one line saying why (SPEC §6, short
histories); the pages before the appendix hold no formula text; each KPI table states its window."""

from __future__ import annotations

import math
import re

import openpyxl
import pytest
from helpers import printed_texts

from workbook_gen.build import build
from workbook_gen.settings import Settings
from workbook_gen.workbook.tabs.common import left_off, not_shown_line

COMPANY = {"company": "Example SaaS Co"}
YOUNG = {**COMPANY, "as_of": "2022-10"}  # ten months of the example's history


FOUR_SEGMENTS = (
    ("Self-serve", 0.4, 120.0, 0.035),
    ("Assisted", 0.3, 1400.0, 0.012),
    ("Enterprise", 0.15, 5000.0, 0.006),
    ("Partner", 0.15, 600.0, 0.02),
)


@pytest.fixture(scope="module")
def young_path(tmp_path_factory, example_input):
    out = tmp_path_factory.mktemp("young") / "young.xlsx"
    build(example_input, out, YOUNG)
    return out


@pytest.fixture(scope="module")
def young_workbook(young_path):
    wb = openpyxl.load_workbook(young_path)
    yield wb
    wb.close()


@pytest.fixture(scope="module")
def four_segments_path(tmp_path_factory):
    """The example's kind of company with four segments (no per-segment S&M)."""
    from workbook_gen.inputs.example import synthetic_company
    from workbook_gen.workbook.input_book import write_input_workbook

    folder = tmp_path_factory.mktemp("four")
    write_input_workbook(folder / "in.xlsx", synthetic_company(segments=FOUR_SEGMENTS), company="Four Co")
    build(folder / "in.xlsx", folder / "out.xlsx", {"company": "Four Co"})
    return folder / "out.xlsx"


@pytest.fixture(scope="module")
def three_months_path(tmp_path_factory, example_input):
    """Three months of history: the narrowest monthly pages, the longest 'Not shown' lines."""
    out = tmp_path_factory.mktemp("three") / "three.xlsx"
    build(example_input, out, {**COMPANY, "as_of": "2022-03"})
    return out


@pytest.fixture(params=["example", "young", "four segments", "three months"])
def company_path(request, example_workbook, young_path, four_segments_path, three_months_path):
    return {
        "example": example_workbook,
        "young": young_path,
        "four segments": four_segments_path,
        "three months": three_months_path,
    }[request.param]


def pack_sheets(path) -> list[str]:
    """The printed sheets before the appendix's divider, in printed (tab) order."""
    wb = openpyxl.load_workbook(path, read_only=True)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    wb.close()
    return visible[: visible.index("Appendix")]


def rows_by_label(ws) -> dict[str, int]:
    """Each label of the first column and its first row (a segment's period views repeat labels below)."""
    out: dict[str, int] = {}
    for r in range(1, ws.max_row + 1):
        if isinstance(ws.cell(r, 1).value, str):
            out.setdefault(ws.cell(r, 1).value, r)
    return out


def test_left_off_and_the_line_saying_why():
    nan = math.nan
    assert left_off([("a", [nan, nan]), ("b", [nan, 1.0]), ("c", [])]) == ["a", "c"]
    s = Settings()
    # NRR and GRR over 12 months have a first value in month 13; revenue over the trailing twelve
    # months in month 12 (docs/definitions.md). Quick ratio (a trailing-only row) has no history rule.
    assert not_shown_line(["nrr_12m", "grr_12m"], 10, s) == (
        "Not shown: Net revenue retention (12m) and Gross revenue retention (12m) need 13 months of "
        "history (the data covers 10 months)."
    )
    assert not_shown_line(["revenue_ttm", "ltv", "quick_ratio"], 11, s) == (
        "Not shown: Revenue (last 12 months) needs 12 months of history; LTV needs 13 months of history (the data "
        "covers 11 months); Quick ratio has no value in the months shown."
    )
    assert not_shown_line([], 10, s) == ""
    assert not_shown_line(["cac"], 10, s, "years") == "Not shown: CAC has no value in the years shown."
    # A first month that depends on the settings: CAC from month max(W+1, W+L) = 4 with W = 3, L = 1;
    # with a 12-month window and a lag of 3 it is month 15.
    assert not_shown_line(["cac"], 10, Settings(cac_window=12, cac_lag=3)) == (
        "Not shown: CAC needs 15 months of history (the data covers 10 months)."
    )
    assert not_shown_line(["cac"], 10, s) == "Not shown: CAC has no value in the months shown."


# The young company's 12-month figures: undefined in every printed column of these pages.
YEAR_KEYS = ("arr_growth_yoy", "nrr_12m", "grr_12m", "ltv", "ltv_cac", "rule_of_40")


def test_a_young_companys_dashboard_leaves_off_its_empty_kpi_rows(young_workbook):
    from workbook_gen.workbook.tabs.common import kpi_label
    from workbook_gen.workbook.tabs.dashboard import TABLE_TOP, TRAILING_COLS, columns

    ws = young_workbook["Dashboard"]
    rows = rows_by_label(ws)
    for key in YEAR_KEYS:
        row = rows[kpi_label(key, Settings())]
        assert ws.row_dimensions[row].hidden, key
        assert ws.cell(row, 2).value.startswith("="), key  # still a live formula in the workbook
    for key in ("arr", "clients_closing", "cac_payback_months", "burn_multiple"):
        assert not ws.row_dimensions[rows[kpi_label(key, Settings())]].hidden, key
    line = next(label for label in rows if label.startswith("Not shown:"))
    assert line == (
        "Not shown: ARR growth (YoY), Net revenue retention (12m), Gross revenue retention (12m), LTV, "
        "LTV:CAC and Rule of 40 need 13 months of history (the data covers 10 months)."
    )
    assert not ws.row_dimensions[rows[line]].hidden
    # The trailing table beside the KPI table keeps every line on a visible row: a hidden row holds
    # nothing in its columns, and the trailing table's last line is there.
    cols = columns(with_plan=ws.cell(TABLE_TOP, 3).value == "Plan")
    trailing = [cols.index(h) + 1 for h in TRAILING_COLS]
    for r in (r for r in range(1, ws.max_row + 1) if ws.row_dimensions[r].hidden):
        assert all(ws.cell(r, c).value is None for c in trailing), r
    assert any(ws.cell(r, trailing[0]).value == "Net burn" for r in range(1, 30))


def _blank_column_cells(ws, head: str) -> tuple[int, list]:
    """The column headed ``head`` in the KPI table's head row, and its cells on the table's rows."""
    from workbook_gen.workbook.tabs.dashboard import TABLE_TOP

    col = next(c for c in range(1, 15) if ws.cell(TABLE_TOP, c).value == head)
    return col, [ws.cell(r, col) for r in range(TABLE_TOP + 1, TABLE_TOP + 19)]


def test_a_young_companys_dashboard_prints_no_column_of_na(tmp_path, young_workbook, example_workbook):
    """Ten months (Jan–Oct 2022): the figure of 12 months before is n/a in every row, so the column
    prints blank (its head too), its cells still live formulas, and one line under the table says why.
    With the example's plan (Jan 2025 – Mar 2026) the plan and its variance have no month either. A full
    history prints the column and no such line."""
    from pathlib import Path

    from workbook_gen.workbook.tabs.dashboard import TABLE_TOP

    young = young_workbook["Dashboard"]
    col, cells = _blank_column_cells(young, "12 months ago")
    assert young.cell(TABLE_TOP, col).number_format == ";;;"
    live = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(live) >= 12 and all(c.number_format == ";;;" for c in live)
    lines = [label for label in rows_by_label(young) if label.startswith("12 months ago:")]
    assert lines == ["12 months ago: the history starts in Jan 2022."]
    assert not young.row_dimensions[rows_by_label(young)[lines[0]]].hidden
    wb = openpyxl.load_workbook(example_workbook)
    full = wb["Dashboard"]
    col, cells = _blank_column_cells(full, "12 months ago")
    assert full.cell(TABLE_TOP, col).number_format != ";;;"
    assert not any(c.number_format == ";;;" for c in cells)
    assert not [label for label in rows_by_label(full) if label.startswith("12 months ago:")]
    wb.close()
    example = Path(__file__).parent.parent / "examples" / "example-company.xlsx"  # with its plan
    out = tmp_path / "young-planned.xlsx"
    build(example, out, YOUNG)
    wb = openpyxl.load_workbook(out)
    ws = wb["Dashboard"]
    for head in ("Plan", "Variance to plan", "12 months ago"):
        col, cells = _blank_column_cells(ws, head)
        assert ws.cell(TABLE_TOP, col).number_format == ";;;", head
        assert all(c.number_format == ";;;" for c in cells if c.value is not None), head
    line = next(label for label in rows_by_label(ws) if label.startswith("12 months ago:"))
    assert line == (
        "12 months ago: the history starts in Jan 2022. Plan: The plan starts in January 2025 (it covers "
        "Jan 2025 – Mar 2026): there is no plan for October 2022 to compare with yet."
    )
    wb.close()


def test_a_young_companys_segment_pages_leave_off_their_empty_rows(young_workbook):
    from workbook_gen.settings import Settings
    from workbook_gen.workbook.tabs.common import kpi_label

    for sheet in ("Assisted", "Self-serve"):
        ws = young_workbook[sheet]
        rows = rows_by_label(ws)
        for key in ("arr_growth_yoy", "nrr_12m", "grr_12m", "ltv", "ltv_cac"):
            assert ws.row_dimensions[rows[kpi_label(key, Settings())]].hidden, (sheet, key)
        assert not ws.row_dimensions[rows[kpi_label("cac_payback_months", Settings())]].hidden
        line = next(label for label in rows if label.startswith("Not shown:"))
        assert "Net revenue retention (12m)" in line and "LTV:CAC" in line, line
        assert line.endswith("need 13 months of history (the data covers 10 months).")
        assert not ws.row_dimensions[rows[line]].hidden
    ws = young_workbook["Segments"]
    rows = rows_by_label(ws)
    hidden = sorted(label for label, r in rows.items() if ws.row_dimensions[r].hidden)
    assert hidden == [
        "ARR growth (YoY, latest)",
        "Client lifetime (months, latest, trailing 12 months)",
        "Gross revenue retention (12m, latest)",
        "LTV (latest, trailing 12 months)",
        "LTV:CAC (x, latest, trailing 12 and 3 months)",
        "Net revenue retention (12m, latest)",
    ]
    assert any(label.startswith("Not shown: ARR growth (YoY)") for label in rows)


def test_a_young_companys_quarterly_and_annual_pages_leave_off_their_empty_rows(young_workbook):
    """Ten months: the quarters' and the year's 12-month figures have no value; the year's CAC (its
    spend lagged past the year's start) neither."""
    ws = young_workbook["Quarterly"]
    rows = rows_by_label(ws)
    table = range(rows["Opening MRR"], rows["Cash balance"] + 1)  # the table's rows, not its helpers
    hidden = sorted(label for label, r in rows.items() if r in table and ws.row_dimensions[r].hidden)
    assert hidden == [
        "ARR growth (YoY)",
        "Gross revenue retention (12m)",
        "Net revenue retention (12m)",
        "Rule of 40",
    ]
    assert (
        "Not shown: ARR growth (YoY), Net revenue retention (12m), Gross revenue retention (12m) and Rule of 40 "
        "need 13 months of history (the data covers 10 months)." in rows
    )
    ws = young_workbook["Annual"]
    line = next(label for label in rows_by_label(ws) if label.startswith("Not shown:"))
    assert line.endswith("have no value in the years shown."), line
    assert ws.cell(rows_by_label(ws)[line], 1).value == line


def test_a_capped_period_lifetime_says_how_it_differs_from_the_monthly_one(
    young_workbook, tmp_path, example_input
):
    """Ten months: the monthly lifetime and LTV have no value (a 12-month churn window), but each
    quarter's and the year's lifetime is defined, from the period's own churn: 1 client churned in
    2022 Q1 over 67 opening client-months, 67 months, capped at 60 — every period here is at the cap.
    The Quarterly and Annual pages say so under the table, so that 60.0 beside "LTV needs 13 months of
    history" on the Dashboard does not read as a contradiction; with a cap no period reaches, no line."""
    from workbook_gen.build import load
    from workbook_gen.metrics.engine import compute

    data, settings = load(example_input, YOUNG)
    res = compute(data, settings)
    monthly, periods = res.total.monthly, res.periods["quarter"]
    assert all(math.isnan(v) for v in monthly["lifetime_months"])
    for p, (f, e) in enumerate(zip(periods.first, periods.last, strict=True)):
        months = slice(max(f, 1), e + 1)  # month 1 has no opening clients to churn
        churned, opening = monthly["clients_churned"][months].sum(), monthly["clients_opening"][months].sum()
        assert opening / churned > 60 and res.total.quarterly["lifetime_months"][p] == 60.0
    assert res.total.quarterly["clients_churned"][0] == 1 and monthly["clients_opening"][1:3].sum() == 67
    for sheet, word in (("Quarterly", "quarter"), ("Annual", "year")):
        ws = young_workbook[sheet]
        rows = {
            v: r for r in range(1, ws.max_row + 1) for v in [ws.cell(r, c).value for c in range(1, 10)] if v
        }
        line = (
            f"Client lifetime and LTV: from each {word}'s own client churn, at most 60 months (the cap); "
            "the monthly figures use the churn of the last 12 months."
        )
        assert line in rows, sheet
        assert not ws.row_dimensions[rows[line]].hidden
    out = tmp_path / "uncapped.xlsx"
    build(example_input, out, {**YOUNG, "lifetime_cap_months": 1200})
    wb = openpyxl.load_workbook(out)
    for sheet in ("Quarterly", "Annual"):
        texts = [c.value for row in wb[sheet].iter_rows() for c in row if isinstance(c.value, str)]
        assert not any(t.startswith("Client lifetime and LTV") for t in texts), sheet
    wb.close()


def test_the_period_pages_say_why_their_ratios_differ_from_the_dashboards(example_workbook):
    """The dashboard's CAC payback (trailing 3 months to Dec 2025) is 23.2 months and the Quarterly
    page's 2025 Q4 23.3: the same months, worked out two ways by design (the trailing figure takes the
    latest month's ASP and gross margin, the quarter its own months'); so are LTV, Rule of 40 and the
    client lifetime. Each page says so where a board compares them: the Quarterly and Annual pages under
    their tables, naming the ratios whose monthly figure runs over a rolling window (from the
    catalog's expressions: not ARR or NRR), and the dashboard under its KPIs."""
    from workbook_gen.workbook.tabs.periods import trailing_note

    ratios = "CAC, CAC payback, Client lifetime, LTV, LTV:CAC, Magic number, Burn multiple and Rule of 40"
    texts = printed_texts(example_workbook)
    for sheet, g in (("Quarterly", "quarter"), ("Annual", "year")):
        line = (
            f"Each {g}'s ratios are worked out over that {g}'s own months, so its {ratios} can differ "
            "from the dashboard's figures for the same months, which run over trailing windows."
        )
        assert texts[sheet].count(line) == 1, sheet
    assert trailing_note("quarter", ["arr", "nrr_12m", "mrr_new"]) == ""
    assert "so its LTV can differ" in trailing_note("year", ["arr", "ltv"])
    dashboard = " ".join(texts["Dashboard"])
    assert (
        "Trailing figures: the window in each label, to Dec 2025; the Quarterly and Annual pages work each "
        "period's ratios over its own months, so their figures can differ." in dashboard
    )


def test_a_segment_page_prints_its_notes_and_no_band_without_its_table(four_segments_path):
    """Four segments without their own S&M or burn: each page has two notes under its rows (why the
    spend- and burn-based metrics are absent). The period views placed under them started one row too
    high, so the second note's row (visible, tall) held the "Quarterly view" band instead of the note:
    a dark band printed with no table under it, and the burn note was lost."""
    from workbook_gen.definitions import BURN, SM, scope_note

    wb = openpyxl.load_workbook(four_segments_path)
    for label, *_ in FOUR_SEGMENTS:
        ws = wb[label]
        rows = rows_by_label(ws)
        for note in (scope_note(SM, label), scope_note(BURN, label)):
            assert note in rows, (label, note)
            assert not ws.row_dimensions[rows[note]].hidden, (label, note)
        for view, first in (("Quarterly", "Per quarter"), ("Annual", "Per year")):
            band = rows[f"{view} view — {label}"]
            assert ws.cell(band + 1, 1).value == first, (label, view)
            # the band prints with the period rows under it, or neither prints
            assert ws.row_dimensions[band].hidden == ws.row_dimensions[band + 1].hidden, (label, view)
    wb.close()


def test_a_full_history_leaves_nothing_off(example_workbook):
    wb = openpyxl.load_workbook(example_workbook)
    for sheet in ("Dashboard", "Assisted", "Self-serve", "Segments", "Quarterly", "Annual"):
        ws = wb[sheet]
        assert not any(label.startswith("Not shown") for label in rows_by_label(ws)), sheet
    wb.close()


# Formula text: sums, settings' letters, month offsets, spreadsheet functions, defined names (snake
# case). Plain arithmetic in words ("ARR = 12 × MRR") is for the board too.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
FORMULA_MARKS = ("Σ", "by L ", "[t−", "[t-", "max(", "INDEX(", "SUM(", "ROUND(", "IF(", "MAX(")


def test_no_formula_text_before_the_appendix(company_path):
    """The printed area of every pack sheet before the divider holds no formula-like text: the
    Quarterly and Annual tabs' "how the period's value is built" column stays beside the table for the
    auditor, off the page (the Glossary in the appendix says the same)."""
    texts = printed_texts(company_path)
    found = []
    for sheet in pack_sheets(company_path):
        for text in texts[sheet]:
            found += [(sheet, text) for mark in FORMULA_MARKS if mark in text]
            found += [(sheet, text)] if text.startswith("=") else []
            found += [(sheet, text) for _ in SNAKE.findall(text)]
    assert found == []
    wb = openpyxl.load_workbook(company_path, read_only=True)
    notes = [v for row in wb["Quarterly"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    wb.close()
    assert any("Σ" in v for v in notes)  # still in the workbook, for the auditor


def test_the_windows_are_said_from_the_catalog():
    from workbook_gen.rules import window_words, windows

    s = Settings()
    # CAC sums S&M and new clients over the CAC window W (3); LTV:CAC reads the LTV, whose lifetime
    # averages churn over C (12), and the CAC: both windows, the LTV's first.
    assert window_words("cac", s) == "trailing 3 months"
    assert window_words("ltv_cac", s) == "trailing 12 and 3 months"
    assert window_words("ltv_cac", Settings(cac_window=6, ltv_churn_window=6)) == "trailing 6 months"
    assert window_words("runway_months", Settings(runway_window=1)) == "trailing 1 month"
    assert window_words("burn_multiple", s) == "trailing 3 months"  # a fixed window: 3 months of burn
    assert window_words("quick_ratio_3m", s) == ""  # its label says it: "Quick ratio (3 months)"
    assert window_words("arr", s) == "" and windows("nrr_12m") == ()  # a point in time; an aggregation


def test_each_kpi_table_states_its_window(tmp_path, example_input):
    """The dashboard's and the Segments page's labels name the windows of the latest value (from the
    settings: here a 6-month CAC window and a 24-month churn window); the Quarterly and Annual tables
    say "per quarter" and "per year"."""
    out = tmp_path / "out.xlsx"
    build(example_input, out, {**COMPANY, "cac_window": 6, "ltv_churn_window": 24})
    wb = openpyxl.load_workbook(out, read_only=True)
    texts = {
        sheet: {v for row in wb[sheet].iter_rows(values_only=True) for v in row if isinstance(v, str)}
        for sheet in ("Dashboard", "Segments", "Quarterly", "Annual")
    }
    wb.close()
    assert {"LTV:CAC (x, trailing 24 and 6 months)", "CAC payback (months, trailing 6 months)"} <= texts[
        "Dashboard"
    ]
    assert {"LTV (trailing 24 months)", "Burn multiple (x, trailing 3 months)"} <= texts["Dashboard"]
    # the segment rows' short heads: their windows in a line under them
    assert (
        "Latest month; CAC payback over the trailing 6 months and LTV:CAC over the trailing 24 and 6 months, "
        "as in the table above." in texts["Dashboard"]
    )
    assert "LTV:CAC (x, latest, trailing 24 and 6 months)" in texts["Segments"]
    assert "Per quarter" in texts["Quarterly"] and "Per year" in texts["Annual"]


# --- every printed text fits where it prints (SPEC §6: no text cut off at a cell edge) --------------


def _fonts_or_skip():
    import shutil
    import subprocess

    pytest.importorskip("fontTools")
    if not shutil.which("fc-match"):
        pytest.skip("fontconfig (fc-match) is not installed")
    found = subprocess.run(["fc-match", "Carlito", "--format=%{file}"], capture_output=True, text=True)
    if "Carlito" not in found.stdout:
        pytest.skip("the Carlito font is not installed")


def test_text_fit_by_hand(tmp_path):
    """Calibri's (and Carlito's) digits are 1038/2048 em wide: at 11 pt (14.67 px) 7.43 px each. A
    column 10 characters wide is 75 px, 71 px inside its padding: nine digits (66.9 px) fit, ten
    (74.3 px) do not, unless the cell beside is empty and the text runs on into it. Two merged columns
    (150 px, 146 inside): 19 digits (141.2 px) fit, 20 (148.7 px) do not. Three words of five digits
    wrapped in one column take three lines (two words and a space are 77.6 px); a row of 20 pt holds
    one line of 11 pt text (13.4 pt a line), a row of 45 pt three."""
    import xlsxwriter

    _fonts_or_skip()
    from textfit import misfits, text_px

    assert text_px("0") == pytest.approx(1038 / 2048 * 11 * 96 / 72)
    path = tmp_path / "fit.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Fit")
    ws.set_column(0, 5, 10)
    wrap = wb.add_format({"text_wrap": True})
    ws.write_string(0, 0, "0" * 9)  # fits
    ws.write_string(1, 0, "0" * 10)  # cut: B2 holds a value
    ws.write_string(1, 1, "x")
    ws.write_string(2, 0, "0" * 10)  # runs on into the empty B3
    ws.merge_range(3, 0, 3, 1, "0" * 19)  # fits the merged range
    ws.merge_range(4, 0, 4, 1, "0" * 20)  # does not
    ws.write_string(5, 0, "00000 00000 00000", wrap)  # three lines in a row of 20 pt: cut
    ws.set_row(5, 20)
    ws.write_string(6, 0, "00000 00000 00000", wrap)  # three lines in 45 pt: fits
    ws.set_row(6, 45)
    ws.write_string(7, 0, "00000 00000 00000", wrap)  # a row without a height grows to its text
    ws.print_area(0, 0, 7, 5)
    wb.close()
    assert [m.cell for m in misfits(path)] == ["A2", "A5", "A6"]


def test_text_lines_by_hand():
    from workbook_gen.workbook.printing import text_lines

    # 1.1 letters a character of width: 8 characters hold 8 letters a line, 13 hold 14.
    assert text_lines("CAC payback (months)", 8) == 3  # "CAC" / "payback" / "(months)"
    assert text_lines("ARR growth (year on year)", 13) == 2  # "ARR growth" / "(year on year)"
    assert text_lines("LTV:CAC (x)", 8) == 2
    assert text_lines("one\ntwo", 40) == 2


def test_every_printed_text_fits_its_cell(company_path):
    """Every text cell each printed sheet shows (print area and print titles, rows and columns not
    hidden) fits its column, its merged range, or the empty cells it runs on into; a wrapped text's
    lines fit its row (tests/textfit.py). The PDF keeps a clipped text whole, so reading the PDF's text
    cannot find a cut; the font's widths can. Measured at the spreadsheets' nominal 7 pixels a
    character of column width: LibreOffice draws columns a little wider, Excel does not."""
    _fonts_or_skip()
    from textfit import misfits

    assert [str(m) for m in misfits(company_path)] == []


def test_the_cap_mark_sits_in_the_figures_cell(example_workbook):
    """Assisted's LTV:CAC on the dashboard rests on the 60-month lifetime cap: its mark is part of the
    figure's own cell ("5.22*", the number still a number, coloured with it), not a "*" printed in a
    column of its own right of the segment rows; Self-serve's, not at the cap, has none."""
    from workbook_gen.workbook.tabs.dashboard import CAPPED_MARK

    wb = openpyxl.load_workbook(example_workbook)
    ws = wb["Dashboard"]
    rows = rows_by_label(ws)
    head = next(r for label, r in rows.items() if label.startswith("By segment"))
    col = next(c for c in range(2, 15) if ws.cell(head, c).value == "LTV:CAC (x)")
    assisted, self_serve = ws.cell(rows["Assisted"], col), ws.cell(rows["Self-serve"], col)
    assert assisted.value.startswith("=") and assisted.number_format == f'0.00"{CAPPED_MARK}"'
    assert self_serve.number_format == "0.00"
    marks = [
        c.coordinate
        for row in ws.iter_rows(min_row=head, max_row=head + 3)
        for c in row
        if c.value == CAPPED_MARK
    ]
    assert marks == []
    notes = [label for label in rows if label.startswith(f"{CAPPED_MARK} Assisted: LTV rests on")]
    assert len(notes) == 1
    wb.close()


def test_segment_rows_are_coloured_by_the_benchmark_thresholds(tmp_path):
    """The dashboard's segment rows compare each figure with the "Good at" and "OK at" cells of the
    KPI's row, wherever the plan's columns put them (with a plan they read the "12 months ago" and
    "Benchmark" cells: Self-serve's 4.1 % logo churn showed amber against a 1 % / 2 % benchmark)."""
    from pathlib import Path

    from openpyxl.utils import get_column_letter

    from workbook_gen.workbook.tabs.dashboard import TABLE_TOP, columns

    example = Path(__file__).parent.parent / "examples" / "example-company.xlsx"  # with its plan
    out = tmp_path / "out.xlsx"
    build(example, out, COMPANY)
    wb = openpyxl.load_workbook(out)
    ws = wb["Dashboard"]
    cols = columns(with_plan=True)
    assert ws.cell(TABLE_TOP, 3).value == "Plan"
    good, ok = (get_column_letter(cols.index(h) + 1) for h in ("Good at", "OK at"))
    rows = rows_by_label(ws)
    churn = rows["Logo churn rate (per month)"]
    head = next(r for label, r in rows.items() if label.startswith("By segment"))
    col = next(c for c in range(2, 12) if str(ws.cell(head, c).value).startswith("Logo churn"))
    target = f"{get_column_letter(col)}{rows['Self-serve']}"
    formulas = [
        rule.formula[0] for cf in ws.conditional_formatting if target in str(cf.sqref) for rule in cf.rules
    ]
    wb.close()
    assert f"${good}${churn}" in formulas[0] and f"${ok}${churn}" in formulas[1], formulas


def test_first_pages_by_hand():
    from workbook_gen.workbook.printing import first_pages

    sheets = ["Cover", "Summary", "Quarterly", "Appendix", "Glossary"]
    tabs = ["Cover", "Summary", "Quarterly", "Quarterly", "Appendix", "Glossary", "Glossary"]
    assert first_pages(tabs, sheets) == {
        "Cover": 1,
        "Summary": 2,
        "Quarterly": 3,
        "Appendix": 5,
        "Glossary": 6,
    }
    assert first_pages(["Cover", "Glossary", "Summary"], sheets) is None  # out of the printed order
    assert first_pages(["Cover", "Cover page"], sheets) is None  # a header that names no tab
    assert first_pages([], sheets) is None


def test_the_print_copy_fills_the_contents_pages(example_workbook, tmp_path):
    """The copy LibreOffice prints carries each section's page on the cover (the head 'Page' over
    them); the workbook keeps those cells blank."""
    from workbook_gen.workbook.printing import print_copy, visible_sheets

    sheets = visible_sheets(example_workbook)
    assert sheets[:3] == ["Cover", "Summary", "Dashboard"] and "MRR" not in sheets
    pages = {name: 10 + i for i, name in enumerate(sheets)}
    copy = tmp_path / "copy.xlsx"
    print_copy(example_workbook, copy, pages)
    wb = openpyxl.load_workbook(copy, read_only=True)
    rows = [r for r in wb["Cover"].iter_rows(max_col=3, values_only=True) if r and r[0]]
    wb.close()
    numbered = {r[0]: r[2] for r in rows if r[2] is not None}
    assert numbered.pop("Contents") == "Page"
    assert numbered == {name: pages[name] for name in sheets if name != "Cover"}


def test_a_segment_table_says_why_a_segment_has_no_cac_payback(four_segments_path, example_workbook):
    """Four segments without their own S&M: the dashboard's segment rows print "–" and the Segments
    page "n/a" for every segment's CAC payback and LTV:CAC. One line under each table says why, naming
    the two metrics the table shows (not the CAC or magic number it does not); the example, whose two
    segments have their own spend, prints no such line."""
    line = (
        "CAC payback and LTV:CAC are not shown for the segments: sales & marketing spend is not reported "
        "for each segment on its own."
    )
    texts = printed_texts(four_segments_path)
    for sheet in ("Dashboard", "Segments"):
        assert texts[sheet].count(line) == 1, sheet
    wb = openpyxl.load_workbook(four_segments_path, read_only=True, data_only=True)
    ws = wb["Segments"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    payback = next(r for r in values if isinstance(r[0], str) and r[0].startswith("CAC payback"))
    assert payback[2:6] == ["n/a"] * 4  # the four segments; the total (column B) has its figure
    example = printed_texts(example_workbook)
    assert not [t for s in ("Dashboard", "Segments") for t in example[s] if "not shown for" in t]


def test_scope_lines_name_the_segments_without_when_not_all():
    """A segment with its own S&M beside two without: the line names the two (by hand)."""
    from types import SimpleNamespace

    from workbook_gen.workbook.tabs.common import scope_lines

    def seg(label, sm, total=False):
        return SimpleNamespace(label=label, is_total=total, has_sm=sm, has_burn=total)

    scopes = [seg("Total", True, True), seg("A", True), seg("B", False), seg("C", False)]
    assert scope_lines(["arr", "cac", "burn_multiple"], scopes) == [
        "CAC is not shown for B and C: sales & marketing spend is not reported for each of them on its own.",
        "Burn multiple is not shown for the segments: net burn is not reported for each segment on its own, "
        "and the company's burn is never set against one segment's revenue.",
    ]
    assert scope_lines(["arr", "nrr_12m"], scopes) == []


def test_a_lifetime_at_the_cap_is_flagged_on_the_segment_pages(four_segments_path):
    """Four segments: Assisted, Enterprise and Partner lose too few clients to estimate a lifetime, so
    their client lifetime prints 60.0, the 60-month cap, and their LTV rests on it; Self-serve's (27.1
    months in Dec 2025) is its own. The dashboard's rule flags it where those figures print: one line
    under the Segments page's table naming the three, and a note on each of their own pages (no
    LTV:CAC there: they have no spend of their own, so the note speaks of LTV alone)."""
    capped = ("Assisted", "Enterprise", "Partner")
    wb = openpyxl.load_workbook(four_segments_path, read_only=True, data_only=True)
    values = [list(r) for r in wb["Segments"].iter_rows(values_only=True)]
    wb.close()
    life = next(r for r in values if isinstance(r[0], str) and r[0].startswith("Client lifetime"))
    assert life[2:5] == [60.0, 60.0, 60.0] and life[5] == pytest.approx(27.1, abs=0.05)
    texts = printed_texts(four_segments_path)
    assert (
        "Assisted, Enterprise and Partner: LTV rests on the 60-month lifetime cap (too little churn to "
        "estimate a lifetime), so LTV is an upper figure."
    ) in texts["Segments"]
    values = openpyxl.load_workbook(four_segments_path, read_only=True, data_only=True)
    cached = {
        label: [list(r) for r in values[label].iter_rows(values_only=True)] for label, *_ in FOUR_SEGMENTS
    }
    values.close()
    wb = openpyxl.load_workbook(four_segments_path)
    for label, *_ in FOUR_SEGMENTS:
        line = (
            f"{label}: LTV rests on the 60-month lifetime cap where client lifetime shows 60 (too little "
            "churn to estimate a lifetime), so LTV is an upper figure."
        )
        rows = rows_by_label(wb[label])  # the label column prints beside every page of months
        assert (line in rows) == (label in capped), label
        if line in rows:
            assert not wb[label].row_dimensions[rows[line]].hidden
            # the row the note points at prints on the same page, showing the 60 in its latest months
            life = next(text for text in rows if text.startswith("Client lifetime"))
            assert not wb[label].row_dimensions[rows[life]].hidden, label
            shown = [v for v in cached[label][rows[life] - 1] if isinstance(v, float)][-12:]
            assert 60.0 in shown, label
    wb.close()


def test_no_two_clipped_labels_side_by_side_print_over_each_other(four_segments_path):
    """Where two columns side by side rise beyond a chart's axis, their labels run up their columns,
    turned a quarter (the chart XML's rot of -90°, the arrow "→" turned with them), instead of printing
    "1.3 ↑1.3 ↑" over each other (charts.clipped_labels, by hand in test_pack_charts). The four-segment
    company's dashboard drew such a pair (burn multiple 1.26 and 1.33 in Nov and Dec 2024) when it
    printed two years of burn multiple; no chart of its workbook may print an unturned pair."""
    import zipfile

    with zipfile.ZipFile(four_segments_path) as z:
        xml = [z.read(n).decode() for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)]
    for chart in (x for x in xml if "barChart" in x):
        for ser in re.findall(r"<c:ser>.*?</c:ser>", chart, re.S):
            shown = {
                int(i): "↑</a:t>" in lab
                for i, lab in re.findall(r"<c:dLbl><c:idx val=\"(\d+)\"/>(.*?)</c:dLbl>", ser, re.S)
                if '<c:delete val="1"/>' not in lab
            }
            upright = sorted(i for i, up in shown.items() if up)
            assert not [i for i in upright if i + 1 in upright], upright


def test_the_glossary_leaves_a_gap_under_its_heads_on_every_page(example_workbook):
    """The Glossary's entries are top-aligned, so the first entry of each printed page touched the
    heads' rule above it: an empty thin row under the heads is repeated with them on every page."""
    from workbook_gen.workbook.tabs.glossary import GAP_PT, HEADS

    wb = openpyxl.load_workbook(example_workbook)
    ws = wb["Glossary"]
    heads = next(r for r in ws.iter_rows() if r[0].value == "Metric")
    assert tuple(c.value for c in heads[: len(HEADS)]) == HEADS
    gap = heads[0].row + 1
    assert all(c.value is None for c in ws[gap])
    assert ws.row_dimensions[gap].height == GAP_PT
    assert ws.print_title_rows.replace("$", "") == f"{heads[0].row}:{gap}"  # repeated on every page
    assert ws.cell(gap + 1, 1).value == "Opening MRR"  # the first entry, under the gap
    wb.close()


def test_a_settings_row_is_top_aligned_in_every_column(example_workbook):
    """A setting's row grows to its wrapped explanation; its name and value were bottom-aligned while
    the explanation and the source were top-aligned, so an explanation sat beside the next setting's
    name. Every cell of a setting's row is top-aligned."""
    from dataclasses import fields

    from workbook_gen.settings import Settings

    wb = openpyxl.load_workbook(example_workbook)
    ws = wb["Settings"]
    names = {f.name for f in fields(Settings)}
    rows = [r for r in ws.iter_rows(max_col=4) if r[0].value in names]
    assert len(rows) == len(names)
    tall = [r for r in rows if (ws.row_dimensions[r[0].row].height or 15) > 15]
    assert tall  # the wrapped ones (company, currency, split, ...)
    for r in rows:
        assert [c.alignment.vertical for c in r if c.value is not None] == ["top"] * sum(
            c.value is not None for c in r
        ), r[0].value
    wb.close()


def _luminance(rgb: str) -> float:
    """WCAG relative luminance of a colour '#RRGGBB' (or openpyxl's 'FFRRGGBB')."""
    rgb = rgb.lstrip("#")[-6:]
    channels = [int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_by_hand():
    assert _contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert _contrast("#808080", "#5B9BD5") < 1.5  # the old grey on the cohort MRR shading: unreadable


def test_a_period_not_complete_is_readable_and_said_the_same_way(young_workbook):
    """The young company's partial quarter and year (Oct 2022) print in italics whose colour reads on
    the light fill and on every colour the cohort tables' shading can give the cell (WCAG AA, 4.5:1),
    and every table with such cells says what the italics mean in the same words."""
    from workbook_gen.workbook.formats import HEAT_SCALE, PARTIAL_FILL, PARTIAL_NOTE

    backgrounds = (PARTIAL_FILL, *HEAT_SCALE)
    for sheet in ("Quarterly", "Annual", "Cohorts (quarter)", "Cohorts (year)"):
        ws = young_workbook[sheet]
        partial = [c for r in ws.iter_rows() for c in r if c.data_type == "f" and c.font.i]
        assert partial, sheet
        colours = {c.font.color.rgb for c in partial}
        assert all(_contrast(f, b) >= 4.5 for f in colours for b in backgrounds), (sheet, colours)
        notes = [c.value for r in ws.iter_rows(max_row=4) for c in r if isinstance(c.value, str)]
        assert any(n.endswith(PARTIAL_NOTE) for n in notes), sheet
        assert not any("Grey italics" in n for n in notes), sheet


def _benchmark_status(ws, values, ref: str) -> str | None:
    """The benchmark colour (good / ok / bad) the conditional formats of ``ws`` give cell ``ref``,
    evaluated as a spreadsheet does: the rules in priority order, the first true one wins; each rule
    compares the cell's cached value with a threshold cell's cached value (``values``: the same
    sheet opened with cached values)."""
    from workbook_gen.workbook.formats import BAD, GOOD, OK

    rules = sorted(
        (rule for rng in ws.conditional_formatting if ref in rng.sqref for rule in rng.rules),
        key=lambda rule: rule.priority,
    )
    x = values[ref].value
    for rule in rules:
        formula = rule.formula[0]
        if not isinstance(x, int | float):
            return None
        if formula == f"ISNUMBER({ref})":
            hit = True
        else:
            cmp, threshold = re.search(r"(>=|<=)(\$?[A-Z]+\$?\d+)\)$", formula).groups()
            t = values[threshold.replace("$", "")].value
            hit = x >= t if cmp == ">=" else x <= t
        if hit:
            fill = rule.dxf.fill.bgColor.rgb[-6:]
            return {GOOD[1:]: "good", OK[1:]: "ok", BAD[1:]: "bad"}[fill]
    return None


def test_the_segments_page_colours_a_failing_segment_as_the_dashboard_does(four_segments_path):
    """A board member saw Partner fail on the dashboard (GRR 75 %, red) and look fine on the Segments
    page, which had no colouring. The Segments page colours every figure that has a benchmark by the
    dashboard's rule and thresholds: Partner's 12-month GRR (75.2 %, under the 80 % OK mark) and its
    trailing quick ratio (2.85, under 3) red, Enterprise's GRR (90.01 %) green; the same colour
    as the dashboard's segment row for the same figure; the thresholds beside the printed page, and
    the dashboard's legend under the table."""
    from workbook_gen.workbook.tabs.dashboard import BENCHMARK_LEGEND

    wb = openpyxl.load_workbook(four_segments_path)
    values = openpyxl.load_workbook(four_segments_path, data_only=True)
    ws, wv = wb["Segments"], values["Segments"]
    heads = [c.value for c in ws[4]]
    labels = [c.value for c in ws["A"]]

    def at(label_start: str, segment: str) -> str:
        row = next(i for i, v in enumerate(labels, 1) if isinstance(v, str) and v.startswith(label_start))
        return f"{openpyxl.utils.get_column_letter(heads.index(segment) + 1)}{row}"

    grr, qr = at("Gross revenue retention", "Partner"), at("Quick ratio", "Partner")
    assert 0.7 < wv[grr].value < 0.8 and 2.5 < wv[qr].value < 3, (wv[grr].value, wv[qr].value)
    assert _benchmark_status(ws, wv, grr) == "bad"
    assert _benchmark_status(ws, wv, qr) == "bad"
    enterprise = at("Gross revenue retention", "Enterprise")
    assert wv[enterprise].value >= 0.9 and _benchmark_status(ws, wv, enterprise) == "good"
    # every segment's GRR and NRR as on the dashboard's segment rows
    dash, dash_v = wb["Dashboard"], values["Dashboard"]
    d_labels = [c.value for c in dash["A"]]
    by_segment = next(
        i for i, v in enumerate(d_labels, 1) if isinstance(v, str) and v.startswith("By segment")
    )
    d_heads = [c.value for c in dash[by_segment]]
    for head, label in (("GRR (12 months)", "Gross revenue"), ("NRR (12 months)", "Net revenue")):
        col = openpyxl.utils.get_column_letter(d_heads.index(head) + 1)
        for segment in ("Total", "Self-serve", "Assisted", "Enterprise", "Partner"):
            d_row = d_labels.index(segment, by_segment) + 1
            expected = _benchmark_status(dash, dash_v, f"{col}{d_row}")
            assert expected is not None
            assert _benchmark_status(ws, wv, at(label, segment)) == expected, (label, segment)
    # the thresholds are the dashboard's cells, off the printed page
    area = ws.print_area.split("!")[-1].replace("$", "")
    last_col = openpyxl.utils.cell.range_boundaries(area)[2]
    good_at = heads.index("Good at") + 1
    assert heads.index("Self-serve") + 1 <= last_col < good_at
    assert ws.cell(int(grr[1:]), good_at).value.startswith("=Dashboard!")
    assert f"Against its benchmark: {BENCHMARK_LEGEND}" in printed_texts(four_segments_path)["Segments"]
    wb.close()
    values.close()


def test_each_pages_header_states_the_period_it_prints(example_workbook, young_workbook):
    """The header's period is the page's own: the example's 48 months run Jan 2022 – Dec 2025, but its
    monthly and segment pages print the last 12 months (Jan – Dec 2025) and its Quarterly page the
    last 8 quarters (2024 Q1 – 2025 Q4, from Jan 2024); the Annual page and the cover cover it all. A
    young company (Jan – Oct 2022) prints all its months on every page."""
    wb = openpyxl.load_workbook(example_workbook)
    expected = {
        "Cover": "Jan 2022 – Dec 2025",
        "MRR bridge": "Jan 2025 – Dec 2025",
        "Retention": "Jan 2025 – Dec 2025",
        "Unit economics": "Jan 2025 – Dec 2025",
        "Assisted": "Jan 2025 – Dec 2025",
        "Self-serve": "Jan 2025 – Dec 2025",
        "Quarterly": "Jan 2024 – Dec 2025",
        "Annual": "Jan 2022 – Dec 2025",
    }
    for sheet, period in expected.items():
        assert wb[sheet].oddHeader.right.text == period, sheet
    wb.close()
    for sheet in ("MRR bridge", "Unit economics", "Quarterly", "Annual"):
        assert young_workbook[sheet].oddHeader.right.text == "Jan 2022 – Oct 2022", sheet


def test_the_segments_page_is_as_wide_as_its_table_and_charts(young_path, four_segments_path):
    """The Segments page prints its table and the charts under it, no wider, the benchmark thresholds
    just right of the page: the young company has no NRR chart (no 12-month NRR yet) and its ARR chart
    is narrower than the table, so the page ends at its last segment's column; the four-segment
    page's NRR chart, beside the ARR chart, is on the page."""
    for path, segment, charts in ((young_path, "Self-serve", 1), (four_segments_path, "Self-serve", 2)):
        wb = openpyxl.load_workbook(path)
        ws = wb["Segments"]
        heads = [c.value for c in ws[4]]
        c2 = openpyxl.utils.cell.range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))[2]
        assert heads.index("Good at") == c2  # 0-based: the column right after the page's last
        assert len(ws._charts) == charts
        assert all(c.anchor._from.col < c2 for c in ws._charts)
        if charts == 1:
            assert c2 == heads.index(segment) + 1
        wb.close()
