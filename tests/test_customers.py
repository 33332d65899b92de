"""Who the customers are: revenue concentration (top10_share, top1_share) and the lists of the customers
page (largest clients, largest movements). Expected values are worked out by hand here."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_metrics import assert_series, series

from workbook_gen.metrics.monthly import kth_largest, top_sum

NAN = math.nan

# Twelve clients, three months.
#   month 1: two clients at 8, ten at 5 — the 10th largest (5) is shared by ten clients
#   month 2: three paying clients (3, 2, 1) — fewer than ten: all of them count
#   month 3: nobody pays — closing MRR 0, both shares undefined
CONCENTRATION = [[8, 0, 0], [8, 0, 0]] + [[5, 0, 0]] * 7 + [[5, 3, 0], [5, 2, 0], [5, 1, 0]]


def test_concentration_by_hand():
    s = series(CONCENTRATION)
    # month 1: 8 + 8 + eight of the ten clients at 5 = 56 of 66; largest 8 of 66
    assert_series(s["top10_share"], [56 / 66, 1.0, NAN])
    assert_series(s["top1_share"], [8 / 66, 3 / 6, NAN])


def test_concentration_of_one_client_and_of_equal_clients():
    assert_series(series([[4, 0, 7]])["top10_share"], [1.0, NAN, 1.0])
    # twenty clients at 2: any ten of them, half the MRR; one of them, a twentieth
    s = series([[2, 2]] * 20)
    assert_series(s["top10_share"], [0.5, 0.5])
    assert_series(s["top1_share"], [0.05, 0.05])


def test_threshold_is_what_large_returns_with_other_clients_at_zero():
    m = np.array(CONCENTRATION, dtype=float)
    assert kth_largest(m, 10).tolist() == [5.0, 0.0, 0.0]
    assert kth_largest(m[:3], 10).tolist() == [0.0, 0.0, 0.0]  # fewer rows than ten: 0, as LARGE over zeros
    assert kth_largest(m[:3], 3).tolist() == [5.0, 0.0, 0.0]  # 8, 8, 5: the third is 5
    assert top_sum(m, 10).tolist() == [56.0, 6.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 0.01, 1.0, 2.5, 2.5, 7.0, 120.0, 999.99]), min_size=3, max_size=3),
        min_size=1,
        max_size=25,
    )
)
def test_top_sum_equals_the_sum_of_the_sorted_largest(rows):
    """Σ above the k-th largest v of (MRR − v) + k·v is the sum of the k largest, whatever the ties."""
    m = np.array(rows)
    for k in (1, 3, 10):
        expected = -np.sort(-m, axis=0)[:k].sum(axis=0)
        assert np.allclose(top_sum(m, k), expected, rtol=1e-12, atol=1e-9)
    s = series(rows)
    closing = m.sum(axis=0)
    for t in range(m.shape[1]):
        if closing[t] == 0:
            assert math.isnan(s["top10_share"][t]) and math.isnan(s["top1_share"][t])
        else:
            assert 0 < s["top1_share"][t] <= s["top10_share"][t] <= 1 + 1e-12
            assert math.isclose(s["top1_share"][t], m[:, t].max() / closing[t])
