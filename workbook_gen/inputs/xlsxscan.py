"""A cheap look at an untrusted xlsx before any spreadsheet reader allocates for it.

The package and the workbook parts are parsed with defusedxml (no DTDs, no entities). Each input sheet
is then streamed once through a handful of byte patterns, never parsed into objects: its declared and
actual cell grid, formula cells without a saved value, merged cells and DTD/entity declarations. Only
when every check passes does calamine read the sheets.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

#: Rows × columns a sheet may span (from A1, as it is read). The largest inputs the project targets,
#: 100,000 clients × 120 months, are 12.5 million cells; beyond this a reader would need gigabytes.
MAX_GRID_CELLS = 20_000_000
#: Limits against zip bombs: total uncompressed size, and the compression ratio of a large member.
MAX_UNCOMPRESSED = 4 * 1024**3
MAX_RATIO = 200
MAX_SMALL_PART = 16 * 1024**2  # workbook.xml and its relationships are small in any real file
CHUNK = 8 * 1024**2

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"')
_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet[\s>]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class _Tags:
    """The byte patterns for one sheet. ``fast``: the namespace prefix is known and ``r`` is the first
    attribute of every row and cell (as every spreadsheet application writes them), so each pattern
    starts with a literal the regex engine can jump to; otherwise general, slower patterns."""

    prefix: bytes
    fast: bool

    def _el(self, name: bytes) -> bytes:
        return b"<" + re.escape(self.prefix) + name if self.fast else b"<(?:\\w+:)?" + name

    def _r(self) -> bytes:
        return b' r="' if self.fast else b'\\b[^>]*?\\sr="'

    @functools.cached_property
    def row_number(self) -> re.Pattern:
        return re.compile(self._el(b"row") + self._r() + b'([0-9]+)"')

    @functools.cached_property
    def cell_ref(self) -> re.Pattern:
        return re.compile(self._el(b"c") + self._r() + b'([A-Z]+)([0-9]+)"')

    def cell_ref_where(self, ref: bytes) -> re.Pattern:
        """Cells whose reference matches the pattern ``ref``."""
        return re.compile(self._el(b"c") + self._r() + b"(?:" + ref + b')"')

    @functools.cached_property
    def unnumbered(self) -> re.Pattern:
        return re.compile(b"<(?:\\w+:)?(?:row|c)(?![^>]*\\sr=)[\\s>/]")

    @functools.cached_property
    def formulas_no_value(self) -> tuple[re.Pattern, re.Pattern]:
        """A formula (``<f>…</f>``, or a shared one ``<f …/>``) followed by no value or an empty one."""
        p = re.escape(self.prefix) if self.fast else b"(?:\\w+:)?"
        rest = b"\\s*(?:<" + p + b"v\\s*/>|<" + p + b"v>\\s*</" + p + b"v>)?\\s*</" + p + b"c>"
        return re.compile(b"</" + p + b"f>" + rest), re.compile(b"<" + p + b"f\\b[^>]*/>" + rest)

    @functools.cached_property
    def merge(self) -> re.Pattern:
        return re.compile(self._el(b"mergeCell") + b'\\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')

    def canonical(self, data: bytes) -> bool:
        """True when every row and cell element in ``data`` starts with its ``r`` attribute."""
        return not self._odd.search(data)

    @functools.cached_property
    def _odd(self) -> re.Pattern:
        p = re.escape(self.prefix)
        return re.compile(b"<" + p + b'(?:c|row)(?! r=")[\\s>/]')


# What reading a zip member can raise when its bytes are damaged: a bad CRC or header (BadZipFile), a
# deflate stream that does not decode (zlib.error, not an OSError), a truncated member (EOFError).
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError)


class ScanError(Exception):
    """The file cannot be read at all; ``message`` says why (one problem, no sheet reached)."""


@dataclass
class SheetScan:
    name: str
    part: str
    problems: list[str] = field(default_factory=list)


def _greater_number(n: int) -> str:
    """A pattern for a decimal number greater than ``n`` (no leading zeros)."""
    d = str(n)
    options = [rf"[1-9][0-9]{{{len(d)},}}"]
    for i, ch in enumerate(d):
        if ch != "9":
            options.append(rf"{d[:i]}[{int(ch) + 1}-9][0-9]{{{len(d) - i - 1}}}")
    return "(?:" + "|".join(options) + ")"


def _greater_column(n: int) -> str:
    """A pattern for a column name after column number ``n`` (1-based: 1 = A)."""
    name = xl_col_to_name(n - 1)
    options = [rf"[A-Z]{{{len(name) + 1},}}"]
    for i, ch in enumerate(name):
        if ch != "Z":
            options.append(rf"{name[:i]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{len(name) - i - 1}}}")
    return "(?:" + "|".join(options) + ")"


def _col_number(letters: str) -> int:
    """1-based column number of column letters (``A`` is 1), as cell references count."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_zip_package(path: Path, z: zipfile.ZipFile) -> None:
    infos = z.infolist()
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise ScanError(
            f"{path.name}: the workbook unpacks to {total / 1024**3:.1f} GiB, over the 4 GiB limit."
        )
    for i in infos:
        if i.file_size > 10 * 1024**2 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise ScanError(
                f"{path.name}: part {i.filename} is compressed suspiciously well; refusing to read it."
            )


_ANY_ROOT = re.compile(rb"<[A-Za-z_]")


def _check_prologs(path: Path, z: zipfile.ZipFile, sheet_of: dict[str, str]) -> None:
    """No XML part (shared strings, styles, ...) may declare a DTD or entities before its root element."""
    for info in z.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        name = info.filename
        what = f"sheet {sheet_of[name]!r} ({name})" if name in sheet_of else f"part {name}"
        try:
            with z.open(info) as f:
                head = f.read(256 * 1024)
        except DAMAGED as exc:
            raise ScanError(f"{path.name}: {what} is damaged ({exc}); re-save the file.") from None
        root = _ANY_ROOT.search(head)
        if _DTD.search(head, 0, root.start() if root else len(head)):
            raise ScanError(
                f"{path.name}: {what} declares XML entities or a DTD, which a spreadsheet never needs; "
                "refusing to read it (re-save the file from a spreadsheet application)."
            )


def _small_xml(path: Path, z: zipfile.ZipFile, name: str):
    try:
        info = z.getinfo(name)
    except KeyError:
        raise ScanError(f"{path.name}: not an xlsx workbook (no {name} inside).") from None
    if info.file_size > MAX_SMALL_PART:
        raise ScanError(f"{path.name}: part {name} is implausibly large ({info.file_size:,} bytes).")
    try:
        return SafeET.fromstring(z.read(name))
    except DefusedXmlException:
        raise ScanError(
            f"{path.name}: part {name} declares XML entities or a DTD, which a spreadsheet never needs; "
            "refusing to read it (re-save the file from a spreadsheet application)."
        ) from None
    except (SafeET.ParseError, *DAMAGED) as exc:
        raise ScanError(f"{path.name}: part {name} is corrupt ({exc}).") from None


def sheet_parts(path: Path, z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its XML, from xl/workbook.xml and its relationships."""
    book = _small_xml(path, z, "xl/workbook.xml")
    try:
        rels = _small_xml(path, z, "xl/_rels/workbook.xml.rels")
    except ScanError:
        rels = None
    targets = {}
    if rels is not None:
        for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
            target = rel.get("Target", "")
            if target.startswith("/"):
                member = target.lstrip("/")
            else:
                member = posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = member
    parts = {}
    for sheet in book.iter(f"{MAIN_NS}sheet"):
        rid = sheet.get(f"{REL_NS}id")
        parts[sheet.get("name", "")] = targets.get(rid, "")
    return parts


@functools.lru_cache(maxsize=512)
def _beyond(tags: _Tags, row: int, col: int) -> re.Pattern:
    """A cell right of column ``col`` or below row ``row``: one pass finds either."""
    wider = b"(" + _greater_column(col).encode() + b")([0-9]+)"
    lower = b"([A-Z]+)(" + _greater_number(row).encode() + b")"
    return tags.cell_ref_where(wider + b"|" + lower)


def _grow(tags: _Tags, data: bytes, rows: int, cols: int) -> tuple[int, int]:
    """The largest row and column of any cell in ``data``, at least ``rows`` and ``cols``. Each search
    runs at the regex engine's speed and only looks for a cell beyond the largest seen so far."""
    pos = 0
    while cols < 16_384 and rows <= 1_048_576 and (m := _beyond(tags, rows, cols).search(data, pos)):
        col, row = m.group(1) or m.group(3), m.group(2) or m.group(4)
        cols, rows, pos = max(cols, _col_number(col.decode())), max(rows, int(row)), m.start()
    return rows, cols


def scan_sheet(path: Path, z: zipfile.ZipFile, sheet: str, part: str) -> SheetScan:
    """Stream one sheet part and collect its problems (grid too large, formulas without values, merges)."""
    scan = SheetScan(sheet, part)
    try:
        info = z.getinfo(part)
    except KeyError:
        scan.problems.append(f"{sheet}: the sheet has no data part ({part or 'none'}); the file is damaged.")
        return scan
    rows, cols = 0, 1
    unnumbered = False
    formulas: list[str] = []
    merges: list[str] = []
    declared = None
    first = True
    prefix = b""
    try:
        with z.open(info) as f:
            tail = b""
            while True:
                block = f.read(CHUNK)
                if not block and not tail:
                    break
                data = tail + block
                if block:
                    cut = data.rfind(b">") + 1
                    data, tail = data[:cut], data[cut:]
                else:
                    tail = b""
                if first:
                    first = False
                    root = _ROOT_PREFIX.search(data)
                    if _DTD.search(data, 0, root.start() if root else len(data)):
                        scan.problems.append(
                            f"{sheet}: the sheet declares XML entities or a DTD, which a spreadsheet never "
                            "needs; refusing to read it (re-save the file from a spreadsheet application)."
                        )
                        return scan
                    m = _DIMENSION.search(data, 0, 65536)
                    if m:
                        declared = (m.group(1).decode(), (m.group(2) or m.group(1)).decode())
                    prefix = (root.group(1) or b"") if root else b""
                tags = _Tags(prefix, True)
                if not tags.canonical(data):
                    tags = _Tags(prefix, False)
                    unnumbered = unnumbered or bool(tags.unnumbered.search(data))
                for m in tags.row_number.finditer(data):
                    rows = max(rows, int(m.group(1)))
                rows, cols = _grow(tags, data, rows, cols)
                if rows * cols > MAX_GRID_CELLS or rows > 1_048_576:
                    break
                if b"<" + prefix + b"f" in data:
                    for m in (m for rx in tags.formulas_no_value for m in rx.finditer(data)):
                        if len(formulas) < 20:
                            start = data.rfind(b"<" + prefix + b"c ", 0, m.start())
                            ref = tags.cell_ref.match(data, start) if start >= 0 else None
                            formulas.append(
                                f"{sheet}!{ref.group(1).decode()}{ref.group(2).decode()}" if ref else sheet
                            )
                if b"mergeCell" in data:
                    for m in tags.merge.finditer(data):
                        if len(merges) < 20:
                            merges.append(m.group(1).decode())
    except DAMAGED as exc:
        scan.problems.append(
            f"{sheet}: the sheet's data part ({part}) of {path.name} is corrupt ({exc}); re-save the file."
        )
        return scan
    if rows * cols > MAX_GRID_CELLS or rows > 1_048_576:
        scan.problems.append(
            f"{sheet}: it has cells as far as {xl_col_to_name(max(cols, 1) - 1)}{rows}, a grid of "
            f"{rows * cols:,} cells (over the {MAX_GRID_CELLS:,} this tool reads); delete the rows and "
            "columns after the data and save again."
        )
        return scan
    if declared:
        try:
            r2, c2 = xl_cell_to_rowcol(declared[1])
        except (ValueError, TypeError, AttributeError):
            r2 = c2 = 0
        if (r2 + 1) * (c2 + 1) > MAX_GRID_CELLS:
            scan.problems.append(
                f"{sheet}: the sheet declares a used range {declared[0]}:{declared[1]} of {(r2 + 1) * (c2 + 1):,} "
                f"cells, over the {MAX_GRID_CELLS:,} this tool reads; delete the rows and columns after the "
                "data and save again."
            )
    if unnumbered:
        scan.problems.append(
            f"{sheet}: rows or cells without a cell reference; re-save the file from a spreadsheet application."
        )
    if formulas:
        more = " (and more)" if len(formulas) >= 20 else ""
        scan.problems.append(
            f"{', '.join(formulas)}{more}: formula with no saved value (it would read as blank). Open the file "
            "in a spreadsheet application and save it, so that the results are stored, or paste values."
        )
    for ref in merges:
        scan.problems.append(
            f"{sheet}!{ref}: merged cells; every value needs its own cell. Unmerge them and fill in each cell."
        )
    return scan


def scan_workbook(path: Path, sheets: tuple[str, ...]) -> list[str]:
    """Problems found before reading ``sheets`` of the workbook at ``path`` (empty when it is safe to read).
    Raises :class:`ScanError` when the file is not a readable xlsx at all."""
    if not path.is_file():
        raise ScanError(f"{path.name or path}: not a regular file (expected an .xlsx workbook or CSV files).")
    try:
        with path.open("rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise ScanError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    if magic.startswith(OLE_MAGIC):
        raise ScanError(f"{path.name}: an old-format .xls workbook; save it as .xlsx and try again.")
    if not magic.startswith(b"PK\x03\x04"):
        raise ScanError(f"{path.name}: not a spreadsheet (expected an .xlsx workbook or CSV files).")
    try:
        with zipfile.ZipFile(path) as z:
            check_zip_package(path, z)
            parts = sheet_parts(path, z)
            _check_prologs(path, z, {part: name for name, part in parts.items()})
            by_lower = {n.strip().lower(): n for n in parts}
            problems: list[str] = []
            for sheet in sheets:
                actual = by_lower.get(sheet.lower())
                if actual is not None:
                    problems += scan_sheet(path, z, sheet, parts[actual]).problems
            return problems
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error) as exc:
        raise ScanError(f"{path.name}: not a readable spreadsheet ({exc}).") from None
