"""Reading a workbook-gen output (a "pack"): the settings on its Cover, the values cached under its
defined names, and its MRR input sheet.

A pack is recognised by its defined names (``months`` and the ``setting_*`` names of the Cover), so
packs written by earlier versions of the tool are read as long as they carry the same names. Nothing
here recalculates anything: the values are those the pack was saved with.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from defusedxml import ElementTree

from workbook_gen import expressions
from workbook_gen.definitions import METRICS
from workbook_gen.errors import InputError
from workbook_gen.inputs.cells import month_of
from workbook_gen.inputs.read import check_package, read_xlsx_inputs
from workbook_gen.model import CARRIED, PreviousPack
from workbook_gen.names import setting_name

COVER = "Cover"  # where packs before the appendix held their settings
SETTINGS_SHEETS = ("Settings", COVER)  # where a pack's settings block is, newest first
SOURCE_AUTOMATIC = "automatic"
SOURCE_COL = 3  # column D of the settings block: where the setting came from
UNDEFINED = {expressions.UNDEFINED, expressions.NOT_MEANINGFUL, ""}
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
MONTHLY_KEYS = {m.key for m in METRICS}


@dataclass(frozen=True)
class Ref:
    """A rectangular range of one sheet, 0-based and inclusive."""

    sheet: str
    row1: int
    col1: int
    row2: int
    col2: int


def _col_index(letters: str) -> int:
    """0-based column index of column letters (``A`` is 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_ref(text: str) -> Ref | None:
    m = _REF.match((text or "").strip().lstrip("="))
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    c1, r1 = _col_index(m.group(3)), int(m.group(4)) - 1
    c2 = _col_index(m.group(5)) if m.group(5) else c1
    r2 = int(m.group(6)) - 1 if m.group(6) else r1
    return Ref(sheet, r1, c1, r2, c2)


def defined_names(path: Path) -> dict[str, Ref]:
    """Workbook-level defined names that point at one range. Empty for a workbook without names."""
    check_package(path)
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("xl/workbook.xml")
        root = ElementTree.fromstring(xml)
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    except Exception:  # defusedxml refuses entities and other hostile constructs
        raise InputError([f"{path.name}: the workbook's structure cannot be read safely."]) from None
    names: dict[str, Ref] = {}
    for node in root.iter(f"{MAIN_NS}definedName"):
        if node.get("localSheetId") is not None:
            continue  # print areas and other sheet-local names
        ref = parse_ref(node.text or "")
        if ref is not None:
            names[node.get("name", "")] = ref
    return names


def is_pack(names: dict[str, Ref]) -> bool:
    return "months" in names and "setting_cac_window" in names


class PackBook:
    """Cached cell values of a pack, read sheet by sheet on demand."""

    def __init__(self, path: Path, names: dict[str, Ref]):
        from python_calamine import CalamineWorkbook

        self.path = path
        self.names = names
        try:
            self._book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises several error types for unreadable files
            raise InputError([f"{path.name}: not a readable spreadsheet ({exc})."]) from None
        self._sheets = {n.lower(): n for n in self._book.sheet_names}
        self._grids: dict[str, list[list]] = {}

    def grid(self, sheet: str) -> list[list] | None:
        actual = self._sheets.get(sheet.lower())
        if actual is None:
            return None
        if actual not in self._grids:
            self._grids[actual] = self._book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        return self._grids[actual]

    def cell(self, sheet: str, row: int, col: int):
        grid = self.grid(sheet)
        if grid is None or row >= len(grid) or col >= len(grid[row]):
            return None
        v = grid[row][col]
        return None if v == "" else v

    def values(self, name: str) -> list[list] | None:
        ref = self.names.get(name)
        if ref is None or self.grid(ref.sheet) is None:
            return None
        return [
            [self.cell(ref.sheet, r, c) for c in range(ref.col1, ref.col2 + 1)]
            for r in range(ref.row1, ref.row2 + 1)
        ]

    def close(self) -> None:
        self._book.close()


@dataclass(frozen=True)
class CoverSetting:
    key: str
    value: object  # as shown on the Cover: a number, or text
    source: str | None  # column D, when the pack records it


def cover_settings(pack: PackBook) -> dict[str, CoverSetting]:
    """The "Settings used" block of the pack (its Settings tab; the Cover in packs written before the
    appendix): the cell under ``setting_<key>`` when the pack defines that name, else the row whose
    column A is the key."""
    sheet = next((s for s in SETTINGS_SHEETS if pack.grid(s) is not None), COVER)
    grid = pack.grid(sheet) or []
    row_of = {}
    for r, row in enumerate(grid):
        if row and isinstance(row[0], str) and row[0].strip() in CARRIED:
            row_of.setdefault(row[0].strip(), r)
    out = {}
    for key in CARRIED:
        ref = pack.names.get(setting_name(key))
        if ref is not None and pack.grid(ref.sheet) is not None:
            where, row, col = ref.sheet, ref.row1, ref.col1
        elif key in row_of:
            where, row, col = sheet, row_of[key], 1
        else:
            continue
        value = pack.cell(where, row, col)
        source = pack.cell(where, row, SOURCE_COL)
        out[key] = CoverSetting(key, value, source if isinstance(source, str) else None)
    return out


def carried_settings(cover: dict[str, CoverSetting]) -> dict[str, object]:
    """The settings a rebuild takes over from the pack's Cover.

    A split chosen automatically is not carried (the next build chooses again, by the same rule); nor
    is a "none" whose origin the pack does not record (an older pack that found no column to split by)."""
    out: dict[str, object] = {}
    for key, s in cover.items():
        value = s.value
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key in ("split", "plan_version"):
            automatic = (s.source or "").lower().startswith(SOURCE_AUTOMATIC)
            if automatic or (s.source is None and str(value).strip().lower() == "none"):
                continue
        if isinstance(value, float) and key in ("company", "currency", "split", "plan_version"):
            value = str(int(value)) if value.is_integer() else str(value)
        out[key] = value
    return out


def read_pack_settings(path: Path) -> dict[str, object] | None:
    """The settings carried by the pack at ``path``; None when it is not a workbook-gen output."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return None
    try:
        names = defined_names(path)
    except InputError:
        return None  # not readable as a pack: reading the inputs names the problem properly
    if not is_pack(names):
        return None
    pack = PackBook(path, names)
    try:
        return carried_settings(cover_settings(pack))
    finally:
        pack.close()


def _number(v) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return math.nan
    return float(v)


def read_previous_pack(path: Path | str) -> PreviousPack:
    """Read last month's pack for ``build --previous``. Refuses a file that is not a workbook-gen pack,
    or one whose formulas carry no saved values."""
    path = Path(path)
    if not path.is_file():
        raise InputError([f"{path}: no such file (--previous expects last month's .xlsx pack)."])
    names = defined_names(path)
    if not is_pack(names):
        raise InputError(
            [
                f"{path.name} is not a workbook-gen pack (it has no defined names 'months' and "
                "'setting_cac_window'); --previous expects a workbook built by workbook-gen build."
            ]
        )
    pack = PackBook(path, names)
    try:
        raw_months = (pack.values("months") or [[]])[0]
        months = [month_of(v) for v in raw_months]
        if not months or any(m is None for m in months):
            raise InputError(
                [
                    f"{path.name}: its formulas carry no saved values (it was last saved by a program that "
                    "does not calculate, e.g. a script). Open and save it in Excel or LibreOffice, or use "
                    "the pack as workbook-gen wrote it."
                ]
            )
        series: dict[str, np.ndarray] = {}
        for name in names:
            base = name.split("__", 1)[0]
            if base not in MONTHLY_KEYS:
                continue
            rows = pack.values(name)
            if not rows or len(rows) != 1 or len(rows[0]) != len(months):
                continue
            series[name] = np.array([_number(v) for v in rows[0]], dtype=float)
        shown = {k: s.value for k, s in cover_settings(pack).items()}
    finally:
        pack.close()
    inputs = read_xlsx_inputs(path)
    return PreviousPack(path.name, tuple(months), shown, series, inputs)
