"""Portable formulas, scanned in every formula of built workbooks: INDEX always with an
explicit row and column number, no formula that refers to its own cell, no TEXT() format codes, no
volatile or Excel-only functions, no array constant (Gnumeric reads only its first element), no
approximate MATCH (engines differ on which of equal values they land on), no MATCH over a computed array
in a client row (Gnumeric keeps each such lookup in one cache whose cost grows with the square of the
client rows); and the file opens without asking Excel to recalculate."""

from __future__ import annotations

import re
import zipfile

import pytest
from helpers import formula_cells

from workbook_gen.build import build
from workbook_gen.workbook.layout import CLIENT_CALC

FORBIDDEN = ("TEXT", "OFFSET", "INDIRECT", "NOW", "TODAY", "RAND", "RANDBETWEEN", "CELL", "INFO")
FORBIDDEN += ("LET", "LAMBDA", "XLOOKUP", "XMATCH", "FILTER", "SORT", "UNIQUE", "SEQUENCE", "_xlfn")
REF = re.compile(
    r"(?<![A-Za-z0-9_.])(?:('(?:[^']|'')+'|[A-Za-z0-9_.]+)!)?"
    r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?(?![A-Za-z0-9_(])"
)


def _without_strings(formula: str) -> str:
    return re.sub(r'"(?:[^"]|"")*"', '""', formula)


def _calls(formula: str, function: str) -> list[list[str]]:
    """The top-level arguments of every call of ``function`` in ``formula``."""
    text = _without_strings(formula)
    out = []
    for m in re.finditer(rf"(?<![A-Za-z0-9_.]){function}\(", text):
        depth, args, start = 0, [], m.end()
        for pos in range(m.end(), len(text)):
            ch = text[pos]
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    args.append(text[start:pos])
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                args.append(text[start:pos])
                start = pos + 1
        out.append(args)
    return out


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _refers_to_itself(sheet: str, coordinate: str, formula: str) -> bool:
    m = re.fullmatch(r"([A-Z]+)(\d+)", coordinate)
    col, row = _col(m.group(1)), int(m.group(2))
    for ref in REF.finditer(_without_strings(formula)):
        qualifier, c1, r1, c2, r2 = ref.groups()
        if qualifier is not None and qualifier.strip("'").replace("''", "'") != sheet:
            continue
        c2, r2 = c2 or c1, r2 or r1
        if _col(c1) <= col <= _col(c2) and int(r1) <= row <= int(r2):
            return True
    return False


def _is_reference(text: str) -> bool:
    return REF.fullmatch(text.strip()) is not None


def problems(path, client_sheets: tuple[str, ...] = (CLIENT_CALC,)) -> list[str]:
    """Every non-portable or engine-hostile form in the workbook at ``path``; ``client_sheets`` hold one
    row per client."""
    bad = []
    for sheet, cells in formula_cells(path).items():
        for coordinate, formula in cells.items():
            where = f"{sheet}!{coordinate}: {formula[:120]}"
            for args in _calls(formula, "INDEX"):
                if len(args) != 3:
                    bad.append(f"INDEX without explicit row and column: {where}")
                elif any(a.strip() == "0" for a in args[1:]):
                    bad.append(f"whole-row/column INDEX: {where}")
            for args in _calls(formula, "MATCH"):
                if len(args) != 3 or args[2].strip() != "0":
                    bad.append(f"approximate MATCH (an engine's choice among equal values): {where}")
                if sheet in client_sheets and len(args) > 1 and not _is_reference(args[1]):
                    bad.append(
                        f"MATCH over a computed array in a client row (quadratic in Gnumeric): {where}"
                    )
            text = _without_strings(formula)
            if "{" in text:
                bad.append(f"array constant (Gnumeric evaluates its first element only): {where}")
            for name in FORBIDDEN:
                if re.search(rf"(?<![A-Za-z0-9_.]){re.escape(name)}[(.]", text):
                    bad.append(f"{name}: {where}")
            if _refers_to_itself(sheet, coordinate, formula):
                bad.append(f"refers to its own cell: {where}")
    return bad


def test_the_scan_finds_each_non_portable_form(tmp_path):
    """The scanner itself, on a workbook written with every form it must catch."""
    import xlsxwriter

    path = tmp_path / "bad.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=INDEX(B1:D1,2)")
    ws.write_formula("A2", "=SUM(INDEX(B1:D3,0,2))")
    ws.write_formula("E5", "=COLUMNS($E$5:E$5)")
    ws.write_formula("A4", '=TEXT(B1,"yyyy-mm")&"INDEX(x,1)"')
    ws.write_formula("A6", "=SUM(INDEX(B1:D3,1,2):INDEX(B1:D3,3,2))+ROWS('S'!$B$1:$B6)")
    ws.write_formula("A7", "=OFFSET(B1,1,1)")
    ws.write_formula("A8", "=SUM(LARGE(B1:D3,{1,2,3}))")
    ws.write_formula("A9", "=MATCH(B1,B2:B9,1)+MATCH(B1,B2:B9,-1)")
    ws.write_formula("A10", "=MATCH(B1,B2:B9)")
    ws.write_formula("A11", '=MATCH(B1,B2:B9,0)&"{1,2}"&COUNTIF(B2:B9,"<="&B1)')
    ws.write_array_formula("A12:A12", "{=MATCH(TRUE,B12:D12>0,0)+MATCH(1,$B$1:$D$1,0)}")
    wb.close()
    found = problems(path, client_sheets=("S",))
    assert any("INDEX without" in p and "!A1" in p for p in found)
    assert any("whole-row/column" in p and "!A2" in p for p in found)
    assert any("own cell" in p and "!E5" in p for p in found)
    assert any(p.startswith("TEXT") and "!A4" in p for p in found)
    assert not any("!A4" in p and p.startswith("INDEX") for p in found)  # text in quotes is data
    assert not any("!A6" in p for p in found)
    assert any(p.startswith("OFFSET") and "!A7" in p for p in found)
    assert any(p.startswith("array constant") and "!A8" in p for p in found)
    assert sum(p.startswith("approximate MATCH") and "!A9" in p for p in found) == 2
    assert any(p.startswith("approximate MATCH") and "!A10" in p for p in found)  # 1 when left out
    assert not any("!A11" in p for p in found)  # an exact MATCH, braces inside text, a count
    assert sum("computed array" in p and "!A12" in p for p in found) == 1  # the range lookup is fine
    assert len(found) == 10


def test_every_formula_of_the_example_is_portable(example_workbook):
    bad = problems(example_workbook)
    assert bad[:20] == [], f"{len(bad)} non-portable formulas"


def test_every_formula_of_a_segmented_company_with_settings_is_portable(segmented_workbook):
    bad = problems(segmented_workbook[0])
    assert bad[:20] == [], f"{len(bad)} non-portable formulas"


@pytest.mark.parametrize("which", ["example", "segmented"])
def test_opens_without_recalculation(which, example_workbook, segmented_workbook):
    """No fullCalcOnLoad, and the calcId Excel 365 writes itself: Excel shows the cached values."""
    path = example_workbook if which == "example" else segmented_workbook[0]
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode()
    calc = re.search(r"<calcPr\b[^>]*/>", xml).group(0)
    assert "fullCalcOnLoad" not in calc and "forceFullCalc" not in calc
    assert 'calcId="191029"' in calc


def test_build_writes_no_warning(tmp_path, segmented_input):
    """Belt and braces beside pytest's filterwarnings: a build raises no warning at all."""
    import warnings

    src, overrides = segmented_input
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(src, tmp_path / "w.xlsx", overrides)


def _glossary_names(path) -> set[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    tokens = set()
    for (name,) in wb["Glossary"].iter_rows(min_col=2, max_col=2, values_only=True):
        if isinstance(name, str):
            tokens.update(t for t in re.split(r"[\s,/]+", name) if t)
    names = [n for n in wb.defined_names if not n.startswith("_xlnm")]
    wb.close()
    return tokens, names


@pytest.mark.parametrize("which", ["example", "segmented"])
def test_glossary_covers_every_defined_name(which, example_workbook, segmented_workbook):
    """Any name met in any formula can be looked up: the Glossary lists it, or lists its key and its
    segment ending (``arr__self_serve`` = ``arr`` + ``__self_serve``)."""
    path = example_workbook if which == "example" else segmented_workbook[0]
    tokens, names = _glossary_names(path)
    assert len(names) > 250
    missing = []
    for name in names:
        key, _, slug = name.partition("__")
        if name in tokens or (slug and key in tokens and f"__{slug}" in tokens):
            continue
        missing.append(name)
    assert missing == []
    assert {"annual_arpa", "quarterly_burn_multiple", "cohort_year_grr", "months"} <= tokens


def test_index_is_written_in_one_place():
    """Every INDEX comes from the helpers in workbook/formulas.py (in_row, in_column, row_slice,
    block_column, latest), so its portable form is decided once."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "workbook_gen"
    writers = [
        str(p.relative_to(root))
        for p in sorted(root.rglob("*.py"))
        if p.name != "formulas.py" and "INDEX(" in p.read_text(encoding="utf-8")
    ]
    assert writers == [], "use the INDEX helpers of workbook/formulas.py"


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def _write_golden_cells(ws, wb, portable: bool) -> None:
    """The same cells through each write path PortableWorksheet overrides: formulas with a number, a text,
    a boolean or no cached value, with and without a format, with characters XML escapes, as a one-cell
    array formula in braces and as a real array formula; numbers with and without a format (one row of
    them through write_number_row where the worksheet has it); text, blank and boolean cells."""
    money = wb.add_format({"num_format": "#,##0.00"})
    ws.write_formula(0, 0, "=SUM(B1:B3)", money, 6)
    ws.write_formula(1, 0, '=IF(B1>0,"a&b<c>","")', money, "a&b<c>")
    ws.write_formula(2, 0, "=B1<B2", None, True)
    ws.write_formula(3, 0, "B1+1", money)
    ws.write_formula(4, 0, "=B1/3", None, 1 / 3)
    ws.write_formula(5, 0, "{=SUM(B1:B3*C1:C3)}", money, 14)
    ws.write_array_formula(6, 0, 6, 0, "{=MAX(B1:B3-C1:C3)}", money, 2)
    ws.write_formula(7, 0, '=COUNTIF(B1:B3,"<="&C1)', money, 2.5e-7)
    ws.write_formula(8, 0, "=B1*1E+300", money, 1.2345678901234567e300)
    ws.write_string(9, 0, "text & <more>", money)
    ws.write_blank(10, 0, None, money)
    ws.write_boolean(11, 0, False, money)
    numbers = [1, 2.5, -3.25, 1e-9, 123456789.123456789]
    if portable:
        ws.write_number_row(12, [1, 2, 3, 4, 5], numbers, money)
    else:
        for col, value in zip([1, 2, 3, 4, 5], numbers, strict=True):
            ws.write_number(12, col, value, money)
    for row, value in enumerate((1, 2, 3)):
        ws.write_number(row, 1, value)
        ws.write_number(row, 2, value * 2, money)


def test_portable_worksheet_writes_the_xml_stock_xlsxwriter_writes(tmp_path):
    """PortableWorksheet overrides private xlsxwriter methods (the formula write, the cell serialisation)
    for speed: the same cells give byte-identical sheet XML with stock xlsxwriter."""
    import xlsxwriter

    from workbook_gen.workbook.book import PortableWorksheet

    paths = {}
    for portable in (False, True):
        paths[portable] = tmp_path / f"{'portable' if portable else 'stock'}.xlsx"
        wb = xlsxwriter.Workbook(paths[portable])
        ws = wb.add_worksheet("S", worksheet_class=PortableWorksheet if portable else None)
        assert isinstance(ws, PortableWorksheet) == portable
        _write_golden_cells(ws, wb, portable)
        wb.close()
    stock, portable = _sheet_xml(paths[False]), _sheet_xml(paths[True])
    assert "<f>SUM(B1:B3)</f>" in stock and 't="array"' in stock  # the cells were written
    assert portable == stock
