"""Segments: values equal up to case and spaces are one segment with the first spelling;
over-long names get a shortened, unique slug."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from workbook_gen.inputs.example import synthetic_company
from workbook_gen.metrics.engine import SLUG_MAX, compute, segment_labels, segment_values, slugify, trim
from workbook_gen.settings import Settings


def _with(values, sm=None):
    base = synthetic_company(n_clients=len(values), n_months=6, seed=2)
    return replace(base, attributes={"Plan": list(values)}, sm_by_segment=sm or {})


def test_case_and_space_variants_are_one_segment_with_the_first_spelling():
    data = _with([" self-SERVE ", "Self-serve", "Pro", "pro", "PRO  ", None, "Mid   market", "mid market"])
    assert segment_values(data, "Plan") == ("Mid market", "Pro", "self-SERVE", "Unassigned")
    assert list(segment_labels(data, "Plan")) == [
        "self-SERVE",
        "self-SERVE",
        "Pro",
        "Pro",
        "Pro",
        "Unassigned",
        "Mid market",
        "Mid market",
    ]
    results = compute(data, Settings(split="Plan"))
    pro = next(s for s in results.segment_scopes() if s.label == "Pro")
    assert pro.slug == "pro" and int(pro.mask.sum()) == 3
    assert np.allclose(pro.monthly["mrr_closing"], data.mrr[2:5].sum(axis=0))


def test_blank_joins_a_value_spelled_unassigned():
    data = _with(["unassigned", None, "A"])
    assert segment_values(data, "Plan") == ("A", "unassigned")
    assert list(segment_labels(data, "Plan")) == ["unassigned", "unassigned", "A"]


def test_sm_column_matches_up_to_case_and_spaces():
    data = _with(["Pro", "Basic", "pro"], sm={" PRO ": np.full(6, 10.0)})
    results = compute(data, Settings(split="Plan"))
    assert [(s.label, s.has_sm) for s in results.segment_scopes()] == [("Basic", False), ("Pro", True)]
    assert not results.warnings


def test_trim_is_spreadsheet_trim():
    assert trim("  a   b  ") == "a b"
    assert trim("\ta") == "\ta"  # TRIM removes spaces only


def test_long_slugs_are_shortened_and_unique():
    a = "Strategic accounts " + "x" * 300 + " one"
    b = "Strategic accounts " + "x" * 300 + " two"
    sa, sb = slugify(a), slugify(b)
    assert sa != sb and len(sa) <= SLUG_MAX and len(sb) <= SLUG_MAX
    assert sa.startswith("strategic_accounts_xxx") and sa == slugify(a)  # deterministic
    assert slugify("Self-serve") == "self_serve" and slugify("x" * SLUG_MAX) == "x" * SLUG_MAX
