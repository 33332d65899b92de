"""The billing rules (README, Billing data in; docs/definitions.md), one small pure function each, on
one line at a time. :mod:`workbook_gen.inputs.billing.columnar` applies the same rules to whole columns;
a property test holds the two to the same answers.

Months are numbered ``year * 12 + month - 1`` so that consecutive months are consecutive integers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

#: Days in an average month, for periods that are not whole calendar months.
DAYS_PER_MONTH = 365.25 / 12

SUBSCRIPTION = "subscription"
ONE_TIME = "one_time"
#: The spellings of the two line types (after trimming and lower case).
LINE_TYPES = {
    "subscription": SUBSCRIPTION,
    "recurring": SUBSCRIPTION,
    "one_time": ONE_TIME,
    "one-time": ONE_TIME,
    "one time": ONE_TIME,
}
INTERVALS = {"month": 1, "quarter": 3, "year": 12}
EXCLUSIVE, INCLUSIVE = "exclusive", "inclusive"

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
STAMP_TAIL_RE = re.compile(r"(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z| ?UTC|[+-]\d{2}:?\d{2})?")
N_MONTHS_RE = re.compile(r"(\d{1,3}) ?months?")


def parse_date(text: str | None) -> dt.date | None:
    """An ISO date, alone or as the date of a ``YYYY-MM-DD HH:MM:SS`` stamp (the time is dropped:
    billing periods are attributed by day); None when it is neither."""
    if text is None:
        return None
    text = text.strip()
    if not DATE_RE.fullmatch(text[:10]) or not STAMP_TAIL_RE.fullmatch(text[10:]):
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def month_number(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_of_number(n: int) -> dt.date:
    return dt.date(n // 12, n % 12 + 1, 1)


def is_month_end(d: dt.date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def exclusive_end(end: dt.date, period_end: str = EXCLUSIVE) -> dt.date:
    """The period's end as the next period's start: an inclusive end (the last day) moves one day on."""
    return end + dt.timedelta(days=1) if period_end == INCLUSIVE else end


def months_covered(start: dt.date, end: dt.date) -> range:
    """The months (numbers) whose last day the period covers, ``start ≤ last day of M < end`` with
    ``end`` exclusive: from ``start``'s month up to, not including, ``end``'s month. A period inside
    one month covers no month end and counts nowhere."""
    return range(month_number(start), max(month_number(start), month_number(end)))


def period_months(start: dt.date, end: dt.date) -> float:
    """A period's length in months (``end`` exclusive): whole calendar months when both dates fall on
    the same day of the month or both on the last day of their months, else days ÷ (365.25 / 12)."""
    if start.day == end.day or (is_month_end(start) and is_month_end(end)):
        return float(month_number(end) - month_number(start))
    return (end - start).days / DAYS_PER_MONTH


def looks_inclusive(start: dt.date, end: dt.date) -> bool:
    """An end on the day before a month boundary (a last day of a month) where the start is not one:
    the shape of a file that ends periods on their last day (Jan 1 – Jan 31)."""
    return is_month_end(end) and not is_month_end(start)


def line_type(text: str | None) -> str | None:
    """``subscription`` (also when blank) or ``one_time``; None for anything else."""
    if text is None or not text.strip():
        return SUBSCRIPTION
    return LINE_TYPES.get(text.strip().lower())


def interval_months(text: str | None) -> int | None:
    """Months in a billing interval: ``month`` (also when blank), ``quarter``, ``year`` or ``N months``;
    None for anything else."""
    if text is None or not text.strip():
        return 1
    key = text.strip().lower()
    if key in INTERVALS:
        return INTERVALS[key]
    found = N_MONTHS_RE.fullmatch(key)
    if found and int(found.group(1)) > 0:
        return int(found.group(1))
    return None


def invoice_line_mrr(amount: float, tax: float | None, start: dt.date, end: dt.date) -> float:
    """An invoice line's monthly recurring revenue: its amount net of tax over its period's months."""
    return (amount - (tax or 0.0)) / period_months(start, end)


def subscription_mrr(amount: float, interval: int) -> float:
    """A subscription period's MRR: the recurring charge per interval over the interval's months."""
    return amount / interval


def floor_at_zero(mrr: float) -> tuple[float, bool]:
    """A client-month's MRR, floored at zero (credit notes larger than the charges), and whether it was."""
    return (0.0, True) if mrr < 0 else (mrr, False)


def is_currency_code(text: str | None) -> bool:
    return text is not None and re.fullmatch(r"[A-Za-z]{3}", text.strip()) is not None


NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_amount(text: str | None) -> float | None:
    """A plain decimal number (``1200.50``, ``-30``, ``1e3``); None for anything else, thousands
    separators included (``1,200`` is refused rather than guessed)."""
    if text is None or not NUMBER_RE.fullmatch(text.strip()):
        return None
    value = float(text.strip())
    return value if math.isfinite(value) else None


#: The rules in words, as docs/definitions.md states them (read from this source, not imported): (rule, what it does, how the peers compare),
#: so a finance team can reconcile with the tool it used before.
BILLING_RULES = (
    (
        "Month attribution",
        "A subscription line counts in month M when its period covers M's last day: start ≤ last day of "
        "M < end. A period inside one month (Jan 3 – Jan 20) covers no month end and counts nowhere.",
        "ChartMogul and Stripe report MRR at month end, as here. The dbt mrr-playbook counts months with "
        "start ≤ first day of M < end: the same for first-of-month periods; a period starting mid-month "
        "counts here from its first month, there from the next. flipRevenueMetrics measures recurring "
        "revenue at the instant before the next period starts, which is the month end for monthly views.",
    ),
    (
        "Period ends",
        "End dates are exclusive: a period's end is the next period's start (Jan 1 – Feb 1 is January), "
        "as Stripe and ChartMogul export them and as the dbt mrr-playbook and flipRevenueMetrics read "
        "them. Files that end periods on their last day (Jan 1 – Jan 31) are read with the setting "
        "period_end = inclusive (--period-end inclusive), which moves each end one day on; validate warns "
        "when most periods of a file end on the last day of a month and the setting is exclusive.",
        "Read as exclusive, an inclusive file loses each period's last day, so a monthly plan would miss "
        "every month end: the warning says so.",
    ),
    (
        "Normalisation to a month",
        "An invoice line's MRR is its amount net of tax divided by its period's length in months: whole "
        "calendar months when start and end fall on the same day of the month or both on the last day of "
        "their months (Jan 15 → Apr 15 = 3; Jan 31 → Feb 28 = 1), else days ÷ (365.25 / 12). A "
        "subscription period's MRR is its amount (the charge per interval) divided by the interval's "
        "months: month 1, quarter 3, year 12, N months N.",
        "As ChartMogul and Stripe normalise (a 3-month plan of 90 is 30 a month, an annual 1,200 is "
        "100). flipRevenueMetrics annualises each line over its period: its recurring revenue is this "
        "MRR × 12. The dbt mrr-playbook takes monthly_amount as the MRR, as here with interval month.",
    ),
    (
        "One-time lines and tax",
        "Lines of type one_time never count; tax (the tax column) is subtracted from the amount.",
        "ChartMogul and Stripe exclude one-time charges and tax from MRR too.",
    ),
    (
        "Credit notes",
        "A negative subscription line (a credit note for a service period) reduces that client's MRR in "
        "the months its period covers. Refunds of payments are not invoice lines and never change MRR.",
        "Stripe and ChartMogul do not change MRR for refunds either; a credit note that ChartMogul would "
        "show as a plan change shows here as the lower MRR of the months it covers.",
    ),
    (
        "Lines of a client added up, floored at zero",
        "All subscription lines of one client in one month add up (two seats billed apart are one "
        "client's MRR). A client-month that credit notes would take below zero is zero, with a warning "
        "naming the client and month.",
        "The dbt mrr-playbook and flipRevenueMetrics add a customer's lines up too; neither has credit "
        "notes to floor.",
    ),
    (
        "Currency",
        "A currency column (either format; blank = the reporting currency, the currency setting) needs "
        "fx.csv beside the billing file: month, currency, rate, the rate in units of the reporting "
        "currency per unit. Each client's MRR in each currency is normalised first, then converted at "
        "the rate of its month; with constant_currency = YYYY-MM (--constant-currency) every month is "
        "converted at that one month's rates, so growth and the MRR bridge are free of exchange moves. "
        "Lines of a client in several currencies add up after conversion, and the floor at zero comes "
        "after it. A missing rate is an error naming the currency and the months. The Cover says which "
        "rates the pack uses; the imported workbook's FX rates sheet and the reconciliation CSV show each "
        "client's currency and the rate of each month.",
        "ChartMogul converts each charge at the rate of its service period's start and shows the "
        "exchange-rate impact apart from expansion and contraction; Chargebee converts at period-end "
        "rates; SaaSGrid cascades from the transaction's own conversion. Here, at monthly rates an "
        "exchange move shows as expansion or contraction of the clients billed in that currency (the "
        "bridge has no exchange row); at constant currency it does not show at all, which is how finance "
        "teams compare growth.",
    ),
    (
        "The months",
        "The months run from the first month any subscription line covers to the last month of "
        "monthly.csv (or as_of; import without monthly.csv: the last month any line reaches). Lines "
        "outside are ignored with a warning; a still-active period (empty end date) runs to the last "
        "month. Clients keep the order of their first line; each attribute column (any column the format "
        "does not name) takes the value on the client's latest line that has one.",
        "",
    ),
)
