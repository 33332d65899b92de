"""Undefined exactly when exact arithmetic says so: the engine's side of the rule the formulas share
(MRR movements and ARR changes rounded to 6 decimals), checked against integer-cent arithmetic."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workbook_gen.expressions import EXACT_DECIMALS
from workbook_gen.metrics.arrays import exact
from workbook_gen.metrics.engine import compute
from workbook_gen.model import InputData, month_range
from workbook_gen.settings import Settings

# Cent amounts whose binary sums leave residue (0.1 + 0.2 != 0.3), and zeros for churn and gaps.
CENTS = st.sampled_from([0, 0, 0, 1, 10, 20, 30, 70, 1999, 3333, 10000, 12345])


@st.composite
def cent_matrices(draw):
    n = draw(st.integers(1, 8))
    t = draw(st.integers(5, 15))
    return draw(arrays(np.int64, (n, t), elements=CENTS))


def _company(cents: np.ndarray) -> InputData:
    t = cents.shape[1]
    return InputData(
        client_ids=tuple(f"c{i}" for i in range(cents.shape[0])),
        attributes={},
        months=month_range(dt.date(2024, 1, 1), t),
        mrr=cents / 100.0,
        sm_spend=np.full(t, 10.0),
        gross_margin=np.full(t, 0.7),
        net_burn=np.full(t, 5.0),
    )


@settings(max_examples=150, deadline=None)
@given(cent_matrices())
def test_movements_are_exact_cents_and_zero_tests_agree_with_integer_arithmetic(cents):
    m = compute(_company(cents), Settings()).total.monthly
    prev, cur = cents[:, :-1], cents[:, 1:]
    churn = np.where((prev > 0) & (cur == 0), prev, 0).sum(axis=0)
    contraction = np.where((prev > 0) & (cur > 0) & (cur < prev), prev - cur, 0).sum(axis=0)
    expansion = np.where((prev > 0) & (cur > prev), cur - prev, 0).sum(axis=0)
    # every movement is its exact cent amount, with no residue
    assert np.array_equal(m["mrr_churn"][1:], churn / 100.0)
    assert np.array_equal(m["mrr_contraction"][1:], contraction / 100.0)
    assert np.array_equal(m["mrr_expansion"][1:], expansion / 100.0)
    # quick ratio undefined exactly where nothing was lost
    lost = churn + contraction
    assert np.array_equal(np.isnan(m["quick_ratio"][1:]), lost == 0)
    # burn multiple: n/m exactly where ARR did not grow over three months (integer cents)
    closing = cents.sum(axis=0)
    grew = closing[3:] - closing[:-3] > 0
    assert np.array_equal(~np.isnan(m["burn_multiple"][3:]), grew)


def test_exact_is_the_rounding_the_formulas_write():
    from workbook_gen.workbook.formulas import rounded

    assert rounded("A1-B1") == f"ROUND(A1-B1,{EXACT_DECIMALS})"
    residue = (0.1 + 0.2) - 0.3
    assert residue != 0 and exact(residue) == 0
    assert exact(np.array([12.3449999999, np.nan]))[0] == 12.345
