"""The README's recipes, followed inside a test: a copy of the package gets one derived metric (one
declaration in the catalog) and one aggregation over clients (a declaration and its two renderers, numpy
and Excel), and both then show up in the JSON, among the workbook's defined names and on the Glossary,
with values worked out here by hand. The copy is what a developer's checkout would be after the change;
the installed package is not touched."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import workbook_gen

DERIVED = """
    Metric(
        key="net_new_clients",
        label="Net new clients",
        unit=COUNT,
        section=CLIENTS,
        definition="How many more clients pay at month end than a month before.",
        expr=S("clients_new") + S("clients_reactivated") - S("clients_churned"),
        additive=True,
        period=SAME,
    ),
"""
AGGREGATION = """
    Metric(
        key="clients_large",
        label="Clients paying 1,000 or more",
        unit=COUNT,
        section=CLIENTS,
        definition="Paying clients whose MRR is at least 1,000 at month end.",
        formula="# clients with current ≥ 1,000",
        first_month=1,
        additive=True,
        period=STOCK,
    ),
"""
NUMPY_SIDE = """

@aggregation("clients_large")
def _clients_large(c: Clients) -> np.ndarray:
    return (c.mrr >= 1000).sum(axis=0).astype(float)
"""
EXCEL_SIDE = """

@aggregation("clients_large")
def f_clients_large(f: MonthlyFormulas, i: int) -> str:
    return f.count_if(f.cur(i), '">=1000"')
"""

MONTHS = [dt.datetime(2024, m, 1) for m in range(1, 7)]
# client, segment, MRR of months 1-6
CLIENTS = [
    ("C1", "A", [1200, 1200, 1500, 0, 0, 1100]),  # churns in month 4, reactivates in month 6
    ("C2", "A", [0, 500, 500, 900, 1000, 1000]),  # new in month 2
    ("C3", "B", [800, 800, 0, 0, 0, 0]),  # churns in month 3
    ("C4", "B", [0, 0, 2000, 2000, 2500, 0]),  # new in month 3, churns in month 6
    ("C5", "A", [300, 0, 0, 300, 300, 300]),  # churns in month 2, reactivates in month 4
    ("C6", "B", [0, 0, 0, 400, 400, 400]),  # new in month 4
    ("C7", "A", [0, 600, 600, 600, 600, 600]),  # new in month 2
]
# Worked out from the table above. Net new clients = new + reactivated − churned (month 1 has no
# movements): month 2 new C2, C7, churned C5 → +1; month 3 new C4, churned C3 → 0; month 4 new C6,
# reactivated C5, churned C1 → +1; month 5 nothing; month 6 reactivated C1, churned C4 → 0. Segment A is
# C1, C2, C5, C7; B is C3, C4, C6. Clients at 1,000 or more: month 1 C1; 2 C1; 3 C1, C4; 4 C4 (C2 pays
# 900); 5 C2, C4; 6 C1, C2.
EXPECTED = {
    "total": {"net_new_clients": [None, 1, 0, 1, 0, 0], "clients_large": [1, 1, 2, 1, 2, 2]},
    "A": {"net_new_clients": [None, 1, 0, 0, 0, 1], "clients_large": [1, 1, 1, 0, 1, 2]},
    "B": {"net_new_clients": [None, 0, 0, 1, 0, -1], "clients_large": [0, 0, 1, 1, 1, 0]},
}
# Quarters: Q1 new 3 (C2, C7, C4), churned 2 (C5, C3) → +1; Q2 new 1 (C6), reactivated 2 (C5, C1),
# churned 2 (C1, C4) → +1. Clients at 1,000 or more at each quarter's last month (a stock): 2 and 2.
EXPECTED_QUARTERS = {"net_new_clients": [1, 1], "clients_large": [2, 2]}


def _insert(path: Path, anchor: str, text: str, after: bool = False) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count(anchor) == 1, f"{path.name}: the recipe's anchor {anchor!r} moved"
    path.write_text(source.replace(anchor, anchor + text if after else text + anchor), encoding="utf-8")


def extended_package(root: Path) -> Path:
    """A copy of the package with the two metrics added as the README says."""
    package = root / "workbook_gen"
    shutil.copytree(Path(workbook_gen.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    # the catalog: both declarations at the end of METRICS
    _insert(package / "definitions.py", ")\n\nBY_KEY: dict[str, Metric]", DERIVED + AGGREGATION)
    # the aggregation's two renderers
    monthly = package / "metrics" / "monthly.py"
    monthly.write_text(monthly.read_text(encoding="utf-8") + NUMPY_SIDE, encoding="utf-8")
    formulas = package / "workbook" / "formulas.py"
    formulas.write_text(formulas.read_text(encoding="utf-8") + EXCEL_SIDE, encoding="utf-8")
    return root


def make_input(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = {
        "MRR": [["Client ID", "Segment", *MONTHS], *[[c, s, *mrr] for c, s, mrr in CLIENTS]],
        "S&M": [["Month", "Sales & marketing"], *[[m, 1000] for m in MONTHS]],
        "Gross margin": [["Month", "Gross margin"], *[[m, 0.8] for m in MONTHS]],
        "Burn": [["Month", "Net burn"], *[[m, 500] for m in MONTHS]],
    }
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "workbook_gen", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,  # not the checkout, whose package would come first on the path
        timeout=600,
    )


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    """The extended package, the input, the JSON and the built workbook."""
    tmp = tmp_path_factory.mktemp("recipes")
    root = extended_package(tmp / "src")
    source = make_input(tmp / "company.xlsx")
    probe = subprocess.run(
        [sys.executable, "-c", "import workbook_gen; print(workbook_gen.__file__)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        cwd=root,
        check=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(root)  # the copy, not the installed package
    metrics = run(root, "metrics", str(source), "-o", str(tmp / "metrics.json"))
    assert metrics.returncode == 0, metrics.stderr
    built = run(root, "build", str(source), "-o", str(tmp / "book.xlsx"), "-q")
    assert built.returncode == 0, built.stderr
    return json.loads((tmp / "metrics.json").read_text(encoding="utf-8")), tmp / "book.xlsx"


def _scope(out: dict, which: str) -> dict:
    if which == "total":
        return out["scopes"]["total"]
    return next(v for k, v in out["scopes"].items() if k != "total" and k.endswith(f"={which}"))


def test_the_new_metrics_are_in_the_json(extended):
    out, _book = extended
    for which, expected in EXPECTED.items():
        monthly = _scope(out, which)["monthly"]
        for key, values in expected.items():
            assert monthly[key] == values, (which, key)
    quarterly = _scope(out, "total")["quarterly"]
    for key, values in EXPECTED_QUARTERS.items():
        assert [quarterly[key][p] for p in range(2)] == values, key


def test_the_new_metrics_are_named_in_the_workbook_and_explained_on_the_glossary(extended):
    _out, book = extended
    wb = openpyxl.load_workbook(book)
    names = set(wb.defined_names)
    for key in ("net_new_clients", "clients_large"):
        assert {key, f"{key}__a", f"{key}__b", f"quarterly_{key}", f"annual_{key}"} <= names, key
    glossary = [[c for c in row if c is not None] for row in wb["Glossary"].iter_rows(values_only=True)]
    entries = {
        row[1]: row for row in glossary if len(row) > 1 and row[1] in ("net_new_clients", "clients_large")
    }
    assert entries["net_new_clients"][0] == "Net new clients"
    assert "New clients + Reactivated clients − Churned clients" in entries["net_new_clients"]
    assert entries["clients_large"][0] == "Clients paying 1,000 or more"
    assert "# clients with current ≥ 1,000" in entries["clients_large"]
    wb.close()


@pytest.mark.libreoffice
def test_both_engines_compute_the_new_cells_as_the_engine(extended, engine, tmp_path):
    """The new rows' formulas, recalculated by LibreOffice and by Gnumeric with every cached value
    stripped, equal the numbers worked out by hand (n/a where the engine has none)."""
    from helpers import mismatches, read_names

    _out, book = extended
    nan = float("nan")
    expected = {}
    for which, series in EXPECTED.items():
        suffix = "" if which == "total" else f"__{which.lower()}"
        for key, values in series.items():
            expected[key + suffix] = [[nan if v is None else float(v) for v in values]]
    recalculated = engine.recalculate(book, tmp_path)
    assert mismatches(expected, read_names(recalculated, expected)) == []
