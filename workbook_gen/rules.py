"""What the catalog's expressions imply: each series' first month, when it is undefined, its readable
formula and period rule, and the catalog's consistency check. The catalog's data is in
:mod:`workbook_gen.definitions`; nothing here declares a metric."""

from __future__ import annotations

from functools import cache

from workbook_gen.definitions import (
    BY_KEY,
    CAP,
    FLOW,
    METRICS,
    PERIOD_KEYS,
    PERIOD_ONLY,
    SAME,
    STOCK,
    TRAILING_KEYS,
    TRAILING_ONLY,
    C,
    L,
    Metric,
    W,
    period_metric,
    period_rule,
)
from workbook_gen.expressions import (
    NOT_MEANINGFUL,
    UNDEFINED,
    AtEnd,
    AtStart,
    CappedInverse,
    Expr,
    MonthSum,
    Positive,
    Previous,
    Ratio,
    S,
    Whole,
    Window,
    can_be_undefined,
    children,
    first_month,
    refs,
    start_value,
    text,
    undefined_when,
)


@cache
def start(key: str):
    """First month (1-based, as a set of terms meaning their maximum; see expressions.first_month) in
    which the monthly series ``key`` can have a value."""
    m = BY_KEY[key]
    if m.expr is None:
        return frozenset({(m.first_month, ())})
    return first_month(m.expr, start)


def first_month_number(key: str, settings=None) -> int:
    """The first month (1-based) with a value for the given settings (defaults when None)."""
    from workbook_gen.settings import Settings  # settings has no dependency on the catalog

    return start_value(start(key), settings or Settings())


@cache
def can_be_undefined_after_start(key: str) -> bool:
    """Whether a monthly series can be undefined after its first month (a ratio, a test, or one it reads)."""
    m = BY_KEY[key]
    if m.expr is None:
        return bool(m.undefined_if)
    return can_be_undefined(m.expr) or any(can_be_undefined_after_start(k) for k in refs(m.expr))


@cache
def period_can_be_undefined(key: str) -> bool:
    """Whether a period row can be undefined in some period (so a formula reading it checks it)."""

    def may(e: Expr) -> bool:
        if isinstance(e, Ratio | Positive | CappedInverse | Whole | Previous):
            return True
        if isinstance(e, MonthSum | AtEnd | AtStart):
            return not all(start(k) == {(1, ())} and not can_be_undefined_after_start(k) for k in refs(e))
        if isinstance(e, S):
            return e.key != key and period_can_be_undefined(e.key)
        return any(may(c) for c in children(e))

    return may(period_rule(key))


def undefined_marker(key: str, month_number: int, settings=None) -> str:
    """What a monthly cell of ``key`` shows where it has no value: :data:`NOT_MEANINGFUL` for a metric
    whose value fails its "not meaningful" test inside the data (a burn multiple without ARR growth),
    :data:`UNDEFINED` otherwise."""
    m = BY_KEY.get(key)
    if m is not None and isinstance(m.expr, Positive) and month_number >= first_month_number(key, settings):
        return NOT_MEANINGFUL
    return UNDEFINED


def period_undefined_marker(key: str) -> str:
    return NOT_MEANINGFUL if isinstance(period_rule(key), Positive) else UNDEFINED


def label_of(key: str) -> str:
    return period_metric(key).label


def readable(e: Expr) -> str:
    """An expression as the Glossary and docs/definitions.md print it."""
    return text(e, label_of)


def undefined_rule(key: str) -> list[tuple[str, str]]:
    """Why a monthly series can have no value besides its first month, as (kind, phrase) pairs
    (expressions.undefined_when)."""
    m = BY_KEY[key]
    if m.expr is None:
        return [("zero", m.undefined_if)] if m.undefined_if else []
    return undefined_when(m.expr, label_of)


def month_text(first) -> str:
    """A first month (a set of terms meaning their maximum) as the documents write it: ``13``, ``W+1``,
    ``max(W+1, W+L)``."""
    letters = {m.key: m.letter for m in (W, L, C, CAP)}
    terms = []
    for c, names in sorted(first, key=lambda term: (len(term[1]), term[1], term[0])):
        parts = [letters.get(k, k) for k in sorted(names, key=lambda k: letters.get(k, k), reverse=True)]
        text = "+".join(parts) if parts else ""
        terms.append(text + (f"+{c}" if c > 0 and text else "" if text else str(c)))
    return terms[0] if len(terms) == 1 else f"max({', '.join(terms)})"


def undefined_sentence(key: str) -> str:
    """When a monthly series has no value, in one or two sentences (Glossary, docs/definitions.md)."""
    rules = undefined_rule(key)
    when = []
    if start(key) != {(1, ())}:
        when.append(f"before month {month_text(start(key))}")
    zero = [p for kind, p in rules if kind == "zero"]
    m = BY_KEY[key]
    if m.expr is not None:
        reads = [label_of(k) for k in refs(m.expr) if k in BY_KEY and can_be_undefined_after_start(k)]
        if reads:
            zero.append(" or ".join(reads) + " is undefined")
    if zero:
        when.append("where " + " or where ".join(zero))
    out = [f"Undefined ({UNDEFINED}) {' and '.join(when)}."] if when else []
    out += [f"Shown as {NOT_MEANINGFUL} (not meaningful) where {p}." for kind, p in rules if kind == "nm"]
    out += [f"{p[0].upper()}{p[1:]}." for kind, p in rules if kind == "note"]
    return " ".join(out)


PERIOD_RULE_TEXT = {FLOW: "sum of the period's months", STOCK: "value at the period's last month"}


def formula_text(m: Metric) -> str:
    """A metric's formula as the Glossary and docs/definitions.md print it: its rule in words, or for a
    derived metric without one, its expression rendered."""
    return m.formula or (readable(m.expr) if m.expr is not None else "")


def period_rule_text(key: str) -> str:
    m = period_metric(key)
    if m.period_note:
        return m.period_note
    if m.period in PERIOD_RULE_TEXT:
        return PERIOD_RULE_TEXT[m.period]
    return readable(period_rule(key)) + (", from the period's values" if m.period == SAME else "")


def check_catalog(metrics: tuple[Metric, ...]) -> None:
    """The catalog is consistent: every series an expression reads exists, and no window sums a series
    that can be undefined (a sum would silently read it as 0). Raises ValueError naming each problem."""
    problems = []
    by_key = {m.key: m for m in metrics}

    def windows(e: Expr):
        if isinstance(e, Window):
            yield e
        for c in children(e):
            yield from windows(c)

    for m in metrics:
        if m.expr is None:
            continue
        for k in refs(m.expr):
            if k not in by_key:
                problems.append(f"{m.key} reads {k!r}, which is not a metric.")
        for w in windows(m.expr):
            for k in refs(w.x):
                if k in by_key and can_be_undefined_after_start(k):
                    problems.append(f"{m.key} sums {k!r} over a window, but {k!r} can be undefined.")
    for key in PERIOD_KEYS + TRAILING_KEYS:
        for k in refs(period_rule(key)):
            if k not in BY_KEY and k not in PERIOD_ONLY and k not in TRAILING_ONLY:
                problems.append(f"the period row {key} reads {k!r}, which is not a metric.")
    if problems:
        raise ValueError("The metric catalog is inconsistent: " + " ".join(problems))


check_catalog(METRICS)
