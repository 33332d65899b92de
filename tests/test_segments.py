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


def test_every_segment_has_quarterly_and_annual_views_in_json_and_workbook(tmp_path):
    """A segment's quarter is readable: its period views are in the JSON and are named live rows on its
    tab. Flows of the segments add up to the total's in each period (worked out here from the months);
    a segment without its own S&M column has no period row that needs spend."""
    import json
    import math

    from helpers import expected_names, mismatches, read_names

    from workbook_gen.build import build, load
    from workbook_gen.export import to_json
    from workbook_gen.names import period_row_name
    from workbook_gen.workbook.input_book import write_input_workbook

    data = synthetic_company(n_clients=60, n_months=15, seed=4)
    data = replace(data, sm_by_segment={k: v for k, v in list(data.sm_by_segment.items())[:1]})
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    write_input_workbook(src, data)
    build(src, out)
    results = compute(*load(src))
    exported = json.loads(to_json(results))["scopes"]
    segments = results.segment_scopes()
    assert len(segments) >= 2 and {s.has_sm for s in segments} == {True, False}
    names = {}
    for scope in segments:
        for attr, g in (("quarterly", "quarter"), ("annual", "year")):
            view = getattr(scope, attr)
            assert exported[scope.name][attr]["periods"] == list(results.periods[g].labels)
            assert set(exported[scope.name][attr]) == {"periods", *view}
            assert ("cac" in view) == scope.has_sm and ("sm_spend" in view) == scope.has_sm
            assert "arr" in view and "nrr_12m" in view
            months = scope.monthly["mrr_new"]
            periods = results.periods[g]
            for p in range(len(periods)):
                flow = months[max(periods.first[p], 1) : periods.last[p] + 1]
                assert view["mrr_new"][p] == sum(flow) if len(flow) else math.isnan(view["mrr_new"][p])
            for key in view:
                names[period_row_name(attr, key, scope.slug)] = None
    for attr in ("quarterly", "annual"):
        total = getattr(results.total, attr)["mrr_new"]
        parts = np.nansum([getattr(s, attr)["mrr_new"] for s in segments], axis=0)
        assert np.allclose(np.nan_to_num(total), parts)
    expected = {k: v for k, v in expected_names(results).items() if k in names}
    assert len(expected) == len(names) and "quarterly_arr__" + segments[0].slug in expected
    assert mismatches(expected, read_names(out, expected)) == []
