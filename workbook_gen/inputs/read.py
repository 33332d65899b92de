"""Reading the inputs from an xlsx workbook or from CSV files (README, Inputs)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from workbook_gen.errors import InputError
from workbook_gen.inputs.billing import Billing, find_billing_file, read_billing
from workbook_gen.inputs.billing.fx import FX_CSV, folder_rates
from workbook_gen.inputs.cells import (
    MAX_AMOUNT,
    NumberStyle,
    cell_ref,
    is_blank,
    month_of,
    number_of,
    text_of,
)
from workbook_gen.inputs.commentary import parse_commentary
from workbook_gen.inputs.parse import (
    MonthlyColumn,
    MrrTable,
    align_monthly,
    assemble,
    parse_monthly,
    parse_mrr_wide,
)
from workbook_gen.inputs.plan import parse_plan_csv, parse_plan_wide, plan_warnings
from workbook_gen.inputs.trailing import trim_blank_trailing_months
from workbook_gen.inputs.xlsxscan import ScanError, check_zip_package, scan_workbook
from workbook_gen.model import (
    COL_BURN,
    COL_CASH,
    COL_GM,
    COL_SM,
    SHEET_BURN,
    SHEET_COMMENTARY,
    SHEET_GM,
    SHEET_MRR,
    SHEET_PLAN,
    SHEET_SM,
    InputData,
    next_month,
)
from workbook_gen.settings import Settings

MRR_CSV = "mrr.csv"
MONTHLY_CSV = "monthly.csv"
COMMENTARY_CSV = "commentary.csv"  # optional
PLAN_CSV = "plan.csv"  # optional

SM_COLUMNS = [MonthlyColumn("sm_spend", COL_SM, "spend")]
GM_COLUMNS = [MonthlyColumn("gross_margin", COL_GM, "fraction")]
BURN_COLUMNS = [
    MonthlyColumn("net_burn", COL_BURN, "signed"),
    MonthlyColumn("cash_balance", COL_CASH, "signed", required=False),
]
CSV_COLUMNS = [
    MonthlyColumn("sm_spend", "sm_spend", "spend"),
    MonthlyColumn("gross_margin", "gross_margin", "fraction"),
    MonthlyColumn("net_burn", "net_burn", "signed"),
    MonthlyColumn("cash_balance", "cash_balance", "signed", required=False),
]
# Fields every filled month needs (a blank is an error naming the cell); other extra columns are
# segment spend or burn, where a blank is 0.
NAMED_FIELDS = {"sm_spend", "gross_margin", "net_burn", "cash_balance"}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_inputs(path: Path | str, settings: Settings | None = None) -> InputData:
    """Read and validate the inputs at ``path``: an xlsx workbook, a folder with mrr.csv (or a billing
    CSV) and monthly.csv, or the mrr.csv file itself. Raises :class:`InputError` listing every problem.
    ``settings`` gives what the billing route needs (period_end, as_of, currencies)."""
    path = Path(path)
    if not path.exists():
        raise InputError([f"{path}: no such file or folder."])
    if path.is_dir() or path.suffix.lower() == ".csv":
        return read_csv_inputs(path if path.is_dir() else path.parent, settings)
    return read_xlsx_inputs(path)


def check_package(path: Path) -> None:
    """Refuse a file that is not a zip package, or one that would unpack to a bomb (before any parsing)."""
    try:
        with zipfile.ZipFile(path) as z:
            check_zip_package(path, z)
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            [f"{path.name}: not a spreadsheet (expected an .xlsx workbook or CSV files)."]
        ) from None
    except ScanError as exc:
        raise InputError([str(exc)]) from None


def read_xlsx_grids(
    path: Path, sheets: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[dict[str, list[list]], list[str]]:
    """The cell grids of ``sheets`` and of those ``optional`` sheets the file has; problems of the file
    found before (and while) reading them."""
    from python_calamine import CalamineWorkbook

    try:
        problems = scan_workbook(path, sheets + optional)
    except ScanError as exc:
        raise InputError([str(exc)]) from None
    if problems:
        raise InputError(problems, path.name)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for unreadable files
        raise InputError([f"{path.name}: not a readable spreadsheet ({exc})."]) from None
    names = {n.strip().lower(): n for n in book.sheet_names}
    grids: dict[str, list[list]] = {}
    for sheet in sheets + optional:
        actual = names.get(sheet.lower())
        if actual is None and sheet in optional:
            continue
        if actual is None:
            problems.append(
                f"{path.name}: missing sheet {sheet!r} (sheets found: {', '.join(book.sheet_names)})."
            )
            continue
        try:
            rows = book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except Exception as exc:  # a corrupt sheet part: calamine's XML or zip errors
            problems.append(f"{sheet}: the sheet cannot be read ({exc}); re-save the file.")
            continue
        grids[sheet] = [[None if v == "" else v for v in row] for row in rows]
    return grids, problems


def read_xlsx_inputs(path: Path) -> InputData:
    grids, problems = read_xlsx_grids(
        path, (SHEET_MRR, SHEET_SM, SHEET_GM, SHEET_BURN), optional=(SHEET_COMMENTARY, SHEET_PLAN)
    )
    warnings: list[str] = []
    style = NumberStyle()
    trimmed = trim_blank_trailing_months(
        grids.get(SHEET_MRR), [(s, grids.get(s)) for s in (SHEET_SM, SHEET_GM, SHEET_BURN)], path.name
    )
    warnings += [trimmed] if trimmed else []
    table = parse_mrr_wide(grids[SHEET_MRR], SHEET_MRR, problems, style) if SHEET_MRR in grids else None
    parsed = {}
    for sheet, cols, extra in (
        (SHEET_SM, SM_COLUMNS, "spend"),
        (SHEET_GM, GM_COLUMNS, None),
        (SHEET_BURN, BURN_COLUMNS, "signed"),
    ):
        if sheet in grids:
            parsed[sheet] = parse_monthly(grids[sheet], sheet, cols, problems, extra_kind=extra, style=style)
    series = {}
    if table is not None:
        for sheet, p in parsed.items():
            if p is not None:
                optional = set(p[1]) - NAMED_FIELDS
                series[sheet] = align_monthly(p, sheet, table.months, problems, warnings, optional)
    commentary = parse_commentary(grids.get(SHEET_COMMENTARY) or [], SHEET_COMMENTARY, problems)
    plan = parse_plan_wide(grids[SHEET_PLAN], SHEET_PLAN, problems, style) if SHEET_PLAN in grids else None
    problems += style.problems()
    if problems:
        raise InputError(problems, path.name)
    warnings += plan_warnings(plan, table.months, SHEET_PLAN)
    data = assemble(
        table,
        series[SHEET_SM],
        series[SHEET_GM],
        series[SHEET_BURN],
        str(path),
        {path.name: sha256(path)},
        warnings,
    )
    return replace(data, commentary=commentary, plan=plan)


#: A CSV input larger than this is refused before it is read (100,000 clients × 120 months is ~100 MB).
MAX_CSV_BYTES = 1024**3
#: Fields a CSV input may hold (the long layout of 100,000 clients × 120 months with an attribute is 48 million).
MAX_CSV_CELLS = 50_000_000
#: The longest field csv reads (its default); longer ones are refused with the line named.
MAX_CSV_FIELD = 128 * 1024


def _read_csv(path: Path) -> list[list]:
    if not path.is_file():
        raise InputError([f"{path.name}: not a regular file."])
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise InputError(
                [f"{path.name}: {size / 1024**3:.1f} GiB, over the {MAX_CSV_BYTES // 1024**3} GiB limit."]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([f"{path.name}: cannot be read ({exc.strerror or exc})."]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            [
                f"{path.name}: not UTF-8 text (byte {exc.start + 1:,} is not valid UTF-8); export it again "
                "as 'CSV UTF-8 (comma delimited)'."
            ]
        ) from None
    if "\x00" in text:
        raise InputError([f"{path.name}: not a CSV text file (it contains NUL bytes)."])
    if "\r" in text and "\n" not in text:
        raise InputError(
            [
                f"{path.name}: lines end with a lone carriage return (CR), an old Mac format; export it "
                "again with ordinary line ends (LF or CR LF)."
            ]
        )
    first = text.split("\n", 1)[0]
    if "," not in first and any(sep in first for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in first)
        shown = {"\t": "tabs"}.get(sep, repr(sep))
        raise InputError(
            [
                f"{path.name}: the header is separated by {shown}, not commas; export the file as comma-separated CSV."
            ]
        )
    cells = text.count(",") + text.count("\n") + 1  # at least as many cells as the reader would make
    if cells > MAX_CSV_CELLS:
        raise InputError(
            [
                f"{path.name}: about {cells:,} cells, over the {MAX_CSV_CELLS:,} this tool reads; remove empty "
                "columns and rows (a line of only commas counts too)."
            ]
        )
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for row in reader:
            rows.append([None if v.strip() == "" else v for v in row])
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            why = f"a field longer than {MAX_CSV_FIELD // 1024} KiB"
        elif "new-line character" in str(exc):
            why = "a carriage return (CR) inside a field that is not quoted"
        else:
            why = str(exc)
        raise InputError(
            [f"{path.name}: line {line:,}: {why}; fix that line or export the file again."]
        ) from None
    return rows


def read_csv_inputs(folder: Path, settings: Settings | None = None) -> InputData:
    return read_folder(folder, settings)[0]


def read_folder(
    folder: Path, settings: Settings | None = None, monthly_optional: bool = False
) -> tuple[InputData, Billing | None]:
    """A folder input: mrr.csv, or a billing CSV (README, Billing data in), with monthly.csv. With
    ``monthly_optional`` (``import``) a billing folder may lack monthly.csv: its series are then zero."""
    settings = settings or Settings()
    problems: list[str] = []
    warnings: list[str] = []
    mrr_path, monthly_path = folder / MRR_CSV, folder / MONTHLY_CSV
    label = folder.resolve().name or str(folder)  # "." is named by the folder it means
    billing_path = None if os.path.lexists(mrr_path) else find_billing_file(folder)
    required = [mrr_path, monthly_path] if billing_path is None else [monthly_path]
    for p in required:
        if os.path.lexists(p) and not p.is_file():
            problems.append(f"folder {label}: {p.name} is not a regular file.")
        elif not p.is_file() and not (monthly_optional and billing_path is not None):
            problems.append(
                f"folder {label}: missing {p.name} (a folder input holds mrr.csv, or a billing CSV of "
                "subscription periods or invoice lines, and monthly.csv)."
            )
    if problems:
        raise InputError(problems, label)
    style = NumberStyle()
    monthly_grid = _read_csv(monthly_path) if monthly_path.is_file() else None
    parsed = None
    billing = None
    if billing_path is not None:
        if monthly_grid is not None:
            parsed = parse_monthly(
                monthly_grid, MONTHLY_CSV, CSV_COLUMNS, problems, extra_kind="spend", style=style
            )
        last = max(parsed[0]) if parsed is not None and parsed[0] else settings.as_of
        rates, fx_problems = folder_rates(folder, settings.currency, settings.constant_currency)
        problems += fx_problems
        if fx_problems:  # the billing file is still checked, so every problem shows at once
            rates = replace(rates, checked=False)
        try:
            billing = read_billing(billing_path, last, settings.period_end, rates)
        except InputError as exc:
            problems += exc.problems
            table = None
        else:
            table = billing.table()
            warnings += billing.lines.warnings + billing.derived.warnings
    else:
        mrr_grid = _read_csv(mrr_path)
        header = [(h or "").strip().lower() for h in (mrr_grid[0] if mrr_grid else [])]
        if len(header) >= 3 and header[0] in ("client_id", "client id") and header[1] == "month":
            table = parse_mrr_long(mrr_grid, MRR_CSV, problems, style)
        else:
            trimmed = trim_blank_trailing_months(
                mrr_grid, [(MONTHLY_CSV, monthly_grid)], folder.name or MRR_CSV
            )
            warnings += [trimmed] if trimmed else []
            table = parse_mrr_wide(mrr_grid, MRR_CSV, problems, style)
        parsed = parse_monthly(
            monthly_grid, MONTHLY_CSV, CSV_COLUMNS, problems, extra_kind="spend", style=style
        )
    commentary_path = folder / COMMENTARY_CSV
    commentary: tuple = ()
    if os.path.lexists(commentary_path):
        commentary = parse_commentary(_read_csv(commentary_path), COMMENTARY_CSV, problems)
    plan_path = folder / PLAN_CSV
    plan = None
    if os.path.lexists(plan_path):
        plan = parse_plan_csv(_read_csv(plan_path), PLAN_CSV, problems, style)
    series = None
    if table is not None and parsed is not None:
        optional = set(parsed[1]) - NAMED_FIELDS
        series = align_monthly(parsed, MONTHLY_CSV, table.months, problems, warnings, optional)
    elif table is not None and monthly_grid is None:
        series = {k: np.zeros(len(table.months)) for k in ("sm_spend", "gross_margin", "net_burn")}
    problems += style.problems()
    if problems:
        raise InputError(problems, folder.name)
    inputs = [
        billing_path if billing_path is not None else mrr_path,
        monthly_path,
        commentary_path,
        plan_path,
    ]
    if billing is not None and billing.rates is not None and billing.rates.found:
        inputs.append(folder / FX_CSV)
    checksums = {p.name: sha256(p) for p in inputs if p.is_file()}
    spend, burn = split_csv_segments(series)
    warnings += plan_warnings(plan, table.months, PLAN_CSV)
    data = assemble(table, spend, series, burn, str(folder), checksums, warnings)
    return replace(data, commentary=commentary, plan=plan), billing


BURN_PREFIX = "burn:"


def split_csv_segments(series: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """monthly.csv's extra columns: ``burn:<segment>`` is that segment's net burn (as a column of the
    Burn sheet), any other extra column that segment's S&M spend (as on the S&M sheet)."""
    spend = {
        k: v
        for k, v in series.items()
        if not k.strip().lower().startswith(BURN_PREFIX) and k != "cash_balance"
    }
    burn = {"net_burn": series["net_burn"]}
    if "cash_balance" in series:
        burn["cash_balance"] = series["cash_balance"]
    for k, v in series.items():
        if k.strip().lower().startswith(BURN_PREFIX):
            burn[k.strip()[len(BURN_PREFIX) :].strip()] = v
    return spend, burn


def parse_mrr_long(
    grid: list[list], label: str, problems: list[str], style: NumberStyle | None = None
) -> MrrTable | None:
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
        elif v > MAX_AMOUNT:
            problems.append(
                f"{cell_ref(label, r, 2)}: MRR {v:g} is implausibly large (over {MAX_AMOUNT:g} a month); "
                "check the cell."
            )
            v = 0.0
        if style is not None:
            style.see(row[2], cell_ref(label, r, 2))
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
