"""The executive summary's findings (metrics/summary.py), worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbook_gen.definitions import BY_KEY
from workbook_gen.metrics.summary import (
    better_higher,
    client_moves,
    kpi_moves,
    move,
    rank,
    segment_trend,
    summarise,
)

NAN = math.nan


def test_direction_comes_from_the_catalog():
    assert better_higher("nrr_12m") is True  # benchmark: 120 %+ best in class
    assert better_higher("burn_multiple") is False  # 1 or less is strong
    assert better_higher("cac_payback_months") is False
    assert better_higher("logo_churn_rate") is False
    for key in ("nrr_12m", "burn_multiple", "quick_ratio_3m", "ltv_cac"):
        assert better_higher(key) == BY_KEY[key].benchmark.higher
    # An amount without a benchmark: the catalog's own direction (a plannable metric declares it).
    assert BY_KEY["arr"].better is not None and better_higher("arr") == (BY_KEY["arr"].better == "higher")


def test_a_rate_moves_in_points_an_amount_in_per_cent():
    # NRR 95 % -> 101 %: +6 points, better (higher is better).
    m = move("nrr_12m", 0.95, 1.01)
    assert m.in_points and m.change == pytest.approx(6.0) and m.gain == pytest.approx(6.0)
    # Logo churn 2 % -> 3 %: +1 point, worse (lower is better).
    m = move("logo_churn_rate", 0.02, 0.03)
    assert m.in_points and m.change == pytest.approx(1.0) and m.gain == pytest.approx(-1.0)
    # Burn multiple 2.0 -> 1.5: (1.5 - 2) / 2 = -25 %, better (lower is better).
    m = move("burn_multiple", 2.0, 1.5)
    assert not m.in_points and m.change == pytest.approx(-25.0) and m.gain == pytest.approx(25.0)
    # Quick ratio 4 -> 5: +25 %, better.
    m = move("quick_ratio_3m", 4.0, 5.0)
    assert m.change == pytest.approx(25.0) and m.gain == pytest.approx(25.0)


def test_a_move_that_cannot_be_said_is_left_out():
    assert move("quick_ratio_3m", NAN, 5.0) is None  # undefined three months ago
    assert move("quick_ratio_3m", 4.0, NAN) is None
    assert move("quick_ratio_3m", 0.0, 5.0) is None  # no per cent change from 0
    # A rate from 0 is a change in points, which is defined: 0 % -> 1.5 % is +1.5 points.
    assert move("logo_churn_rate", 0.0, 0.015).change == pytest.approx(1.5)
    # A negative earlier value: per cent of its size, so the sign says up or down.
    m = move("magic_number", -0.5, 0.5)
    assert m.change == pytest.approx(200.0) and m.gain > 0


def test_ranking_takes_the_three_largest_each_way():
    monthly = {
        # 4 months: the change is month 4 against month 1
        "nrr_12m": np.array([1.00, 1.0, 1.0, 1.04]),  # +4 pts, better
        "grr_12m": np.array([0.90, 0.9, 0.9, 0.88]),  # -2 pts, worse
        "logo_churn_rate": np.array([0.03, 0.0, 0.0, 0.02]),  # -1 pt, better by 1
        "burn_multiple": np.array([1.0, 1.0, 1.0, 1.5]),  # +50 %, worse by 50
        "quick_ratio_3m": np.array([2.0, 2.0, 2.0, 3.0]),  # +50 %, better by 50
        "ltv_cac": np.array([3.0, 3.0, 3.0, 2.7]),  # -10 %, worse by 10
        "magic_number": np.array([1.0, 1.0, 1.0, 0.95]),  # -5 %, worse by 5
        "rule_of_40": np.array([0.3, 0.3, 0.3, 0.3]),  # no change: neither list
        "cac_payback_months": np.array([NAN, 10, 10, 12]),  # undefined then: left out
    }
    moves = kpi_moves(monthly, span=3)
    assert {m.key for m in moves} == set(monthly) - {"cac_payback_months"}
    improved, worsened = rank(moves)
    assert [m.key for m in improved] == ["quick_ratio_3m", "nrr_12m", "logo_churn_rate"]
    assert [m.key for m in worsened] == ["burn_multiple", "ltv_cac", "magic_number"]
    # With fewer movers than three, the lists are shorter; none is padded with a non-move.
    improved, worsened = rank([m for m in moves if m.key in ("grr_12m", "rule_of_40")])
    assert improved == () and [m.key for m in worsened] == ["grr_12m"]


def test_a_history_shorter_than_the_span_finds_nothing():
    assert kpi_moves({"nrr_12m": np.array([1.0, 1.1, 1.2])}, span=3) == []


def test_segment_direction():
    t = segment_trend("A", {"arr": np.array([100.0, 0, 0, 110.0]), "nrr_12m": np.array([NAN, 1, 1, 0.9])})
    assert t.arr_change_pct == pytest.approx(10.0) and t.direction == "growing" and t.nrr == 0.9
    t = segment_trend("B", {"arr": np.array([200.0, 0, 0, 150.0])})
    assert t.arr_change_pct == pytest.approx(-25.0) and t.direction == "shrinking" and math.isnan(t.nrr)
    t = segment_trend("C", {"arr": np.array([1000.0, 0, 0, 1004.0])})  # +0.4 %: flat
    assert t.direction == "flat"
    t = segment_trend("D", {"arr": np.array([0.0, 0, 0, 50.0])})  # no ARR then: no per cent
    assert math.isnan(t.arr_change_pct) and t.direction == ""


def test_a_growing_segment_with_a_failing_nrr_is_not_called_a_success():
    """The trend cell: the ARR direction in its colour, unless the 12-month NRR is below the benchmark's
    floor (100 %): then it says so, in red. An NRR between 100 % and 120 % (amber) leaves the direction."""
    from workbook_gen.metrics.summary import trend_verdict

    def verdict(arr_then, arr_now, nrr):
        return trend_verdict(
            segment_trend("S", {"arr": np.array([arr_then, 0, 0, arr_now]), "nrr_12m": np.array([nrr] * 4)})
        )

    assert verdict(100.0, 107.6, 0.652) == ("growing, but NRR 65%", "poor")
    assert verdict(100.0, 107.6, 1.064) == ("growing", "good")
    assert verdict(100.0, 100.2, 0.9) == ("flat, but NRR 90%", "poor")
    assert verdict(100.0, 100.2, 1.0) == ("flat", "ok")
    assert verdict(100.0, 80.0, 0.5) == ("shrinking", "poor")  # already red: nothing to add
    assert verdict(100.0, 107.6, NAN) == ("growing", "good")  # no NRR yet: the direction alone
    assert verdict(0.0, 50.0, 0.5) == ("", None)  # no direction without ARR at the start


def test_largest_client_wins_and_losses():
    ids = ("a", "b", "c", "d", "e")
    mrr = np.array(
        [
            [0.0, 0, 0, 300],  # a: new, +300
            [100.0, 0, 0, 0],  # b: churned, -100
            [200.0, 0, 0, 250],  # c: expanded, +50
            [400.0, 0, 0, 100],  # d: contracted, -300
            [50.0, 0, 0, 50],  # e: unchanged: neither
        ]
    )
    wins, losses = client_moves(ids, mrr, span=3, shown=3)
    assert [(w.client, w.change) for w in wins] == [("a", 300.0), ("c", 50.0)]
    assert [(x.client, x.change) for x in losses] == [("d", -300.0), ("b", -100.0)]
    assert losses[0].before == 400.0 and losses[0].after == 100.0
    wins, losses = client_moves(ids, mrr, span=3, shown=1)
    assert [w.client for w in wins] == ["a"] and [x.client for x in losses] == ["d"]


def test_summary_of_the_example_company(example_input, example_results):
    from workbook_gen.build import load

    data, _ = load(example_input, {"company": "Example SaaS Co"})
    s = summarise(data, example_results)
    months = example_results.months
    assert s.month == months[-1] and s.since == months[-4]
    assert 0 < len(s.improved) <= 3 and 0 < len(s.worsened) <= 3
    assert all(m.gain > 0 for m in s.improved) and all(m.gain < 0 for m in s.worsened)
    # Each finding is the catalog's series three months apart.
    for m in s.improved + s.worsened:
        series = example_results.total.monthly[m.key]
        assert m.before == series[-4] and m.after == series[-1]
    assert [t.label for t in s.segments] == list(example_results.segments)
    # A client's win is its MRR now less three months ago, from the input matrix.
    row = data.client_ids.index(s.wins[0].client)
    assert s.wins[0].change == pytest.approx(data.mrr[row, -1] - data.mrr[row, -4])


def test_benchmark_grades_by_hand():
    """The dashboard's green / amber / red rule as a pure function: NRR (higher is better, good at 120 %,
    OK at 100 %) and CAC payback (lower is better, good under 12 months, OK up to 24)."""
    from workbook_gen.definitions import BY_KEY

    nrr = BY_KEY["nrr_12m"].benchmark
    assert [nrr.grade(v) for v in (1.25, 1.2, 1.0, 0.652)] == ["good", "good", "ok", "poor"]
    payback = BY_KEY["cac_payback_months"].benchmark
    assert [payback.grade(v) for v in (8.0, 12.0, 23.2, 41.0)] == ["good", "good", "ok", "poor"]
    assert nrr.grade(float("nan")) is None


def _fills(ws, coordinate: str) -> list[str]:
    """The fill colours of every conditional format covering ``coordinate``."""
    return [
        rule.dxf.fill.bgColor.rgb
        for rng in ws.conditional_formatting
        if coordinate in rng.sqref
        for rule in rng.rules
    ]


def test_a_failing_segment_is_red_on_the_summary(example_workbook):
    """The example's Self-serve segment grows its ARR but keeps 65 % of last year's revenue: its NRR cell
    carries the dashboard's red, and its trend under "ARR trend" reads "growing, but NRR 65%" in red,
    not "growing" in green."""
    import openpyxl

    from workbook_gen.workbook.formats import BAD

    wb = openpyxl.load_workbook(example_workbook)
    ws = wb["Summary"]
    row = next(r for r in ws.iter_rows() for c in r if c.value == "Self-serve")
    label = next(c for c in row if c.value == "Self-serve")
    nrr = ws.cell(label.row, label.column + 3)
    assert isinstance(nrr.value, float) and nrr.value < 1.0
    fills = _fills(ws, nrr.coordinate)
    assert fills and all(f.endswith(BAD.lstrip("#")) for f in fills)
    heads = [c.value for r in ws.iter_rows() for c in r if c.value == "ARR trend"]
    assert heads == ["ARR trend"]
    assert any(c.value == "ARR change, 3 months" for r in ws.iter_rows() for c in r)
    trend = ws.cell(label.row, label.column + 4)  # its ARR grew 7.6 %, but it is no success
    assert trend.value == f"growing, but NRR {nrr.value * 100:.0f}%"
    fills = _fills(ws, trend.coordinate)
    assert fills and all(f.endswith(BAD.lstrip("#")) for f in fills)


def test_clients_go_by_the_customers_pages_names():
    """Wins and losses name a client as the Customers page does: by its name, by its ID where the name
    is blank or there is no names column."""
    from workbook_gen.metrics.customers import shown_names

    ids = ("C1", "C2", "C3")
    mrr = np.array([[0.0, 0, 0, 300], [100.0, 0, 0, 0], [200.0, 0, 0, 250]])
    names = shown_names(ids, {"Client name": ["Acme", None, "Globex"], "Segment": ["A", "B", "A"]})
    assert names == ["Acme", "C2", "Globex"]
    wins, losses = client_moves(ids, mrr, span=3, shown=3, names=names)
    assert [(w.client, w.name) for w in wins] == [("C1", "Acme"), ("C3", "Globex")]
    assert [(x.client, x.name) for x in losses] == [("C2", "C2")]
    assert shown_names(ids, {"Segment": ["A", "B", "A"]}) == list(ids)  # no names column


def test_the_summary_page_names_the_clients(example_workbook, example_results, example_input):
    """The executive summary's wins and losses print the clients' names ("Client 20"), not their IDs."""
    import openpyxl

    from workbook_gen.build import load

    data, _ = load(example_input, {"company": "Example SaaS Co"})
    s = summarise(data, example_results)
    wb = openpyxl.load_workbook(example_workbook, read_only=True)
    texts = {v for row in wb["Summary"].iter_rows(values_only=True) for v in row if isinstance(v, str)}
    wb.close()
    moved = s.wins + s.losses
    assert moved and all(m.name.startswith("Client ") for m in moved)
    assert {m.name for m in moved} <= texts
    assert not {m.client for m in moved} & texts  # no ID printed


def test_cash_and_runway_at_both_ends_of_the_span():
    """Cash and runway are not ranked with the KPIs, but said at both ends of the span: cash 90 → 60
    is −33.3 % (worse: more cash is better); a runway without a value three months ago (not meaningful
    while the company generated cash) has its two values and no change."""
    from workbook_gen.metrics.summary import levels

    monthly = {
        "cash_balance": np.array([100.0, 90, 80, 70, 60]),
        "runway_months": np.array([NAN, NAN, 14.5, 13.0, 12.5]),
        "arr": np.array([1.0, 2, 3, 4, 5]),
    }
    cash, runway = levels(monthly, span=3)
    assert (cash.key, cash.before, cash.after) == ("cash_balance", 90.0, 60.0)
    assert cash.move.change == pytest.approx(-100 / 3) and cash.move.gain < 0
    assert runway.key == "runway_months" and math.isnan(runway.before) and runway.after == 12.5
    assert runway.move is None
    cash, runway = levels({k: v[1:] for k, v in monthly.items()}, span=2)  # 14.5 → 12.5 months
    assert runway.move.change == pytest.approx((12.5 - 14.5) / 14.5 * 100) and runway.move.gain < 0
    assert levels({"arr": monthly["arr"]}, span=3) == ()  # no cash balance given: nothing to say
    assert levels({k: v[:3] for k, v in monthly.items()}, span=3) == ()  # shorter than the span


def test_a_young_companys_summary_says_its_runway_fell_and_that_the_plan_starts_later(tmp_path):
    """October 2022 of the example: no KPI it ranks worsened, but runway fell from 14.5 to 12.5 months
    and cash fell; its plan (2025 on) has no month in 2022, which is not "no variance to plan"."""
    from pathlib import Path

    import openpyxl

    from workbook_gen.build import build, load
    from workbook_gen.metrics.engine import compute

    example = Path(__file__).parent.parent / "examples" / "example-company.xlsx"
    settings = {"company": "Example SaaS Co", "as_of": "2022-10"}
    out = tmp_path / "young.xlsx"
    build(example, out, settings)
    data, resolved = load(example, settings)
    monthly = compute(data, resolved).total.monthly
    wb = openpyxl.load_workbook(out)
    ws = wb["Summary"]
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(max_col=4) if isinstance(r[0].value, str)}
    wb.close()
    runway = rows["Runway (months, trailing 3 months)"]  # the burn it divides by is a 3-month average
    assert runway[1] == pytest.approx(monthly["runway_months"][-4]) == pytest.approx(14.515, abs=1e-3)
    assert runway[2] == pytest.approx(monthly["runway_months"][-1]) == pytest.approx(12.514, abs=1e-3)
    assert runway[3] == pytest.approx((runway[2] - runway[1]) / runway[1] * 100)
    cash = rows["Cash balance"]
    assert (cash[1], cash[2]) == (monthly["cash_balance"][-4], monthly["cash_balance"][-1])
    assert cash[2] < cash[1]
    assert "No variance to plan." not in rows
    assert "No plan for Oct 2022: the plan covers Jan 2025 – Mar 2026." in rows


def test_each_summary_move_says_its_unit_and_window(example_workbook):
    """The example's three months to Dec 2025 worsened CAC payback (12.1 to 23.2 months), the burn
    multiple (0.69x to 0.88x) and the CAC: the Summary labels them as the dashboard does, with the unit
    the number format does not show and the rolling window the figure rests on, not a bare "CAC
    payback 12.1 → 23.2"."""
    import openpyxl

    wb = openpyxl.load_workbook(example_workbook, read_only=True)
    labels = [row[0] for row in wb["Summary"].iter_rows(values_only=True) if isinstance(row[0], str)]
    wb.close()
    worsened = labels[labels.index("Worsened most") + 2 :][:3]
    assert worsened == [
        "CAC payback (months, trailing 3 months)",
        "Burn multiple (x, trailing 3 months)",
        "CAC (trailing 3 months)",
    ]
    assert "Quick ratio (3 months, x)" in labels
    assert not {"CAC payback", "Burn multiple", "CAC"} & set(labels)


@pytest.fixture(scope="module")
def young(tmp_path_factory):
    """The example as of October 2022 (ten months of history): its built workbook, inputs and results."""
    from pathlib import Path

    from workbook_gen.build import build, load
    from workbook_gen.metrics.engine import compute

    example = Path(__file__).parent.parent / "examples" / "example-company.xlsx"
    settings = {"company": "Example SaaS Co", "as_of": "2022-10"}
    out = tmp_path_factory.mktemp("young") / "young.xlsx"
    build(example, out, settings)
    data, resolved = load(example, settings)
    return out, data, compute(data, resolved)


def test_clients_ever_counts_only_the_months_up_to_as_of(young):
    """The MRR sheet keeps all 600 clients' rows after ``as_of``, but by October 2022 only the clients
    whose first paying month is at most October 2022 have ever paid: 96 (90 of them paying that month).
    The dashboard's "(… ever)" and the Settings page say 96, not 600."""
    import openpyxl

    out, data, res = young
    first_paying = [next((j for j, v in enumerate(row) if v > 0), None) for row in data.mrr.tolist()]
    ever = sum(1 for j in first_paying if j is not None)  # a column index, all months being ≤ Oct 2022
    assert (data.n_clients, ever, int(res.total.monthly["clients_closing"][-1])) == (600, 96, 90)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb["Dashboard"]["A3"].value == "90 paying clients (96 ever)"
    assert wb["Settings"]["A2"].value.endswith(" · 10 months · 96 clients ever")
    wb.close()


def test_a_ratio_far_past_its_benchmarks_good_mark_is_not_ranked():
    """The mark is twice the benchmark's good mark (half of it when lower is better): quick ratio 2 × 5 =
    10, magic number 2 × 1 = 2, LTV:CAC 2 × 3 = 6, burn multiple 1 ÷ 2 = 0.5. Past it at either end, a
    ratio's per-cent change rests on a small denominator (24 when almost nothing churned)."""
    from workbook_gen.metrics.summary import beyond_the_mark, mark

    assert (mark("quick_ratio_3m"), mark("magic_number"), mark("ltv_cac"), mark("burn_multiple")) == (
        10,
        2,
        6,
        0.5,
    )
    assert mark("arr") is None and mark("logo_churn_rate") is None and mark("cac_payback_months") is None
    assert beyond_the_mark(move("quick_ratio_3m", 7.18, 24.33))  # +238.9 %: past 10 at the end
    assert beyond_the_mark(move("quick_ratio_3m", 12.0, 9.0))  # past 10 at the start
    assert not beyond_the_mark(move("quick_ratio_3m", 4.0, 9.0))  # +125 %, but both within the mark
    assert beyond_the_mark(move("burn_multiple", 0.2, 0.4))  # under 0.5: doubling is still excellent
    assert not beyond_the_mark(move("burn_multiple", 4.98, 3.30))
    assert not beyond_the_mark(move("arr", 1.0, 100.0))  # an amount: no mark


def test_a_young_companys_summary_neither_leads_with_a_tiny_denominator_nor_hides_a_red_kpi(young):
    """October 2022: the quick ratio went 7.18 → 24.33 (+238.9 %, past 10): not ranked, but named in a
    note with its mark. Improved most are then ARR +39.8 %, magic number +37.2 % and closing clients
    +34.3 %. No ranked KPI worsened, but cash (−19.3 %) and runway (14.5 → 12.5 months) fell on the same
    page, and the burn multiple, red on the dashboard at 3.30, improved from 4.98 (−33.8 %, fourth
    after the top three): the page says both instead of "No KPI worsened"."""
    import openpyxl

    out, data, res = young
    s = summarise(data, res)
    assert [m.key for m in s.improved] == ["arr", "magic_number", "clients_closing"]
    assert [m.change for m in s.improved] == pytest.approx([39.825, 37.249, 34.328], abs=1e-3)
    assert [m.key for m in s.set_aside] == ["quick_ratio_3m"] and s.worsened == ()
    assert [(m.key, round(m.before, 2), round(m.after, 2)) for m in s.still_poor] == [
        ("burn_multiple", 4.98, 3.30)
    ]
    assert s.cash_worsened()
    wb = openpyxl.load_workbook(out, read_only=True)
    texts = [row[0] for row in wb["Summary"].iter_rows(values_only=True) if isinstance(row[0], str)]
    wb.close()
    improved = texts[texts.index("Improved most") + 2 :][:3]
    assert improved == ["ARR", "Magic number (x, trailing 3 months)", "Closing clients"]
    assert "No KPI worsened." not in texts
    assert "No other KPI worsened: only the cash balance and runway (below) did." in texts
    assert "Burn multiple improved (4.98 → 3.30) but is still red against its benchmark." in texts
    assert "Not ranked this time: Quick ratio (3 months) 7.18 → 24.33 (above 10)." in texts
    assert any(
        t.startswith("Not ranked: a ratio (x) more than twice as good as its benchmark's") for t in texts
    )


def test_a_young_companys_segment_nrr_says_why_it_is_missing(young, example_workbook):
    """October 2022 has ten months of history: NRR (12m) needs the month twelve months earlier, so its first
    value is for January 2023 (month 13). The segments' NRR reads n/a and the line under them says why;
    the example (48 months) prints no such line."""
    import openpyxl

    line = (
        "NRR (12m) compares with 12 months earlier: the history starts in Jan 2022, "
        "so its first value is for Jan 2023."
    )

    def texts(path):
        wb = openpyxl.load_workbook(path, read_only=True)
        out = [v for row in wb["Summary"].iter_rows(values_only=True) for v in row if isinstance(v, str)]
        wb.close()
        return out

    out, _data, res = young
    assert all(math.isnan(s.monthly["nrr_12m"][-1]) for s in res.segment_scopes())
    assert line in texts(out)
    assert not any(t.startswith("NRR (12m) compares") for t in texts(example_workbook))


def test_a_rates_variance_to_plan_is_in_points(tmp_path):
    """December 2025 of the example (with its plan): logo churn 2.9 % against a plan of 3.4 % is −0.5
    points, as on the dashboard, not −15 % of the plan; an amount's variance stays in per cent of its
    plan."""
    from pathlib import Path

    import openpyxl

    from workbook_gen.build import _plan_line, build, load
    from workbook_gen.metrics.engine import compute
    from workbook_gen.metrics.plan import largest_variances

    example = Path(__file__).parent.parent / "examples" / "example-company.xlsx"
    settings = {"company": "Example SaaS Co"}
    example_workbook = tmp_path / "example.xlsx"
    build(example, example_workbook, settings)
    plan = compute(*load(example, settings)).plan
    found = {v.key: v for v in largest_variances(plan, "month", 3)}
    churn = found["logo_churn_rate"]
    assert round(churn.actual * 100, 1) == 2.9 and round(churn.plan * 100, 1) == 3.4
    assert _plan_line(churn) == "    Logo churn rate           -0.5 pts vs plan (favourable)"
    wb = openpyxl.load_workbook(example_workbook)
    ws = wb["Summary"]
    rows = {r[0].value: r for r in ws.iter_rows(max_col=4) if isinstance(r[0].value, str)}
    cell = rows["Logo churn rate (per month)"][3]
    assert cell.value == pytest.approx((churn.actual - churn.plan) * 100)
    assert '" pts"' in cell.number_format
    arr_like = next(v for k, v in found.items() if BY_KEY[k].unit != "pct")
    amount = rows[next(k for k in rows if k and k.startswith(BY_KEY[arr_like.key].label))][3]
    assert amount.value == pytest.approx(arr_like.variance_pct * 100) and '"%"' in amount.number_format
    wb.close()
