"""``docs/definitions.md``, rendered from the metric catalog.

The document is generated so that it cannot drift from :mod:`workbook_gen.definitions`, which the
engine, the workbook's rows and names, the Glossary tab and the JSON export all read. Regenerate it
after changing the catalog::

    python -m workbook_gen.docs --write     # or: python -m workbook_gen.docs > docs/definitions.md

``--check`` exits with status 1 when the committed file differs from the rendering.

What this module reads is deliberately small and kept in two places (the functions under "What the
document reads", and :func:`undefined_paragraph` with its helpers), so that what feeds the document can be
switched without touching the layout of the text. It imports the catalog (with its rules and names), the
settings schema (which pulls in nothing but :mod:`workbook_gen.errors`) and the standard library, never
the engine or the workbook writer.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path

from workbook_gen import billing_terms, names, rules
from workbook_gen import definitions as d
from workbook_gen import settings as s
from workbook_gen.expressions import EXACT_DECIMALS

PACKAGE = Path(__file__).resolve().parent
DOC_PATH = PACKAGE.parent / "docs" / "definitions.md"
REGENERATE = "python -m workbook_gen.docs --write"
HEADER = f"<!-- Generated from workbook_gen/definitions.py by `{REGENERATE}`; do not edit by hand. -->"

UNIT_TEXT = {
    d.CURRENCY: "currency (the reporting currency)",
    d.COUNT: "count",
    d.PCT: "percentage (stored as a fraction: 0.25 is 25 %)",
    d.RATIO: "ratio",
    d.MONTHS: "months",
}
SCOPE_TEXT = {
    d.ALL: "the total and every segment.",
    d.SM: "the total; a segment only when the S&M sheet has a spend column headed with that segment's "
    "name (otherwise the key is absent for it).",
    d.SEGMENTS: "every segment (a share of the total; the total has no such row).",
    d.BURN: "the total; a segment only when the Burn sheet has a burn column headed with that segment's "
    "name (otherwise the key is absent for it).",
    d.CASH: "the total only, and only when the Burn sheet has a Cash balance column (cash is the "
    "company's; without the column the key is absent).",
}
PERIOD_KIND_TEXT = {
    "flow": "a flow: the sum of the period's months (undefined for a period made of month 1 alone, "
    "which has no movements).",
    "stock": "a stock: the value at the period's last month.",
    "opening": "carried in: the closing value of the month before the period (for the first period, "
    "the closing value of month 1).",
    "derived": "recomputed from the period's own sums and stocks by the metric's expression, never an "
    "average of monthly values",
}

# Stable section headings: code comments point at them ("docs/definitions.md, Cohorts").
H_CONVENTIONS = "Conventions"
H_PERIODS = "Quarterly and annual views"
H_TRAILING = "Trailing twelve months"
H_COHORTS = "Cohorts"
H_NAMES = "Defined names"
H_CUSTOMERS = "Customers"
H_SETTINGS = "Settings"
H_PLAN = "Plan vs actual"


# --- What the document reads -----------------------------------------------------------------------


def exact_decimals() -> int:
    return EXACT_DECIMALS


def settings_defaults() -> s.Settings:
    return s.Settings()


# --- First month and undefined rule: rendered by the catalog from each metric's expression ----------


def first_month_text(metric: d.Metric) -> str:
    first = rules.start(metric.key)
    text = rules.month_text(first)
    if text.isdigit():
        return f"month {text}."
    month = rules.first_month_number(metric.key, settings_defaults())
    return f"month {text}, set by the window settings (month {month} with the defaults)."


def undefined_paragraph(metric: d.Metric) -> str:
    """When ``metric`` has no value (JSON null, ``n/a`` or ``n/m`` in the workbook)."""
    text = rules.undefined_sentence(metric.key)
    if metric.key == "sm_spend":
        text = (
            "Never for the total. For a segment without its own S&M column it is undefined in every "
            "month: its spend is unknown, not zero."
        )
    return prose(text) if text else "Never: it has a value in every month."


# --- Markdown helpers ------------------------------------------------------------------------------

_MD_ACTIVE = re.compile(r"([\\`*_<>\[\]|#])")


def prose(text: str) -> str:
    """Catalog text as literal markdown: characters markdown would act on are escaped."""
    return _MD_ACTIVE.sub(r"\\\1", text)


def code(text: str) -> str:
    """A code span, whatever backticks the text holds."""
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_BLOCK_START = re.compile(r"^([#>+*=|-]|\d+[.)])")


def _words(text: str) -> list[str]:
    """The words of ``text``; a code span is never split, whatever spaces it holds."""
    words, word, in_code = [], "", False
    for ch in text:
        if ch == "`":
            in_code = not in_code
        if ch == " " and not in_code:
            if word:
                words.append(word)
            word = ""
        else:
            word += ch
    return [*words, word] if word else words


def _wrap(text: str, first: str = "", rest: str = "", width: int = 110) -> list[str]:
    """``text`` on lines of about ``width`` characters, never breaking a code span and never starting a
    line with a character markdown would read as the start of a heading, list, quote or table."""
    lines: list[str] = []
    line, empty = first, True
    for word in _words(text):
        if empty:
            line, empty = line + word, False
        elif len(line) + 1 + len(word) <= width or _BLOCK_START.match(word):
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = rest + word
    return [*lines, line]


def _para(text: str) -> list[str]:
    return [*_wrap(text), ""]


def _bullet(text: str) -> list[str]:
    return _wrap(text, first="- ", rest="  ")


def _item(label: str, text: str) -> list[str]:
    return _bullet(f"**{label}:** {text}")


# --- The document ----------------------------------------------------------------------------------


def _introduction() -> list[str]:
    decimals = exact_decimals()
    out = [
        HEADER,
        "",
        "# Metric definitions",
        "",
        *_para(
            "This page defines every number workbook-gen computes: the monthly series, their quarterly and "
            "annual views, the cohort tables, the names under which the workbook publishes them and the "
            "settings that shape them. It is rendered from the metric catalog "
            "(`workbook_gen/definitions.py`), the same data the engine, the workbook's rows, the Glossary "
            "tab and the JSON export read, and a test fails when the two differ. Formulas use the "
            "catalog's short notation: previous and current are a client's MRR in the month before and in "
            "the month itself, Σ sums over clients (or over the months in brackets), # counts clients, "
            "[t−k] means k months before month t."
        ),
        f"## {H_CONVENTIONS}",
        "",
        "### Months",
        "",
        *_para(
            "The months are the month columns of the MRR sheet, oldest first, numbered t = 1, 2, … T "
            "(months after the as_of setting are left out). Every monthly series is one value per month, "
            "aligned with that timeline; in the workbook it is a row under the month dates named "
            "`months`. A client's first paying month is the first month in which its MRR is above 0."
        ),
        "### The opening month",
        "",
        *_para(
            "Month 1 is the opening balance. It has a closing MRR, ARR, closing clients, ARPA and the "
            "three monthly inputs, but no movements: with no month before it, nobody can be called new, "
            "expanded or churned in it, so every movement, every count of movers and every ratio built "
            "on them is undefined in month 1. Each metric below states its first month with a value. "
            "Every client already paying in month 1 belongs to the opening-base cohort, whose true start "
            "is unknown."
        ),
        "### Scopes and segments",
        "",
        *_para(
            "A scope is a set of clients the whole analysis is run on. The total scope holds every client. "
            "When the split setting names an attribute column of the MRR sheet, each value of that column "
            "is a segment, a scope of its own with the same series and cohort tables restricted to its "
            "clients (a blank value is the segment Unassigned; values that differ only in letter case or "
            "surrounding spaces are one segment). Spend and cash belong to the company unless the inputs "
            "split them: a segment carries the S&M-based metrics only when the S&M sheet has a column "
            "headed with its name, and the burn-based ones only when the Burn sheet has. A key a scope "
            "does not carry is absent from its JSON and from its tab, which says why. The quarterly and "
            "annual views are computed for the total scope."
        ),
        "### Undefined values",
        "",
        *_para(
            "A value is undefined when it cannot be computed honestly: a division by 0, a window that "
            "reaches back before month 1, or an input it needs that the scope does not have. Undefined is "
            "never replaced by 0. The JSON export writes `null`; the workbook shows the text `n/a`, and "
            "`n/m` (not meaningful) for a burn multiple whose window lies in the data but over which ARR "
            "did not grow; a chart leaves a gap. Each metric below says when it is undefined."
        ),
        "### Exact zeros",
        "",
        *_para(
            f"The MRR movements (new, reactivation, expansion, contraction, churn) and the ARR changes the "
            f"magic number and the burn multiple divide by (monthly, and the ARR added in a quarter or a "
            f"year) are rounded to {decimals} decimals, a millionth of a currency unit, both in the engine "
            f"and in the workbook's formulas (`ROUND(…, {decimals})`). A difference of sums that is 0 in "
            "exact arithmetic is then exactly 0 in every spreadsheet engine, so the ratio over it stays "
            "undefined instead of becoming a huge number made of floating-point residue."
        ),
        "### Windows",
        "",
        *_para(
            "Some metrics sum a window of months set by the settings: W months for CAC, ASP and CAC payback "
            "(cac_window), a lag of L months between spend and the clients it won (cac_lag), and C months "
            "of logo churn for the client lifetime (ltv_churn_window), and R months of net burn averaged "
            "for the runway (runway_window); see Settings. In the workbook they "
            "are cells on the Cover tab the formulas refer to by name."
        ),
    ]
    return out


def _period_rule(key: str) -> str:
    m = d.period_metric(key)
    if m.period is None:
        return "monthly only: the quarterly and annual views have no such row."
    return prose(rules.period_rule_text(key)) + "."


def _metric_entry(m: d.Metric) -> list[str]:
    out = [
        f"### {code(m.key)}",
        "",
        *_para(f"**{prose(d.shown_label(m))}**: {prose(m.definition)}"),
        *_item("Unit", UNIT_TEXT[m.unit]),
        *_item("Carried by", SCOPE_TEXT[m.scope]),
        *_item("Formula", code(rules.formula_text(m))),
        *_item("First month with a value", first_month_text(m)),
        *_item("Undefined", undefined_paragraph(m)),
    ]
    if m.note:
        out += _item("Edge cases", prose(m.note))
    if m.benchmark:
        out += _item("Benchmark", prose(m.benchmark.text))
    out += _item("Quarterly and annual views", _period_rule(m.key))
    if m.better:
        out += _item("Plan vs actual", prose(rules.better_sentence(m.key)))
    return [*out, ""]


def _metric_sections() -> list[str]:
    out = []
    for section in d.SECTIONS:
        out += [f"## {section}", ""]
        for m in d.METRICS:
            if m.section == section:
                out += _metric_entry(m)
    return out


def _periods() -> list[str]:
    start = settings_defaults().fiscal_year_start
    out = [
        f"## {H_PERIODS}",
        "",
        *_para(
            "The Quarterly and Annual tabs and the `quarterly` and `annual` parts of the JSON show the total "
            "scope by fiscal quarter and fiscal year (fiscal_year_start sets the first month of the year; "
            f"the default, {start}, is the calendar year). A fiscal year is named after the calendar year in "
            "which it ends. A period still running at the last month of data is partial and shown in "
            "italics. Each row is built from the months of its period in one of four ways:"
        ),
    ]
    for kind in ("flow", "stock", "opening", "derived"):
        text = PERIOD_KIND_TEXT[kind]
        out += _bullet(f"`{kind}`: {text}{'' if text.endswith('.') else '.'}")
    out += [
        "",
        *_para(
            "Each metric's entry above says which way its period row is built; the rows are named "
            "`quarterly_<key>` and `annual_<key>`. The period view also has rows that no monthly series "
            "has:"
        ),
    ]
    for key, m in d.PERIOD_ONLY.items():
        out += [
            f"### {code(key)}",
            "",
            *_para(f"**{prose(d.shown_label(m, 'periods'))}**: {prose(m.definition)}"),
            *_item("Unit", UNIT_TEXT[m.unit]),
            *_item("Formula", code(rules.formula_text(m))),
            *_item("How the period row is built", _period_rule(key)),
            "",
        ]
    return out


def _cohorts() -> list[str]:
    groupings = ", ".join(d.GROUPINGS)
    example = names.cohort_name(d.GROUPINGS[1], d.COHORT_TABLES[2].key)
    out = [
        f"## {H_COHORTS}",
        "",
        *_para(
            f"A client's cohort is the period that contains its first paying month, for each grouping "
            f"({groupings}); all three are computed for every scope. The first row of every grouping is "
            "the opening base: the clients already paying in month 1, whose acquisition the data does not "
            "show, labelled with month 1 and `(opening base)`. Then one row per period from the period "
            "holding month 2 to the last, each holding only the clients whose first paying month falls in "
            "it after month 1 (so the first quarter's cohort is the clients won in it, never mixed with the "
            "opening base); if month 1 is the last month of its period, that period has no row of its "
            "own. For the month grouping this is one row per month, month 1 being the opening base. The "
            "age of a cell is the number of periods since its cohort's own period (age 0 is the cohort "
            "period; the opening base is measured like a cohort of the first period). A cohort's value at "
            "age k is taken at the end of period cohort + k: its last month, or the last month of data "
            "when that period is not complete yet (such cells are marked partial). A period that won no "
            "client keeps its row with size 0 and every other cell undefined. Ratio tables are undefined "
            "where their base is 0 (a cohort whose clients had all left by the end of its own period has "
            "no age-0 MRR). Cells past the last month of data are blank."
        ),
        *_para(
            f"Each table is published as `cohort_<grouping>_<table>` (e.g. {code(example)}), with "
            "`__<slug>` appended for a segment. Single-column tables have one value per cohort row; the "
            "others have one row per cohort row (the opening base first) and one column per age. The "
            "tables marked S&M need the scope's own "
            "S&M spend, so a segment has them only with its own S&M column."
        ),
    ]
    for t in d.COHORT_TABLES:
        shape = "one value per cohort" if t.single_column else "cohort × age"
        published = ", ".join(code(names.cohort_name(g, t.key)) for g in d.GROUPINGS)
        out += [
            f"### {code(t.key)}",
            "",
            *_para(f"**{prose(t.shown_label())}**: {prose(t.definition)}"),
            *_item("Unit", UNIT_TEXT[t.unit]),
            *_item("Shape", shape + "."),
            *_item("Carried by", SCOPE_TEXT[d.SM if t.needs_sm else d.ALL]),
            *_item("Names", published + "."),
            "",
        ]
    out += _para(
        "Cohort CAC is the S&M spend of the cohort period's months from month 2 on (month 1's spend won "
        "no client the data shows as new), each shifted back by the CAC lag. It is undefined for the "
        "opening base (its clients were won before the data begins), for a period that won no client, "
        "and where the CAC lag reaches back before month 1. Payback age is "
        "undefined wherever the CAC is; where the cohort has a CAC that its cumulative gross profit has "
        "not reached yet, the workbook shows `not yet` (JSON `null`)."
    )
    return out


def _names() -> list[str]:
    seg = "self_serve"
    return [
        f"## {H_NAMES}",
        "",
        *_para(
            "The workbook publishes every number under a workbook-level defined name, the machine-readable "
            "contract other tools read:"
        ),
        *_bullet("`months`: the row of month dates every monthly series is aligned with."),
        *_bullet(
            f"a monthly series of the total scope is named by its key ({code(names.series_name('arr'))}); "
            f"of a segment, key, two underscores and the segment's slug "
            f"({code(names.series_name('arr', seg))}).",
        ),
        *_bullet(
            f"a cohort table is `cohort_<grouping>_<table>` ({code(names.cohort_name('quarter', 'nrr'))}; "
            f"for a segment {code(names.cohort_name('quarter', 'nrr', seg))}).",
        ),
        *_bullet(
            f"a quarterly or annual row is `quarterly_<key>` or `annual_<key>` "
            f"({code(names.period_row_name('quarterly', 'arr'))}; for a segment "
            f"{code(names.period_row_name('quarterly', 'arr', seg))}, on the segment's tab).",
        ),
        *_bullet(
            "a setting the formulas use is a cell on the Cover named `setting_<name>` "
            "(`setting_cac_window`).",
        ),
        *_bullet(
            f"with a plan, each planned key of the total scope has {code(names.plan_name('arr'))} (the plan) and "
            f"{code(names.variance_name('arr'))} (actual − plan), rows aligned with `months` (see {H_PLAN}).",
        ),
        "",
        *_para(
            "A segment's slug is its value in lower case with every run of characters other than a–z and "
            "0–9 turned into one underscore, trimmed of underscores at both ends (Self-serve becomes "
            f"`{seg}`). A slug longer than {names.SLUG_MAX} characters is cut short and ends in an underscore "
            "and eight hexadecimal digits of the SHA-256 digest of the full slug, so that it stays unique "
            "and every defined name stays within Excel's 255 characters. Two values with the same slug "
            "are told apart by a trailing underscore; a value with no letter or digit at all gets the slug "
            "`blank`. The Glossary tab of each workbook lists the names "
            "it holds."
        ),
    ]


# What a setting left unset means (its default is None in the Settings class).
UNSET_MEANING = {
    "company": "the input file's name",
    "split": "automatic (below)",
    "as_of": "the last month with data",
    "constant_currency": "each month at its own rates",
}


def _default_text(key: str, value) -> str:
    if value is None:
        return UNSET_MEANING.get(key, "not set")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def _allowed_text(rule: s.Rule) -> str:
    if rule.kind == "month":
        return "a month, YYYY-MM"
    if rule.kind == "text":
        return "text" + (f" ({rule.hint.removeprefix('must be ')})" if rule.hint else "")
    whole = "a whole number" if rule.kind == "int" else "a number"
    if rule.low is None:
        return whole
    return f"{whole} from {rule.low:g} to {rule.high:g}"


def _settings() -> list[str]:
    defaults = settings_defaults()
    out = [
        f"## {H_SETTINGS}",
        "",
        *_para(
            f"Settings come from defaults, then from the Settings tab of a workbook-gen pack being rebuilt, then "
            f"from a `{s.SETTINGS_FILE}` file beside the inputs, then from command-line options; each "
            "later source wins. Every value is checked against the rules below."
        ),
        "| setting | default | allowed | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for f in dataclasses.fields(s.Settings):
        rule = s.SCHEMA[f.name]
        meaning = prose(s.SETTING_HELP[f.name])
        default = _default_text(f.name, getattr(defaults, f.name))
        out.append(f"| `{f.name}` | {default} | {_allowed_text(rule)} | {meaning} |")
    most = d.MAX_SEGMENTS
    out += [
        "",
        *_para(
            f"Without a split setting, the segments come from a column named Segment if it has 2 to {most} "
            f"distinct values; otherwise from the first attribute column with 2 to {most} distinct values "
            "that is not different for every client (a name or an ID never splits); otherwise there are "
            'no segments. `split = "none"` turns segments off.'
        ),
    ]
    return out


def _trailing() -> list[str]:
    out = [
        f"## {H_TRAILING}",
        "",
        *_para(
            f"The Dashboard's trailing-twelve-months ({d.TRAILING_NAME}) table, the rows of the Segments tab "
            "over the last 12 months and the "
            "`trailing_12m` part of each scope in the JSON are one more period view: the last twelve months, "
            "from month 2 at the earliest (month 1 has no movements). Each row is built by its period rule, "
            "as in the quarterly and annual views; the rows that only this view has follow the list."
        ),
    ]
    for key in d.TRAILING_KEYS:
        if key not in d.TRAILING_ONLY:
            label = d.shown_label(d.period_metric(key), "trailing")
            out += _bullet(f"{code(key)} ({prose(label)}): {_period_rule(key)}")
    out.append("")
    for key in d.TRAILING_KEYS:
        if key in d.TRAILING_ONLY:
            m = d.period_metric(key)
            out += [
                f"### {code(key)}",
                "",
                *_para(f"**{prose(d.shown_label(m, 'trailing'))}**: {prose(m.definition)}"),
                *_item("Unit", UNIT_TEXT[m.unit]),
                *_item("Formula", code(rules.readable(d.period_rule(key)))),
                "",
            ]
    return [*out, ""]


H_BILLING = "Billing data"


def _billing() -> list[str]:
    required = billing_terms.COLUMNS_REQUIRED
    optional = billing_terms.COLUMNS_OPTIONAL

    def columns(kind: str) -> str:
        return (
            ", ".join(code(c) for c in required[kind])
            + " and optionally "
            + ", ".join(code(c) for c in optional[kind])
        )

    out = [
        f"## {H_BILLING}",
        "",
        *_para(
            "A folder holding one billing CSV instead of mrr.csv is read by build, validate and metrics, and "
            "turned into the standard input workbook by import. The file is recognised by its header "
            "(column names in any case; a (UTC) suffix is dropped): "
            + "; ".join(f"{kind} have {columns(kind)}" for kind in required)
            + ". "
            "Any other column is a client attribute, as on the MRR sheet."
        ),
    ]
    for name, rule, peers in billing_terms.BILLING_RULES:
        out += [f"### {name}", "", *_para(prose(rule))]
        if peers:
            out += _para("How the peers compare: " + prose(peers))
    return [*out, ""]


def _plan() -> list[str]:
    higher = [code(k) for k in d.plannable() if d.BY_KEY[k].better == d.HIGHER]
    lower = [code(k) for k in d.plannable() if d.BY_KEY[k].better == d.LOWER]
    flows = [code(k) for k in d.plannable() if rules.plan_is_flow(k)]
    return [
        f"## {H_PLAN}",
        "",
        *_para(
            "An optional `Plan` sheet (or `plan.csv`) holds the board's plan: one row per planned metric, "
            "named by its key or its label (any case), an optional `Version` column, then one column per "
            "month headed as on the MRR sheet; months may run past the last month of actuals (the rest of "
            "the plan year). The setting `plan_version` picks a version (default: the last one listed). "
            "`plan.csv` is long (`month,metric,value[,version]`) or wide (as the sheet). An unknown "
            "metric, a metric listed twice for one version, a value that is not a number are refused with "
            "the cell; plan months before the first month of actuals are ignored with a warning."
        ),
        *_para(
            "Every plannable metric declares which way it is better. Better higher: "
            + ", ".join(higher)
            + ". Better lower: "
            + ", ".join(lower)
            + " (spend under plan is favourable)."
        ),
        *_bullet(
            "variance = actual − plan, undefined where either is undefined or the month is not planned."
        ),
        *_bullet("variance % = variance ÷ |plan|, undefined when the plan is 0."),
        *_bullet(
            "favourable when the variance points the way the metric is better; a variance of 0 is neither."
        ),
        *_bullet(
            "quarter to date and year to date (fiscal, from `fiscal_year_start`): a flow ("
            + ", ".join(flows)
            + ") is summed over the period's months with actuals, from the metric's first month with a "
            "value (a year that holds month 1 sums its movements from month 2, as the annual view does), "
            "against the plan summed over the same months (undefined when any of those months is); a stock "
            "or a rate is its value at the latest month, against the plan for that month."
        ),
        *_bullet(
            "full year (the fiscal year of the latest month): the plan for the year (a flow summed over its "
            "twelve months, a stock or a rate at its last month) against the outlook, the actuals to date "
            "followed by the plan for the remaining months (so for a stock or a rate, the plan at the year "
            "end until the year is complete). Undefined when the plan misses a month it needs, or when the "
            "actuals do not reach back to the year's first month."
        ),
        "",
        *_para(
            "In the workbook, the Plan sheet is kept as an input, the defined names "
            f"{code(names.plan_name('<key>'))} and {code(names.variance_name('<key>'))} are live formulas over it "
            "and the metric rows, and the Plan vs actual tab compares the latest month, quarter to date, "
            "year to date and the full year. The JSON's total scope has `plan_version`, `plan` and "
            "`variance` (key → values aligned with `months`)."
        ),
        "",
    ]


def _customers() -> list[str]:
    top, movers, new_months = d.CUSTOMERS_LARGEST, d.CUSTOMERS_MOVERS, d.CUSTOMERS_NEW_MONTHS
    windows = d.CUSTOMERS_WINDOWS
    names = ", ".join(code(n) for n in d.CUSTOMERS_NAME_COLUMNS)
    return [
        f"## {H_CUSTOMERS}",
        "",
        *_para(
            f"The Customers tab (and `customers` in the total scope of the JSON) names the clients behind the "
            f"numbers, at the latest month T. ARR = 12 × MRR. A client is shown by its name — the first "
            f"attribute column called {names} (case-insensitive), its ID where it has none — and its segment."
        ),
        *_bullet(
            f"**Largest clients**: the {top} clients with the largest MRR at T (only those paying; fewer "
            f"when fewer pay), with ARR, share of ARR (MRR ÷ closing MRR), and the 12-month change: "
            f"12 × (MRR[T] − MRR[T−12]) and MRR[T] ÷ MRR[T−12] − 1 (n/a where MRR[T−12] = 0). A client "
            f"whose first paying month f is after month 1 and within the last {new_months} months "
            f"(f > T − {new_months}) is marked new instead; an opening-base client has n/a until the data "
            f"reaches back {new_months} months."
        ),
        *_bullet(
            f"**Largest movements**: for the latest month (window start s = T − {windows['month']}) and the "
            f"latest three months (s = T − {windows['three_months']}, month 1 at the earliest), the "
            f"{movers} largest clients of each movement, comparing MRR[s] (a) with MRR[T] (b): new — first "
            f"paying after s, b > 0 (score b); expansion — a > 0, b > a (score b − a); contraction — "
            f"b > 0, b < a (score a − b); churned — a > 0, b = 0 (score a). The ARR change shown is "
            f"12 × (b − a), net of the months between: a client that expanded and then contracted within "
            f"the three months shows only the difference there, or is absent, as the page says under each "
            f"window. Reactivated clients (paying at T, not at s, but before s) are not listed. The "
            f"executive summary's client wins and losses are the same three-month change, in ARR."
        ),
        *_bullet(
            "**Ties**: clients with equal scores are listed in the order of the workbook's client rows (cohort "
            "order: first paying month, then input order), in the engine as in the formulas. Each score is a "
            "helper column of Client calc (one formula per client); a list's line k is the k-th largest "
            "score (LARGE) and the client holding it is found by an exact MATCH after the previous line's "
            "row when the scores are equal, so each list costs a few scans of one column, never clients²."
        ),
        "",
    ]


def render() -> str:
    """The full text of ``docs/definitions.md``."""
    lines = [
        *_introduction(),
        *_metric_sections(),
        *_periods(),
        *_trailing(),
        *_cohorts(),
        *_plan(),
        *_customers(),
        *_names(),
        *_settings(),
        *_billing(),
    ]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workbook_gen.docs", description="Render docs/definitions.md from the metric catalog."
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"write {DOC_PATH.name} in the docs folder")
    group.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        DOC_PATH.parent.mkdir(exist_ok=True)
        DOC_PATH.write_text(text, encoding="utf-8", newline="\n")
        return 0
    if args.check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.is_file() else ""
        if current != text:
            print(f"{DOC_PATH} is stale: run {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
