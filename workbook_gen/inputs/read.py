"""Reading the inputs from an xlsx workbook or from CSV files (SPEC §2.1)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

from workbook_gen.errors import InputError
from workbook_gen.inputs.cells import cell_ref, is_blank, month_of, next_month, number_of, text_of
from workbook_gen.inputs.model import (
    COL_BURN,
    COL_GM,
    COL_SM,
    SHEET_BURN,
    SHEET_GM,
    SHEET_MRR,
    SHEET_SM,
    InputData,
)
from workbook_gen.inputs.parse import (
    MonthlyColumn,
    MrrTable,
    align_monthly,
    assemble,
    parse_monthly,
    parse_mrr_wide,
)

#: Limits against zip bombs: total uncompressed size, and the compression ratio of a large member.
MAX_UNCOMPRESSED = 4 * 1024**3
MAX_RATIO = 200
MRR_CSV = "mrr.csv"
MONTHLY_CSV = "monthly.csv"

SM_COLUMNS = [MonthlyColumn("sm_spend", COL_SM, "spend")]
GM_COLUMNS = [MonthlyColumn("gross_margin", COL_GM, "fraction")]
BURN_COLUMNS = [MonthlyColumn("net_burn", COL_BURN, "signed")]
CSV_COLUMNS = [
    MonthlyColumn("sm_spend", "sm_spend", "spend"),
    MonthlyColumn("gross_margin", "gross_margin", "fraction"),
    MonthlyColumn("net_burn", "net_burn", "signed"),
]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_inputs(path: Path | str) -> InputData:
    """Read and validate the inputs at ``path``: an xlsx workbook, a folder with mrr.csv and
    monthly.csv, or the mrr.csv file itself. Raises :class:`InputError` listing every problem."""
    path = Path(path)
    if not path.exists():
        raise InputError([f"{path}: no such file or folder."])
    if path.is_dir() or path.suffix.lower() == ".csv":
        return read_csv_inputs(path if path.is_dir() else path.parent)
    return read_xlsx_inputs(path)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            [f"{path.name}: not a spreadsheet (expected an .xlsx workbook or CSV files)."]
        ) from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise InputError(
            [f"{path.name}: the workbook unpacks to {total / 1024**3:.1f} GiB, over the 4 GiB limit."]
        )
    for i in infos:
        if i.file_size > 10 * 1024**2 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise InputError(
                [f"{path.name}: part {i.filename} is compressed suspiciously well; refusing to read it."]
            )


def read_xlsx_grids(path: Path, sheets: tuple[str, ...]) -> tuple[dict[str, list[list]], list[str]]:
    from python_calamine import CalamineWorkbook

    _check_zip(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for unreadable files
        raise InputError([f"{path.name}: not a readable spreadsheet ({exc})."]) from None
    names = {n.strip().lower(): n for n in book.sheet_names}
    grids: dict[str, list[list]] = {}
    problems: list[str] = []
    for sheet in sheets:
        actual = names.get(sheet.lower())
        if actual is None:
            problems.append(
                f"{path.name}: missing sheet {sheet!r} (sheets found: {', '.join(book.sheet_names)})."
            )
            continue
        rows = book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        grids[sheet] = [[None if v == "" else v for v in row] for row in rows]
    return grids, problems


def read_xlsx_inputs(path: Path) -> InputData:
    grids, problems = read_xlsx_grids(path, (SHEET_MRR, SHEET_SM, SHEET_GM, SHEET_BURN))
    warnings: list[str] = []
    table = parse_mrr_wide(grids[SHEET_MRR], SHEET_MRR, problems) if SHEET_MRR in grids else None
    parsed = {}
    for sheet, cols, extra in (
        (SHEET_SM, SM_COLUMNS, "spend"),
        (SHEET_GM, GM_COLUMNS, None),
        (SHEET_BURN, BURN_COLUMNS, "signed"),
    ):
        if sheet in grids:
            parsed[sheet] = parse_monthly(grids[sheet], sheet, cols, problems, extra_kind=extra)
    series = {}
    if table is not None:
        for sheet, p in parsed.items():
            if p is not None:
                optional = set(p[1]) - {"sm_spend", "gross_margin", "net_burn"}
                series[sheet] = align_monthly(p, sheet, table.months, problems, warnings, optional)
    if problems:
        raise InputError(problems, path.name)
    return assemble(
        table,
        series[SHEET_SM],
        series[SHEET_GM],
        series[SHEET_BURN],
        str(path),
        {path.name: sha256(path)},
        warnings,
    )


def _read_csv(path: Path) -> list[list]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([f"{path.name}: not a UTF-8 text file."]) from None
    if "\x00" in text:
        raise InputError([f"{path.name}: not a CSV text file."])
    return [[None if v.strip() == "" else v for v in row] for row in csv.reader(io.StringIO(text))]


def read_csv_inputs(folder: Path) -> InputData:
    problems: list[str] = []
    warnings: list[str] = []
    mrr_path, monthly_path = folder / MRR_CSV, folder / MONTHLY_CSV
    for p in (mrr_path, monthly_path):
        if not p.is_file():
            problems.append(f"{folder.name or folder}: missing {p.name}.")
    if problems:
        raise InputError(problems)
    mrr_grid = _read_csv(mrr_path)
    header = [(h or "").strip().lower() for h in (mrr_grid[0] if mrr_grid else [])]
    if len(header) >= 3 and header[0] in ("client_id", "client id") and header[1] == "month":
        table = parse_mrr_long(mrr_grid, MRR_CSV, problems)
    else:
        table = parse_mrr_wide(mrr_grid, MRR_CSV, problems)
    parsed = parse_monthly(_read_csv(monthly_path), MONTHLY_CSV, CSV_COLUMNS, problems, extra_kind="spend")
    series = None
    if table is not None and parsed is not None:
        optional = set(parsed[1]) - {"sm_spend", "gross_margin", "net_burn"}
        series = align_monthly(parsed, MONTHLY_CSV, table.months, problems, warnings, optional)
    if problems:
        raise InputError(problems, folder.name)
    checksums = {p.name: sha256(p) for p in (mrr_path, monthly_path)}
    return assemble(table, series, series, series, str(folder), checksums, warnings)


def parse_mrr_long(grid: list[list], label: str, problems: list[str]) -> MrrTable | None:
    """Long layout: ``client_id,month,mrr[,attributes…]``, one row per client and month."""
    header = grid[0]
    attr_names = [text_of(h) for h in header[3:] if not is_blank(h)]
    if (header[2] or "").strip().lower() != "mrr":
        problems.append(f"{cell_ref(label, 0, 2)}: expected the header 'mrr', found {header[2]!r}.")
        return None
    order: list[str] = []
    first_row: dict[str, int] = {}
    attrs: dict[str, dict[str, tuple]] = {a: {} for a in attr_names}
    cells: dict[tuple[str, dt.date], float] = {}
    months: set[dt.date] = set()
    for r in range(1, len(grid)):
        row = list(grid[r]) + [None] * (3 + len(attr_names) - len(grid[r]))
        if all(is_blank(v) for v in row):
            continue
        if is_blank(row[0]):
            problems.append(f"{cell_ref(label, r, 0)}: blank client_id on a row that has data.")
            continue
        cid = text_of(row[0])
        m = month_of(row[1])
        if m is None:
            problems.append(f"{cell_ref(label, r, 1)}: {row[1]!r} is not a month.")
            continue
        if cid not in first_row:
            first_row[cid] = r
            order.append(cid)
        if (cid, m) in cells:
            problems.append(f"{cell_ref(label, r, 1)}: client {cid!r} has two rows for {m:%Y-%m}.")
            continue
        v = 0.0 if is_blank(row[2]) else number_of(row[2])
        if v is None:
            problems.append(f"{cell_ref(label, r, 2)}: {row[2]!r} is not a number.")
            v = 0.0
        elif v < 0:
            problems.append(f"{cell_ref(label, r, 2)}: negative MRR {v:g}.")
            v = 0.0
        cells[(cid, m)] = v
        months.add(m)
        for j, a in enumerate(attr_names):
            val = row[3 + j]
            if is_blank(val):
                continue
            prev = attrs[a].get(cid)
            if prev is None:
                attrs[a][cid] = (val, r)
            elif prev[0] != val:
                problems.append(
                    f"{cell_ref(label, r, 3 + j)}: client {cid!r} has {a} {val!r} here but {prev[0]!r} "
                    f"at {cell_ref(label, prev[1], 3 + j)}."
                )
    if not order:
        problems.append(f"{label}: no client rows below the header.")
        return None
    first, last = min(months), max(months)
    timeline = [first]
    while timeline[-1] < last:
        timeline.append(next_month(timeline[-1]))
    col = {m: i for i, m in enumerate(timeline)}
    row_of = {c: i for i, c in enumerate(order)}
    mrr = np.zeros((len(order), len(timeline)))
    for (cid, m), v in cells.items():
        mrr[row_of[cid], col[m]] = v
    attributes = {a: [attrs[a].get(c, (None,))[0] for c in order] for a in attr_names}
    return MrrTable(tuple(order), attributes, tuple(timeline), mrr)
