"""Writes the output workbook: plans every tab's place, then lets each tab module
write itself, then defines the workbook's names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

from workbook_gen.definitions import GROUPINGS, SECTIONS
from workbook_gen.metrics.engine import Results, segment_key
from workbook_gen.model import SHEET_COMMENTARY, SHEET_PLAN, SHEET_SM, InputData
from workbook_gen.settings import Settings
from workbook_gen.text import segments_of
from workbook_gen.workbook.book import RESERVED_SHEETS, Book, PortableWorksheet, ScopeSheets, sheet_safe
from workbook_gen.workbook.formats import Formats
from workbook_gen.workbook.layout import CLIENT_CALC, TIMELINE, Layout, cell, on
from workbook_gen.workbook.tabs import (
    cash,
    checks,
    clientcalc,
    cohort_charts,
    cohorts,
    compare,
    cover,
    customers,
    dashboard,
    divider,
    glossary,
    monthly,
    periods,
    summary,
    timeline,
    waterfall,
)
from workbook_gen.workbook.tabs import changes as changes_tab
from workbook_gen.workbook.tabs import plan as plan_tab
from workbook_gen.workbook.tabs import settings as settings_tab
from workbook_gen.workbook.tabs.inputs import (
    cash_column,
    in_cohort_order,
    write_commentary_sheet,
    write_monthly_sheets,
    write_mrr_sheet,
    write_plan_sheet,
)
from workbook_gen.workbook.tabs.monthly import SEGMENT_NUMBER_ROW

COHORT_SHEETS = {"month": "Cohorts (month)", "quarter": "Cohorts (quarter)", "year": "Cohorts (year)"}
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
}

# The calcId current Excel (Microsoft 365) writes into the files it saves. With it, and without
# fullCalcOnLoad, Excel takes the cached values as its own and does not recalculate the whole workbook
# on open: the cached values are the engine's exact numbers. (An older calcId, such as xlsxwriter's
# default, makes Excel recalculate everything and ask to save on close.)
EXCEL_CALC_ID = 191029

Progress = Callable[[str], None]


def write_workbook(
    path: Path,
    data: InputData,
    results: Results,
    settings: Settings,
    company: str,
    version: str,
    progress: Progress | None = None,
    tmpdir: Path | None = None,
    sources: dict[str, str] | None = None,
    changes=None,
) -> None:
    say = progress or (lambda _msg: None)
    # MRR and Client calc rows in cohort order: each cohort one block, each segment's part of it too
    data = in_cohort_order(data, results.split)
    # xlsxwriter's own temporary files go to ``tmpdir`` (the output's scratch folder, cleaned by the caller).
    options = WORKBOOK_OPTIONS if tmpdir is None else {**WORKBOOK_OPTIONS, "tmpdir": str(tmpdir)}
    wb = xlsxwriter.Workbook(str(path), options)
    wb.set_calc_mode("auto", calc_id=EXCEL_CALC_ID)
    wb.calc_on_load = False  # no fullCalcOnLoad
    last = results.months[-1]
    wb.set_properties(
        {
            "title": f"{company} — SaaS metrics {last:%b %Y}",
            "company": company,
            "comments": f"workbook-gen {version}",
            "created": dt.datetime(last.year, last.month, 1),
        }
    )
    layout = Layout(
        data.n_clients,
        len(results.months),
        len(data.attributes),
        {g: len(results.periods[g]) for g in GROUPINGS},
        {g: results.total.cohorts[g].n for g in GROUPINGS},
    )
    book = Book(wb, Formats(wb, settings.currency_symbol), layout, data, results, settings, company, version)
    book.sources = dict(sources or {})

    # 1. Printed tabs, each declaring its section of the pack (workbook/sequence.py holds the order:
    # the pack, the appendix divider, the appendix); inputs and calculation sheets after them.
    book.declare("cover", cover.SHEET, "The pack's contents")
    book.declare("summary", summary.SHEET, "This month in brief: the largest improvements and deteriorations")
    book.declare("dashboard", dashboard.SHEET, "Latest KPIs against benchmarks, every segment, main charts")
    if cash.has_cash(book):
        book.declare("cash", cash.SHEET, "Cash balance, net burn, runway and the month cash would run out")
    if changes is not None:
        book.declare(
            "changes", changes_tab.SHEET, f"What changed since last month's pack ({changes.previous})"
        )
    if results.plan is not None:
        book.declare(
            "plan", plan_tab.SHEET, "The plan against actuals: month, quarter and year to date, full year"
        )
    taken = set(RESERVED_SHEETS) | {s.lower() for s in COHORT_SHEETS.values()}
    if results.plan is not None:
        taken |= {plan_tab.SHEET.lower(), SHEET_PLAN.lower()}
    total = results.total
    total_sheets = ScopeSheets(
        total, {s: s for s in SECTIONS}, COHORT_SHEETS, sm_col=1, cash_col=cash_column(data)
    )
    what = {
        SECTIONS[0]: ("bridge", "MRR movements month by month, ARR and growth"),
        SECTIONS[1]: ("clients", "Clients, new / churned / reactivated, ARPA and ASP"),
        SECTIONS[2]: ("retention", "Quick ratio, churn rates, NRR and GRR"),
        SECTIONS[3]: ("unit_economics", "CAC, payback, LTV, magic number, burn multiple, Rule of 40"),
    }
    for s in SECTIONS:
        book.declare(what[s][0], s, what[s][1])
    book.declare(
        customers.SECTION, customers.SHEET, "Concentration, the largest clients, the largest wins and losses"
    )
    book.declare("periods", "Quarterly", "Fiscal quarters: flows summed, stocks at quarter end")
    book.declare("periods", "Annual", "Fiscal years, built the same way as the quarters")
    cohort_section = {"month": "monthly_cohorts", "quarter": "cohorts", "year": "cohorts"}
    for g in GROUPINGS:
        book.declare(
            cohort_section[g], COHORT_SHEETS[g], f"Cohorts by {g} of first payment: MRR, NRR, GRR, logos"
        )
    book.scope_sheets.append(total_sheets)
    sm_columns = {segment_key(k): 2 + j for j, k in enumerate(data.sm_by_segment)}
    burn_columns = {segment_key(k): 2 + j for j, k in enumerate(data.burn_by_segment)}
    for scope in results.segment_scopes():
        name = sheet_safe(scope.label, taken, 22)
        cohort_sheet = sheet_safe(f"{scope.label[:22]} cohorts", taken)
        book.declare("segment_tabs", name, f"Segment {scope.label}: its board rows and charts")
        book.declare("segment_cohorts", cohort_sheet, f"Segment {scope.label}: its cohorts")
        ss = ScopeSheets(
            scope,
            {s: name for s in SECTIONS},
            {g: cohort_sheet for g in GROUPINGS},
            number_cell=on(name, cell(SEGMENT_NUMBER_ROW, 2, True, True)),
            sm_col=sm_columns.get(segment_key(scope.label)) if scope.has_sm else None,
            burn_col=burn_columns.get(segment_key(scope.label)) if scope.has_burn else None,
        )
        book.scope_sheets.append(ss)
    if results.segments:
        book.declare("segments", "Segments", f"{segments_of(results.split)} compared")
    book.declare(
        "checks", "Checks", "The MRR bridge adds up, segments sum to the total, every month is covered"
    )
    book.declare("definitions", "Glossary", "What every metric means, how it is calculated, its benchmark")
    book.declare("settings", settings_tab.SHEET, "The settings used and the files the pack was built from")
    book.create_declared()
    say("writing input sheets")
    book.sheets["MRR"] = write_mrr_sheet(wb, book.fmt, data, worksheet_class=PortableWorksheet)
    write_monthly_sheets(wb, book.fmt, data)
    for s in ("S&M", "Gross margin", "Burn"):
        book.sheets[s] = wb.get_worksheet_by_name(s)
    book.contents.append(("MRR", "Input: MRR per client per month"))
    book.contents.append((SHEET_SM, "Input: sales & marketing spend (total and per segment)"))
    book.contents.append(("Gross margin", "Input: gross margin per month"))
    book.contents.append(
        ("Burn", "Input: net burn per month" + (" and cash balance" if cash.has_cash(book) else ""))
    )
    inputs = ["MRR", "S&M", "Gross margin", "Burn"]
    if data.commentary:  # kept with the pack: last month's words stay with last month
        book.sheets[SHEET_COMMENTARY] = write_commentary_sheet(
            wb, book.fmt, data, worksheet_class=PortableWorksheet
        )
        book.contents.append((SHEET_COMMENTARY, "Input: the CFO's commentary per month"))
        inputs.append(SHEET_COMMENTARY)
    if results.plan is not None:
        book.sheets[SHEET_PLAN] = write_plan_sheet(wb, book.fmt, data.plan, worksheet_class=PortableWorksheet)
        book.contents.append((SHEET_PLAN, "Input: the plan, by metric and month (every version)"))
        inputs.append(SHEET_PLAN)
    book.add_sheet(TIMELINE, "Calculation: months, fiscal periods, period tables", report=False)
    book.add_sheet(
        CLIENT_CALC, "Calculation: first paying month, cohort and segment of each client", report=False
    )

    # Input and calculation sheets are for editing and auditing, not for the board pack: hidden
    # sheets do not print (Excel and LibreOffice alike); the Settings tab says how to show them.
    for s in (*inputs, TIMELINE, CLIENT_CALC):
        book.sheets[s].hide()

    # 2. Plan every named block before any formula refers to one.
    timeline.plan(book)
    for ss in book.scope_sheets:
        monthly.plan(book, ss)
        cohorts.plan(book, ss)
        cohort_charts.plan(book, ss)
    periods.plan(book)
    if results.plan is not None:
        plan_tab.plan(book)
    waterfall.plan(book)

    # 3. Write.
    say("writing calculation sheets")
    timeline.write(book)
    clientcalc.write(book)
    customers.write_scores(book)
    for ss in book.scope_sheets:
        say(f"writing {ss.scope.label} series and cohorts")
        monthly.write(book, ss)
        cohorts.write(book, ss)
    periods.write(book)
    customers.write(book)
    waterfall.write(book)
    if results.segments:
        compare.write(book)
    checks.write(book)
    glossary.write(book)
    dashboard.write(book)
    if cash.has_cash(book):
        cash.write(book, with_commentary=False)  # the commentary is on the executive summary
    if results.plan is not None:
        plan_tab.write(book)
    if changes is not None:
        changes_tab.write(book, changes)
    summary.write(book)
    divider.write(book)
    settings_tab.write(book)
    cover.write(book)

    # 4. The public names (docs/definitions.md, Defined names).
    for name, place in layout.places.items():
        if not name.startswith("_"):
            book.define(name, place.range())
    say("saving")
    wb.close()
