"""Every metric the product knows, described once: the catalog's data.

The engine's output keys, the workbook's row labels and defined names, the
glossary tab, the dashboard's benchmark colouring and the JSON export all read
from :data:`METRICS`. Adding a metric starts here. What the expressions imply
(first months, undefined rules, readable text, the catalog's consistency check)
is in :mod:`workbook_gen.rules`; how names are spelt, in :mod:`workbook_gen.names`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbook_gen.expressions import (
    AtEnd,
    AtStart,
    CappedInverse,
    Exact,
    Expr,
    Lag,
    MonthSum,
    OfTotal,
    Positive,
    S,
    Setting,
    Whole,
    Window,
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
CASH = "cash"  # total only, when the Burn sheet has a Cash balance column (cash is company-wide)

# Sections, in the order a CFO reads them; each is a tab for the total scope.
BRIDGE = "MRR bridge"
CLIENTS = "Clients & ARPA"
RETENTION = "Retention"
UNIT = "Unit economics"
SECTIONS = (BRIDGE, CLIENTS, RETENTION, UNIT)

# The most segments a split makes (more would not be readable as tabs and charts).
MAX_SEGMENTS = 12


@dataclass(frozen=True)
class Benchmark:
    """A common rule of thumb. ``good``/``ok`` are thresholds; ``higher`` says which way is better."""

    text: str
    good: float | None = None
    ok: float | None = None
    higher: bool = True

    def grade(self, value: float) -> str | None:
        """``"good"``, ``"ok"`` or ``"poor"`` for a value against the thresholds (the dashboard's green,
        amber and red); None for an undefined value or a benchmark without thresholds."""
        if self.good is None or self.ok is None or value != value:
            return None
        sign = 1 if self.higher else -1
        if sign * value >= sign * self.good:
            return "good"
        return "ok" if sign * value >= sign * self.ok else "poor"


# Which way a plannable metric is better (docs/definitions.md, Plan vs actual): a variance to plan that
# points this way is favourable. Spend, churn and burn are better lower (spend under plan is favourable).
HIGHER = "higher"
LOWER = "lower"


# How a quarterly, annual or trailing-twelve-months row is built from the months of its period.
FLOW = "flow"  # the sum of the period's months
STOCK = "stock"  # the value at the period's last month
SAME = "same"  # the metric's own expression, recomputed from the period's rows (never an average)


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One metric, once, declared by keyword (``Metric(key=..., label=..., ...)``).

    A derived metric has an ``expr`` from which its values, its formulas, its readable formula and its
    undefined rule are all rendered; a client-level aggregation or an input has no ``expr``, its rule in
    words in ``formula`` and its first month in ``first_month``.

    Fields:

    - ``key``: the engine's output key, the JSON key and the defined name of the total's monthly row.
    - ``label``: the row label in the workbook, the Glossary and docs/definitions.md.
    - ``unit``: CURRENCY, COUNT, PCT, RATIO or MONTHS; sets the number format and the unit column.
    - ``section``: one of SECTIONS; the monthly tab the total's row sits on.
    - ``definition``: one sentence in words, for the Glossary.
    - ``formula``: the rule in words of an aggregation or an input; empty for a derived metric, whose
      readable formula is rendered from ``expr`` (rules.formula_text).
    - ``scope``: which scopes carry it: ALL, SEGMENTS (a share of the total), SM (a segment only with its
      own S&M column) or BURN (a segment only with its own Burn column).
    - ``additive``: the segments' values sum to the total's in every month (a money amount or a count);
      the Checks tab tests that sum for every additive metric. Ratios and rates are never additive.
    - ``benchmark``: a rule of thumb; the Dashboard colours the latest value by it.
    - ``note``: where the definition differs from popular tools (Glossary).
    - ``first_month``: aggregations and inputs only: the first 1-based month with a value (a derived
      metric's first month is computed from ``expr``).
    - ``expr``: the expression over monthly series (workbook_gen.expressions) a derived metric is.
    - ``period``: how the quarterly, annual and trailing-twelve-months views build it: FLOW (sum of the
      period's months), STOCK (value at the period's last month), SAME (``expr`` recomputed from the
      period's rows) or an expression over period rows; None keeps it out of those views. When the
      operands of such a rule start in different months, the rule must say how the first period is built
      (``Whole``, ``AtStart``, ``Previous``, a shifted ``MonthSum``; rules.check_catalog).
    - ``undefined_if``: an aggregation that can be undefined after its first month: when, in words.
    - ``period_note``: how the period view reads it, where the rule alone does not say.
    - ``better``: HIGHER or LOWER for a metric a Plan sheet may plan (a variance that points this way is
      favourable); None: not plannable.
    - ``rate``: a rate over its period (churn, expansion, growth): wherever it is shown its label says
      "per month", "per quarter" or "per year" (``shown_label``), and a benchmark stated per month is
      shown only beside monthly values.
    """

    key: str
    label: str
    unit: str
    section: str
    definition: str
    formula: str = ""
    scope: str = ALL
    additive: bool = False
    benchmark: Benchmark | None = None
    note: str = ""
    first_month: int = 2
    expr: Expr | None = None
    period: str | Expr | None = None
    undefined_if: str = ""
    period_note: str = ""
    better: str | None = None
    rate: bool = False

    @property
    def derived(self) -> bool:
        return self.expr is not None


# What a label says about the period of a rate, per view, and about units a number format does not show
# (a percentage and a currency amount carry theirs in the format). The trailing twelve months have one
# short name in the workings (the glossary, the JSON's period): TTM; a printed label says "last 12 months".
TRAILING_NAME = "TTM"
VIEW_PERIOD = {
    "monthly": "per month",
    "quarterly": "per quarter",
    "annual": "per year",
    "trailing": "per year",
    "periods": "per quarter or per year",  # one Glossary entry for both period views
}
UNIT_WORD = {MONTHS: "months", RATIO: "x"}
# The unit of a cohort's age (payback age), by grouping.
AGE_UNIT = {"month": "months", "quarter": "quarters", "year": "years"}


def shown_label(m: Metric, view: str = "monthly", *extra: str) -> str:
    """A metric's label as every tab, the dashboard, the pack and the Glossary show it: with its period
    when it is a rate ("Logo churn rate (per quarter)") and its unit when the number format does not
    show one ("CAC payback (months)", "LTV:CAC (x)"); ``extra`` words join them ("latest", "TTM")."""
    parts = ([VIEW_PERIOD[view]] if m.rate else []) + ([UNIT_WORD[m.unit]] if m.unit in UNIT_WORD else [])
    parts += list(extra)
    if not parts:
        return m.label
    if m.label.endswith(")"):  # "Quick ratio (3 months)" -> "Quick ratio (3 months, x)"
        return f"{m.label[:-1]}, {', '.join(parts)})"
    return f"{m.label} ({', '.join(parts)})"


# Settings the expressions read (cells on the Settings tab in the workbook).
W = Setting("cac_window", "W")
L = Setting("cac_lag", "L")
C = Setting("ltv_churn_window", "C")
CAP = Setting("lifetime_cap_months", "cap")
R = Setting("runway_window", "R")

# Parts several metrics share.
# The five MRR movements of the bridge, in the order it lists them: the gains, then the losses. Every
# list of movements (the bridge's rows, its chart, the Checks tab, the period tabs) is built from these.
MOVEMENTS: tuple[str, ...] = ("mrr_new", "mrr_reactivation", "mrr_expansion", "mrr_contraction", "mrr_churn")
GAINS, LOSSES = MOVEMENTS[:3], MOVEMENTS[3:]
GAINED = S(GAINS[0]) + S(GAINS[1]) + S(GAINS[2])
LOST = S(LOSSES[0]) + S(LOSSES[1])
ARR_ADDED_3M = Exact(S("arr") - Lag(S("arr"), 3))
# S&M spend of the months of a period, lagged L months: the spend matched to the clients won in it
# (the lag rule of the CAC, the period CAC and the cohort CAC alike).
LAGGED_SPEND = MonthSum(S("sm_spend"), L)


METRICS: tuple[Metric, ...] = (
    # --- MRR bridge -------------------------------------------------------------------
    Metric(
        key="mrr_opening",
        label="Opening MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="Recurring revenue carried in from the previous month end.",
        formula="Σ MRR of every client at the previous month end",
        additive=True,
        period=AtStart("mrr_closing"),
    ),
    Metric(
        key="mrr_new",
        label="New MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="MRR from clients paying for the first time this month.",
        formula="Σ MRR where previous = 0, current > 0 and this is the client's first paying month",
        additive=True,
        period=FLOW,
        better=HIGHER,
    ),
    Metric(
        key="mrr_reactivation",
        label="Reactivation MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="MRR from clients who had paid before, stopped, and now pay again.",
        formula="Σ MRR where previous = 0, current > 0 and the client paid in an earlier month",
        additive=True,
        note="Counted as its own movement (not as new MRR) and included in the quick ratio.",
        period=FLOW,
    ),
    Metric(
        key="mrr_expansion",
        label="Expansion MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="Extra MRR from existing clients who now pay more.",
        formula="Σ (current − previous) where previous > 0 and current > previous",
        additive=True,
        period=FLOW,
        better=HIGHER,
    ),
    Metric(
        key="mrr_contraction",
        label="Contraction MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="MRR lost from existing clients who now pay less but still pay.",
        formula="Σ (previous − current) where previous > 0 and 0 < current < previous",
        additive=True,
        period=FLOW,
        better=LOWER,
    ),
    Metric(
        key="mrr_churn",
        label="Churned MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="MRR lost from clients who stopped paying entirely.",
        formula="Σ previous where previous > 0 and current = 0",
        additive=True,
        period=FLOW,
        better=LOWER,
    ),
    Metric(
        key="mrr_closing",
        label="Closing MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="Recurring revenue at month end, summed over all clients.",
        formula="Σ MRR at month end = opening + new + reactivation + expansion − contraction − churn",
        additive=True,
        first_month=1,
        note="Month 1 is the opening balance: it has a closing MRR but no movements.",
        period=STOCK,
        better=HIGHER,
    ),
    Metric(
        key="mrr_net_new",
        label="Net new MRR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="How much MRR grew (or shrank) over the month.",
        expr=S("mrr_closing") - S("mrr_opening"),
        additive=True,
        period=SAME,
        better=HIGHER,
    ),
    Metric(
        key="arr",
        label="ARR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="Annual run rate of recurring revenue.",
        expr=12 * S("mrr_closing"),
        additive=True,
        period=STOCK,
        better=HIGHER,
    ),
    Metric(
        key="net_new_arr",
        label="Net new ARR",
        unit=CURRENCY,
        section=BRIDGE,
        definition="ARR added (or lost, if negative) over the month: twelve times net new MRR.",
        expr=12 * S("mrr_net_new"),
        additive=True,
        period=SAME,
        better=HIGHER,
    ),
    Metric(
        key="arr_share",
        label="Share of total ARR",
        unit=PCT,
        section=BRIDGE,
        definition="The segment's part of the company's ARR.",
        expr=S("arr") / OfTotal("arr"),
        scope=SEGMENTS,
    ),
    Metric(
        key="mrr_growth_mom",
        label="MRR growth",
        rate=True,
        unit=PCT,
        section=BRIDGE,
        definition="Month-over-month growth of MRR.",
        expr=S("mrr_closing") / S("mrr_opening") - 1,
    ),
    Metric(
        key="arr_growth_yoy",
        label="ARR growth (YoY)",
        unit=PCT,
        section=BRIDGE,
        definition="Growth of ARR over the last twelve months.",
        expr=S("mrr_closing") / Lag(S("mrr_closing"), 12) - 1,
        period=STOCK,
        period_note="at the period's last month",
    ),
    # --- Clients & ARPA ---------------------------------------------------------------
    Metric(
        key="clients_opening",
        label="Opening clients",
        unit=COUNT,
        section=CLIENTS,
        definition="Paying clients at the previous month end.",
        formula="# clients with previous > 0",
        additive=True,
        period=AtStart("clients_closing"),
    ),
    Metric(
        key="clients_new",
        label="New clients",
        unit=COUNT,
        section=CLIENTS,
        definition="Clients paying for the first time.",
        formula="# clients in the new-MRR condition",
        additive=True,
        period=FLOW,
        better=HIGHER,
    ),
    Metric(
        key="clients_reactivated",
        label="Reactivated clients",
        unit=COUNT,
        section=CLIENTS,
        definition="Former clients paying again.",
        formula="# clients in the reactivation condition",
        additive=True,
        period=FLOW,
    ),
    Metric(
        key="clients_churned",
        label="Churned clients",
        unit=COUNT,
        section=CLIENTS,
        definition="Clients who stopped paying.",
        formula="# clients in the churn condition",
        additive=True,
        period=FLOW,
        better=LOWER,
    ),
    Metric(
        key="clients_expanded",
        label="Expanded clients",
        unit=COUNT,
        section=CLIENTS,
        definition="Existing clients paying more than last month.",
        formula="# clients in the expansion condition",
        additive=True,
    ),
    Metric(
        key="clients_contracted",
        label="Contracted clients",
        unit=COUNT,
        section=CLIENTS,
        definition="Existing clients paying less (but not zero).",
        formula="# clients in the contraction condition",
        additive=True,
    ),
    Metric(
        key="clients_closing",
        label="Closing clients",
        unit=COUNT,
        section=CLIENTS,
        definition="Paying clients at month end.",
        formula="# clients with current > 0",
        additive=True,
        first_month=1,
        period=STOCK,
        better=HIGHER,
    ),
    Metric(
        key="arpa",
        label="ARPA",
        unit=CURRENCY,
        section=CLIENTS,
        definition="Average MRR per paying client (account).",
        expr=S("mrr_closing") / S("clients_closing"),
        period=SAME,
        better=HIGHER,
    ),
    Metric(
        key="asp_new",
        label="ASP (new clients)",
        unit=CURRENCY,
        section=CLIENTS,
        definition="Average MRR a new client starts on.",
        expr=S("mrr_new") / S("clients_new"),
        period=SAME,
    ),
    Metric(
        key="arpa_churned",
        label="ARPA of churned clients",
        unit=CURRENCY,
        section=CLIENTS,
        definition="What the clients who left were paying before they left.",
        expr=S("mrr_churn") / S("clients_churned"),
    ),
    Metric(
        key="arpa_expanded",
        label="ARPA of expanded clients",
        unit=CURRENCY,
        section=CLIENTS,
        definition="Average MRR of clients who expanded, after expanding.",
        formula="Σ current MRR of expanded ÷ expanded clients",
        undefined_if="Expanded clients = 0",
    ),
    Metric(
        key="arpa_contracted",
        label="ARPA of contracted clients",
        unit=CURRENCY,
        section=CLIENTS,
        definition="Average MRR of clients who contracted, after contracting.",
        formula="Σ current MRR of contracted ÷ contracted clients",
        undefined_if="Contracted clients = 0",
    ),
    Metric(
        key="top10_share",
        label="Top 10 clients' share of MRR",
        unit=PCT,
        section=CLIENTS,
        definition="Share of the month's MRR paid by the ten largest clients (all of them when fewer than "
        "ten pay): how much revenue rests on a few accounts.",
        formula="Σ of the 10 largest client MRRs ÷ closing MRR",
        first_month=1,
        undefined_if="Closing MRR = 0",
        period=STOCK,
        period_note="at the period's last month",
    ),
    Metric(
        key="top1_share",
        label="Largest client's share of MRR",
        unit=PCT,
        section=CLIENTS,
        definition="Share of the month's MRR paid by the single largest client: the revenue at risk if it "
        "leaves.",
        formula="largest client MRR ÷ closing MRR",
        first_month=1,
        undefined_if="Closing MRR = 0",
        period=STOCK,
        period_note="at the period's last month",
    ),
    # --- Retention ----------------------------------------------------------------------
    Metric(
        key="quick_ratio",
        label="Quick ratio",
        unit=RATIO,
        section=RETENTION,
        definition="MRR gained for every unit of MRR lost in the month.",
        expr=GAINED / LOST,
        benchmark=Benchmark("3 is respectable, 5 or more is strong", good=5, ok=3),
        period=SAME,
    ),
    Metric(
        key="quick_ratio_3m",
        label="Quick ratio (3 months)",
        unit=RATIO,
        section=RETENTION,
        definition="The quick ratio on the sums of the last three months; smoother than the monthly one.",
        expr=Window(GAINED, 3) / Window(LOST, 3),
        benchmark=Benchmark("3 is respectable, 5 or more is strong", good=5, ok=3),
    ),
    Metric(
        key="logo_churn_rate",
        label="Logo churn rate",
        rate=True,
        unit=PCT,
        section=RETENTION,
        definition="Share of last month's paying clients who stopped paying.",
        expr=S("clients_churned") / S("clients_opening"),
        benchmark=Benchmark(
            "1 % a month or less is good, up to 2 % OK (SMB)", good=0.01, ok=0.02, higher=False
        ),
        period=SAME,
        better=LOWER,
    ),
    Metric(
        key="gross_mrr_churn_rate",
        label="Gross MRR churn rate",
        rate=True,
        unit=PCT,
        section=RETENTION,
        definition="Share of opening MRR lost to churn and contraction.",
        expr=LOST / S("mrr_opening"),
        benchmark=Benchmark("1 % a month or less is good, up to 2 % OK", good=0.01, ok=0.02, higher=False),
        period=SAME,
    ),
    Metric(
        key="net_mrr_churn_rate",
        label="Net MRR churn rate",
        rate=True,
        unit=PCT,
        section=RETENTION,
        definition="Share of opening MRR lost after offsetting expansion and reactivation; negative is net expansion.",
        expr=(LOST - S("mrr_expansion") - S("mrr_reactivation")) / S("mrr_opening"),
        note="Reactivation offsets churn here, as well as expansion.",
        benchmark=Benchmark("below 0 (net expansion) is excellent", good=0.0, ok=0.01, higher=False),
        period=SAME,
    ),
    Metric(
        key="expansion_rate",
        label="Expansion rate",
        rate=True,
        unit=PCT,
        section=RETENTION,
        definition="Extra MRR from existing clients as a share of opening MRR.",
        expr=S("mrr_expansion") / S("mrr_opening"),
        period=SAME,
    ),
    Metric(
        key="nrr_12m",
        label="Net revenue retention (12m)",
        unit=PCT,
        section=RETENTION,
        definition="What the clients paying a year ago pay now, as a share of what they paid then.",
        formula="Σ base MRR[t] ÷ Σ base MRR[t−12], base = clients paying at t−12",
        first_month=13,
        undefined_if="the base's MRR a year earlier = 0",
        benchmark=Benchmark("120 %+ is best in class, 100 %+ OK", good=1.2, ok=1.0),
        period=STOCK,
        period_note="at the period's last month (12 months back from it)",
        better=HIGHER,
    ),
    Metric(
        key="grr_12m",
        label="Gross revenue retention (12m)",
        unit=PCT,
        section=RETENTION,
        definition="Like NRR but each client counts at most what it paid a year ago, so expansion cannot hide losses.",
        formula="Σ base min(MRR[t], MRR[t−12]) ÷ Σ base MRR[t−12]",
        first_month=13,
        undefined_if="the base's MRR a year earlier = 0",
        benchmark=Benchmark("90 %+ is strong, 80 % OK", good=0.9, ok=0.8),
        period=STOCK,
        period_note="at the period's last month (12 months back from it)",
        better=HIGHER,
    ),
    # --- Unit economics -----------------------------------------------------------------
    Metric(
        key="sm_spend",
        label="Sales & marketing spend",
        unit=CURRENCY,
        section=UNIT,
        definition="Total sales and marketing cost of the month (input).",
        formula="input: S&M sheet",
        first_month=1,
        note="A segment's spend is the S&M column headed with its name; without one it is undefined.",
        period=FLOW,
        better=LOWER,
    ),
    Metric(
        key="gross_margin",
        label="Gross margin",
        unit=PCT,
        section=UNIT,
        definition="Gross margin of the month as a fraction of revenue (input).",
        formula="input: Gross margin sheet",
        first_month=1,
        period=MonthSum(S("mrr_closing") * S("gross_margin")) / MonthSum(S("mrr_closing")),
        period_note="revenue-weighted: Σ closing MRR × margin ÷ Σ closing MRR over the period's months",
        better=HIGHER,
    ),
    Metric(
        key="net_burn",
        label="Net burn",
        unit=CURRENCY,
        section=UNIT,
        definition="Cash consumed in the month; negative means cash generated (input).",
        formula="input: Burn sheet",
        first_month=1,
        note="A segment has a net burn only from its own column on the Burn sheet.",
        scope=BURN,
        period=FLOW,
        better=LOWER,
    ),
    Metric(
        key="cac",
        label="CAC",
        unit=CURRENCY,
        section=UNIT,
        definition="Sales and marketing cost to win one new client, over a rolling window.",
        expr=Window(S("sm_spend"), W, L) / Window(S("clients_new"), W),
        scope=SM,
        note="W = CAC window, L = CAC lag (settings on the Settings tab).",
        period=LAGGED_SPEND / Whole("clients_new"),
        period_note="period's S&M (lagged by L months) ÷ period's new clients",
        better=LOWER,
    ),
    Metric(
        key="cac_payback_months",
        label="CAC payback",
        unit=MONTHS,
        section=UNIT,
        definition="Months of gross profit from a new client needed to earn back its CAC.",
        expr=S("cac") / (Window(S("mrr_new"), W) / Window(S("clients_new"), W) * S("gross_margin")),
        scope=SM,
        note="The ASP is taken over the same W months as the CAC.",
        benchmark=Benchmark("under 12 months for SMB, 12–24 for enterprise", good=12, ok=24, higher=False),
        period=S("cac") / (S("asp_new") * S("gross_margin")),
        period_note="CAC ÷ (period ASP × period gross margin)",
        better=LOWER,
    ),
    Metric(
        key="lifetime_months",
        label="Client lifetime",
        unit=MONTHS,
        section=UNIT,
        definition="Expected months a client stays, from the average logo churn of the churn window.",
        expr=CappedInverse(Window(S("clients_churned"), C) / Window(S("clients_opening"), C), CAP),
        period=CappedInverse(S("clients_churned") / MonthSum(S("clients_opening")), CAP),
        period_note="1 ÷ (period's churned clients ÷ Σ monthly opening clients), capped",
    ),
    Metric(
        key="ltv",
        label="LTV",
        unit=CURRENCY,
        section=UNIT,
        definition="Gross profit a client brings over its expected lifetime.",
        expr=S("arpa") * S("gross_margin") * S("lifetime_months"),
        note="LTV is on gross profit (ARPA × gross margin), not on revenue.",
        period=SAME,
        period_note="period-end ARPA × period gross margin × lifetime",
    ),
    Metric(
        key="ltv_cac",
        label="LTV:CAC",
        unit=RATIO,
        section=UNIT,
        definition="Lifetime gross profit per unit of acquisition cost.",
        expr=S("ltv") / S("cac"),
        scope=SM,
        benchmark=Benchmark("3 or more is good, 1 to 3 thin", good=3, ok=1),
        period=SAME,
    ),
    Metric(
        key="magic_number",
        label="Magic number",
        unit=RATIO,
        section=UNIT,
        definition="New ARR of the last three months per unit of the S&M spent in the three months before.",
        expr=ARR_ADDED_3M / Window(S("sm_spend"), 3, 3),
        scope=SM,
        benchmark=Benchmark("above 0.7 is healthy, above 1 means invest more", good=1.0, ok=0.7),
        period=Exact(S("arr") - 12 * S("mrr_opening")) / MonthSum(S("sm_spend"), 3),
        period_note="ARR added in the period ÷ S&M of its months shifted back 3 months (the monthly lag)",
    ),
    Metric(
        key="burn_multiple",
        label="Burn multiple",
        unit=RATIO,
        section=UNIT,
        definition="Cash burned for each unit of new ARR over the last three months; n/m when ARR did not grow.",
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
    Metric(
        key="revenue_ttm",
        label="Revenue (last 12 months)",
        unit=CURRENCY,
        section=UNIT,
        definition="Recurring revenue of the trailing twelve months.",
        expr=Window(S("mrr_closing"), 12),
        additive=True,
    ),
    Metric(
        key="fcf_margin_ttm",
        label="FCF margin (last 12 months)",
        unit=PCT,
        section=UNIT,
        definition="Free cash flow of the trailing twelve months as a share of revenue (burn is negative cash flow).",
        expr=-Window(S("net_burn"), 12) / S("revenue_ttm"),
        scope=BURN,
        note="For a segment: its own Burn column against its revenue (never the company's burn).",
    ),
    Metric(
        key="rule_of_40",
        label="Rule of 40",
        unit=PCT,
        section=UNIT,
        definition="ARR growth plus FCF margin; 40 % or more is the usual bar.",
        expr=S("arr_growth_yoy") + S("fcf_margin_ttm"),
        scope=BURN,
        benchmark=Benchmark("40 % or more is good, 20 % OK", good=0.4, ok=0.2),
        period=S("arr_growth_yoy") + S("fcf_margin"),
        period_note="ARR growth (YoY, period end) + FCF margin (period)",
    ),
    Metric(
        key="cash_balance",
        label="Cash balance",
        unit=CURRENCY,
        section=UNIT,
        definition="Cash at the end of the month (input).",
        formula="input: Burn sheet, Cash balance column",
        scope=CASH,
        first_month=1,
        note="Only when the Burn sheet has a Cash balance column, every month filled; the company's only.",
        period=STOCK,
        better=HIGHER,
    ),
    Metric(
        key="runway_months",
        label="Runway",
        unit=MONTHS,
        section=UNIT,
        definition=(
            "Months the cash balance lasts at the average net burn of the last R months; n/m "
            "(cash-generative) when that average is not a burn."
        ),
        expr=Positive(Window(S("net_burn"), R), S("cash_balance") * R / Window(S("net_burn"), R)),
        scope=CASH,
        note="The month cash would run out (latest month + runway, rounded down) is shown beside it.",
        benchmark=Benchmark("18+ months is comfortable, under 12 is short", good=18, ok=12),
    ),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)


def plannable() -> tuple[str, ...]:
    """The keys a Plan sheet may plan: every metric whose better direction the catalog declares."""
    return tuple(m.key for m in METRICS if m.better is not None)


def keys_for_scope(
    is_total: bool, has_sm: bool, has_burn: bool = False, has_cash: bool = False
) -> tuple[str, ...]:
    """The metric keys a scope carries (docs/definitions.md, Conventions)."""
    out = []
    for m in METRICS:
        if m.scope == CASH and not (is_total and has_cash):
            continue
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

# --- The customers page (docs/definitions.md, Customers) -------------------------------------------------
CUSTOMERS_LARGEST = 10  # the largest clients listed
CUSTOMERS_MOVERS = 5  # the clients listed for each movement and window
CUSTOMERS_WINDOWS = {"month": 1, "three_months": 3}  # months back from the latest month
CUSTOMERS_NEW_MONTHS = 12  # a client younger than this many months is marked new among the largest
# Attribute columns that name a client (the first one present, compared case-insensitively).
CUSTOMERS_NAME_COLUMNS = ("client name", "customer name", "account name", "company name", "company", "name")


@dataclass(frozen=True)
class CohortTable:
    key: str
    label: str
    unit: str
    definition: str
    single_column: bool = False
    needs_sm: bool = False
    expr: Expr | None = None  # over the cohort's own period, for a table built like a period row
    in_periods: bool = False  # its values are ages: shown in its grouping's periods (months, quarters, years)

    def shown_label(self, grouping: str | None = None) -> str:
        """The label with the unit of an age: "Payback age (quarters)"; every grouping's at once when
        ``grouping`` is None (the Glossary's one entry)."""
        if not self.in_periods:
            return self.label
        units = [AGE_UNIT[grouping]] if grouping else list(AGE_UNIT.values())
        return f"{self.label} ({', '.join(units[:-1]) + ' or ' + units[-1] if len(units) > 1 else units[0]})"


# The first row of every grouping's cohort tables: the clients already paying in month 1, whose
# acquisition the data does not show (labelled "<month 1> (opening base)").
OPENING_BASE = "(opening base)"

COHORT_TABLES: tuple[CohortTable, ...] = (
    CohortTable(
        "size",
        "Cohort size",
        COUNT,
        "Clients whose first paying month falls in the period after month 1 (the opening base: the "
        "clients paying in month 1).",
        True,
    ),
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
        "S&M spend of the cohort's period from month 2 on (lagged by the CAC lag); undefined for the "
        "opening base.",
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
        in_periods=True,
    ),
)


# --- Quarterly, annual and trailing-twelve-months views -----------------------------------------
# Rows that exist only in the period views (a monthly row of the same idea has another window).
PERIOD_ONLY: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            key="mrr_growth",
            label="MRR growth",
            rate=True,
            unit=PCT,
            section=BRIDGE,
            definition="Growth of MRR over the period.",
            period=S("mrr_closing") / S("mrr_opening") - 1,
        ),
        Metric(
            key="revenue",
            label="Recurring revenue (period)",
            unit=CURRENCY,
            section=UNIT,
            definition="Sum of the period's monthly closing MRR.",
            period=MonthSum(S("mrr_closing")),
            first_month=1,
        ),
        Metric(
            key="fcf_margin",
            label="FCF margin (period)",
            unit=PCT,
            section=UNIT,
            definition="Free cash flow of the period as a share of its recurring revenue.",
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
            key="new_and_reactivation_mrr",
            label="New + reactivation MRR",
            unit=CURRENCY,
            section=BRIDGE,
            definition="MRR won from new and returning clients.",
            period=S("mrr_new") + S("mrr_reactivation"),
        ),
        Metric(
            key="lost_mrr",
            label="Churn + contraction MRR",
            unit=CURRENCY,
            section=BRIDGE,
            definition="MRR lost to clients leaving or paying less.",
            period=S("mrr_churn") + S("mrr_contraction"),
        ),
        Metric(
            key="logo_churn_monthly",
            label="Logo churn per month",
            unit=PCT,
            section=RETENTION,
            definition="Churned clients over the sum of the months' opening clients: the average monthly logo churn.",
            period=S("clients_churned") / MonthSum(S("clients_opening")),
        ),
        Metric(
            key="sm_per_new_client",
            label="S&M per new client",
            unit=CURRENCY,
            section=UNIT,
            definition="Sales and marketing spend of the window per client won in it (no lag).",
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


PERIOD_KEYS: tuple[str, ...] = _period_keys()


# --- Presentation lists ----------------------------------------------------------------------------
# A tab, a chart or a check that shows some metrics lists their keys; each such list is declared through
# one of these two functions, which refuse a key the catalog does not have when the module is imported
# (tests/test_catalog.py checks that no list of keys is declared any other way). A scope that lacks a
# listed metric (a segment without S&M) still skips it where the list is used.
ROW_KEYS = frozenset(KEYS) | frozenset(PERIOD_ONLY) | frozenset(TRAILING_ONLY)


class UnknownMetric(ValueError):
    """A presentation list names a key the catalog does not have (a typo, or a metric removed)."""


def metric_keys(*keys: str) -> tuple[str, ...]:
    """A presentation list of metric keys (monthly metrics or period-view rows), checked against the
    catalog: ``KPIS = metric_keys("arr", "nrr_12m")``."""
    unknown = [k for k in keys if k not in ROW_KEYS]
    if unknown:
        raise UnknownMetric(f"not metrics of the catalog: {', '.join(map(repr, unknown))}")
    return keys


def metric_rows(rows, at: int = 0) -> tuple:
    """A presentation list of tuples whose item ``at`` is a metric key (a key with its label, its sign,
    its view…), checked against the catalog like :func:`metric_keys`."""
    rows = tuple(rows)
    metric_keys(*(r[at] for r in rows))
    return rows


def scope_note(scope: str, label: str, keys: Sequence[str] = (), among: str = "") -> str:
    """Why a segment lacks the metrics of a scope rule (SM or BURN), naming them from the catalog: the
    note a segment's printed page shows when the S&M or Burn sheet has no column for it, in the board's
    words (the pack names no sheet or column; the Glossary says how a segment gets its own). ``keys``
    narrows the metrics named to those a table shows; where a table sets the segments side by side,
    ``among`` names those without them ("the segments") and ``label`` speaks of each ("each segment")."""
    labels = [m.label for m in METRICS if m.scope == scope and (not keys or m.key in keys)]
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    verb = "is" if len(labels) == 1 else "are"
    where = f" for {among}" if among else ""
    return f"{listed} {verb} not shown{where}: {SCOPE_NEEDS[scope].format(label=label)}."


SCOPE_NEEDS = {
    SM: "sales & marketing spend is not reported for {label} on its own",
    BURN: "net burn is not reported for {label} on its own, and the company's burn is never set against "
    "one segment's revenue",
}


#: The board's headline KPIs, in the order the dashboard shows them and the executive summary ranks
#: their moves (cash and runway only where the Burn sheet has a cash balance).
BOARD_KPIS = metric_keys(
    "arr",
    "mrr_growth_mom",
    "arr_growth_yoy",
    "clients_closing",
    "arpa",
    "quick_ratio_3m",
    "logo_churn_rate",
    "nrr_12m",
    "grr_12m",
    "cac",
    "cac_payback_months",
    "ltv",
    "ltv_cac",
    "magic_number",
    "burn_multiple",
    "rule_of_40",
    "cash_balance",
    "runway_months",
)
