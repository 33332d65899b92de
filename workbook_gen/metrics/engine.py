"""Everything the workbook and the exports show, computed once into frozen results."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from workbook_gen.definitions import GROUPINGS, MAX_SEGMENTS, TRAILING_KEYS, keys_for_scope
from workbook_gen.errors import SettingsError
from workbook_gen.metrics.arrays import Windows
from workbook_gen.metrics.cohorts import CohortTables, cohort_tables
from workbook_gen.metrics.customers import Customers, customers
from workbook_gen.metrics.monthly import helper_values, monthly_series
from workbook_gen.metrics.periods import Periods, make_periods, period_view, trailing_period
from workbook_gen.metrics.plan import PlanResults, plan_vs_actual
from workbook_gen.model import InputData, attribute_text
from workbook_gen.names import SLUG_MAX
from workbook_gen.settings import Settings

UNASSIGNED = "Unassigned"


def slugify(value: str) -> str:
    """``Self-serve`` → ``self_serve``: lower case, runs of other characters → ``_`` (docs/definitions.md,
    Defined names).

    A slug longer than :data:`SLUG_MAX` keeps its first 55 characters and ends in ``_`` and eight
    hexadecimal digits of the SHA-256 of the full slug, so it stays unique and every defined name
    stays within 255 characters."""
    slug = re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")
    if len(slug) > SLUG_MAX:
        digest = hashlib.sha256(slug.encode("utf-8")).hexdigest()[:8]
        slug = f"{slug[:55].rstrip('_')}_{digest}"
    return slug or "blank"


def trim(text: str) -> str:
    """Spaces removed at both ends and inner runs of spaces made one, as a spreadsheet's TRIM()."""
    return " ".join(part for part in text.split(" ") if part)


def segment_key(text: str) -> str:
    """Two split values are one segment when their keys are equal (docs/definitions.md, Scopes and
    segments): spreadsheet matching ignores case, and the workbook matches the trimmed text."""
    return trim(text).lower()


@dataclass(frozen=True, eq=False)
class Scope:
    """Total, or one value of the split attribute."""

    name: str  # "total" or "<split>=<value>" (the JSON scope key)
    label: str  # "Total" or the value
    slug: str | None
    number: int | None  # 1-based segment number; None for the total
    mask: np.ndarray | None
    has_sm: bool
    monthly: dict[str, np.ndarray]
    cohorts: dict[str, CohortTables]
    trailing: dict[str, float]  # the trailing twelve months (definitions.TRAILING_KEYS)
    quarterly: dict[str, np.ndarray] | None = None
    annual: dict[str, np.ndarray] | None = None
    helpers: dict[str, np.ndarray] = field(default_factory=dict)  # the workbook's helper rows (helper_values)

    @property
    def has_burn(self) -> bool:
        """The scope has its own net burn (the total, or a segment with a Burn column)."""
        return "net_burn" in self.monthly

    @property
    def is_total(self) -> bool:
        return self.number is None


@dataclass(frozen=True, eq=False)
class Results:
    months: tuple[dt.date, ...]
    settings: Settings
    split: str | None
    segments: tuple[str, ...]
    periods: dict[str, Periods]
    scopes: tuple[Scope, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)
    split_reason: str = ""  # why the split attribute was chosen (or none)
    plan: PlanResults | None = None  # the Plan input against the total's actuals, when given
    customers: Customers | None = None  # the largest clients and movements (total scope)

    @property
    def total(self) -> Scope:
        return self.scopes[0]

    def segment_scopes(self) -> tuple[Scope, ...]:
        return self.scopes[1:]


def choose_split(data: InputData, requested: str | None) -> str | None:
    """The split attribute: the one asked for, or the automatic choice (docs/definitions.md, Settings)."""
    return split_choice(data, requested)[0]


def split_choice(data: InputData, requested: str | None) -> tuple[str | None, str]:
    """The split attribute and why it was chosen: the one asked for; else a column named
    ``Segment`` with 2–12 values; else the first attribute with 2–12 distinct values that is not unique
    per client (a name or an ID never splits); else none."""
    if requested is not None and requested.strip().lower() == "none":
        return None, "segments turned off (split = none)"
    if requested is not None:
        names = {k.lower(): k for k in data.attributes}
        actual = names.get(requested.strip().lower())
        if actual is None:
            have = ", ".join(data.attributes) or "none"
            raise SettingsError(
                f"Split column {requested!r} is not an attribute of the MRR sheet (found: {have})."
            )
        count = len(segment_values(data, actual))
        if count > MAX_SEGMENTS:
            raise SettingsError(
                f"Split column {actual!r} has {count} distinct values; at most {MAX_SEGMENTS} make readable "
                "segment tabs. Choose a coarser column (e.g. a segment or region) or --split none."
            )
        return actual, "as set"
    counts = {name: _distinct(data.attributes[name]) for name in data.attributes}
    for name, (n, _unique) in counts.items():
        if name.strip().lower() == "segment" and 2 <= n <= MAX_SEGMENTS:
            return name, f"automatic: the column named {name!r} ({n} values)"
    skipped = []
    for name, (n, unique) in counts.items():
        if not 2 <= n <= MAX_SEGMENTS:
            continue
        if unique:
            skipped.append(name)
            continue
        why = f"automatic: the first attribute with 2-{MAX_SEGMENTS} values ({n})"
        if skipped:
            why += f"; {', '.join(map(repr, skipped))} skipped (a different value for every client)"
        return name, why
    if not data.attributes:
        return None, "automatic: none (the MRR sheet has no attribute columns)"
    why = f"automatic: none (no attribute has 2-{MAX_SEGMENTS} values shared by several clients)"
    return None, why


def _distinct(values: list) -> tuple[int, bool]:
    """How many distinct values, and whether every client has a value of its own."""
    texts = [segment_key(t) for t in map(attribute_text, values) if t is not None]
    n = len(set(texts))
    return n, len(values) > 1 and n == len(values)


def _segments(data: InputData, split: str) -> tuple[tuple[str, ...], list[str]]:
    """The segment values (named ones sorted, then ``Unassigned`` for blanks) and each client's.

    Values equal up to case and spaces (:func:`segment_key`) are one segment, shown with the first
    spelling in row order, trimmed; blanks join a value spelled ``Unassigned`` if any."""
    texts = [attribute_text(v) for v in data.attributes[split]]
    first: dict[str, str] = {}
    for text in texts:
        if text is not None:
            first.setdefault(segment_key(text), trim(text))
    values = sorted(first.values())
    if any(t is None for t in texts) and segment_key(UNASSIGNED) not in first:
        first[segment_key(UNASSIGNED)] = UNASSIGNED
        values.append(UNASSIGNED)
    labels = [first[segment_key(UNASSIGNED if t is None else t)] for t in texts]
    return tuple(values), labels


def segment_values(data: InputData, split: str) -> tuple[str, ...]:
    return _segments(data, split)[0]


def segment_labels(data: InputData, split: str) -> np.ndarray:
    return np.array(_segments(data, split)[1], dtype=object)


def segment_numbers(data: InputData, split: str | None) -> np.ndarray | None:
    """Each client's segment number (1 for the first of :func:`segment_values`), None without a split."""
    if split is None:
        return None
    return _numbers(*_segments(data, split))


def _numbers(values: tuple[str, ...], labels) -> np.ndarray:
    number = {v: k + 1 for k, v in enumerate(values)}
    return np.array([number[v] for v in labels], dtype=int)


def windows_of(settings: Settings) -> Windows:
    return Windows(
        settings.cac_window,
        settings.cac_lag,
        settings.ltv_churn_window,
        settings.lifetime_cap_months,
        settings.runway_window,
    )


def compute(data: InputData, settings: Settings) -> Results:
    """Every number of docs/definitions.md for the total and each segment."""
    data = data.up_to(settings.as_of)
    windows = windows_of(settings)
    periods = {g: make_periods(data.months, g, settings.fiscal_year_start) for g in GROUPINGS}
    warnings = list(data.warnings)

    def scope(name, label, slug, number, mask, sm, burn, cash=None) -> Scope:
        mrr = data.mrr if mask is None else data.mrr[mask]
        total = None if number is None else scopes[0].monthly
        monthly = monthly_series(mrr, sm, data.gross_margin, burn, windows, total, cash)
        trailing = period_view(monthly, trailing_period(len(data.months)), windows, TRAILING_KEYS)
        if sm is None:  # a segment without its own S&M column: its spend is unknown, not zero
            monthly["sm_spend"] = np.full(len(data.months), np.nan)
        keep = keys_for_scope(number is None, sm is not None, burn is not None, cash is not None)
        monthly = {k: monthly[k] for k in keep}
        cohorts = {
            g: cohort_tables(mrr, data.gross_margin, sm, periods[g], settings.cac_lag) for g in GROUPINGS
        }
        # every scope: the total and each segment (a segment without its own spend has no period row
        # that needs it, as it has no monthly CAC)
        own = {k: v for k, v in monthly.items() if sm is not None or k != "sm_spend"}
        views = {
            "quarterly": period_view(own, periods["quarter"], windows),
            "annual": period_view(own, periods["year"], windows),
        }
        trailing_values = {k: float(v[0]) for k, v in trailing.items()}
        helpers = helper_values(mrr, data.n_clients)
        return Scope(
            name,
            label,
            slug,
            number,
            mask,
            sm is not None,
            monthly,
            cohorts,
            trailing_values,
            **views,
            helpers=helpers,
        )

    scopes: list[Scope] = []
    scopes.append(scope("total", "Total", None, None, None, data.sm_spend, data.net_burn, data.cash_balance))
    split, split_reason = split_choice(data, settings.split)
    values: tuple[str, ...] = ()
    labels = None
    if split is not None:
        values, label_list = _segments(data, split)
        labels = np.array(label_list, dtype=object)
        sm_cols = {segment_key(k): v for k, v in data.sm_by_segment.items()}
        burn_cols = {segment_key(k): v for k, v in data.burn_by_segment.items()}
        used = set()
        slugs: set[str] = set()
        for number, value in enumerate(values, start=1):
            slug = slugify(value)
            while slug in slugs:
                slug += "_"
            slugs.add(slug)
            sm = sm_cols.get(segment_key(value))
            if sm is not None:
                used.add(segment_key(value))
            burn = burn_cols.get(segment_key(value))  # None: the segment's burn is unknown
            scopes.append(scope(f"{split}={value}", value, slug, number, labels == value, sm, burn))
        for k in data.sm_by_segment:
            if segment_key(k) not in used:
                warnings.append(f"S&M: column {k!r} matches no value of {split!r}; it is not used.")
        known = {segment_key(v) for v in values}
        for k in data.burn_by_segment:
            if segment_key(k) not in known:
                warnings.append(f"Burn: column {k!r} matches no value of {split!r}; it is not used.")
    plan = plan_results(data, settings, periods, scopes[0].monthly, warnings)
    return Results(
        data.months,
        settings,
        split,
        values,
        periods,
        tuple(scopes),
        tuple(warnings),
        split_reason,
        plan,
        customers(
            data.client_ids,
            data.attributes,
            data.mrr,
            labels,
            None if labels is None else _numbers(values, labels),
        ),
    )


def plan_version(data: InputData, settings: Settings) -> str | None:
    """The plan version the variances are against: ``plan_version``, or the last version listed; a
    version the plan does not list is refused, naming those it does. None without a plan."""
    if data.plan is None or not data.plan.lines:
        return None
    version = data.plan.version_named(settings.plan_version)
    if version is None:
        listed = (
            ", ".join(repr(v) for v in data.plan.versions if v) or "none (the plan has no Version column)"
        )
        raise SettingsError(
            f"plan_version {settings.plan_version!r} is not a version of the plan; versions: {listed}."
        )
    return version


def plan_results(
    data: InputData, settings: Settings, periods: dict[str, Periods], actuals: dict, warnings: list[str]
) -> PlanResults | None:
    """The chosen plan version against the total's actuals (None without a plan); a ``plan_version``
    the Plan input does not list is refused, naming the versions it does."""
    if data.plan is None or not data.plan.lines:
        if settings.plan_version is not None:
            warnings.append(f"plan_version {settings.plan_version!r} is set, but the inputs have no plan.")
        return None
    version = plan_version(data, settings)
    lines = data.plan.lines_of(version)
    absent = [line.text for line in lines if line.key not in actuals]
    if absent:
        warnings.append(
            f"Plan: no actuals to compare with for {', '.join(map(repr, absent))}; those rows are not compared."
        )
    return plan_vs_actual(
        lines, version, data.plan.months, data.months, actuals, periods, settings.fiscal_year_start, settings
    )
