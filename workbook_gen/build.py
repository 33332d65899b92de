"""The library's jobs, each a function the command line calls: validate, build, metrics, init, example."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from workbook_gen import __version__
from workbook_gen.cycle import changes_since, check_previous, read_previous
from workbook_gen.definitions import BY_KEY, PCT
from workbook_gen.errors import InputError, OutputError, SettingsError
from workbook_gen.export import to_csv, to_json
from workbook_gen.expressions import NOT_MEANINGFUL
from workbook_gen.inputs.example import EXAMPLE_COMPANY, example_company, example_plan
from workbook_gen.inputs.read import read_inputs
from workbook_gen.metrics.cash import CASH_GENERATIVE, OUT_OF_RANGE, cash_out_month
from workbook_gen.metrics.engine import Results, compute, plan_version, segment_values, split_choice
from workbook_gen.metrics.plan import largest_variances
from workbook_gen.model import SHEET_MRR, InputData
from workbook_gen.output import refuse_overwriting_inputs, signals_raise, write_atomic
from workbook_gen.rules import label_of, monthly_marker
from workbook_gen.setting_sources import describe, resolve_settings
from workbook_gen.settings import SETTINGS_FILE, Settings, settings_toml
from workbook_gen.text import printable
from workbook_gen.workbook.input_book import write_input_workbook
from workbook_gen.workbook.writer import write_workbook

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
TEMPLATE_NAME = "input-template.xlsx"
EXAMPLE_INPUT = "example-company.xlsx"

Progress = Callable[[str], None]


def load(input_path: Path | str, overrides: dict | None = None) -> tuple[InputData, Settings]:
    data, settings, _sources = load_with_sources(input_path, overrides)
    return data, settings


def load_with_sources(
    input_path: Path | str, overrides: dict | None = None
) -> tuple[InputData, Settings, dict[str, str]]:
    """The inputs and settings, and where each setting came from (option, settings file, the pack's Cover)."""
    path = Path(input_path)
    settings, sources = resolve_settings(path, overrides)
    data = read_inputs(path, settings)
    data = data.up_to(settings.as_of)
    if data.n_months < 2:
        # Month 1 is the opening balance: with one month there is no movement, rate or ratio to show.
        only = f"{data.months[0]:%Y-%m}"
        if settings.as_of is not None:
            raise SettingsError(
                f"as_of {only} leaves a single month of data; a pack needs at least two months "
                "(month 1 is the opening balance). Choose a later month."
            )
        raise InputError(
            [
                f"{SHEET_MRR}: only one month ({only}); at least two months are needed (month 1 is the "
                "opening balance, movements start in month 2). Add the previous or the next month."
            ],
            path.name,
        )
    return data, settings, sources


def display_name(path: Path | str) -> str:
    """A path as messages name it: the file or folder name (``.`` is named by the folder it means)."""
    path = Path(path)
    return path.name or path.resolve().name or str(path)


def company_name(settings: Settings, input_path: Path) -> str:
    if settings.company:
        return settings.company
    stem = Path(input_path).stem if Path(input_path).suffix else display_name(input_path)
    stem = printable(stem, keep_newlines=False)  # a file name may hold control characters
    return stem.replace("_", " ").replace("-", " ").strip().title() or "Company"


def check_fits_excel(data: InputData) -> None:
    """Refuse, before any work, inputs a workbook cannot hold."""
    problems = []
    if data.n_clients + 1 > EXCEL_MAX_ROWS:
        problems.append(
            f"MRR: {data.n_clients:,} clients do not fit in a worksheet (Excel's limit is {EXCEL_MAX_ROWS - 1:,} rows "
            "below the header). Split the input, e.g. by segment, or aggregate small clients."
        )
    if 1 + len(data.attributes) + data.n_months > EXCEL_MAX_COLS:
        problems.append(f"MRR: {data.n_months} month columns exceed Excel's {EXCEL_MAX_COLS:,} columns.")
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class BuildSummary:
    output: Path
    results: Results
    company: str
    settings_lines: list[str] = field(default_factory=list)
    changes_lines: list[str] = field(default_factory=list)

    def plan_lines(self) -> list[str]:
        """The month's three largest variances to plan (relative to the plan), when there is a plan."""
        plan = self.results.plan
        if plan is None:
            return []
        ranked = largest_variances(plan, "month", 3)
        version = f" ({plan.version})" if plan.version else ""
        head = f"  Largest variances to plan{version}:"
        return [head, *map(_plan_line, ranked)] if ranked else [f"{head} none this month"]

    def lines(self) -> list[str]:
        m = self.results.total.monthly
        last = self.results.months[-1]

        def fmt(key, kind):
            v = m[key][-1] if key in m else math.nan
            if math.isnan(v):
                return monthly_marker(key, len(self.results.months) - 1)
            return {"money": f"{v:,.0f}", "pct": f"{v:.1%}", "x": f"{v:.2f}", "months": f"{v:.1f} months"}[
                kind
            ]

        def change(key):
            s = m[key]
            if len(s) < 2 or not (math.isfinite(s[-1]) and math.isfinite(s[-2])):
                return ""
            if key == "arr" and s[-2] == 0:
                return ""  # growth from zero is undefined
            if key == "arr":
                return f" ({s[-1] / s[-2] - 1:+.1%} MoM)"
            return f" ({(s[-1] - s[-2]) * 100:+.1f} pts MoM)"

        cur = self.results.settings.currency
        return [
            f"{self.company} — {last:%B %Y}",
            f"  ARR               {cur} {fmt('arr', 'money')}{change('arr')}",
            f"  ARR growth YoY    {fmt('arr_growth_yoy', 'pct')}",
            f"  NRR (12m)         {fmt('nrr_12m', 'pct')}{change('nrr_12m')}",
            f"  Quick ratio (3m)  {fmt('quick_ratio_3m', 'x')}",
            f"  CAC payback       {fmt('cac_payback_months', 'months')}",
            f"  Burn multiple     {fmt('burn_multiple', 'x')}",
            *self.cash_lines(),
            *self.plan_lines(),
            *self._customers_lines(),
            *(["  Settings:", *self.settings_lines] if self.settings_lines else []),
            *self.changes_lines,
        ]

    def cash_lines(self) -> list[str]:
        """Cash and runway, when the Burn sheet has a cash balance: the runway with the month cash runs
        out, or why there is none."""
        m, res = self.results.total.monthly, self.results
        if "cash_balance" not in m:
            return []
        runway = float(m["runway_months"][-1])
        out = cash_out_month(res.months[-1], runway)
        if out is not None:
            runway_text = f"{runway:.1f} months (cash runs out {out:%B %Y})"
        elif math.isfinite(runway):
            runway_text = f"{runway:.1f} months (cash runs out in {OUT_OF_RANGE})"
        else:
            marker = monthly_marker("runway_months", len(res.months) - 1, res.settings)
            runway_text = f"{marker} ({CASH_GENERATIVE})" if marker == NOT_MEANINGFUL else marker
        return [
            f"  Cash              {res.settings.currency} {m['cash_balance'][-1]:,.0f}",
            f"  Runway            {runway_text}",
        ]

    def _customers_lines(self) -> list[str]:
        """The largest client and the top ten's share (the name is input text: the caller prints it
        through :func:`workbook_gen.text.printable`)."""
        c = self.results.customers
        if c is None or not c.largest:
            return []
        top = c.largest[0]
        m = self.results.total.monthly
        return [
            f"  Largest client    {top.name or top.client_id} ({top.share:.1%} of ARR); "
            f"top 10: {m['top10_share'][-1]:.1%}"
        ]


def _plan_line(v) -> str:
    """One of the month's largest variances to plan, in words: ``ARR +10.4 % (favourable)``."""
    verdict = {True: "favourable", False: "unfavourable", None: "on plan"}[v.favourable]
    if BY_KEY[v.key].unit == PCT:  # a rate's variance in points, as the pack prints it
        return f"    {label_of(v.key):<26}{v.variance * 100:+.1f} pts vs plan ({verdict})"
    return f"    {label_of(v.key):<26}{v.variance_pct:+.1%} vs plan ({verdict})"


def build(
    input_path: Path | str,
    output: Path | str,
    overrides: dict | None = None,
    progress: Progress | None = None,
    previous: Path | str | None = None,
) -> BuildSummary:
    say = progress or (lambda _m: None)
    input_path, output = Path(input_path), Path(output)
    refuse_overwriting_inputs(output, [input_path] + ([Path(previous)] if previous is not None else []))
    check_previous(input_path, output, previous)
    say(f"reading {display_name(input_path)}")
    data, settings, sources = load_with_sources(input_path, overrides)
    check_fits_excel(data)
    last_pack = read_previous(previous, say)
    say(f"computing metrics for {data.n_clients:,} clients × {data.n_months} months")
    results = compute(data, settings)
    company = company_name(settings, input_path)
    changes = changes_since(last_pack, data, results, settings, company)
    write_atomic(
        output,
        lambda tmp: write_workbook(
            tmp,
            data,
            results,
            settings,
            company,
            __version__,
            say,
            tmpdir=tmp.parent,
            sources=sources,
            changes=changes,
        ),
        inputs=[input_path] + ([Path(previous)] if previous is not None else []),
    )
    return BuildSummary(
        output,
        results,
        company,
        describe(settings, sources, company, *split_choice(data, settings.split)),
        changes.summary_lines() if changes is not None else [],
    )


def export_pdf(workbook: Path, inputs=()) -> Path:
    """Print the workbook to PDF beside it with LibreOffice (every tab, with its print setup)."""
    from workbook_gen.libreoffice import convert

    workbook = Path(workbook)
    target = workbook.with_suffix(".pdf")
    from workbook_gen.libreoffice import page_tabs
    from workbook_gen.workbook.printing import first_pages, print_copy, visible_sheets

    with signals_raise(), tempfile.TemporaryDirectory(prefix="wbgen-pdf-") as tmp:
        copy = Path(tmp) / workbook.name
        print_copy(workbook, copy)  # undefined chart points as empty cells: gaps in LibreOffice too
        made = convert(copy, Path(tmp) / "pdf", "pdf")
        # A second print with the contents' page numbers, read from the first print's pages (the
        # numbers fill cells already there, so the pages do not move); without pdftotext, none.
        tabs = page_tabs(made)
        pages = first_pages(tabs, visible_sheets(workbook)) if tabs else None
        if pages:
            print_copy(workbook, copy, pages)
            made = convert(copy, Path(tmp) / "pdf", "pdf")
        write_atomic(target, lambda out: out.write_bytes(made.read_bytes()), inputs=inputs)
    return target


def metrics(
    input_path: Path | str, fmt: str = "json", overrides: dict | None = None, output: Path | None = None
) -> str:
    """The metrics as JSON or CSV text; also written atomically to ``output`` when given."""
    if output is not None:
        refuse_overwriting_inputs(output, [input_path])
    data, settings = load(input_path, overrides)
    results = compute(data, settings)
    text = to_json(results) if fmt == "json" else to_csv(results)
    if output is not None:
        write_atomic(output, lambda tmp: tmp.write_text(text, encoding="utf-8"), inputs=[input_path])
    return text


def validate(input_path: Path | str, overrides: dict | None = None) -> list[str]:
    """Read and check the inputs; a one-screen summary of a clean input (problems raise)."""
    data, settings, sources = load_with_sources(input_path, overrides)
    split, why = split_choice(data, settings.split)
    segs = segment_values(data, split) if split else ()
    last = data.mrr[:, -1].sum()
    active = int((data.mrr[:, -1] > 0).sum())
    lines = [
        f"{display_name(input_path)}: OK",
        f"  clients          {data.n_clients:,} ({active:,} paying in the last month)",
        f"  months           {data.n_months} ({data.months[0]:%Y-%m} to {data.months[-1]:%Y-%m})",
        f"  attributes       {', '.join(data.attributes) or 'none'}",
        f"  segments         {split + ': ' + ', '.join(segs) if split else 'none'} ({why})",
        f"  last month MRR   {settings.currency} {last:,.2f}",
    ]
    if data.sm_by_segment:
        lines.append(f"  S&M by segment   {', '.join(data.sm_by_segment)}")
    lines += _billing_lines(Path(input_path), data, settings)
    if data.cash_balance is not None:
        lines.append(
            f"  cash balance     {settings.currency} {data.cash_balance[-1]:,.2f} at the last month "
            f"(runway over {settings.runway_window} months of net burn)"
        )
    if data.commentary:
        month = data.months[-1]
        has = "one for the last month" if data.commentary_of(month) else f"none for {month:%Y-%m}"
        lines.append(f"  commentary       {len(data.commentary)} month(s), {has}")
    version = plan_version(data, settings)
    if version is not None:
        planned = len({line.key for line in data.plan.lines_of(version)})
        versions = ", ".join(v for v in data.plan.versions if v)
        chosen = f"version {version!r} of {versions}; " if version else ""
        lines.append(
            f"  plan             {chosen}{planned} metrics, {data.plan.months[0]:%Y-%m} to {data.plan.months[-1]:%Y-%m}"
        )
    settings_lines = [
        line
        for line in describe(settings, sources, company_name(settings, input_path), split, why)
        if not line.lstrip().startswith(("split ", "company "))
    ]
    if settings_lines:
        lines += ["  settings:", *settings_lines]
    lines += [f"  warning: {w}" for w in data.warnings]
    return lines


def import_billing(
    folder: Path | str, output: Path | str, overrides: dict | None = None, progress: Progress | None = None
) -> list[str]:
    """Billing data (a folder with a billing CSV, and monthly.csv when there is one) → the standard
    input workbook, with a summary sheet, and the reconciliation CSV beside it (README, Billing data in)."""
    from workbook_gen.inputs.read import read_folder
    from workbook_gen.workbook.input_book import (
        reconciliation_frame,
        reconciliation_path,
        write_imported_workbook,
    )

    say = progress or (lambda _m: None)
    folder, output = Path(folder), Path(output)
    recon = reconciliation_path(output)
    for out in (output, recon):
        refuse_overwriting_inputs(out, [folder])
    if not folder.is_dir():
        raise InputError([f"{display_name(folder)}: import reads a folder holding a billing CSV."])
    settings, _sources = resolve_settings(folder, overrides)
    say(f"reading {display_name(folder)}")
    data, billing = read_folder(folder, settings, monthly_optional=True)
    if billing is None:
        raise InputError(
            [
                f"folder {display_name(folder)}: no billing CSV (subscription periods or invoice lines) to import."
            ]
        )
    data = data.up_to(settings.as_of)
    check_fits_excel(data)
    company = company_name(settings, folder)
    blank_monthly = not (folder / "monthly.csv").is_file()
    say(f"writing {output.name} ({data.n_clients:,} clients × {data.n_months} months)")
    write_atomic(
        output,
        lambda tmp: write_imported_workbook(tmp, data, billing, settings, company, blank_monthly),
        inputs=[folder],
    )
    say(f"writing {recon.name}")
    frame = reconciliation_frame(billing, data.n_months)
    write_atomic(recon, lambda tmp: frame.write_csv(tmp), inputs=[folder])
    lines = [
        f"wrote {output}",
        f"wrote {recon}",
        f"  clients          {data.n_clients:,} ({int((data.mrr[:, -1] > 0).sum()):,} paying in the last month)",
        f"  months           {data.n_months} ({data.months[0]:%Y-%m} to {data.months[-1]:%Y-%m})",
        f"  last month MRR   {settings.currency} {data.mrr[:, -1].sum():,.2f}",
    ]
    if blank_monthly:
        lines.append("  monthly sheets   blank: fill in S&M, Gross margin and Burn before building")
    return lines + [f"  warning: {w}" for w in data.warnings]


def _billing_lines(input_path: Path, data: InputData, settings: Settings) -> list[str]:
    """validate's lines on a billing folder: which file the matrix came from and at which rates."""
    from workbook_gen.inputs.billing import find_billing_file
    from workbook_gen.inputs.billing.fx import FX_CSV

    folder = input_path if input_path.is_dir() else None
    if folder is None or (folder / "mrr.csv").exists():
        return []
    billing = find_billing_file(folder)
    if billing is None:
        return []
    out = [f"  billing file     {billing.name} (period ends {settings.period_end})"]
    if FX_CSV in data.checksums:
        rates = (
            f"every month at {settings.constant_currency:%Y-%m}'s rates (constant currency)"
            if settings.constant_currency is not None
            else "each month at its own rates"
        )
        out.append(f"  exchange rates   {FX_CSV}, {rates}, into {settings.currency.upper()}")
    return out


def _new_folder(folder: Path | str, names: tuple[str, ...]) -> list[Path]:
    """The paths ``names`` in ``folder`` (created if need be); refuses if any of them exists already."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the folder {folder}: {exc.strerror or exc}.") from None
    paths = [folder / n for n in names]
    existing = [p for p in paths if os.path.lexists(p)]
    if existing:
        shown = "; ".join(f"{p} already exists" for p in existing)
        raise OutputError(f"{shown}. Not overwriting: move it away or choose another folder.")
    return paths


def init(folder: Path | str) -> list[Path]:
    workbook, toml = _new_folder(folder, (TEMPLATE_NAME, SETTINGS_FILE))
    template = Path(__file__).resolve().parent.parent / "templates" / TEMPLATE_NAME
    if template.is_file():
        write_atomic(workbook, lambda tmp: tmp.write_bytes(template.read_bytes()), overwrite=False)
    else:
        write_atomic(workbook, lambda tmp: write_input_workbook(tmp, None), overwrite=False)
    write_atomic(toml, lambda tmp: tmp.write_text(settings_toml(), encoding="utf-8"), overwrite=False)
    return [workbook, toml]


def example_inputs() -> InputData:
    """The example company with its two-version plan (a budget and a reforecast)."""
    data = example_company()
    return replace(data, plan=example_plan(data, compute(data, Settings()).total.monthly))


def example(folder: Path | str) -> Path:
    """The example company's inputs; an existing workbook-gen.toml in ``folder`` is left as it is."""
    (target,) = _new_folder(folder, (EXAMPLE_INPUT,))
    write_atomic(
        target,
        lambda tmp: write_input_workbook(tmp, example_inputs(), company=EXAMPLE_COMPANY),
        overwrite=False,
    )
    toml = Path(folder) / SETTINGS_FILE
    if not os.path.lexists(toml):
        write_atomic(
            toml,
            lambda tmp: tmp.write_text(f'company = "{EXAMPLE_COMPANY}"\n', encoding="utf-8"),
            overwrite=False,
        )
    return target


__all__ = ["build", "metrics", "validate", "init", "example", "load"]
