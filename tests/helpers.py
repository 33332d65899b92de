"""Shared test helpers: the values every defined name should hold, read back from a workbook."""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.utils import column_index_from_string, range_boundaries

from workbook_gen.definitions import GROUPINGS
from workbook_gen.metrics.engine import Results
from workbook_gen.names import cohort_name, period_row_name, plan_name, series_name, variance_name

UNDEFINED_TEXT = {"n/a", "n/m", "", "not yet"}


def expected_names(results: Results) -> dict[str, list[list]]:
    """Name -> rows of values as the workbook must show them: floats, NaN for undefined,
    None for cells outside the data (blank)."""
    out: dict[str, list[list]] = {}
    for scope in results.scopes:
        for key, values in scope.monthly.items():
            out[series_name(key, scope.slug)] = [list(values)]
        for g in GROUPINGS:
            t = scope.cohorts[g]
            for spec, table in t.present():
                name = cohort_name(g, spec.key, scope.slug)
                if spec.single_column:
                    out[name] = [[v] for v in table]
                else:
                    out[name] = [
                        [table[p, k] if t.in_data(p, k) else None for k in range(t.width)] for p in range(t.n)
                    ]
        for attr in ("quarterly", "annual"):
            view = getattr(scope, attr)
            if view:
                for key, values in view.items():
                    out[period_row_name(attr, key, scope.slug)] = [list(values)]
    if results.plan is not None:
        for key in results.plan.keys:
            out[plan_name(key)] = [list(results.plan.plan[key])]
            out[variance_name(key)] = [list(results.plan.variance[key])]
    return out


def read_names(path, names) -> dict[str, list[list]]:
    """The cached values under each defined name of an xlsx file."""
    wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    out = {}
    for name in names:
        defn = wb.defined_names.get(name)
        if defn is None:
            out[name] = None
            continue
        ((sheet, ref),) = list(defn.destinations)
        ws = wb[sheet]
        cells = ws[ref.replace("$", "")]
        if not isinstance(cells, tuple):
            cells = ((cells,),)
        elif cells and not isinstance(cells[0], tuple):
            cells = (cells,)
        out[name] = [[c.value for c in row] for row in cells]
    wb.close()
    return out


def same(expected, actual, rel=1e-9, abs_=1e-6) -> bool:
    if expected is None:
        return actual is None or actual == ""
    if isinstance(expected, float) and math.isnan(expected):
        return actual is None or (isinstance(actual, str) and actual in UNDEFINED_TEXT)
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    return math.isclose(float(expected), float(actual), rel_tol=rel, abs_tol=abs_)


def mismatches(expected: dict, actual: dict, limit: int = 20) -> list[str]:
    bad = []
    for name, rows in expected.items():
        got = actual.get(name)
        if got is None:
            bad.append(f"{name}: no such defined name")
            continue
        if len(got) != len(rows) or any(len(a) != len(b) for a, b in zip(got, rows, strict=False)):
            bad.append(f"{name}: shape {len(got)}x{len(got[0]) if got else 0} != {len(rows)}x{len(rows[0])}")
            continue
        for r, (erow, arow) in enumerate(zip(rows, got, strict=True)):
            for c, (e, a) in enumerate(zip(erow, arow, strict=True)):
                if not same(e, a):
                    bad.append(f"{name}[{r},{c}]: expected {e!r}, got {a!r}")
                    if len(bad) >= limit:
                        return bad
    return bad


def as_array(rows) -> np.ndarray:
    return np.array(
        [[np.nan if v is None or isinstance(v, str) else v for v in r] for r in rows], dtype=float
    )


_CELL = re.compile(r"<c\b([^>]*?)(?<!/)>(.*?)</c>", re.DOTALL)
_VALUE = re.compile(r"<v>[^<]*</v>|<v/>")
_TYPE = re.compile(r'\st="[^"]*"')


def _strip_sheet(xml: str) -> tuple[str, int]:
    stripped = 0

    def cell(m: re.Match) -> str:
        nonlocal stripped
        attrs, body = m.group(1), m.group(2)
        if "<f" not in body:
            return m.group(0)
        stripped += 1
        return f"<c{_TYPE.sub('', attrs)}>{_VALUE.sub('', body)}</c>"

    return _CELL.sub(cell, xml), stripped


def strip_cached_values(src: Path, dst: Path) -> int:
    """Copy an xlsx with the cached result of every formula cell removed (the ``<v>`` of each cell
    that has an ``<f>``), so whatever value a spreadsheet engine later shows there, it computed.
    Returns the number of formula cells stripped."""
    total = 0
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and item.filename.endswith(".xml"):
                text, n = _strip_sheet(data.decode("utf-8"))
                total += n
                data = text.encode("utf-8")
            zout.writestr(item, data)
    return total


def formula_cells(path: Path) -> dict[str, dict[str, str]]:
    """Sheet -> cell -> formula text, for every formula of an xlsx (read from its XML)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=False)
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                text = getattr(v, "text", v)  # array formulas
                if isinstance(text, str) and text.startswith("="):
                    cells[c.coordinate] = text
        out[ws.title] = cells
    wb.close()
    return out


LONG_SEGMENT = "Strategic accounts " + "with a very long segment name " * 10  # > 255 characters


def cents_company(seed: int, n_clients: int = 14, n_months: int = 20, segments: tuple = ()):
    """A small company with cents-level amounts where many months have no movement of some kind, so
    that differences of sums that are zero in exact arithmetic (churn, contraction, reactivation,
    ARR change) meet a zero test often. ``segments``: split values to deal out (None = blank)."""
    from workbook_gen.model import InputData, month_range

    rng = np.random.default_rng(seed)
    mrr = np.zeros((n_clients, n_months))
    for c in range(n_clients):
        start = 0 if c < 3 else int(rng.integers(0, n_months))
        level = round(float(rng.uniform(0.01, 300.0)), 2)
        active = True
        for t in range(start, n_months):
            u = rng.random()
            if active and u < 0.06:
                active = False
            elif not active and u < 0.1:
                active = True
            elif active and u < 0.14:
                level = round(level + float(rng.choice([0.01, 0.1, 0.2, 0.7, 19.99, 33.33])), 2)
            elif active and u < 0.18:
                level = max(round(level - float(rng.choice([0.01, 0.1, 0.3, 9.99])), 2), 0.01)
            mrr[c, t] = level if active else 0.0
    attributes = {"Client name": [f"Client {i}" for i in range(n_clients)]}
    sm_by_segment = {}
    sm = np.round(rng.uniform(0.0, 900.0, n_months), 2)
    sm[rng.random(n_months) < 0.2] = 0.0
    if segments:
        attributes["Plan"] = [segments[i % len(segments)] for i in range(n_clients)]
        named = [s for s in segments if s is not None]
        sm_by_segment = {named[0]: np.round(sm * 0.3, 2), named[-1].upper() + " ": np.round(sm * 0.2, 2)}
    burn = np.round(rng.uniform(-500.0, 3000.0, n_months), 2)
    return InputData(
        client_ids=tuple(f"K{i:03d}" for i in range(n_clients)),
        attributes=attributes,
        months=month_range(__import__("datetime").date(2023, 5, 1), n_months),
        mrr=mrr,
        sm_spend=sm,
        gross_margin=np.round(rng.uniform(0.55, 0.85, n_months), 4),
        net_burn=burn,
        sm_by_segment=sm_by_segment,
        source="cents",
    )


def undefined_cells(values: dict[str, list[list]]) -> set[tuple[str, int, int]]:
    """(name, row, column) of every cell shown as undefined (NaN, n/a, n/m, or an error)."""
    out = set()
    for name, rows in values.items():
        for r, row in enumerate(rows or []):
            for c, v in enumerate(row):
                if isinstance(v, float) and math.isnan(v) or isinstance(v, str) and v not in ("",):
                    out.add((name, r, c))
    return out


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str:
    from xml.sax.saxutils import escape

    book = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    quoted = escape(sheet, {'"': "&quot;"})
    rid = re.search(rf'<sheet name="{re.escape(quoted)}" sheetId="\d+" r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'<Relationship Id="{rid}" Type="[^"]*" Target="([^"]+)"', rels).group(1)
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def replace_cached_value(src: Path, dst: Path, sheet: str, coordinate: str, value: float) -> None:
    """Copy an xlsx with the cached result of one formula cell replaced (its formula untouched)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        part = _sheet_part(zin, sheet)
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                text, n = re.subn(
                    rf'(<c r="{coordinate}"[^>]*>(?:(?!</c>).)*?<v>)[^<]*(</v>)',
                    rf"\g<1>{value!r}\g<2>",
                    data.decode("utf-8"),
                    flags=re.DOTALL,
                )
                assert n == 1, f"no cached value at {sheet}!{coordinate}"
                data = text.encode("utf-8")
            zout.writestr(item, data)


def printed_texts(xlsx) -> dict[str, list[str]]:
    """Every text cell each printed sheet shows on paper: inside its print area, in rows and
    columns that are not hidden (the cached text of a formula included)."""
    wb = openpyxl.load_workbook(xlsx, data_only=True)
    out: dict[str, list[str]] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        area = ws.print_area
        if area:
            ref = area[0] if isinstance(area, list) else area
            ref = ref.split("!")[-1].replace("$", "")
            c1, r1, c2, r2 = range_boundaries(ref)
        else:
            c1, r1, c2, r2 = 1, 1, ws.max_column, ws.max_row
        hidden_cols = set()
        for letter, dim in ws.column_dimensions.items():
            if dim.hidden:
                lo = dim.min or column_index_from_string(letter)
                hi = dim.max or lo
                hidden_cols.update(range(lo, hi + 1))
        hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        texts = []
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
            for cell in row:
                if cell.row in hidden_rows or cell.column in hidden_cols:
                    continue
                if isinstance(cell.value, str) and cell.value.strip():
                    texts.append(cell.value)
        out[ws.title] = texts
    wb.close()
    return out
