"""The monthly series of SPEC §3, vectorised over the client × month matrix.

Input: ``mrr`` (clients × months, ≥ 0), the monthly inputs as 1-d arrays of the same length
as the months. Output: ``{key: float array}`` aligned with the months, NaN where undefined
(denominator 0, or a window that reaches before the data). Index ``i`` is month ``t = i + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAN = np.nan

# MRR movements, and the ARR change the burn multiple tests, are rounded to this many decimals
# (a millionth of a currency unit) here and in the workbook's formulas (ROUND(…, 6)): a difference
# of sums that is zero in exact arithmetic is then exactly 0 in every engine, so an undefined ratio
# stays undefined instead of dividing by floating-point residue.
EXACT_DECIMALS = 6


def exact(x):
    """The one rounding rule the engine and the formulas share (see :data:`EXACT_DECIMALS`)."""
    return np.round(np.asarray(x, dtype=float), EXACT_DECIMALS)


@dataclass(frozen=True)
class Windows:
    """The windows of SPEC §2.2: W, L, C and the lifetime cap."""

    cac_window: int = 3
    cac_lag: int = 0
    ltv_churn_window: int = 12
    lifetime_cap_months: float = 60.0


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where the denominator is 0 or either side is undefined."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, NAN)
    ok = np.isfinite(num) & np.isfinite(den) & (den != 0)
    np.divide(num, den, out=out, where=ok)
    return out


def window_sum(x: np.ndarray, w: int) -> np.ndarray:
    """s[i] = x[i-w+1] + … + x[i]; NaN where the window starts before index 0 or holds NaN."""
    x = np.asarray(x, dtype=float)
    out = np.full(len(x), NAN)
    if w <= len(x):
        out[w - 1 :] = np.lib.stride_tricks.sliding_window_view(x, w).sum(axis=1)
    return out


def shift(x: np.ndarray, k: int) -> np.ndarray:
    """y[i] = x[i-k] (NaN before the data)."""
    out = np.full(len(x), NAN)
    if k < len(x):
        out[k:] = x[: len(x) - k] if k else x
    return out


def first_active(mrr: np.ndarray) -> np.ndarray:
    """0-based index of each client's first month with MRR > 0; -1 for a client never active."""
    active = mrr > 0
    return np.where(active.any(axis=1), active.argmax(axis=1), -1)


def movement_series(mrr: np.ndarray) -> dict[str, np.ndarray]:
    """MRR bridge and client counts (SPEC §3, first block). Month 1's movements are NaN."""
    n, t = mrr.shape
    prev, cur = mrr[:, :-1], mrr[:, 1:]
    first = first_active(mrr)
    is_first = first[:, None] == np.arange(1, t)[None, :]
    was_active = prev > 0
    now_active = cur > 0
    enters = ~was_active & now_active
    new = enters & is_first
    react = enters & ~is_first
    exp = was_active & (cur > prev)
    con = was_active & now_active & (cur < prev)
    churn = was_active & ~now_active

    def lead(values: np.ndarray) -> np.ndarray:
        return np.concatenate([[NAN], values.astype(float)])

    def masked_sum(mask, values):
        return lead(np.where(mask, values, 0.0).sum(axis=0))

    def movement(mask, values):
        return exact(masked_sum(mask, values))

    out = {
        "mrr_opening": lead(prev.sum(axis=0)),
        "mrr_new": movement(new, cur),
        "mrr_reactivation": movement(react, cur),
        "mrr_expansion": movement(exp, cur - prev),
        "mrr_contraction": movement(con, prev - cur),
        "mrr_churn": movement(churn, prev),
        "mrr_closing": mrr.sum(axis=0).astype(float),
        "clients_opening": lead(was_active.sum(axis=0)),
        "clients_new": lead(new.sum(axis=0)),
        "clients_reactivated": lead(react.sum(axis=0)),
        "clients_churned": lead(churn.sum(axis=0)),
        "clients_expanded": lead(exp.sum(axis=0)),
        "clients_contracted": lead(con.sum(axis=0)),
        "clients_closing": (mrr > 0).sum(axis=0).astype(float),
        "_mrr_expanded_now": masked_sum(exp, cur),
        "_mrr_contracted_now": masked_sum(con, cur),
    }
    if n == 0:
        out["mrr_closing"] = np.zeros(t)
        out["clients_closing"] = np.zeros(t)
    return out


def retention_12m(mrr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nrr_12m and grr_12m (SPEC §3): the base is the clients paying twelve months earlier."""
    t = mrr.shape[1]
    nrr = np.full(t, NAN)
    grr = np.full(t, NAN)
    if t > 12:
        then, now = mrr[:, :-12], mrr[:, 12:]
        base = then.sum(axis=0)
        nrr[12:] = ratio(np.where(then > 0, now, 0.0).sum(axis=0), base)
        grr[12:] = ratio(np.minimum(now, then).sum(axis=0), base)
    return nrr, grr


def monthly_series(
    mrr: np.ndarray,
    sm_spend: np.ndarray | None,
    gross_margin: np.ndarray,
    net_burn: np.ndarray | None,
    windows: Windows,
) -> dict[str, np.ndarray]:
    """Every SPEC §3 key this scope carries. ``sm_spend``/``net_burn`` None leaves their keys out."""
    s = movement_series(mrr)
    t = mrr.shape[1]
    closing, opening = s["mrr_closing"], s["mrr_opening"]
    s["mrr_net_new"] = closing - opening
    s["arr"] = 12.0 * closing
    s["mrr_growth_mom"] = ratio(closing, opening) - 1.0
    s["arr_growth_yoy"] = ratio(closing, shift(closing, 12)) - 1.0
    s["arpa"] = ratio(closing, s["clients_closing"])
    s["asp_new"] = ratio(s["mrr_new"], s["clients_new"])
    s["arpa_churned"] = ratio(s["mrr_churn"], s["clients_churned"])
    s["arpa_expanded"] = ratio(s.pop("_mrr_expanded_now"), s["clients_expanded"])
    s["arpa_contracted"] = ratio(s.pop("_mrr_contracted_now"), s["clients_contracted"])
    gained = s["mrr_new"] + s["mrr_reactivation"] + s["mrr_expansion"]
    lost = s["mrr_contraction"] + s["mrr_churn"]
    s["quick_ratio"] = ratio(gained, lost)
    s["quick_ratio_3m"] = ratio(window_sum(gained, 3), window_sum(lost, 3))
    s["logo_churn_rate"] = ratio(s["clients_churned"], s["clients_opening"])
    s["gross_mrr_churn_rate"] = ratio(lost, opening)
    s["net_mrr_churn_rate"] = ratio(lost - s["mrr_expansion"] - s["mrr_reactivation"], opening)
    s["nrr_12m"], s["grr_12m"] = retention_12m(mrr)
    s["gross_margin"] = np.asarray(gross_margin, dtype=float)

    # Lifetime and LTV (SPEC §3): average logo churn over C months, capped lifetime.
    c = windows.ltv_churn_window
    churn_c = ratio(window_sum(s["clients_churned"], c), window_sum(s["clients_opening"], c))
    with np.errstate(divide="ignore"):
        life = np.where(churn_c > 0, 1.0 / np.where(churn_c > 0, churn_c, 1.0), np.inf)
    lifetime = np.where(np.isnan(churn_c), NAN, np.minimum(life, windows.lifetime_cap_months))
    s["lifetime_months"] = lifetime
    s["ltv"] = s["arpa"] * s["gross_margin"] * lifetime
    s["revenue_ttm"] = window_sum(closing, 12)

    if sm_spend is not None:
        sm = np.asarray(sm_spend, dtype=float)
        s["sm_spend"] = sm
        w, lag = windows.cac_window, windows.cac_lag
        new_w = window_sum(s["clients_new"], w)
        spend_w = shift(window_sum(sm, w), lag)
        s["cac"] = ratio(spend_w, new_w)
        asp_w = ratio(window_sum(s["mrr_new"], w), new_w)
        s["cac_payback_months"] = ratio(s["cac"], asp_w * s["gross_margin"])
        s["ltv_cac"] = ratio(s["ltv"], s["cac"])
        s["magic_number"] = ratio(exact(s["arr"] - shift(s["arr"], 3)), shift(window_sum(sm, 3), 3))
    if net_burn is not None:
        burn = np.asarray(net_burn, dtype=float)
        s["net_burn"] = burn
        delta = exact(s["arr"] - shift(s["arr"], 3))
        s["burn_multiple"] = np.where(delta > 0, ratio(window_sum(burn, 3), delta), NAN)
        s["fcf_margin_ttm"] = ratio(-window_sum(burn, 12), s["revenue_ttm"])
        s["rule_of_40"] = s["arr_growth_yoy"] + s["fcf_margin_ttm"]
    assert all(len(v) == t for v in s.values())
    return s
