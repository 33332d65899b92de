"""A held-out company with a plan: cents-level actuals from May 2023 to December 2024 (fiscal years
from April), and two plan versions from March 2023 (before the actuals) to March 2025 (past them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
from helpers import cents_company

from workbook_gen.metrics.engine import compute
from workbook_gen.model import PlanInput, PlanLine, month_range
from workbook_gen.settings import Settings

PLAN_SETTINGS = {"fiscal_year_start": 4, "cac_window": 2}
PLANNED = (
    ("arr", "ARR"),
    ("mrr_closing", "closing mrr"),
    ("mrr_new", "mrr_new"),
    ("mrr_churn", "Churned MRR"),
    ("net_new_arr", "NET_NEW_ARR"),
    ("clients_new", "clients_new"),
    ("clients_closing", "Closing clients"),
    ("logo_churn_rate", "logo_churn_rate"),
    ("nrr_12m", "nrr_12m"),
    ("sm_spend", "sm_spend"),
    ("gross_margin", "Gross margin"),
    ("net_burn", "net_burn"),
    ("cac", "cac"),
    ("cash_balance", "Cash balance"),
)


def plan_company(seed: int = 11):
    """The company's inputs (with the plan) and the settings to build it with."""
    data = cents_company(seed, n_clients=16, n_months=20)
    data = replace(data, cash_balance=np.round(40000.0 - np.cumsum(data.net_burn), 2))
    actual = compute(data, Settings(**PLAN_SETTINGS)).total.monthly
    rng = np.random.default_rng(seed)
    months = month_range(dt.date(2023, 3, 1), 25)
    lines = []
    for version, spread in (("Budget FY2025", 0.2), ("Reforecast Q3", 0.05)):
        for key, text in PLANNED:
            values = []
            for m in months:
                i = data.months.index(m) if m in data.months else None
                base = actual[key][i] if i is not None and np.isfinite(actual[key][i]) else None
                if base is None:
                    base = float(np.nanmean(actual[key][-6:]))
                if rng.random() < 0.04:
                    values.append(None)  # a blank plan cell: that month is not planned
                    continue
                values.append(round(float(base * (1 + spread * rng.standard_normal())), 2))
            lines.append(PlanLine(key, text, version, tuple(values)))
    # a planned zero: its variance % is undefined
    lines[0] = replace(lines[0], values=(0.0, *lines[0].values[1:]))
    return replace(data, plan=PlanInput(months, tuple(lines), has_versions=True)), PLAN_SETTINGS
