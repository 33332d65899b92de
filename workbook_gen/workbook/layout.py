"""Where everything sits in the workbook, and how to refer to it.

One timeline: month ``i`` (0-based) is in column :data:`FIRST_COL` + i on every monthly sheet.
Every formula in the workbook gets its references from here, so no tab does address
arithmetic of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from workbook_gen.model import SHEET_MRR
from workbook_gen.names import setting_name

FIRST_COL = 4  # column E: the first month on every monthly sheet
HEADER_ROWS = 4  # title, subtitle, blank, month header
DATE_ROW = 3  # the row of month dates on monthly sheets

TIMELINE = "Timeline"
CLIENT_CALC = "Client calc"

# Rows of the Timeline sheet.
TL_DATE, TL_NUMBER, TL_FY, TL_FPOS, TL_QUARTER, TL_YEAR, TL_QLABEL, TL_YLABEL, TL_MLABEL = range(3, 12)
TIMELINE_ROWS = {"month": TL_NUMBER, "quarter": TL_QUARTER, "year": TL_YEAR}
TIMELINE_LABELS = {"month": TL_MLABEL, "quarter": TL_QLABEL, "year": TL_YLABEL}

# Columns of the Client calc sheet.
CC_ID, CC_FIRST, CC_QUARTER, CC_YEAR, CC_SEGMENT, CC_BASE_M, CC_BASE_Q, CC_BASE_Y = range(8)
CLIENT_COHORT_COL = {"month": CC_FIRST, "quarter": CC_QUARTER, "year": CC_YEAR}
# MRR at the end of the client's cohort period (the base its cohort GRR is measured against).
CLIENT_BASE_COL = {"month": CC_BASE_M, "quarter": CC_BASE_Q, "year": CC_BASE_Y}
# Cohort order: the first paying month column is the sort key (months + 1 for a client who
# never paid), and one cell says whether every row is in order (header in row 1, the cell in row 2).
CC_ORDER_OK = 9
# The customers page's scores, one column per (window, movement) from CC_MOVERS on: each client's MRR
# won or lost in that movement over the window ending at the latest month, 0 for other clients.
CC_MOVERS = 11
# Columns of each grouping's cohort-row table on the Timeline (one row per cohort row: the opening base,
# then each period from the one holding month 2): its label, its number, the period it is measured in,
# the first and last month a client's first paying month must fall in, and its block of client rows
# (1-based; an empty cohort has last = first - 1).
CR_LABEL, CR_NUMBER, CR_PERIOD, CR_FIRST, CR_LAST, CR_ROWS_FIRST, CR_ROWS_LAST = range(7)
# With a split, the month grouping's table goes on with each segment's part of the cohort's block (rows
# in cohort order are sorted by segment within a month cohort): first and last client row, two columns
# per segment number from this column on.
CR_SEGMENT_ROWS = 7
# The month grouping is the one whose cohorts hold one first paying month each.
SEGMENT_BLOCK_GROUPING = "month"


@lru_cache(maxsize=1 << 16)  # formula texts ask for the same references again and again
def cell(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    return xl_rowcol_to_cell(row, col, row_abs, col_abs)


@lru_cache(maxsize=1 << 16)
def span(r1: int, c1: int, r2: int, c2: int, row_abs: bool = True, col_abs: bool = True) -> str:
    return f"{cell(r1, c1, row_abs, col_abs)}:{cell(r2, c2, row_abs, col_abs)}"


@lru_cache(maxsize=1 << 16)
def on(sheet: str, ref: str, here: str | None = None) -> str:
    """``ref`` qualified with its sheet, unless the formula lives on that sheet."""
    return ref if sheet == here else f"{quote_sheetname(sheet)}!{ref}"


@dataclass(frozen=True)
class Place:
    """A named block: ``height`` rows × ``width`` columns from (row, col) on ``sheet``."""

    sheet: str
    row: int
    col: int
    width: int = 1
    height: int = 1

    def range(self, here: str | None = None) -> str:
        return on(
            self.sheet, span(self.row, self.col, self.row + self.height - 1, self.col + self.width - 1), here
        )


class Layout:
    def __init__(
        self,
        n_clients: int,
        n_months: int,
        n_attributes: int,
        periods: dict[str, int],
        cohort_rows: dict[str, int] | None = None,
    ):
        self.n_clients = n_clients
        self.n_months = n_months
        self.n_attributes = n_attributes
        self.n_periods = periods
        self.n_cohorts = cohort_rows or dict(periods)  # grouping -> rows of its cohort tables
        self.places: dict[str, Place] = {}
        self.period_tables: dict[str, int] = {}  # grouping -> first row of its table on the Timeline
        self.cohort_row_tables: dict[str, int] = {}  # grouping -> first row of its cohort-row table

    # --- the monthly timeline -----------------------------------------------------------
    @staticmethod
    def col(i: int) -> int:
        return FIRST_COL + i

    @property
    def last_col(self) -> int:
        return FIRST_COL + self.n_months - 1

    def timeline(self, row: int, i: int, here: str | None = None) -> str:
        """A Timeline cell for month i, column-relative (so one formula fits the whole row)."""
        return on(TIMELINE, cell(row, self.col(i), row_abs=True), here)

    def timeline_row(self, row: int, here: str | None = None) -> str:
        return on(TIMELINE, span(row, FIRST_COL, row, self.last_col), here)

    def month_number(self, i: int, here: str | None = None) -> str:
        return self.timeline(TL_NUMBER, i, here)

    # --- the MRR input sheet ------------------------------------------------------------
    @property
    def mrr_first_row(self) -> int:
        return 1

    @property
    def mrr_last_row(self) -> int:
        return max(self.n_clients, 1)

    @property
    def mrr_rows(self) -> int:
        """Height of the MRR block (one row per client)."""
        return self.mrr_last_row - self.mrr_first_row + 1

    def mrr_col(self, i: int) -> int:
        return 1 + self.n_attributes + i

    def mrr_month(self, i: int, here: str | None = None) -> str:
        """MRR of every client in month i (i = -1 is the column before the first month)."""
        c = self.mrr_col(i)
        return on(SHEET_MRR, span(self.mrr_first_row, c, self.mrr_last_row, c, True, False), here)

    def mrr_block(self, here: str | None = None) -> str:
        return on(
            SHEET_MRR,
            span(self.mrr_first_row, self.mrr_col(0), self.mrr_last_row, self.mrr_col(self.n_months - 1)),
            here,
        )

    def mrr_cell(self, client: int, i: int, here: str | None = None) -> str:
        """One client's MRR in month i: ``client`` is its 0-based position in the inputs (absolute ref)."""
        return on(SHEET_MRR, cell(self.mrr_first_row + client, self.mrr_col(i), True, True), here)

    def mrr_sheet_column(self, col: int, here: str | None = None) -> str:
        """Column ``col`` of the MRR sheet over the client rows (0: the client IDs, then the attributes)."""
        return on(SHEET_MRR, span(self.mrr_first_row, col, self.mrr_last_row, col), here)

    def client_column(self, col: int, here: str | None = None) -> str:
        return on(CLIENT_CALC, span(self.mrr_first_row, col, self.mrr_last_row, col), here)

    def cohort_rows_column(self, g: str, col: int, here: str | None = None) -> str:
        """A column (CR_LABEL … CR_ROWS_LAST) of grouping g's cohort-row table on the Timeline."""
        top = self.cohort_row_tables[g]
        return on(TIMELINE, span(top, col, top + self.n_cohorts[g] - 1, col), here)

    def segment_rows_column(self, number: int, last: bool, here: str | None = None) -> str:
        """First (or last) client row of segment ``number``'s part of each month cohort's block: a column
        beside the month grouping's cohort-row table on the Timeline."""
        top, col = self.cohort_row_tables[SEGMENT_BLOCK_GROUPING], CR_SEGMENT_ROWS + 2 * (number - 1) + last
        return on(TIMELINE, span(top, col, top + self.n_cohorts[SEGMENT_BLOCK_GROUPING] - 1, col), here)

    def in_cohort_order(self, here: str | None = None) -> str:
        """The cell that is 1 while every client row is in cohort order (then cohorts are blocks)."""
        return on(CLIENT_CALC, cell(self.mrr_first_row, CC_ORDER_OK, True, True), here)

    # --- monthly inputs -----------------------------------------------------------------
    def input_column(self, sheet: str, col: int) -> str:
        return on(sheet, span(1, col, self.n_months, col))

    def input_month_column(self, sheet: str) -> str:
        return self.input_column(sheet, 0)

    # --- named blocks -------------------------------------------------------------------
    def register(self, name: str, place: Place) -> None:
        if name in self.places:
            raise ValueError(f"{name} is placed twice")
        self.places[name] = place

    def place(self, name: str) -> Place:
        return self.places[name]

    def series_cell(self, name: str, i: int, here: str | None = None) -> str:
        """Month i of a named monthly row, column-relative."""
        p = self.places[name]
        return on(p.sheet, cell(p.row, p.col + i, row_abs=True), here)

    def series_row(self, name: str, here: str | None = None) -> str:
        return self.places[name].range(here)

    def setting(self, key: str) -> str:
        return setting_name(key)


def column_name(col: int) -> str:
    return xl_col_to_name(col)
