"""Who the customers are: the largest clients at the latest month and the month's and the latest three
months' largest movements (docs/definitions.md, Customers).

Clients are ranked by a score, one value per client; equal scores keep the order of the workbook's client
rows (cohort order: :func:`workbook_gen.metrics.cohorts.cohort_order`), which is the order the workbook's
formulas find them in. Every score is computed here exactly as the Client calc formulas compute it, so the
lists are the same numbers in Python and after a spreadsheet recalculates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbook_gen.definitions import (
    CUSTOMERS_LARGEST,
    CUSTOMERS_MOVERS,
    CUSTOMERS_NAME_COLUMNS,
    CUSTOMERS_NEW_MONTHS,
    CUSTOMERS_WINDOWS,
)
from workbook_gen.metrics.arrays import first_active
from workbook_gen.metrics.cohorts import cohort_order
from workbook_gen.model import attribute_text

TOP_CLIENTS = CUSTOMERS_LARGEST
TOP_MOVERS = CUSTOMERS_MOVERS
WINDOWS = CUSTOMERS_WINDOWS
MOVEMENTS = ("new", "expansion", "contraction", "churn")
# The sign of the ARR change of each movement's score (a loss is shown negative).
SIGN = {"new": 1, "expansion": 1, "contraction": -1, "churn": -1}
NAME_COLUMNS = CUSTOMERS_NAME_COLUMNS
NEW_MONTHS = CUSTOMERS_NEW_MONTHS


def name_attribute(attributes) -> str | None:
    """The attribute column that holds client names, if any."""
    by_key = {str(a).strip().lower(): a for a in attributes}
    return next((by_key[k] for k in NAME_COLUMNS if k in by_key), None)


def shown_names(client_ids, attributes) -> list[str]:
    """The name each client goes by in the pack, in input order: its name from the names column
    (:func:`name_attribute`), or its ID where there is no such column or the name is blank. The
    Customers page (whose formulas fall back the same way) and the executive summary both say this."""
    col = name_attribute(attributes)
    names = [attribute_text(v) for v in attributes[col]] if col else [None] * len(client_ids)
    return [shown_name(client_id, name) for client_id, name in zip(client_ids, names, strict=True)]


def shown_name(client_id, name: str | None) -> str:
    """A client's name, or its ID where it has none."""
    return name or str(client_id)


def window_start(n_months: int, back: int) -> int:
    """0-based month a window ``back`` months long compares the latest month with (month 1 at the
    earliest: a short history compares with the opening balance)."""
    return max(0, n_months - 1 - back)


def scores(mrr: np.ndarray, start: int) -> dict[str, np.ndarray]:
    """Each client's score for each movement between month ``start`` and the latest month (0-based),
    0 for a client without that movement: new — first paying after ``start``, its MRR now; expansion —
    paying at the start, the MRR added; contraction — paying now, the MRR lost; churn — paying at the
    start, not now, its MRR at the start. As the Client calc formulas compute them."""
    a, b = mrr[:, start], mrr[:, -1]
    first = first_active(mrr) + 1  # 1-based; 0 = never paid
    first = np.where(first > 0, first, mrr.shape[1] + 1)
    return {
        "new": np.where(first > start + 1, b, 0.0),
        "expansion": np.where(a > 0, np.maximum(b - a, 0.0), 0.0),
        "contraction": np.where(b > 0, np.maximum(a - b, 0.0), 0.0),
        "churn": np.where(b == 0, a, 0.0),
    }


def ranked(score: np.ndarray, n: int) -> list[int]:
    """Rows of the ``n`` largest positive scores, largest first; equal scores in row order."""
    rows = np.flatnonzero(score > 0)
    return [int(r) for r in rows[np.lexsort((rows, -score[rows]))][:n]]


@dataclass(frozen=True)
class Client:
    """One line of a list: the client's row (0-based, in the workbook's order), ID, name and segment."""

    row: int
    client_id: str
    name: str | None
    segment: str | None


@dataclass(frozen=True)
class Largest(Client):
    mrr: float = 0.0  # at the latest month (the score it is ranked by)
    arr: float = 0.0
    share: float = 0.0  # of total ARR
    new: bool = False  # younger than twelve months
    arr_change_12m: float = float("nan")  # NaN: the data does not reach back twelve months
    change_12m: float = float("nan")  # relative; NaN where it paid nothing twelve months earlier


@dataclass(frozen=True)
class Mover(Client):
    score: float = 0.0  # the MRR won or lost (positive)
    arr_change: float = 0.0


@dataclass(frozen=True)
class Customers:
    order: np.ndarray  # the workbook's client rows: input positions in cohort order
    name_column: str | None
    largest: tuple[Largest, ...]
    movers: dict[str, dict[str, tuple[Mover, ...]]]  # window -> movement -> clients
    window_starts: dict[str, int]  # window -> 0-based month compared with the latest


def customers(
    client_ids,
    attributes: dict[str, list],
    mrr: np.ndarray,
    segments: np.ndarray | None,
    segment_numbers: np.ndarray | None = None,
) -> Customers:
    """The lists of the customers page from the inputs (clients in input order; ``segments`` each
    client's segment label and ``segment_numbers`` its number, or None without a split)."""
    order = cohort_order(mrr, segment_numbers)
    m = mrr[order]
    n_months = m.shape[1]
    name_col = name_attribute(attributes)
    names = [attribute_text(attributes[name_col][i]) for i in order] if name_col else None

    def who(row: int) -> dict:
        return {
            "row": row,
            "client_id": str(client_ids[order[row]]),
            "name": names[row] if names else None,
            "segment": None if segments is None else str(segments[order[row]]),
        }

    latest = m[:, -1]
    closing = float(latest.sum())
    first = first_active(m) + 1
    largest = []
    for row in ranked(latest, TOP_CLIENTS):
        is_new = bool(first[row] >= 2 and first[row] > n_months - NEW_MONTHS)
        change = pct = float("nan")
        if not is_new and n_months > NEW_MONTHS:
            then = m[row, -1 - NEW_MONTHS]
            change = 12 * (latest[row] - then)
            pct = latest[row] / then - 1 if then != 0 else float("nan")
        largest.append(
            Largest(
                **who(row),
                mrr=float(latest[row]),
                arr=12 * float(latest[row]),
                share=float(latest[row]) / closing,
                new=is_new,
                arr_change_12m=float(change),
                change_12m=float(pct),
            )
        )
    movers: dict[str, dict[str, tuple[Mover, ...]]] = {}
    starts = {}
    for window, back in WINDOWS.items():
        start = window_start(n_months, back)
        starts[window] = start
        movers[window] = {}
        for kind, score in scores(m, start).items():
            movers[window][kind] = tuple(
                Mover(**who(row), score=float(score[row]), arr_change=SIGN[kind] * 12 * float(score[row]))
                for row in ranked(score, TOP_MOVERS)
            )
    return Customers(order, name_col, tuple(largest), movers, starts)
