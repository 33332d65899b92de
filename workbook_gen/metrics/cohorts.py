"""Cohort tables (docs/definitions.md, Cohorts) for one grouping (month, quarter or year).

Rows: the opening base (every client already paying in month 1) first, then one row per period from
the period holding month 2 to the last, each holding the clients whose first paying month is in it
after month 1 (:class:`CohortRows`). The opening base is measured like a cohort of the first period.

Input: the clients × months MRR matrix, gross margin per month, S&M spend per month (or None),
and the grouping's :class:`Periods`. Output: a :class:`CohortTables` whose age tables are
rows × periods arrays indexed ``[cohort row, age]``; cells whose period ``period[r] + age`` is past the
last period are outside the data (see ``in_data``), undefined cells inside it are NaN.

Each table of the catalog (``definitions.COHORT_TABLES``) has its numpy function here, registered
with ``@cohort_values(key)``, and its formula in ``workbook/cohort_formulas.py``
(``@cohort_formula(key)``); ``tests/test_catalog.py`` checks that every table has both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from workbook_gen.definitions import COHORT_TABLES, LAGGED_SPEND, OPENING_BASE
from workbook_gen.metrics import derive
from workbook_gen.metrics.arrays import NAN, Windows, first_active, ratio
from workbook_gen.metrics.cohort_economics import AverageCohort, average_cohort
from workbook_gen.metrics.periods import Periods


@dataclass(frozen=True, eq=False)
class CohortRows:
    """The rows of one grouping's cohort tables.

    ``period[r]`` is the 0-based period row r is measured in (age k is read at the end of period
    ``period[r] + k``; the opening base's is the first period); ``first[r]``..``last[r]`` are the
    0-based months a client's first paying month must fall in to belong to row r."""

    grouping: str
    labels: tuple[str, ...]
    period: np.ndarray
    first: np.ndarray
    last: np.ndarray
    n_periods: int

    def __len__(self) -> int:
        return len(self.labels)

    def ages(self, r: int) -> int:
        """How many ages of row r are inside the data."""
        return self.n_periods - int(self.period[r])


def cohort_rows(periods: Periods) -> CohortRows:
    """The opening base, then each period from the one holding month 2 (none when month 1 is the
    only month)."""
    n = len(periods)
    start = int(periods.index[1]) if len(periods.index) > 1 else n
    later = np.arange(start, n)
    return CohortRows(
        periods.grouping,
        (f"{periods.opening_label} {OPENING_BASE}",) + tuple(periods.labels[p] for p in later),
        np.concatenate([[0], later]).astype(int),
        np.concatenate([[0], np.maximum(periods.first[later], 1)]).astype(int),
        np.concatenate([[0], periods.last[later]]).astype(int),
        n,
    )


def row_of(mrr: np.ndarray, rows: CohortRows) -> np.ndarray:
    """Each client's cohort row (0-based; 0 is the opening base); -1 for a client never active."""
    first = first_active(mrr)
    out = np.full(len(first), -1)
    for r in range(len(rows)):
        out[(first >= rows.first[r]) & (first <= rows.last[r])] = r
    return out


@dataclass(frozen=True, eq=False)
class CohortTables:
    grouping: str
    rows: CohortRows
    partial: np.ndarray  # per row: its period is not complete yet
    tables: dict[str, np.ndarray]  # key -> values (one per row, or rows × periods), for this scope
    calendar: np.ndarray | None = None  # rows × months: cohort MRR per calendar month (NaN before it)
    average: AverageCohort | None = None  # the template's average cohort (gross profit and CAC per client)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.rows.labels

    @property
    def n(self) -> int:
        """The number of rows (the opening base and one per period from the one holding month 2)."""
        return len(self.rows)

    @property
    def width(self) -> int:
        """The number of age columns (the periods of the grouping)."""
        return self.rows.n_periods

    def ages(self, r: int) -> int:
        return self.rows.ages(r)

    def in_data(self, r: int, age: int) -> bool:
        return age < self.ages(r)

    def table(self, key: str) -> np.ndarray | None:
        return self.tables.get(key)

    def __getattr__(self, key: str):
        if key in _TABLE_KEYS:  # t.size, t.nrr, t.cac (None for a scope without S&M), …
            return self.tables.get(key)
        raise AttributeError(key)

    def present(self):
        """(table definition, values) for each cohort table this scope has (CAC ones only with S&M)."""
        for spec in COHORT_TABLES:
            values = self.tables.get(spec.key)
            if values is not None:
                yield spec, values


_TABLE_KEYS = {t.key for t in COHORT_TABLES}


@dataclass(eq=False)
class CohortContext:
    """What a table's numpy function reads: the rows, each row's clients, the inputs and the tables
    computed before it (in catalog order)."""

    rows: CohortRows
    periods: Periods
    members: list[np.ndarray]  # per row: its clients' MRR (clients × months)
    gross_margin: np.ndarray
    sm_spend: np.ndarray | None
    cac_lag: int
    tables: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), self.rows.n_periods

    def ends(self, r: int) -> np.ndarray:
        """The month (0-based) each age of row r is read at: the end of period ``period[r] + k``."""
        return self.periods.last[self.rows.period[r] :]

    def start(self, r: int) -> int:
        """The first month of row r's period (where its cumulative gross profit starts)."""
        return int(self.periods.first[self.rows.period[r]])

    def by_row(self, fn: Callable[[int, np.ndarray], np.ndarray]) -> np.ndarray:
        """An age table: ``fn(r, members)`` gives row r's values by age; rows without a client stay NaN."""
        out = np.full(self.shape, NAN)
        for r, members in enumerate(self.members):
            if len(members):
                out[r, : self.rows.ages(r)] = fn(r, members)
        return out


CohortValues = Callable[[CohortContext], np.ndarray | None]
COHORT_VALUES: dict[str, CohortValues] = {}


def cohort_values(key: str):
    """Register the numpy function of cohort table ``key`` (its formula: ``workbook.cohort_formulas``)."""

    def register(fn: CohortValues) -> CohortValues:
        COHORT_VALUES[key] = fn
        return fn

    return register


@cohort_values("size")
def _size(c: CohortContext) -> np.ndarray:
    return np.array([float(len(m)) for m in c.members])


@cohort_values("mrr")
def _mrr(c: CohortContext) -> np.ndarray:
    return c.by_row(lambda r, m: m[:, c.ends(r)].sum(axis=0))


@cohort_values("nrr")
def _nrr(c: CohortContext) -> np.ndarray:
    mrr = c.tables["mrr"]
    return ratio(mrr, mrr[:, :1])


@cohort_values("grr")
def _grr(c: CohortContext) -> np.ndarray:
    kept = c.by_row(lambda r, m: np.minimum(m[:, c.ends(r)], m[:, c.ends(r)[:1]]).sum(axis=0))
    return ratio(kept, c.tables["mrr"][:, :1])


@cohort_values("logo_retention")
def _logo_retention(c: CohortContext) -> np.ndarray:
    return c.by_row(lambda r, m: (m[:, c.ends(r)] > 0).sum(axis=0) / len(m))


@cohort_values("cum_gp")
def _cum_gp(c: CohortContext) -> np.ndarray:
    gm = np.asarray(c.gross_margin, dtype=float)

    def row(r: int, m: np.ndarray) -> np.ndarray:
        running = np.cumsum((m.sum(axis=0) * gm)[c.start(r) :])
        return running[c.ends(r) - c.start(r)]

    return c.by_row(row)


@cohort_values("cac")
def _cac(c: CohortContext) -> np.ndarray | None:
    if c.sm_spend is None:
        return None
    # the spend of the row's months from month 2 on, lagged as the catalog says (definitions.LAGGED_SPEND)
    spend = derive.period(
        LAGGED_SPEND,
        None,
        {"sm_spend": np.asarray(c.sm_spend, dtype=float)}.__getitem__,
        c.rows.first,
        c.rows.last,
        lambda k: 1,
        Windows(cac_lag=c.cac_lag),
    )
    out = np.where(c.tables["size"] > 0, spend, NAN)
    out[0] = NAN  # the opening base was not acquired in the data
    return out


@cohort_values("payback_age")
def _payback_age(c: CohortContext) -> np.ndarray | None:
    cac = c.tables.get("cac")
    if cac is None:
        return None
    out = np.full(len(cac), NAN)
    for r in np.flatnonzero(np.isfinite(cac)):
        reached = np.flatnonzero(c.tables["cum_gp"][r, : c.rows.ages(r)] >= cac[r])
        if reached.size:
            out[r] = float(reached[0])
    return out


def cohort_tables(
    mrr: np.ndarray,
    gross_margin: np.ndarray,
    sm_spend: np.ndarray | None,
    periods: Periods,
    cac_lag: int,
) -> CohortTables:
    rows = cohort_rows(periods)
    row = row_of(mrr, rows)
    members = [mrr[row == r] for r in range(len(rows))]
    ctx = CohortContext(rows, periods, members, gross_margin, sm_spend, cac_lag)
    for spec in COHORT_TABLES:
        if spec.needs_sm and sm_spend is None:
            continue
        values = COHORT_VALUES[spec.key](ctx)
        if values is not None:
            ctx.tables[spec.key] = values
    calendar = np.full((len(rows), mrr.shape[1]), NAN)
    for r, m in enumerate(members):
        start = ctx.start(r)
        calendar[r, start:] = m.sum(axis=0)[start:] if len(m) else 0.0
    t = ctx.tables
    return CohortTables(
        periods.grouping,
        rows,
        periods.partial[rows.period],
        dict(t),
        calendar,
        average_cohort(t["size"], t["cum_gp"], t.get("cac")),
    )


def cohort_order(mrr: np.ndarray, segment_numbers: np.ndarray | None = None) -> np.ndarray:
    """The row order that makes every cohort a contiguous block: clients by first paying month, then
    (with a split) by segment number, ties in input order, clients that never paid last. With segments,
    each segment's clients of one month cohort are a block too. A permutation of ``range(clients)``."""
    first = first_active(mrr)
    key = np.where(first >= 0, first, mrr.shape[1])
    if segment_numbers is None:
        return np.argsort(key, kind="stable")
    return np.lexsort((segment_numbers, key))  # stable: the last key sorts first
