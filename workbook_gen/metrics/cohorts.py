"""Cohort tables (docs/definitions.md, Cohorts) for one grouping (month, quarter or year).

Input: the clients × months MRR matrix, gross margin per month, S&M spend per month (or None),
and the grouping's :class:`Periods`. Output: a :class:`CohortTables` whose age tables are
P × P arrays indexed ``[cohort period, age]``; cells with ``p + age`` past the last period are
outside the data (see ``in_data``), undefined cells inside it are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbook_gen.definitions import COHORT_TABLES, LAGGED_SPEND
from workbook_gen.metrics import derive
from workbook_gen.metrics.arrays import NAN, Windows, first_active, ratio
from workbook_gen.metrics.cohort_economics import AverageCohort, average_cohort
from workbook_gen.metrics.periods import Periods


@dataclass(frozen=True, eq=False)
class CohortTables:
    grouping: str
    labels: tuple[str, ...]
    partial: np.ndarray  # per period
    size: np.ndarray
    mrr: np.ndarray
    nrr: np.ndarray
    grr: np.ndarray
    logo_retention: np.ndarray
    cum_gp: np.ndarray
    cac: np.ndarray | None
    payback_age: np.ndarray | None
    calendar: np.ndarray | None = None  # P × months: cohort MRR per calendar month (NaN before the cohort)
    average: AverageCohort | None = None  # the template's average cohort (gross profit and CAC per client)

    @property
    def n(self) -> int:
        return len(self.labels)

    def in_data(self, p: int, age: int) -> bool:
        return p + age < self.n

    def table(self, key: str) -> np.ndarray | None:
        return getattr(self, key)

    def present(self):
        """(table definition, values) for each cohort table this scope has (CAC ones only with S&M)."""
        for spec in COHORT_TABLES:
            values = self.table(spec.key)
            if values is not None:
                yield spec, values


def cohort_of(mrr: np.ndarray, periods: Periods) -> np.ndarray:
    """Each client's cohort period (0-based); -1 for a client never active."""
    first = first_active(mrr)
    return np.where(first >= 0, periods.index[np.maximum(first, 0)], -1)


def cohort_tables(
    mrr: np.ndarray,
    gross_margin: np.ndarray,
    sm_spend: np.ndarray | None,
    periods: Periods,
    cac_lag: int,
) -> CohortTables:
    n = len(periods)
    end = periods.last  # end(p): last data month of period p
    cohort = cohort_of(mrr, periods)
    size = np.bincount(cohort[cohort >= 0], minlength=n).astype(float)
    shape = (n, n)
    mrr_t = np.full(shape, NAN)
    grr = np.full(shape, NAN)
    logo = np.full(shape, NAN)
    cum_gp = np.full(shape, NAN)
    calendar = np.full((n, mrr.shape[1]), NAN)
    gp_weights = np.asarray(gross_margin, dtype=float)
    for p in range(n):
        if size[p] == 0:
            calendar[p, periods.first[p] :] = 0.0
            continue
        members = mrr[cohort == p]
        ends = end[p:]
        at_end = members[:, ends]
        base = members[:, end[p]]
        ages = len(ends)
        mrr_t[p, :ages] = at_end.sum(axis=0)
        grr[p, :ages] = np.minimum(at_end, base[:, None]).sum(axis=0)
        logo[p, :ages] = (at_end > 0).sum(axis=0) / size[p]
        calendar[p, periods.first[p] :] = members.sum(axis=0)[periods.first[p] :]
        monthly_gp = members.sum(axis=0) * gp_weights
        running = np.cumsum(monthly_gp[periods.first[p] :])
        cum_gp[p, :ages] = running[ends - periods.first[p]]
    base0 = mrr_t[:, :1]
    nrr = ratio(mrr_t, base0)
    grr = ratio(grr, base0)
    cac = payback = None
    if sm_spend is not None:
        sm = np.asarray(sm_spend, dtype=float)
        # the spend of each cohort's period, lagged as the catalog says (definitions.LAGGED_SPEND)
        spend = derive.period(
            LAGGED_SPEND,
            None,
            {"sm_spend": sm}.__getitem__,
            periods.first,
            periods.last,
            lambda k: 1,
            Windows(cac_lag=cac_lag),
        )
        cac = np.full(n, NAN)
        payback = np.full(n, NAN)
        for p in range(1, n):  # the opening base (period 0) was not acquired in the data
            if size[p] == 0 or np.isnan(spend[p]):
                continue
            cac[p] = spend[p]
            reached = np.flatnonzero(cum_gp[p, : n - p] >= cac[p])
            if reached.size:
                payback[p] = float(reached[0])
    return CohortTables(
        periods.grouping,
        periods.labels,
        periods.partial,
        size,
        mrr_t,
        nrr,
        grr,
        logo,
        cum_gp,
        cac,
        payback,
        calendar,
        average_cohort(size, cum_gp, cac),
    )


def cohort_order(mrr: np.ndarray) -> np.ndarray:
    """The row order that makes every cohort a contiguous block: clients by first paying month, ties
    in input order, clients that never paid last. A permutation of ``range(clients)``."""
    first = first_active(mrr)
    key = np.where(first >= 0, first, mrr.shape[1])
    return np.argsort(key, kind="stable")
