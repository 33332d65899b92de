"""The billing formats and rules in words (README, Billing data in): plain data that the billing reader
(``workbook_gen.inputs.billing``) applies and ``docs/definitions.md`` states, kept apart from the reader so
the document renders without loading it."""

from __future__ import annotations

PERIODS, INVOICES = "subscription periods", "invoice lines"

#: Column names each format needs (after :func:`column_key`), and the optional ones it knows.
COLUMNS_REQUIRED = {
    PERIODS: ("customer_id", "start_date", "end_date", "amount"),
    INVOICES: ("customer_id", "service_period_start", "service_period_end", "amount"),
}
COLUMNS_OPTIONAL = {
    PERIODS: ("interval", "currency", "subscription_id"),
    INVOICES: ("type", "tax", "currency", "line_id"),
}
#: The rules in words, as docs/definitions.md and the README state them: (rule, what it does, how the
#: peers compare), so a finance team can reconcile with the tool it used before.
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
