"""Every metric the product knows, described once.

The engine's output keys, the workbook's row labels and defined names, the
glossary tab, the dashboard's benchmark colouring and the JSON export all read
from :data:`METRICS`. Adding a metric starts here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Units drive number formats in the workbook and the unit column of every row.
CURRENCY = "currency"
COUNT = "count"
PCT = "pct"
RATIO = "ratio"
MONTHS = "months"

# Which scopes carry a metric (SPEC §5).
ALL = "all"  # total and every segment
SM = "sm"  # total; a segment only when the S&M sheet has a column for it (SPEC §5)
BURN = "burn"  # total; a segment only when the Burn sheet has a column for it (SPEC §5)

# Sections, in the order a CFO reads them; each is a tab for the total scope.
BRIDGE = "MRR bridge"
CLIENTS = "Clients & ARPA"
RETENTION = "Retention"
UNIT = "Unit economics"
SECTIONS = (BRIDGE, CLIENTS, RETENTION, UNIT)


@dataclass(frozen=True)
class Benchmark:
    """A common rule of thumb. ``good``/``ok`` are thresholds; ``higher`` says which way is better."""

    text: str
    good: float | None = None
    ok: float | None = None
    higher: bool = True


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    section: str
    definition: str
    formula: str
    scope: str = ALL
    additive: bool = False
    benchmark: Benchmark | None = None
    note: str = ""  # where the definition differs from popular tools
    first_month: int = 2  # first 1-based month with a value, before any window rule


def _m(*args, **kwargs) -> Metric:
    return Metric(*args, **kwargs)


METRICS: tuple[Metric, ...] = (
    # --- MRR bridge -------------------------------------------------------------------
    _m(
        "mrr_opening",
        "Opening MRR",
        CURRENCY,
        BRIDGE,
        "Recurring revenue carried in from the previous month end.",
        "Σ MRR of every client at the previous month end",
        additive=True,
    ),
    _m(
        "mrr_new",
        "New MRR",
        CURRENCY,
        BRIDGE,
        "MRR from clients paying for the first time this month.",
        "Σ MRR where previous = 0, current > 0 and this is the client's first paying month",
        additive=True,
    ),
    _m(
        "mrr_reactivation",
        "Reactivation MRR",
        CURRENCY,
        BRIDGE,
        "MRR from clients who had paid before, stopped, and now pay again.",
        "Σ MRR where previous = 0, current > 0 and the client paid in an earlier month",
        additive=True,
        note="Counted as its own movement (not as new MRR) and included in the quick ratio.",
    ),
    _m(
        "mrr_expansion",
        "Expansion MRR",
        CURRENCY,
        BRIDGE,
        "Extra MRR from existing clients who now pay more.",
        "Σ (current − previous) where previous > 0 and current > previous",
        additive=True,
    ),
    _m(
        "mrr_contraction",
        "Contraction MRR",
        CURRENCY,
        BRIDGE,
        "MRR lost from existing clients who now pay less but still pay.",
        "Σ (previous − current) where previous > 0 and 0 < current < previous",
        additive=True,
    ),
    _m(
        "mrr_churn",
        "Churned MRR",
        CURRENCY,
        BRIDGE,
        "MRR lost from clients who stopped paying entirely.",
        "Σ previous where previous > 0 and current = 0",
        additive=True,
    ),
    _m(
        "mrr_closing",
        "Closing MRR",
        CURRENCY,
        BRIDGE,
        "Recurring revenue at month end, summed over all clients.",
        "Σ MRR at month end = opening + new + reactivation + expansion − contraction − churn",
        additive=True,
        first_month=1,
        note="Month 1 is the opening balance: it has a closing MRR but no movements.",
    ),
    _m(
        "mrr_net_new",
        "Net new MRR",
        CURRENCY,
        BRIDGE,
        "How much MRR grew (or shrank) over the month.",
        "closing − opening",
        additive=True,
    ),
    _m(
        "arr",
        "ARR",
        CURRENCY,
        BRIDGE,
        "Annual run rate of recurring revenue.",
        "12 × closing MRR",
        additive=True,
        first_month=1,
    ),
    _m(
        "mrr_growth_mom",
        "MRR growth (MoM)",
        PCT,
        BRIDGE,
        "Month-over-month growth of MRR.",
        "closing ÷ opening − 1",
    ),
    _m(
        "arr_growth_yoy",
        "ARR growth (YoY)",
        PCT,
        BRIDGE,
        "Growth of ARR over the last twelve months.",
        "closing[t] ÷ closing[t−12] − 1",
        first_month=13,
    ),
    # --- Clients & ARPA ---------------------------------------------------------------
    _m(
        "clients_opening",
        "Opening clients",
        COUNT,
        CLIENTS,
        "Paying clients at the previous month end.",
        "# clients with previous > 0",
        additive=True,
    ),
    _m(
        "clients_new",
        "New clients",
        COUNT,
        CLIENTS,
        "Clients paying for the first time.",
        "# clients in the new-MRR condition",
        additive=True,
    ),
    _m(
        "clients_reactivated",
        "Reactivated clients",
        COUNT,
        CLIENTS,
        "Former clients paying again.",
        "# clients in the reactivation condition",
        additive=True,
    ),
    _m(
        "clients_churned",
        "Churned clients",
        COUNT,
        CLIENTS,
        "Clients who stopped paying.",
        "# clients in the churn condition",
        additive=True,
    ),
    _m(
        "clients_expanded",
        "Expanded clients",
        COUNT,
        CLIENTS,
        "Existing clients paying more than last month.",
        "# clients in the expansion condition",
        additive=True,
    ),
    _m(
        "clients_contracted",
        "Contracted clients",
        COUNT,
        CLIENTS,
        "Existing clients paying less (but not zero).",
        "# clients in the contraction condition",
        additive=True,
    ),
    _m(
        "clients_closing",
        "Closing clients",
        COUNT,
        CLIENTS,
        "Paying clients at month end.",
        "# clients with current > 0",
        additive=True,
        first_month=1,
    ),
    _m(
        "arpa",
        "ARPA",
        CURRENCY,
        CLIENTS,
        "Average MRR per paying client (account).",
        "closing MRR ÷ closing clients",
        first_month=1,
    ),
    _m(
        "asp_new",
        "ASP (new clients)",
        CURRENCY,
        CLIENTS,
        "Average MRR a new client starts on.",
        "new MRR ÷ new clients",
    ),
    _m(
        "arpa_churned",
        "ARPA of churned clients",
        CURRENCY,
        CLIENTS,
        "What the clients who left were paying before they left.",
        "churned MRR ÷ churned clients",
    ),
    _m(
        "arpa_expanded",
        "ARPA of expanded clients",
        CURRENCY,
        CLIENTS,
        "Average MRR of clients who expanded, after expanding.",
        "Σ current MRR of expanded ÷ expanded clients",
    ),
    _m(
        "arpa_contracted",
        "ARPA of contracted clients",
        CURRENCY,
        CLIENTS,
        "Average MRR of clients who contracted, after contracting.",
        "Σ current MRR of contracted ÷ contracted clients",
    ),
    # --- Retention ----------------------------------------------------------------------
    _m(
        "quick_ratio",
        "Quick ratio",
        RATIO,
        RETENTION,
        "MRR gained for every unit of MRR lost in the month.",
        "(new + reactivation + expansion) ÷ (contraction + churn)",
        benchmark=Benchmark("3 is respectable, 5 or more is strong", good=5, ok=3),
    ),
    _m(
        "quick_ratio_3m",
        "Quick ratio (3 months)",
        RATIO,
        RETENTION,
        "The quick ratio on the sums of the last three months; smoother than the monthly one.",
        "Σ3m (new + reactivation + expansion) ÷ Σ3m (contraction + churn)",
        first_month=4,
        benchmark=Benchmark("3 is respectable, 5 or more is strong", good=5, ok=3),
    ),
    _m(
        "logo_churn_rate",
        "Logo churn rate",
        PCT,
        RETENTION,
        "Share of last month's paying clients who stopped paying.",
        "churned clients ÷ opening clients",
        benchmark=Benchmark(
            "1 % a month or less is good, up to 2 % OK (SMB)", good=0.01, ok=0.02, higher=False
        ),
    ),
    _m(
        "gross_mrr_churn_rate",
        "Gross MRR churn rate",
        PCT,
        RETENTION,
        "Share of opening MRR lost to churn and contraction.",
        "(churn + contraction) ÷ opening MRR",
        benchmark=Benchmark("1 % a month or less is good, up to 2 % OK", good=0.01, ok=0.02, higher=False),
    ),
    _m(
        "net_mrr_churn_rate",
        "Net MRR churn rate",
        PCT,
        RETENTION,
        "Share of opening MRR lost after offsetting expansion and reactivation; negative is net expansion.",
        "(churn + contraction − expansion − reactivation) ÷ opening MRR",
        note="Reactivation offsets churn here, as well as expansion.",
        benchmark=Benchmark("below 0 (net expansion) is excellent", good=0.0, ok=0.01, higher=False),
    ),
    _m(
        "nrr_12m",
        "Net revenue retention (12m)",
        PCT,
        RETENTION,
        "What the clients paying a year ago pay now, as a share of what they paid then.",
        "Σ base MRR[t] ÷ Σ base MRR[t−12], base = clients paying at t−12",
        first_month=13,
        benchmark=Benchmark("120 %+ is best in class, 100 %+ OK", good=1.2, ok=1.0),
    ),
    _m(
        "grr_12m",
        "Gross revenue retention (12m)",
        PCT,
        RETENTION,
        "Like NRR but each client counts at most what it paid a year ago, so expansion cannot hide losses.",
        "Σ base min(MRR[t], MRR[t−12]) ÷ Σ base MRR[t−12]",
        first_month=13,
        benchmark=Benchmark("90 %+ is strong, 80 % OK", good=0.9, ok=0.8),
    ),
    # --- Unit economics -----------------------------------------------------------------
    _m(
        "sm_spend",
        "Sales & marketing spend",
        CURRENCY,
        UNIT,
        "Total sales and marketing cost of the month (input).",
        "input: S&M sheet",
        first_month=1,
        note="A segment's spend is the S&M column headed with its name; without one it is undefined.",
    ),
    _m(
        "gross_margin",
        "Gross margin",
        PCT,
        UNIT,
        "Gross margin of the month as a fraction of revenue (input).",
        "input: Gross margin sheet",
        first_month=1,
    ),
    _m(
        "net_burn",
        "Net burn",
        CURRENCY,
        UNIT,
        "Cash consumed in the month; negative means cash generated (input).",
        "input: Burn sheet",
        first_month=1,
        note="A segment has a net burn only from its own column on the Burn sheet.",
        scope=BURN,
    ),
    _m(
        "cac",
        "CAC",
        CURRENCY,
        UNIT,
        "Sales and marketing cost to win one new client, over a rolling window.",
        "Σ S&M[t−L−W+1 … t−L] ÷ Σ new clients[t−W+1 … t] (W = CAC window, L = CAC lag)",
        scope=SM,
    ),
    _m(
        "cac_payback_months",
        "CAC payback",
        MONTHS,
        UNIT,
        "Months of gross profit from a new client needed to earn back its CAC.",
        "CAC ÷ (ASP over the window × gross margin)",
        scope=SM,
        benchmark=Benchmark("under 12 months for SMB, 12–24 for enterprise", good=12, ok=24, higher=False),
    ),
    _m(
        "lifetime_months",
        "Client lifetime",
        MONTHS,
        UNIT,
        "Expected months a client stays, from the average logo churn of the churn window.",
        "min(1 ÷ average logo churn over C months, lifetime cap)",
    ),
    _m(
        "ltv",
        "LTV",
        CURRENCY,
        UNIT,
        "Gross profit a client brings over its expected lifetime.",
        "ARPA × gross margin × lifetime",
        note="LTV is on gross profit (ARPA × gross margin), not on revenue.",
    ),
    _m(
        "ltv_cac",
        "LTV:CAC",
        RATIO,
        UNIT,
        "Lifetime gross profit per unit of acquisition cost.",
        "LTV ÷ CAC",
        scope=SM,
        benchmark=Benchmark("3 or more is good, 1 to 3 thin", good=3, ok=1),
    ),
    _m(
        "magic_number",
        "Magic number",
        RATIO,
        UNIT,
        "New ARR of the last three months per unit of the S&M spent in the three months before.",
        "(ARR[t] − ARR[t−3]) ÷ Σ S&M[t−5 … t−3]",
        scope=SM,
        first_month=6,
        benchmark=Benchmark("above 0.7 is healthy, above 1 means invest more", good=1.0, ok=0.7),
    ),
    _m(
        "burn_multiple",
        "Burn multiple",
        RATIO,
        UNIT,
        "Cash burned for each unit of new ARR over the last three months; n/m when ARR did not grow.",
        "Σ net burn[t−2 … t] ÷ (ARR[t] − ARR[t−3])",
        scope=BURN,
        note="For a segment: its own Burn column against its new ARR (never the company's burn).",
        first_month=4,
        benchmark=Benchmark("1 or less is strong, up to 2 acceptable early", good=1, ok=2, higher=False),
    ),
    _m(
        "revenue_ttm",
        "Revenue (TTM)",
        CURRENCY,
        UNIT,
        "Recurring revenue of the trailing twelve months.",
        "Σ closing MRR[t−11 … t]",
        first_month=12,
        additive=True,
    ),
    _m(
        "fcf_margin_ttm",
        "FCF margin (TTM)",
        PCT,
        UNIT,
        "Free cash flow of the trailing twelve months as a share of revenue (burn is negative cash flow).",
        "− Σ net burn[t−11 … t] ÷ revenue (TTM)",
        scope=BURN,
        note="For a segment: its own Burn column against its revenue (never the company's burn).",
        first_month=12,
    ),
    _m(
        "rule_of_40",
        "Rule of 40",
        PCT,
        UNIT,
        "ARR growth plus FCF margin; 40 % or more is the usual bar.",
        "ARR growth (YoY) + FCF margin (TTM)",
        scope=BURN,
        first_month=13,
        benchmark=Benchmark("40 % or more is good, 20 % OK", good=0.4, ok=0.2),
    ),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)


def keys_for_scope(is_total: bool, has_sm: bool, has_burn: bool = False) -> tuple[str, ...]:
    """The metric keys a scope carries (SPEC §5)."""
    out = []
    for m in METRICS:
        if m.scope == SM and not (is_total or has_sm):
            continue
        if m.scope == BURN and not (is_total or has_burn):
            continue
        out.append(m.key)
    return tuple(out)


# --- Cohort tables (SPEC §4) ----------------------------------------------------------
GROUPINGS = ("month", "quarter", "year")


@dataclass(frozen=True)
class CohortTable:
    key: str
    label: str
    unit: str
    definition: str
    single_column: bool = False
    needs_sm: bool = False


COHORT_TABLES: tuple[CohortTable, ...] = (
    CohortTable("size", "Cohort size", COUNT, "Clients whose first paying month falls in the period.", True),
    CohortTable("mrr", "Cohort MRR", CURRENCY, "MRR of the cohort's clients at the end of each age."),
    CohortTable("nrr", "Cohort NRR", PCT, "Cohort MRR at age k as a share of its MRR at age 0."),
    CohortTable(
        "grr",
        "Cohort GRR",
        PCT,
        "Like cohort NRR, but each client counts at most its age-0 MRR (no expansion).",
    ),
    CohortTable(
        "logo_retention", "Logo retention", PCT, "Share of the cohort's clients still paying at age k."
    ),
    CohortTable(
        "cum_gp",
        "Cumulative gross profit",
        CURRENCY,
        "Gross profit (MRR × gross margin) earned by the cohort from its first month to age k.",
    ),
    CohortTable(
        "cac",
        "Cohort CAC",
        CURRENCY,
        "S&M spend of the cohort's period (lagged by the CAC lag); undefined for the opening base.",
        True,
        True,
    ),
    CohortTable(
        "payback_age",
        "Payback age",
        COUNT,
        "First age at which cumulative gross profit covers the cohort's CAC.",
        True,
        True,
    ),
)


# Quarterly and annual views: how each row is built from the months of a period.
# flow = sum of the months; stock = value at the period's last month; opening = value
# carried in (closing of the month before the period); derived = recomputed from the
# period's own sums, never an average of monthly ratios.
PERIOD_ROWS: tuple[tuple[str, str], ...] = (
    ("mrr_opening", "opening"),
    ("mrr_new", "flow"),
    ("mrr_reactivation", "flow"),
    ("mrr_expansion", "flow"),
    ("mrr_contraction", "flow"),
    ("mrr_churn", "flow"),
    ("mrr_closing", "stock"),
    ("mrr_net_new", "derived"),
    ("arr", "stock"),
    ("mrr_growth", "derived"),
    ("arr_growth_yoy", "stock"),
    ("clients_opening", "opening"),
    ("clients_new", "flow"),
    ("clients_reactivated", "flow"),
    ("clients_churned", "flow"),
    ("clients_closing", "stock"),
    ("arpa", "derived"),
    ("asp_new", "derived"),
    ("quick_ratio", "derived"),
    ("logo_churn_rate", "derived"),
    ("gross_mrr_churn_rate", "derived"),
    ("net_mrr_churn_rate", "derived"),
    ("nrr_12m", "stock"),
    ("grr_12m", "stock"),
    ("sm_spend", "flow"),
    ("gross_margin", "derived"),
    ("net_burn", "flow"),
    ("cac", "derived"),
    ("cac_payback_months", "derived"),
    ("lifetime_months", "derived"),
    ("ltv", "derived"),
    ("ltv_cac", "derived"),
    ("magic_number", "derived"),
    ("burn_multiple", "derived"),
    ("revenue", "derived"),
    ("fcf_margin", "derived"),
    ("rule_of_40", "derived"),
)
PERIOD_GROWTH = Metric(
    "mrr_growth",
    "MRR growth (period)",
    PCT,
    BRIDGE,
    "Growth of MRR over the period.",
    "closing ÷ opening − 1",
)


# Period-only rows (the quarterly and annual views; SPEC §3 period rule).
PERIOD_ONLY = {
    m.key: m
    for m in (
        PERIOD_GROWTH,
        Metric(
            "revenue",
            "Recurring revenue (period)",
            CURRENCY,
            UNIT,
            "Sum of the period's monthly closing MRR.",
            "Σ closing MRR over the period's months",
        ),
        Metric(
            "fcf_margin",
            "FCF margin (period)",
            PCT,
            UNIT,
            "Free cash flow of the period as a share of its recurring revenue.",
            "− Σ net burn ÷ Σ closing MRR, over the period's months",
        ),
    )
}
# How the period rows that are not plain sums or stocks are defined (shown on the tabs and in tests).
PERIOD_DEFINITIONS = {
    "nrr_12m": "at the period's last month (12 months back from it)",
    "grr_12m": "at the period's last month (12 months back from it)",
    "arr_growth_yoy": "at the period's last month",
    "cac": "period's S&M (lagged) ÷ period's new clients",
    "cac_payback_months": "CAC ÷ (period ASP × period gross margin)",
    "lifetime_months": "1 ÷ (period's churned clients ÷ Σ monthly opening clients), capped",
    "ltv": "period-end ARPA × period gross margin × lifetime",
    "ltv_cac": "LTV ÷ CAC",
    "magic_number": "ARR added in the period ÷ the previous period's S&M",
    "burn_multiple": "period's net burn ÷ ARR added in the period",
    "rule_of_40": "ARR growth (YoY, period end) + FCF margin (period)",
}


def period_metric(key: str) -> Metric:
    return PERIOD_ONLY.get(key) or BY_KEY[key]


def cohort_name(grouping: str, table: str, slug: str | None = None) -> str:
    name = f"cohort_{grouping}_{table}"
    return f"{name}__{slug}" if slug else name


def series_name(key: str, slug: str | None = None) -> str:
    return f"{key}__{slug}" if slug else key
