"""Currencies (README, Billing data in): ``fx.csv`` (``month, currency, rate``: units of the reporting
currency per unit) beside a billing file whose lines carry a ``currency``. Each month's MRR is converted
at that month's rate, or with ``constant_currency`` at the rates of one month for every month, so growth
is free of exchange moves. A line in the reporting currency (or with no currency) needs no rate.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from workbook_gen.inputs.billing import rules
from workbook_gen.inputs.cells import month_of

FX_CSV = "fx.csv"


@dataclass(frozen=True)
class Rates:
    """The rates of fx.csv by (month number, currency), the reporting currency and, with the
    ``constant_currency`` setting, the one month whose rates every month uses."""

    by_month: dict[tuple[int, str], float]
    reporting: str
    constant: int | None = None
    found: bool = True  # fx.csv is in the folder
    checked: bool = True  # False when fx.csv itself has problems: missing rates are not reported on top

    def rate(self, month: int, currency: str) -> float | None:
        """Units of the reporting currency per unit of ``currency`` for ``month`` (None when missing)."""
        if not currency or currency == self.reporting:
            return 1.0
        return self.by_month.get((self.constant if self.constant is not None else month, currency))

    def describe(self) -> str:
        if self.constant is not None:
            return f"every month at the rates of {rules.month_of_number(self.constant):%Y-%m} (constant currency)"
        return "each month at its own rates"


def read_fx(path: Path) -> tuple[dict[tuple[int, str], float], list[str]]:
    """fx.csv's rates and its problems, each with line and column, all at once."""
    problems: list[str] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}, [f"{path.name}: not UTF-8 text; export it again as 'CSV UTF-8 (comma delimited)'."]
    except OSError as exc:
        return {}, [f"{path.name}: cannot be read ({exc.strerror or exc})."]
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip().lower() for h in (rows[0] if rows else [])]
    missing = [c for c in ("month", "currency", "rate") if c not in header]
    if missing:
        return {}, [
            f"{path.name}: missing column(s) {', '.join(missing)} in line 1 (expected month, currency, rate)."
        ]
    col = {c: header.index(c) for c in ("month", "currency", "rate")}
    out: dict[tuple[int, str], float] = {}
    first_line: dict[tuple[int, str], int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in row):
            continue
        row = row + [""] * (len(header) - len(row))
        month = month_of(row[col["month"]].strip())
        currency = row[col["currency"]].strip().upper()
        rate = rules.parse_amount(row[col["rate"]])
        bad = False
        if month is None:
            problems.append(f"{path.name}: line {n}, column month: {row[col['month']]!r} is not a month.")
            bad = True
        if not rules.is_currency_code(currency):
            problems.append(
                f"{path.name}: line {n}, column currency: unknown currency {row[col['currency']]!r} "
                "(expected a three-letter code such as EUR)."
            )
            bad = True
        if rate is None or rate <= 0:
            problems.append(
                f"{path.name}: line {n}, column rate: {row[col['rate']]!r} is not a positive number "
                "(units of the reporting currency per unit)."
            )
            bad = True
        if bad:
            continue
        key = (rules.month_number(month), currency)
        if key in out:
            problems.append(
                f"{path.name}: line {n}, column month: a second rate for {currency} in {month:%Y-%m} "
                f"(first at line {first_line[key]})."
            )
            continue
        out[key] = rate
        first_line[key] = n
    return out, problems


def missing_rates(needed: dict[str, list[int]], rates: Rates, source: str) -> list[str]:
    """One problem per currency naming every month it has MRR in and no rate for."""
    problems = []
    for currency in sorted(needed):
        months = sorted({rates.constant if rates.constant is not None else m for m in needed[currency]})
        gaps = [m for m in months if rates.rate(m, currency) is None]
        if not gaps:
            continue
        shown = ", ".join(f"{rules.month_of_number(m):%Y-%m}" for m in gaps)
        why = " (the constant_currency month)" if rates.constant is not None else ""
        problems.append(
            f"{source}: no rate for {currency} in {shown}{why}; add a line month,{currency},rate "
            f"({rates.reporting} per {currency}) for each."
        )
    return problems


def folder_rates(folder: Path, reporting: str, constant: dt.date | None) -> tuple[Rates, list[str]]:
    """The rates of ``folder``'s fx.csv (none when it has none) and its problems."""
    path = folder / FX_CSV
    constant_month = rules.month_number(constant) if constant is not None else None
    if not path.is_file():
        return Rates({}, reporting.upper(), constant_month, found=False), []
    by_month, problems = read_fx(path)
    return Rates(by_month, reporting.upper(), constant_month), problems
