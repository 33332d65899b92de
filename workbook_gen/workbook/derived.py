"""Excel formulas of the catalog's expressions (workbook_gen.expressions): monthly rows, period rows,
the trailing twelve months.

One renderer walks an expression and returns its formula text plus the checks that must pass before
the text may be evaluated, in order: the first month with a value, that every value read is a number,
that no denominator is 0 (inner ones first), the "not meaningful" test. The checks become nested IFs
(IF evaluates one branch only in every engine, so a division is never reached with a zero divisor).
Where the rendered value can be undefined the cell shows :data:`UNDEFINED` (or :data:`NOT_MEANINGFUL`).
The numpy side of the same expressions is workbook_gen.metrics.derive.
"""

from __future__ import annotations

from workbook_gen.definitions import BY_KEY, period_rule
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
    OfTotal,
    Positive,
    Previous,
    Ratio,
    S,
    Setting,
    Sub,
    Whole,
    Window,
    offset_text,
)
from workbook_gen.rules import can_be_undefined_after_start, period_can_be_undefined, start
from workbook_gen.workbook.formulas import in_row, rounded, row_slice

NA = f'"{UNDEFINED}"'
NM = f'"{NOT_MEANINGFUL}"'
_OPERATORS = set("+-*/^&=<>")


def atomic(text: str) -> bool:
    """Whether a formula text needs no parentheses as an operand (no operator outside brackets/quotes)."""
    depth, quote = 0, None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and ch in _OPERATORS:
            return False
    return True


def paren(text: str) -> str:
    return text if atomic(text) else f"({text})"


def number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def assemble(body: str, checks: list[tuple[str, str]]) -> str:
    """Wrap ``body`` in the checks (kind ``num``: the text must be a number; ``na``/``nm``: the condition
    makes the value undefined / not meaningful), first check outermost."""
    seen, unique = set(), []
    for c in checks:
        if c not in seen:
            seen.add(c)
            unique.append(c)
    out, k = body, len(unique)
    while k > 0:
        kind, text = unique[k - 1]
        if kind == "num":
            j = k - 1
            while j > 0 and unique[j - 1][0] == "num":
                j -= 1
            cells = [t for _, t in unique[j:k]]
            test = (
                f"ISNUMBER({cells[0]})"
                if len(cells) == 1
                else f"AND({','.join(f'ISNUMBER({c})' for c in cells)})"
            )
            out = f"IF({test},{out},{NA})"
            k = j
        else:
            out = f"IF({text},{NA if kind == 'na' else NM},{out})"
            k -= 1
    return out


class Renderer:
    """Walks one expression; subclasses say how a series, a lag, a window… is referenced."""

    def __init__(self, setting):
        self.setting = setting  # key -> the defined name of a setting cell
        self.checks: list[tuple[str, str]] = []
        self._positive: list[Expr] = []

    def length(self, k: Length) -> str:
        return str(k) if isinstance(k, int) else self.setting(k.key)

    def offset(self, base: str, const: int, lengths: tuple[Length, ...]) -> str:
        """``base`` minus the lengths plus ``const``, folded: ``t-2``, ``t-L-W+1``."""
        return offset_text(const, lengths, lambda k: self.setting(k.key), base, "-")

    def render(self, e: Expr) -> str:
        if isinstance(e, Const):
            return number(e.value)
        if isinstance(e, Setting):
            return self.setting(e.key)
        if isinstance(e, Add):
            return "+".join(self.render(t) for t in e.terms)
        if isinstance(e, Sub):
            a = self.render(e.a)
            return f"{a}-{paren(self.render(e.b))}"
        if isinstance(e, Mul):
            return "*".join(paren(self.render(f)) for f in e.factors)
        if isinstance(e, Neg):
            return f"-{paren(self.render(e.x))}"
        if isinstance(e, Ratio):
            num, den = self.render(e.num), self.render(e.den)
            if e.den not in self._positive:
                self.checks.append(("na", f"{den}=0"))
            return f"{paren(num)}/{paren(den)}"
        if isinstance(e, Exact):
            return rounded(self.render(e.x))
        if isinstance(e, Positive):
            test = self.render(e.test)
            self.checks.append(("nm", f"{test}<=0"))
            self._positive.append(e.test)
            try:
                return self.render(e.x)
            finally:
                self._positive.pop()
        if isinstance(e, CappedInverse):
            num, den = self.render(e.rate.num), self.render(e.rate.den)
            self.checks.append(("na", f"{den}=0"))
            cap = self.render(e.cap)
            return f"IF({num}=0,{cap},MIN({paren(den)}/{paren(num)},{cap}))"
        return self.leaf(e)

    def leaf(self, e: Expr) -> str:
        raise TypeError(f"{type(e).__name__} cannot be written here")

    def formula(self, e: Expr, first_checks: list[tuple[str, str]] = ()) -> str:
        self.checks = list(first_checks)
        body = self.render(e)
        return "=" + assemble(body, self.checks)


class MonthRenderer(Renderer):
    """A monthly row's cell in month i (:class:`workbook_gen.workbook.formulas.MonthlyFormulas` says
    where the series, the month number and the settings are)."""

    def __init__(self, f, i: int):
        super().__init__(f.setting)
        self.f, self.i = f, i

    def _read(self, key: str, text: str) -> str:
        if can_be_undefined_after_start(key):
            self.checks.append(("num", text))
        return text

    def leaf(self, e: Expr) -> str:
        f, i = self.f, self.i
        if isinstance(e, S):
            return self._read(e.key, f.c(e.key, i))
        if isinstance(e, OfTotal):
            return self._read(e.key, f.total_cell(e.key, i))
        if isinstance(e, Lag) and isinstance(e.x, S):
            return self._read(e.x.key, in_row(f.row(e.x.key), self.offset(f.t(i), 0, (e.k,))))
        if isinstance(e, Window):
            return self.window(e.x, e.length, e.lag)
        return super().leaf(e)

    def window(self, x: Expr, n: Length, lag: Length) -> str:
        """Σ over the window, distributed over sums and differences down to single series."""
        if isinstance(x, Add):
            return "+".join(self.window(t, n, lag) for t in x.terms)
        if isinstance(x, Sub):
            return f"{self.window(x.a, n, lag)}-{paren(self.window(x.b, n, lag))}"
        if isinstance(x, Neg):
            return f"-{paren(self.window(x.x, n, lag))}"
        if isinstance(x, S):
            t = self.f.t(self.i)
            first, last = self.offset(t, 1, (lag, n)), self.offset(t, 0, (lag,))
            return f"SUM({row_slice(self.f.row(x.key), first, last)})"
        raise TypeError("a window sums series, their sums and differences")

    def start_check(self, key: str) -> list[tuple[str, str]]:
        """Before the metric's first month (its windows reach before the data): undefined."""
        t = self.f.t(self.i)
        terms = []
        for c, names in sorted(start(key), key=lambda term: (len(term[1]), term[1], term[0])):
            if not names and c <= 1:
                continue
            bound = "+".join(self.setting(k) for k in names)
            bound = (bound + (f"+{c}" if c > 0 else f"-{-c}" if c < 0 else "")) if bound else str(c)
            terms.append(f"{t}<{bound}")
        if not terms:
            return []
        return [("na", terms[0] if len(terms) == 1 else f"OR({','.join(terms)})")]


def monthly_formula(f, key: str, i: int) -> str:
    """The formula of month i of the derived metric ``key``."""
    r = MonthRenderer(f, i)
    return r.formula(BY_KEY[key].expr, r.start_check(key))


class PeriodRenderer(Renderer):
    """A period's value: a column of the Quarterly or Annual tab, or the trailing twelve months.

    ``first``/``last``: formula texts of the period's first and last month numbers; ``number``: the
    period's number (for the previous period) or None; ``row_cell(key)``: this period's cell of a
    period row, or None where the view has no such row (then the row's rule is written in place);
    ``previous_cell(key)``: the previous period's cell; ``monthly_row(key)``: the monthly row."""

    def __init__(self, setting, first, last, monthly_row, row_cell=None, previous_cell=None, number=None):
        super().__init__(setting)
        self.first, self.last, self.number = first, last, number
        self.monthly_row = monthly_row
        self.row_cell = row_cell or (lambda key: None)
        self.previous_cell = previous_cell

    def value(self, key: str) -> str:
        cell = self.row_cell(key)
        if cell is None:
            return self.render(period_rule(key))
        if period_can_be_undefined(key):
            self.checks.append(("num", cell))
        return cell

    def _month_start(self, keys: list[str]) -> int:
        return max(max(c for c, _ in start(k)) for k in keys)

    def leaf(self, e: Expr) -> str:
        if isinstance(e, S):
            return self.value(e.key)
        if isinstance(e, Whole):
            begins = self._month_start([e.key])
            if begins > 1:
                self.checks.append(("na", f"{self.first}<{begins}"))
            return self.value(e.key)
        if isinstance(e, Previous):
            if self.previous_cell is None or self.number is None:
                raise TypeError("this view has no previous period")
            self.checks.append(("na", f"{self.number}=1"))
            cell = self.previous_cell(e.key)
            if period_can_be_undefined(e.key):
                self.checks.append(("num", cell))
            return cell
        if isinstance(e, AtEnd):
            text = in_row(self.monthly_row(e.key), self.last)
            if self._month_start([e.key]) > 1 or can_be_undefined_after_start(e.key):
                self.checks.append(("num", text))
            return text
        if isinstance(e, AtStart):
            return in_row(self.monthly_row(e.key), f"MAX({self.first}-1,1)")
        if isinstance(e, MonthSum):
            return self.month_sum(e.x, e.lag)
        return super().leaf(e)

    def month_sum(self, x: Expr, lag: Length) -> str:
        if isinstance(x, S):
            keys = [x.key]
        elif isinstance(x, Mul) and all(isinstance(f, S) for f in x.factors):
            keys = [f.key for f in x.factors]
        else:
            raise TypeError("MonthSum reads a series or a product of series")
        first = self.offset(self.first, 0, (lag,))
        last = self.offset(self.last, 0, (lag,))
        if lag != 0:
            self.checks.append(("na", f"{first}<1"))
        begins = self._month_start(keys)
        if begins > 1:
            self.checks.append(("na", f"{last}<{begins}"))
        slices = [row_slice(self.monthly_row(k), first, last) for k in keys]
        return f"SUM({slices[0]})" if len(slices) == 1 else f"SUMPRODUCT({','.join(slices)})"


def period_formula(renderer: PeriodRenderer, key: str) -> str:
    return renderer.formula(period_rule(key))
