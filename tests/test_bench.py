"""The benchmark's own machinery (no timing here): the company shapes it generates, and the constant
variants it times to split LibreOffice's recalculation between monthly series, cohort tables and the rest."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import openpyxl

from workbook_gen.inputs.example import bulk_company, churn_heavy_company
from workbook_gen.metrics.arrays import first_active

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_churn_heavy_shape_is_what_it_says():
    """15 % of clients pay in month 1, the rest start evenly over the later months; about 3 % of paying
    clients churn each month and some come back; two segments and three regions."""
    data = churn_heavy_company(4000, 36)
    mrr = data.mrr
    first = first_active(mrr)  # 0-based first paying month
    assert abs(np.mean(first == 0) - 0.15) < 0.03
    later = np.bincount(first[first > 0], minlength=36)[1:]
    assert later.max() - later.min() < 0.2 * later.mean()  # evenly over months 2..36
    prev, cur = mrr[:, :-1], mrr[:, 1:]
    churn_rate = ((prev > 0) & (cur == 0)).sum() / (prev > 0).sum()
    assert 0.02 < churn_rate < 0.04
    came_back = ((prev == 0) & (cur > 0) & (first[:, None] < np.arange(1, 36)[None, :])).sum()
    assert came_back > 0
    assert sorted(set(data.attributes["Segment"])) == ["Assisted", "Self-serve"]
    assert sorted(set(data.attributes["Region"])) == ["APAC", "Americas", "EMEA"]
    # a different shape from the example generator's, not a copy: three times its opening base
    assert np.mean(first_active(bulk_company(4000, 36).mrr) == 0) < 0.08


def _formulas(path: Path) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path)
    out = {
        ws.title: {c.coordinate: getattr(c.value, "text", c.value) for row in ws.iter_rows() for c in row}
        for ws in wb.worksheets
    }
    wb.close()
    return out


def test_constant_variants_replace_one_part_with_its_cached_values(example_workbook, tmp_path):
    bench = _bench()
    before = _formulas(example_workbook)
    cached = openpyxl.load_workbook(example_workbook, data_only=True)
    for part in ("monthly", "cohorts"):
        out = tmp_path / f"{part}.xlsx"
        replaced = bench.constants_variant(example_workbook, out, part)
        after = _formulas(out)
        rows = bench.part_rows(example_workbook, part)
        changed = 0
        for sheet, cells in before.items():
            for ref, value in cells.items():
                was_formula = isinstance(value, str) and value.startswith("=")
                row = int("".join(ch for ch in ref if ch.isdigit()))
                inside = sheet in rows and rows[sheet][0] <= row <= rows[sheet][1]
                if was_formula and inside:
                    changed += 1
                    now = after[sheet][ref]
                    assert not (isinstance(now, str) and now.startswith("=")), (part, sheet, ref)
                    assert now == cached[sheet][ref].value or (
                        now is None and cached[sheet][ref].value is None
                    )
                else:
                    assert after[sheet][ref] == value, (part, sheet, ref)
        assert changed == replaced > 0
        with zipfile.ZipFile(out) as z:
            assert z.testzip() is None
    # monthly: the named series rows of the total's tabs and of each segment tab; cohorts: the cohort tabs
    monthly = bench.part_rows(example_workbook, "monthly")
    assert {"MRR bridge", "Clients & ARPA", "Retention", "Unit economics"} <= set(monthly)
    assert all("cohort" not in sheet.lower() for sheet in monthly)
    assert set(bench.part_rows(example_workbook, "cohorts")) >= {"Cohorts (month)", "Cohorts (quarter)"}
    # a segment tab's monthly rows stop before its period rows (the rest)
    names = {n: (s, r) for n, s, r in bench._named_rows(zipfile.ZipFile(example_workbook))}
    sheet, quarterly_row = names["quarterly_arr__assisted"]
    assert monthly[sheet][1] < quarterly_row
