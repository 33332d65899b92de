"""Settings (SPEC §2.2): defaults, ``workbook-gen.toml`` beside the inputs, CLI overrides."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

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

    @property
    def currency_symbol(self) -> str:
        return CURRENCY_SYMBOLS.get(self.currency.upper(), self.currency.upper() + " ")

    def with_overrides(self, **values) -> Settings:
        clean = {k: v for k, v in values.items() if v is not None}
        return validated(replace(self, **{k: _coerce(k, v) for k, v in clean.items()}))


def _coerce(key: str, value):
    kinds = {f.name: f.type for f in fields(Settings)}
    if key not in kinds:
        known = ", ".join(sorted(kinds))
        raise SettingsError(f"Unknown setting {key!r}. Known settings: {known}.")
    try:
        if key in {"cac_window", "cac_lag", "ltv_churn_window", "fiscal_year_start"}:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if key == "lifetime_cap_months":
            return float(value)
        if key == "as_of":
            return parse_as_of(value)
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(f"Setting {key!r} has an invalid value {value!r}.") from None


def parse_as_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value).strip()
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().replace(day=1)
        except ValueError:
            pass
    raise ValueError(text)


def validated(s: Settings) -> Settings:
    problems = []
    if s.cac_window < 1:
        problems.append("cac_window must be at least 1 month.")
    if s.cac_lag < 0:
        problems.append("cac_lag cannot be negative.")
    if s.ltv_churn_window < 1:
        problems.append("ltv_churn_window must be at least 1 month.")
    if s.lifetime_cap_months <= 0:
        problems.append("lifetime_cap_months must be positive.")
    if not 1 <= s.fiscal_year_start <= 12:
        problems.append("fiscal_year_start must be a month number from 1 to 12.")
    if problems:
        raise SettingsError("Invalid settings: " + " ".join(problems))
    return s


def settings_file_values(input_path: Path) -> dict:
    """The raw values of ``workbook-gen.toml`` beside the input (or inside it, for a CSV folder); {} if none."""
    base = input_path if input_path.is_dir() else input_path.parent
    toml_path = base / SETTINGS_FILE
    if not toml_path.is_file():
        return {}
    try:
        return tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{toml_path.name}: not valid TOML ({exc}).") from None


def load_settings(input_path: Path, overrides: dict | None = None, base: Settings | None = None) -> Settings:
    """``base`` (the defaults), then ``workbook-gen.toml`` beside the input, then overrides."""
    settings = (base or Settings()).with_overrides(**settings_file_values(input_path))
    return settings.with_overrides(**(overrides or {}))


def settings_toml() -> str:
    """The commented settings file written by ``init``."""
    lines = ["# workbook-gen settings. Uncomment a line to change it; command-line options win.", ""]
    defaults = Settings()
    for f in fields(Settings):
        lines.append(f"# {SETTING_HELP[f.name]}")
        value = getattr(defaults, f.name)
        if value is None:
            example = {"company": '"Acme Ltd"', "split": '"Segment"', "as_of": '"2025-12"'}[f.name]
        elif isinstance(value, str):
            example = f'"{value}"'
        elif isinstance(value, float) and value.is_integer():
            example = str(int(value))
        else:
            example = str(value)
        lines.append(f"# {f.name} = {example}")
        lines.append("")
    return "\n".join(lines)
