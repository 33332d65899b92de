"""The template's "average cohort": cumulative gross profit per client by cohort age against the
CAC per client, over the cohorts whose CAC is known (never the opening base).

Ratios of sums, never averages of ratios: at age k, the cumulative gross profit of every such
cohort that has reached age k, over the clients of those cohorts; CAC per client is the S&M of
all such cohorts over their clients."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbook_gen.metrics.arrays import ratio


@dataclass(frozen=True, eq=False)
class AverageCohort:
    gp_per_client: np.ndarray  # by age 0 … P−1; NaN where no cohort has reached that age
    cac_per_client: float  # NaN when no cohort has a CAC


def average_cohort(size: np.ndarray, cum_gp: np.ndarray, cac: np.ndarray | None) -> AverageCohort:
    """``size`` and ``cac`` per cohort, ``cum_gp`` cohorts × ages (NaN past the data or undefined)."""
    n = cum_gp.shape[1]
    if cac is None:
        return AverageCohort(np.full(n, np.nan), float("nan"))
    known = np.isfinite(cac)
    gp_sum, clients = np.zeros(n), np.zeros(n)
    for k in range(n):
        reached = known & np.isfinite(cum_gp[:, k])
        gp_sum[k] = np.sum(cum_gp[reached, k])
        clients[k] = np.sum(size[reached])
    cac_per_client = ratio(np.sum(cac[known]), np.sum(size[known])) if known.any() else np.nan
    return AverageCohort(ratio(gp_sum, clients), float(cac_per_client))
