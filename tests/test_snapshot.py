"""Refactors keep the numbers: the engine's values for a few companies equal a committed snapshot.

The snapshot (``tests/data/snapshot.json``) holds every defined name's values for the example company
(as shipped and with other windows, lag and fiscal year) and for a segmented cents-level company. A
metric added later adds names; the names in the snapshot must keep their values. Regenerate it only
when a definition is meant to change: ``WBG_SNAPSHOT=write pytest tests/test_snapshot.py``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from helpers import cents_company, expected_names

from workbook_gen.build import load
from workbook_gen.metrics.engine import compute
from workbook_gen.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "data" / "snapshot.json"


def _cases() -> dict[str, dict]:
    data, settings = load(ROOT / "examples" / "example-company.xlsx")
    other = settings.with_overrides(cac_window=2, cac_lag=1, ltv_churn_window=6, fiscal_year_start=4)
    cents = cents_company(7, n_clients=30, n_months=26, segments=("Gold", "gold ", None, "Silver"))
    cents_settings = Settings().with_overrides(cac_lag=2, lifetime_cap_months=36)
    return {
        "example": expected_names(compute(data, settings)),
        "example_other_windows": expected_names(compute(data, other)),
        "cents_segmented": expected_names(compute(cents, cents_settings)),
    }


def _plain(rows):
    return [
        [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in r] for r in rows
    ]


def test_values_equal_the_snapshot():
    now = {case: {name: _plain(rows) for name, rows in names.items()} for case, names in _cases().items()}
    if os.environ.get("WBG_SNAPSHOT") == "write":
        SNAPSHOT.write_text(json.dumps(now, sort_keys=True, separators=(",", ":")) + "\n")
    saved = json.loads(SNAPSHOT.read_text())
    bad = []
    for case, names in saved.items():
        for name, rows in names.items():
            got = now[case].get(name)
            if got is None:
                bad.append(f"{case}: {name} is gone")
                continue
            for r, (erow, grow) in enumerate(zip(rows, got, strict=True)):
                for c, (e, g) in enumerate(zip(erow, grow, strict=True)):
                    if (e is None) != (g is None) or (
                        e is not None and not math.isclose(e, g, rel_tol=1e-12, abs_tol=1e-9)
                    ):
                        bad.append(f"{case}: {name}[{r},{c}] was {e!r}, now {g!r}")
    assert bad == [], "\n".join(bad[:30])
