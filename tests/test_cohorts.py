"""Cohort tables against a held-out reference: a plain re-computation, client by client and month by
month (no numpy tables, none of the engine's code), of every cohort table of every grouping and scope,
with the opening base its own first row (docs/definitions.md, Cohorts). The engine must agree with it,
and so must the workbook: its cached values, and LibreOffice's and Gnumeric's recalculation with the
cache stripped, before and after inputs are edited (a client moved into and out of the opening base).

Also: every cohort table of the catalog has both renderers (numpy and formula), and a table declared
inside a test reaches the JSON, the workbook's defined names and the Glossary."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys

import numpy as np
import openpyxl
import pytest
from helpers import cents_company, expected_names, mismatches, read_names

from workbook_gen import definitions
from workbook_gen.build import build, load
from workbook_gen.definitions import COHORT_TABLES, GROUPINGS, CohortTable
from workbook_gen.export import to_json
from workbook_gen.inputs.example import example_company
from workbook_gen.metrics import cohorts as engine_cohorts
from workbook_gen.metrics.engine import compute
from workbook_gen.names import cohort_name
from workbook_gen.settings import Settings
from workbook_gen.workbook import cohort_formulas
from workbook_gen.workbook.input_book import write_input_workbook

NAN = math.nan


# --- the reference -----------------------------------------------------------------------------


def _period_key(d: dt.date, grouping: str, fys: int):
    fiscal_year = d.year + (1 if fys > 1 and d.month >= fys else 0)
    position = (d.month - fys) % 12
    return {"month": (d.year, d.month), "quarter": (fiscal_year, position // 3), "year": fiscal_year}[
        grouping
    ]


def reference_tables(mrr, months, gross_margin, sm_spend, lag, grouping, fys, has_sm):
    """Every cohort table of one scope and grouping, by the definition, with plain loops. Returns
    (labels, {key: values}): single-column tables one value per row, the others rows of ages (None past
    the data, NaN undefined)."""
    n_months = len(months)
    keys = []
    period_of = []
    for d in months:
        k = _period_key(d, grouping, fys)
        if k not in keys:
            keys.append(k)
        period_of.append(keys.index(k))
    n_periods = len(keys)
    first_month = [min(i for i in range(n_months) if period_of[i] == p) for p in range(n_periods)]
    last_month = [max(i for i in range(n_months) if period_of[i] == p) for p in range(n_periods)]
    clients = range(len(mrr))
    first_paid = {}
    for c in clients:
        for i in range(n_months):
            if mrr[c][i] > 0:
                first_paid[c] = i
                break
    # rows: (label, measured in period, clients, first month of its spend)
    rows = [
        (
            f"{months[0]:%Y-%m} (opening base)",
            0,
            [c for c in clients if first_paid.get(c) == 0],
            None,
        )
    ]
    if n_months > 1:
        for p in range(period_of[1], n_periods):
            members = [c for c in clients if first_paid.get(c, -1) >= 1 and period_of[first_paid[c]] == p]
            label = months[first_month[p]].strftime("%Y-%m") if grouping == "month" else None
            rows.append((label, p, members, max(first_month[p], 1)))
    out = {k: [] for k in ("size", "mrr", "nrr", "grr", "logo_retention", "cum_gp", "cac", "payback_age")}
    labels = []
    for label, q, members, spend_from in rows:
        labels.append(label)
        size = len(members)
        out["size"].append(float(size))
        base_month = last_month[q]
        base0 = sum(mrr[c][base_month] for c in members)
        per_age = {k: [None] * n_periods for k in ("mrr", "nrr", "grr", "logo_retention", "cum_gp")}
        for age in range(n_periods - q):
            end = last_month[q + age]
            if size == 0:
                for k in per_age:
                    per_age[k][age] = NAN
                continue
            now = sum(mrr[c][end] for c in members)
            kept = sum(min(mrr[c][end], mrr[c][base_month]) for c in members)
            paying = sum(1 for c in members if mrr[c][end] > 0)
            gp = 0.0
            for m in range(first_month[q], end + 1):
                gp += sum(mrr[c][m] for c in members) * gross_margin[m]
            per_age["mrr"][age] = now
            per_age["nrr"][age] = now / base0 if base0 else NAN
            per_age["grr"][age] = kept / base0 if base0 else NAN
            per_age["logo_retention"][age] = paying / size
            per_age["cum_gp"][age] = gp
        for k, values in per_age.items():
            out[k].append(values)
        cac = NAN
        if has_sm and spend_from is not None and size > 0:
            spend_months = range(spend_from - lag, last_month[q] - lag + 1)
            if spend_months.start >= 0:
                cac = sum(sm_spend[m] for m in spend_months)
        out["cac"].append(cac)
        payback = NAN
        if not math.isnan(cac):
            for age in range(n_periods - q):
                if per_age["cum_gp"][age] >= cac:
                    payback = float(age)
                    break
        out["payback_age"].append(payback)
    if not has_sm:
        del out["cac"], out["payback_age"]
    return labels, out


def reference_names(data, settings, results) -> dict[str, list[list]]:
    """The reference for every scope and grouping, as defined names -> rows (as helpers.expected_names)."""
    out = {}
    for scope in results.scopes:
        keep = np.ones(data.n_clients, bool) if scope.mask is None else scope.mask
        mrr = data.mrr[keep].tolist()
        sm = scope.monthly["sm_spend"].tolist() if scope.has_sm else None
        for g in GROUPINGS:
            labels, tables = reference_tables(
                mrr,
                data.months,
                data.gross_margin.tolist(),
                sm,
                settings.cac_lag,
                g,
                settings.fiscal_year_start,
                scope.has_sm,
            )
            for key, values in tables.items():
                name = cohort_name(g, key, scope.slug)
                single = key in ("size", "cac", "payback_age")
                out[name] = [[v] for v in values] if single else values
            out[f"labels:{g}:{scope.slug}"] = labels
    return out


def _engine_mismatches(reference: dict, results) -> list[str]:
    engine = expected_names(results)
    bad = []
    for name, rows in reference.items():
        if name.startswith("labels:"):
            _, g, slug = name.split(":")
            scope = next(s for s in results.scopes if str(s.slug) == slug)
            got = scope.cohorts[g].labels
            for want, have in zip(rows, got, strict=True):
                if want is not None and want != have:
                    bad.append(f"{name}: {want!r} != {have!r}")
            if len(rows) != len(got):
                bad.append(f"{name}: {len(got)} rows, the reference has {len(rows)}")
            continue
        plain = [
            [None if isinstance(v, float) and math.isnan(v) else v for v in r] for r in engine.get(name, [])
        ]
        bad += mismatches({name: rows}, {name: plain} if name in engine else {})
    return bad


def _cases():
    example = example_company()
    segmented = cents_company(5, n_clients=40, n_months=20, segments=("Gold", "gold ", None, "Silver"))
    return [
        ("example", example, {}),
        ("example, lag 2, fiscal year from April", example, {"cac_lag": 2, "fiscal_year_start": 4}),
        # the data start in May: month 1 is the last month of its fiscal quarter (Mar-May) and of its
        # fiscal year (Jun-May), so neither has a row of its own after the opening base
        ("segmented, month 1 ends its period", segmented, {"fiscal_year_start": 6, "cac_lag": 1}),
        ("segmented, month 1 starts its period", segmented, {"fiscal_year_start": 5}),
    ]


@pytest.mark.parametrize("case", range(4), ids=[c[0] for c in _cases()])
def test_engine_equals_the_reference_for_every_grouping_and_scope(case, tmp_path):
    _, data, overrides = _cases()[case]
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data, company="Reference")
    data, settings = load(src, {"company": "Reference", **overrides})
    results = compute(data, settings)
    reference = reference_names(data, settings, results)
    assert len(reference) >= len(GROUPINGS) * len(results.scopes) * 6
    assert _engine_mismatches(reference, results) == []


def test_the_opening_base_is_its_own_row_in_every_grouping():
    """The example: 30 clients already pay in month 1; the first quarter's and year's rows hold only the
    clients won in them after month 1, and carry a CAC."""
    data = example_company()
    settings = Settings()
    results = compute(data, settings)
    base = int((data.mrr[:, 0] > 0).sum())
    for g in GROUPINGS:
        t = results.total.cohorts[g]
        assert t.labels[0] == f"{data.months[0]:%Y-%m} (opening base)"
        assert t.size[0] == base and math.isnan(t.cac[0])
    first = (data.mrr > 0).argmax(axis=1)
    paid = (data.mrr > 0).any(axis=1)
    q = results.total.cohorts["quarter"]
    assert q.labels[1] == "2022 Q1" and q.size[1] == int((paid & (first >= 1) & (first <= 2)).sum())
    assert np.isfinite(q.cac[1]) and q.cac[1] == pytest.approx(data.sm_spend[1:3].sum())
    assert results.total.cohorts["year"].size[1] == int((paid & (first >= 1) & (first <= 11)).sum())
    month = results.total.cohorts["month"]
    assert month.n == len(data.months) and month.size[1] == int((paid & (first == 1)).sum())


# --- the registry ----------------------------------------------------------------------------


def test_every_cohort_table_has_both_renderers():
    keys = [t.key for t in COHORT_TABLES]
    no_numpy = [k for k in keys if k not in engine_cohorts.COHORT_VALUES]
    no_formula = [k for k in keys if k not in cohort_formulas.COHORT_FORMULAS]
    assert no_numpy == [], f"cohort tables without a numpy function (@cohort_values): {no_numpy}"
    assert no_formula == [], f"cohort tables without a formula (@cohort_formula): {no_formula}"
    assert set(engine_cohorts.COHORT_VALUES) == set(keys) == set(cohort_formulas.COHORT_FORMULAS)


@pytest.fixture
def with_mrr_per_client(monkeypatch):
    """The recipe for a new cohort table: one declaration in the catalog and its two renderers. Here
    the cohort's MRR per paying client at each age (undefined where no client pays)."""
    spec = CohortTable(
        "mrr_per_client", "MRR per paying client", definitions.CURRENCY, "Cohort MRR over its paying clients."
    )

    def values(c):
        paying = c.tables["logo_retention"] * c.tables["size"][:, None]
        return np.where(paying > 0, c.tables["mrr"] / np.where(paying > 0, paying, 1), NAN)

    def formula(c):
        paying = f"{c.at('logo_retention')}*{c.size}"
        return f'=IF(ISNUMBER({c.at("logo_retention")}),IF({paying}=0,"n/a",{c.at("mrr")}/({paying})),"n/a")'

    extended = COHORT_TABLES + (spec,)
    for module in list(sys.modules.values()):
        if getattr(module, "COHORT_TABLES", None) is COHORT_TABLES:
            monkeypatch.setattr(module, "COHORT_TABLES", extended)
    monkeypatch.setattr(engine_cohorts, "_TABLE_KEYS", engine_cohorts._TABLE_KEYS | {spec.key})
    monkeypatch.setitem(engine_cohorts.COHORT_VALUES, spec.key, values)
    monkeypatch.setitem(cohort_formulas.COHORT_FORMULAS, spec.key, formula)
    return spec


def test_a_cohort_table_declared_here_reaches_json_names_and_glossary(with_mrr_per_client, tmp_path):
    spec = with_mrr_per_client
    data = cents_company(3, n_clients=20, n_months=9, segments=("A", "B"))
    src = tmp_path / "in.xlsx"
    write_input_workbook(src, data, company="Declared")
    out = tmp_path / "out.xlsx"
    build(src, out, {"company": "Declared"})
    data, settings = load(src, {"company": "Declared"})
    results = compute(data, settings)
    t = results.total.cohorts["quarter"]
    # by hand: the cohort MRR over the number of its clients paying at that age
    mrr, logo, size = t.mrr, t.logo_retention, t.size
    for r in range(t.n):
        for k in range(t.ages(r)):
            paying = round(logo[r, k] * size[r]) if size[r] else 0
            want = mrr[r, k] / paying if paying else NAN
            got = t.table(spec.key)[r, k]
            assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want)
    exported = json.loads(to_json(results))
    assert exported["scopes"][results.total.name]["cohorts"]["quarter"][spec.key][1] == pytest.approx(
        [None if math.isnan(v) else v for v in t.table(spec.key)[1, : t.ages(1)]], nan_ok=True
    )
    names = [cohort_name(g, spec.key, s.slug) for g in GROUPINGS for s in results.scopes]
    expected = {n: rows for n, rows in expected_names(results).items() if n in names}
    assert len(expected) == len(names)
    assert mismatches(expected, read_names(out, expected)) == []
    wb = openpyxl.load_workbook(out, read_only=True)
    glossary = [row for row in wb["Glossary"].iter_rows(values_only=True) if row and row[0] == spec.label]
    wb.close()
    assert glossary and cohort_name("quarter", spec.key) in glossary[0][1]


# --- the workbook against the reference (both engines) -------------------------------------------


def _reference_for(path, overrides):
    data, settings = load(path, overrides)
    results = compute(data, settings)
    ref = reference_names(data, settings, results)
    assert _engine_mismatches(ref, results) == []
    return {k: v for k, v in ref.items() if not k.startswith("labels:")}


@pytest.mark.libreoffice
def test_workbook_cohorts_equal_the_reference_cached_recalculated_and_edited(engine, tmp_path):
    data = cents_company(8, n_clients=30, n_months=16, segments=("Gold", None, "Silver"))
    src = tmp_path / "in.xlsx"
    overrides = {"company": "Reference", "fiscal_year_start": 5, "cac_lag": 1}
    write_input_workbook(src, data, company="Reference")
    built = tmp_path / "built.xlsx"
    build(src, built, overrides)
    reference = _reference_for(src, overrides)
    assert mismatches(reference, read_names(built, reference)) == []  # cached
    recalculated = engine.recalculate(built, tmp_path / "recalc")
    assert mismatches(reference, read_names(recalculated, reference)) == []

    # edits: an opening-base client now starts in month 2 (it joins the first quarter's cohort), a
    # client of a later cohort now pays in month 1 (it joins the opening base), one churns, S&M moves
    rows, _ = load(built, overrides)  # the built workbook's MRR sheet, in its (cohort) row order
    base = int(np.flatnonzero(rows.mrr[:, 0] > 0)[0])
    late = int(np.flatnonzero((rows.mrr[:, 0] == 0) & (rows.mrr[:, 1:].sum(axis=1) > 0))[-1])
    first_col = 1 + len(rows.attributes) + 1
    wb = openpyxl.load_workbook(built)
    ws = wb["MRR"]
    ws.cell(2 + base, first_col).value = None
    ws.cell(2 + base, first_col + 1).value = 77.7
    ws.cell(2 + late, first_col).value = 12.34
    ws.cell(2 + late, first_col + data.n_months - 1).value = 0
    wb["S&M"]["B4"].value = 4321
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    wb.close()
    after = _reference_for(edited, overrides)
    assert after != reference
    recalculated = engine.recalculate(edited, tmp_path / "recalc-edited")
    assert mismatches(after, read_names(recalculated, after)) == []


@pytest.mark.libreoffice
def test_a_cohort_table_declared_here_is_recalculated_by_both_engines(with_mrr_per_client, engine, tmp_path):
    spec = with_mrr_per_client
    data = cents_company(6, n_clients=18, n_months=8, segments=("A", "B"))
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_input_workbook(src, data, company="Declared")
    build(src, out, {"company": "Declared"})
    results = compute(*load(src, {"company": "Declared"}))
    names = {cohort_name(g, spec.key, s.slug) for g in GROUPINGS for s in results.scopes}
    expected = {n: rows for n, rows in expected_names(results).items() if n in names}
    recalculated = engine.recalculate(out, tmp_path / "recalc")
    assert len(expected) == len(names)
    assert mismatches(expected, read_names(recalculated, expected)) == []


@pytest.mark.libreoffice
def test_a_history_within_one_year_recalculates_in_both_engines(engine, tmp_path):
    """Eight months inside one calendar year: the year grouping has one period, so its period table,
    its cohort-row table and its age tables are one cell wide or high. Gnumeric answers #REF! to INDEX
    over one cell, so such a range is read as its cell (workbook.formulas.index); and a payback over one
    age is found without an array MATCH."""
    data = cents_company(6, n_clients=18, n_months=8, segments=("A", "B"))
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_input_workbook(src, data, company="Short")
    build(src, out, {"company": "Short"})
    results = compute(*load(src, {"company": "Short"}))
    assert len(results.periods["year"]) == 1 and results.total.cohorts["year"].width == 1
    expected = expected_names(results)
    recalculated = engine.recalculate(out, tmp_path / "recalc")
    assert mismatches(expected, read_names(recalculated, expected)) == []


def test_index_over_one_cell_is_the_cell():
    from workbook_gen.workbook.formulas import index

    assert index("$C$33:$C$33", "E$5", 1) == "$C$33"
    assert index("'Time line'!$C$33:$C$33", 1, 1) == "'Time line'!$C$33"
    assert index("Timeline!$C$33:$C$34", "k", 1) == "INDEX(Timeline!$C$33:$C$34,k,1)"
