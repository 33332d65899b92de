"""Properties on random client matrices (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workbook_gen.definitions import BY_KEY, GROUPINGS
from workbook_gen.metrics.engine import compute
from workbook_gen.model import InputData, month_range
from workbook_gen.settings import Settings

LEVELS = st.sampled_from([0.0, 0.0, 0.0, 10.0, 20.0, 35.5, 100.0, 250.25])


@st.composite
def companies(draw):
    n = draw(st.integers(1, 9))
    t = draw(st.integers(2, 16))
    mrr = draw(arrays(np.float64, (n, t), elements=LEVELS))
    seg = draw(st.lists(st.sampled_from(["A", "B", None]), min_size=n, max_size=n))
    sm = draw(arrays(np.float64, (t,), elements=st.sampled_from([0.0, 5.0, 100.0])))
    burn = draw(arrays(np.float64, (t,), elements=st.sampled_from([-50.0, 0.0, 40.0, 300.0])))
    start = dt.date(2023, draw(st.integers(1, 12)), 1)
    return InputData(
        client_ids=tuple(f"c{i}" for i in range(n)),
        attributes={"Segment": seg},
        months=month_range(start, t),
        mrr=mrr,
        sm_spend=sm,
        gross_margin=np.full(t, 0.7),
        net_burn=burn,
        sm_by_segment={"A": sm / 2, "B": sm / 4},
    )


def _settings(fys=1):
    return Settings(split="Segment", fiscal_year_start=fys, cac_window=2, ltv_churn_window=3)


@settings(max_examples=150, deadline=None)
@given(companies(), st.integers(1, 12))
def test_invariants(data, fys):
    res = compute(data, _settings(fys))
    for scope in res.scopes:
        m = scope.monthly
        # bridge identity every month after the first
        lhs = (
            m["mrr_opening"]
            + m["mrr_new"]
            + m["mrr_reactivation"]
            + m["mrr_expansion"]
            - m["mrr_contraction"]
            - m["mrr_churn"]
        )
        assert np.allclose(lhs[1:], m["mrr_closing"][1:])
        assert np.isnan(m["mrr_new"][0])  # month 1 is the opening balance
        # client counts balance too
        counted = m["clients_opening"] + m["clients_new"] + m["clients_reactivated"] - m["clients_churned"]
        assert np.allclose(counted[1:], m["clients_closing"][1:])
        nrr, grr = m["nrr_12m"], m["grr_12m"]
        ok = ~np.isnan(nrr)
        assert (
            np.all(grr[ok] >= -1e-12) and np.all(grr[ok] <= nrr[ok] + 1e-12) and np.all(grr[ok] <= 1 + 1e-12)
        )
        assert np.array_equal(np.isnan(nrr), np.isnan(grr))
        # undefined never turns into 0: a zero denominator gives NaN
        opening = m["mrr_opening"]
        assert np.all(np.isnan(m["mrr_growth_mom"][opening == 0]))
        assert np.all(np.isnan(m["arpa"][m["clients_closing"] == 0]))
        ever = int((data.mrr[scope.mask] if scope.mask is not None else data.mrr).any(axis=1).sum())
        for g in GROUPINGS:
            c = scope.cohorts[g]
            assert c.size.sum() == ever
            defined = ~np.isnan(c.grr)
            assert np.all(c.grr[defined] <= c.nrr[defined] + 1e-12)
            assert np.all(np.isnan(c.mrr[c.size == 0]))
    # segments sum to the total for every additive series
    for key, values in res.total.monthly.items():
        if BY_KEY[key].additive:
            parts = np.sum([s.monthly[key] for s in res.segment_scopes()], axis=0)
            assert np.allclose(parts, values, equal_nan=True), key


@settings(max_examples=60, deadline=None)
@given(companies())
def test_quarterly_flows_add_up_to_annual(data):
    res = compute(data, _settings())
    q, y = res.total.quarterly, res.total.annual
    for key in ("mrr_new", "mrr_churn", "clients_new", "sm_spend", "net_burn"):
        assert np.nansum(q[key]) == np.nansum(y[key])
    assert q["mrr_closing"][-1] == y["mrr_closing"][-1] == res.total.monthly["mrr_closing"][-1]
