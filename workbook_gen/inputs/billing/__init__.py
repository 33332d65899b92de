"""Billing data in (README, Billing data in): a folder holding one billing CSV — subscription periods or
invoice lines, recognised by its header — becomes the MRR matrix of the standard inputs.

:mod:`.rules` states each rule as a small function on one line; :mod:`.columnar` applies them to whole
files; this module finds the file in a folder and hands back the matrix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbook_gen.errors import InputError
from workbook_gen.inputs.billing import rules
from workbook_gen.inputs.billing.formats import billing_format
from workbook_gen.inputs.billing.fx import Rates

if TYPE_CHECKING:
    from workbook_gen.inputs.billing.columnar import Derived, Lines
    from workbook_gen.inputs.parse import MrrTable

#: Files of a folder input that are never the billing file.
OTHER_INPUTS = frozenset({"mrr.csv", "monthly.csv", "plan.csv", "commentary.csv", "fx.csv"})


def _header(path: Path) -> list[str]:
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return []
    text = head.decode("utf-8-sig", errors="replace").splitlines()
    if not text:
        return []
    try:
        return next(csv.reader(io.StringIO(text[0])), [])
    except csv.Error:
        return []


def find_billing_file(folder: Path) -> Path | None:
    """The one CSV in ``folder`` whose header is a billing format (None when there is none); several
    are refused, naming them."""
    found = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return None
    for p in entries:
        if p.suffix.lower() != ".csv" or p.name.lower() in OTHER_INPUTS or not p.is_file():
            continue
        if billing_format(_header(p)) is not None:
            found.append(p)
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise InputError(
            [f"folder {folder.resolve().name}: {len(found)} billing files ({names}); keep one per folder."]
        )
    return found[0] if found else None


@dataclass
class Billing:
    """A billing file turned into the matrix, with the reconciliation behind it."""

    path: Path
    lines: Lines
    derived: Derived
    rates: Rates | None = None  # when the lines carry a currency

    def table(self) -> MrrTable:
        from workbook_gen.inputs.parse import MrrTable

        d = self.derived
        return MrrTable(tuple(d.clients), d.attributes, tuple(d.months), d.mrr)


def read_billing(
    path: Path, last_month: dt.date | None, period_end: str = rules.EXCLUSIVE, rates: Rates | None = None
) -> Billing:
    """The billing file at ``path`` on the months from the first month any line covers to
    ``last_month`` (the last month of monthly.csv; when None, the last month a line reaches)."""
    from workbook_gen.inputs.billing.columnar import covered_span, derive, read_lines

    if not os.path.isfile(path):
        raise InputError([f"{path.name}: not a regular file."])
    lines, problems = read_lines(path, period_end.lower())
    if problems:
        raise InputError(problems, path.name)
    first, last = covered_span(lines)
    if first is None:
        raise InputError(
            [f"{path.name}: no subscription line covers the end of a month, so there is no MRR to report."],
            path.name,
        )
    if last_month is not None:
        last = rules.month_number(last_month)
        if last < first:
            raise InputError(
                [
                    f"{path.name}: the first month a line covers, {rules.month_of_number(first):%Y-%m}, is "
                    f"after the last month of monthly.csv, {last_month:%Y-%m}."
                ],
                path.name,
            )
    derived = derive(lines, first, last, rates)
    return Billing(path, lines, derived, rates if lines.has_currency else None)


__all__ = ["Billing", "find_billing_file", "read_billing", "billing_format", "rules"]
