"""The Excel formulas of the cohort tables: one function per table key of the catalog
(``definitions.COHORT_TABLES``), registered with ``@cohort_formula(key)``, as the aggregations are with
``@aggregation`` (their numpy functions: ``metrics/cohorts.py``, ``@cohort_values``).

A function gets a :class:`CohortCell` (where the cell is, which cohort row and age it means, and how
to refer to the cohort's clients and to the other tables) and returns the cell's formula.

Speed: the client rows are written in cohort order, so a cohort is a block of rows whose first and
last client row the Timeline's cohort-row table counts (``clientcalc.write_cohort_rows``); a cell
then sums that block alone, and a table costs clients × ages instead of clients × cohorts × ages.
Every such cell has the form IF(rows in order, block formula, scan of every client): after an edit
that moves a client to another cohort the tables stay exact (only slower) until the next build."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbook_gen.definitions import LAGGED_SPEND
from workbook_gen.names import period_edge_name
from workbook_gen.workbook.derived import PeriodRenderer
from workbook_gen.workbook.formulas import NA, column_slice, in_column, in_row, index, row_slice
from workbook_gen.workbook.layout import (
    CC_SEGMENT,
    CLIENT_BASE_COL,
    CLIENT_COHORT_COL,
    CR_FIRST,
    CR_LAST,
    CR_PERIOD,
    CR_ROWS_FIRST,
    CR_ROWS_LAST,
    SEGMENT_BLOCK_GROUPING,
    Layout,
)


class Blocks:
    """Formula texts for one grouping of one scope: a cohort's clients as its block of client rows
    (from the Timeline's cohort-row table; fast, while the rows are in cohort order), or as every
    client whose cohort column holds the cohort's row number (exact in any row order). A segment's
    month cohort is its own part of the cohort's block (``sub``: rows sorted by segment within a month
    cohort), summed without testing each client's segment; its other groupings test the segment
    column over the cohort's block."""

    def __init__(self, lay: Layout, here: str, g: str, number_cell: str | None, number: int | None = None):
        self.lay, self.here, self.g = lay, here, g
        self.number = number  # the segment's number (None for the total)
        self.sub = number is not None and g == SEGMENT_BLOCK_GROUPING
        self.ok = f"{lay.in_cohort_order(here)}=1"
        self.coh = lay.client_column(CLIENT_COHORT_COL[g], here)
        self.base = lay.client_column(CLIENT_BASE_COL[g], here)
        self.seg = lay.client_column(CC_SEGMENT, here)
        self.num = number_cell  # None for the total
        self.all_rows = f"ROWS({self.coh})"
        self.block = lay.mrr_block(here)

    def of_row(self, col: int, pc: str) -> str:
        """Column ``col`` (CR_…) of the Timeline's cohort-row table, for the cohort row in cell ``pc``."""
        return in_column(self.lay.cohort_rows_column(self.g, col, self.here), pc)

    def rows(self, pc: str) -> tuple[str, str]:
        """First and last client row of the cohort whose row number is in cell ``pc`` (a segment's month
        cohort: of the segment's part of it)."""
        if self.sub:
            lay, k = self.lay, self.number
            first, last = (lay.segment_rows_column(k, end, self.here) for end in (False, True))
            return in_column(first, pc), in_column(last, pc)
        return self.of_row(CR_ROWS_FIRST, pc), self.of_row(CR_ROWS_LAST, pc)

    @property
    def tests_segment(self) -> bool:
        """Whether the block formulas test each client's segment (a segment's quarter or year cohorts)."""
        return self.num is not None and not self.sub

    def column(self, month: str, first: str, last: str) -> str:
        """Client rows ``first``..``last`` of the MRR sheet in month number ``month``."""
        return f"{index(self.block, first, month)}:{index(self.block, last, month)}"

    def fast(self, fast_text: str, full_text: str) -> str:
        return f"IF({self.ok},{fast_text},{full_text})"

    def seg_rows(self, first: str, last: str) -> str:
        return column_slice(self.seg, first, last)

    def total(self, fast_rng: str, full_rng: str, pc: str, first: str, last: str) -> str:
        """Σ of a client column over the cohort (and segment)."""
        if not self.tests_segment:
            fast_text = f"SUM({fast_rng})"
        else:
            fast_text = f"SUMIFS({fast_rng},{self.seg_rows(first, last)},{self.num})"
        seg = "" if self.num is None else f",{self.seg},{self.num}"
        return self.fast(fast_text, f"SUMIFS({full_rng},{self.coh},{pc}{seg})")

    def count(self, pc: str, first: str, last: str, fast_rng: str | None = None, full_rng: str | None = None):
        """# cohort (and segment) clients, or of those with MRR > 0 in the given column."""
        fast_crit = [] if fast_rng is None else [fast_rng, '">0"']
        full_crit = [self.coh, pc] + ([] if full_rng is None else [full_rng, '">0"'])
        if self.tests_segment:
            fast_crit += [self.seg_rows(first, last), self.num]
        if self.num is not None:
            full_crit += [self.seg, self.num]
        fast_text = f"COUNTIFS({','.join(fast_crit)})" if fast_crit else f"{last}-{first}+1"
        return self.fast(fast_text, f"COUNTIFS({','.join(full_crit)})")

    def below_base(self, month: str, pc: str, first: str, last: str) -> str:
        """Σ over cohort clients now below their cohort base MRR of (now − base)."""
        now = self.column(month, first, last)
        base = column_slice(self.base, first, last)
        seg = f"--({self.seg_rows(first, last)}={self.num})," if self.tests_segment else ""
        fast_text = f"SUMPRODUCT({seg}--({now}<{base}),{now}-{base})"
        now = self.column(month, "1", self.all_rows)
        seg = "" if self.num is None else f"--({self.seg}={self.num}),"
        full_text = f"SUMPRODUCT(--({self.coh}={pc}),{seg}--({now}<{self.base}),{now}-{self.base})"
        return self.fast(fast_text, full_text)


@dataclass(frozen=True)
class CohortCell:
    """One cell of a cohort table, and what its formula may refer to.

    ``pc``: the cell holding the cohort's row number (1 = the opening base); ``size``: the cell holding
    its size; ``age``: the cell holding the age (None in a single-column table); ``at(key)``: this
    cohort's cell of table ``key`` at the same age (a single-column table: the cohort's one cell);
    ``at_age0(key)``: its age-0 cell; ``previous``: the cell one age before (ages > 0 only);
    ``ages_row(key)``: the cohort's row of ages in table ``key``."""

    g: str
    blocks: Blocks
    pc: str
    size: str
    age: str | None
    at: Callable[[str], str]
    at_age0: Callable[[str], str]
    ages_row: Callable[[str], str]
    previous: str | None
    gross_margin: str  # the scope's monthly gross margin row
    sm_spend: str | None  # the scope's monthly S&M row (None: no S&M column)
    calendar: str  # the cohort's row of MRR by calendar month (its hidden block)
    setting: Callable[[str], str]

    @property
    def lay(self) -> Layout:
        return self.blocks.lay

    def edge(self, which: str, k: str) -> str:
        """First or last month number of period ``k`` (a formula text) of the grouping."""
        return in_column(self.lay.place(period_edge_name(self.g, which)).range(self.blocks.here), k)

    @property
    def period(self) -> str:
        """The number of the period the cohort row is measured in (the opening base: the first)."""
        return self.blocks.of_row(CR_PERIOD, self.pc)

    @property
    def end_month(self) -> str:
        """The month number this age is read at: end(cohort period + age)."""
        return self.edge("last", f"{self.period}+{self.age}")

    @property
    def rows(self) -> tuple[str, str]:
        return self.blocks.rows(self.pc)

    def now(self) -> tuple[str, str]:
        """This age's MRR column over the cohort's block, and over every client."""
        f_c, l_c = self.rows
        b = self.blocks
        return b.column(self.end_month, f_c, l_c), b.column(self.end_month, "1", b.all_rows)

    def defined(self, body: str) -> str:
        """``body`` where the cohort has clients; n/a otherwise."""
        return f"=IF({self.size}=0,{NA},{body})"

    def of_mrr0(self, body: str) -> str:
        """``body`` over the cohort's age-0 MRR; n/a where that is undefined or 0."""
        mrr_0 = self.at_age0("mrr")
        return f"=IF(ISNUMBER({mrr_0}),IF({mrr_0}=0,{NA},{body}),{NA})"


CohortFormula = Callable[[CohortCell], str]
COHORT_FORMULAS: dict[str, CohortFormula] = {}
# The cached value a table shows where the engine has no number but the cohort is not undefined.
COHORT_TEXT: dict[str, str] = {"payback_age": "not yet"}


def cohort_formula(key: str):
    """Register the formula of cohort table ``key`` (its numpy function: ``metrics.cohorts``)."""

    def register(fn: CohortFormula) -> CohortFormula:
        COHORT_FORMULAS[key] = fn
        return fn

    return register


@cohort_formula("size")
def _size(c: CohortCell) -> str:
    f_c, l_c = c.rows
    size = c.blocks.count(c.pc, f_c, l_c)
    if c.blocks.tests_segment:  # a block with no client at all has no rows to count in
        size = f"IF({l_c}<{f_c},IF({c.blocks.ok},0,{size}),{size})"
    return f"={size}"


@cohort_formula("mrr")
def _mrr(c: CohortCell) -> str:
    # the cohort's MRR by calendar month (its hidden block), at this age's last month
    return c.defined(in_row(c.calendar, c.end_month))


@cohort_formula("nrr")
def _nrr(c: CohortCell) -> str:
    return c.of_mrr0(f"{c.at('mrr')}/{c.at_age0('mrr')}")


@cohort_formula("grr")
def _grr(c: CohortCell) -> str:
    # Σ min(now, base) = Σ base + Σ over clients below their base of (now − base); Σ base = age-0 MRR.
    f_c, l_c = c.rows
    mrr_0 = c.at_age0("mrr")
    return c.of_mrr0(f"({mrr_0}+{c.blocks.below_base(c.end_month, c.pc, f_c, l_c)})/{mrr_0}")


@cohort_formula("logo_retention")
def _logo_retention(c: CohortCell) -> str:
    f_c, l_c = c.rows
    now, now_all = c.now()
    return c.defined(f"{c.blocks.count(c.pc, f_c, l_c, now, now_all)}/{c.size}")


@cohort_formula("cum_gp")
def _cum_gp(c: CohortCell) -> str:
    before = f"IF({c.age}=0,0,{c.previous})"
    if c.g == "month":
        # one month per age: the cohort's MRR of that month (the MRR table) times its gross margin
        return c.defined(f"{before}+{c.at('mrr')}*{in_row(c.gross_margin, c.end_month)}")
    # the months of this age, from the cohort's calendar row, times each month's gross margin
    k = f"{c.period}+{c.age}"
    first, last = c.edge("first", k), c.edge("last", k)
    gp = f"SUMPRODUCT({row_slice(c.calendar, first, last)},{row_slice(c.gross_margin, first, last)})"
    return c.defined(f"{before}+{gp}")


@cohort_formula("cac")
def _cac(c: CohortCell) -> str:
    spend = PeriodRenderer(
        c.setting,
        first=c.blocks.of_row(CR_FIRST, c.pc),
        last=c.blocks.of_row(CR_LAST, c.pc),
        monthly_row=lambda _key: c.sm_spend,
    )
    return spend.formula(LAGGED_SPEND, [("na", f"OR({c.pc}=1,{c.size}=0)")])


@cohort_formula("payback_age")
def _payback_age(c: CohortCell) -> str:
    cac, gp_row, gp_0 = c.at("cac"), c.ages_row("cum_gp"), c.at_age0("cum_gp")
    # age 0 first: over a row of one age, Gnumeric's MATCH does not read the comparison as an array
    later = f'IFERROR(MATCH(TRUE,{gp_row}>={cac},0)-1,"not yet")'
    return f"{{=IF(ISNUMBER({cac}),IF({gp_0}>={cac},0,{later}),{NA})}}"
