"""Settings change the numbers as defined; segments; limits; JSON equals the workbook."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from helpers import read_names

import workbook_gen.build as build_mod
from workbook_gen.build import build, load, metrics
from workbook_gen.errors import InputError, SettingsError
from workbook_gen.metrics.engine import compute, slugify
from workbook_gen.setting_sources import load_settings
from workbook_gen.settings import Settings


def test_slugs():
    assert slugify("Self-serve") == "self_serve"
    assert slugify("North America") == "north_america"
    assert slugify("  EMEA & UK ") == "emea_uk"


def test_settings_file_and_overrides(tmp_path):
    (tmp_path / "in.xlsx").write_bytes(b"")
    (tmp_path / "workbook-gen.toml").write_text('cac_window = 6\ncurrency = "EUR"\nas_of = "2024-06"\n')
    s = load_settings(tmp_path / "in.xlsx", {"cac_window": 2})
    assert (s.cac_window, s.currency, s.as_of) == (2, "EUR", dt.date(2024, 6, 1))
    assert s.currency_symbol == "€"
    with pytest.raises(SettingsError, match="fiscal_year_start must be a month number"):
        Settings().with_overrides(fiscal_year_start=13)


def test_each_setting_changes_the_numbers(example_data):
    base = compute(example_data, Settings())
    m = base.total.monthly

    def other(**kw):
        return compute(example_data, Settings(**kw)).total.monthly

    assert not np.allclose(other(cac_window=6)["cac"][12:], m["cac"][12:])
    assert not np.allclose(other(cac_lag=2)["cac"][12:], m["cac"][12:])
    assert not np.allclose(other(ltv_churn_window=3)["ltv"][12:], m["ltv"][12:])
    assert not np.allclose(other(lifetime_cap_months=12)["ltv"][12:], m["ltv"][12:])
    fy = compute(example_data, Settings(fiscal_year_start=4))
    assert fy.periods["quarter"].labels[0] == "FY2022 Q4"
    assert len(fy.periods["year"]) == 5
    cut = compute(example_data, Settings(as_of=dt.date(2024, 6, 1)))
    assert cut.months[-1] == dt.date(2024, 6, 1)
    assert cut.total.monthly["arr"][-1] == m["arr"][29]


def test_split_none_and_default(example_data):
    assert compute(example_data, Settings(split="none")).segments == ()
    res = compute(example_data, Settings())
    assert res.split == "Segment" and res.segments == ("Assisted", "Self-serve")
    assert [s.name for s in res.scopes] == ["total", "Segment=Assisted", "Segment=Self-serve"]
    region = compute(example_data, Settings(split="Region"))
    assert region.segments == ("APAC", "EMEA", "North America")
    assert not any(s.has_sm for s in region.segment_scopes())  # no S&M column per region
    monthly = region.scopes[1].monthly
    assert "cac" not in monthly and "burn_multiple" not in monthly and "rule_of_40" not in monthly
    assert "ltv" in monthly and "net_burn" not in monthly and "fcf_margin_ttm" not in monthly
    assert np.isnan(monthly["sm_spend"]).all()  # no S&M column for the region: unknown, not 0


def test_blank_split_value_is_unassigned(example_data):
    from dataclasses import replace

    seg = list(example_data.attributes["Segment"])
    seg[0] = None
    data = replace(example_data, attributes={**example_data.attributes, "Segment": seg})
    res = compute(data, Settings())
    assert res.segments == ("Assisted", "Self-serve", "Unassigned")
    assert res.scopes[-1].cohorts["month"].size.sum() == 1


def test_build_refuses_more_rows_than_excel_before_writing(example_input, tmp_path, monkeypatch):
    monkeypatch.setattr(build_mod, "EXCEL_MAX_ROWS", 100)
    out = tmp_path / "x.xlsx"
    with pytest.raises(InputError, match="do not fit in a worksheet"):
        build(example_input, out)
    assert not out.exists()


def test_metrics_json_equals_workbook_for_every_scope(example_input, example_workbook):
    doc = json.loads(metrics(example_input, "json", {"company": "Example SaaS Co"}))
    names = {}
    for scope_name, scope in doc["scopes"].items():
        slug = None if scope_name == "total" else slugify(scope_name.split("=", 1)[1])
        for key in ("arr", "nrr_12m", "quick_ratio", "ltv", "clients_new"):
            names[key if slug is None else f"{key}__{slug}"] = scope["monthly"][key]
    got = read_names(example_workbook, names)
    for name, values in names.items():
        row = got[name][0]
        for v, cell in zip(values, row, strict=True):
            if v is None:
                assert cell in ("n/a", "n/m"), name
            else:
                assert cell == pytest.approx(v, rel=1e-12), name


def test_load_applies_as_of(example_input):
    data, settings = load(example_input, {"as_of": "2023-12"})
    assert data.n_months == 24 and settings.as_of == dt.date(2023, 12, 1)


def test_burn_based_keys_only_with_the_segments_burn_column(example_data):
    """company burn is never set against one segment's revenue. The example's segments have
    S&M columns but no Burn columns: no burn keys. With a Burn column the segment's own burn is used."""
    from dataclasses import replace

    res = compute(example_data, Settings())
    for seg in res.segment_scopes():
        assert seg.has_sm and not seg.has_burn
        for key in ("net_burn", "burn_multiple", "fcf_margin_ttm", "rule_of_40"):
            assert key not in seg.monthly
    n = len(example_data.months)
    own = np.arange(n, dtype=float) * 100.0 + 5000.0  # Assisted's burn: 5000, 5100, 5200, ...
    data = replace(example_data, burn_by_segment={"assisted": own})  # matched ignoring case
    res = compute(data, Settings())
    assisted, self_serve = res.segment_scopes()
    assert assisted.label == "Assisted" and assisted.has_burn and not self_serve.has_burn
    m = assisted.monthly
    assert np.array_equal(m["net_burn"], own)
    t = n - 1  # hand-worked from the definitions: burn of the last three months over the ARR added
    delta = m["arr"][t] - m["arr"][t - 3]
    burn3 = own[t - 2] + own[t - 1] + own[t]
    assert burn3 == 3 * 5000.0 + 100.0 * (3 * t - 3)
    assert m["burn_multiple"][t] == pytest.approx(burn3 / delta if delta > 0 else np.nan, nan_ok=True)
    revenue = m["mrr_closing"][t - 11 : t + 1].sum()
    assert m["fcf_margin_ttm"][t] == pytest.approx(-own[t - 11 : t + 1].sum() / revenue)
    assert m["rule_of_40"][t] == pytest.approx(m["arr_growth_yoy"][t] + m["fcf_margin_ttm"][t])
    assert res.total.monthly["net_burn"][t] == example_data.net_burn[t]  # the total keeps its own burn
