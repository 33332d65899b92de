"""Fiscal periods (month, quarter, year) and the quarterly / annual views of SPEC §3."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from workbook_gen.definitions import PERIOD_ROWS
from workbook_gen.metrics.monthly import NAN, exact, ratio

NOMINAL_LENGTH = {"month": 1, "quarter": 3, "year": 12}


def fiscal_year(d: dt.date, fys: int) -> int:
    """Fiscal years are named by the calendar year in which they end."""
    return d.year + (1 if fys > 1 and d.month >= fys else 0)


def fiscal_position(d: dt.date, fys: int) -> int:
    """0-based month within the fiscal year."""
    return (d.month - fys) % 12


@dataclass(frozen=True, eq=False)
class Periods:
    """Periods of one grouping over the data months.

    ``index[i]`` is the 0-based period of month ``i``; ``first``/``last`` are each period's first
    and last data month (``last`` clipped to the data); ``partial`` marks a final period whose
    months are not all in the data yet.
    """

    grouping: str
    labels: tuple[str, ...]
    index: np.ndarray
    first: np.ndarray
    last: np.ndarray
    partial: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def make_periods(months: tuple[dt.date, ...], grouping: str, fys: int) -> Periods:
    keys, labels = [], []
    for d in months:
        fy, pos = fiscal_year(d, fys), fiscal_position(d, fys)
        prefix = "" if fys == 1 else "FY"
        if grouping == "month":
            key, label = d.year * 12 + d.month, f"{d:%Y-%m}"
        elif grouping == "quarter":
            key, label = fy * 4 + pos // 3, f"{prefix}{fy} Q{pos // 3 + 1}"
        else:
            key, label = fy, f"{prefix}{fy}"
        keys.append(key)
        labels.append(label)
    keys_arr = np.array(keys)
    index = keys_arr - keys_arr[0]
    n = int(index[-1]) + 1
    first = np.array([int(np.argmax(index == p)) for p in range(n)])
    last = np.array([len(index) - 1 - int(np.argmax(index[::-1] == p)) for p in range(n)])
    partial = np.zeros(n, dtype=bool)
    length = NOMINAL_LENGTH[grouping]
    partial[-1] = fiscal_position(months[-1], fys) % length != length - 1
    period_labels = tuple(labels[f] for f in first)
    return Periods(grouping, period_labels, index, first, last, partial)


def period_view(
    monthly: dict[str, np.ndarray], periods: Periods, cac_lag: int, lifetime_cap: float = 60
) -> dict[str, np.ndarray]:
    """Quarterly or annual rows (definitions.PERIOD_ROWS): flows summed, stocks at the period's last
    month, opening carried in, ratios recomputed from the period's own sums (definitions.
    PERIOD_DEFINITIONS says how each unit-economics row is built)."""
    n = len(periods)
    out: dict[str, np.ndarray] = {}
    only_month_one = periods.last == 0  # a period holding nothing but the opening month has no movements

    def flow(key: str) -> np.ndarray:
        x = monthly[key]
        sums = np.array([np.nansum(x[f : e + 1]) for f, e in zip(periods.first, periods.last, strict=True)])
        if np.isnan(x[0]):
            sums[only_month_one] = NAN
        return sums

    def at(key: str, idx: np.ndarray) -> np.ndarray:
        return monthly[key][idx]

    opening_idx = np.maximum(periods.first - 1, 0)
    for key, kind in PERIOD_ROWS:
        if kind == "flow" and key in monthly:
            out[key] = flow(key)
        elif kind == "stock" and key in monthly:
            out[key] = at(key, periods.last)
        elif kind == "opening":
            out[key] = at(key.replace("_opening", "_closing"), opening_idx)
    o, c = out["mrr_opening"], out["mrr_closing"]
    out["mrr_net_new"] = c - o
    out["mrr_growth"] = ratio(c, o) - 1.0
    out["arpa"] = ratio(c, out["clients_closing"])
    out["asp_new"] = ratio(out["mrr_new"], out["clients_new"])
    gained = out["mrr_new"] + out["mrr_reactivation"] + out["mrr_expansion"]
    lost = out["mrr_contraction"] + out["mrr_churn"]
    out["quick_ratio"] = ratio(gained, lost)
    out["logo_churn_rate"] = ratio(out["clients_churned"], out["clients_opening"])
    out["gross_mrr_churn_rate"] = ratio(lost, o)
    out["net_mrr_churn_rate"] = ratio(lost - out["mrr_expansion"] - out["mrr_reactivation"], o)
    closing_m = monthly["mrr_closing"]
    weighted = np.array(
        [
            np.sum(closing_m[f : e + 1] * monthly["gross_margin"][f : e + 1])
            for f, e in zip(periods.first, periods.last, strict=True)
        ]
    )
    out["gross_margin"] = ratio(
        weighted,
        np.array([np.sum(closing_m[f : e + 1]) for f, e in zip(periods.first, periods.last, strict=True)]),
    )
    # Lifetime from the period's churn per month: churned clients over the sum of the months'
    # opening clients (month 1 has no opening count); no churn gives the cap.
    opening_sum = np.array(
        [
            np.nansum(monthly["clients_opening"][f : e + 1]) if e >= 1 else NAN
            for f, e in zip(periods.first, periods.last, strict=True)
        ]
    )
    churn_m = ratio(out["clients_churned"], opening_sum)
    out["lifetime_months"] = np.where(
        churn_m == 0, float(lifetime_cap), np.minimum(ratio(1.0, churn_m), float(lifetime_cap))
    )
    out["ltv"] = out["arpa"] * out["gross_margin"] * out["lifetime_months"]
    delta = exact(out["arr"] - 12.0 * o)  # ARR added in the period
    if "sm_spend" in monthly:
        sm = monthly["sm_spend"]
        spend = np.full(n, NAN)
        for p, (f, e) in enumerate(zip(periods.first, periods.last, strict=True)):
            if f >= 1 and f - cac_lag >= 0:
                spend[p] = np.sum(sm[f - cac_lag : e - cac_lag + 1])
        out["cac"] = ratio(spend, out["clients_new"])
        out["cac_payback_months"] = ratio(out["cac"], out["asp_new"] * out["gross_margin"])
        out["ltv_cac"] = ratio(out["ltv"], out["cac"])
        previous_spend = np.concatenate([[NAN], out["sm_spend"][:-1]])
        out["magic_number"] = ratio(delta, previous_spend)
    revenue = np.array(
        [np.sum(closing_m[f : e + 1]) for f, e in zip(periods.first, periods.last, strict=True)]
    )
    out["revenue"] = revenue
    if "net_burn" in monthly:
        out["burn_multiple"] = np.where(delta > 0, ratio(out["net_burn"], delta), NAN)
        out["fcf_margin"] = ratio(-out["net_burn"], revenue)
        out["rule_of_40"] = out["arr_growth_yoy"] + out["fcf_margin"]
    return {key: out[key] for key, _ in PERIOD_ROWS if key in out}
