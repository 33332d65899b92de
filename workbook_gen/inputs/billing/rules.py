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
