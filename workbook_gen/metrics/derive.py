"""Numpy values of the catalog's expressions (workbook_gen.expressions), monthly and per period.

Input: an expression, a way to get the series it reads, the windows (settings). Output: a float array,
NaN where undefined. The same expression gives the workbook's formulas (workbook_gen.workbook.derived),
so the two agree by construction; the suite checks that they agree in two spreadsheet engines.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from workbook_gen.expressions import (
    Add,
    AtEnd,
    AtStart,
    CappedInverse,
    Const,
    Exact,
    Expr,
    Lag,
    Length,
    MonthSum,
    Mul,
    Neg,
    OfTotal,
    Positive,
    Previous,
    Ratio,
    S,
    Setting,
    Sub,
    Whole,
    Window,
)
from workbook_gen.metrics.arrays import NAN, exact, ratio, shift, window_sum


def length(k: Length, windows) -> int:
    return k if isinstance(k, int) else int(getattr(windows, k.key))


def capped_inverse(rate: np.ndarray, cap: float) -> np.ndarray:
    """min(1 / rate, cap); the cap where the rate is 0; NaN where the rate is undefined."""
    with np.errstate(divide="ignore"):
        life = np.where(rate > 0, 1.0 / np.where(rate > 0, rate, 1.0), np.inf)
    return np.where(np.isnan(rate), NAN, np.minimum(life, cap))


def _common(e: Expr, ev: Callable[[Expr], np.ndarray], windows):
    """Nodes that mean the same monthly and per period; None for the others."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Setting):
        return float(getattr(windows, e.key))
    if isinstance(e, Add):
        out = ev(e.terms[0])
        for t in e.terms[1:]:
            out = out + ev(t)
        return out
    if isinstance(e, Sub):
        return ev(e.a) - ev(e.b)
    if isinstance(e, Mul):
        out = ev(e.factors[0])
        for f in e.factors[1:]:
            out = out * ev(f)
        return out
    if isinstance(e, Neg):
        return -ev(e.x)
    if isinstance(e, Ratio):
        return ratio(ev(e.num), ev(e.den))
    if isinstance(e, Exact):
        return exact(ev(e.x))
    if isinstance(e, Positive):
        test = ev(e.test)
        return np.where(test > 0, ev(e.x), NAN)
    if isinstance(e, CappedInverse):
        return capped_inverse(ev(e.rate), float(ev(e.cap)))
    return None


def monthly(e: Expr, get: Callable[[str], np.ndarray], windows, total=None) -> np.ndarray:
    """The monthly series of ``e``; ``get(key)`` gives this scope's series, ``total(key)`` the total's."""

    def ev(node: Expr):
        if isinstance(node, S):
            return get(node.key)
        if isinstance(node, OfTotal):
            return (total or get)(node.key)
        if isinstance(node, Lag):
            return shift(ev(node.x), length(node.k, windows))
        if isinstance(node, Window):
            return shift(window_sum(ev(node.x), length(node.length, windows)), length(node.lag, windows))
        out = _common(node, ev, windows)
        if out is None:
            raise TypeError(f"{type(node).__name__} has no monthly value")
        return out

    return np.asarray(ev(e), dtype=float)


def period(
    e: Expr,
    value: Callable[[str], np.ndarray],
    get_monthly: Callable[[str], np.ndarray],
    first: np.ndarray,
    last: np.ndarray,
    start: Callable[[str], int],
    windows,
) -> np.ndarray:
    """The per-period values of ``e``: ``value(key)`` is a period row, ``get_monthly(key)`` a monthly
    series, ``first``/``last`` each period's 0-based first and last month, ``start(key)`` a monthly
    series' first 1-based month."""

    def month_sum(x: Expr, lag: int) -> np.ndarray:
        if isinstance(x, S):
            series, keys = get_monthly(x.key), [x.key]
        elif isinstance(x, Mul) and all(isinstance(f, S) for f in x.factors):
            keys = [f.key for f in x.factors]
            series = get_monthly(keys[0])
            for k in keys[1:]:
                series = series * get_monthly(k)
        else:
            raise TypeError("MonthSum reads a series or a product of series")
        begins = max(start(k) for k in keys) - 1  # 0-based first month with a value
        out = np.full(len(first), NAN)
        for p, (f, e_) in enumerate(zip(first, last, strict=True)):
            chunk = series[max(f - lag, 0) : e_ - lag + 1]
            if f - lag >= 0 and e_ - lag >= begins and np.isfinite(chunk).any():
                out[p] = np.nansum(chunk)
        return out

    def ev(node: Expr):
        if isinstance(node, S):
            return value(node.key)
        if isinstance(node, Whole):
            return np.where(first >= start(node.key) - 1, value(node.key), NAN)
        if isinstance(node, Previous):
            return np.concatenate([[NAN], value(node.key)[:-1]])
        if isinstance(node, AtEnd):
            return get_monthly(node.key)[last]
        if isinstance(node, AtStart):
            return get_monthly(node.key)[np.maximum(first - 1, 0)]
        if isinstance(node, MonthSum):
            return month_sum(node.x, length(node.lag, windows))
        out = _common(node, ev, windows)
        if out is None:
            raise TypeError(f"{type(node).__name__} has no period value")
        return out

    return np.asarray(ev(e), dtype=float) * np.ones(len(first))
