"""The monthly series (docs/definitions.md), vectorised over the client × month matrix.

Input: ``mrr`` (clients × months, ≥ 0), the monthly inputs as 1-d arrays of the same length
as the months. Output: ``{key: float array}`` aligned with the months, NaN where undefined
(denominator 0, or a window that reaches before the data). Index ``i`` is month ``t = i + 1``.
"""

from __future__ import annotations

import numpy as np

from workbook_gen.definitions import METRICS, keys_for_scope
from workbook_gen.expressions import refs
from workbook_gen.metrics import derive
from workbook_gen.metrics.arrays import NAN, Windows, exact, first_active, ratio


def movement_series(mrr: np.ndarray) -> dict[str, np.ndarray]:
    """MRR bridge and client counts (docs/definitions.md, MRR bridge and Clients & ARPA). Month 1's movements are NaN."""
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
    """nrr_12m and grr_12m (docs/definitions.md, Retention): the base is the clients paying twelve months earlier."""
    t = mrr.shape[1]
    nrr = np.full(t, NAN)
    grr = np.full(t, NAN)
    if t > 12:
        then, now = mrr[:, :-12], mrr[:, 12:]
        base = then.sum(axis=0)
        nrr[12:] = ratio(np.where(then > 0, now, 0.0).sum(axis=0), base)
        grr[12:] = ratio(np.minimum(now, then).sum(axis=0), base)
    return nrr, grr


def aggregations(
    mrr: np.ndarray,
    sm_spend: np.ndarray | None,
    gross_margin: np.ndarray,
    net_burn: np.ndarray | None,
    cash_balance: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The series summed over clients (the MRR bridge, client counts, the ARPA of expanded and contracted
    clients, 12-month retention) and the monthly inputs: everything the catalog does not derive."""
    s = movement_series(mrr)
    s["arpa_expanded"] = ratio(s.pop("_mrr_expanded_now"), s["clients_expanded"])
    s["arpa_contracted"] = ratio(s.pop("_mrr_contracted_now"), s["clients_contracted"])
    s["nrr_12m"], s["grr_12m"] = retention_12m(mrr)
    s["gross_margin"] = np.asarray(gross_margin, dtype=float)
    if sm_spend is not None:
        s["sm_spend"] = np.asarray(sm_spend, dtype=float)
    if net_burn is not None:
        s["net_burn"] = np.asarray(net_burn, dtype=float)
    if cash_balance is not None:
        s["cash_balance"] = np.asarray(cash_balance, dtype=float)
    return s


def monthly_series(
    mrr: np.ndarray,
    sm_spend: np.ndarray | None,
    gross_margin: np.ndarray,
    net_burn: np.ndarray | None,
    windows: Windows,
    total: dict[str, np.ndarray] | None = None,
    cash_balance: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every monthly key this scope carries: the aggregations, then each derived metric of the catalog
    from its expression (workbook_gen.definitions). ``sm_spend``/``net_burn`` None leaves out the keys
    that need them; ``total`` is the total scope's series, for a segment (None for the total);
    ``cash_balance`` the month-end cash (the total only, when the Burn sheet has the column)."""
    s = aggregations(mrr, sm_spend, gross_margin, net_burn, cash_balance)
    t = mrr.shape[1]
    has_cash = cash_balance is not None
    carried = set(keys_for_scope(total is None, sm_spend is not None, net_burn is not None, has_cash))
    for m in METRICS:
        if m.expr is None or m.key not in carried:
            continue
        if any(k not in s for k in refs(m.expr)):
            continue  # reads a series this scope does not have (spend or burn)
        s[m.key] = derive.monthly(m.expr, s.__getitem__, windows, total.__getitem__ if total else None)
    assert all(len(v) == t for v in s.values())
    return s
