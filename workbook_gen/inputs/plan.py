"""The optional Plan input (docs/definitions.md, Plan vs actual): the ``Plan`` sheet or ``plan.csv``.

Wide layout (the sheet, or a CSV whose first header is ``Metric``): a metric key or label per row in
column A, an optional ``Version`` column, then one column per month headed as on the MRR sheet. Long
layout (CSV only): ``month,metric,value[,version]``. Every problem names its cell, all at once.
"""

from __future__ import annotations

import datetime as dt

from workbook_gen.definitions import BY_KEY, plannable
from workbook_gen.inputs.cells import (
    MAX_AMOUNT,
    NumberStyle,
    cell_ref,
    is_blank,
    month_of,
    number_of,
    text_of,
)
from workbook_gen.model import COL_METRIC, COL_VERSION, PlanInput, PlanLine, next_month

Grid = list[list]
LONG_COLUMNS = ("month", "metric", "value")


def metric_names() -> dict[str, str]:
    """Every spelling a plan row may use, lower-cased: each plannable key and its label."""
    out: dict[str, str] = {}
    for key in plannable():
        out[key.lower()] = key
        out.setdefault(BY_KEY[key].label.strip().lower(), key)
    return out


def plannable_text() -> str:
    return ", ".join(f"{k} ({BY_KEY[k].label})" for k in plannable())


def _metric(raw, ref: str, problems: list[str]) -> str | None:
    key = metric_names().get(text_of(raw).lower())
    if key is None:
        problems.append(
            f"{ref}: {text_of(raw)!r} is not a metric a plan can hold; use a key or label of: {plannable_text()}."
        )
    return key


def _value(raw, ref: str, problems: list[str], style: NumberStyle | None) -> float | None:
    """A plan cell: None when blank; a problem (and None) when it is not a finite, plausible number."""
    if is_blank(raw):
        return None
    v = number_of(raw)
    if v is None:
        problems.append(f"{ref}: {raw!r} is not a number.")
        return None
    if abs(v) > MAX_AMOUNT:
        problems.append(f"{ref}: {v:g} is implausibly large (over {MAX_AMOUNT:g}); check the cell.")
        return None
    if style is not None:
        style.see(raw, ref)
    return v


def _pad(grid: Grid) -> Grid:
    width = max((len(r) for r in grid), default=0)
    return [list(r) + [None] * (width - len(r)) for r in grid]


def parse_plan_wide(
    grid: Grid, label: str, problems: list[str], style: NumberStyle | None = None
) -> PlanInput | None:
    """The Plan sheet (or a wide plan.csv). None when it holds no plan row (a blank template sheet)."""
    grid = _pad(grid or [])
    if not grid or all(is_blank(v) for v in grid[0]):
        return None
    header = grid[0]
    if is_blank(header[0]) or text_of(header[0]).lower() != COL_METRIC.lower():
        problems.append(f"{cell_ref(label, 0, 0)}: expected the header {COL_METRIC!r}, found {header[0]!r}.")
        return None
    versioned = (
        len(header) > 1 and not is_blank(header[1]) and text_of(header[1]).lower() == COL_VERSION.lower()
    )
    first = 2 if versioned else 1
    width = len(header)
    while width > first and is_blank(header[width - 1]) and all(is_blank(r[width - 1]) for r in grid[1:]):
        width -= 1
    months: list[dt.date] = []
    for c in range(first, width):
        m = month_of(header[c])
        if m is None:
            shown = "a blank header" if is_blank(header[c]) else repr(header[c])
            problems.append(
                f"{cell_ref(label, 0, c)}: {shown} is not a month; after {COL_METRIC!r}"
                f"{' and ' + repr(COL_VERSION) if versioned else ''} every column is a month."
            )
            return None
        if months and m != next_month(months[-1]):
            problems.append(
                f"{cell_ref(label, 0, c)}: {m:%Y-%m} follows {months[-1]:%Y-%m}; months must be contiguous "
                "and ascending."
            )
        months.append(m)
    rows = [r for r in range(1, len(grid)) if not all(is_blank(v) for v in grid[r][:width])]
    if not rows:
        return None
    if not months:
        problems.append(f"{label}!1: no month columns (headers must be months such as 2025-01 or a date).")
        return None
    lines: list[PlanLine] = []
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        row = grid[r]
        if is_blank(row[0]):
            problems.append(f"{cell_ref(label, r, 0)}: blank metric on a row that has plan values.")
            continue
        key = _metric(row[0], cell_ref(label, r, 0), problems)
        version = text_of(row[1]) if versioned and not is_blank(row[1]) else ""
        values = tuple(
            _value(row[first + j], cell_ref(label, r, first + j), problems, style) for j in range(len(months))
        )
        if key is None:
            continue
        if (key, version.lower()) in seen:
            problems.append(
                f"{cell_ref(label, r, 0)}: {BY_KEY[key].label} is listed twice"
                f"{f' for version {version!r}' if versioned else ''} (first at {cell_ref(label, seen[key, version.lower()], 0)})."
            )
            continue
        seen[key, version.lower()] = r
        lines.append(PlanLine(key, text_of(row[0]), version, values))
    return PlanInput(tuple(months), tuple(lines), versioned)


def parse_plan_long(
    grid: Grid, label: str, problems: list[str], style: NumberStyle | None = None
) -> PlanInput | None:
    """plan.csv in the long layout: ``month,metric,value[,version]``, one row per metric and month."""
    grid = _pad(grid)
    names = {text_of(h).lower(): c for c, h in enumerate(grid[0]) if not is_blank(h)}
    missing = [n for n in LONG_COLUMNS if n not in names]
    if missing:
        problems.append(
            f"{label}: missing column(s) {', '.join(missing)} in row 1 (month,metric,value[,version])."
        )
        return None
    cm, ck, cv, cver = names["month"], names["metric"], names["value"], names.get("version")
    cells: dict[tuple[str, str], dict[dt.date, float | None]] = {}
    first_text: dict[tuple[str, str], str] = {}
    version_text: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str, dt.date], int] = {}
    months: set[dt.date] = set()
    for r in range(1, len(grid)):
        row = grid[r]
        if all(is_blank(v) for v in row):
            continue
        m = month_of(row[cm])
        if m is None:
            problems.append(f"{cell_ref(label, r, cm)}: {row[cm]!r} is not a month.")
        if is_blank(row[ck]):
            problems.append(f"{cell_ref(label, r, ck)}: blank metric on a row that has a plan value.")
            continue
        key = _metric(row[ck], cell_ref(label, r, ck), problems)
        value = _value(row[cv], cell_ref(label, r, cv), problems, style)
        if key is None or m is None:
            continue
        version = text_of(row[cver]) if cver is not None and not is_blank(row[cver]) else ""
        ident = (key, version.lower())
        if (*ident, m) in where:
            problems.append(
                f"{cell_ref(label, r, ck)}: {BY_KEY[key].label} is listed twice for {m:%Y-%m}"
                f"{f' in version {version!r}' if version else ''} (first at {cell_ref(label, where[(*ident, m)], ck)})."
            )
            continue
        where[(*ident, m)] = r
        first_text.setdefault(ident, text_of(row[ck]))
        version_text.setdefault(ident, version)
        cells.setdefault(ident, {})[m] = value
        months.add(m)
    if not cells:
        return None
    timeline = [min(months)]
    while timeline[-1] < max(months):
        timeline.append(next_month(timeline[-1]))
    lines = tuple(
        PlanLine(key, first_text[key, v], version_text[key, v], tuple(values.get(m) for m in timeline))
        for (key, v), values in cells.items()
    )
    return PlanInput(tuple(timeline), lines, cver is not None)


def parse_plan_csv(
    grid: Grid, label: str, problems: list[str], style: NumberStyle | None = None
) -> PlanInput | None:
    """plan.csv, long or wide (recognised by its first header)."""
    if not grid or all(is_blank(v) for v in grid[0]):
        problems.append(f"{label}: the file is empty (expected month,metric,value[,version] or a wide plan).")
        return None
    first = text_of(grid[0][0]).lower() if not is_blank(grid[0][0]) else ""
    if first == COL_METRIC.lower():
        return parse_plan_wide(grid, label, problems, style)
    return parse_plan_long(grid, label, problems, style)


def plan_warnings(plan: PlanInput | None, months: tuple[dt.date, ...], label: str) -> list[str]:
    """Plan months before the first actual month are never compared with anything: said once."""
    if plan is None:
        return []
    early = [m for m in plan.months if m < months[0]]
    if not early:
        return []
    return [
        f"{label}: {len(early)} plan month(s) before the first month of actuals ({months[0]:%Y-%m}) are not "
        f"compared with anything ({early[0]:%Y-%m}{' to ' + format(early[-1], '%Y-%m') if len(early) > 1 else ''})."
    ]
