"""docs/definitions.md is the catalog in prose: committed, current, complete, and in step with the
Glossary tab of a built workbook."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import openpyxl
import pytest

from workbook_gen import docs
from workbook_gen.definitions import (
    COHORT_TABLES,
    METRICS,
    PERIOD_KEYS,
    PERIOD_ONLY,
    SECTIONS,
    TRAILING_ONLY,
    period_metric,
    shown_label,
)
from workbook_gen.metrics.engine import compute
from workbook_gen.rules import (
    better_sentence,
    can_be_undefined_after_start,
    formula_text,
    period_rule_text,
    undefined_sentence,
)
from workbook_gen.settings import Settings

COMMITTED = docs.DOC_PATH


def sections(text: str) -> dict[tuple[str, str], str]:
    """(level-2 heading, level-3 heading) -> the entry's text with its lines joined by single spaces."""
    out: dict[tuple[str, str], list[str]] = {}
    h2 = h3 = ""
    for line in text.splitlines():
        if line.startswith("## "):
            h2, h3 = line[3:], ""
        elif line.startswith("### "):
            h3 = line[4:]
        out.setdefault((h2, h3), []).append(line)
    return {k: " ".join(" ".join(v).split()) for k, v in out.items()}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def committed() -> str:
    assert COMMITTED.is_file(), f"{COMMITTED} is missing: run {docs.REGENERATE}"
    return COMMITTED.read_text(encoding="utf-8")


def test_committed_document_is_the_rendering(committed):
    lines_now, lines_then = docs.render().splitlines(), committed.splitlines()
    diff = next(
        (i for i, (a, b) in enumerate(zip(lines_now, lines_then, strict=False)) if a != b),
        min(len(lines_now), len(lines_then)),
    )
    assert committed == docs.render(), (
        f"docs/definitions.md differs from the catalog's rendering (first at line {diff + 1}); "
        f"regenerate it with `{docs.REGENERATE}` and commit it, rather than editing it by hand"
    )
    assert committed.splitlines()[0] == docs.HEADER


def test_check_option_tells_a_stale_document(tmp_path, monkeypatch):
    stale = tmp_path / "definitions.md"
    monkeypatch.setattr(docs, "DOC_PATH", stale)
    stale.write_text(docs.render().replace("Opening MRR", "Opening ARR", 1), encoding="utf-8")
    assert docs.main(["--check"]) == 1
    assert docs.main(["--write"]) == 0
    assert docs.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == docs.render()


def test_every_metric_period_row_and_cohort_table_has_an_entry(committed):
    entries = sections(committed)
    for m in METRICS:
        assert (m.section, docs.code(m.key)) in entries, f"{m.key}: no entry under '## {m.section}'"
    for key in PERIOD_ONLY:
        assert (docs.H_PERIODS, docs.code(key)) in entries, f"period row {key}: no entry"
    for t in COHORT_TABLES:
        assert (docs.H_COHORTS, docs.code(t.key)) in entries, f"cohort table {t.key}: no entry"
    for key in TRAILING_ONLY:
        assert (docs.H_TRAILING, docs.code(key)) in entries, f"trailing row {key}: no entry"
    metric_sections = {m.key: m.section for m in METRICS}
    for key in PERIOD_KEYS:
        if key in PERIOD_ONLY:
            continue
        entry = entries[(metric_sections[key], docs.code(key))]
        view = entry.split("**Quarterly and annual views:**")[1]
        assert "monthly only" not in view and flat(period_rule_text(key))[:12] in flat(view), key
    headings = [line for line in committed.splitlines() if line.startswith("## ")]
    assert headings == [
        f"## {h}"
        for h in (
            docs.H_CONVENTIONS,
            *SECTIONS,
            docs.H_PERIODS,
            docs.H_TRAILING,
            docs.H_COHORTS,
            docs.H_PLAN,
            docs.H_CUSTOMERS,
            docs.H_NAMES,
            docs.H_SETTINGS,
            docs.H_BILLING,
        )
    ]


def test_every_metric_entry_states_the_catalog(committed):
    entries = sections(committed)
    for m in METRICS:
        entry = entries[(m.section, docs.code(m.key))]
        expected = [
            f"**{docs.prose(shown_label(m))}**: {docs.prose(m.definition)}",
            f"**Formula:** {docs.code(formula_text(m))}",
            f"**Carried by:** {docs.SCOPE_TEXT[m.scope]}",
            f"**Unit:** {docs.UNIT_TEXT[m.unit]}",
            f"**Undefined:** {flat(docs.undefined_paragraph(m))}",
            f"**First month with a value:** {flat(docs.first_month_text(m))}",
        ]
        if m.note:
            expected.append(f"**Edge cases:** {docs.prose(m.note)}")
        if m.benchmark:
            expected.append(f"**Benchmark:** {docs.prose(m.benchmark.text)}")
        for text in expected:
            assert flat(text) in entry, f"{m.key}: the entry lacks {text!r}"


def test_settings_table_lists_every_setting_with_its_default(committed):
    table = committed.split(f"## {docs.H_SETTINGS}")[1]
    for name, value in vars(Settings()).items():
        assert f"| `{name}` | {docs._default_text(name, value)} |" in table, name


# --- The catalog, the Glossary tab and the document agree ----------------------------------------


def glossary_rows(path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [tuple("" if v is None else v for v in r) for r in wb["Glossary"].iter_rows(values_only=True)]
    wb.close()
    return rows


def test_glossary_and_document_agree(example_workbook, committed):
    """Each metric's Glossary row says what the catalog says, and so does its entry in the document."""
    rows = glossary_rows(example_workbook)
    by_name = {r[1]: r for r in rows if len(r) >= 7 and isinstance(r[1], str)}
    entries = sections(committed)
    for m in METRICS:
        row = by_name.get(m.key)
        assert row is not None, f"{m.key}: no Glossary row"
        label, _, _, definition, formula, bench, note = row[:7]
        full_note = " ".join(x for x in (m.note, undefined_sentence(m.key), better_sentence(m.key)) if x)
        assert (label, definition, formula, note) == (
            shown_label(m),
            m.definition,
            formula_text(m),
            full_note,
        ), m.key
        assert bench == (m.benchmark.text if m.benchmark else ""), m.key
        entry = entries[(m.section, docs.code(m.key))]
        assert flat(f"**{docs.prose(label)}**: {docs.prose(definition)}") in entry, m.key
        assert f"**Formula:** {docs.code(formula)}" in entry, m.key
        for text in (
            bench,
            m.note,
            undefined_sentence(m.key) if m.key != "sm_spend" else "",
            better_sentence(m.key),
        ):
            assert flat(docs.prose(text)) in entry, (
                f"{m.key}: {text!r} is on the Glossary, not in the document"
            )

    for key in PERIOD_ONLY:
        m = period_metric(key)
        row = by_name.get(f"quarterly_{key}, annual_{key}")
        assert row is not None and (row[0], row[3]) == (shown_label(m, "periods"), m.definition), key
        entry = entries[(docs.H_PERIODS, docs.code(key))]
        assert flat(f"**{docs.prose(row[0])}**: {docs.prose(row[3])}") in entry, key

    for t in COHORT_TABLES:
        row = next(
            (r for r in rows if len(r) >= 4 and r[0] == t.shown_label() and "cohort_" in str(r[1])), None
        )
        assert row is not None and row[3] == t.definition, t.key
        entry = entries[(docs.H_COHORTS, docs.code(t.key))]
        assert flat(f"**{docs.prose(row[0])}**: {docs.prose(row[3])}") in entry, t.key


# --- The undefined rule ---------------------------------------------------------------------------


def test_stated_first_months_hold_in_the_engine(example_data):
    """Where the document says a series has no value, the engine has none; and a series without a
    divisor starts exactly where the document says (the example company, default settings)."""
    scopes = compute(example_data, Settings()).scopes
    for m in METRICS:
        text = docs.first_month_text(m)
        stated = int(re.findall(r"month (\d+)", text)[-1])
        values = next(s.monthly[m.key] for s in scopes if m.key in s.monthly)
        first = int(np.flatnonzero(~np.isnan(values))[0]) + 1
        assert first >= stated, f"{m.key}: a value in month {first}, the document says none before {stated}"
        if not can_be_undefined_after_start(m.key):
            assert first == stated, f"{m.key}: first value in month {first}, the document says {stated}"


def test_renderer_stays_off_the_engine_and_the_workbook():
    """docs.py reads the catalog and the settings schema only: importing it loads no engine, input or
    workbook module (so it can render while those are being rewritten)."""
    code = (
        "import sys, workbook_gen.docs as d; d.render(); "
        "print(*sorted(m for m in sys.modules if m.startswith('workbook_gen')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(out.split())
    assert loaded == {"workbook_gen", "workbook_gen.definitions", "workbook_gen.docs"} | {
        "workbook_gen.billing_terms",
        "workbook_gen.names",
        "workbook_gen.rules",
        "workbook_gen.errors",
        "workbook_gen.expressions",
        "workbook_gen.settings",
    }


def test_the_documents_numbers_are_the_engines():
    """The document's limits are the constants the engine runs with (shared modules, not source text)."""
    from workbook_gen import definitions, expressions, names
    from workbook_gen.metrics import engine

    assert docs.exact_decimals() == expressions.EXACT_DECIMALS
    assert engine.SLUG_MAX is names.SLUG_MAX and engine.MAX_SEGMENTS is definitions.MAX_SEGMENTS
    text = " ".join(docs.render().split())
    assert f"longer than {names.SLUG_MAX} characters" in text
    assert f"2 to {definitions.MAX_SEGMENTS} distinct values" in text
    assert f"ROUND(…, {expressions.EXACT_DECIMALS})" in docs.render()
