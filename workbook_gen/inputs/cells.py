"""Parsing single cells: month headers, numbers, percentages. Pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
import re

from xlsxwriter.utility import xl_col_to_name

from workbook_gen.model import EXCEL_EPOCH

_MONTH_FORMATS = (
    "%Y-%m",
    "%Y-%m-%d",
    "%Y/%m",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%b %Y",
    "%B %Y",
    "%b-%Y",
    "%b-%y",
    "%b %y",
    "%m/%Y",
    "%d/%m/%Y",
)
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DOTTED = re.compile(r"^[-+]?[1-9]\d{0,2}(\.\d{3})+$")  # "1.200": 1.2, or 1200 with "." for thousands?

#: Larger amounts per month are refused as a typing or export error (they would overflow sums).
MAX_AMOUNT = 1e12


class NumberStyle:
    """The text numbers of one input: where "," first separates thousands, and the values such as
    ``1.200`` that are then ambiguous (a decimal point, or a European thousands separator)."""

    def __init__(self) -> None:
        self.comma_at: tuple[str, str] | None = None
        self.dotted: list[tuple[str, str]] = []

    def see(self, value, ref: str) -> None:
        if not isinstance(value, str):
            return
        text = value.strip()
        if _DOTTED.match(text):
            self.dotted.append((ref, text))
        elif self.comma_at is None and "," in text and _THOUSANDS.match(text):
            self.comma_at = (ref, text)

    def problems(self) -> list[str]:
        if self.comma_at is None:
            return []
        where, example = self.comma_at
        return [
            f"{ref}: {text!r} is ambiguous: {where} ({example!r}) uses ',' for thousands, so this may be "
            f"{float(text):g} or {text.replace('.', '')}. Write it without separators."
            for ref, text in self.dotted
        ]


def cell_ref(sheet: str, row: int, col: int) -> str:
    """``MRR!F17`` for 0-based row and column."""
    return f"{sheet}!{xl_col_to_name(col)}{row + 1}"


def month_of(value) -> dt.date | None:
    """The first day of the month a header means, or None if it is not a month."""
    if isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if 10000 <= value <= 80000:  # an Excel date serial (1927..2119)
            d = EXCEL_EPOCH + dt.timedelta(days=int(value))
            return dt.date(d.year, d.month, 1)
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        for fmt in _MONTH_FORMATS:
            try:
                d = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            return dt.date(d.year, d.month, 1)
        try:
            serial = float(text)
        except ValueError:
            return None
        return month_of(serial)
    return None


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number_of(value) -> float | None:
    """A numeric cell's value; text such as ``1,200.50`` is read too. None when not a number."""
    if isinstance(value, bool | dt.date):
        return None
    if isinstance(value, int | float):
        v = float(value)
        return v if v == v and abs(v) != float("inf") else None
    if isinstance(value, str):
        text = value.strip()
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            v = float(text)
        except ValueError:
            return None
        return v if v == v and abs(v) != float("inf") else None
    return None


def fraction_of(value) -> tuple[float | None, str | None]:
    """Gross margin as a fraction 0-1. Returns (value, problem)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        v = number_of(value.strip()[:-1])
        if v is None:
            return None, f"{value!r} is not a percentage"
        v = v / 100.0
    else:
        v = number_of(value)
        if v is None:
            return None, f"{value!r} is not a number"
        if v > 1:
            return None, f"{_fmt(v)} is not a fraction; enter {_fmt(v / 100)} (or {_fmt(v)}%)"
    if v < 0 or v > 1:
        return None, f"{_fmt(v * 100)}% is outside 0-100%"
    return v, None


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def text_of(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
