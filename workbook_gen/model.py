"""The shared data model: the in-memory inputs every reader (:mod:`workbook_gen.inputs`) produces and
the metrics and the workbook consume, last month's pack as read for the monthly cycle, the names of the
input sheets and columns, and the month calendar (consecutive first days of months, Excel date serials).

It sits beside ``definitions`` and ``settings`` so that the packages meet here instead of importing one
another: nothing in this module reads a file or writes a workbook, and it imports none of the packages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

SHEET_MRR = "MRR"
SHEET_SM = "S&M"
SHEET_GM = "Gross margin"
SHEET_BURN = "Burn"
SHEET_COMMENTARY = "Commentary"  # optional input sheet: the CFO's words per month
SHEET_PLAN = "Plan"  # optional: the board's plan (docs/definitions.md, Plan vs actual)
INPUT_SHEETS = (SHEET_MRR, SHEET_SM, SHEET_GM, SHEET_BURN)
COL_CLIENT_ID = "Client ID"
COL_MONTH = "Month"
COL_SM = "Sales & marketing"
COL_GM = "Gross margin"
COL_BURN = "Net burn"
COL_CASH = "Cash balance"  # optional column of the Burn sheet
COL_COMMENTARY = "Commentary"
COL_METRIC = "Metric"
COL_VERSION = "Version"

#: The settings a pack's Cover carries to the next build (``as_of`` is not carried: it is the last
#: month of that pack, and carrying it would hide the month just added).
CARRIED = (
    "company",
    "currency",
    "split",
    "cac_window",
    "cac_lag",
    "ltv_churn_window",
    "lifetime_cap_months",
    "fiscal_year_start",
    "runway_window",
    "plan_version",
)
COMPARED = CARRIED

#: Day 0 of Excel's date serials (1900 date system, with its phantom 29 February 1900 folded in).
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True, eq=False)
class PlanLine:
    """One row of the Plan input: the metric it plans (a catalog key), the text it was named by, its
    version ("" when the plan has no versions) and one value per plan month (None where blank)."""

    key: str
    text: str
    version: str
    values: tuple[float | None, ...]


@dataclass(frozen=True, eq=False)
class PlanInput:
    """The optional Plan input: its months (any contiguous run, possibly past the last actual month),
    its rows in input order, and whether it has a ``Version`` column."""

    months: tuple[dt.date, ...]
    lines: tuple[PlanLine, ...]
    has_versions: bool = False

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions in the order they are first listed (spellings that differ only in case are one)."""
        first: dict[str, str] = {}
        for line in self.lines:
            first.setdefault(line.version.strip().lower(), line.version)
        return tuple(first.values())

    def version_named(self, wanted: str | None) -> str | None:
        """The version ``wanted`` names (case and surrounding spaces ignored), the last version listed
        when ``wanted`` is None; None when no version has that name."""
        if wanted is None:
            return self.versions[-1] if self.lines else None
        key = wanted.strip().lower()
        return next((v for v in self.versions if v.strip().lower() == key), None)

    def lines_of(self, version: str) -> tuple[PlanLine, ...]:
        key = version.strip().lower()
        return tuple(line for line in self.lines if line.version.strip().lower() == key)


@dataclass(frozen=True, eq=False)
class InputData:
    """Validated inputs.

    ``mrr`` is clients × months (float, blank read as 0); ``attributes`` maps each attribute
    column name to one value per client (text, number or None for blank), in sheet order.
    ``sm_by_segment`` holds the optional per-segment spend columns of the S&M sheet; ``cash_balance``
    the optional month-end cash of the Burn sheet (None without the column); ``commentary`` the optional
    Commentary sheet, one (month, text) per row in sheet order.
    """

    client_ids: tuple[str, ...]
    attributes: dict[str, list]
    months: tuple[dt.date, ...]
    mrr: np.ndarray
    sm_spend: np.ndarray
    gross_margin: np.ndarray
    net_burn: np.ndarray
    sm_by_segment: dict[str, np.ndarray] = field(default_factory=dict)
    burn_by_segment: dict[str, np.ndarray] = field(default_factory=dict)
    cash_balance: np.ndarray | None = None
    commentary: tuple[tuple[dt.date, str], ...] = ()
    source: str = ""
    checksums: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    plan: PlanInput | None = None

    @property
    def n_clients(self) -> int:
        return len(self.client_ids)

    @property
    def n_clients_ever(self) -> int:
        """The clients that paid in at least one of the months held: after ``up_to`` a client whose
        first paying month is later is still a row of the MRR sheet, but not a client yet."""
        return int((self.mrr > 0).any(axis=1).sum())

    @property
    def n_months(self) -> int:
        return len(self.months)

    def commentary_of(self, month: dt.date) -> str | None:
        """The Commentary sheet's text for ``month`` (None when there is none)."""
        return next((text for m, text in self.commentary if m == month), None)

    def up_to(self, as_of: dt.date | None) -> InputData:
        """The inputs with months after ``as_of`` dropped (the ``as_of`` setting)."""
        if as_of is None or as_of >= self.months[-1]:
            return self
        keep = sum(1 for m in self.months if m <= as_of)
        if keep == 0:
            from workbook_gen.errors import SettingsError

            raise SettingsError(
                f"as_of {as_of:%Y-%m} is before the first month of data ({self.months[0]:%Y-%m})."
            )
        return replace(
            self,
            months=self.months[:keep],
            mrr=self.mrr[:, :keep],
            sm_spend=self.sm_spend[:keep],
            gross_margin=self.gross_margin[:keep],
            net_burn=self.net_burn[:keep],
            sm_by_segment={k: v[:keep] for k, v in self.sm_by_segment.items()},
            burn_by_segment={k: v[:keep] for k, v in self.burn_by_segment.items()},
            cash_balance=None if self.cash_balance is None else self.cash_balance[:keep],
        )

    def same_data(self, other: InputData) -> bool:
        """True when both hold the same clients, attributes, months and numbers (source aside)."""
        return (
            self.client_ids == other.client_ids
            and self.months == other.months
            and list(self.attributes) == list(other.attributes)
            and all(
                [_norm(v) for v in self.attributes[k]] == [_norm(v) for v in other.attributes[k]]
                for k in self.attributes
            )
            and np.array_equal(self.mrr, other.mrr)
            and np.array_equal(self.sm_spend, other.sm_spend)
            and np.array_equal(self.gross_margin, other.gross_margin)
            and np.array_equal(self.net_burn, other.net_burn)
            and sorted(self.sm_by_segment) == sorted(other.sm_by_segment)
            and all(np.array_equal(v, other.sm_by_segment[k]) for k, v in self.sm_by_segment.items())
            and sorted(self.burn_by_segment) == sorted(other.burn_by_segment)
            and all(np.array_equal(v, other.burn_by_segment[k]) for k, v in self.burn_by_segment.items())
            and (self.cash_balance is None) == (other.cash_balance is None)
            and (self.cash_balance is None or np.array_equal(self.cash_balance, other.cash_balance))
            and self.commentary == other.commentary
        )


@dataclass(frozen=True, eq=False)
class PreviousPack:
    """Last month's pack as it was saved: its months, settings, named monthly series and inputs."""

    name: str
    months: tuple[dt.date, ...]
    settings: dict[str, object]  # as shown on its Cover (split as applied)
    series: dict[str, np.ndarray]  # defined name -> values on ``months`` (NaN = undefined)
    inputs: InputData


def next_month(d: dt.date) -> dt.date:
    """The first day of the month after ``d``'s month."""
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def month_range(start: dt.date, n: int) -> tuple[dt.date, ...]:
    """``n`` consecutive months from ``start`` (a first day of a month)."""
    out = [start]
    while len(out) < n:
        out.append(next_month(out[-1]))
    return tuple(out)


def _norm(v):
    return attribute_text(v)


def attribute_text(value) -> str | None:
    """An attribute value as text (numbers without a trailing .0); None for blank."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text.strip() else None
