"""Structure of the generated workbook, checked without a spreadsheet engine."""

from __future__ import annotations

import html
import re
import zipfile

import openpyxl
import pytest
from helpers import expected_names, mismatches, read_names

from workbook_gen.build import build
from workbook_gen.definitions import GROUPINGS, keys_for_scope
from workbook_gen.inputs.example import synthetic_company
from workbook_gen.inputs.read import read_inputs
from workbook_gen.model import InputData
from workbook_gen.names import cohort_name
from workbook_gen.workbook.input_book import write_input_workbook
from workbook_gen.workbook.tabs.inputs import in_cohort_order

EXPECTED_TABS = [
    # the pack
    "Cover",
    "Summary",
    "Dashboard",
    "Cash & runway",
    "MRR bridge",
    "Customers",
    "Retention",
    "Unit economics",
    "Quarterly",
    "Annual",
    "Cohorts (quarter)",
    "Cohorts (year)",
    "Assisted",
    "Self-serve",
    "Segments",
    # the appendix
    "Appendix",
    "Clients & ARPA",
    "Cohorts (month)",
    "Assisted cohorts",
    "Self-serve cohorts",
    "Checks",
    "Glossary",
    "Settings",
    # inputs and calculations (hidden)
    "MRR",
    "S&M",
    "Gross margin",
    "Burn",
    "Commentary",
    "Timeline",
    "Client calc",
]
VOLATILE = re.compile(r"\b(OFFSET|INDIRECT|TODAY|NOW|RAND|RANDBETWEEN|CELL|INFO)\(")
FORBIDDEN = re.compile(
    r"\b(LET|LAMBDA|XLOOKUP|FILTER|SORT|UNIQUE|SEQUENCE|XMATCH|IFS|SWITCH|TEXTJOIN|CONCAT)\("
)
WHOLE_COLUMN = re.compile(r"(?<![A-Z0-9_])\$?[A-Z]{1,3}:\$?[A-Z]{1,3}(?![0-9])")
REF = re.compile(r"(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\d(])")


@pytest.fixture(scope="module")
def formulas(example_workbook):
    wb = openpyxl.load_workbook(example_workbook)
    yield wb
    wb.close()


def _text(value) -> str | None:
    if isinstance(value, str) and value.startswith("="):
        return value
    if hasattr(value, "text"):  # ArrayFormula
        return value.text
    return None


def test_tabs_in_reading_order(formulas):
    assert formulas.sheetnames == EXPECTED_TABS


def test_cached_values_equal_engine(example_workbook, example_results):
    expected = expected_names(example_results)
    assert mismatches(expected, read_names(example_workbook, expected)) == []


def test_defined_names_cover_spec(formulas, example_results):
    names = set(formulas.defined_names)
    assert "months" in names
    for key in keys_for_scope(is_total=True, has_sm=True, has_burn=True):
        assert key in names, key
    assert "arr_share" not in names and "arr_share__assisted" in names  # a share of the total: segments
    for g in GROUPINGS:
        for table in ("size", "mrr", "nrr", "grr", "logo_retention", "cum_gp", "cac", "payback_age"):
            assert cohort_name(g, table) in names
            assert cohort_name(g, table, "self_serve") in names
    assert "arr__self_serve" in names and "nrr_12m__assisted" in names
    assert "cac__assisted" in names and "magic_number__self_serve" in names  # S&M columns for both segments
    # no Burn column per segment in the example: no segment burn keys, never the company's
    for key in ("net_burn", "burn_multiple", "fcf_margin_ttm", "rule_of_40"):
        assert f"{key}__assisted" not in names and f"{key}__self_serve" not in names


def test_every_named_cell_is_a_formula(formulas, example_results):
    for name, rows in expected_names(example_results).items():
        ((sheet, ref),) = list(formulas.defined_names[name].destinations)
        cells = formulas[sheet][ref.replace("$", "")]
        cells = cells if isinstance(cells[0], tuple) else (cells,)
        for r, row in enumerate(cells):
            for c, cell in enumerate(row):
                if rows[r][c] is None:
                    assert cell.value is None, f"{name} {cell.coordinate} should be blank past the data"
                else:
                    assert _text(cell.value), f"{name} {cell.coordinate} is not a formula: {cell.value!r}"


def _r1c1(formula: str, row: int, col: int) -> str:
    def swap(m):
        cabs, letters, rabs, digits = m.groups()
        c = openpyxl.utils.column_index_from_string(letters)
        r = int(digits)
        cpart = f"C{c}" if cabs else f"C[{c - col}]"
        rpart = f"R{r}" if rabs else f"R[{r - row}]"
        return rpart + cpart

    return REF.sub(swap, formula)


def test_one_formula_per_row_across_the_timeline(formulas, example_results):
    """No 'inconsistent formula': every monthly series row is one formula in R1C1 terms."""
    for key in example_results.total.monthly:
        ((sheet, ref),) = list(formulas.defined_names[key].destinations)
        row = formulas[sheet][ref.replace("$", "")][0]
        shapes = {_r1c1(_text(c.value), c.row, c.column) for c in row}
        assert len(shapes) == 1, f"{key}: {len(shapes)} different formulas"


def test_portable_non_volatile_formulas(formulas):
    seen = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = _text(cell.value)
                if not text:
                    continue
                seen += 1
                assert not VOLATILE.search(text), f"{ws.title}!{cell.coordinate}: {text}"
                assert not FORBIDDEN.search(text), f"{ws.title}!{cell.coordinate}: {text}"
                assert not WHOLE_COLUMN.search(text), f"{ws.title}!{cell.coordinate}: {text}"
    assert seen > 10_000


def _formula_counts(path) -> dict[str, int]:
    wb = openpyxl.load_workbook(path)
    counts = {
        ws.title: sum(1 for row in ws.iter_rows() for c in row if _text(c.value)) for ws in wb.worksheets
    }
    wb.close()
    return counts


def test_formula_count_does_not_grow_with_clients(tmp_path):
    counts = []
    for n in (40, 160):
        company = synthetic_company(n_clients=n, n_months=18, seed=5)
        src = tmp_path / f"in{n}.xlsx"
        write_input_workbook(src, company)
        out = tmp_path / f"out{n}.xlsx"
        build(src, out)
        counts.append(_formula_counts(out))
    small, large = counts
    assert {k: v for k, v in small.items() if k != "Client calc"} == {
        k: v for k, v in large.items() if k != "Client calc"
    }
    # Client calc: a fixed handful of helper columns per client row (eight for cohorts and segments,
    # eight movement scores for the Customers tab's lists).
    per_row = (large["Client calc"] - small["Client calc"]) / 120
    assert per_row == int(per_row) <= 16
    assert small["Client calc"] - 40 * per_row <= 1  # plus the one "rows in cohort order" cell


def test_native_charts(example_workbook):
    with zipfile.ZipFile(example_workbook) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 12
    assert sum("<c:barChart>" in c for c in charts) >= 6
    assert sum("<c:lineChart>" in c for c in charts) >= 6
    titled = [re.search(r"<c:title>", c) for c in charts]
    assert all(titled)


def test_same_inputs_same_bytes(example_input, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    build(example_input, a, {"company": "Example SaaS Co"})
    build(example_input, b, {"company": "Example SaaS Co"})
    assert a.read_bytes() == b.read_bytes()


def test_output_is_a_valid_input(example_workbook, example_input):
    again = read_inputs(example_workbook)
    original = read_inputs(example_input)
    assert again.same_data(in_cohort_order(original, "Segment"))  # the same clients, rows in cohort order


def test_formula_looking_text_stays_text(tmp_path):
    base = synthetic_company(n_clients=12, n_months=6, seed=2)
    ids = list(base.client_ids)
    ids[0] = '=HYPERLINK("http://example.com","click")'
    ids[1] = "+cmd|' /C calc'!A0"
    names = list(base.attributes["Client name"])
    names[2] = "@SUM(1+1)"
    names[3] = "-2+3"
    attrs = {**base.attributes, "Client name": names}
    data = InputData(
        tuple(ids),
        attrs,
        base.months,
        base.mrr,
        base.sm_spend,
        base.gross_margin,
        base.net_burn,
        base.sm_by_segment,
    )
    src = tmp_path / "evil.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "out.xlsx"
    build(src, out)
    wb = openpyxl.load_workbook(out)
    ws = wb["MRR"]
    # rows are in cohort order: find each client's row by its ID
    row_of = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for i in (0, 1):
        assert ws.cell(row_of[ids[i]], 1).data_type == "s"
    name_col = 1 + list(attrs).index("Client name") + 1
    assert ws.cell(row_of[ids[2]], name_col).value == "@SUM(1+1)"
    assert ws.cell(row_of[ids[3]], name_col).value == "-2+3"
    assert all(ws.cell(row_of[ids[k]], name_col).data_type == "s" for k in (2, 3))
    assert set(ids[:2]) <= set(read_inputs(out).client_ids)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # no formula on an input sheet


def _chart_refs(path):
    """Every value range a chart of the workbook plots: (sheet, first cell, last cell)."""
    refs = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/charts/chart"):
                xml = z.read(name).decode()
                for val in re.findall(r"<c:val>\s*<c:numRef>\s*<c:f>([^<]+)</c:f>", xml):
                    sheet, cells = html.unescape(val).rsplit("!", 1)
                    refs.append((sheet.strip("'").replace("''", "'"), *cells.replace("$", "").split(":")))
    return refs


def test_no_chart_point_sits_on_a_text_cell(example_workbook):
    """Undefined months are gaps: every cell a chart plots holds a number or #N/A, never the text
    n/a (which Excel and LibreOffice draw as zero), and the charts show #N/A as an empty cell."""
    refs = _chart_refs(example_workbook)
    assert len(refs) > 40
    wb = openpyxl.load_workbook(example_workbook, data_only=True)
    bad, na = [], 0
    for sheet, first, last in refs:
        for row in wb[sheet][f"{first}:{last}"]:
            for c in row:
                if c.value == "#N/A":
                    na += 1
                elif not isinstance(c.value, int | float) or isinstance(c.value, bool):
                    bad.append(f"{sheet}!{c.coordinate}={c.value!r}")
    wb.close()
    assert bad[:10] == []
    assert na > 0  # some charted months are undefined (e.g. months without churn for churned ARPA)
    with zipfile.ZipFile(example_workbook) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert not any('dispBlanksAs val="zero"' in x for x in charts)  # absent means gap
    assert all('dispNaAsBlank val="1"' in x for x in charts)


def test_print_copy_leaves_only_undefined_chart_points_empty(example_workbook, tmp_path):
    """LibreOffice 7.4 draws #N/A as zero, so the copy it prints has those chart-data cells empty;
    everything else is byte for byte the workbook."""
    from workbook_gen.workbook.printing import print_copy

    copy = tmp_path / "print.xlsx"
    print_copy(example_workbook, copy)
    with zipfile.ZipFile(example_workbook) as a, zipfile.ZipFile(copy) as b:
        assert a.namelist() == b.namelist()
        blanked = 0
        for name in a.namelist():
            before, after = a.read(name), b.read(name)
            if not name.startswith("xl/worksheets/sheet"):
                assert before == after, name
                continue
            na = before.count(b"<v>#N/A</v>")
            assert after.count(b"<v>#N/A</v>") == 0
            assert before.count(b"<f>") - after.count(b"<f>") == na  # exactly those formulas went
            blanked += na
    assert blanked > 0


@pytest.mark.parametrize("n_months", [2, 4])
def test_short_histories_build(tmp_path, n_months):
    """A pack of two or four months: every tab, chart and print setup copes (no trailing window, no
    quarter with flows, no cohort with two ages). One month is refused with a message (test_hostile)."""
    from dataclasses import replace

    base = synthetic_company(n_clients=20, n_months=13, seed=2)
    n = n_months
    company = replace(
        base,
        months=base.months[:n],
        mrr=base.mrr[:, :n],
        sm_spend=base.sm_spend[:n],
        gross_margin=base.gross_margin[:n],
        net_burn=base.net_burn[:n],
        sm_by_segment={k: v[:n] for k, v in base.sm_by_segment.items()},
    )
    src = tmp_path / "short.xlsx"
    write_input_workbook(src, company)
    build(src, tmp_path / "short-workbook.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "short-workbook.xlsx")
    assert wb["Dashboard"].sheet_state == "visible" and wb["MRR"].sheet_state == "hidden"
    wb.close()


def test_charts_print_once_inside_the_print_area(example_workbook):
    """Every chart of a tab with a print area starts inside it and outside the repeated title
    columns (a chart in those columns would be cut and repeated on every page); the Quarterly and
    Annual tabs' charts, kept off the page, lie wholly below their print areas."""
    import warnings

    from openpyxl.utils.cell import range_boundaries

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)
    checked = 0
    for ws in wb.worksheets:
        if not ws._charts or not ws.print_area:
            continue
        areas = [range_boundaries(a.split("!")[-1].replace("$", "")) for a in ws.print_area.split(",")]
        title_cols = range_boundaries(ws.print_title_cols.replace("$", ""))[2] if ws.print_title_cols else 0
        for chart in ws._charts:
            col, row = chart.anchor._from.col + 1, chart.anchor._from.row + 1
            assert col > title_cols, (ws.title, col)
            if ws.title in ("Quarterly", "Annual"):
                assert all(row > r2 for _, _, _, r2 in areas), (ws.title, row)
                continue
            assert any(c1 <= col <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in areas), (ws.title, col, row)
            checked += 1
    assert checked > 20
    wb.close()


def test_segment_tab_prints_its_board_rows_on_one_page(example_workbook, example_results):
    """A segment's tab prints one page (fit to 1 × 1, one print area): the board rows are visible,
    the other series rows are grouped and collapsed, and every defined name of the segment still
    spans the full timeline of its row (the printed window is a print area, not a shorter name)."""
    import warnings

    from openpyxl.utils.cell import range_boundaries

    from workbook_gen.names import series_name
    from workbook_gen.workbook.tabs.monthly import SEGMENT_BOARD_ROWS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)
    n = len(example_results.months)
    for scope in example_results.segment_scopes():
        ws = wb[scope.label]
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # an absent attribute is the default, 1 (0 would mean "as many pages as needed")
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight in (None, 1), ws.title
        assert "," not in ws.print_area
        shown = hidden = 0
        for key in scope.monthly:
            name = series_name(key, scope.slug)
            sheet, ref = next(iter(wb.defined_names[name].destinations))
            assert sheet == scope.label
            c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
            assert r1 == r2 and c2 - c1 + 1 == n, name
            if ws.row_dimensions[r1].hidden:
                hidden += 1
                assert key not in SEGMENT_BOARD_ROWS, name
            else:
                shown += 1
                assert key in SEGMENT_BOARD_ROWS, name
        assert shown >= 18 and hidden >= 10, (shown, hidden)
    wb.close()


def test_no_chart_overlaps_another(example_workbook):
    """Charts on a tab sit side by side or one under another, never one over another (the segment
    comparison's NRR chart started inside the ARR chart). Positions compare as (cell, offset)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)
    compared = 0
    for ws in wb.worksheets:
        boxes = []
        for chart in ws._charts:
            a, b = chart.anchor._from, chart.anchor.to
            boxes.append(((a.col, a.colOff), (b.col, b.colOff), (a.row, a.rowOff), (b.row, b.rowOff)))
        for i, (x1, x2, y1, y2) in enumerate(boxes):
            for u1, u2, v1, v2 in boxes[i + 1 :]:
                compared += 1
                apart = x2 <= u1 or u2 <= x1 or y2 <= v1 or v2 <= y1
                assert apart, (ws.title, (x1, x2, y1, y2), (u1, u2, v1, v2))
    assert compared > 20
    wb.close()


def test_period_table_prints_on_two_pages_at_the_workbooks_size(example_workbook):
    """Quarterly and Annual print one page wide and two pages tall: the page turns once, and each part of
    the table (title to the last client row, then the period heads again to the notes) fits a page's
    height at the scale the printed width allows, a font wider than the workbook's only shrinking it;
    that scale is at least 0.9 (10-point text at 9 points or more). The charts are in the workbook, under
    the print area."""
    import warnings

    from openpyxl.utils.cell import range_boundaries

    from workbook_gen.workbook import printing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)

    def px(ws, c1, c2):
        """Printed pixels of columns c1..c2: a set width as the spreadsheets count it, else the default."""
        dims = list(ws.column_dimensions.values())
        total = 0
        for c in range(c1, c2 + 1):
            dim = next((d for d in dims if d.min <= c <= d.max), None)
            if dim is None:
                total += printing.DEFAULT_COL_PX
            elif not dim.hidden:
                total += int(dim.width * 7 + 5)
        return total

    def rows_px(ws, first, last):
        return sum(
            0 if ws.row_dimensions[r].hidden else int((ws.row_dimensions[r].height or 15) * 4 / 3 + 0.5)
            for r in range(first, last + 1)
        )

    for title in ("Quarterly", "Annual"):
        ws = wb[title]
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        c1, _r1, c2, r2 = range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))
        width = px(ws, 1, 4) + px(ws, c1, c2)  # the repeated label columns and the print area
        scale = min(1.0, printing.PAGE_W_PX * printing.WIDTH_SLACK / width)
        assert scale >= 0.9, (title, width)
        (turn,) = [b.id for b in ws.row_breaks.brk]
        for first, last in ((1, turn), (turn + 1, r2)):
            assert rows_px(ws, first, last) * scale <= printing.PAGE_H_PX, (title, first, last)
        assert ws._charts and all(c.anchor._from.row >= r2 for c in ws._charts), title


def test_checks_verdict_is_on_the_printed_page(example_workbook):
    """The overall verdict (and the cohort-order one) sit in column C of the Checks tab, which prints."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)
    ws = wb["Checks"]
    assert ws["C3"].value.startswith("=IF(COUNTIF(")
    assert not ws.column_dimensions["C"].hidden
    assert "$A:$D" in (ws.print_title_cols or "")
