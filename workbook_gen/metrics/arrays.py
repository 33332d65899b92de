"""Array primitives every metric uses: NaN for undefined, the exact-zero rounding, ratios, windows.

Pure numpy over 1-d month arrays (index ``i`` is month ``t = i + 1``) or the client × month matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbook_gen.expressions import EXACT_DECIMALS

NAN = np.nan


def exact(x):
    """The one rounding rule the engine and the formulas share: MRR movements and ARR changes are rounded
    to :data:`~workbook_gen.expressions.EXACT_DECIMALS` decimals (a millionth of a currency unit) here
    and in the workbook (ROUND(…, 6)), so a difference of sums that is zero in exact arithmetic is
    exactly 0 in every engine and an undefined ratio stays undefined."""
    return np.round(np.asarray(x, dtype=float), EXACT_DECIMALS)


@dataclass(frozen=True)
class Windows:
    """The window settings (docs/definitions.md, Settings): W, L, C, the lifetime cap and R."""

    cac_window: int = 3
    cac_lag: int = 0
    ltv_churn_window: int = 12
    lifetime_cap_months: float = 60.0
    runway_window: int = 3


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
