"""The monthly series (docs/definitions.md), vectorised over the client × month matrix.

Input: ``mrr`` (clients × months, ≥ 0), the monthly inputs as 1-d arrays of the same length
as the months. Output: ``{key: float array}`` aligned with the months, NaN where undefined
(denominator 0, or a window that reaches before the data). Index ``i`` is month ``t = i + 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from workbook_gen.definitions import METRICS, MOVEMENTS, keys_for_scope
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


@dataclass
class Clients:
    """What an aggregation reads: the scope's client × month MRR and its monthly inputs (None where the
    scope has no S&M, no Burn or no cash balance column). The movements and 12-month retention are computed once."""

    mrr: np.ndarray
    sm_spend: np.ndarray | None
    gross_margin: np.ndarray
    net_burn: np.ndarray | None
    cash_balance: np.ndarray | None = None

    @cached_property
    def movements(self) -> dict[str, np.ndarray]:
        return movement_series(self.mrr)

    @cached_property
    def retention(self) -> tuple[np.ndarray, np.ndarray]:
        return retention_12m(self.mrr)


# The numpy side of every aggregation over clients and every input read, by metric key: everything the
# catalog does not derive. Its Excel side is registered with the same key in workbook/formulas.py
# (tests/test_catalog.py fails naming the side that is missing). A function returns None where the scope
# does not carry the series (S&M or burn without its column).
AGGREGATIONS: dict[str, Callable[[Clients], np.ndarray | None]] = {}


def aggregation(key: str):
    def register(fn: Callable[[Clients], np.ndarray | None]):
        AGGREGATIONS[key] = fn
        return fn

    return register


def _movement(key: str) -> None:
    aggregation(key)(lambda c: c.movements[key])


for _key in (
    "mrr_opening",
    *MOVEMENTS,
    "mrr_closing",
    "clients_opening",
    "clients_new",
    "clients_reactivated",
    "clients_churned",
    "clients_expanded",
    "clients_contracted",
    "clients_closing",
):
    _movement(_key)


@aggregation("arpa_expanded")
def _arpa_expanded(c: Clients) -> np.ndarray:
    return ratio(c.movements["_mrr_expanded_now"], c.movements["clients_expanded"])


@aggregation("arpa_contracted")
def _arpa_contracted(c: Clients) -> np.ndarray:
    return ratio(c.movements["_mrr_contracted_now"], c.movements["clients_contracted"])


@aggregation("nrr_12m")
def _nrr_12m(c: Clients) -> np.ndarray:
    return c.retention[0]


@aggregation("grr_12m")
def _grr_12m(c: Clients) -> np.ndarray:
    return c.retention[1]


@aggregation("gross_margin")
def _gross_margin(c: Clients) -> np.ndarray:
    return np.asarray(c.gross_margin, dtype=float)


@aggregation("sm_spend")
def _sm_spend(c: Clients) -> np.ndarray | None:
    return None if c.sm_spend is None else np.asarray(c.sm_spend, dtype=float)


@aggregation("net_burn")
def _net_burn(c: Clients) -> np.ndarray | None:
    return None if c.net_burn is None else np.asarray(c.net_burn, dtype=float)


@aggregation("cash_balance")
def _cash_balance(c: Clients) -> np.ndarray | None:
    return None if c.cash_balance is None else np.asarray(c.cash_balance, dtype=float)


TOP_N = 10  # the clients counted in top10_share


def kth_largest(mrr: np.ndarray, k: int) -> np.ndarray:
    """Each month's k-th largest client MRR (0 when fewer than k clients): the threshold the workbook's
    helper row holds, as LARGE over the month's MRR column with every other scope's clients at 0."""
    n, t = mrr.shape
    if k < 1 or n < k:
        return np.zeros(t)
    return -np.partition(-mrr, k - 1, axis=0)[k - 1].astype(float)


def kept(mrr: np.ndarray) -> dict[str, np.ndarray]:
    """What the clients paying in both of two consecutive months paid, month by month (NaN in month 1):
    ``now`` Σ this month's MRR of the clients who paid last month, ``then`` Σ last month's MRR of the
    clients who pay now, ``count`` how many paid in both. The workbook's shared helper rows: reactivation,
    churn and the client counts read them instead of scanning the clients again."""
    prev, cur = mrr[:, :-1], mrr[:, 1:]
    both = (prev > 0) & (cur > 0)

    def lead(values: np.ndarray) -> np.ndarray:
        return np.concatenate([[NAN], values.astype(float)])

    return {
        "now": lead(np.where(prev > 0, cur, 0.0).sum(axis=0)),
        "then": lead(np.where(cur > 0, prev, 0.0).sum(axis=0)),
        "count": lead(both.sum(axis=0)),
    }


# The workbook's shared helper rows of a scope (one per month each): several series read each of them, so
# the client rows are scanned once per month and scope for all of them.
KEPT_NOW, KEPT_THEN, KEPT_COUNT = "kept_mrr_now", "kept_mrr_then", "kept_clients"
TOP_THRESHOLD = "top10_threshold"


def helper_values(mrr: np.ndarray, n_clients: int) -> dict[str, np.ndarray]:
    """The values of one scope's helper rows, month by month: :func:`kept`'s three sums and the
    :data:`TOP_N`-th largest client MRR. ``mrr`` holds the scope's clients; ``n_clients`` counts every
    client of the workbook (the LARGE of the helper row sees the other scopes' clients as 0)."""
    both = kept(mrr)
    return {
        KEPT_NOW: both["now"],
        KEPT_THEN: both["then"],
        KEPT_COUNT: both["count"],
        TOP_THRESHOLD: kth_largest(mrr, min(TOP_N, n_clients)),
    }


def top_sum(mrr: np.ndarray, k: int) -> np.ndarray:
    """Σ of each month's k largest client MRRs (all of them when fewer than k), as the workbook sums it:
    Σ over clients above the k-th largest v of (MRR − v), plus k × v, so that ties at v count once each."""
    v = kth_largest(mrr, k)
    return np.where(mrr > v[None, :], mrr - v[None, :], 0.0).sum(axis=0) + k * v


@aggregation("top10_share")
def _top10_share(c: Clients) -> np.ndarray:
    """The ten largest clients' MRR over closing MRR, undefined where closing MRR is 0."""
    return ratio(top_sum(c.mrr, TOP_N), c.movements["mrr_closing"])


@aggregation("top1_share")
def _top1_share(c: Clients) -> np.ndarray:
    """The largest client's MRR over closing MRR, undefined where closing MRR is 0."""
    largest = c.mrr.max(axis=0).astype(float) if c.mrr.shape[0] else np.zeros(c.mrr.shape[1])
    return ratio(largest, c.movements["mrr_closing"])


class MissingAggregation(LookupError):
    """A catalog metric without an expression has no numpy aggregation registered."""


def aggregations(
    mrr: np.ndarray,
    sm_spend: np.ndarray | None,
    gross_margin: np.ndarray,
    net_burn: np.ndarray | None,
    cash_balance: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The series summed over clients (the MRR bridge, client counts, the ARPA of expanded and contracted
    clients, 12-month retention) and the monthly inputs: everything the catalog does not derive, each
    from its registered function."""
    missing = [m.key for m in METRICS if m.expr is None and m.key not in AGGREGATIONS]
    if missing:
        raise MissingAggregation(
            f"no numpy aggregation for {', '.join(missing)} (a catalog metric without an expression): "
            "register one with @aggregation(key) in workbook_gen/metrics/monthly.py"
        )
    clients = Clients(mrr, sm_spend, gross_margin, net_burn, cash_balance)
    out = {key: fn(clients) for key, fn in AGGREGATIONS.items()}
    return {key: values for key, values in out.items() if values is not None}


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
