"""What the catalog's expressions imply: each series' first month, when it is undefined, its readable
formula and period rule, and the catalog's consistency check. The catalog's data is in
:mod:`workbook_gen.definitions`; nothing here declares a metric."""

from __future__ import annotations

from functools import cache

from workbook_gen.definitions import (
    BY_KEY,
    CAP,
    FLOW,
    HIGHER,
    METRICS,
    PERIOD_ONLY,
    SAME,
    STOCK,
    TRAILING_KEYS,
    TRAILING_ONLY,
    C,
    L,
    Metric,
    R,
    W,
    period_metric,
    period_rule,
)
from workbook_gen.expressions import (
    NOT_MEANINGFUL,
    UNDEFINED,
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
    Positive,
    Previous,
    Ratio,
    S,
    Sub,
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
    return _without_covered_constant(first_month(m.expr, start))


def _without_covered_constant(first: frozenset) -> frozenset:
    """A constant term dropped where a term with settings is at least as large for every value the
    settings can take (``max(1, R)`` is ``R``: the runway window is at least 1)."""
    from workbook_gen.settings import SCHEMA  # settings has no dependency on the catalog

    constants = [c for c, names in first if not names]
    if not constants:
        return first

    def least(c: int, names: tuple[str, ...]) -> float:
        return c + sum(SCHEMA[k].low or 0 for k in names)

    if any(names and least(c, names) >= constants[0] for c, names in first):
        return frozenset(term for term in first if term[1])
    return first


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


def monthly_marker(key: str, i: int, settings=None) -> str:
    """What the cell of month ``i`` (0-based, as the engine's arrays) of ``key`` shows where it has no value:
    :data:`NOT_MEANINGFUL` for a metric whose value fails its "not meaningful" test inside the data (a burn
    multiple without ARR growth), :data:`UNDEFINED` otherwise."""
    m = BY_KEY.get(key)
    if m is not None and isinstance(m.expr, Positive) and i + 1 >= first_month_number(key, settings):
        return NOT_MEANINGFUL
    return UNDEFINED


def period_marker(key: str) -> str:
    """What a period view's cell of ``key`` shows where it has no value (as :func:`monthly_marker`)."""
    return NOT_MEANINGFUL if isinstance(period_rule(key), Positive) else UNDEFINED


def label_of(key: str) -> str:
    return period_metric(key).label


def readable(e: Expr) -> str:
    """An expression as the Glossary and docs/definitions.md print it."""
    return text(e, label_of)


def undefined_reasons(key: str) -> list[tuple[str, str]]:
    """Why a monthly series can have no value besides its first month, as (kind, phrase) pairs
    (expressions.undefined_when)."""
    m = BY_KEY[key]
    if m.expr is None:
        return [("zero", m.undefined_if)] if m.undefined_if else []
    return undefined_when(m.expr, label_of)


def month_text(first) -> str:
    """A first month (a set of terms meaning their maximum) as the documents write it: ``13``, ``W+1``,
    ``max(W+1, W+L)``."""
    letters = {m.key: m.letter for m in (W, L, C, CAP, R)}
    terms = []
    for c, names in sorted(first, key=lambda term: (len(term[1]), term[1], term[0])):
        parts = [letters.get(k, k) for k in sorted(names, key=lambda k: letters.get(k, k), reverse=True)]
        text = "+".join(parts) if parts else ""
        terms.append(text + (f"+{c}" if c > 0 and text else "" if text else str(c)))
    return terms[0] if len(terms) == 1 else f"max({', '.join(terms)})"


def undefined_sentence(key: str) -> str:
    """When a monthly series has no value, in one or two sentences (Glossary, docs/definitions.md)."""
    rules = undefined_reasons(key)
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


def _rule_in(m: Metric) -> Expr:
    """The period rule of a catalog entry (as definitions.period_rule, for an entry not yet in the catalog)."""
    return {FLOW: MonthSum(S(m.key)), STOCK: AtEnd(m.key), SAME: m.expr}.get(m.period, m.period)


def check_catalog(metrics: tuple[Metric, ...]) -> None:
    """The catalog is consistent: every series an expression reads exists, no window sums a series that can
    be undefined (a sum would silently read it as 0), and no period rule sums series over the period's
    months that start in different months unless it says how the first period is built (see
    :func:`first_period_problem`). Raises ValueError naming each problem."""
    problems = []
    by_key = {m.key: m for m in metrics}
    rows = {**by_key, **PERIOD_ONLY, **TRAILING_ONLY}
    starts: dict[str, frozenset] = {}

    def first(key: str) -> frozenset:
        if key not in starts:
            m = by_key[key]
            starts[key] = frozenset({(m.first_month, ())}) if m.expr is None else first_month(m.expr, first)
        return starts[key]

    def may_be_undefined(key: str) -> bool:
        m = by_key[key]
        if m.expr is None:
            return bool(m.undefined_if)
        return can_be_undefined(m.expr) or any(may_be_undefined(k) for k in refs(m.expr) if k in by_key)

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
                if k in by_key and may_be_undefined(k):
                    problems.append(f"{m.key} sums {k!r} over a window, but {k!r} can be undefined.")
    period_keys = [m.key for m in metrics if m.period is not None] + list(PERIOD_ONLY)
    checked: list[tuple[str, int]] = [(k, 1) for k in period_keys]
    checked += [(k, TRAILING_FIRST_MONTH) for k in TRAILING_KEYS if k not in period_keys]
    for key, earliest in checked:
        rule = _rule_in(rows[key])
        missing = [k for k in refs(rule) if k not in rows]
        problems += [f"the period row {key} reads {k!r}, which is not a metric." for k in missing]
        if not missing:
            problems += first_period_problems(key, rule, rows, first, earliest)
    if problems:
        raise ValueError("The metric catalog is inconsistent: " + " ".join(problems))


# The trailing twelve months start at month 2 at the earliest (month 1 has no movements).
TRAILING_FIRST_MONTH = 2


def _is_flow(rule: Expr, rows: dict[str, Metric], seen: tuple[str, ...] = ()) -> bool:
    """Whether a period rule is a flow: sums over the period's months, added, subtracted or scaled."""
    if isinstance(rule, MonthSum):
        return True
    if isinstance(rule, S):
        m = rows.get(rule.key)
        if m is None or m.period is None or rule.key in seen:
            return False
        return _is_flow(_rule_in(m), rows, (*seen, rule.key))
    if isinstance(rule, Add | Sub | Neg | Exact):
        return all(_is_flow(c, rows, seen) for c in children(rule))
    if isinstance(rule, Mul):
        flows = [f for f in rule.factors if not isinstance(f, Const)]
        return len(flows) == 1 and _is_flow(flows[0], rows, seen)
    return False


def period_sums(rule: Expr, rows: dict[str, Metric], first) -> list[tuple[Expr, frozenset]]:
    """The sums over the period's months a period rule reads, each with its first month: a ``MonthSum``
    (its first month shifted by its lag), and the flow rows it reads (a FLOW row such as new MRR, or a row
    whose rule is itself such sums). ``Whole``, ``Previous``, ``AtStart`` and ``AtEnd`` are not sums of a
    possibly partial period: each says how the first period is built."""
    out: list[tuple[Expr, frozenset]] = []

    def walk(e: Expr, seen: tuple[str, ...]) -> None:
        if isinstance(e, MonthSum):
            out.append((e, first_month(Lag(e.x, e.lag) if e.lag else e.x, first)))
        elif isinstance(e, S):
            m = rows.get(e.key)
            if m is not None and _is_flow(e, rows, seen):
                walk(_rule_in(m), (*seen, e.key))
        else:
            for c in children(e):
                walk(c, seen)

    walk(rule, ())
    return out


def _from(start: frozenset, earliest: int) -> frozenset:
    """A first month (a set of terms meaning their maximum) no earlier than ``earliest``, each constant
    term dropped where another term is at least as large."""
    terms = {*start, (earliest, ())}
    top = max(c for c, names in terms if not names)
    kept = {(c, names) for c, names in terms if names}
    return frozenset(kept | ({(top, ())} if all(c < top for c, _ in kept) else set()))


def first_period_problems(
    key: str, rule: Expr, rows: dict[str, Metric], first, earliest: int = 1
) -> list[str]:
    """Why a period rule would silently mix periods of different lengths: the sums over the period's months
    it reads start in different months (as the Glossary computes them), so its first period sums more
    months of one than of another (three months of S&M over two months of new MRR). The rule must then say
    how the first period is built, e.g. with ``Whole("clients_new")`` (undefined for a period that starts
    before the series has values), as CAC's does. ``earliest`` is the view's first month (the trailing
    twelve months never include month 1)."""
    sums = [(e, _from(s, earliest)) for e, s in period_sums(rule, rows, first)]
    if len({s for _, s in sums}) <= 1:
        return []
    label = lambda k: rows[k].label if k in rows else k  # noqa: E731
    listed = "; ".join(f"{text(e, label)} from month {month_text(s)}" for e, s in sums)
    return [
        f"the period row {key} sums series that start in different months ({listed}), so its first period "
        "would sum more months of one than of another; say how the first period is built (Whole(key) for a "
        "sum that is undefined while the series has no values, as CAC's rule does)."
    ]


check_catalog(METRICS)


# --- Plan vs actual (docs/definitions.md, Plan vs actual) -----------------------------------------------
def better_sentence(key: str) -> str:
    """A plannable metric's direction, as the Glossary and docs/definitions.md state it ("" otherwise)."""
    better = BY_KEY[key].better
    if better is None:
        return ""
    above = "above" if better == HIGHER else "below"
    return f"Plan vs actual: better {better}, so a result {above} plan is favourable."


def plan_is_flow(key: str) -> bool:
    """Whether quarter- and year-to-date sum the months (a flow: movements, counts, spend, burn) rather
    than read the last month with actuals (a stock or a rate)."""
    m = BY_KEY[key]
    return m.period == FLOW or (m.period == SAME and m.additive)


def windows(key: str) -> tuple[tuple[str, Length], ...]:
    """The rolling windows a monthly metric's value rests on, as (metric holding the window, its
    length: months or a setting such as the CAC window), each once, in order of appearance through the
    metrics it reads."""
    out: list[tuple[str, Length]] = []

    def walk(k: str, seen: tuple[str, ...]) -> None:
        m = BY_KEY.get(k)
        if m is None or m.expr is None or k in seen:
            return

        def visit(e: Expr) -> None:
            if isinstance(e, Window) and (k, e.length) not in out:
                out.append((k, e.length))
            for c in children(e):
                visit(c)

        visit(m.expr)
        for r in refs(m.expr):
            walk(r, (*seen, k))

    walk(key, ())
    return tuple(out)


def window_words(key: str, settings) -> str:
    """What the rolling windows of :func:`windows` cover, in the board's words, for these settings:
    "trailing 3 months", "trailing 12 and 3 months" (LTV:CAC: the churn window, then the CAC's); empty
    for a metric without one, or whose label already says it ("Quick ratio (3 months)")."""
    found = [n if isinstance(n, int) else getattr(settings, n.key) for _, n in windows(key)]
    lengths = [str(n) for n in dict.fromkeys(found)]
    if not lengths or (len(lengths) == 1 and f"{lengths[0]} months" in BY_KEY[key].label):
        return ""
    listed = lengths[0] if len(lengths) == 1 else f"{', '.join(lengths[:-1])} and {lengths[-1]}"
    return f"trailing {listed} month{'s' if lengths != ['1'] else ''}"
