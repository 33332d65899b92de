"""The executive summary: what the engine finds worth the board's attention this month.

A pure function of the results (and, for the clients, the MRR matrix):

- the KPIs that improved most and those that worsened most over the last :data:`SPAN` months: a rate
  (a percentage) moves in points, any other figure in per cent of its earlier value; which way is
  better comes from the catalog (the metric's own direction, else its benchmark's); a KPI without a value at either end, or
  an amount whose earlier value is 0, is left out;
- a ratio (a figure in "x") beyond twice as good as its benchmark's "good" mark at either end (above
  twice it when higher is better, under half of it when lower is better) is not ranked but named as set
  aside (:func:`beyond_the_mark`): its denominator is then small (a quick ratio of 24 when almost
  nothing churned), so that its per-cent change is large without meaning;
- when no ranked KPI worsened, the KPIs that improved but are still red against their benchmark
  (``still_poor``), so that "no KPI worsened" never stands beside a red figure unexplained;
- each segment's direction: its ARR now against :data:`SPAN` months ago, and its 12-month NRR;
- the largest client wins (MRR gained) and losses (MRR lost) over the same months;
- cash and runway at both ends of the span, when the company gives its cash balance (not ranked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbook_gen.definitions import BOARD_KPIS, BY_KEY, CASH, HIGHER, PCT, RATIO
from workbook_gen.metrics.customers import shown_names
from workbook_gen.metrics.engine import Results
from workbook_gen.model import InputData

SPAN = 3  # months: "over the last three months"
TOP = 3  # improvements and deteriorations shown
CLIENTS_SHOWN = 3  # wins and losses shown
# The KPIs the summary compares (the dashboard's, in its order, but cash): each needs a direction in
# the catalog.
CANDIDATES = tuple(k for k in BOARD_KPIS if BY_KEY[k].scope != CASH)
# Cash and runway are not ranked with them (a company's cash falls every month it burns), but said on a
# line of their own when the company gives its cash balance, so that a shortening runway is never silent.
CASH_KEYS = tuple(k for k in BOARD_KPIS if BY_KEY[k].scope == CASH)
MARK_FACTOR = 2.0  # a ratio "twice as good" as its benchmark's good mark is not ranked
FLAT = 0.5  # a segment's ARR moving less than this many per cent over the span is "flat"


@dataclass(frozen=True)
class Move:
    """One KPI over the span: ``change`` in points (``in_points``) or per cent; ``gain`` the change
    signed so that positive is better."""

    key: str
    label: str
    unit: str
    before: float
    after: float
    change: float
    in_points: bool
    gain: float


@dataclass(frozen=True)
class Level:
    """A KPI at the start and the end of the span; ``move`` None when its change cannot be said (no
    value at either end, as a runway that is not meaningful while the company generates cash)."""

    key: str
    before: float
    after: float
    move: Move | None


@dataclass(frozen=True)
class SegmentTrend:
    label: str
    arr: float
    arr_change_pct: float  # per cent over the span; NaN when undefined
    nrr: float  # latest 12-month NRR; NaN when undefined
    direction: str  # "growing", "flat", "shrinking" or "" (not enough history)


@dataclass(frozen=True)
class ClientMove:
    client: str  # the client's ID
    name: str  # what the pack calls it (metrics.customers.shown_names)
    before: float  # MRR SPAN months ago
    after: float  # MRR now
    change: float


@dataclass(frozen=True)
class Summary:
    month: object
    since: object  # the month the span starts from (None when the history is shorter)
    improved: tuple[Move, ...]
    worsened: tuple[Move, ...]
    segments: tuple[SegmentTrend, ...]
    wins: tuple[ClientMove, ...]
    losses: tuple[ClientMove, ...]
    cash: tuple[Level, ...] = ()  # cash balance and runway (when the company gives its cash)
    set_aside: tuple[Move, ...] = ()  # ratios beyond their benchmark's mark: not ranked (beyond_the_mark)
    still_poor: tuple[Move, ...] = ()  # when none worsened: improved, but red against the benchmark

    def cash_worsened(self) -> bool:
        """True when the cash balance or the runway (said apart from the ranking) fell."""
        return any(level.move is not None and level.move.gain < 0 for level in self.cash)


def better_higher(key: str) -> bool | None:
    """Which way is better for a KPI, from the catalog: True (higher), False (lower), None (not said)."""
    m = BY_KEY[key]
    if m.better is not None:  # a plannable metric says which way is better
        return m.better == HIGHER
    if m.benchmark is not None:
        return m.benchmark.higher
    return None


def move(key: str, before: float, after: float) -> Move | None:
    """The KPI's change from ``before`` to ``after``, or None when it cannot be said."""
    higher = better_higher(key)
    if higher is None or not (math.isfinite(before) and math.isfinite(after)):
        return None
    m = BY_KEY[key]
    if m.unit == PCT:
        change, in_points = (after - before) * 100.0, True
    else:
        if before == 0:
            return None
        change, in_points = (after - before) / abs(before) * 100.0, False
    change = round(change, 9)  # a residue of float arithmetic is no change
    return Move(key, m.label, m.unit, before, after, change, in_points, change if higher else -change)


def mark(key: str) -> float | None:
    """The value past which a ratio KPI is not ranked: :data:`MARK_FACTOR` times its benchmark's good
    mark when higher is better (quick ratio 10, magic number 2, LTV:CAC 6), the good mark divided by it
    when lower is better (burn multiple 0.5); None for a KPI that is not a ratio with such a mark."""
    m = BY_KEY[key]
    if m.unit != RATIO or m.benchmark is None or m.benchmark.good is None or m.benchmark.good <= 0:
        return None
    good = m.benchmark.good
    return good * MARK_FACTOR if m.benchmark.higher else good / MARK_FACTOR


def beyond_the_mark(mv: Move) -> bool:
    """True when a ratio is past its :func:`mark` at either end of the span: far better than its
    benchmark's good, its denominator is small and its per-cent change says little."""
    limit = mark(mv.key)
    if limit is None:
        return False
    if BY_KEY[mv.key].benchmark.higher:
        return max(mv.before, mv.after) > limit
    return min(mv.before, mv.after) < limit


def still_poor(moves: list[Move], shown: tuple[Move, ...]) -> tuple[Move, ...]:
    """The KPIs among ``moves`` that improved (and are not in ``shown``) but whose latest value is still
    red against their benchmark, in catalog order."""
    keys = {m.key for m in shown}
    return tuple(
        m
        for m in moves
        if m.gain > 0
        and m.key not in keys
        and BY_KEY[m.key].benchmark is not None
        and BY_KEY[m.key].benchmark.grade(m.after) == "poor"
    )


def kpi_moves(monthly: dict[str, np.ndarray], span: int = SPAN) -> list[Move]:
    """Every candidate KPI's move over the last ``span`` months (those that can be said)."""
    out = []
    for key in CANDIDATES:
        values = monthly.get(key)
        if values is None or len(values) <= span:
            continue
        mv = move(key, float(values[-1 - span]), float(values[-1]))
        if mv is not None:
            out.append(mv)
    return out


def levels(monthly: dict[str, np.ndarray], keys=CASH_KEYS, span: int = SPAN) -> tuple[Level, ...]:
    """Each of ``keys`` the scope has, ``span`` months ago and now (none with a shorter history)."""
    out = []
    for key in keys:
        values = monthly.get(key)
        if values is None or len(values) <= span:
            continue
        before, after = float(values[-1 - span]), float(values[-1])
        out.append(Level(key, before, after, move(key, before, after)))
    return tuple(out)


def rank(moves: list[Move], top: int = TOP) -> tuple[tuple[Move, ...], tuple[Move, ...]]:
    """The ``top`` largest improvements (gain > 0, largest first) and deteriorations (gain < 0, worst
    first); ties in catalog order."""
    improved = sorted((m for m in moves if m.gain > 0), key=lambda m: -m.gain)[:top]
    worsened = sorted((m for m in moves if m.gain < 0), key=lambda m: m.gain)[:top]
    return tuple(improved), tuple(worsened)


def segment_trend(label: str, monthly: dict[str, np.ndarray], span: int = SPAN) -> SegmentTrend:
    arr = monthly["arr"]
    nrr = monthly.get("nrr_12m")
    latest_nrr = float(nrr[-1]) if nrr is not None and len(nrr) else math.nan
    if len(arr) <= span or arr[-1 - span] == 0:
        return SegmentTrend(label, float(arr[-1]), math.nan, latest_nrr, "")
    pct = (float(arr[-1]) - float(arr[-1 - span])) / float(arr[-1 - span]) * 100.0
    direction = "flat" if abs(pct) < FLAT else "growing" if pct > 0 else "shrinking"
    return SegmentTrend(label, float(arr[-1]), pct, latest_nrr, direction)


TONE = {"growing": "good", "flat": "ok", "shrinking": "poor"}  # a direction's colour on its own


def trend_verdict(t: SegmentTrend) -> tuple[str, str | None]:
    """What the summary's trend cell says about a segment and its colour (``"good"``, ``"ok"``,
    ``"poor"`` or None): the ARR direction, unless the segment's 12-month NRR fails its benchmark — a
    segment whose ARR grows while it keeps less of last year's revenue than the benchmark's floor is
    not coloured as a success: "growing, but NRR 65%", in the NRR's red."""
    tone = TONE.get(t.direction)
    if not t.direction:
        return "", None
    if BY_KEY["nrr_12m"].benchmark.grade(t.nrr) == "poor" and tone != "poor":
        return f"{t.direction}, but NRR {t.nrr * 100:.0f}%", "poor"
    return t.direction, tone


def client_moves(
    client_ids, mrr: np.ndarray, span: int = SPAN, shown: int = CLIENTS_SHOWN, names=None
) -> tuple[tuple[ClientMove, ...], tuple[ClientMove, ...]]:
    """The clients whose MRR rose most (wins) and fell most (losses) between ``span`` months ago and
    the latest month; ties in input order. ``names``: what each client is called (its ID when None)."""
    if mrr.shape[1] <= span:
        return (), ()
    before, after = mrr[:, -1 - span], mrr[:, -1]
    change = np.round(after - before, 6)
    order = np.argsort(-change, kind="stable")
    wins = [i for i in order if change[i] > 0][:shown]
    order = np.argsort(change, kind="stable")
    losses = [i for i in order if change[i] < 0][:shown]

    def one(i):
        name = str(client_ids[i]) if names is None else names[i]
        return ClientMove(str(client_ids[i]), name, float(before[i]), float(after[i]), float(change[i]))

    return tuple(one(i) for i in wins), tuple(one(i) for i in losses)


def summarise(data: InputData, results: Results, span: int = SPAN) -> Summary:
    months = results.months
    moves = kpi_moves(results.total.monthly, span)
    set_aside = tuple(m for m in moves if beyond_the_mark(m))
    improved, worsened = rank([m for m in moves if m not in set_aside])
    poor = () if worsened else still_poor([m for m in moves if m not in set_aside], improved)
    segments = tuple(segment_trend(s.label, s.monthly, span) for s in results.segment_scopes())
    names = shown_names(data.client_ids, data.attributes)
    wins, losses = client_moves(data.client_ids, data.mrr, span, names=names)
    since = months[-1 - span] if len(months) > span else None
    cash = levels(results.total.monthly, span=span)
    return Summary(months[-1], since, improved, worsened, segments, wins, losses, cash, set_aside, poor)
