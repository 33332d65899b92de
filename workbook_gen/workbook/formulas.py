"""The Excel formulas of the aggregations over clients and of the input reads, for one scope; the
derived series are rendered from the catalog by :mod:`workbook_gen.workbook.derived`.

Each formula is the same across the timeline: month-dependent parts come from the Timeline
row of month numbers, windows from the settings cells, and earlier months through
``INDEX(row, 1, t-k)``. Aggregation over clients uses SUMIFS / COUNTIFS where a criterion can
express the condition and SUMPRODUCT where two months must be compared client by client.
Undefined values are the text ``n/a`` (``n/m`` for a burn multiple without ARR growth).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from workbook_gen.definitions import BY_KEY
from workbook_gen.expressions import EXACT_DECIMALS, UNDEFINED
from workbook_gen.metrics.monthly import (  # noqa: F401 (the helper rows' names, used by the tabs)
    KEPT_COUNT,
    KEPT_NOW,
    KEPT_THEN,
    TOP_N,
    TOP_THRESHOLD,
)
from workbook_gen.model import SHEET_BURN, SHEET_GM, SHEET_SM
from workbook_gen.names import helper_row_name, series_name
from workbook_gen.workbook.layout import CC_FIRST, CC_SEGMENT, TL_DATE, Layout

NA = f'"{UNDEFINED}"'
GT0 = '">0"'


# --- INDEX in its portable form (README, "How the formulas are built") ----------------------------------------------------
# Every INDEX the workbook writes comes from these functions: always an explicit row AND column
# number, never the one-row / one-column shortcut INDEX(range, k) nor the whole-column
# INDEX(block, 0, k), which Gnumeric does not implement.


# A range of one cell, as layout.span writes it ("$C$33:$C$33", "'Timeline'!$C$33:$C$33").
_ONE_CELL = re.compile(r"^((?:'[^']*'|[^'!:]+)!)?(\$?[A-Z]{1,3}\$?\d+):\2$")


def index(rng: str, row: str | int, col: str | int) -> str:
    """Cell (row, col) of ``rng``. Over a range of one cell (a single period, a single month) it is that
    cell: Gnumeric answers #REF! to INDEX over one cell, even at (1, 1)."""
    one = _ONE_CELL.match(rng)
    if one:
        return f"{one.group(1) or ''}{one.group(2)}"
    return f"INDEX({rng},{row},{col})"


def in_row(row_range: str, k: str | int) -> str:
    """The k-th cell (1-based) of a one-row range."""
    return index(row_range, 1, k)


def in_column(col_range: str, k: str | int) -> str:
    """The k-th cell (1-based) of a one-column range."""
    return index(col_range, k, 1)


def row_slice(row_range: str, first: str | int, last: str | int) -> str:
    """Cells ``first``..``last`` of a one-row range, as a range."""
    return f"{in_row(row_range, first)}:{in_row(row_range, last)}"


def column_slice(col_range: str, first: str | int, last: str | int) -> str:
    """Cells ``first``..``last`` of a one-column range, as a range."""
    return f"{in_column(col_range, first)}:{in_column(col_range, last)}"


def block_column(block: str, height: int, k: str | int) -> str:
    """Column k of a block ``height`` rows high, as a range."""
    return f"{index(block, 1, k)}:{index(block, height, k)}"


def latest(row_name: str) -> str:
    """A named monthly row in the latest month."""
    return in_row(row_name, "COUNT(months)")


def rounded(expr: str) -> str:
    """``expr`` rounded as the engine rounds it (:func:`workbook_gen.metrics.monthly.exact`)."""
    return f"ROUND({expr},{EXACT_DECIMALS})"


@dataclass(frozen=True)
class ScopeRefs:
    """What restricts a scope: nothing for the total; for a segment, the Client calc segment
    column compared with the cell holding the segment's number."""

    slug: str | None = None
    number_cell: str | None = None  # absolute reference to the segment number
    sm_col: int | None = 1  # column of this scope's spend on the S&M sheet; None = no S&M
    burn_col: int | None = 1  # column of this scope's net burn on the Burn sheet; None = no burn
    cash_col: int | None = None  # column of the cash balance on the Burn sheet (the total, when given)


# Client-level aggregations and input reads, by metric key (everything the catalog does not derive). Their
# numpy side is registered with the same key in metrics/monthly.py (tests/test_catalog.py fails naming the
# side that is missing).
AGGREGATIONS: dict[str, Callable[[MonthlyFormulas, int], str]] = {}


class MissingFormula(LookupError):
    """A catalog metric without an expression has no Excel formula registered."""


def aggregation(key: str):
    def register(fn):
        AGGREGATIONS[key] = fn
        return fn

    return register


class MonthlyFormulas:
    def __init__(self, layout: Layout, refs: ScopeRefs, here: str):
        self.lay = layout
        self.refs = refs
        self.here = here

    # --- building blocks ----------------------------------------------------------------
    def name(self, key: str) -> str:
        return series_name(key, self.refs.slug)

    def c(self, key: str, i: int) -> str:
        """This scope's ``key`` in month i."""
        return self.lay.series_cell(self.name(key), i, self.here)

    def row(self, key: str) -> str:
        return self.lay.series_row(self.name(key), self.here)

    def back(self, key: str, i: int, k: str) -> str:
        """``key`` k months before month i."""
        return in_row(self.row(key), f"{self.t(i)}-{k}")

    def t(self, i: int) -> str:
        return self.lay.month_number(i, self.here)

    def cur(self, i: int) -> str:
        return self.lay.mrr_month(i, self.here)

    def prev(self, i: int) -> str:
        return self.lay.mrr_month(i - 1, self.here)

    def seg_criteria(self) -> str:
        if self.refs.number_cell is None:
            return ""
        return f",{self.lay.client_column(CC_SEGMENT, self.here)},{self.refs.number_cell}"

    def seg_condition(self) -> list[str]:
        if self.refs.number_cell is None:
            return []
        return [f"{self.lay.client_column(CC_SEGMENT, self.here)}={self.refs.number_cell}"]

    def sum_if(self, rng: str, *criteria: str) -> str:
        crit = "".join(f",{c}" for c in criteria) + self.seg_criteria()
        return f"SUMIFS({rng}{crit})" if crit else f"SUM({rng})"

    def count_if(self, *criteria: str) -> str:
        return f"COUNTIFS({','.join(criteria)}{self.seg_criteria()})"

    def seg_arguments(self) -> str:
        """The segment condition as leading SUMPRODUCT arguments (empty for the total)."""
        return "".join(f"--({c})," for c in self.seg_condition())

    def sumproduct(self, conditions: list[str], value: str | None = None) -> str:
        """Σ over clients meeting every condition (of ``value``, or a count). Each condition is its own
        ``--(…)`` argument: LibreOffice evaluates that form about a third faster than one product."""
        args = [f"--({c})" for c in self.seg_condition() + conditions]
        return f"SUMPRODUCT({','.join(args + ([value] if value else []))})"

    def setting(self, key: str) -> str:
        return self.lay.setting(key)

    @staticmethod
    def div(num: str, den: str) -> str:
        return f"IF({den}=0,{NA},{num}/{den})"

    def after(self, months: int, i: int, body: str) -> str:
        """``body`` from month ``months + 1`` on; n/a before (the window reaches before the data)."""
        return f"IF({self.t(i)}<{months + 1},{NA},{body})"

    def moved(self, i: int, body: str) -> str:
        return self.after(1, i, body)

    def monthly_input(self, sheet: str, col: int, i: int) -> str:
        lay = self.lay
        month = lay.timeline(TL_DATE, i, self.here)
        return f"SUMIFS({lay.input_column(sheet, col)},{lay.input_month_column(sheet)},{month})"

    # --- the series ---------------------------------------------------------------------
    def formula(self, key: str, i: int) -> str:
        """Month i of ``key``: rendered from the catalog's expression for a derived metric, else the
        hand-written aggregation over clients (or the input read) registered for it below."""
        if BY_KEY[key].expr is not None:
            from workbook_gen.workbook.derived import monthly_formula  # it reads the INDEX helpers here

            return monthly_formula(self, key, i)
        if key not in AGGREGATIONS:
            raise MissingFormula(
                f"no Excel formula for {key!r} (a catalog metric without an expression): register one with "
                f"@aggregation({key!r}) in workbook_gen/workbook/formulas.py"
            )
        body = AGGREGATIONS[key](self, i)
        return body if body.startswith("{=") else "=" + body

    def total_cell(self, key: str, i: int) -> str:
        """The total scope's ``key`` in month i (a segment's share of the total reads it)."""
        return self.lay.series_cell(series_name(key, None), i, self.here)

    # --- shared helper rows (one per month and scope) ------------------------------------
    def helper(self, what: str, i: int) -> str:
        """Month i of this scope's helper row ``what``."""
        return self.lay.series_cell(helper_row_name(what, self.refs.slug), i, self.here)

    def kept_formula(self, what: str, i: int) -> str:
        """The formula of month i of helper row ``what`` (KEPT_NOW, KEPT_THEN or KEPT_COUNT)."""
        p, c = self.prev(i), self.cur(i)
        body = {
            KEPT_NOW: lambda: self.sum_if(c, p, GT0),  # a client paying 0 now adds nothing
            KEPT_THEN: lambda: self.sum_if(p, c, GT0),
            KEPT_COUNT: lambda: self.count_if(p, GT0, c, GT0),
        }[what]()
        return "=" + self.moved(i, body)

    @aggregation("mrr_opening")
    def f_mrr_opening(self, i):
        # last month's closing MRR: the same clients' MRR, not a second scan of them
        return self.moved(i, self.back("mrr_closing", i, "1"))

    @aggregation("mrr_closing")
    def f_mrr_closing(self, i):
        return self.sum_if(self.cur(i))

    @aggregation("mrr_new")
    def f_mrr_new(self, i):
        new = self.sum_if(self.cur(i), self.lay.client_column(CC_FIRST, self.here), self.t(i))
        return self.moved(i, rounded(new))

    @aggregation("mrr_reactivation")
    def f_mrr_reactivation(self, i):
        # closing MRR less what clients paying last month pay now (the closing row, not a second scan)
        entering = f"{self.c('mrr_closing', i)}-{self.helper(KEPT_NOW, i)}"
        return self.moved(i, rounded(f"{entering}-{self.c('mrr_new', i)}"))

    @aggregation("mrr_expansion")
    def f_mrr_expansion(self, i):
        p, c = self.prev(i), self.cur(i)
        return self.moved(i, rounded(self.sumproduct([f"{p}>0", f"{c}>{p}"], f"{c}-{p}")))

    @aggregation("mrr_contraction")
    def f_mrr_contraction(self, i):
        # its own comparison of the two months, not expansion less the kept clients' change: the Checks
        # tab's bridge identity then tests expansion − contraction against the kept rows
        p, c = self.prev(i), self.cur(i)
        return self.moved(i, rounded(self.sumproduct([f"{c}>0", f"{c}<{p}"], f"{p}-{c}")))

    @aggregation("mrr_churn")
    def f_mrr_churn(self, i):
        # opening MRR less what was paid last month by clients still paying (helper row, not a rescan)
        return self.moved(i, rounded(f"{self.c('mrr_opening', i)}-{self.helper(KEPT_THEN, i)}"))

    @aggregation("clients_opening")
    def f_clients_opening(self, i):
        return self.moved(i, self.back("clients_closing", i, "1"))

    @aggregation("clients_new")
    def f_clients_new(self, i):
        return self.moved(i, self.count_if(self.lay.client_column(CC_FIRST, self.here), self.t(i)))

    @aggregation("clients_reactivated")
    def f_clients_reactivated(self, i):
        body = f"{self.c('clients_closing', i)}-{self.helper(KEPT_COUNT, i)}-{self.c('clients_new', i)}"
        return self.moved(i, body)

    @aggregation("clients_churned")
    def f_clients_churned(self, i):
        return self.moved(i, f"{self.c('clients_opening', i)}-{self.helper(KEPT_COUNT, i)}")

    @aggregation("clients_expanded")
    def f_clients_expanded(self, i):
        p, c = self.prev(i), self.cur(i)
        return self.moved(i, self.sumproduct([f"{p}>0", f"{c}>{p}"]))

    @aggregation("clients_contracted")
    def f_clients_contracted(self, i):
        p, c = self.prev(i), self.cur(i)
        return self.moved(i, self.sumproduct([f"{c}>0", f"{c}<{p}"]))

    @aggregation("clients_closing")
    def f_clients_closing(self, i):
        return self.count_if(self.cur(i), GT0)

    @aggregation("arpa_expanded")
    def f_arpa_expanded(self, i):
        p, c = self.prev(i), self.cur(i)
        total = self.sumproduct([f"{p}>0", f"{c}>{p}"], c)
        return self.moved(i, self.div(total, self.c("clients_expanded", i)))

    @aggregation("arpa_contracted")
    def f_arpa_contracted(self, i):
        p, c = self.prev(i), self.cur(i)
        total = self.sumproduct([f"{c}>0", f"{c}<{p}"], c)
        return self.moved(i, self.div(total, self.c("clients_contracted", i)))

    def _then(self, i):
        return block_column(self.lay.mrr_block(self.here), self.lay.mrr_rows, f"{self.t(i)}-12")

    @aggregation("nrr_12m")
    def f_nrr_12m(self, i):
        then = self._then(i)
        kept = self.sum_if(self.cur(i), then, GT0)
        return self.after(12, i, self.div(kept, self.back("mrr_closing", i, "12")))

    @aggregation("grr_12m")
    def f_grr_12m(self, i):
        # Σ min(now, then) = Σ then + Σ over clients now below their level of a year ago of (now − then)
        then, now = self._then(i), self.cur(i)
        base = self.back("mrr_closing", i, "12")
        kept = f"({base}+{self.sumproduct([f'{now}<{then}'], f'{now}-{then}')})"
        return self.after(12, i, self.div(kept, base))

    # --- concentration: the largest clients' MRR ---------------------------------------------
    def scope_values(self, i: int) -> str:
        """Month i's MRR of every client row, 0 outside this scope: the array LARGE and MAX read."""
        cur = self.cur(i)
        if self.refs.number_cell is None:
            return cur
        return f"IF({self.seg_condition()[0]},{cur},0)"

    def array(self, body: str) -> str:
        """``body`` as a one-cell array formula where it reads the segment's values as an array."""
        return body if self.refs.number_cell is None else "{=" + body + "}"

    def top_threshold(self, i: int) -> str:
        """The formula of month i's 10th largest client MRR in this scope (0 when fewer than ten clients
        pay; with fewer than ten client rows, the smallest): one LARGE per month, read by top10_share.
        LARGE skips blank cells (MRR 0), so where fewer numbers than that are left the answer is 0."""
        large = f"LARGE({self.scope_values(i)},MIN({TOP_N},ROWS({self.cur(i)})))"
        body = self.array(f"IFERROR({large},0)")
        return body if body.startswith("{=") else "=" + body

    def threshold_cell(self, i: int) -> str:
        return self.lay.series_cell(helper_row_name(TOP_THRESHOLD, self.refs.slug), i, self.here)

    @aggregation("top10_share")
    def f_top10_share(self, i):
        # Σ of the ten largest = Σ over clients above the 10th largest v of (MRR − v), plus 10 × v: ties at v
        # count once each, and no comparison goes through text (SUMIFS criteria would round v).
        cur, v = self.cur(i), self.threshold_cell(i)
        top = f"{self.sumproduct([f'{cur}>{v}'], f'{cur}-{v}')}+MIN({TOP_N},ROWS({cur}))*{v}"
        return self.div(f"({top})", self.c("mrr_closing", i))

    @aggregation("top1_share")
    def f_top1_share(self, i):
        closing = self.c("mrr_closing", i)
        return self.array(self.div(f"MAX({self.scope_values(i)})", closing))

    @aggregation("sm_spend")
    def f_sm_spend(self, i):
        if self.refs.sm_col is None:
            return NA  # no S&M column for this segment (the tab says so)
        return self.monthly_input(SHEET_SM, self.refs.sm_col, i)

    @aggregation("gross_margin")
    def f_gross_margin(self, i):
        return self.monthly_input(SHEET_GM, 1, i)

    @aggregation("net_burn")
    def f_net_burn(self, i):
        return self.monthly_input(SHEET_BURN, self.refs.burn_col or 1, i)

    @aggregation("cash_balance")
    def f_cash_balance(self, i):
        if self.refs.cash_col is None:
            raise ValueError("cash_balance is read only where the Burn sheet has a Cash balance column")
        return self.monthly_input(SHEET_BURN, self.refs.cash_col, i)
