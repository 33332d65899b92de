"""Reading and validating inputs: accepted forms, every bad-input case the product refuses, CSV routes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import replace

import numpy as np
import openpyxl
import pytest

from workbook_gen.errors import InputError
from workbook_gen.inputs.cells import fraction_of, month_of
from workbook_gen.inputs.example import synthetic_company
from workbook_gen.inputs.read import read_inputs
from workbook_gen.workbook.input_book import write_input_workbook

MONTHS = [dt.datetime(2024, m, 1) for m in (1, 2, 3)]


def make_xlsx(path, mrr=None, sm=None, gm=None, burn=None, drop=()):
    """An input workbook from raw rows (lists of cell values), written by openpyxl so that any
    value, good or bad, lands in the cell as given."""
    mrr = (
        mrr
        if mrr is not None
        else [["Client ID", "Segment", *MONTHS], ["C1", "A", 10, 20, 30], ["C2", "B", 5, None, 7]]
    )
    sm = sm if sm is not None else [["Month", "Sales & marketing"], *[[m, 100] for m in MONTHS]]
    gm = gm if gm is not None else [["Month", "Gross margin"], *[[m, 0.75] for m in MONTHS]]
    burn = burn if burn is not None else [["Month", "Net burn"], *[[m, 50] for m in MONTHS]]
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (("MRR", mrr), ("S&M", sm), ("Gross margin", gm), ("Burn", burn)):
        if name in drop:
            continue
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def problems_of(path) -> list[str]:
    with pytest.raises(InputError) as exc:
        read_inputs(path)
    return exc.value.problems


def test_clean_input(tmp_path):
    data = read_inputs(make_xlsx(tmp_path / "in.xlsx"))
    assert data.client_ids == ("C1", "C2")
    assert data.months == tuple(m.date() for m in MONTHS)
    assert data.mrr.tolist() == [[10, 20, 30], [5, 0, 7]]
    assert data.gross_margin.tolist() == [0.75] * 3
    assert data.attributes == {"Segment": ["A", "B"]}


@pytest.mark.parametrize(
    "header",
    [
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 31),
        dt.date(2024, 1, 15),
        45292,
        "2024-01",
        "2024-01-31",
        "Jan 2024",
        "January 2024",
        "2024/01",
        "01/2024",
        "Jan-24",
        "45292",
    ],
)
def test_month_header_forms(header):
    assert month_of(header) == dt.date(2024, 1, 1)


@pytest.mark.parametrize("header", ["Segment", "", None, "2024-13", True, 12.5])
def test_not_a_month(header):
    assert month_of(header) is None


@pytest.mark.parametrize(
    "value,expected", [(0.75, 0.75), ("75%", 0.75), (" 75 % ", 0.75), ("0.75", 0.75), (1, 1.0), (0, 0.0)]
)
def test_gross_margin_forms(value, expected):
    assert fraction_of(value) == (pytest.approx(expected), None)


def test_gross_margin_as_bare_percent_is_refused_with_a_hint(tmp_path):
    gm = [["Month", "Gross margin"], [MONTHS[0], 75], [MONTHS[1], "120%"], [MONTHS[2], -0.1]]
    problems = problems_of(make_xlsx(tmp_path / "in.xlsx", gm=gm))
    assert "Gross margin!B2: gross margin 75 is not a fraction; enter 0.75 (or 75%)." in problems
    assert any(p.startswith("Gross margin!B3:") and "outside 0-100%" in p for p in problems)
    assert any(p.startswith("Gross margin!B4:") and "outside 0-100%" in p for p in problems)


def test_text_month_headers_and_serials_read_the_same(tmp_path):
    mrr = [["Client ID", "2024-01", "Feb 2024", 45352], ["C1", 1, 2, 3]]
    data = read_inputs(make_xlsx(tmp_path / "in.xlsx", mrr=mrr))
    assert data.months == tuple(m.date() for m in MONTHS)


def test_all_problems_reported_at_once_with_cells(tmp_path):
    mrr = [
        ["Client ID", "Segment", MONTHS[0], "Feb 2024", MONTHS[2]],
        ["C1", "A", 10, -50, 30],
        ["C1", "A", "ten", 1, 2],
        [None, "B", 1, 1, 1],
    ]
    path = make_xlsx(tmp_path / "in.xlsx", mrr=mrr)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    problems = problems_of(path)
    assert "MRR!D2: negative MRR -50." in problems
    assert "MRR!A3: duplicate Client ID 'C1' (first at MRR!A2)." in problems
    assert "MRR!C3: 'ten' is not a number." in problems
    assert "MRR!A4: blank Client ID on a row that has data." in problems
    assert len(problems) == 4
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the input is never modified


def test_month_headers_must_be_contiguous(tmp_path):
    mrr = [["Client ID", MONTHS[0], MONTHS[2]], ["C1", 1, 2]]
    problems = problems_of(make_xlsx(tmp_path / "in.xlsx", mrr=mrr))
    assert problems == ["MRR!C1: 2024-03 follows 2024-01; months must be contiguous and ascending."]


def test_unparseable_header_after_months(tmp_path):
    mrr = [["Client ID", MONTHS[0], MONTHS[1], "Notes"], ["C1", 1, 2, 3]]
    problems = problems_of(make_xlsx(tmp_path / "in.xlsx", mrr=mrr))
    assert problems[0].startswith("MRR!D1: 'Notes' is not a month")


def test_missing_months_in_monthly_sheets(tmp_path):
    sm = [["Month", "Sales & marketing"], [MONTHS[0], 100]]
    burn = [["Month", "Net burn"], [MONTHS[0], 1], [MONTHS[1], None], [MONTHS[2], 3]]
    problems = problems_of(make_xlsx(tmp_path / "in.xlsx", sm=sm, burn=burn))
    assert "S&M: no row for 2 month(s) of the MRR sheet: 2024-02, 2024-03." in problems
    assert "Burn!B3: blank value for 2024-02." in problems


def test_extra_months_are_ignored_with_a_warning(tmp_path):
    gm = [["Month", "Gross margin"], [dt.datetime(2023, 12, 1), 0.7], *[[m, 0.75] for m in MONTHS]]
    data = read_inputs(make_xlsx(tmp_path / "in.xlsx", gm=gm))
    assert data.gross_margin.tolist() == [0.75] * 3
    assert any("outside the MRR months ignored" in w for w in data.warnings)


def test_missing_sheets_and_columns(tmp_path):
    sm = [["Month", "Spend"], *[[m, 100] for m in MONTHS]]
    problems = problems_of(make_xlsx(tmp_path / "in.xlsx", sm=sm, drop=("Burn",)))
    assert any("missing sheet 'Burn'" in p for p in problems)
    assert "S&M: missing column 'Sales & marketing' in row 1." in problems


def test_empty_sheets(tmp_path):
    problems = problems_of(make_xlsx(tmp_path / "in.xlsx", mrr=[["Client ID", *MONTHS]], gm=[]))
    assert "MRR: no client rows below the header." in problems
    assert any(p.startswith("Gross margin: the sheet is empty") for p in problems)


def test_not_a_spreadsheet(tmp_path):
    path = tmp_path / "in.xlsx"
    path.write_text("hello")
    assert problems_of(path) == ["in.xlsx: not a spreadsheet (expected an .xlsx workbook or CSV files)."]


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    import workbook_gen.inputs.xlsxscan as xlsxscan

    monkeypatch.setattr(xlsxscan, "MAX_UNCOMPRESSED", 1000)
    path = make_xlsx(tmp_path / "in.xlsx")
    assert "over the 4 GiB limit" in problems_of(path)[0]


def _write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _monthly_csv(folder, company):
    burn_headers = [f"burn:{k}" for k in company.burn_by_segment]
    rows = [["month", "sm_spend", "gross_margin", "net_burn", *company.sm_by_segment, *burn_headers]]
    for i, m in enumerate(company.months):
        rows.append(
            [
                f"{m:%Y-%m}",
                str(float(company.sm_spend[i])),
                str(float(company.gross_margin[i])),
                str(float(company.net_burn[i])),
                *[str(float(v[i])) for v in company.sm_by_segment.values()],
                *[str(float(v[i])) for v in company.burn_by_segment.values()],
            ]
        )
    _write_csv(folder / "monthly.csv", rows)


def test_xlsx_wide_csv_and_long_csv_are_identical(tmp_path):
    """Identical data by every route, including a segment's own burn (a Burn sheet column headed with the
    segment; in monthly.csv a column ``burn:<segment>``)."""
    base = synthetic_company(n_clients=30, n_months=8, seed=4)
    segment = next(iter(base.sm_by_segment))
    company = replace(base, burn_by_segment={segment: np.round(base.net_burn * 0.4, 2)})
    xlsx = tmp_path / "in.xlsx"
    write_input_workbook(xlsx, company)
    from_xlsx = read_inputs(xlsx)

    wide = tmp_path / "wide"
    wide.mkdir()
    attrs = list(company.attributes)
    rows = [["Client ID", *attrs, *[f"{m:%Y-%m}" for m in company.months]]]
    for r, cid in enumerate(company.client_ids):
        rows.append(
            [
                cid,
                *[company.attributes[a][r] for a in attrs],
                *["" if v == 0 else str(float(v)) for v in company.mrr[r]],
            ]
        )
    _write_csv(wide / "mrr.csv", rows)
    _monthly_csv(wide, company)

    long = tmp_path / "long"
    long.mkdir()
    rows = [["client_id", "month", "mrr", *attrs]]
    for r, cid in enumerate(company.client_ids):
        for i, m in enumerate(company.months):
            rows.append(
                [
                    cid,
                    f"{m:%Y-%m-%d}",
                    str(float(company.mrr[r, i])),
                    *[company.attributes[a][r] for a in attrs],
                ]
            )
    _write_csv(long / "mrr.csv", rows)
    _monthly_csv(long, company)

    assert from_xlsx.burn_by_segment.keys() == {segment}
    for folder in (wide, long):
        data = read_inputs(folder)
        assert data.same_data(from_xlsx), folder.name
        assert data.sm_by_segment.keys() == base.sm_by_segment.keys()  # burn: columns are not spend
    assert read_inputs(long / "mrr.csv").same_data(from_xlsx)


def test_csv_problems_name_file_and_cell(tmp_path):
    _write_csv(
        tmp_path / "mrr.csv",
        [
            ["client_id", "month", "mrr"],
            ["C1", "2024-01", "5"],
            ["C1", "2024-01", "6"],
            ["C2", "bad", "1"],
            ["C3", "2024-02", "-1"],
        ],
    )
    _write_csv(
        tmp_path / "monthly.csv",
        [
            ["month", "sm_spend", "gross_margin", "net_burn"],
            ["2024-01", "1", "0.5", "1"],
            ["2024-02", "1", "75", "1"],
        ],
    )
    with pytest.raises(InputError) as exc:
        read_inputs(tmp_path)
    problems = exc.value.problems
    assert "mrr.csv!B3: client 'C1' has two rows for 2024-01." in problems
    assert "mrr.csv!B4: 'bad' is not a month." in problems
    assert "mrr.csv!C5: negative MRR -1." in problems
    assert "monthly.csv!C3: gross margin 75 is not a fraction; enter 0.75 (or 75%)." in problems


def test_formula_looking_text_is_accepted_as_text(tmp_path):
    mrr = [
        ["Client ID", "Segment", *MONTHS],
        ['=HYPERLINK("x")', "+cmd", 1, 2, 3],
        ["@evil", "-1+2", 1, 1, 1],
    ]
    path = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (
        ("MRR", mrr),
        ("S&M", [["Month", "Sales & marketing"], *[[m, 1] for m in MONTHS]]),
        ("Gross margin", [["Month", "Gross margin"], *[[m, 0.5] for m in MONTHS]]),
        ("Burn", [["Month", "Net burn"], *[[m, 1] for m in MONTHS]]),
    ):
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                cell = ws.cell(r, c, v)
                if isinstance(v, str):
                    cell.data_type = "s"  # stored as text, not as a formula
    wb.save(path)
    data = read_inputs(path)
    assert data.client_ids == ('=HYPERLINK("x")', "@evil")
    assert data.attributes["Segment"] == ["+cmd", "-1+2"]
