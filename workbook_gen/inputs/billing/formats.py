"""The two billing formats (README, Billing data in): their columns, the other spellings exports use,
and how a header row is recognised. Plain Python, so a folder can be inspected without the columnar
library."""

from __future__ import annotations

import re

from workbook_gen.billing_terms import COLUMNS_REQUIRED, INVOICES, PERIODS

#: Other spellings of a column, as exports name them (Stripe's ``Period Start (UTC)``, the dbt
#: mrr-playbook's ``monthly_amount``, which is a charge per month).
ALIASES = {
    "client_id": "customer_id",
    "monthly_amount": "amount",
    "period_start": "service_period_start",
    "period_end": "service_period_end",
}


def column_key(header: str) -> str:
    """A header as a column name: case and spaces aside, without a ``(UTC)`` suffix."""
    key = re.sub(r"\(\s*utc\s*\)", "", header.strip().lower()).strip()
    key = re.sub(r"[\s\-]+", "_", key)
    return ALIASES.get(key, key)


def billing_format(headers: list[str]) -> str | None:
    """Which billing format a header row is (None when neither)."""
    keys = {column_key(h) for h in headers}
    for kind in (INVOICES, PERIODS):
        if all(c in keys for c in COLUMNS_REQUIRED[kind]):
            return kind
    return None
