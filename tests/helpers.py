"""Shared test helpers: the values every defined name should hold, read back from a workbook."""

from __future__ import annotations

import math

import numpy as np
import openpyxl

from workbook_gen.definitions import GROUPINGS, cohort_name, series_name
from workbook_gen.metrics.engine import Results

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
                        [table[p, k] if p + k < t.n else None for k in range(t.n)] for p in range(t.n)
                    ]
        for attr in ("quarterly", "annual"):
            view = getattr(scope, attr)
            if view:
                for key, values in view.items():
                    out[f"{attr}_{key}"] = [list(values)]
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
