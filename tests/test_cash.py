"""Cash balance and runway (docs/definitions.md, Unit economics): the optional Cash balance column of
the Burn sheet (cash_balance in monthly.csv), the runway over the runway window, n/m when the company
generates cash, a blank month refused, and nothing new for a company without the column."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace

import numpy as np
import openpyxl
import pytest
from helpers import as_array, expected_names, mismatches, read_names
from hypothesis import given, settings
from hypothesis import strategies as st
from test_libreoffice import _differences

from workbook_gen.build import build, load
from workbook_gen.errors import InputError
from workbook_gen.export import to_json
from workbook_gen.inputs.example import cash_balance, synthetic_company
from workbook_gen.inputs.read import read_inputs
from workbook_gen.metrics.cash import CASH_GENERATIVE
from workbook_gen.metrics.engine import compute
from workbook_gen.model import InputData, month_range
from workbook_gen.settings import Settings
from workbook_gen.workbook.input_book import write_input_workbook
from workbook_gen.workbook.tabs.cash import SHEET as CASH_SHEET

MONTHS = month_range(dt.date(2025, 1, 1), 5)
BURN = np.array([100.0, 200.0, -50.0, 300.0, -600.0])
CASH = np.array([1000.0, 900.0, 950.0, 700.0, 1300.0])


def small(cash=CASH, burn=BURN) -> InputData:
    return InputData(
        client_ids=("A", "B"),
        attributes={},
        months=MONTHS,
        mrr=np.array([[10.0, 10, 20, 20, 20], [0, 5, 5, 0, 5]]),
        sm_spend=np.full(5, 50.0),
        gross_margin=np.full(5, 0.8),
        net_burn=burn,
        cash_balance=cash,
    )


def test_runway_by_hand_across_a_cash_generative_month():
    """R = 3: months 1-2 reach before the data; month 3: 950 ÷ ((100 + 200 − 50) ÷ 3) = 950 × 3 ÷ 250;
    month 4: 700 × 3 ÷ (200 − 50 + 300) = 2100 ÷ 450; month 5: −50 + 300 − 600 = −350 ≤ 0, so the
    company generated cash on average: n/m (NaN in the engine), never a negative runway."""
    m = compute(small(), Settings()).total.monthly
    assert list(m["cash_balance"]) == list(CASH)
    r = m["runway_months"]
    assert math.isnan(r[0]) and math.isnan(r[1])
    assert r[2] == pytest.approx(950 * 3 / 250)  # 11.4 months
    assert r[3] == pytest.approx(2100 / 450)  # 4.67 months
    assert math.isnan(r[4])


def test_runway_window_of_one_month():
    """R = 1: the runway is this month's cash over this month's burn; a month with negative burn is n/m
    (1000 ÷ 100 = 10, 900 ÷ 200 = 4.5, n/m, 700 ÷ 300, n/m)."""
    r = compute(small(), Settings(runway_window=1)).total.monthly["runway_months"]
    assert r[0] == pytest.approx(10.0) and r[1] == pytest.approx(4.5) and r[3] == pytest.approx(700 / 300)
    assert math.isnan(r[2]) and math.isnan(r[4])


def test_zero_burn_is_not_meaningful_either():
    """An average burn of exactly 0 gives no runway (n/m), not a division by zero."""
    burn = np.array([100.0, -100.0, 0.0, 50.0, -50.0])
    r = compute(small(burn=burn), Settings(runway_window=2)).total.monthly["runway_months"]
    assert math.isnan(r[0])
    assert math.isnan(r[1])  # 100 − 100 = 0
    assert math.isnan(r[2])  # −100 + 0 < 0
    assert r[3] == pytest.approx(700 * 2 / 50)
    assert math.isnan(r[4])  # 50 − 50 = 0


def test_cash_is_the_total_only_and_absent_without_the_column():
    """Cash is company-wide: a segment never carries it; without the column no scope does, and the JSON
    has no such key (nothing is made up from net burn)."""
    base = synthetic_company(n_clients=40, n_months=14, seed=3)
    with_cash = replace(base, cash_balance=cash_balance(base.net_burn))
    res = compute(with_cash, Settings())
    assert "cash_balance" in res.total.monthly and "runway_months" in res.total.monthly
    assert "cash_balance" in res.total.quarterly and "runway_months" not in res.total.quarterly
    for s in res.segment_scopes():
        assert not {"cash_balance", "runway_months"} & set(s.monthly)
    without = compute(base, Settings())
    for s in without.scopes:
        assert not {"cash_balance", "runway_months"} & set(s.monthly)
    assert "cash_balance" not in json.loads(to_json(without))["scopes"]["total"]["monthly"]
    # the other numbers do not depend on the cash balance
    a, b = expected_names(res), expected_names(without)
    assert set(a) - set(b) == {
        "cash_balance",
        "runway_months",
        "quarterly_cash_balance",
        "annual_cash_balance",
    }
    assert all(np.array_equal(as_array(a[k]), as_array(b[k]), equal_nan=True) for k in b)


def test_financing_round_in_the_example_cash():
    """The example's cash falls by each month's net burn, except in the month of its round."""
    from workbook_gen.inputs.example import FINANCING_ROUND, OPENING_CASH, example_company

    data = example_company()
    change = np.diff(np.concatenate([[OPENING_CASH], data.cash_balance]))
    inflow = change + data.net_burn
    month, amount = FINANCING_ROUND
    assert inflow[month] == pytest.approx(amount)
    assert np.allclose(np.delete(inflow, month), 0.0)
    assert (data.cash_balance > 0).all()


def _burn_sheet(path, rows):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    mrr = wb.add_worksheet("MRR")
    mrr.write_row(0, 0, ["Client ID", "2025-01", "2025-02", "2025-03"])
    mrr.write_row(1, 0, ["A", 10, 12, 12])
    for name, head, col in (("S&M", "Sales & marketing", 5), ("Gross margin", "Gross margin", 0.7)):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["Month", head])
        for r, m in enumerate(("2025-01", "2025-02", "2025-03"), start=1):
            ws.write_row(r, 0, [m, col])
    burn = wb.add_worksheet("Burn")
    burn.write_row(0, 0, ["Month", "Net burn", "Cash balance"])
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is not None:
                burn.write(r, c, v)
    wb.close()


def test_a_blank_cash_cell_is_refused_naming_the_cell(tmp_path):
    """With the column present every month needs its cash: a blank is an error naming the cell (never
    read as 0), reported with the other problems of the file."""
    src = tmp_path / "in.xlsx"
    _burn_sheet(src, [("2025-01", 100, 1000), ("2025-02", 100, None), ("2025-03", "x", 800)])
    with pytest.raises(InputError) as err:
        read_inputs(src)
    problems = err.value.problems
    assert any(p.startswith("Burn!C3: blank cash balance for 2025-02") for p in problems), problems
    assert any(p.startswith("Burn!B4:") for p in problems), problems
    assert len(problems) == 2


def test_a_wholly_blank_cash_column_means_no_cash(tmp_path):
    """The template's Cash balance column left blank is no cash balance (no error, no cash keys)."""
    src = tmp_path / "in.xlsx"
    _burn_sheet(src, [("2025-01", 100, None), ("2025-02", 100, None), ("2025-03", 100, None)])
    data = read_inputs(src)
    assert data.cash_balance is None
    assert "cash_balance" not in compute(data, Settings()).total.monthly


def test_csv_route_reads_cash_balance(tmp_path):
    """monthly.csv's cash_balance column is the Burn sheet's Cash balance: both routes give the same
    inputs; a blank cell there is refused the same way."""
    company = replace(synthetic_company(n_clients=12, n_months=6, seed=2), cash_balance=CASH.tolist() + [5.0])
    company = replace(company, cash_balance=np.asarray(company.cash_balance))
    xlsx = tmp_path / "in.xlsx"
    write_input_workbook(xlsx, company)
    folder = tmp_path / "csv"
    folder.mkdir()
    months = [f"{m:%Y-%m}" for m in company.months]
    (folder / "mrr.csv").write_text(
        "Client ID,Segment,"
        + ",".join(months)
        + "\n"
        + "".join(
            f"{cid},{seg},{','.join(str(v) for v in row)}\n"
            for cid, seg, row in zip(
                company.client_ids, company.attributes["Segment"], company.mrr, strict=True
            )
        )
    )
    lines = ["month,sm_spend,gross_margin,net_burn,cash_balance"]
    for i, m in enumerate(months):
        lines.append(
            f"{m},{company.sm_spend[i]},{company.gross_margin[i]},{company.net_burn[i]},{company.cash_balance[i]}"
        )
    (folder / "monthly.csv").write_text("\n".join(lines) + "\n")
    a, b = read_inputs(xlsx), read_inputs(folder)
    assert np.array_equal(a.cash_balance, b.cash_balance)
    assert b.sm_by_segment == {} and b.burn_by_segment == {}
    lines[3] = lines[3].rsplit(",", 1)[0] + ","
    (folder / "monthly.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        read_inputs(folder)
    assert any(p.startswith("monthly.csv!E4: blank cash balance") for p in err.value.problems)


def test_runway_window_is_a_setting_carried_on_the_pack(tmp_path):
    """runway_window is checked like the other windows, written on the Cover under its name, used by the
    formulas and read back when the pack is the next input."""
    from workbook_gen.errors import SettingsError
    from workbook_gen.inputs.pack import read_pack_settings

    with pytest.raises(SettingsError):
        Settings().with_overrides(runway_window=0)
    company = replace(synthetic_company(n_clients=20, n_months=8, seed=2), cash_balance=np.arange(8.0) * 1e5)
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, company)
    out = tmp_path / "out.xlsx"
    build(src, out, {"runway_window": 2})
    assert read_pack_settings(out)["runway_window"] == 2
    got = read_names(out, ["setting_runway_window", "runway_months"])
    assert got["setting_runway_window"] == [[2]]
    data, settings = load(out)
    assert settings.runway_window == 2 and np.array_equal(data.cash_balance, company.cash_balance)
    expected = expected_names(compute(data, settings))
    assert mismatches({"runway_months": expected["runway_months"]}, got) == []


@pytest.mark.libreoffice
def test_cash_and_runway_recalculate_in_both_engines(engine, tmp_path):
    """A held-out company: a financing round, cash-generative months (a 3-month average burn ≤ 0 in
    some months) and a 2-month runway window; both engines recalculate cash_balance and runway_months
    (n/m in the same months) to the engine's values, cache stripped."""
    base = synthetic_company(n_clients=60, n_months=20, seed=5)
    burn = base.net_burn.copy()
    burn[[7, 12, 13, 18, 19]] = [-20_000.0, -5_000.0, -300_000.0, -10_000.0, 4_000.0]  # ends cash-generative
    company = replace(base, net_burn=burn, cash_balance=cash_balance(burn, 2e6, ((9, 3e6),)))
    src = tmp_path / "held-out.xlsx"
    write_input_workbook(src, company)
    out = tmp_path / "held-out-workbook.xlsx"
    build(src, out, {"runway_window": 2})
    results = compute(*load(src, {"runway_window": 2}))
    runway = results.total.monthly["runway_months"]
    assert np.isnan(runway[1:]).any() and np.isfinite(runway).any()  # n/m months and numbers
    expected = {k: v for k, v in expected_names(results).items() if "cash" in k or "runway" in k}
    assert set(expected) == {"cash_balance", "runway_months", "quarterly_cash_balance", "annual_cash_balance"}
    recalculated = engine.recalculate(out, tmp_path / "recalc")
    got = read_names(recalculated, expected)
    assert mismatches(expected, got) == []
    nm = [i for i, v in enumerate(got["runway_months"][0]) if v == "n/m"]
    assert nm == [i for i in range(1, len(runway)) if np.isnan(runway[i])]
    # the cash page: every formula cell as the engine recalculated it, the cash-out month included
    bad = [d for d in _differences(out, recalculated) if d.startswith(CASH_SHEET)]
    assert bad == []
    page = openpyxl.load_workbook(recalculated, data_only=True)[CASH_SHEET]
    assert CASH_GENERATIVE in [c.value for row in page.iter_rows(max_col=2) for c in row]


def test_build_summary_says_cash_and_runway():
    """The KPI summary at the end of a build: cash, runway and the cash-out month, or n/m
    (cash-generative); nothing about cash for a company without it."""
    from pathlib import Path

    from workbook_gen.build import BuildSummary

    def lines(data):
        return BuildSummary(Path("out.xlsx"), compute(data, Settings()), "Co").lines()

    assert "  Runway            n/m (cash-generative)" in lines(small())
    four = replace(small(cash=CASH[:4], burn=BURN[:4]), months=MONTHS[:4], mrr=small().mrr[:, :4])
    four = replace(four, sm_spend=four.sm_spend[:4], gross_margin=four.gross_margin[:4])
    # April 2025: 700 × 3 ÷ 450 = 4.67 months, so cash runs out 4 months on, in August 2025
    assert "  Runway            4.7 months (cash runs out August 2025)" in lines(four)
    assert "  Cash              USD 700" in lines(four)
    assert not any("Runway" in line for line in lines(replace(small(), cash_balance=None)))


@settings(max_examples=60, deadline=None)
@given(
    burn=st.lists(st.integers(-500, 500).map(float), min_size=5, max_size=5),
    cash=st.lists(st.integers(0, 10_000).map(float), min_size=5, max_size=5),
    window=st.integers(1, 5),
)
def test_runway_times_average_burn_is_the_cash(burn, cash, window):
    """For any burn and cash: where the average burn of the window is positive, runway × that average is
    the cash balance; where it is not, the runway is undefined (never negative or infinite); before the
    window fills, undefined; the cash-out month is never before the latest month."""
    from workbook_gen.metrics.cash import RUNWAY_CAP_MONTHS, cash_out_month

    data = small(cash=np.array(cash), burn=np.array(burn))
    runway = compute(data, Settings(runway_window=window)).total.monthly["runway_months"]
    for i in range(5):
        if i + 1 < window:
            assert math.isnan(runway[i])
            continue
        average = sum(burn[i + 1 - window : i + 1]) / window
        if average > 0:
            assert runway[i] * average == pytest.approx(cash[i], abs=1e-6)
            assert runway[i] >= 0
            out = cash_out_month(MONTHS[i], runway[i])
            # a runway of RUNWAY_CAP_MONTHS or more has no month (the workbook says it is out of range)
            assert out is None if runway[i] >= RUNWAY_CAP_MONTHS else out >= MONTHS[i]
        else:
            assert math.isnan(runway[i])
