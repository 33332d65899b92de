"""Every metric the product knows, described once.

The engine's output keys, the workbook's row labels and defined names, the
glossary tab, the dashboard's benchmark colouring and the JSON export all read
from :data:`METRICS`. Adding a metric starts here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from workbook_gen.expressions import (
    NOT_MEANINGFUL,
    UNDEFINED,
    AtEnd,
    AtStart,
    CappedInverse,
    Exact,
    Expr,
    Lag,
    MonthSum,
    OfTotal,
    Positive,
    Previous,
    Ratio,
    S,
    Setting,
    Whole,
    Window,
    can_be_undefined,
    children,
    first_month,
    refs,
    start_value,
    text,
    undefined_when,
)

# Units drive number formats in the workbook and the unit column of every row.
CURRENCY = "currency"
COUNT = "count"
PCT = "pct"
RATIO = "ratio"
MONTHS = "months"

# Which scopes carry a metric (docs/definitions.md, Conventions).
ALL = "all"  # total and every segment
SEGMENTS = "segments"  # segments only (a share of the total)
SM = "sm"  # total; a segment only when the S&M sheet has a column for it
BURN = "burn"  # total; a segment only when the Burn sheet has a column for it

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


# How a quarterly, annual or trailing-twelve-months row is built from the months of its period.
FLOW = "flow"  # the sum of the period's months
STOCK = "stock"  # the value at the period's last month
SAME = "same"  # the metric's own expression, recomputed from the period's rows (never an average)


@dataclass(frozen=True)
class Metric:
    """One metric, once. A derived metric has an ``expr`` (workbook_gen.expressions) from which its
    values, its formulas, its readable formula and its undefined rule are all rendered; a client-level
    aggregation or an input has ``expr`` None, its rule in words in ``formula`` and its first month in
    ``first_month``. ``period`` says how the quarterly / annual / trailing views build it (FLOW, STOCK,
    SAME, or an expression over period rows); None keeps it out of those views."""

    key: str
    label: str
    unit: str
    section: str
    definition: str
    formula: str = ""
    scope: str = ALL
    additive: bool = False
    benchmark: Benchmark | None = None
    note: str = ""  # where the definition differs from popular tools
    first_month: int = 2  # aggregations and inputs: first 1-based month with a value
    expr: Expr | None = None
    period: str | Expr | None = None
    undefined_if: str = ""  # an aggregation that can be undefined after its first month: when
    period_note: str = ""  # how the period view reads it, where the rule alone does not say

    @property
    def derived(self) -> bool:
        return self.expr is not None


# Settings the expressions read (cells on the Cover in the workbook).
W = Setting("cac_window", "W")
L = Setting("cac_lag", "L")
C = Setting("ltv_churn_window", "C")
CAP = Setting("lifetime_cap_months", "cap")

# Parts several metrics share.
GAINED = S("mrr_new") + S("mrr_reactivation") + S("mrr_expansion")
LOST = S("mrr_contraction") + S("mrr_churn")
ARR_ADDED_3M = Exact(S("arr") - Lag(S("arr"), 3))
# S&M spend of the months of a period, lagged L months: the spend matched to the clients won in it
# (the lag rule of the CAC, the period CAC and the cohort CAC alike).
LAGGED_SPEND = MonthSum(S("sm_spend"), L)


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
        period=AtStart("mrr_closing"),
    ),
    _m(
        "mrr_new",
        "New MRR",
        CURRENCY,
        BRIDGE,
        "MRR from clients paying for the first time this month.",
        "Σ MRR where previous = 0, current > 0 and this is the client's first paying month",
        additive=True,
        period=FLOW,
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
        period=FLOW,
    ),
    _m(
        "mrr_expansion",
        "Expansion MRR",
        CURRENCY,
        BRIDGE,
        "Extra MRR from existing clients who now pay more.",
        "Σ (current − previous) where previous > 0 and current > previous",
        additive=True,
        period=FLOW,
    ),
    _m(
        "mrr_contraction",
        "Contraction MRR",
        CURRENCY,
        BRIDGE,
        "MRR lost from existing clients who now pay less but still pay.",
        "Σ (previous − current) where previous > 0 and 0 < current < previous",
        additive=True,
        period=FLOW,
    ),
    _m(
        "mrr_churn",
        "Churned MRR",
        CURRENCY,
        BRIDGE,
        "MRR lost from clients who stopped paying entirely.",
        "Σ previous where previous > 0 and current = 0",
        additive=True,
        period=FLOW,
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
        period=STOCK,
    ),
    _m(
        "mrr_net_new",
        "Net new MRR",
        CURRENCY,
        BRIDGE,
        "How much MRR grew (or shrank) over the month.",
        expr=S("mrr_closing") - S("mrr_opening"),
        additive=True,
        period=SAME,
    ),
    _m(
        "arr",
        "ARR",
        CURRENCY,
        BRIDGE,
        "Annual run rate of recurring revenue.",
        expr=12 * S("mrr_closing"),
        additive=True,
        period=STOCK,
    ),
    _m(
        "net_new_arr",
        "Net new ARR",
        CURRENCY,
        BRIDGE,
        "ARR added (or lost, if negative) over the month: twelve times net new MRR.",
        expr=12 * S("mrr_net_new"),
        additive=True,
        period=SAME,
    ),
    _m(
        "arr_share",
        "Share of total ARR",
        PCT,
        BRIDGE,
        "The segment's part of the company's ARR.",
        expr=S("arr") / OfTotal("arr"),
        scope=SEGMENTS,
    ),
    _m(
        "mrr_growth_mom",
        "MRR growth (MoM)",
        PCT,
        BRIDGE,
        "Month-over-month growth of MRR.",
        expr=S("mrr_closing") / S("mrr_opening") - 1,
    ),
    _m(
        "arr_growth_yoy",
        "ARR growth (YoY)",
        PCT,
        BRIDGE,
        "Growth of ARR over the last twelve months.",
        expr=S("mrr_closing") / Lag(S("mrr_closing"), 12) - 1,
        period=STOCK,
        period_note="at the period's last month",
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
        period=AtStart("clients_closing"),
    ),
    _m(
        "clients_new",
        "New clients",
        COUNT,
        CLIENTS,
        "Clients paying for the first time.",
        "# clients in the new-MRR condition",
        additive=True,
        period=FLOW,
    ),
    _m(
        "clients_reactivated",
        "Reactivated clients",
        COUNT,
        CLIENTS,
        "Former clients paying again.",
        "# clients in the reactivation condition",
        additive=True,
        period=FLOW,
    ),
    _m(
        "clients_churned",
        "Churned clients",
        COUNT,
        CLIENTS,
        "Clients who stopped paying.",
        "# clients in the churn condition",
        additive=True,
        period=FLOW,
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
        period=STOCK,
    ),
    _m(
        "arpa",
        "ARPA",
        CURRENCY,
        CLIENTS,
        "Average MRR per paying client (account).",
        expr=S("mrr_closing") / S("clients_closing"),
        period=SAME,
    ),
    _m(
        "asp_new",
        "ASP (new clients)",
        CURRENCY,
        CLIENTS,
        "Average MRR a new client starts on.",
        expr=S("mrr_new") / S("clients_new"),
        period=SAME,
    ),
    _m(
        "arpa_churned",
        "ARPA of churned clients",
        CURRENCY,
        CLIENTS,
        "What the clients who left were paying before they left.",
        expr=S("mrr_churn") / S("clients_churned"),
    ),
    _m(
        "arpa_expanded",
        "ARPA of expanded clients",
        CURRENCY,
        CLIENTS,
        "Average MRR of clients who expanded, after expanding.",
        "Σ current MRR of expanded ÷ expanded clients",
        undefined_if="Expanded clients = 0",
    ),
    _m(
        "arpa_contracted",
        "ARPA of contracted clients",
        CURRENCY,
        CLIENTS,
        "Average MRR of clients who contracted, after contracting.",
        "Σ current MRR of contracted ÷ contracted clients",
        undefined_if="Contracted clients = 0",
    ),
    # --- Retention ----------------------------------------------------------------------
    _m(
        "quick_ratio",
        "Quick ratio",
        RATIO,
        RETENTION,
        "MRR gained for every unit of MRR lost in the month.",
        expr=GAINED / LOST,
        benchmark=Benchmark("3 is respectable, 5 or more is strong", good=5, ok=3),
        period=SAME,
    ),
    _m(
        "quick_ratio_3m",
        "Quick ratio (3 months)",
        RATIO,
        RETENTION,
        "The quick ratio on the sums of the last three months; smoother than the monthly one.",
        expr=Window(GAINED, 3) / Window(LOST, 3),
        benchmark=Benchmark("3 is respectable, 5 or more is strong", good=5, ok=3),
    ),
    _m(
        "logo_churn_rate",
        "Logo churn rate",
        PCT,
        RETENTION,
        "Share of last month's paying clients who stopped paying.",
        expr=S("clients_churned") / S("clients_opening"),
        benchmark=Benchmark(
            "1 % a month or less is good, up to 2 % OK (SMB)", good=0.01, ok=0.02, higher=False
        ),
        period=SAME,
    ),
    _m(
        "gross_mrr_churn_rate",
        "Gross MRR churn rate",
        PCT,
        RETENTION,
        "Share of opening MRR lost to churn and contraction.",
        expr=LOST / S("mrr_opening"),
        benchmark=Benchmark("1 % a month or less is good, up to 2 % OK", good=0.01, ok=0.02, higher=False),
        period=SAME,
    ),
    _m(
        "net_mrr_churn_rate",
        "Net MRR churn rate",
        PCT,
        RETENTION,
        "Share of opening MRR lost after offsetting expansion and reactivation; negative is net expansion.",
        expr=(LOST - S("mrr_expansion") - S("mrr_reactivation")) / S("mrr_opening"),
        note="Reactivation offsets churn here, as well as expansion.",
        benchmark=Benchmark("below 0 (net expansion) is excellent", good=0.0, ok=0.01, higher=False),
        period=SAME,
    ),
    _m(
        "expansion_rate",
        "Expansion rate",
        PCT,
        RETENTION,
        "Extra MRR from existing clients as a share of opening MRR.",
        expr=S("mrr_expansion") / S("mrr_opening"),
        period=SAME,
    ),
    _m(
        "nrr_12m",
        "Net revenue retention (12m)",
        PCT,
        RETENTION,
        "What the clients paying a year ago pay now, as a share of what they paid then.",
        "Σ base MRR[t] ÷ Σ base MRR[t−12], base = clients paying at t−12",
        first_month=13,
        undefined_if="the base's MRR a year earlier = 0",
        benchmark=Benchmark("120 %+ is best in class, 100 %+ OK", good=1.2, ok=1.0),
        period=STOCK,
        period_note="at the period's last month (12 months back from it)",
    ),
    _m(
        "grr_12m",
        "Gross revenue retention (12m)",
        PCT,
        RETENTION,
        "Like NRR but each client counts at most what it paid a year ago, so expansion cannot hide losses.",
        "Σ base min(MRR[t], MRR[t−12]) ÷ Σ base MRR[t−12]",
        first_month=13,
        undefined_if="the base's MRR a year earlier = 0",
        benchmark=Benchmark("90 %+ is strong, 80 % OK", good=0.9, ok=0.8),
        period=STOCK,
        period_note="at the period's last month (12 months back from it)",
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
        period=FLOW,
    ),
    _m(
        "gross_margin",
        "Gross margin",
        PCT,
        UNIT,
        "Gross margin of the month as a fraction of revenue (input).",
        "input: Gross margin sheet",
        first_month=1,
        period=MonthSum(S("mrr_closing") * S("gross_margin")) / MonthSum(S("mrr_closing")),
        period_note="revenue-weighted: Σ closing MRR × margin ÷ Σ closing MRR over the period's months",
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
        period=FLOW,
    ),
    _m(
        "cac",
        "CAC",
        CURRENCY,
        UNIT,
        "Sales and marketing cost to win one new client, over a rolling window.",
        expr=Window(S("sm_spend"), W, L) / Window(S("clients_new"), W),
        scope=SM,
        note="W = CAC window, L = CAC lag (settings on the Cover).",
        period=LAGGED_SPEND / Whole("clients_new"),
        period_note="period's S&M (lagged by L months) ÷ period's new clients",
    ),
    _m(
        "cac_payback_months",
        "CAC payback",
        MONTHS,
        UNIT,
        "Months of gross profit from a new client needed to earn back its CAC.",
        expr=S("cac") / (Window(S("mrr_new"), W) / Window(S("clients_new"), W) * S("gross_margin")),
        scope=SM,
        note="The ASP is taken over the same W months as the CAC.",
        benchmark=Benchmark("under 12 months for SMB, 12–24 for enterprise", good=12, ok=24, higher=False),
        period=S("cac") / (S("asp_new") * S("gross_margin")),
        period_note="CAC ÷ (period ASP × period gross margin)",
    ),
    _m(
        "lifetime_months",
        "Client lifetime",
        MONTHS,
        UNIT,
        "Expected months a client stays, from the average logo churn of the churn window.",
        expr=CappedInverse(Window(S("clients_churned"), C) / Window(S("clients_opening"), C), CAP),
        period=CappedInverse(S("clients_churned") / MonthSum(S("clients_opening")), CAP),
        period_note="1 ÷ (period's churned clients ÷ Σ monthly opening clients), capped",
    ),
    _m(
        "ltv",
        "LTV",
        CURRENCY,
        UNIT,
        "Gross profit a client brings over its expected lifetime.",
        expr=S("arpa") * S("gross_margin") * S("lifetime_months"),
        note="LTV is on gross profit (ARPA × gross margin), not on revenue.",
        period=SAME,
        period_note="period-end ARPA × period gross margin × lifetime",
    ),
    _m(
        "ltv_cac",
        "LTV:CAC",
        RATIO,
        UNIT,
        "Lifetime gross profit per unit of acquisition cost.",
        expr=S("ltv") / S("cac"),
        scope=SM,
        benchmark=Benchmark("3 or more is good, 1 to 3 thin", good=3, ok=1),
        period=SAME,
    ),
    _m(
        "magic_number",
        "Magic number",
        RATIO,
        UNIT,
        "New ARR of the last three months per unit of the S&M spent in the three months before.",
        expr=ARR_ADDED_3M / Window(S("sm_spend"), 3, 3),
        scope=SM,
        benchmark=Benchmark("above 0.7 is healthy, above 1 means invest more", good=1.0, ok=0.7),
        period=Exact(S("arr") - 12 * S("mrr_opening")) / Previous("sm_spend"),
        period_note="ARR added in the period ÷ the previous period's S&M",
    ),
    _m(
        "burn_multiple",
        "Burn multiple",
        RATIO,
        UNIT,
        "Cash burned for each unit of new ARR over the last three months; n/m when ARR did not grow.",
        expr=Positive(ARR_ADDED_3M, Window(S("net_burn"), 3) / ARR_ADDED_3M),
        scope=BURN,
        note="For a segment: its own Burn column against its new ARR (never the company's burn).",
        benchmark=Benchmark("1 or less is strong, up to 2 acceptable early", good=1, ok=2, higher=False),
        period=Positive(
            Exact(S("arr") - 12 * S("mrr_opening")),
            S("net_burn") / Exact(S("arr") - 12 * S("mrr_opening")),
        ),
        period_note="period's net burn ÷ ARR added in the period",
    ),
    _m(
        "revenue_ttm",
        "Revenue (TTM)",
        CURRENCY,
        UNIT,
        "Recurring revenue of the trailing twelve months.",
        expr=Window(S("mrr_closing"), 12),
        additive=True,
    ),
    _m(
        "fcf_margin_ttm",
        "FCF margin (TTM)",
        PCT,
        UNIT,
        "Free cash flow of the trailing twelve months as a share of revenue (burn is negative cash flow).",
        expr=-Window(S("net_burn"), 12) / S("revenue_ttm"),
        scope=BURN,
        note="For a segment: its own Burn column against its revenue (never the company's burn).",
    ),
    _m(
        "rule_of_40",
        "Rule of 40",
        PCT,
        UNIT,
        "ARR growth plus FCF margin; 40 % or more is the usual bar.",
        expr=S("arr_growth_yoy") + S("fcf_margin_ttm"),
        scope=BURN,
        benchmark=Benchmark("40 % or more is good, 20 % OK", good=0.4, ok=0.2),
        period=S("arr_growth_yoy") + S("fcf_margin"),
        period_note="ARR growth (YoY, period end) + FCF margin (period)",
    ),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)


def keys_for_scope(is_total: bool, has_sm: bool, has_burn: bool = False) -> tuple[str, ...]:
    """The metric keys a scope carries (docs/definitions.md, Conventions)."""
    out = []
    for m in METRICS:
        if m.scope == SM and not (is_total or has_sm):
            continue
        if m.scope == BURN and not (is_total or has_burn):
            continue
        if m.scope == SEGMENTS and is_total:
            continue
        out.append(m.key)
    return tuple(out)


# --- Cohort tables (docs/definitions.md, Cohorts) ----------------------------------------------------------
GROUPINGS = ("month", "quarter", "year")


@dataclass(frozen=True)
class CohortTable:
    key: str
    label: str
    unit: str
    definition: str
    single_column: bool = False
    needs_sm: bool = False
    expr: Expr | None = None  # over the cohort's own period, for a table built like a period row


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
        LAGGED_SPEND,
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


# --- Quarterly, annual and trailing-twelve-months views -----------------------------------------
# Rows that exist only in the period views (a monthly row of the same idea has another window).
PERIOD_ONLY: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "mrr_growth",
            "MRR growth (period)",
            PCT,
            BRIDGE,
            "Growth of MRR over the period.",
            period=S("mrr_closing") / S("mrr_opening") - 1,
        ),
        Metric(
            "revenue",
            "Recurring revenue (period)",
            CURRENCY,
            UNIT,
            "Sum of the period's monthly closing MRR.",
            period=MonthSum(S("mrr_closing")),
            first_month=1,
        ),
        Metric(
            "fcf_margin",
            "FCF margin (period)",
            PCT,
            UNIT,
            "Free cash flow of the period as a share of its recurring revenue.",
            scope=BURN,
            period=-S("net_burn") / S("revenue"),
        ),
    )
}
# Rows only the trailing-twelve-months view has (the dashboard's and the segment comparison's).
TRAILING_ONLY: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            "new_and_reactivation_mrr",
            "New + reactivation MRR",
            CURRENCY,
            BRIDGE,
            "MRR won from new and returning clients.",
            period=S("mrr_new") + S("mrr_reactivation"),
        ),
        Metric(
            "lost_mrr",
            "Churn + contraction MRR",
            CURRENCY,
            BRIDGE,
            "MRR lost to clients leaving or paying less.",
            period=S("mrr_churn") + S("mrr_contraction"),
        ),
        Metric(
            "logo_churn_monthly",
            "Logo churn per month",
            PCT,
            RETENTION,
            "Churned clients over the sum of the months' opening clients: the average monthly logo churn.",
            period=S("clients_churned") / MonthSum(S("clients_opening")),
        ),
        Metric(
            "sm_per_new_client",
            "S&M per new client",
            CURRENCY,
            UNIT,
            "Sales and marketing spend of the window per client won in it (no lag).",
            scope=SM,
            period=S("sm_spend") / S("clients_new"),
        ),
    )
}
# Where each period-only row sits among the catalog's rows on the Quarterly and Annual tabs.
PERIOD_ONLY_AFTER = {"mrr_growth": "arr", "revenue": "burn_multiple", "fcf_margin": "revenue"}


def _period_keys() -> tuple[str, ...]:
    """The period views' rows, in the order the Quarterly and Annual tabs show them: every metric with a
    period rule in catalog order, each period-only row after the row it follows."""
    out: list[str] = []

    def place(key: str) -> None:
        out.append(key)
        for extra, anchor in PERIOD_ONLY_AFTER.items():
            if anchor == key:
                place(extra)

    for m in METRICS:
        if m.period is not None:
            place(m.key)
    return tuple(out)


# The trailing twelve months (the last twelve months, from month 2 at the earliest): every scope.
TRAILING_KEYS: tuple[str, ...] = (
    "new_and_reactivation_mrr",
    "mrr_expansion",
    "lost_mrr",
    "mrr_net_new",
    "quick_ratio",
    "clients_new",
    "logo_churn_monthly",
    "asp_new",
    "revenue",
    "sm_spend",
    "sm_per_new_client",
    "net_burn",
)
TRAILING_MONTHS = 12


def period_metric(key: str) -> Metric:
    """A row of a period view: a monthly metric, or one of the period-only / trailing-only rows."""
    return PERIOD_ONLY.get(key) or TRAILING_ONLY.get(key) or BY_KEY[key]


def period_rule(key: str) -> Expr:
    """The expression over period rows (and the period's months) that builds ``key`` in a period view."""
    m = period_metric(key)
    if m.period is None:
        raise KeyError(f"{key} has no period rule")
    return {FLOW: MonthSum(S(key)), STOCK: AtEnd(key), SAME: m.expr}.get(m.period, m.period)


# --- what the expressions imply ------------------------------------------------------------------


@cache
def start(key: str):
    """First month (1-based, as a set of terms meaning their maximum; see expressions.first_month) in
    which the monthly series ``key`` can have a value."""
    m = BY_KEY[key]
    if m.expr is None:
        return frozenset({(m.first_month, ())})
    return first_month(m.expr, start)


def first_month_number(key: str, settings=None) -> int:
    """The first month (1-based) with a value for the given settings (defaults when None)."""
    from workbook_gen.settings import Settings  # settings has no dependency on the catalog

    return start_value(start(key), settings or Settings())


@cache
def can_be_undefined_after_start(key: str) -> bool:
    """Whether a monthly series can be undefined after its first month (a ratio, a test, or one it reads)."""
    m = BY_KEY[key]
    if m.expr is None:
        return bool(m.undefined_if)
    return can_be_undefined(m.expr) or any(can_be_undefined_after_start(k) for k in refs(m.expr))


@cache
def period_can_be_undefined(key: str) -> bool:
    """Whether a period row can be undefined in some period (so a formula reading it checks it)."""

    def may(e: Expr) -> bool:
        if isinstance(e, Ratio | Positive | CappedInverse | Whole | Previous):
            return True
        if isinstance(e, MonthSum | AtEnd | AtStart):
            return not all(start(k) == {(1, ())} and not can_be_undefined_after_start(k) for k in refs(e))
        if isinstance(e, S):
            return e.key != key and period_can_be_undefined(e.key)
        return any(may(c) for c in children(e))

    return may(period_rule(key))


def undefined_marker(key: str, month_number: int, settings=None) -> str:
    """What a monthly cell of ``key`` shows where it has no value: :data:`NOT_MEANINGFUL` for a metric
    whose value fails its "not meaningful" test inside the data (a burn multiple without ARR growth),
    :data:`UNDEFINED` otherwise."""
    m = BY_KEY.get(key)
    if m is not None and isinstance(m.expr, Positive) and month_number >= first_month_number(key, settings):
        return NOT_MEANINGFUL
    return UNDEFINED


def period_undefined_marker(key: str) -> str:
    return NOT_MEANINGFUL if isinstance(period_rule(key), Positive) else UNDEFINED


def label_of(key: str) -> str:
    return period_metric(key).label


def readable(e: Expr) -> str:
    """An expression as the Glossary and docs/definitions.md print it."""
    return text(e, label_of)


def undefined_rule(key: str) -> list[tuple[str, str]]:
    """Why a monthly series can have no value besides its first month, as (kind, phrase) pairs
    (expressions.undefined_when)."""
    m = BY_KEY[key]
    if m.expr is None:
        return [("zero", m.undefined_if)] if m.undefined_if else []
    return undefined_when(m.expr, label_of)


def month_text(first) -> str:
    """A first month (a set of terms meaning their maximum) as the documents write it: ``13``, ``W+1``,
    ``max(W+1, W+L)``."""
    letters = {m.key: m.letter for m in (W, L, C, CAP)}
    terms = []
    for c, names in sorted(first, key=lambda term: (len(term[1]), term[1], term[0])):
        parts = [letters.get(k, k) for k in sorted(names, key=lambda k: letters.get(k, k), reverse=True)]
        text = "+".join(parts) if parts else ""
        terms.append(text + (f"+{c}" if c > 0 and text else "" if text else str(c)))
    return terms[0] if len(terms) == 1 else f"max({', '.join(terms)})"


def undefined_sentence(key: str) -> str:
    """When a monthly series has no value, in one or two sentences (Glossary, docs/definitions.md)."""
    rules = undefined_rule(key)
    when = []
    if start(key) != {(1, ())}:
        when.append(f"before month {month_text(start(key))}")
    zero = [p for kind, p in rules if kind == "zero"]
    m = BY_KEY[key]
    if m.expr is not None:
        reads = [label_of(k) for k in refs(m.expr) if k in BY_KEY and can_be_undefined_after_start(k)]
        if reads:
            zero.append(" or ".join(reads) + " is undefined")
    if zero:
        when.append("where " + " or where ".join(zero))
    out = [f"Undefined ({UNDEFINED}) {' and '.join(when)}."] if when else []
    out += [f"Shown as {NOT_MEANINGFUL} (not meaningful) where {p}." for kind, p in rules if kind == "nm"]
    out += [f"{p[0].upper()}{p[1:]}." for kind, p in rules if kind == "note"]
    return " ".join(out)


PERIOD_RULE_TEXT = {FLOW: "sum of the period's months", STOCK: "value at the period's last month"}


def period_rule_text(key: str) -> str:
    m = period_metric(key)
    if m.period_note:
        return m.period_note
    if m.period in PERIOD_RULE_TEXT:
        return PERIOD_RULE_TEXT[m.period]
    return readable(period_rule(key)) + (", from the period's values" if m.period == SAME else "")


def _with_formula_text(m: Metric) -> Metric:
    return replace(m, formula=readable(m.expr)) if m.expr is not None and not m.formula else m


def check_catalog(metrics: tuple[Metric, ...]) -> None:
    """The catalog is consistent: every series an expression reads exists, and no window sums a series
    that can be undefined (a sum would silently read it as 0). Raises ValueError naming each problem."""
    problems = []
    by_key = {m.key: m for m in metrics}

    def windows(e: Expr):
        if isinstance(e, Window):
            yield e
        for c in children(e):
            yield from windows(c)

    for m in metrics:
        if m.expr is None:
            continue
        for k in refs(m.expr):
            if k not in by_key:
                problems.append(f"{m.key} reads {k!r}, which is not a metric.")
        for w in windows(m.expr):
            for k in refs(w.x):
                if k in by_key and can_be_undefined_after_start(k):
                    problems.append(f"{m.key} sums {k!r} over a window, but {k!r} can be undefined.")
    for key in PERIOD_KEYS + TRAILING_KEYS:
        for k in refs(period_rule(key)):
            if k not in BY_KEY and k not in PERIOD_ONLY and k not in TRAILING_ONLY:
                problems.append(f"the period row {key} reads {k!r}, which is not a metric.")
    if problems:
        raise ValueError("The metric catalog is inconsistent: " + " ".join(problems))


def cohort_name(grouping: str, table: str, slug: str | None = None) -> str:
    """Defined name of a cohort table: ``cohort_quarter_nrr``, ``cohort_month_mrr__self_serve``."""
    return f"cohort_{grouping}_{table}{scope_suffix(slug)}"


# --- Names of places the formulas and charts refer to ----------------------------------------------
# Every defined name and every layout key is spelt by one of these functions (a tab never assembles
# one by hand). Names starting with "_" are layout keys of helper blocks, not defined names.


def scope_suffix(slug: str | None) -> str:
    """What ends every name of a segment's series and tables: ``__self_serve`` (nothing for the total)."""
    return f"__{slug}" if slug else ""


def period_edge_name(grouping: str, edge: str) -> str:
    """Defined name of the first/last month numbers of each period: ``period_quarter_first``."""
    return f"period_{grouping}_{edge}"


def chart_data_name(name: str) -> str:
    """Layout key of the hidden chart-data row of a named row (numbers, #N/A where undefined)."""
    return f"_chart_{name}"


def cohort_index_name(grouping: str, slug: str | None) -> str:
    """Layout key of a cohort tab's block of period labels and client-row ranges."""
    return f"_cohort_index_{grouping}_{slug}"


def cohort_calendar_name(grouping: str, slug: str | None) -> str:
    """Layout key of a cohort tab's block of cohort MRR by calendar month."""
    return f"_cohort_calendar_{grouping}_{slug}"


def cohort_chart_name(what: str, slug: str | None) -> str:
    """Layout key of the chart-data block of a cohort chart."""
    return f"_cohort_chart_{what}_{slug}"


def period_row_name(view: str, key: str) -> str:
    """Defined name of a period view's row: ``quarterly_arr``, ``annual_cac``."""
    return f"{view}_{key}"


def setting_name(key: str) -> str:
    """Defined name of a setting's cell on the Cover: ``setting_cac_window``."""
    return f"setting_{key}"


def series_name(key: str, slug: str | None = None) -> str:
    """Defined name of a monthly row: ``arr``, ``arr__self_serve``."""
    return f"{key}{scope_suffix(slug)}"


# Derived metrics carry their readable formula, rendered from the expression.
METRICS = tuple(_with_formula_text(m) for m in METRICS)
BY_KEY = {m.key: m for m in METRICS}
PERIOD_KEYS: tuple[str, ...] = _period_keys()
check_catalog(METRICS)
