"""Settings (docs/definitions.md, Settings): the values of a run, their defaults and the rule each value is checked against.
Nothing here reads a file: :mod:`workbook_gen.setting_sources` reads ``workbook-gen.toml`` and a pack's
Cover and applies the command-line overrides."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, fields, replace

from workbook_gen.errors import SettingsError

SETTINGS_FILE = "workbook-gen.toml"

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "C$", "AUD": "A$"}

#: Explanations used by ``init`` (commented toml) and on the Cover tab.
SETTING_HELP = {
    "company": "Company name shown on the cover and in page footers (default: the input file's name).",
    "currency": "Reporting currency code: USD, EUR, GBP, JPY, CHF, CAD, AUD (or any code).",
    "split": 'Attribute column that defines the segment tabs; "none" turns segments off.',
    "cac_window": "Months summed in CAC, ASP and CAC payback (W).",
    "cac_lag": "Months S&M spend is lagged before it is matched to new clients (L).",
    "ltv_churn_window": "Months of logo churn averaged in LTV (C).",
    "lifetime_cap_months": "Cap on the client lifetime used in LTV, in months.",
    "fiscal_year_start": "First month (1-12) of the fiscal year, for quarters, years and cohorts.",
    "as_of": "Ignore months after this one (YYYY-MM), to reproduce an earlier month's pack.",
    "runway_window": "Months of net burn averaged for the cash runway (R).",
    "period_end": "Billing data: exclusive (a period ends on the next period's start, as Stripe and ChartMogul "
    "export it) or inclusive (it ends on its last day, Jan 1 - Jan 31).",
    "constant_currency": "Billing data in several currencies: convert every month at this month's FX rates "
    "(YYYY-MM), so growth is free of exchange moves (default: each month at its own rates).",
    "plan_version": "Which version of the Plan sheet the variances are against (default: the last listed).",
}


@dataclass(frozen=True)
class Settings:
    company: str | None = None
    currency: str = "USD"
    split: str | None = None  # None = automatic; "none" = off
    cac_window: int = 3
    cac_lag: int = 0
    ltv_churn_window: int = 12
    lifetime_cap_months: float = 60
    fiscal_year_start: int = 1
    as_of: dt.date | None = None
    runway_window: int = 3
    period_end: str = "exclusive"
    constant_currency: dt.date | None = None
    plan_version: str | None = None  # None = the last version on the Plan sheet

    @property
    def currency_symbol(self) -> str:
        return CURRENCY_SYMBOLS.get(self.currency.upper(), self.currency.upper() + " ")

    def with_overrides(self, values: dict | None = None, /, source: str = "", **more) -> Settings:
        """These settings with ``values`` applied; None means "keep". Every value is checked against
        :data:`SCHEMA` and every problem reported at once (``source`` names the file or the options)."""
        given = {**(values or {}), **more}
        problems, clean = [], {}
        for key, value in given.items():
            if value is None:
                continue
            rule = SCHEMA.get(key) if isinstance(key, str) else None
            if rule is None:
                known = ", ".join(SCHEMA)
                problems.append(f"Unknown setting {str(key)!r}. Known settings: {known}.")
                continue
            try:
                clean[key] = rule.check(value)
            except ValueError as exc:
                problems.append(f"{key} {exc} (got {_show(value)}).")
        if problems:
            head = f"{source}: " if source else ""
            if len(problems) == 1:
                raise SettingsError(head + problems[0])
            raise SettingsError(
                f"{head}{len(problems)} problems in the settings:\n" + "\n".join(f"  - {p}" for p in problems)
            )
        return replace(self, **clean)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Rule:
    """How one setting is checked: its type, and its range for numbers."""

    kind: str  # "text" | "int" | "number" | "month"
    low: float | None = None
    high: float | None = None
    pattern: str | None = None
    hint: str = ""

    def check(self, value):
        if self.kind == "month":
            try:
                return parse_as_of(value)
            except (TypeError, ValueError):
                raise ValueError("must be a month such as 2025-12") from None
        if self.kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise ValueError("must be non-empty text")
            text = value.strip()
            if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text) or len(text) > 100:
                raise ValueError("must be at most 100 printable characters")
            if self.pattern and not re.fullmatch(self.pattern, text):
                raise ValueError(self.hint)
            return text
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number{self._range()}")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number{self._range()}")
        if self.kind == "int":
            if not float(value).is_integer():
                raise ValueError(f"must be a whole number{self._range()}")
            value = int(value)
        else:
            value = float(value)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ValueError(self.hint or f"must be{self._range()}")
        return value

    def _range(self) -> str:
        if self.low is None:
            return ""
        return f" from {self.low:g} to {self.high:g}"


#: The one schema for every setting, whether it comes from workbook-gen.toml or an option.
SCHEMA: dict[str, Rule] = {
    "company": Rule("text"),
    "currency": Rule(
        "text", pattern=r"[A-Za-z]{2,5}", hint="must be a currency code of 2 to 5 letters, e.g. EUR"
    ),
    "split": Rule("text"),
    "cac_window": Rule("int", 1, 120),
    "cac_lag": Rule("int", 0, 120),
    "ltv_churn_window": Rule("int", 1, 120),
    "lifetime_cap_months": Rule("number", 1, 1200),
    "fiscal_year_start": Rule("int", 1, 12, hint="must be a month number from 1 to 12"),
    "as_of": Rule("month"),
    "runway_window": Rule("int", 1, 120),
    "period_end": Rule("text", pattern=r"exclusive|inclusive", hint="must be exclusive or inclusive"),
    "constant_currency": Rule("month"),
    "plan_version": Rule("text"),
}


def parse_as_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().replace(day=1)
        except ValueError:
            pass
    raise ValueError(text)


def settings_toml() -> str:
    """The commented settings file written by ``init``."""
    lines = ["# workbook-gen settings. Uncomment a line to change it; command-line options win.", ""]
    defaults = Settings()
    for f in fields(Settings):
        lines.append(f"# {SETTING_HELP[f.name]}")
        value = getattr(defaults, f.name)
        if value is None:
            example = {
                "company": '"Acme Ltd"',
                "split": '"Segment"',
                "as_of": '"2025-12"',
                "constant_currency": '"2025-01"',
                "plan_version": '"Budget 2025"',
            }[f.name]
        elif isinstance(value, str):
            example = f'"{value}"'
        elif isinstance(value, float) and value.is_integer():
            example = str(int(value))
        else:
            example = str(value)
        lines.append(f"# {f.name} = {example}")
        lines.append("")
    return "\n".join(lines)
