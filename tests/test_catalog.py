"""The catalog defines each metric once: the expression vocabulary, its renderers, and the checks
that keep the catalog, the engine and the formulas in step. Expected values are worked out here."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import pytest
from test_metrics import BRIDGE, assert_series, series

from workbook_gen import definitions as d
from workbook_gen import rules
from workbook_gen.expressions import (
    CappedInverse,
    Lag,
    Positive,
    S,
    Setting,
    Whole,
    Window,
    start_value,
    text,
)
from workbook_gen.metrics import derive
from workbook_gen.metrics.arrays import Windows
from workbook_gen.metrics.monthly import AGGREGATIONS as NUMPY_AGGREGATIONS
from workbook_gen.metrics.periods import make_periods, period_view, trailing_period
from workbook_gen.model import month_range
from workbook_gen.workbook.formulas import AGGREGATIONS

NAN = math.nan


def registry_problems(metrics, numpy_side, excel_side) -> list[str]:
    """Each metric without an expression needs its numpy function and its Excel formula; a derived metric
    needs neither (it is rendered from its expression)."""
    problems = []
    for m in metrics:
        if m.derived:
            problems += [
                f"{m.key}: derived, yet has a {side} aggregation"
                for side, reg in (("numpy", numpy_side), ("Excel", excel_side))
                if m.key in reg
            ]
            continue
        if m.key not in numpy_side:
            problems.append(f"{m.key}: no numpy aggregation (metrics/monthly.py)")
        if m.key not in excel_side:
            problems.append(f"{m.key}: no Excel formula (workbook/formulas.py)")
    known = {m.key for m in metrics}
    problems += [f"{k}: a numpy aggregation for no metric" for k in numpy_side if k not in known]
    problems += [f"{k}: an Excel formula for no metric" for k in excel_side if k not in known]
    return problems


def test_every_metric_is_derived_or_aggregated_once():
    assert registry_problems(d.METRICS, NUMPY_AGGREGATIONS, AGGREGATIONS) == []


def test_a_missing_side_of_an_aggregation_is_named():
    """An aggregation registered on one side only is named with the side that is missing, by the test
    and at run time (a named error, never a KeyError)."""
    extra = d.Metric(key="clients_paying_twice", label="x", unit=d.COUNT, section=d.CLIENTS, definition="x")
    metrics = (*d.METRICS, extra)
    only_excel = {**AGGREGATIONS, "clients_paying_twice": lambda f, i: "0"}
    assert registry_problems(metrics, NUMPY_AGGREGATIONS, only_excel) == [
        "clients_paying_twice: no numpy aggregation (metrics/monthly.py)"
    ]
    only_numpy = {**NUMPY_AGGREGATIONS, "clients_paying_twice": lambda c: None}
    assert registry_problems(metrics, only_numpy, AGGREGATIONS) == [
        "clients_paying_twice: no Excel formula (workbook/formulas.py)"
    ]


def test_a_missing_numpy_aggregation_is_a_named_error(monkeypatch):
    from workbook_gen.metrics import monthly

    monkeypatch.delitem(monthly.AGGREGATIONS, "clients_expanded")
    with pytest.raises(monthly.MissingAggregation, match="no numpy aggregation for clients_expanded"):
        monthly.aggregations(np.ones((2, 3)), None, np.ones(3), None)


def test_numpy_renderer_by_hand():
    x = {"a": np.array([NAN, 1.0, 2.0, 3.0, 0.0]), "b": np.array([4.0, 0.0, 2.0, 6.0, 0.0])}
    w = Windows(cac_window=2, cac_lag=1)

    def ev(e):
        return derive.monthly(e, x.__getitem__, w)

    assert_series(ev(S("a") / S("b")), [NAN, NAN, 1.0, 0.5, NAN])  # 1/0 and 0/0 undefined
    assert_series(ev(Lag(S("b"), 2)), [NAN, NAN, 4.0, 0.0, 2.0])
    # window of W = 2 months ending L = 1 month back: b[t-2] + b[t-1]
    assert_series(ev(Window(S("b"), Setting("cac_window"), Setting("cac_lag"))), [NAN, NAN, 4.0, 2.0, 8.0])
    assert_series(ev(Positive(S("b"), S("a") / S("b"))), [NAN, NAN, 1.0, 0.5, NAN])
    # min(1 / rate, cap), the cap where the rate is 0, undefined where the denominator is 0
    life = ev(CappedInverse(S("a") / S("b"), Setting("lifetime_cap_months")))
    assert_series(life, [NAN, NAN, 1.0, 2.0, NAN])
    assert_series(
        ev(CappedInverse(Window(S("a"), 1) / S("b"), Setting("lifetime_cap_months"))),
        [NAN, NAN, 1.0, 2.0, NAN],
    )
    assert_series(
        ev(CappedInverse(S("b") / S("b"), Setting("lifetime_cap_months"))), [1.0, NAN, 1.0, 1.0, NAN]
    )


def test_first_month_follows_windows_and_lags():
    w = d.W
    assert rules.start("cac") == {(1, (w.key,)), (0, (d.L.key, w.key))}  # max(W + 1, W + L)
    assert start_value(rules.start("cac"), Windows(cac_window=3, cac_lag=0)) == 4
    assert start_value(rules.start("cac"), Windows(cac_window=3, cac_lag=2)) == 5
    assert rules.month_text(rules.start("cac")) == "max(W+1, W+L)"
    assert rules.first_month_number("magic_number") == 6  # ARR 3 months back, S&M t-5..t-3
    assert rules.first_month_number("rule_of_40") == 13
    assert rules.first_month_number("quick_ratio_3m") == 4


def test_readable_formula_and_undefined_rule_come_from_the_expression():
    assert (
        rules.formula_text(d.BY_KEY["cac"])
        == "Σ Sales & marketing spend[t−L−W+1 … t−L] ÷ Σ New clients[t−W+1 … t]"
    )
    assert rules.formula_text(d.BY_KEY["burn_multiple"]) == "Σ Net burn[t−2 … t] ÷ (ARR − ARR[t−3])"
    assert rules.undefined_sentence("burn_multiple") == (
        "Undefined (n/a) before month 4. Shown as n/m (not meaningful) where ARR − ARR[t−3] ≤ 0."
    )
    assert rules.undefined_sentence("arpa") == "Undefined (n/a) where Closing clients = 0."
    assert text(S("a") - (S("b") - S("c")), str) == "a − (b − c)"


def test_catalog_check_refuses_a_window_over_an_undefined_series():
    bad = d.Metric(
        key="bad", label="Bad", unit=d.PCT, section=d.UNIT, definition="", expr=Window(S("arpa"), 3)
    )
    with pytest.raises(ValueError, match="sums 'arpa' over a window"):
        rules.check_catalog((*d.METRICS, bad))
    unknown = d.Metric(
        key="bad", label="Bad", unit=d.PCT, section=d.UNIT, definition="", expr=S("nope") / S("arr")
    )
    with pytest.raises(ValueError, match="reads 'nope'"):
        rules.check_catalog((*d.METRICS, unknown))


def _sm_share_of_new_arr(period) -> d.Metric:
    return d.Metric(
        key="sm_share_of_new_arr",
        label="S&M share of new ARR",
        unit=d.RATIO,
        section=d.UNIT,
        definition="S&M spend per unit of ARR won from new clients.",
        expr=S("sm_spend") / (12 * S("mrr_new")),
        scope=d.SM,
        period=period,
    )


def test_catalog_check_refuses_a_first_period_built_from_sums_of_different_lengths():
    """S&M has a value from month 1, new MRR from month 2: recomputed from the period's rows (SAME), the
    first quarter would divide three months of spend by two months of new MRR. The check names both sums
    and their first months; the rule that says how the first period is built (Whole) passes."""
    with pytest.raises(ValueError) as refused:
        rules.check_catalog((*d.METRICS, _sm_share_of_new_arr(d.SAME)))
    message = str(refused.value)
    assert "the period row sm_share_of_new_arr sums series that start in different months" in message
    assert "Σ Sales & marketing spend over the period's months from month 1" in message
    assert "Σ New MRR over the period's months from month 2" in message
    assert "Whole(" in message
    rules.check_catalog((*d.METRICS, _sm_share_of_new_arr(S("sm_spend") / (12 * Whole("mrr_new")))))
    # A lagged sum starts L months later: S&M lagged L months against new clients (month 2) differs
    # whatever L is, so CAC's rule needs its Whole.
    bare_cac = replace(d.BY_KEY["cac"], period=d.LAGGED_SPEND / S("clients_new"))
    with pytest.raises(
        ValueError, match=r"from month L\+1; Σ New clients over the period's months from month 2"
    ):
        rules.check_catalog(tuple(bare_cac if m.key == "cac" else m for m in d.METRICS))
    # The trailing twelve months never include month 1: S&M per new client (no lag) is consistent there.
    assert (
        rules.first_period_problems(
            "sm_per_new_client",
            d.period_rule("sm_per_new_client"),
            {**d.BY_KEY, **d.TRAILING_ONLY},
            rules.start,
            earliest=rules.TRAILING_FIRST_MONTH,
        )
        == []
    )
    assert rules.first_period_problems(
        "sm_per_new_client", d.period_rule("sm_per_new_client"), {**d.BY_KEY, **d.TRAILING_ONLY}, rules.start
    )


def test_trailing_twelve_months_by_hand():
    """BRIDGE has four months: the trailing window is months 2-4 (month 1 has no movements).
    Gained: new 50 + reactivation 90 + expansion 50 = 190; lost: contraction 80 + churn 200 = 280.
    Churned clients 1 + 0 + 1 = 2 over opening clients 3 + 3 + 3 = 9."""
    s = series(BRIDGE, sm=[0, 10, 20, 30])
    t = period_view(s, trailing_period(4), Windows(), d.TRAILING_KEYS)
    assert t["quick_ratio"][0] == pytest.approx(190 / 280)
    assert t["new_and_reactivation_mrr"][0] == 140 and t["lost_mrr"][0] == 280
    assert t["logo_churn_monthly"][0] == pytest.approx(2 / 9)
    assert t["mrr_net_new"][0] == 290 - 380  # closing of month 4 less closing of month 1
    assert t["revenue"][0] == 350 + 320 + 290
    assert t["sm_per_new_client"][0] == 60  # 60 of S&M, one new client (C)
    assert t["asp_new"][0] == 50


def test_trailing_view_is_the_last_twelve_months():
    p = trailing_period(30)
    assert (p.first[0], p.last[0]) == (18, 29)
    assert (trailing_period(5).first[0], trailing_period(5).last[0]) == (1, 4)
    q = make_periods(month_range(dt.date(2024, 1, 1), 30), "quarter", 1)
    assert len(q) == 10


def test_expansion_rate_and_net_new_arr_by_hand():
    """BRIDGE: opening MRR 380, 350, 320 in months 2-4; expansion 0, 50, 0; net new MRR -30 each month.
    Expansion rate = expansion ÷ opening: 0, 50/350, 0. Net new ARR = 12 × net new MRR = -360.
    The quarter (months 1-3 of BRIDGE's four): expansion 50 over the quarter's opening (month 1's
    closing, 380); net new ARR = 12 × (320 − 380) = -720."""
    s = series(BRIDGE)
    assert_series(s["expansion_rate"], [NAN, 0.0, 50 / 350, 0.0])
    assert_series(s["net_new_arr"], [NAN, -360, -360, -360])
    q = period_view(s, make_periods(month_range(dt.date(2024, 1, 1), 4), "quarter", 1), Windows())
    assert q["expansion_rate"][0] == pytest.approx(50 / 380)
    assert q["net_new_arr"][0] == -720
    assert q["net_new_arr"][1] == 12 * (290 - 320)


def test_the_undefined_markers_are_spelt_once():
    """Only expressions.py spells the markers; every other module refers to UNDEFINED / NOT_MEANINGFUL
    (or the formula text NA built from it)."""
    import ast
    from pathlib import Path

    package = Path(d.__file__).parent
    spelt = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "expressions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if text in ("n/a", "n/m") or '"n/a"' in text or '"n/m"' in text:
                spelt.append(f"{path.relative_to(package)}:{node.lineno}")
    assert spelt == []


def test_no_module_spells_a_defined_name_by_hand():
    """Defined names and layout keys are spelt by the name functions of workbook_gen.names (series_name,
    cohort_name, period_row_name, setting_name, chart_data_name, …): no f-string elsewhere starts like one."""
    import ast
    from pathlib import Path

    prefixes = ("setting_", "period_", "_chart_", "_cohort_", "cohort_", "quarterly_", "annual_")
    package = Path(d.__file__).parent
    spelt = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "names.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                if head.startswith(prefixes) or head.startswith("__"):
                    spelt.append(f"{path.relative_to(package)}:{node.lineno}: {head}")
    assert spelt == []


def test_json_has_every_number_the_tabs_show(example_data):
    """The trailing twelve months, the segments' ARR shares and the average cohort are computed by the
    engine and exported, so a tab only writes them as formulas."""
    from workbook_gen.export import to_json_dict
    from workbook_gen.metrics.engine import compute
    from workbook_gen.settings import Settings

    results = compute(example_data, Settings())
    out = to_json_dict(results)
    total = results.total.monthly
    window = slice(len(results.months) - 12, None)
    gained = sum(np.sum(total[k][window]) for k in ("mrr_new", "mrr_reactivation", "mrr_expansion"))
    lost = sum(np.sum(total[k][window]) for k in ("mrr_contraction", "mrr_churn"))
    trailing = out["scopes"]["total"]["trailing_12m"]
    assert trailing["quick_ratio"] == pytest.approx(gained / lost, rel=1e-12)
    assert (
        trailing["from"] == f"{results.months[-12]:%Y-%m}" and trailing["to"] == f"{results.months[-1]:%Y-%m}"
    )
    shares = [out["scopes"][s.name]["monthly"]["arr_share"][-1] for s in results.segment_scopes()]
    assert sum(shares) == pytest.approx(1.0)  # the segments partition the clients
    assert "arr_share" not in out["scopes"]["total"]["monthly"]
    quarter = out["scopes"]["total"]["cohorts"]["quarter"]
    assert quarter["average_cac_per_client"] == pytest.approx(
        np.nansum(results.total.cohorts["quarter"].cac)
        / np.sum(results.total.cohorts["quarter"].size[np.isfinite(results.total.cohorts["quarter"].cac)])
    )


# Where presentation lists of metric keys live: the workbook's tabs and charts, and the run's summary.
PRESENTATION = ("workbook", "build.py", "export.py")
DECLARED_BY = {"metric_keys", "metric_rows", "chart_kinds"}


def undeclared_key_lists(source: str) -> list[int]:
    """Lines of the tuple, list, set or dict literals in ``source`` that hold a catalog key as a string
    without being declared through metric_keys / metric_rows (or chart_kinds, whose kinds share some
    metric keys' spelling). A dict whose values are all declared lists is keyed by something else."""
    import ast

    tree = ast.parse(source)
    parent = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}

    def declared(node) -> bool:
        while node in parent:
            node = parent[node]
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in DECLARED_BY
            ):
                return True
        return False

    def is_declaration(node) -> bool:
        return isinstance(node, ast.Call) and getattr(node.func, "id", "") in DECLARED_BY

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and node.values and all(is_declaration(v) for v in node.values):
            continue
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None] + node.values
        else:
            continue
        if any(isinstance(i, ast.Constant) and i.value in d.ROW_KEYS for i in items) and not declared(node):
            lines.append(node.lineno)
    return lines


def test_every_presentation_list_of_keys_is_declared_with_the_catalogs_keys():
    """A list of metric keys a tab, a chart or a check shows is declared through metric_keys or
    metric_rows, which refuse a key the catalog does not have when the module is imported: a typo fails
    instead of dropping a row without a word."""
    from pathlib import Path

    package = Path(d.__file__).parent
    paths = [p for name in PRESENTATION for p in sorted((package / name).rglob("*.py")) or [package / name]]
    found = [
        f"{path.relative_to(package)}:{line}"
        for path in paths
        for line in undeclared_key_lists(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    with pytest.raises(d.UnknownMetric, match="'nrr_12n'"):
        d.metric_keys("arr", "nrr_12n")
    with pytest.raises(d.UnknownMetric, match="'arr_grwoth_yoy'"):
        d.metric_rows((("ARR", "arr"), ("Growth", "arr_grwoth_yoy")), at=1)
    assert d.metric_keys("arr", "revenue", "lost_mrr") == ("arr", "revenue", "lost_mrr")  # period rows too
    # the scan itself: a bare list is found, a declared one and a dict of declared lists are not
    assert undeclared_key_lists('KPIS = ("arr", "nrr_12m")\nROWS = [("ARR", "arr")]') == [1, 2]
    assert undeclared_key_lists('K = metric_keys("arr")\nC = {"arr": metric_keys("arr")}') == []


def test_the_movements_are_one_tuple():
    """The bridge's five movements, listed once; every list of movements is built from it."""
    from workbook_gen.workbook import charts
    from workbook_gen.workbook.tabs import checks, monthly, periods

    assert d.MOVEMENTS == ("mrr_new", "mrr_reactivation", "mrr_expansion", "mrr_contraction", "mrr_churn")
    assert d.GAINS + d.LOSSES == d.MOVEMENTS
    assert [k for k, *_ in charts.MOVEMENT_SERIES] == list(d.MOVEMENTS)
    assert [k for k, _ in checks.BRIDGE] == ["mrr_opening", *d.MOVEMENTS]
    assert [s for _, s in checks.BRIDGE] == [1, 1, 1, 1, -1, -1]
    assert [k for k, _ in monthly.CHART_DATA[d.BRIDGE]] == list(d.MOVEMENTS)
    assert [k for k, _ in periods.CHART_DATA][:5] == list(d.MOVEMENTS)
    assert monthly.SEGMENT_BOARD_ROWS[:7] == ("mrr_opening", *d.MOVEMENTS, "mrr_closing")


def test_segment_notes_on_absent_metrics_come_from_the_scope_rules():
    """A segment without an S&M (or Burn) column is told which metrics it lacks: every metric whose scope
    rule is SM (or BURN), named from the catalog, so a new metric of that scope is named too."""
    import dataclasses

    sm = d.scope_note(d.SM, "Self-serve")
    assert sm == (
        "CAC, CAC payback, LTV:CAC and Magic number are not shown: sales & marketing spend is not reported "
        "for Self-serve on its own."
    )
    burn = d.scope_note(d.BURN, "Self-serve")
    assert burn.startswith(
        "Net burn, Burn multiple, FCF margin (last 12 months) and Rule of 40 are not shown: net burn"
    )
    extra = dataclasses.replace(d.BY_KEY["cac"], key="sm_share", label="S&M share")
    from unittest import mock

    with mock.patch.object(d, "METRICS", (*d.METRICS, extra)):
        assert d.scope_note(d.SM, "Self-serve").startswith(
            "CAC, CAC payback, LTV:CAC, Magic number and S&M share"
        )


def test_a_missing_excel_formula_is_a_named_error(monkeypatch):
    from workbook_gen.workbook import formulas

    monkeypatch.delitem(formulas.AGGREGATIONS, "clients_expanded")
    with pytest.raises(formulas.MissingFormula, match="no Excel formula for 'clients_expanded'"):
        formulas.MonthlyFormulas.formula(None, "clients_expanded", 3)
