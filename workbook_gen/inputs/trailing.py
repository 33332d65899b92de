"""Blank months at the end of the inputs: a template prepared for more months than the data has yet.

When the last month columns of the MRR sheet are blank for every client and the same months are blank on
every monthly sheet too (or absent there), the inputs simply end earlier: those months are left out, with
a warning. When only some sheets are blank there, nothing is trimmed and the usual checks report the gaps.
Works on the raw grids, before parsing, so cell references in messages stay those of the file.
"""

from __future__ import annotations

from workbook_gen.inputs.cells import is_blank, month_of
from workbook_gen.model import COL_MONTH

Grid = list[list]


def _cell(grid: Grid, r: int, c: int):
    row = grid[r]
    return row[c] if c < len(row) else None


def trim_blank_trailing_months(
    mrr: Grid | None, monthly: list[tuple[str, Grid | None]], label: str
) -> str | None:
    """Blank out, in place, the trailing months that are blank on every sheet. Returns a warning naming
    them, or None when nothing was trimmed. ``mrr`` is the wide MRR grid; ``monthly`` the (name, grid)
    of each monthly sheet."""
    if not mrr or not mrr[0]:
        return None
    header = mrr[0]
    month_cols = [c for c in range(1, len(header)) if month_of(header[c]) is not None]
    if len(month_cols) < 2:
        return None
    last_header = max(c for c in range(len(header)) if not is_blank(header[c]))
    if last_header != month_cols[-1]:
        return None  # something follows the months: leave it to the usual checks
    trailing: list[int] = []
    for c in reversed(month_cols[1:]):
        if all(is_blank(_cell(mrr, r, c)) for r in range(1, len(mrr))):
            trailing.append(c)
        else:
            break
    if not trailing:
        return None
    months = {month_of(header[c]) for c in trailing}
    rows_to_blank: list[tuple[Grid, int]] = []
    for _name, grid in monthly:
        if not grid or not grid[0]:
            continue
        heads = [str(h).strip().lower() if not is_blank(h) else "" for h in grid[0]]
        if COL_MONTH.lower() not in heads:
            continue
        mc = heads.index(COL_MONTH.lower())
        for r in range(1, len(grid)):
            if month_of(_cell(grid, r, mc)) in months:
                if any(not is_blank(v) for c, v in enumerate(grid[r]) if c != mc):
                    return None  # the sheets do not end together
                rows_to_blank.append((grid, r))
    for c in trailing:
        for r in range(len(mrr)):
            if c < len(mrr[r]):
                mrr[r][c] = None
    for grid, r in rows_to_blank:
        grid[r] = [None] * len(grid[r])
    shown = ", ".join(f"{m:%Y-%m}" for m in sorted(months))
    return (
        f"{label}: {len(months)} month(s) at the end ({shown}) are blank on every sheet and were left out; "
        "fill them in when their numbers are known."
    )
