"""Seeded synthetic companies: the example company of ``workbook-gen example`` and benchmark inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from workbook_gen.model import InputData, PlanInput, PlanLine, month_range

EXAMPLE_COMPANY = "Example SaaS Co"


def synthetic_company(
    n_clients: int = 600,
    n_months: int = 48,
    seed: int = 7,
    start: dt.date = dt.date(2022, 1, 1),
    segments: tuple[tuple[str, float, float, float], ...] = (
        # name, share of clients, starting MRR (median), monthly churn probability
        ("Self-serve", 0.7, 120.0, 0.035),
        ("Assisted", 0.3, 1400.0, 0.012),
    ),
    regions: tuple[str, ...] = ("North America", "EMEA", "APAC"),
    segment_column: str = "Segment",
    cash: bool = False,
) -> InputData:
    """A plausible SaaS company: clients join over time (a few already paying in month 1), expand,
    contract, churn and sometimes come back; S&M grows, gross margin drifts 70–80 %, burn declines.
    ``cash`` adds a month-end cash balance (:func:`cash_balance`), drawn after everything else so the
    other inputs are the same with or without it."""
    rng = np.random.default_rng(seed)
    months = month_range(start, n_months)
    names = [s[0] for s in segments]
    shares = np.array([s[1] for s in segments])
    seg = rng.choice(len(segments), size=n_clients, p=shares / shares.sum())
    # Join month: ~5 % are the opening base; the rest arrive with a growing intake.
    opening = rng.random(n_clients) < 0.05
    weights = np.linspace(1.0, 3.0, n_months - 1)
    join = np.where(opening, 0, 1 + rng.choice(n_months - 1, size=n_clients, p=weights / weights.sum()))
    mrr = np.zeros((n_clients, n_months))
    for c in range(n_clients):
        _, _, price, churn_p = segments[seg[c]]
        level = round(float(price * rng.lognormal(0.0, 0.5)), 0)
        active = True
        for t in range(join[c], n_months):
            if active:
                mrr[c, t] = level
                u = rng.random()
                if u < churn_p:
                    active = False
                elif u < churn_p + 0.04:
                    level = round(level * rng.uniform(1.1, 1.6), 0)
                elif u < churn_p + 0.055:
                    level = max(round(level * rng.uniform(0.5, 0.9), 0), 10.0)
            elif rng.random() < 0.03:  # win-back
                active = True
                mrr[c, t] = level
    order = np.lexsort((np.arange(n_clients), join))
    mrr, seg, join = mrr[order], seg[order], join[order]
    ids = tuple(f"C{str(i + 1).zfill(max(5, len(str(n_clients))))}" for i in range(n_clients))
    region = (
        rng.choice(
            len(regions),
            size=n_clients,
            p=np.array([0.5, 0.3, 0.2])[: len(regions)] / np.array([0.5, 0.3, 0.2])[: len(regions)].sum(),
        )
        if regions
        else None
    )
    attributes = {
        "Client name": [f"Client {i + 1}" for i in range(n_clients)],
        segment_column: [names[s] for s in seg],
    }
    if regions:
        attributes["Region"] = [regions[r] for r in region]
    t = np.arange(n_months)
    sm_total = np.round(45000 * (1.0 + 0.035 * t) * (1 + 0.08 * rng.standard_normal(n_months)), 0)
    split = np.clip(0.35 + 0.1 * np.sin(t / 6.0), 0.2, 0.5)
    sm_by_segment = {}
    if len(names) == 2:
        first = np.round(sm_total * split, 0)
        sm_by_segment = {names[0]: first, names[1]: sm_total - first}
    gm = np.round(0.70 + 0.10 * t / max(n_months - 1, 1) + 0.01 * rng.standard_normal(n_months), 4).clip(
        0.6, 0.85
    )
    burn = np.round(260000 * np.exp(-t / 40.0) + 5000 * rng.standard_normal(n_months), 0)
    return InputData(
        client_ids=ids,
        attributes=attributes,
        months=months,
        mrr=mrr,
        sm_spend=sm_total,
        gross_margin=gm,
        net_burn=burn,
        sm_by_segment=sm_by_segment,
        cash_balance=cash_balance(burn) if cash else None,
        source="example",
    )


#: The example company's funding: cash in the bank before month 1, and one round (month index, amount).
OPENING_CASH = 5_000_000.0
FINANCING_ROUND = (20, 5_000_000.0)  # September 2023


def cash_balance(
    net_burn: np.ndarray,
    opening: float = OPENING_CASH,
    rounds: tuple[tuple[int, float], ...] = (FINANCING_ROUND,),
) -> np.ndarray:
    """Month-end cash: the opening cash less each month's net burn, plus the financing rounds in their
    months (so the change in cash differs from minus net burn exactly where money was raised)."""
    inflow = np.zeros(len(net_burn))
    for month, amount in rounds:
        if 0 <= month < len(net_burn):
            inflow[month] += amount
    return np.round(opening + np.cumsum(inflow - np.asarray(net_burn, dtype=float)), 0)


#: The CFO's words in the example's Commentary sheet (its last two months).
EXAMPLE_COMMENTARY = (
    (
        dt.date(2025, 11, 1),
        "Highlights: two assisted clients expanded after their annual review.\n\n"
        "Lowlights: self-serve churn ticked up after the price change.",
    ),
    (
        dt.date(2025, 12, 1),
        "Highlights\n"
        "- ARR closed the year at $4.2m, up 51% on December 2024. Assisted, 88% of ARR, kept 106% of its "
        "revenue from a year ago, and its expansion MRR was twice last year's.\n"
        "- Net burn for the year was $1.13m, a quarter below 2024's $1.50m. Cash of $2.6m is 29 months of "
        "runway at the last three months' burn.\n\n"
        "Lowlights\n"
        "- Self-serve is not paying back: it kept 65% of its revenue from a year ago (84% at the end of "
        "2024), its churned MRR more than doubled, and its S&M spend nearly doubled to $0.53m for an "
        "LTV:CAC of 0.7.\n"
        "- Blended CAC payback lengthened from 16 to 23 months (Assisted 13 to 17; Self-serve 41).\n\n"
        "Asks of the board\n"
        "- Agree to halve Self-serve paid acquisition from February, until the onboarding rework shows "
        "churn falling, and move that budget to Assisted.\n"
        "- Introductions to two enterprise reference customers in EMEA.",
    ),
)


def example_company() -> InputData:
    company = synthetic_company(cash=True)
    return replace(company, commentary=tuple(c for c in EXAMPLE_COMMENTARY if c[0] in company.months))


#: The example's plan: (key, label written on the Plan sheet), planned for the last actual year and
#: three months past it.
EXAMPLE_PLAN_ROWS = (
    ("arr", "ARR"),
    ("net_new_arr", "Net new ARR"),
    ("mrr_new", "New MRR"),
    ("mrr_churn", "Churned MRR"),
    ("clients_new", "clients_new"),
    ("logo_churn_rate", "logo_churn_rate"),
    ("nrr_12m", "nrr_12m"),
    ("sm_spend", "Sales & marketing spend"),
    ("gross_margin", "gross_margin"),
    ("net_burn", "Net burn"),
    ("cash_balance", "Cash balance"),
)


def example_plan(data: InputData, actual: dict[str, np.ndarray]) -> PlanInput:
    """Two plan versions for the last calendar year of the data and three months beyond: a budget set
    before the year (the run rate of the year before's last quarter and targets for it) and a reforecast
    from its seventh month (the first half as it happened, the rest re-planned from the second quarter's
    run rate). ``actual`` holds the total's monthly series of ``data``.

    The plan ties out as a finance team's would: planned ARR is the ARR it starts from plus the planned
    net new ARR month by month, and planned cash is the cash it starts from less the planned net burn."""
    last_year = data.months[-1].year
    start = next(i for i, m in enumerate(data.months) if m.year == last_year and m.month == 1)
    months = month_range(data.months[start], 15)
    rates = ("logo_churn_rate", "nrr_12m", "gross_margin")
    #: Monthly growth (or change) of a flow's plan, and a rate's target as a multiple of its run rate.
    budget_trend = {
        "mrr_new": 1.03,
        "clients_new": 1.03,
        "net_new_arr": 1.03,
        "sm_spend": 1.02,
        "net_burn": 0.99,
    }
    budget_target = {"logo_churn_rate": 0.85, "nrr_12m": 1.02}
    reforecast_trend = {"mrr_new": 1.015, "clients_new": 1.015, "net_new_arr": 1.015}

    def run_rate(key: str, at: int) -> float:
        return float(np.nanmean(actual[key][max(at - 3, 0) : at]))

    def version(reforecast: bool) -> dict[str, list[float]]:
        """Every planned key's values over the plan's months."""
        frm = start + 6 if reforecast else start  # the first re-planned month
        trend = reforecast_trend if reforecast else budget_trend
        target = {} if reforecast else budget_target
        out: dict[str, list[float]] = {}
        for key, _ in EXAMPLE_PLAN_ROWS:
            if key not in actual or key in ("arr", "cash_balance"):
                continue
            base = run_rate(key, frm)
            out[key] = [
                float(actual[key][start + k])
                if start + k < frm
                else base * target.get(key, 1.0) * trend.get(key, 1.0) ** (start + k - frm + 1)
                for k in range(len(months))
            ]
        # The stocks follow from the flows: ARR from net new ARR, cash from net burn.
        for stock, flow, sign in (("arr", "net_new_arr", 1.0), ("cash_balance", "net_burn", -1.0)):
            if stock not in actual:
                continue
            level = float(actual[stock][frm - 1])
            out[stock] = []
            for k in range(len(months)):
                if start + k < frm:
                    out[stock].append(float(actual[stock][start + k]))
                else:
                    level += sign * out[flow][k]
                    out[stock].append(level)
        return {
            key: [round(v, 4) if key in rates else round(v, 0) for v in vals] for key, vals in out.items()
        }

    plans = {"Budget": version(False), "Reforecast": version(True)}
    lines = [
        PlanLine(key, text, name, tuple(values[key]))
        for name, values in plans.items()
        for key, text in EXAMPLE_PLAN_ROWS
        if key in values  # cash only with a cash balance
    ]
    return PlanInput(months, tuple(lines), has_versions=True)


def bulk_company(n_clients: int, n_months: int, seed: int = 1) -> InputData:
    """A large company generated month by month with vector operations (for benchmarks): the same
    kinds of movement as :func:`synthetic_company`, fast enough for 100,000 clients × 120 months."""
    rng = np.random.default_rng(seed)
    months = month_range(dt.date(2016, 1, 1), n_months)
    seg = (rng.random(n_clients) < 0.3).astype(int)  # 0 self-serve, 1 assisted
    price = np.where(seg == 1, 1400.0, 120.0) * rng.lognormal(0.0, 0.5, n_clients)
    churn_p = np.where(seg == 1, 0.012, 0.035)
    join = np.where(rng.random(n_clients) < 0.05, 0, rng.integers(1, n_months, n_clients))
    mrr = np.zeros((n_clients, n_months))
    level = np.round(price)
    active = np.zeros(n_clients, dtype=bool)
    for t in range(n_months):
        starting = join == t
        active |= starting
        u = rng.random(n_clients)
        mrr[active, t] = level[active]
        churn = active & (u < churn_p)
        expand = active & ~churn & (u < churn_p + 0.04)
        contract = active & ~churn & ~expand & (u < churn_p + 0.055)
        back = ~active & (join < t) & (rng.random(n_clients) < 0.03)
        level = np.where(expand, np.round(level * rng.uniform(1.1, 1.6, n_clients)), level)
        level = np.where(
            contract, np.maximum(np.round(level * rng.uniform(0.5, 0.9, n_clients)), 10.0), level
        )
        active = (active & ~churn) | back
    t = np.arange(n_months)
    return _benchmark_inputs(
        "C",
        months,
        mrr,
        seg,
        sm=np.round(45000 * (1.0 + 0.035 * t) * n_clients / 600, 0),
        self_serve_share=0.4,
        margin=np.round(0.70 + 0.10 * t / max(n_months - 1, 1), 4),
        burn=np.round(260000 * np.exp(-t / 40.0) * n_clients / 600, 0),
    )


def _benchmark_inputs(
    prefix: str,
    months: tuple,
    mrr: np.ndarray,
    seg: np.ndarray,
    *,
    sm: np.ndarray,
    self_serve_share: float,
    margin: np.ndarray,
    burn: np.ndarray,
    **attributes: list[str],
) -> InputData:
    """A generated company's inputs: client IDs ``<prefix>0000001``…, the Segment attribute (``seg`` 1:
    Assisted, 0: Self-serve) then ``attributes``, and S&M split between the segments by
    ``self_serve_share``."""
    self_serve = np.round(sm * self_serve_share)
    return InputData(
        client_ids=tuple(f"{prefix}{i + 1:07d}" for i in range(len(seg))),
        attributes={"Segment": ["Assisted" if s else "Self-serve" for s in seg], **attributes},
        months=months,
        mrr=mrr,
        sm_spend=sm,
        gross_margin=margin,
        net_burn=burn,
        sm_by_segment={"Self-serve": self_serve, "Assisted": sm - self_serve},
        source="benchmark",
    )


def churn_heavy_company(n_clients: int, n_months: int, seed: int = 2) -> InputData:
    """A churn-heavy company (for benchmarks and property tests), unlike :func:`bulk_company` in shape:
    15 % of clients already pay in month 1 and the rest start evenly over the later months; each month a
    paying client churns with probability 3 % (a quarter of churned clients come back 1–8 months later at
    half, the same or 1.5 times their old MRR), expands with 5 % (× 1.1, 1.25 or 2) and contracts with 3 %
    (× 0.5, 0.8 or 0.9). Two segments and three regions; S&M split by segment."""
    rng = np.random.default_rng(seed)
    months = month_range(dt.date(2016, 1, 1), n_months)
    seg = (rng.random(n_clients) < 0.35).astype(int)  # 0 self-serve, 1 assisted
    region = rng.integers(0, 3, n_clients)
    price = np.round(np.where(seg == 1, 900.0, 90.0) * rng.lognormal(0.0, 0.6, n_clients))
    opening = rng.random(n_clients) < 0.15
    later = np.arange(n_clients) % max(n_months - 1, 1) + 1  # the rest, evenly over months 2..T
    join = np.where(opening, 0, rng.permutation(later))
    mrr = np.zeros((n_clients, n_months))
    level = price.copy()
    active = np.zeros(n_clients, dtype=bool)
    returns_at = np.full(n_clients, -1)
    for t in range(n_months):
        active |= join == t
        back = returns_at == t
        active |= back
        returns_at[back] = -1
        mrr[active, t] = level[active]
        u = rng.random(n_clients)
        pick = rng.integers(0, 3, n_clients)
        churn = active & (u < 0.03)
        expand = active & ~churn & (u >= 0.03) & (u < 0.08)
        contract = active & ~churn & (u >= 0.08) & (u < 0.11)
        comes_back = churn & (rng.random(n_clients) < 0.25)
        returns_at = np.where(comes_back, t + 1 + rng.integers(1, 9, n_clients), returns_at)
        level = np.where(
            comes_back, np.maximum(np.round(level * np.array([0.5, 1.0, 1.5])[pick]), 1.0), level
        )
        level = np.where(expand, np.round(level * np.array([1.1, 1.25, 2.0])[pick]), level)
        level = np.where(contract, np.maximum(np.round(level * np.array([0.5, 0.8, 0.9])[pick]), 1.0), level)
        active &= ~churn
    t = np.arange(n_months)
    return _benchmark_inputs(
        "H",
        months,
        mrr,
        seg,
        sm=np.round(30000 * (1.0 + 0.02 * t) * n_clients / 600, 0),
        self_serve_share=0.45,
        margin=np.round(0.72 + 0.06 * t / max(n_months - 1, 1), 4),
        burn=np.round(200000 * np.exp(-t / 50.0) * n_clients / 600, 0),
        Region=[("Americas", "EMEA", "APAC")[r] for r in region],
    )
