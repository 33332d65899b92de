"""The Commentary input (the CFO's words for a month's pack) and the cash page of the pack: read from
the sheet or commentary.csv with problems named by cell, kept as text everywhere, paragraphs kept, the
sheet carried in the output so last month's words stay with last month."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import openpyxl
import pytest

from workbook_gen.build import build, load
from workbook_gen.errors import InputError
from workbook_gen.inputs.example import cash_balance, example_company, synthetic_company
from workbook_gen.inputs.read import read_inputs
from workbook_gen.metrics.cash import CASH_GENERATIVE, cash_out_month
from workbook_gen.workbook.commentary import paragraphs, wrapped_lines
from workbook_gen.workbook.input_book import write_input_workbook
from workbook_gen.workbook.tabs.cash import SHEET as CASH_SHEET
from workbook_gen.workbook.tabs.summary import SHEET as SUMMARY_SHEET

HOSTILE = '=HYPERLINK("http://example.com","click")'
WORDS = (
    "Highlights\n- ARR up 4 %.\n- Two enterprise wins.\n\n"
    "Lowlights\n- Churn in self-serve.\n\n"
    f"{HOSTILE}\n@SUM(1)\n+cmd|' /C calc'!A0"
)


def company(commentary=(), cash=True, n_months=8):
    base = synthetic_company(n_clients=20, n_months=n_months, seed=2)
    return replace(
        base,
        cash_balance=cash_balance(base.net_burn, 3e6, ((3, 1e6),)) if cash else None,
        commentary=commentary,
    )


def test_paragraphs_and_wrapping_by_hand():
    """Paragraphs split at empty lines (with or without spaces on them), lines kept as written, a long
    line wrapped at word boundaries, a bullet continued under its text."""
    text = "First line\nsecond line\n  \n\nNext paragraph\r\n\r\n- a bullet that runs on and on"
    assert paragraphs(text) == [
        ["First line", "second line"],
        ["Next paragraph"],
        ["- a bullet that runs on and on"],
    ]
    assert wrapped_lines(text, 20) == [
        "First line",
        "second line",
        None,
        "Next paragraph",
        None,
        "- a bullet that runs",
        "  on and on",
    ]
    assert all(len(line) <= 20 for line in wrapped_lines("word " * 40, 20) if line)


def test_cash_out_month_by_hand():
    """Latest month + runway rounded down: December 2025 + 14.7 months = February 2027; 0.5 months is
    still December; a runway that is not meaningful has no month."""
    dec = dt.date(2025, 12, 1)
    assert cash_out_month(dec, 14.7) == dt.date(2027, 2, 1)
    assert cash_out_month(dec, 0.5) == dec
    assert cash_out_month(dec, 1.0) == dt.date(2026, 1, 1)
    assert cash_out_month(dec, float("nan")) is None
    assert cash_out_month(dec, 5000.0) is None


def test_commentary_is_read_kept_and_carried(tmp_path):
    """The sheet's text is read as written (paragraphs, formula-looking lines and all), written into the
    output's Commentary sheet as text (never a formula), and read back from the pack: the next build
    still has last month's words."""
    words = ((dt.date(2022, 7, 1), "July was quiet."), (dt.date(2022, 8, 1), WORDS))
    data = company(words)
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    read = read_inputs(src)
    assert read.commentary == words
    out = tmp_path / "out.xlsx"
    build(src, out)
    assert read_inputs(out).commentary == words
    wb = openpyxl.load_workbook(out)
    ws = wb["Commentary"]
    assert ws.sheet_state == "hidden"
    assert ws["B3"].value == WORDS and ws["B3"].data_type == "s"
    # the pack's month (August) is printed on the executive summary, line by line, every line a text cell
    page = wb[SUMMARY_SHEET]
    texts = [c.value for row in page.iter_rows(max_col=1) for c in row if isinstance(c.value, str)]
    assert "CFO commentary — August 2022" in texts
    for line in (HOSTILE, "@SUM(1)", "+cmd|' /C calc'!A0", "- Two enterprise wins."):
        assert line in texts
    formulas = [c.value for row in page.iter_rows() for c in row if c.data_type == "f"]
    assert not any("HYPERLINK" in f or "SUM(1)" in f for f in formulas)
    wb.close()


def test_commentary_problems_are_named_by_cell(tmp_path):
    """A month that is not a month, a second row for a month and a missing column are all reported at
    once, each with its cell; nothing is read."""
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, company())
    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet("Commentary")
    ws.append(["Month", "Commentary"])
    ws.append(["2025-03", "fine"])
    ws.append(["soon", "which month?"])
    ws.append(["2025-03", "again"])
    ws.append([None, "no month"])
    ws.append(["2025-04", None])  # a month without words: nothing to say
    wb.save(src)
    with pytest.raises(InputError) as err:
        read_inputs(src)
    problems = err.value.problems
    assert problems == [
        "Commentary!A3: commentary with 'soon', which is not a month.",
        "Commentary!A4: a second commentary for 2025-03 (first at Commentary!A2); keep one row per month.",
        "Commentary!A5: commentary with a blank month.",
    ]
    wb = openpyxl.load_workbook(src)
    wb["Commentary"]["B1"] = "Notes"
    wb.save(src)
    with pytest.raises(InputError) as err:
        read_inputs(src)
    assert "Commentary: missing column 'Commentary' in row 1." in err.value.problems


def test_commentary_csv_reads_the_same(tmp_path):
    """commentary.csv (month,commentary) beside mrr.csv and monthly.csv gives the same words."""
    folder = tmp_path / "csv"
    folder.mkdir()
    data = company()
    months = [f"{m:%Y-%m}" for m in data.months]
    (folder / "mrr.csv").write_text(
        "Client ID,"
        + ",".join(months)
        + "\n"
        + "".join(f"{c},{','.join(map(str, r))}\n" for c, r in zip(data.client_ids, data.mrr, strict=True))
    )
    rows = [f"{m},{data.sm_spend[i]},{data.gross_margin[i]},{data.net_burn[i]}" for i, m in enumerate(months)]
    (folder / "monthly.csv").write_text("month,sm_spend,gross_margin,net_burn\n" + "\n".join(rows) + "\n")
    quoted = WORDS.replace('"', '""')
    (folder / "commentary.csv").write_text(f'month,commentary\n2025-08,"{quoted}"\n')
    read = read_inputs(folder)
    assert read.commentary == ((dt.date(2025, 8, 1), WORDS),)
    assert "commentary.csv" in read.checksums


def test_example_has_commentary_and_a_cash_page(tmp_path):
    """The example company: a commentary for its last month (shown on its executive summary) and a cash
    page with the cash-out month; a company without cash has no cash page, a cash-generative one says so."""
    example = example_company()
    assert example.commentary_of(example.months[-1])
    src = tmp_path / "plain.xlsx"
    write_input_workbook(src, company(cash=False))
    out = tmp_path / "plain-out.xlsx"
    build(src, out)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert CASH_SHEET not in wb.sheetnames and "Commentary" not in wb.sheetnames
    wb.close()
    generating = company()
    burn = generating.net_burn.copy()
    burn[-3:] = [-50_000.0, 10_000.0, -20_000.0]
    generating = replace(generating, net_burn=burn, cash_balance=cash_balance(burn, 3e6))
    src = tmp_path / "gen.xlsx"
    write_input_workbook(src, generating)
    out = tmp_path / "gen-out.xlsx"
    build(src, out)
    wb = openpyxl.load_workbook(out, read_only=True, data_only=True)
    values = [c for row in wb[CASH_SHEET].iter_rows(values_only=True) for c in row]
    assert CASH_GENERATIVE in values and "n/m" in values
    wb.close()
    data, settings = load(src)
    assert np.array_equal(data.cash_balance, generating.cash_balance)


def test_template_has_the_cash_column_and_the_commentary_sheet(tmp_path):
    """init's template: a Cash balance column on Burn and a Commentary sheet, each with a Read me line."""
    path = tmp_path / "t.xlsx"
    write_input_workbook(path, None)
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb["Burn"][1]] == ["Month", "Net burn", "Cash balance"]
    assert [c.value for c in wb["Commentary"][1]] == ["Month", "Commentary"]
    read_me = [r[0].value for r in wb["Read me"].iter_rows()]
    assert "Cash balance" in read_me and "Commentary" in read_me
    wb.close()


def test_commentary_sheet_written_by_hand_is_text(tmp_path):
    """A commentary cell typed as a number or a date-looking text is still words, never a value."""
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, company())
    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet("Commentary")
    ws.append(["Month", "Commentary"])
    ws.append([dt.datetime(2025, 2, 1), 42])
    ws.append(["2025-03", "  spaced\r\nlines  "])
    wb.save(src)
    assert read_inputs(src).commentary == (
        (dt.date(2025, 2, 1), "42"),
        (dt.date(2025, 3, 1), "spaced\nlines"),
    )


def test_validate_names_cash_and_commentary(tmp_path):
    """validate says whether the inputs carry a cash balance and a commentary (and for which month)."""
    from workbook_gen.build import validate

    src = tmp_path / "in.xlsx"
    write_input_workbook(src, company(((dt.date(2022, 7, 1), "July."),)))
    lines = validate(src)
    assert any(line.startswith("  cash balance     USD ") for line in lines)
    assert "  commentary       1 month(s), none for 2022-08" in lines
    plain = tmp_path / "plain.xlsx"
    write_input_workbook(plain, company(cash=False))
    assert not any("cash balance" in line or "commentary" in line for line in validate(plain))
