"""What changed since last month's pack: restated metric values, client MRR that changed in months both
packs cover, clients that appeared in or disappeared from history, and changed settings.

Pure: last month's numbers arrive already read (:mod:`workbook_gen.inputs.pack` reads them into a
:class:`workbook_gen.model.PreviousPack`); nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from workbook_gen.expressions import UNDEFINED
from workbook_gen.metrics.engine import Results
from workbook_gen.model import COMPARED, InputData, PreviousPack, attribute_text
from workbook_gen.names import series_name

#: Two values are the same number when they differ by less than this (float noise of a recalculation).
REL_TOL, ABS_TOL = 1e-9, 1e-6
#: At most this many rows of each list are kept (the counts are always complete).
LIST_LIMIT = 5000

RESTATED, REMOVED, ADDED = "restated", "not in this pack", "new in history"


@dataclass(frozen=True)
class MetricChange:
    scope: str  # "Total" or the segment value
    slug: str | None
    key: str
    month: dt.date
    index: int  # 0-based month in this pack
    old: float  # NaN = undefined
    new: float


@dataclass(frozen=True)
class ClientChange:
    client_id: str
    month: dt.date
    index: int  # 0-based month in this pack
    old: float
    new: float
    status: str  # RESTATED, REMOVED (the client is not in this pack) or ADDED (not in last month's)


@dataclass(frozen=True)
class AttributeChange:
    client_id: str
    attribute: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class SettingChange:
    key: str
    old: object
    new: object


@dataclass(frozen=True)
class Changes:
    previous: str  # file name of last month's pack
    common: tuple[dt.date, ...]  # months both packs cover
    settings: tuple[SettingChange, ...]
    metrics: tuple[MetricChange, ...]  # at most LIST_LIMIT
    n_metric_values: int
    clients: tuple[ClientChange, ...]  # at most LIST_LIMIT
    n_client_cells: int
    attributes: tuple[AttributeChange, ...]  # at most LIST_LIMIT
    n_attribute_cells: int
    removed_clients: tuple[str, ...]  # had MRR in a common month last time, absent now
    added_clients: tuple[str, ...]  # absent last time, have MRR in a common month now
    dropped_scopes: tuple[str, ...]  # series scopes (slugs) of last month's pack that this one lacks

    @property
    def restated(self) -> bool:
        return bool(self.n_metric_values or self.n_client_cells or self.n_attribute_cells)

    @property
    def any(self) -> bool:
        return self.restated or bool(self.settings or self.dropped_scopes)

    def restated_months(self) -> list[dt.date]:
        return sorted({c.month for c in self.clients} | {c.month for c in self.metrics})

    def headline(self) -> str:
        if not self.common:
            return f"No month of this pack is in {self.previous}: there is no history to compare."
        span = f"{self.common[0]:%b %Y} – {self.common[-1]:%b %Y}"
        if not self.any:
            return (
                f"No restatement: every number of the {len(self.common)} months both packs cover ({span}) "
                f"is as in {self.previous}, and the settings are the same."
            )
        if not self.restated:
            return (
                f"History unchanged: every number of the {len(self.common)} months both packs cover ({span}) "
                f"is as in {self.previous}; only the settings or the segments differ (below)."
            )
        parts = []
        if self.n_client_cells:
            n_clients = len({c.client_id for c in self.clients})
            more = "+" if self.n_client_cells > len(self.clients) else ""
            parts.append(f"{self.n_client_cells:,} client-month(s) of MRR in {n_clients:,}{more} client(s)")
        if self.n_attribute_cells:
            parts.append(f"{self.n_attribute_cells:,} client attribute(s)")
        if self.n_metric_values:
            months = {c.month for c in self.metrics}
            parts.append(f"{self.n_metric_values:,} metric value(s) in {len(months)} month(s)")
        return f"History restated since {self.previous} ({span}): " + "; ".join(parts) + " changed."

    def summary_lines(self) -> list[str]:
        lines = [f"Changes since last pack: {self.headline()}"]
        if self.clients:
            shown = []
            for c in self.clients[:8]:
                shown.append(f"{c.client_id} {c.month:%Y-%m} {_num(c.old)} -> {_num(c.new)}")
            more = self.n_client_cells - len(shown)
            lines.append("  client MRR: " + "; ".join(shown) + (f"; and {more:,} more" if more > 0 else ""))
        if self.removed_clients:
            lines.append("  no longer in history: " + _names(self.removed_clients))
        if self.added_clients:
            lines.append("  new in history: " + _names(self.added_clients))
        for s in self.settings:
            lines.append(f"  setting {s.key}: {_plain(s.old)} -> {_plain(s.new)}")
        if self.dropped_scopes:
            lines.append("  segments of last month's pack not in this one: " + ", ".join(self.dropped_scopes))
        return [_safe(line) for line in lines]


def _safe(text: str) -> str:
    """Input text reaches the terminal without control characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _num(v: float) -> str:
    return UNDEFINED if np.isnan(v) else f"{v:,.2f}".rstrip("0").rstrip(".")


def _names(ids: tuple[str, ...], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def _plain(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "(blank)" if v is None or v == "" else str(v)


def differs(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Element-wise: not the same number (an undefined value and a number differ; two undefined agree)."""
    old, new = np.asarray(old, dtype=float), np.asarray(new, dtype=float)
    return ~np.isclose(new, old, rtol=REL_TOL, atol=ABS_TOL, equal_nan=True)


def _same_setting(old, new) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return _plain(old).strip().lower() == _plain(new).strip().lower()


def compare_packs(prev: PreviousPack, data: InputData, results: Results, shown: dict[str, object]) -> Changes:
    """Compare this pack (inputs ``data``, numbers ``results``, settings as the Cover shows them) with
    last month's pack, over the months both cover."""
    where = {m: j for j, m in enumerate(prev.months)}
    pairs = [(i, where[m]) for i, m in enumerate(results.months) if m in where]
    new_idx = np.array([i for i, _ in pairs], dtype=int)
    old_idx = np.array([j for _, j in pairs], dtype=int)
    common = tuple(results.months[i] for i in new_idx)

    settings = tuple(
        SettingChange(k, prev.settings.get(k), shown.get(k))
        for k in COMPARED
        if k in prev.settings and k in shown and not _same_setting(prev.settings.get(k), shown.get(k))
    )

    metrics: list[MetricChange] = []
    n_metric = 0
    slugs = set()
    for scope in results.scopes:
        slugs.add(scope.slug)
        for key, values in scope.monthly.items():
            old_series = prev.series.get(series_name(key, scope.slug))
            if old_series is None or not pairs:
                continue
            old, new = old_series[old_idx], np.asarray(values, dtype=float)[new_idx]
            hits = np.flatnonzero(differs(old, new))
            n_metric += len(hits)
            for h in hits[: max(0, LIST_LIMIT - len(metrics))]:
                i = int(new_idx[h])
                metrics.append(
                    MetricChange(
                        scope.label, scope.slug, key, results.months[i], i, float(old[h]), float(new[h])
                    )
                )
    dropped = sorted({n.split("__", 1)[1] for n in prev.series if "__" in n} - {s for s in slugs if s})

    clients, n_cells, removed, added = _client_changes(prev.inputs, data, new_idx, old_idx, results.months)
    attributes, n_attr = _attribute_changes(prev.inputs, data)
    return Changes(
        prev.name,
        common,
        settings,
        tuple(metrics),
        n_metric,
        tuple(clients),
        n_cells,
        tuple(attributes),
        n_attr,
        tuple(removed),
        tuple(added),
        tuple(dropped),
    )


def _client_changes(old: InputData, new: InputData, new_idx, old_idx, months):
    """MRR cells that differ in the common months, matched by Client ID (row order does not matter)."""
    old_row = {c: r for r, c in enumerate(old.client_ids)}
    new_row = {c: r for r, c in enumerate(new.client_ids)}
    old_block = old.mrr[:, old_idx] if len(old_idx) else np.zeros((old.n_clients, 0))
    new_block = new.mrr[:, new_idx] if len(new_idx) else np.zeros((new.n_clients, 0))
    out: list[ClientChange] = []
    n_cells = 0

    def add(cid, cols, old_values, new_values, status):
        nonlocal n_cells
        n_cells += len(cols)
        for c in cols[: max(0, LIST_LIMIT - len(out))]:
            i = int(new_idx[c])
            out.append(ClientChange(cid, months[i], i, float(old_values[c]), float(new_values[c]), status))

    added: list[str] = []
    zeros = np.zeros(len(new_idx))
    for cid, r in new_row.items():
        o = old_row.get(cid)
        if o is None:
            cols = np.flatnonzero(new_block[r] != 0)
            if len(cols):
                added.append(cid)
                add(cid, cols, zeros, new_block[r], ADDED)
        else:
            cols = np.flatnonzero(old_block[o] != new_block[r])
            if len(cols):
                add(cid, cols, old_block[o], new_block[r], RESTATED)
    removed: list[str] = []
    for cid, o in old_row.items():
        if cid not in new_row:
            cols = np.flatnonzero(old_block[o] != 0)
            if len(cols):
                removed.append(cid)
                add(cid, cols, old_block[o], zeros, REMOVED)
    return out, n_cells, removed, added


def _attribute_changes(old: InputData, new: InputData) -> tuple[list[AttributeChange], int]:
    old_row = {c: r for r, c in enumerate(old.client_ids)}
    out: list[AttributeChange] = []
    n = 0
    for attr, values in new.attributes.items():
        previous = old.attributes.get(attr)
        if previous is None:
            continue
        for r, cid in enumerate(new.client_ids):
            o = old_row.get(cid)
            if o is None:
                continue
            a, b = attribute_text(previous[o]), attribute_text(values[r])
            if a != b:
                n += 1
                if len(out) < LIST_LIMIT:
                    out.append(AttributeChange(cid, attr, a, b))
    return out, n
