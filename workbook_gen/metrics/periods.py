"""Fiscal periods (month, quarter, year) and the quarterly, annual and trailing-twelve-months views (docs/definitions.md, Quarterly and annual views)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from workbook_gen.definitions import PERIOD_KEYS, TRAILING_MONTHS, TRAILING_NAME, period_metric, period_rule
from workbook_gen.expressions import refs
from workbook_gen.metrics import derive
from workbook_gen.rules import first_month_number

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
    opening_label: str = ""  # month 1's label (the opening base's name in the cohort tables)

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
    return Periods(grouping, period_labels, index, first, last, partial, f"{months[0]:%Y-%m}")


def trailing_period(n_months: int) -> Periods:
    """The trailing twelve months as one period: the last twelve months, from month 2 at the earliest
    (month 1 has no movements)."""
    first = max(1, n_months - TRAILING_MONTHS)
    index = np.full(n_months, -1)
    index[first:] = 0
    return Periods(
        "trailing", (TRAILING_NAME,), index, np.array([first]), np.array([n_months - 1]), np.array([False])
    )


def available(key: str, monthly: dict[str, np.ndarray]) -> bool:
    """Whether the period row ``key`` can be built from these monthly series (a scope without spend or
    burn has no row that needs them)."""
    for r in refs(period_rule(key)):
        if r == key or period_metric(r).period is None:
            if r not in monthly:
                return False
        elif not available(r, monthly):
            return False
    return True


def period_view(
    monthly: dict[str, np.ndarray], periods: Periods, windows, keys: tuple[str, ...] = PERIOD_KEYS
) -> dict[str, np.ndarray]:
    """The period rows ``keys`` (quarterly, annual or trailing), each from its rule in the catalog
    (definitions.period_rule): flows summed over the period's months, stocks at its last month, ratios
    recomputed from the period's own values, never averaged."""
    out: dict[str, np.ndarray] = {}

    def value(key: str) -> np.ndarray:
        if key not in out:
            out[key] = derive.period(
                period_rule(key),
                value,
                monthly.__getitem__,
                periods.first,
                periods.last,
                lambda k: first_month_number(k, windows),
                windows,
            )
        return out[key]

    return {key: value(key) for key in keys if available(key, monthly)}
