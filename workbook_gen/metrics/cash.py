"""What the pack says beside the runway (docs/definitions.md, runway_months): the average net burn of the
runway window and the month the cash would run out. Neither is a series: each is one figure for the
latest month, shown as text beside the runway."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

#: What the cash-out month says when the average burn is not a burn (the runway is n/m).
CASH_GENERATIVE = "cash-generative"
#: A runway this long (a century) has no cash-out month worth printing (and no spreadsheet date).
RUNWAY_CAP_MONTHS = 1200
OUT_OF_RANGE = "over 100 years"


def average_burn(net_burn: np.ndarray, window: int) -> float:
    """The average monthly net burn of the last ``window`` months (NaN with fewer months)."""
    if len(net_burn) < window:
        return math.nan
    return float(np.sum(net_burn[len(net_burn) - window :])) / window


def cash_out_month(latest: dt.date, runway: float) -> dt.date | None:
    """The month the cash runs out: ``latest`` plus the runway in whole months (rounded down). None
    where the runway is undefined or not meaningful, or at least :data:`RUNWAY_CAP_MONTHS`."""
    if runway is None or not math.isfinite(runway) or runway >= RUNWAY_CAP_MONTHS:
        return None
    months = latest.year * 12 + latest.month - 1 + math.floor(runway)
    return dt.date(months // 12, months % 12 + 1, 1)
