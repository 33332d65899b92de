"""The small language derived metrics are written in (docs/definitions.md, "How a metric is defined").

A derived metric is an expression over other series of the same scope: ratios, sums and differences,
a value some months back, a sum over a trailing window, the rounding rule for exact zeros, a "not
meaningful" test. The catalog (:mod:`workbook_gen.definitions`) states each derived metric once in
this language; renderers turn the one expression into

- numpy values, monthly and per period (:mod:`workbook_gen.metrics.derive`),
- Excel formula text, monthly rows and period rows (:mod:`workbook_gen.workbook.derived`),
- the readable formula and the "undefined when" rule of the Glossary and docs/definitions.md
  (:func:`text` and :func:`undefined_when` here).

Python operators build expressions: ``S("mrr_closing") / S("mrr_opening") - 1``; ``/`` is a
:class:`Ratio` (undefined where the denominator is 0). This module is data only: no numpy, no Excel.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a cell shows where a value is undefined, and where it is defined but not meaningful (a burn
# multiple when ARR did not grow). The one place these markers are spelt.
UNDEFINED = "n/a"
NOT_MEANINGFUL = "n/m"


class Expr:
    """A node. Operators make new nodes, so the catalog reads like the formulas it stands for."""

    def __add__(self, other):
        return Add((self, _wrap(other)))

    def __radd__(self, other):
        return Add((_wrap(other), self))

    def __sub__(self, other):
        return Sub(self, _wrap(other))

    def __rsub__(self, other):
        return Sub(_wrap(other), self)

    def __mul__(self, other):
        return Mul((self, _wrap(other)))

    def __rmul__(self, other):
        return Mul((_wrap(other), self))

    def __truediv__(self, other):
        return Ratio(self, _wrap(other))

    def __rtruediv__(self, other):
        return Ratio(_wrap(other), self)

    def __neg__(self):
        return Neg(self)


def _wrap(x) -> Expr:
    return x if isinstance(x, Expr) else Const(float(x))


@dataclass(frozen=True)
class S(Expr):
    """Another series of the same scope (in a period view: that series' period row)."""

    key: str


@dataclass(frozen=True)
class OfTotal(Expr):
    """A series of the total scope, read from a segment (for a segment's share of the total)."""

    key: str


@dataclass(frozen=True)
class Const(Expr):
    value: float


@dataclass(frozen=True)
class Setting(Expr):
    """A setting (the CAC window, the lifetime cap, …): a labelled cell on the Settings tab in the workbook."""

    key: str
    letter: str = ""  # how the documents write it (W, L, C)


@dataclass(frozen=True)
class Add(Expr):
    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Sub(Expr):
    a: Expr
    b: Expr


@dataclass(frozen=True)
class Mul(Expr):
    factors: tuple[Expr, ...]


@dataclass(frozen=True)
class Neg(Expr):
    x: Expr


@dataclass(frozen=True)
class Ratio(Expr):
    """num ÷ den; undefined where den is 0 (or either side undefined)."""

    num: Expr
    den: Expr


Length = int | Setting


@dataclass(frozen=True)
class Lag(Expr):
    """``x`` k months before this one (undefined where that reaches before the data)."""

    x: Expr
    k: Length


@dataclass(frozen=True)
class Window(Expr):
    """Σ of ``x`` over the ``length`` months ending ``lag`` months before this one."""

    x: Expr
    length: Length
    lag: Length = 0


@dataclass(frozen=True)
class Exact(Expr):
    """``x`` rounded to :data:`EXACT_DECIMALS` decimals, in the engine and in every formula, so that a
    difference of sums that is zero in exact arithmetic is exactly 0 in every spreadsheet engine."""

    x: Expr


EXACT_DECIMALS = 6


@dataclass(frozen=True)
class Positive(Expr):
    """``x`` where ``test`` > 0; otherwise defined but not meaningful (:data:`NOT_MEANINGFUL`)."""

    test: Expr
    x: Expr


@dataclass(frozen=True)
class CappedInverse(Expr):
    """min(1 ÷ r, cap) for a rate r = num ÷ den: the cap where r = 0, undefined where den = 0."""

    rate: Ratio
    cap: Expr


# --- period-view leaves (quarterly, annual, trailing twelve months) --------------------------------


@dataclass(frozen=True)
class MonthSum(Expr):
    """Σ over the period's months of a monthly series (or a product of two), each month shifted back
    ``lag`` months. Undefined where the shift reaches before the data or the period ends before the
    series starts."""

    x: Expr
    lag: Length = 0


@dataclass(frozen=True)
class AtEnd(Expr):
    """A monthly series at the period's last month (a stock)."""

    key: str


@dataclass(frozen=True)
class AtStart(Expr):
    """A monthly series at the month before the period (at month 1 for a period that starts there)."""

    key: str


@dataclass(frozen=True)
class Whole(Expr):
    """A period's flow of ``key``, but only for a period that starts on or after the series' first month
    (a sum that misses part of the period is undefined, not small)."""

    key: str


@dataclass(frozen=True)
class Previous(Expr):
    """The previous period's value of a period row (undefined for the first period)."""

    key: str


# --- walking an expression ---------------------------------------------------------------------


def children(e: Expr) -> tuple[Expr, ...]:
    if isinstance(e, Add):
        return e.terms
    if isinstance(e, Mul):
        return e.factors
    if isinstance(e, Sub | Ratio):
        return (e.a, e.b) if isinstance(e, Sub) else (e.num, e.den)
    if isinstance(e, Neg | Exact | Lag | Window | MonthSum):
        return (e.x,)
    if isinstance(e, Positive):
        return (e.test, e.x)
    if isinstance(e, CappedInverse):
        return (e.rate, e.cap)
    return ()


def refs(e: Expr) -> list[str]:
    """Keys of the series an expression reads, in order of appearance, each once."""
    out: list[str] = []

    def walk(node: Expr) -> None:
        if isinstance(node, S | Whole | Previous | OfTotal | AtEnd | AtStart) and node.key not in out:
            out.append(node.key)
        for c in children(node):
            walk(c)

    walk(e)
    return out


def can_be_undefined(e: Expr) -> bool:
    """Whether the expression can be undefined after its first month (a ratio, a test, a cap)."""
    if isinstance(e, Ratio | Positive | CappedInverse):
        return True
    return any(can_be_undefined(c) for c in children(e))


# --- first month with a value --------------------------------------------------------------------
# A month number is a constant plus a sum of settings (e.g. W + L): a Start is a set of such terms and
# means their maximum, so that windows set in the Cover stay symbolic in formulas and documents.

Term = tuple[int, tuple[str, ...]]


def _plus(start: frozenset[Term], k: Length, extra: int = 0) -> frozenset[Term]:
    add_c, add_s = (k, ()) if isinstance(k, int) else (0, (k.key,))
    return frozenset((c + add_c + extra, tuple(sorted(s + add_s))) for c, s in start)


def _max(*starts: frozenset[Term]) -> frozenset[Term]:
    best: dict[tuple[str, ...], int] = {}
    for start in starts:
        for c, s in start:
            best[s] = max(best.get(s, c), c)
    # settings are never negative: a constant no larger than another term's constant adds nothing
    if () in best and any(s and c >= best[()] for s, c in best.items()):
        del best[()]
    return frozenset((c, s) for s, c in best.items())


def first_month(e: Expr, first_of) -> frozenset[Term]:
    """The first month (1-based) in which ``e`` can have a value; ``first_of(key)`` gives a series'."""
    if isinstance(e, S | OfTotal):
        return first_of(e.key)
    if isinstance(e, Lag):
        return _plus(first_month(e.x, first_of), e.k)
    if isinstance(e, Window):
        return _plus(_plus(first_month(e.x, first_of), e.length, -1), e.lag)
    kids = children(e)
    if not kids:
        return frozenset({(1, ())})
    return _max(*(first_month(c, first_of) for c in kids))


def start_value(start: frozenset[Term], settings) -> int:
    """A Start as a number, for the given settings (an object with the settings as attributes)."""
    return max(c + sum(int(getattr(settings, k)) for k in s) for c, s in start)


# --- readable text (Glossary, docs/definitions.md) -------------------------------------------------


def _precedence(e: Expr) -> int:
    if isinstance(e, Add | Sub):
        return 1
    if isinstance(e, Mul | Ratio):
        return 2
    if isinstance(e, Neg):
        return 3
    if isinstance(e, Exact | Positive):
        return _precedence(e.x)
    return 4


def offset_text(const: int, lengths: tuple[Length, ...], name_of, base: str = "t", minus: str = "−") -> str:
    """``base`` minus a sum of lengths plus a constant, folded: ``t−2``, ``t−L−W+1`` (``name_of`` names
    a setting; the Excel renderer passes its cell names and ``-``)."""
    c, names = const, []
    for k in lengths:
        if isinstance(k, int):
            c -= k
        else:
            names.append(name_of(k))
    out = base + "".join(f"{minus}{n}" for n in names)
    return out + (f"+{c}" if c > 0 else f"{minus}{-c}" if c < 0 else "")


def text(e: Expr, label_of, letter_of=None) -> str:
    """The expression as a reader writes it: ``Closing MRR ÷ Opening MRR − 1``."""
    letter_of = letter_of or (lambda s: s.letter or s.key)

    def wrap(node: Expr, below: int) -> str:
        s = inner(node)
        return f"({s})" if _precedence(node) <= below else s

    def inner(node: Expr) -> str:
        if isinstance(node, S):
            return label_of(node.key)
        if isinstance(node, Whole):
            return f"{label_of(node.key)} (whole period)"
        if isinstance(node, OfTotal):
            return f"total {label_of(node.key)}"
        if isinstance(node, Previous):
            return f"previous period's {label_of(node.key)}"
        if isinstance(node, AtEnd):
            return f"{label_of(node.key)} at the period's last month"
        if isinstance(node, AtStart):
            return f"{label_of(node.key)} of the month before the period"
        if isinstance(node, Const):
            return f"{node.value:g}"
        if isinstance(node, Setting):
            return letter_of(node)
        if isinstance(node, Add):
            return " + ".join(wrap(t, 0) for t in node.terms)
        if isinstance(node, Sub):
            return f"{wrap(node.a, 0)} − {wrap(node.b, 1)}"
        if isinstance(node, Neg):
            return f"−{wrap(node.x, 2)}"
        if isinstance(node, Mul):
            return " × ".join(wrap(f, 1 if isinstance(f, Mul) else 2) for f in node.factors)
        if isinstance(node, Ratio):
            return f"{wrap(node.num, 1)} ÷ {wrap(node.den, 2)}"
        if isinstance(node, Lag):
            return f"{wrap(node.x, 3)}[{offset_text(0, (node.k,), letter_of)}]"
        if isinstance(node, Window):
            end = offset_text(0, (node.lag,), letter_of)
            first = offset_text(1, (node.lag, node.length), letter_of)
            return f"Σ {wrap(node.x, 3)}[{first} … {end}]"
        if isinstance(node, Exact | Positive):
            return inner(node.x)
        if isinstance(node, CappedInverse):
            return f"min(1 ÷ ({inner(node.rate)}), {inner(node.cap)})"
        if isinstance(node, MonthSum):
            shift = (
                ""
                if node.lag == 0
                else f", {inner(node.lag) if isinstance(node.lag, Expr) else node.lag} months earlier"
            )
            return f"Σ {wrap(node.x, 3)} over the period's months{shift}"
        raise TypeError(node)

    return inner(e)


def undefined_when(e: Expr, label_of, letter_of=None) -> list[tuple[str, str]]:
    """Why the expression can have no value, as (kind, phrase): ``zero`` (a denominator that is 0),
    ``nm`` (the "not meaningful" test fails), ``note`` (a cap or similar that is worth saying)."""
    out: list[tuple[str, str]] = []
    positive: list[Expr] = []

    def add(kind: str, phrase: str) -> None:
        if (kind, phrase) not in out:
            out.append((kind, phrase))

    def walk(node: Expr) -> None:
        if isinstance(node, Positive):
            add("nm", f"{text(node.test, label_of, letter_of)} ≤ 0")
            positive.append(node.test)
        if isinstance(node, CappedInverse):
            add("zero", f"{text(node.rate.den, label_of, letter_of)} = 0")
            add("note", f"the cap applies where {text(node.rate.num, label_of, letter_of)} = 0")
            walk(node.rate.num)
            walk(node.rate.den)
            return
        if isinstance(node, Ratio) and node.den not in positive:
            add("zero", f"{text(node.den, label_of, letter_of)} = 0")
        if isinstance(node, Previous):
            add("zero", "the period is the first (there is no previous period)")
        if isinstance(node, Whole):
            add("zero", f"the period starts before {label_of(node.key)} has values")
        for c in children(node):
            walk(c)

    walk(e)
    return out
