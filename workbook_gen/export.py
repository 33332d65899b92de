"""Machine-readable exports of the results: the JSON of the ``metrics`` command and a tidy CSV."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np

from workbook_gen.definitions import GROUPINGS, TRAILING_MONTHS
from workbook_gen.metrics.engine import Results, Scope
from workbook_gen.text import csv_text


def _num(v) -> float | None:
    v = float(v)
    if math.isnan(v):
        return None
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def _series(values: np.ndarray) -> list:
    return [_num(v) for v in values]


def _cohorts(scope: Scope) -> dict:
    out = {}
    for g in GROUPINGS:
        t = scope.cohorts[g]
        block: dict = {"periods": list(t.labels), "partial": [bool(x) for x in t.partial]}
        for spec, table in t.present():
            if spec.single_column:
                block[spec.key] = _series(table)
            else:
                block[spec.key] = [_series(table[p, : t.ages(p)]) for p in range(t.n)]
        if t.cac is not None:  # the average cohort: by age, over the cohorts whose CAC is known
            block["average_gp_per_client"] = _series(t.average.gp_per_client)
            block["average_cac_per_client"] = _num(t.average.cac_per_client)
        out[g] = block
    return out


def _views(scope: Scope, results: Results) -> dict:
    out = {}
    for name, view, g in (("quarterly", scope.quarterly, "quarter"), ("annual", scope.annual, "year")):
        if view is not None:
            out[name] = {
                "periods": list(results.periods[g].labels),
                **{k: _series(v) for k, v in view.items()},
            }
    return out


def _trailing(scope: Scope, results: Results) -> dict:
    """The trailing twelve months (the last twelve months, from month 2 at the earliest)."""
    first = results.months[max(1, len(results.months) - TRAILING_MONTHS)]
    return {
        "from": f"{first:%Y-%m}",
        "to": f"{results.months[-1]:%Y-%m}",
        **{k: _num(v) for k, v in scope.trailing.items()},
    }


def _plan(scope: Scope, results: Results) -> dict:
    """Plan and variance (actual − plan) of each planned key, aligned with ``months``: the total scope only."""
    if not scope.is_total or results.plan is None:
        return {}
    p = results.plan
    return {
        "plan_version": p.version or None,
        "plan": {k: _series(p.plan[k]) for k in p.keys},
        "variance": {k: _series(p.variance[k]) for k in p.keys},
    }


def _client(c) -> dict:
    return {"client_id": c.client_id, "name": c.name, "segment": c.segment}


def _customers(results: Results) -> dict:
    """The customers page: the largest clients at the latest month, the largest movements of the latest
    month and of the latest three months (ARR change from the window's first month to the latest)."""
    c = results.customers
    months = results.months
    return {
        "month": f"{months[-1]:%Y-%m}",
        "largest": [
            dict(  # keyword arguments: the client's own figures, not the catalog's rows
                **_client(x),
                arr=_num(x.arr),
                share=_num(x.share),
                new=x.new,
                arr_change_12m=None if x.new else _num(x.arr_change_12m),
                change_12m=None if x.new else _num(x.change_12m),
            )
            for x in c.largest
        ],
        "movements": {
            window: {
                "from": f"{months[c.window_starts[window]]:%Y-%m}",
                "to": f"{months[-1]:%Y-%m}",
                **{
                    kind: [{**_client(m), "arr_change": _num(m.arr_change)} for m in lines]
                    for kind, lines in kinds.items()
                },
            }
            for window, kinds in c.movers.items()
        },
    }


def to_json_dict(results: Results) -> dict:
    scopes = {}
    for scope in results.scopes:
        scopes[scope.name] = {
            "monthly": {k: _series(v) for k, v in scope.monthly.items()},
            **_views(scope, results),
            "trailing_12m": _trailing(scope, results),
            **_plan(scope, results),
            "cohorts": _cohorts(scope),
        }
        if scope.is_total and results.customers is not None:
            scopes[scope.name]["customers"] = _customers(results)
    return {"months": [f"{m:%Y-%m}" for m in results.months], "split": results.split, "scopes": scopes}


def to_json(results: Results) -> str:
    return json.dumps(to_json_dict(results), indent=1, allow_nan=False) + "\n"


CSV_HEADER = ("scope", "metric", "period", "value", "grouping", "cohort", "age")
NUMBER_COLUMNS = (3, 6)  # value, age


class _EscapingWriter:
    """A csv writer whose text columns (scope, metric, period, grouping, cohort) go through
    :func:`csv_text`, so a segment or column name like ``=HYPERLINK(...)`` stays text; numbers are as is."""

    def __init__(self, buf) -> None:
        self._w = csv.writer(buf, lineterminator="\n")

    def writerow(self, row) -> None:
        self._w.writerow([v if i in NUMBER_COLUMNS else csv_text(v) for i, v in enumerate(row)])


def to_csv(results: Results) -> str:
    """One value per line: monthly, quarterly and annual series, then cohort cells."""
    buf = io.StringIO()
    w = _EscapingWriter(buf)
    w.writerow(CSV_HEADER)
    months = [f"{m:%Y-%m}" for m in results.months]

    def cell(v):
        n = _num(v)
        return "" if n is None else repr(n) if isinstance(n, float) else str(n)

    for scope in results.scopes:
        for key, values in scope.monthly.items():
            for m, v in zip(months, values, strict=True):
                w.writerow((scope.name, key, m, cell(v), "", "", ""))
        for name, view, g in (("quarterly", scope.quarterly, "quarter"), ("annual", scope.annual, "year")):
            if view is None:
                continue
            for key, values in view.items():
                for label, v in zip(results.periods[g].labels, values, strict=True):
                    w.writerow((scope.name, f"{name}.{key}", label, cell(v), "", "", ""))
        window = _trailing(scope, results)
        period = f"{window['from']}..{window['to']}"
        for key, v in scope.trailing.items():
            w.writerow((scope.name, f"trailing_12m.{key}", period, cell(v), "", "", ""))
        if scope.is_total and results.plan is not None:
            for what, rows in (("plan", results.plan.plan), ("variance", results.plan.variance)):
                for key, values in rows.items():
                    for m, v in zip(months, values, strict=True):
                        w.writerow((scope.name, f"{what}.{key}", m, cell(v), "", "", ""))
        if scope.is_total and results.customers is not None:
            _customers_csv(w, scope.name, _customers(results), cell)
        for g in GROUPINGS:
            t = scope.cohorts[g]
            for spec, table in t.present():
                for p in range(t.n):
                    if spec.single_column:
                        w.writerow((scope.name, f"cohort.{spec.key}", "", cell(table[p]), g, t.labels[p], ""))
                        continue
                    for age in range(t.ages(p)):
                        w.writerow(
                            (scope.name, f"cohort.{spec.key}", "", cell(table[p, age]), g, t.labels[p], age)
                        )
    return buf.getvalue()


def _customers_csv(w, scope: str, customers: dict, cell) -> None:
    """The customers page's lists: one line per client, its ID in the ``cohort`` column and its rank in
    the ``age`` column (``customers.largest`` the ARR, ``customers.<window>.<movement>`` the ARR change)."""
    for rank, x in enumerate(customers["largest"], start=1):
        w.writerow((scope, "customers.largest", customers["month"], cell(x["arr"]), "", x["client_id"], rank))
    for window, block in customers["movements"].items():
        period = f"{block['from']}..{block['to']}"
        for kind, lines in block.items():
            if kind in ("from", "to"):
                continue
            for rank, m in enumerate(lines, start=1):
                row = (
                    scope,
                    f"customers.{window}.{kind}",
                    period,
                    cell(m["arr_change"]),
                    "",
                    m["client_id"],
                    rank,
                )
                w.writerow(row)
