"""The comparison behind ``build --previous``, in memory: hand-worked cases and the property that adding a
month never restates history by itself."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from workbook_gen.inputs.example import synthetic_company
from workbook_gen.metrics import changes as changes_module
from workbook_gen.metrics.changes import ADDED, REMOVED, RESTATED, compare_packs, differs
from workbook_gen.metrics.engine import compute
from workbook_gen.model import InputData, PreviousPack
from workbook_gen.names import series_name
from workbook_gen.settings import Settings

MONTHS = (dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1))


def inputs(ids, mrr, months=MONTHS, segment=None) -> InputData:
    n = len(months)
    return InputData(
        client_ids=tuple(ids),
        attributes={"Segment": list(segment or ["A"] * len(ids))},
        months=months,
        mrr=np.array(mrr, dtype=float),
        sm_spend=np.full(n, 100.0),
        gross_margin=np.full(n, 0.8),
        net_burn=np.full(n, 50.0),
    )


def as_previous(data: InputData, settings: Settings | None = None, name="last.xlsx") -> PreviousPack:
    """Last month's pack as the reader returns it: the engine's series under their defined names."""
    settings = settings or Settings()
    results = compute(data, settings)
    series = {
        series_name(k, s.slug): np.asarray(v, float) for s in results.scopes for k, v in s.monthly.items()
    }
    shown = {"company": "Acme", "currency": settings.currency, "split": results.split or "none"}
    shown |= {k: getattr(settings, k) for k in ("cac_window", "cac_lag", "ltv_churn_window")}
    shown |= {k: getattr(settings, k) for k in ("lifetime_cap_months", "fiscal_year_start")}
    return PreviousPack(name, data.months, shown, series, data)


def shown_now(results, settings: Settings | None = None, company="Acme"):
    from workbook_gen.cycle import shown_settings

    settings = settings or Settings()

    return shown_settings(settings, company, results.split)


def test_differs_treats_undefined_and_float_noise_as_a_cfo_would():
    old = np.array([1.0, np.nan, np.nan, 100.0, 1e6])
    new = np.array([1.0, np.nan, 0.0, 100.0 + 1e-9, 1e6 + 1.0])
    assert differs(old, new).tolist() == [False, False, True, False, True]


def test_hand_worked_restatement():
    # Last month: C1 pays 10, 10, 10; C2 pays 0, 20, 20; C3 pays 5, 0, 0.
    old = inputs(["C1", "C2", "C3"], [[10, 10, 10], [0, 20, 20], [5, 0, 0]])
    # This month (one month added): C1's February corrected to 15; C3 removed; C4 appears with January 7.
    new_months = (*MONTHS, dt.date(2024, 4, 1))
    new = inputs(["C1", "C2", "C4"], [[10, 15, 10, 10], [0, 20, 20, 20], [7, 0, 0, 0]], new_months)
    results = compute(new, Settings())
    ch = compare_packs(as_previous(old), new, results, shown_now(results))
    assert ch.common == MONTHS
    got = {(c.client_id, c.month, c.old, c.new, c.status) for c in ch.clients}
    assert got == {
        ("C1", MONTHS[1], 10.0, 15.0, RESTATED),
        ("C3", MONTHS[0], 5.0, 0.0, REMOVED),
        ("C4", MONTHS[0], 0.0, 7.0, ADDED),
    }
    assert ch.n_client_cells == 3 and ch.removed_clients == ("C3",) and ch.added_clients == ("C4",)
    closing = {c.month: (c.old, c.new) for c in ch.metrics if c.key == "mrr_closing" and c.slug is None}
    # January: 10 + 5 -> 10 + 7; February: 10 + 20 -> 15 + 20; March unchanged (30).
    assert closing == {MONTHS[0]: (15.0, 17.0), MONTHS[1]: (30.0, 35.0)}
    expansion = {c.month: (c.old, c.new) for c in ch.metrics if c.key == "mrr_expansion" and c.slug is None}
    # March: C1 goes 15 -> 10 now (contraction), it was flat before; February: C1 10 -> 15 is expansion 5.
    assert expansion == {MONTHS[1]: (0.0, 5.0)}
    contraction = {
        c.month: (c.old, c.new) for c in ch.metrics if c.key == "mrr_contraction" and c.slug is None
    }
    assert contraction == {MONTHS[2]: (0.0, 5.0)}
    assert not ch.settings
    assert ch.headline().startswith(
        "History restated since last.xlsx (Jan 2024 – Mar 2024): 3 client-month(s)"
    )


def test_undefined_that_becomes_defined_is_a_change():
    # Last month C1 churned in February (logo churn 1/1); now the correction says C1 kept paying.
    old = inputs(["C1"], [[10, 0, 0]])
    new = inputs(["C1"], [[10, 10, 10]])
    results = compute(new, Settings())
    ch = compare_packs(as_previous(old), new, results, shown_now(results))
    arpa = {c.month: (c.old, c.new) for c in ch.metrics if c.key == "arpa"}
    assert math.isnan(arpa[MONTHS[1]][0]) and arpa[MONTHS[1]][1] == 10.0  # 0 clients -> n/a before


def test_settings_that_changed():
    data = inputs(["C1", "C2"], [[10, 10, 10], [5, 5, 5]], segment=["A", "B"])
    prev = as_previous(data, Settings(cac_window=3))
    settings = Settings(cac_window=2, currency="EUR")
    results = compute(data, settings)
    ch = compare_packs(prev, data, results, shown_now(results, settings))
    assert {(s.key, s.old, s.new) for s in ch.settings} == {("cac_window", 3, 2), ("currency", "USD", "EUR")}
    assert ch.any


def test_lists_are_capped_but_counts_are_complete(monkeypatch):
    monkeypatch.setattr(changes_module, "LIST_LIMIT", 4)
    old = inputs(["C1", "C2", "C3"], [[10, 10, 10], [20, 20, 20], [30, 30, 30]])
    new = inputs(["C1", "C2", "C3"], [[11, 11, 11], [21, 21, 21], [31, 31, 31]])
    results = compute(new, Settings())
    ch = compare_packs(as_previous(old), new, results, shown_now(results))
    assert len(ch.clients) == 4 and ch.n_client_cells == 9
    assert len(ch.metrics) == 4 and ch.n_metric_values > 4
    assert any("; and 5 more" in line for line in ch.summary_lines())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_adding_a_month_restates_nothing(seed):
    """Property: every monthly series at month t depends only on months up to t, so the same inputs with
    one more month show no change in any scope — the tab can only report real restatements."""
    full = synthetic_company(n_clients=80, n_months=26, seed=seed)
    last = full.up_to(full.months[-2])
    settings = Settings(cac_lag=seed % 3, cac_window=1 + seed % 4, ltv_churn_window=6)
    results = compute(full, settings)
    ch = compare_packs(as_previous(last, settings), full, results, shown_now(results, settings))
    assert len(ch.common) == 25
    assert not ch.any, ch.summary_lines()
    assert ch.headline().startswith("No restatement: every number of the 25 months")


def test_text_reaches_the_terminal_without_control_characters():
    old = inputs(["C\x1b[31m1"], [[10, 10, 10]])
    new = inputs(["C\x1b[31m1"], [[10, 12, 10]])
    results = compute(new, Settings())
    ch = compare_packs(as_previous(old), new, results, shown_now(results))
    assert all("\x1b" not in line for line in ch.summary_lines())
    assert any("C?[31m1 2024-02 10 -> 12" in line for line in ch.summary_lines())
