"""Plan vs actual (docs/definitions.md, Plan vs actual): the chosen plan version aligned with the months
of actuals, the variances, the month / quarter-to-date / year-to-date / full-year comparison, and the
variances ranked. Pure numpy; NaN where a value is undefined."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from workbook_gen.definitions import BY_KEY, HIGHER, plannable
from workbook_gen.metrics.periods import Periods, fiscal_position
from workbook_gen.model import PlanLine, month_range
from workbook_gen.rules import first_month_number, plan_is_flow

#: The comparisons of the Plan vs actual table, in the order it shows them.
PERIODS = ("month", "qtd", "ytd", "year")
PERIOD_LABELS = {"month": "Month", "qtd": "Quarter to date", "ytd": "Year to date", "year": "Full year"}


def variance(actual, plan):
    """Actual − plan (undefined where either is)."""
    return np.asarray(actual, dtype=float) - np.asarray(plan, dtype=float)


def variance_pct(var: float, plan: float) -> float:
    """Variance ÷ |plan|; undefined when the plan is 0 or either is undefined."""
    if math.isnan(var) or math.isnan(plan) or plan == 0:
        return math.nan
    return var / abs(plan)


def favourable(key: str, var: float) -> bool | None:
    """Whether a variance points the way the metric is better; None when it is 0 or undefined."""
    if math.isnan(var) or var == 0:
        return None
    return (var > 0) == (BY_KEY[key].better == HIGHER)


def _sum(values) -> float:
    """The sum of every value, undefined when any is (or when there are none)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0 or np.isnan(values).any():
        return math.nan
    return float(values.sum())


@dataclass(frozen=True, eq=False)
class Comparison:
    """One planned metric over one period of the table: actual (the outlook for the full year) and plan."""

    actual: float
    plan: float

    @property
    def variance(self) -> float:
        return self.actual - self.plan

    @property
    def variance_pct(self) -> float:
        return variance_pct(self.variance, self.plan)


@dataclass(frozen=True, eq=False)
class PlanResults:
    """The chosen version's plan against the actuals of the total scope."""

    version: str  # "" when the plan has no versions
    keys: tuple[str, ...]  # planned metrics, in catalog order
    plan_months: tuple[dt.date, ...]
    plan_values: dict[str, np.ndarray]  # key -> values on plan_months (NaN where blank)
    plan: dict[str, np.ndarray]  # key -> values aligned with the months of actuals
    variance: dict[str, np.ndarray]
    windows: dict[str, tuple[int, int]]  # "qtd" / "ytd" -> first and last month (0-based) with actuals
    year_months: tuple[dt.date, ...]  # the months of the plan year (the fiscal year of the latest month)
    table: dict[str, dict[str, Comparison]]  # period (PERIODS) -> key -> comparison
    starts: dict[str, int] = field(default_factory=dict)  # key -> its first month with a value (0-based)

    def to_date(self, key: str, name: str) -> tuple[int, int]:
        """The months (0-based, first and last) a flow's quarter or year to date (``name``) sums: the
        window's months from the metric's first month with a value (month 1 has no movements, so a year
        that holds it sums its movements from month 2, as the Annual view does). Empty (first > last)
        when the metric has no value in the window yet."""
        first, last = self.windows[name]
        return max(first, self.starts.get(key, 0)), last

    def plan_at(self, key: str, month: dt.date) -> float:
        """The plan for ``month``; NaN when the plan has no value for it."""
        if month not in self.plan_months:
            return math.nan
        return float(self.plan_values[key][self.plan_months.index(month)])


def plan_vs_actual(
    lines: tuple[PlanLine, ...],
    version: str,
    plan_months: tuple[dt.date, ...],
    months: tuple[dt.date, ...],
    actuals: dict[str, np.ndarray],
    periods: dict[str, Periods],
    fiscal_year_start: int,
    settings=None,
) -> PlanResults:
    """Every number of the Plan vs actual tab for the plan rows ``lines`` (one version)."""
    by_key = {line.key: line for line in lines}
    keys = tuple(k for k in plannable() if k in by_key and k in actuals)
    plan_values = {
        k: np.array([math.nan if v is None else v for v in by_key[k].values], dtype=float) for k in keys
    }
    col = {m: j for j, m in enumerate(plan_months)}
    aligned = {
        k: np.array([plan_values[k][col[m]] if m in col else math.nan for m in months], dtype=float)
        for k in keys
    }
    last = len(months) - 1
    windows = {}
    for name, g in (("qtd", "quarter"), ("ytd", "year")):
        index = periods[g].index
        first = int(np.flatnonzero(index == index[last])[0])
        windows[name] = (first, last)
    latest = months[last]
    start = latest.year * 12 + latest.month - 1 - fiscal_position(latest, fiscal_year_start)
    year_months = month_range(dt.date(start // 12, start % 12 + 1, 1), 12)
    table: dict[str, dict[str, Comparison]] = {p: {} for p in PERIODS}
    result = PlanResults(
        version,
        keys,
        tuple(plan_months),
        plan_values,
        aligned,
        {k: variance(actuals[k], aligned[k]) for k in keys},
        windows,
        year_months,
        table,
        {k: first_month_number(k, settings) - 1 for k in keys},
    )
    for k in keys:
        a, p = actuals[k], aligned[k]
        table["month"][k] = Comparison(float(a[last]), float(p[last]))
        for name in windows:
            if plan_is_flow(k):
                first, _last = result.to_date(k, name)
                table[name][k] = Comparison(_sum(a[first : last + 1]), _sum(p[first : last + 1]))
            else:
                table[name][k] = Comparison(float(a[last]), float(p[last]))
        table["year"][k] = _full_year(result, k, a, months)
    return result


def _full_year(result: PlanResults, key: str, actual: np.ndarray, months: tuple[dt.date, ...]) -> Comparison:
    """The plan's year against the outlook: actuals to date, then the plan for the remaining months."""
    year = result.year_months
    latest = months[-1]
    rest = [m for m in year if m > latest]
    if plan_is_flow(key):
        plan = _sum([result.plan_at(key, m) for m in year])
        if year[0] < months[0]:  # the actuals do not cover the year so far
            return Comparison(math.nan, plan)
        done = actual[months.index(year[0]) :]
        return Comparison(_sum([*done, *(result.plan_at(key, m) for m in rest)]), plan)
    plan = result.plan_at(key, year[-1])
    outlook = float(actual[-1]) if not rest else plan
    return Comparison(outlook, plan)


def covers(result: PlanResults, month: dt.date) -> bool:
    """Whether the plan has a value for ``month`` for any of its metrics."""
    return any(math.isfinite(result.plan_at(k, month)) for k in result.keys)


def plan_months_text(result: PlanResults) -> str:
    """The months the plan runs over, as a board reads them: "Jan 2023 – Dec 2023"."""
    months = result.plan_months
    if not months:
        return "no month"
    return f"{months[0]:%b %Y}" if len(months) == 1 else f"{months[0]:%b %Y} – {months[-1]:%b %Y}"


def no_plan_text(result: PlanResults, month: dt.date) -> str:
    """Why there is nothing to compare in ``month``, said with the months the plan covers."""
    months, span, now = result.plan_months, plan_months_text(result), f"{month:%B %Y}"
    if months and months[0] > month:
        return (
            f"The plan starts in {months[0]:%B %Y} (it covers {span}): there is no plan for {now} "
            "to compare with yet."
        )
    if months and months[-1] < month:
        return (
            f"The plan ended in {months[-1]:%B %Y} (it covered {span}): there is no plan for {now} "
            "to compare with."
        )
    return f"The plan has no figures for {now} (it covers {span}): there is nothing to compare with."


@dataclass(frozen=True)
class Variance:
    """One planned metric's variance in one period, as the executive summary names it."""

    key: str
    period: str
    actual: float
    plan: float
    variance: float
    variance_pct: float
    favourable: bool | None


def largest_variances(result: PlanResults, period: str = "month", n: int = 3) -> list[Variance]:
    """The ``n`` variances of ``period`` largest relative to their plan (|variance ÷ plan|, largest
    first; ties in catalog order), undefined ones left out."""
    found = []
    for k in result.keys:
        c = result.table[period][k]
        pct = c.variance_pct
        if math.isnan(pct) or c.variance == 0:
            continue
        found.append(Variance(k, period, c.actual, c.plan, c.variance, pct, favourable(k, c.variance)))
    found.sort(key=lambda v: -abs(v.variance_pct))
    return found[:n]
