"""The template's "average cohort": cumulative gross profit per client by cohort age against the
CAC per client, over the cohorts whose CAC is known (never the opening base).

Chained by age, so that the line does not jump when the youngest cohorts stop having data: at age 0,
the gross profit of every such cohort over its clients; at each later age k, the average of age k − 1
plus what the cohorts that have reached age k earned in that age (their cumulative gross profit at k
less at k − 1, summed, over their clients, summed). A plain ratio of the sums at each age would change
which cohorts it averages at every age, and jump where only the oldest (often best or worst) remain.
Ratios of sums, never averages of ratios; CAC per client is the S&M of all such cohorts over their
clients."""

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
    gp = np.full(n, np.nan)
    for k in range(n):
        reached = known & np.isfinite(cum_gp[:, k])
        clients = np.sum(size[reached])
        if clients == 0:
            break  # no cohort has reached this age: the line ends (a gap, not a zero)
        if k == 0:
            gp[k] = np.sum(cum_gp[reached, 0]) / clients
        else:
            gained = np.sum(cum_gp[reached, k]) - np.sum(cum_gp[reached, k - 1])
            gp[k] = gp[k - 1] + gained / clients
    cac_per_client = ratio(np.sum(cac[known]), np.sum(size[known])) if known.any() else np.nan
    return AverageCohort(gp, float(cac_per_client))
