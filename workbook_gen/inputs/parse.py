"""Turning raw grids (lists of rows, as read from a sheet or CSV) into validated inputs.

Every check appends a problem naming the sheet and cell, so a user sees all of them at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from workbook_gen.inputs.cells import (
    MAX_AMOUNT,
    NumberStyle,
    cell_ref,
    fraction_of,
    is_blank,
    month_of,
    number_of,
    text_of,
)
from workbook_gen.model import COL_CLIENT_ID, COL_MONTH, InputData, next_month

Grid = list[list]


def _pad(grid: Grid) -> Grid:
    width = max((len(r) for r in grid), default=0)
    return [list(r) + [None] * (width - len(r)) for r in grid]


def _header_is(value, *names: str) -> bool:
    return isinstance(value, str) and value.strip().lower() in {n.lower() for n in names}


@dataclass
class MrrTable:
    client_ids: tuple[str, ...]
    attributes: dict[str, list]
    months: tuple[dt.date, ...]
    mrr: np.ndarray


def parse_mrr_wide(
    grid: Grid, label: str, problems: list[str], style: NumberStyle | None = None
) -> MrrTable | None:
    """Wide layout: Client ID, attribute columns, then one contiguous ascending month column each."""
    grid = _pad(grid)
    if not grid or all(is_blank(v) for v in grid[0]):
        problems.append(
            f"{label}: the sheet is empty (expected a header row starting with '{COL_CLIENT_ID}')."
        )
        return None
    header = grid[0]
    if not _header_is(header[0], COL_CLIENT_ID, "client_id"):
        problems.append(
            f"{cell_ref(label, 0, 0)}: expected the header '{COL_CLIENT_ID}', found {header[0]!r}."
        )
    # Trailing columns with neither header nor data are ignored.
    width = len(header)
    while width > 1 and is_blank(header[width - 1]) and all(is_blank(r[width - 1]) for r in grid[1:]):
        width -= 1
    month_cols: list[int] = []
    months: list[dt.date] = []
    attr_cols: list[int] = []
    for c in range(1, width):
        m = month_of(header[c])
        if m is not None:
            month_cols.append(c)
            months.append(m)
        elif month_cols:
            shown = "a blank header" if is_blank(header[c]) else repr(header[c])
            problems.append(
                f"{cell_ref(label, 0, c)}: {shown} is not a month; month columns must be contiguous "
                "and come after the attribute columns."
            )
        elif is_blank(header[c]):
            problems.append(f"{cell_ref(label, 0, c)}: attribute column has no header.")
        else:
            attr_cols.append(c)
    if not month_cols:
        problems.append(
            f"{label}!1: no month columns found (headers must be months such as 2024-01 or a date)."
        )
        return None
    for i in range(1, len(months)):
        if months[i] != next_month(months[i - 1]):
            problems.append(
                f"{cell_ref(label, 0, month_cols[i])}: {months[i]:%Y-%m} follows {months[i - 1]:%Y-%m}; "
                "months must be contiguous and ascending."
            )
    rows = [r for r in range(1, len(grid)) if not all(is_blank(v) for v in grid[r][:width])]
    if not rows:
        problems.append(f"{label}: no client rows below the header.")
        return None
    ids: list[str] = []
    seen: dict[str, int] = {}
    for r in rows:
        raw = grid[r][0]
        if is_blank(raw):
            problems.append(f"{cell_ref(label, r, 0)}: blank Client ID on a row that has data.")
            ids.append("")
            continue
        cid = text_of(raw)
        if cid in seen:
            problems.append(
                f"{cell_ref(label, r, 0)}: duplicate Client ID {cid!r} (first at {cell_ref(label, seen[cid], 0)})."
            )
        else:
            seen[cid] = r
        ids.append(cid)
    attributes = {text_of(header[c]): [_attr(grid[r][c]) for r in rows] for c in attr_cols}
    block = np.array([[grid[r][c] for c in month_cols] for r in rows], dtype=object)
    mrr = _numbers(block, label, [rows[i] for i in range(len(rows))], month_cols, problems, "MRR", style)
    return MrrTable(tuple(ids), attributes, tuple(months), mrr)


def _attr(value):
    if is_blank(value):
        return None
    if isinstance(value, str):
        return value
    return value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def _numbers(
    block: np.ndarray,
    label: str,
    rows: list[int],
    cols: list[int],
    problems: list[str],
    what: str,
    style: NumberStyle | None = None,
):
    """Non-negative numbers from an object block (blank = 0), vectorised; problems name each bad cell."""
    flat = block.ravel()
    n = len(flat)
    # blank: None, a float NaN or white space; plain: a number as the reader gave it (not a boolean)
    blank = np.fromiter(
        (
            v is None or (v.__class__ is float and v != v) or (isinstance(v, str) and not v.strip())
            for v in flat
        ),
        bool,
        n,
    )
    plain = np.fromiter((isinstance(v, int | float) and not isinstance(v, bool) for v in flat), bool, n)
    values = np.zeros(n)
    values[plain] = flat[plain].astype(float)
    other = ~(blank | plain)
    for i in np.flatnonzero(other):
        v = number_of(flat[i])
        r, c = divmod(i, block.shape[1])
        if v is None:
            problems.append(f"{cell_ref(label, rows[r], cols[c])}: {flat[i]!r} is not a number.")
        else:
            values[i] = v
            if style is not None:
                style.see(flat[i], cell_ref(label, rows[r], cols[c]))
    bad = ~np.isfinite(values)
    values[bad] = 0.0
    for i in np.flatnonzero(bad):
        r, c = divmod(i, block.shape[1])
        problems.append(f"{cell_ref(label, rows[r], cols[c])}: {what} must be a finite number.")
    for i in np.flatnonzero(values < 0):
        r, c = divmod(i, block.shape[1])
        problems.append(f"{cell_ref(label, rows[r], cols[c])}: negative {what} {values[i]:g}.")
    huge = np.abs(values) > MAX_AMOUNT
    for i in np.flatnonzero(huge):
        r, c = divmod(i, block.shape[1])
        problems.append(
            f"{cell_ref(label, rows[r], cols[c])}: {what} {values[i]:g} is implausibly large (over "
            f"{MAX_AMOUNT:g} a month); check the cell."
        )
    values[huge] = 0.0
    return values.reshape(block.shape)


@dataclass
class MonthlyColumn:
    """One value column of a monthly sheet: its header, and whether it holds spend, a fraction or any number."""

    field: str
    header: str
    kind: str  # "spend" (>= 0) | "fraction" (0-1) | "signed"
    required: bool = True


def parse_monthly(
    grid: Grid,
    label: str,
    columns: list[MonthlyColumn],
    problems: list[str],
    extra_kind: str | None = None,
    style: NumberStyle | None = None,
) -> tuple[dict[dt.date, dict[str, float | None]], dict[str, int], dict[dt.date, int]] | None:
    """A sheet of ``Month`` + value columns. Returns {month: {field: value}}, the column of each field
    (extra columns keyed by header) and the row of each month."""
    grid = _pad(grid)
    if not grid or all(is_blank(v) for v in grid[0]):
        problems.append(f"{label}: the sheet is empty (expected headers {COL_MONTH!r}, ...).")
        return None
    header = grid[0]
    names = {text_of(h).lower(): c for c, h in enumerate(header) if not is_blank(h)}
    month_col = names.get(COL_MONTH.lower())
    if month_col is None:
        problems.append(f"{label}: missing column {COL_MONTH!r} in row 1.")
    where: dict[str, int] = {}
    kinds: dict[str, str] = {}
    for spec in columns:
        c = names.get(spec.header.lower())
        if c is None:
            if spec.required:
                problems.append(f"{label}: missing column {spec.header!r} in row 1.")
            continue
        where[spec.field] = c
        kinds[spec.field] = spec.kind
    if extra_kind:
        known = {month_col, *where.values()}
        for c, h in enumerate(header):
            if c not in known and not is_blank(h):
                where[text_of(h)] = c
                kinds[text_of(h)] = extra_kind
    if month_col is None or len(where) < sum(1 for s in columns if s.required):
        return None
    out: dict[dt.date, dict[str, float | None]] = {}
    rows: dict[dt.date, int] = {}
    for r in range(1, len(grid)):
        row = grid[r]
        if all(is_blank(v) for v in row):
            continue
        m = month_of(row[month_col])
        if m is None:
            problems.append(f"{cell_ref(label, r, month_col)}: {row[month_col]!r} is not a month.")
            continue
        if m in out:
            problems.append(
                f"{cell_ref(label, r, month_col)}: {m:%Y-%m} appears twice (first at "
                f"{cell_ref(label, rows[m], month_col)})."
            )
            continue
        values: dict[str, float | None] = {}
        for field_name, c in where.items():
            values[field_name] = _monthly_value(row[c], kinds[field_name], cell_ref(label, r, c), problems)
            if style is not None:
                style.see(row[c], cell_ref(label, r, c))
        out[m] = values
        rows[m] = r
    return out, where, rows


INVALID = float("nan")  # a value already reported as a problem


def _monthly_value(raw, kind: str, ref: str, problems: list[str]) -> float | None:
    """The cell's number; None when blank; INVALID (NaN) once a problem has been reported."""
    if is_blank(raw):
        return None
    if kind == "fraction":
        v, problem = fraction_of(raw)
        if problem:
            problems.append(f"{ref}: gross margin {problem}.")
            return INVALID
        return v
    v = number_of(raw)
    if v is None:
        problems.append(f"{ref}: {raw!r} is not a number.")
        return INVALID
    if kind == "spend" and v < 0:
        problems.append(f"{ref}: negative spend {v:g}.")
        return INVALID
    if abs(v) > MAX_AMOUNT:
        problems.append(f"{ref}: {v:g} is implausibly large (over {MAX_AMOUNT:g} a month); check the cell.")
        return INVALID
    return v


def align_monthly(
    parsed,
    label: str,
    months: tuple[dt.date, ...],
    problems: list[str],
    warnings: list[str],
    optional_fields: set[str] = frozenset(),
) -> dict[str, np.ndarray]:
    """Series on the MRR months; missing months and blank required values are problems."""
    data, where, rows = parsed
    extra = sorted(m for m in data if m < months[0] or m > months[-1])
    if extra:
        warnings.append(
            f"{label}: {len(extra)} month(s) outside the MRR months ignored "
            f"({', '.join(f'{m:%Y-%m}' for m in extra[:4])}{', ...' if len(extra) > 4 else ''})."
        )
    missing = [m for m in months if m not in data]
    if missing:
        shown = ", ".join(f"{m:%Y-%m}" for m in missing[:6]) + (", ..." if len(missing) > 6 else "")
        problems.append(f"{label}: no row for {len(missing)} month(s) of the MRR sheet: {shown}.")
    series: dict[str, np.ndarray] = {}
    for field_name, c in where.items():
        if field_name == "cash_balance" and all(data[m][field_name] is None for m in data):
            continue  # a Cash balance column left wholly blank (as in the template) is no cash balance
        values = np.zeros(len(months))
        for i, m in enumerate(months):
            if m not in data:
                continue
            v = data[m][field_name]
            if v is not None and v != v:  # reported already
                continue
            if v is None:
                if field_name == "cash_balance":
                    problems.append(
                        f"{cell_ref(label, rows[m], c)}: blank cash balance for {m:%Y-%m}; with a cash "
                        "balance column every month needs its month-end cash (a blank is never read as 0)."
                    )
                elif field_name not in optional_fields:
                    problems.append(f"{cell_ref(label, rows[m], c)}: blank value for {m:%Y-%m}.")
                continue
            values[i] = v
        series[field_name] = values
    return series


def assemble(
    table: MrrTable,
    sm: dict[str, np.ndarray],
    gm: dict[str, np.ndarray],
    burn: dict[str, np.ndarray],
    source: str,
    checksums: dict[str, str],
    warnings: list[str],
) -> InputData:
    named = ("sm_spend", "gross_margin", "net_burn", "cash_balance")
    segments = {k: v for k, v in sm.items() if k not in named}
    return InputData(
        client_ids=table.client_ids,
        attributes=table.attributes,
        months=table.months,
        mrr=table.mrr,
        sm_spend=sm["sm_spend"],
        gross_margin=gm["gross_margin"],
        net_burn=burn["net_burn"],
        sm_by_segment=segments,
        burn_by_segment={k: v for k, v in burn.items() if k not in named} if burn is not sm else {},
        cash_balance=burn.get("cash_balance"),
        source=source,
        checksums=checksums,
        warnings=tuple(warnings),
    )
