"""Plan vs actual (docs/definitions.md, Plan vs actual): the Plan input, its refusals, the variances and
their periods worked out by hand, the version choice, the JSON, and the live workbook in both engines."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import numpy as np
import openpyxl
import pytest
from helpers import expected_names, mismatches, read_names, undefined_cells
from plan_company import plan_company

from workbook_gen.build import build, load
from workbook_gen.definitions import BY_KEY, HIGHER, LOWER, PCT, plannable
from workbook_gen.errors import InputError, SettingsError
from workbook_gen.export import to_json_dict
from workbook_gen.inputs.plan import parse_plan_csv, parse_plan_wide
from workbook_gen.metrics.engine import compute
from workbook_gen.metrics.periods import make_periods
from workbook_gen.metrics.plan import favourable, largest_variances, plan_vs_actual
from workbook_gen.model import PlanInput, PlanLine, month_range
from workbook_gen.names import plan_name, variance_name
from workbook_gen.workbook.input_book import write_input_workbook

M = month_range(dt.date(2025, 1, 1), 6)  # Jan..Jun 2025: actuals


def _grid(*rows):
    return [list(r) for r in rows]


# --- the catalog ------------------------------------------------------------------------------------------


def test_every_metric_the_issue_names_is_plannable_with_its_direction():
    expected = {
        "arr": HIGHER,
        "mrr_closing": HIGHER,
        "net_new_arr": HIGHER,
        "mrr_new": HIGHER,
        "mrr_expansion": HIGHER,
        "mrr_contraction": LOWER,
        "mrr_churn": LOWER,
        "clients_new": HIGHER,
        "clients_closing": HIGHER,
        "logo_churn_rate": LOWER,
        "nrr_12m": HIGHER,
        "grr_12m": HIGHER,
        "sm_spend": LOWER,
        "gross_margin": HIGHER,
        "net_burn": LOWER,
        "cac": LOWER,
        "cac_payback_months": LOWER,
        "cash_balance": HIGHER,
    }
    assert {k: BY_KEY[k].better for k in expected} == expected
    assert set(expected) <= set(plannable())
    assert all(BY_KEY[k].better in (HIGHER, LOWER) for k in plannable())


# --- the input --------------------------------------------------------------------------------------------


def test_plan_sheet_by_key_or_label_any_case_with_versions():
    problems: list[str] = []
    plan = parse_plan_wide(
        _grid(
            ("Metric", "Version", "2025-01", "2025-02", dt.datetime(2025, 3, 15)),
            ("ARR", "Budget", 100, 110, "120"),
            ("net_burn", "Budget", 50, None, 40),
            ("arr", "Reforecast", 90, 95, 99),
            ("sales & MARKETING spend", "Reforecast", 5, 6, 7),
        ),
        "Plan",
        problems,
    )
    assert problems == []
    assert plan.months == month_range(dt.date(2025, 1, 1), 3)
    assert [(p.key, p.version, p.values) for p in plan.lines] == [
        ("arr", "Budget", (100.0, 110.0, 120.0)),
        ("net_burn", "Budget", (50.0, None, 40.0)),
        ("arr", "Reforecast", (90.0, 95.0, 99.0)),
        ("sm_spend", "Reforecast", (5.0, 6.0, 7.0)),
    ]
    assert plan.versions == ("Budget", "Reforecast")
    assert plan.version_named(None) == "Reforecast"  # default: the last version listed
    assert plan.version_named(" budget ") == "Budget"
    assert plan.version_named("Q3") is None


def test_plan_csv_long_and_wide_are_the_same_plan():
    long_rows = _grid(
        ("month", "metric", "value", "version"),
        ("2025-02", "arr", "110", "B"),
        ("2025-01", "ARR", "100", "B"),
        ("2025-01", "Net burn", "-5", "B"),
    )
    wide_rows = _grid(
        ("Metric", "Version", "2025-01", "2025-02"), ("arr", "B", 100, 110), ("net_burn", "B", -5, None)
    )
    problems: list[str] = []
    a = parse_plan_csv(long_rows, "plan.csv", problems)
    b = parse_plan_csv(wide_rows, "plan.csv", problems)
    assert problems == []
    assert a.months == b.months
    assert [(p.key, p.version, p.values) for p in a.lines] == [(p.key, p.version, p.values) for p in b.lines]


def test_every_refused_plan_input_is_named_by_cell_all_at_once():
    problems: list[str] = []
    parse_plan_wide(
        _grid(
            ("Metric", "Version", "2025-01", "2025-02"),
            ("ARR", "Budget", 1, "lots"),
            ("Happiness", "Budget", 1, 2),
            ("arr", "budget", 3, 4),
            ("net_burn", "Budget", float("inf"), 1e13),
            ("arr", "Reforecast", 1, 2),  # another version: fine
        ),
        "Plan",
        problems,
    )
    assert problems[0] == "Plan!D2: 'lots' is not a number."
    assert problems[1].startswith(
        "Plan!A3: 'Happiness' is not a metric a plan can hold; use a key or label of: "
    )
    assert "arr (ARR)" in problems[1] and "net_burn (Net burn)" in problems[1]
    assert problems[2] == "Plan!A4: ARR is listed twice for version 'budget' (first at Plan!A2)."
    assert problems[3] == "Plan!C5: inf is not a number."
    assert problems[4].startswith("Plan!D5: 1e+13 is implausibly large")
    assert len(problems) == 5


def test_plan_headers_refused_by_cell():
    for header, expected in (
        (
            ("Metric", "2025-01", "2025-03"),
            "Plan!C1: 2025-03 follows 2025-01; months must be contiguous and ascending.",
        ),
        (
            ("Metric", "2025-01", "Notes"),
            "Plan!C1: 'Notes' is not a month; after 'Metric' every column is a month.",
        ),
        (("Name", "2025-01"), "Plan!A1: expected the header 'Metric', found 'Name'."),
    ):
        problems: list[str] = []
        parse_plan_wide(_grid(header, ("arr", 1, 2)), "Plan", problems)
        assert problems == [expected]
    problems = []
    parse_plan_csv(
        _grid(("month", "metric", "value"), ("2025-01", "arr", 1), ("2025-01", "ARR", 2)),
        "plan.csv",
        problems,
    )
    assert problems == ["plan.csv!B3: ARR is listed twice for 2025-01 (first at plan.csv!B2)."]


def test_a_plan_sheet_without_rows_is_no_plan():
    problems: list[str] = []
    assert parse_plan_wide(_grid(("Metric", "Version", "2025-01")), "Plan", problems) is None
    assert problems == []


def test_refused_plan_stops_the_build_and_writes_nothing(tmp_path):
    data, settings = plan_company()
    bad = PlanInput(data.plan.months, (*data.plan.lines, data.plan.lines[0]), True)  # a row twice
    src = tmp_path / "in.xlsx"
    from dataclasses import replace

    write_input_workbook(src, replace(data, plan=bad))
    with pytest.raises(InputError) as err:
        build(src, tmp_path / "out.xlsx", settings)
    assert "ARR is listed twice for version 'Budget FY2025'" in str(err.value)
    assert not (tmp_path / "out.xlsx").exists()


def test_plan_months_before_the_actuals_warn(tmp_path):
    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    loaded, _ = load(src, settings)
    assert any("2 plan month(s) before the first month of actuals" in w for w in loaded.warnings)


# --- variances, by hand -----------------------------------------------------------------------------------


def _periods(months, fys=1):
    return {g: make_periods(months, g, fys) for g in ("month", "quarter", "year")}


def test_variance_sign_and_favourable_by_direction():
    """ARR (higher is better) 1,200 against a plan of 1,000: +200, +20 %, favourable. Net burn (lower is
    better) 1,200 against a plan of 1,000: also +200 and +20 %, but unfavourable (burned more)."""
    actual = {"arr": np.array([1000.0, 1200.0]), "net_burn": np.array([900.0, 1200.0])}
    lines = (
        PlanLine("arr", "ARR", "", (1000.0, 1000.0)),
        PlanLine("net_burn", "net_burn", "", (1000.0, 1000.0)),
    )
    months = M[:2]
    r = plan_vs_actual(lines, "", months, months, actual, _periods(months), 1)
    assert r.variance["arr"].tolist() == [0.0, 200.0]
    assert r.variance["net_burn"].tolist() == [-100.0, 200.0]
    arr, burn = r.table["month"]["arr"], r.table["month"]["net_burn"]
    assert (arr.variance, arr.variance_pct, favourable("arr", arr.variance)) == (200.0, 0.2, True)
    assert (burn.variance, burn.variance_pct, favourable("net_burn", burn.variance)) == (200.0, 0.2, False)
    assert favourable("net_burn", -100.0) is True  # under plan: favourable
    assert favourable("arr", 0.0) is None


def test_variance_pct_of_a_negative_plan_and_a_zero_plan():
    """Net new ARR −50 against a plan of −100: variance +50, +50 % of |plan|; a plan of 0: undefined."""
    actual = {"net_new_arr": np.array([math.nan, -50.0, 10.0])}
    lines = (PlanLine("net_new_arr", "net_new_arr", "", (None, -100.0, 0.0)),)
    months = M[:3]
    r = plan_vs_actual(lines, "", months, months, actual, _periods(months), 1)
    assert np.isnan(r.plan["net_new_arr"][0]) and np.isnan(r.variance["net_new_arr"][0])
    assert r.variance["net_new_arr"][1] == 50.0
    from workbook_gen.metrics.plan import variance_pct

    assert variance_pct(50.0, -100.0) == 0.5
    assert math.isnan(variance_pct(10.0, 0.0))


def test_quarter_and_year_to_date_of_a_flow_and_a_stock():
    """Actuals Jan..May 2025 (Jan is month 1), fiscal year from January. QTD is Apr..May, YTD Jan..May.
    New MRR (a flow, first value in month 2: month 1 has no movements): QTD actual 40 + 50 = 90 against
    plan 30 + 30 = 60 → +30; YTD from Feb, as the Annual view sums the year's movements:
    20 + 30 + 40 + 50 = 140 against the plan for the same four months, 4 × 30 = 120 → +20.
    S&M spend (a flow from month 1): YTD 5 × 10 = 50 against 5 × 12 = 60 → −10.
    ARR (a stock): QTD and YTD are May's 500 against May's plan 450 → +50."""
    months = M[:5]
    actual = {
        "mrr_new": np.array([math.nan, 20.0, 30.0, 40.0, 50.0]),
        "arr": np.array([100.0, 200, 300, 400, 500]),
        "sm_spend": np.array([10.0] * 5),
    }
    lines = (
        PlanLine("mrr_new", "mrr_new", "", (30.0,) * 5),
        PlanLine("arr", "arr", "", (100.0, 200, 300, 400, 450)),
        PlanLine("sm_spend", "sm_spend", "", (12.0,) * 5),
    )
    r = plan_vs_actual(lines, "", months, months, actual, _periods(months), 1)
    assert r.windows == {"qtd": (3, 4), "ytd": (0, 4)}
    assert r.to_date("mrr_new", "ytd") == (1, 4) and r.to_date("sm_spend", "ytd") == (0, 4)
    q = r.table["qtd"]["mrr_new"]
    assert (q.actual, q.plan, q.variance) == (90.0, 60.0, 30.0)
    y = r.table["ytd"]["mrr_new"]
    assert (y.actual, y.plan, y.variance) == (140.0, 120.0, 20.0)
    y = r.table["ytd"]["sm_spend"]
    assert (y.actual, y.plan, y.variance) == (50.0, 60.0, -10.0)
    for period in ("month", "qtd", "ytd"):
        s = r.table[period]["arr"]
        assert (s.actual, s.plan, s.variance) == (500.0, 450.0, 50.0)
    # one month of data: New MRR has no month with a value to date
    one = plan_vs_actual(
        lines, "", months[:1], months[:1], {k: v[:1] for k, v in actual.items()}, _periods(months[:1]), 1
    )
    assert math.isnan(one.table["ytd"]["mrr_new"].actual) and math.isnan(one.table["ytd"]["mrr_new"].plan)


def test_full_year_is_the_plan_against_the_outlook():
    """Fiscal year from April: actuals Apr..Jun 2025 (the year's first quarter), plan for Apr 2025..Mar
    2026. Net burn (a flow): outlook = 10 + 20 + 30 actual + 9 months × 25 planned = 285, plan = 12 × 25
    = 300 → −15, favourable (less burn). ARR (a stock): outlook = the plan at March 2026 (the year end)."""
    months = month_range(dt.date(2025, 4, 1), 3)
    plan_months = month_range(dt.date(2025, 4, 1), 12)
    actual = {"net_burn": np.array([10.0, 20.0, 30.0]), "arr": np.array([100.0, 110.0, 120.0])}
    lines = (
        PlanLine("net_burn", "net_burn", "", (25.0,) * 12),
        PlanLine("arr", "arr", "", tuple(100.0 + 10 * k for k in range(12))),
    )
    r = plan_vs_actual(lines, "", plan_months, months, actual, _periods(months, 4), 4)
    assert r.year_months == plan_months
    fy = r.table["year"]["net_burn"]
    assert (fy.actual, fy.plan, fy.variance) == (285.0, 300.0, -15.0)
    assert favourable("net_burn", fy.variance) is True
    a = r.table["year"]["arr"]
    assert (a.actual, a.plan) == (210.0, 210.0)
    # a plan that stops before the year end leaves the year undefined
    short = tuple(PlanLine(p.key, p.text, "", p.values[:11]) for p in lines)
    r = plan_vs_actual(short, "", plan_months[:11], months, actual, _periods(months, 4), 4)
    assert math.isnan(r.table["year"]["net_burn"].plan) and math.isnan(r.table["year"]["net_burn"].actual)


def test_largest_variances_rank_by_size_relative_to_plan():
    months = M[:2]
    actual = {
        "arr": np.array([0.0, 1100.0]),
        "net_burn": np.array([0.0, 50.0]),
        "sm_spend": np.array([0.0, 100.0]),
    }
    lines = (
        PlanLine("arr", "arr", "", (0.0, 1000.0)),  # +10 %
        PlanLine("net_burn", "net_burn", "", (0.0, 100.0)),  # −50 %, favourable
        PlanLine("sm_spend", "sm_spend", "", (0.0, 100.0)),  # on plan: not a variance
    )
    r = plan_vs_actual(lines, "", months, months, actual, _periods(months), 1)
    ranked = largest_variances(r)
    assert [(v.key, v.variance_pct, v.favourable) for v in ranked] == [
        ("net_burn", -0.5, True),
        ("arr", 0.1, True),
    ]


# --- the version choice, the JSON, a company without a plan -----------------------------------------------


def test_plan_version_picks_the_plan_and_an_unknown_one_is_refused(tmp_path):
    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    default = compute(*load(src, settings))
    assert default.plan.version == "Reforecast Q3"
    budget = compute(*load(src, {**settings, "plan_version": "budget fy2025"}))
    assert budget.plan.version == "Budget FY2025"
    lines = {p.key: p for p in data.plan.lines if p.version == "Budget FY2025"}
    j = data.plan.months.index(data.months[-1])
    assert budget.plan.plan["arr"][-1] == lines["arr"].values[j]
    assert default.plan.plan["arr"][-1] != budget.plan.plan["arr"][-1]
    with pytest.raises(SettingsError, match="'Budget FY2025', 'Reforecast Q3'"):
        compute(*load(src, {**settings, "plan_version": "Q4"}))


def test_json_has_plan_and_variance_aligned_with_months(tmp_path):
    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    results = compute(*load(src, settings))
    total = json.loads(json.dumps(to_json_dict(results)))["scopes"]["total"]
    assert total["plan_version"] == "Reforecast Q3"
    assert set(total["plan"]) == set(total["variance"]) == set(results.plan.keys)
    months = len(results.months)
    for key in results.plan.keys:
        assert len(total["plan"][key]) == len(total["variance"][key]) == months
        for a, p, v in zip(total["monthly"][key], total["plan"][key], total["variance"][key], strict=True):
            assert v == (None if a is None or p is None else pytest.approx(a - p))
    segment = (
        next(v for k, v in json.loads(json.dumps(to_json_dict(results)))["scopes"].items() if k != "total")
        if results.segments
        else {}
    )
    assert "plan" not in segment


def test_a_company_without_a_plan_has_no_plan_names(tmp_path):
    data, settings = plan_company()
    from dataclasses import replace

    src = tmp_path / "in.xlsx"
    write_input_workbook(src, replace(data, plan=None))
    out = tmp_path / "out.xlsx"
    build(src, out, settings)
    wb = openpyxl.load_workbook(out, read_only=True)
    names = set(wb.defined_names)
    assert "Plan vs actual" not in wb.sheetnames
    wb.close()
    assert not any(n.startswith(("plan_", "variance_")) for n in names)
    assert "plan" not in to_json_dict(compute(*load(src, settings)))["scopes"]["total"]


def test_the_output_is_a_valid_input_with_the_same_plan(tmp_path):
    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "out.xlsx"
    build(src, out, settings)
    again = compute(*load(out, settings))
    first = compute(*load(src, settings))
    for key in first.plan.keys:
        np.testing.assert_array_equal(again.plan.plan[key], first.plan.plan[key])
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames.index("Plan vs actual") < wb.sheetnames.index("Quarterly")
    wb.close()


# --- live: both engines, cache stripped -------------------------------------------------------------------


@pytest.mark.libreoffice
def test_plan_and_variance_recalculate_in_both_engines(engine, tmp_path):
    """Two versions, a blank plan cell, a planned zero, plan months before and past the actuals,
    fiscal years from April: every plan_<key> and variance_<key>, and every cell of the Plan vs actual
    table, recalculated by the engine equals the engine's value."""
    from test_libreoffice import _differences

    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "out.xlsx"
    build(src, out, settings)
    results = compute(*load(src, settings))
    expected = expected_names(results)
    names = [plan_name(k) for k in results.plan.keys] + [variance_name(k) for k in results.plan.keys]
    assert len(names) == 2 * 14
    assert all(n in expected for n in names)
    assert any(np.isnan(results.plan.plan[k]).any() for k in results.plan.keys)  # some months unplanned
    recalculated = engine.recalculate(out, tmp_path)
    got = read_names(recalculated, expected)
    assert mismatches(expected, got) == []
    assert undefined_cells(got) == undefined_cells(expected)
    bad = _differences(out, recalculated)
    assert bad[:20] == [], f"{len(bad)} cells differ"


def _csv_folder(folder, data, plan_rows):
    import csv

    folder.mkdir()
    months = [f"{m:%Y-%m}" for m in data.months]
    with (folder / "mrr.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Client ID", *months])
        for cid, row in zip(data.client_ids, data.mrr, strict=True):
            w.writerow([cid, *(repr(float(v)) for v in row)])
    with (folder / "monthly.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["month", "sm_spend", "gross_margin", "net_burn"])
        for i, m in enumerate(months):
            w.writerow([m, *(repr(float(s[i])) for s in (data.sm_spend, data.gross_margin, data.net_burn))])
    with (folder / "plan.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(plan_rows)


def test_plan_csv_gives_the_workbook_routes_plan(tmp_path):
    """plan.csv (long) beside mrr.csv and monthly.csv gives the same plan and variances as the Plan sheet."""
    from dataclasses import replace

    data, settings = plan_company()
    data = replace(data, attributes={}, cash_balance=None)
    plan = PlanInput(data.plan.months, tuple(p for p in data.plan.lines if p.key != "cash_balance"), True)
    data = replace(data, plan=plan)
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    rows = [["month", "metric", "value", "version"]]
    for line in plan.lines:
        for m, v in zip(plan.months, line.values, strict=True):
            if v is not None:
                rows.append([f"{m:%Y-%m}", line.text, repr(v), line.version])
    _csv_folder(tmp_path / "csv", data, rows)
    a, b = compute(*load(src, settings)), compute(*load(tmp_path / "csv", settings))
    assert a.plan.keys == b.plan.keys and a.plan.version == b.plan.version == "Reforecast Q3"
    for key in a.plan.keys:
        np.testing.assert_array_equal(a.plan.plan[key], b.plan.plan[key])
        np.testing.assert_array_equal(a.plan.variance[key], b.plan.variance[key])


def test_plan_version_is_carried_when_set_and_not_when_automatic(tmp_path):
    """The monthly cycle: a pack built with plan_version = Budget rebuilds against the budget; a pack whose
    version was the automatic choice lets the next build choose again (a new reforecast then wins)."""
    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    chosen, automatic = tmp_path / "budget.xlsx", tmp_path / "auto.xlsx"
    build(src, chosen, {**settings, "plan_version": "Budget FY2025"})
    build(src, automatic, settings)
    assert compute(*load(chosen)).plan.version == "Budget FY2025"
    assert compute(*load(automatic)).plan.version == "Reforecast Q3"
    from workbook_gen.inputs.pack import read_pack_settings

    assert read_pack_settings(chosen)["plan_version"] == "Budget FY2025"
    assert "plan_version" not in read_pack_settings(automatic)


def test_validate_names_the_plan_and_refuses_an_unknown_version(tmp_path):
    from workbook_gen.build import validate

    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    lines = validate(src, settings)
    assert (
        "  plan             version 'Reforecast Q3' of Budget FY2025, Reforecast Q3; 14 metrics, 2023-03 to 2025-03"
        in lines
    )
    with pytest.raises(SettingsError, match="plan_version 'Q4' is not a version of the plan"):
        validate(src, {**settings, "plan_version": "Q4"})


def test_the_plan_workbook_is_portable_and_its_glossary_lists_every_name(tmp_path):
    """The portable-formula scan and the Glossary's list of defined names, on a workbook with a plan."""
    from test_portable import _glossary_names, problems

    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "out.xlsx"
    build(src, out, settings)
    bad = problems(out)
    assert bad[:20] == [], f"{len(bad)} non-portable formulas"
    tokens, names = _glossary_names(out)
    assert {"plan_arr", "variance_arr", "plan_cash_balance", "variance_net_burn"} <= set(names)
    assert [n for n in names if n not in tokens and "__" not in n] == []


def test_csv_export_has_the_plan_and_variance_rows(tmp_path):
    """The tidy CSV carries plan.<key> and variance.<key> for the total, one line per month, as the JSON."""
    import csv
    import io

    from workbook_gen.export import to_csv

    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    results = compute(*load(src, settings))
    total = to_json_dict(results)["scopes"]["total"]
    rows = list(csv.reader(io.StringIO(to_csv(results))))
    months = [f"{m:%Y-%m}" for m in results.months]
    for what in ("plan", "variance"):
        for key in results.plan.keys:
            got = {r[2]: r[3] for r in rows if r[0] == "total" and r[1] == f"{what}.{key}"}
            assert list(got) == months
            assert [None if v == "" else float(v) for v in got.values()] == total[what][key]


def test_build_summary_names_the_largest_variances(tmp_path):
    data, settings = plan_company()
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    summary = build(src, tmp_path / "out.xlsx", settings)
    ranked = largest_variances(summary.results.plan, "month", 3)
    lines = summary.lines()
    i = lines.index("  Largest variances to plan (Reforecast Q3):")
    assert len(ranked) == 3
    for line, v in zip(lines[i + 1 : i + 4], ranked, strict=True):
        if BY_KEY[v.key].unit == PCT:  # a rate's variance in points (gross margin +4.0 pts), as the pack
            assert f" {v.variance * 100:+.1f} pts vs plan " in line
        else:
            assert f" {v.variance_pct:+.1%} vs plan " in line
        assert line.endswith("(favourable)" if v.favourable else "(unfavourable)")
    assert [abs(v.variance_pct) for v in ranked] == sorted(
        (abs(v.variance_pct) for v in ranked), reverse=True
    )


def test_dashboard_shows_plan_and_variance_beside_planned_kpis(tmp_path):
    """The example (with its plan): a Plan and a Variance to plan column after Latest; ARR's cells read
    plan_arr and variance_arr and carry the engine's values for the latest month, logo churn's variance
    is in points, and the variance is green where favourable by the metric's direction (ARR above plan,
    churn below it)."""
    import re
    from pathlib import Path

    import openpyxl

    from workbook_gen.build import build, load
    from workbook_gen.metrics.engine import compute
    from workbook_gen.workbook.formats import BAD, GOOD
    from workbook_gen.workbook.tabs.dashboard import TABLE_TOP

    example = Path(__file__).resolve().parent.parent / "examples" / "example-company.xlsx"
    out = tmp_path / "pack.xlsx"
    build(example, out)
    plan = compute(*load(example)).plan
    ws = openpyxl.load_workbook(out)["Dashboard"]
    assert [ws.cell(TABLE_TOP, c).value for c in range(1, 5)] == [
        "Metric",
        "Latest",
        "Plan",
        "Variance to plan",
    ]
    rows = {ws.cell(r, 1).value: r for r in range(TABLE_TOP + 1, ws.max_row + 1)}
    arr = rows["ARR"]
    churn = next(r for label, r in rows.items() if label and label.startswith("Logo churn rate"))
    assert "plan_arr" in ws.cell(arr, 3).value and "variance_arr" in ws.cell(arr, 4).value
    assert "*100" in ws.cell(churn, 4).value  # a variance of a rate, in points
    values = openpyxl.load_workbook(out, data_only=True)["Dashboard"]
    assert values.cell(arr, 3).value == pytest.approx(plan.plan["arr"][-1])
    assert values.cell(arr, 4).value == pytest.approx(plan.variance["arr"][-1])
    assert values.cell(churn, 4).value == pytest.approx(100 * plan.variance["logo_churn_rate"][-1])

    def colours(row):
        """Comparison with 0 -> fill colour of the variance cell's conditional formats."""
        return {
            re.search(r"([<>])0\)?$", rule.formula[0]).group(1): rule.dxf.fill.bgColor.rgb[-6:]
            for rng in ws.conditional_formatting
            if ws.cell(row, 4).coordinate in rng.sqref
            for rule in rng.rules
        }

    assert colours(arr) == {">": GOOD[1:], "<": BAD[1:]}
    assert colours(churn) == {">": BAD[1:], "<": GOOD[1:]}


def test_the_dashboards_arr_chart_draws_the_plan_line(tmp_path, example_workbook):
    """With ARR planned, the dashboard's ARR chart is ARR against plan (the dashed plan on to the end of
    the plan year), as on the Plan vs actual page: two charts of that title in the example's workbook,
    the dashboard's and the page's; without a plan, none."""
    import zipfile
    from pathlib import Path

    from workbook_gen.build import build

    def plan_charts(path) -> int:
        with zipfile.ZipFile(path) as z:
            return sum(
                "ARR against plan" in z.read(n).decode()
                for n in z.namelist()
                if n.startswith("xl/charts/chart")
            )

    example = Path(__file__).resolve().parent.parent / "examples" / "example-company.xlsx"
    build(example, tmp_path / "with.xlsx")
    assert plan_charts(tmp_path / "with.xlsx") == 2
    assert plan_charts(example_workbook) == 0  # the test suite's example company has no plan


def test_a_plan_without_the_latest_month_prints_one_line_not_a_page_of_na(tmp_path):
    """October 2022 of the example, whose plan covers Jan 2025 – Mar 2026: every actual would face an
    n/a, so the printed page is its title and one line saying when the plan starts; the table stays in
    the workbook, live. Its year to date (Jan–Oct 2022) sums New MRR from February, month 1 having no
    movements, as the Annual view sums 2022. With the full history the page prints the table."""
    from pathlib import Path

    from workbook_gen.workbook.tabs.plan import NO_PLAN_ROW, TABLE_TOP, group_col

    example = Path(__file__).parent.parent / "examples" / "example-company.xlsx"
    settings = {"company": "Example SaaS Co", "as_of": "2022-10"}
    out = tmp_path / "young.xlsx"
    build(example, out, settings)
    data, resolved = load(example, settings)
    res = compute(data, resolved)
    wb = openpyxl.load_workbook(out)
    ws = wb["Plan vs actual"]
    from openpyxl.utils import get_column_letter

    assert ws.print_area == f"'Plan vs actual'!$A$1:${get_column_letter(group_col('ytd'))}${NO_PLAN_ROW + 1}"
    assert ws.cell(NO_PLAN_ROW + 1, 1).value == (
        "The plan starts in January 2025 (it covers Jan 2025 – Mar 2026): there is no plan for October "
        "2022 to compare with yet."
    )
    rows = {ws.cell(r, 1).value: r for r in range(TABLE_TOP + 1, ws.max_row + 1)}
    ytd = ws.cell(rows["New MRR"], group_col("ytd") + 1)
    # a live formula over months 2..10 (columns F..N, month 1 in E), not 1..10
    assert re.match(r"=IF\(COUNT\('MRR bridge'!\$F\$(\d+):\$N\$\1\)=", ytd.value), ytd.value
    assert res.plan.table["ytd"]["mrr_new"].actual == pytest.approx(
        float(np.sum(res.total.monthly["mrr_new"][1:]))
    )
    wb.close()
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb["Plan vs actual"].cell(rows["New MRR"], group_col("ytd") + 1).value == pytest.approx(
        float(np.sum(res.total.monthly["mrr_new"][1:]))
    )
    wb.close()
    out = tmp_path / "full.xlsx"
    build(example, out, {"company": "Example SaaS Co"})
    wb = openpyxl.load_workbook(out)
    area = wb["Plan vs actual"].print_area
    wb.close()
    assert int(area.rsplit("$", 1)[1]) > TABLE_TOP + 5  # the table and its chart


@pytest.mark.libreoffice
def test_year_to_date_from_month_two_recalculates_in_both_engines(engine, tmp_path):
    """Five months, May to September 2023, fiscal years from April: the year to date holds month 1,
    which has no movements. Its flows sum from month 2, and every cell of the Plan vs actual table,
    recalculated by the engine, equals the engine's value (a range starting at month 1 would be n/a)."""
    from test_libreoffice import _differences

    data, settings = plan_company()
    settings = {**settings, "as_of": "2023-09"}
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data)
    out = tmp_path / "out.xlsx"
    build(src, out, settings)
    results = compute(*load(src, settings))
    assert results.plan.windows["ytd"] == (0, 4) and results.plan.to_date("mrr_new", "ytd") == (1, 4)
    new = results.plan.table["ytd"]["mrr_new"]
    assert new.actual == pytest.approx(float(np.sum(results.total.monthly["mrr_new"][1:])))
    recalculated = engine.recalculate(out, tmp_path)
    bad = _differences(out, recalculated)
    assert bad[:20] == [], f"{len(bad)} cells differ"
