"""The command line: a thin click shell over :mod:`workbook_gen.build`.

Exit codes: 0 ok, 1 bad input (or settings, or an unwritable output), 2 usage, 70 internal error,
128 + N interrupted by signal N.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from workbook_gen import __version__, build
from workbook_gen.errors import WorkbookGenError
from workbook_gen.output import signals_raise
from workbook_gen.text import printable

CONTEXT = {"help_option_names": ["-h", "--help"]}


INTERNAL_ERROR = 70  # EX_SOFTWARE


class UserError(click.ClickException):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"Error: {printable(self.format_message())}", err=True)


def _run(job):
    try:
        with signals_raise():  # Ctrl-C / SIGTERM: a message and exit 128 + N, after every cleanup
            return job()
    except WorkbookGenError as exc:
        raise UserError(str(exc), exc.exit_code) from None


def say(text: str, err: bool = False) -> None:
    """Everything printed passes here: input text never reaches the terminal as control characters."""
    click.echo(printable(text), err=err)


class GuardedGroup(click.Group):
    """The last line of defence: anything unexpected becomes one line and exit 70, never a traceback.
    Expected problems (bad input, settings, output) are :class:`WorkbookGenError` and handled in ``_run``."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            raise UserError(
                f"internal error, please report: {type(exc).__name__}: {exc}", INTERNAL_ERROR
            ) from None


SETTING_OPTIONS = {
    "company": click.option(
        "--company", help="Company name on the cover and page footers (default: the input file's name)."
    ),
    "currency": click.option(
        "--currency", help="Currency code for number formats: USD, EUR, GBP, ... (default USD)."
    ),
    "split": click.option(
        "--split",
        help='Attribute column of the MRR sheet that defines the segments, or "none" '
        "(default: a column named Segment, else the first with 2-12 values shared by several clients).",
    ),
    "cac_window": click.option(
        "--cac-window", type=int, help="Months summed in CAC, ASP and CAC payback (default 3)."
    ),
    "cac_lag": click.option(
        "--cac-lag", type=int, help="Months S&M spend is lagged before it meets new clients (default 0)."
    ),
    "ltv_churn_window": click.option(
        "--ltv-churn-window", type=int, help="Months of logo churn averaged in LTV (default 12)."
    ),
    "lifetime_cap_months": click.option(
        "--lifetime-cap-months", type=float, help="Cap on client lifetime in LTV, in months (default 60)."
    ),
    "fiscal_year_start": click.option(
        "--fiscal-year-start", type=int, help="First month of the fiscal year, 1-12 (default 1)."
    ),
    "as_of": click.option("--as-of", help="Ignore months after this one, YYYY-MM (default: the last month)."),
    "runway_window": click.option(
        "--runway-window", type=int, help="Months of net burn averaged for the cash runway (default 3)."
    ),
    "period_end": click.option(
        "--period-end",
        type=click.Choice(["exclusive", "inclusive"]),
        help="Billing data: a period's end date is the next period's start (exclusive, the default) or its "
        "last day (inclusive).",
    ),
    "constant_currency": click.option(
        "--constant-currency",
        metavar="YYYY-MM",
        help="Billing data in several currencies: convert every month at this month's FX rates "
        "(default: each month at its own).",
    ),
    "plan_version": click.option(
        "--plan-version",
        help="Version of the Plan sheet the variances are against (default: the last listed).",
    ),
}


def setting_options(*keys: str):
    """The settings a command uses, as options; each overrides workbook-gen.toml and the settings
    carried on the Settings tab of a pack given as INPUT."""

    def decorate(f):
        for key in reversed(keys or tuple(SETTING_OPTIONS)):
            f = SETTING_OPTIONS[key](f)
        return f

    return decorate


SETTING_KEYS = tuple(SETTING_OPTIONS)


def _overrides(kwargs: dict) -> dict:
    return {k: kwargs.pop(k) for k in SETTING_KEYS if k in kwargs}


@click.group(cls=GuardedGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="workbook-gen")
def main() -> None:
    """Turn MRR per client, S&M spend, gross margin and net burn into a live SaaS metrics workbook.

    \b
    Once a month, add the new month to a copy of last month's pack, then:
      workbook-gen build PACK.xlsx --previous LAST.xlsx -o NEW.xlsx
    Settings: options, then workbook-gen.toml beside the input, then the
    pack's Cover, then the defaults.
    Exit codes: 0 ok, 1 bad input or settings, 2 usage."""


@main.command(context_settings=CONTEXT, short_help="Write a blank input workbook and settings file.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a blank input workbook (input-template.xlsx, with a Read me sheet) and a commented
    workbook-gen.toml into DIRECTORY (created if missing). Existing files are never overwritten."""
    paths = _run(lambda: build.init(directory))
    for p in paths:
        say(f"wrote {p}")


@main.command(context_settings=CONTEXT, short_help="Write the example company's input workbook.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def example(directory: Path) -> None:
    """Write the example company's input workbook, example-company.xlsx (600 clients, 48 months, two
    segments), into DIRECTORY (created if missing), with a workbook-gen.toml naming the company unless
    one is there already."""
    path = _run(lambda: build.example(directory))
    say(f"wrote {path}")


@main.command(context_settings=CONTEXT, short_help="Check the inputs and summarise them.")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@setting_options("currency", "split", "as_of", "period_end", "constant_currency", "plan_version")
def validate(input_path: Path, **kwargs) -> None:
    """Check INPUT and print a one-screen summary: clients, months, the segment split and why it was
    chosen, and the settings that differ from the defaults. Every problem is listed with its sheet and
    cell; exit code 1 when there is any.

    \b
    INPUT is an .xlsx input workbook (or last month's pack), or a folder
    with mrr.csv and monthly.csv; settings from workbook-gen.toml beside
    INPUT or the pack's Cover apply, options win."""
    lines = _run(lambda: build.validate(input_path, _overrides(kwargs)))
    say("\n".join(lines))


def _xlsx_path(_ctx, _param, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() != ".xlsx":
        hint = (
            " To get a PDF, write the .xlsx and add --pdf (it prints OUT.pdf beside it)."
            if value.suffix.lower() == ".pdf"
            else ""
        )
        raise click.BadParameter(f"{value.name!r} must end in .xlsx.{hint}")
    return value


@main.command("build", context_settings=CONTEXT, short_help="Build the metrics workbook (the board pack).")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    metavar="OUT.xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    callback=_xlsx_path,
    help="Where to write the workbook; must end in .xlsx. Replaced atomically if it exists.",
)
@click.option(
    "--previous",
    metavar="LAST.xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Last month's pack: add a 'Changes since last pack' tab listing restated history "
    "(metrics and client MRR that changed in months both packs cover) and changed settings.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress messages on stderr.")
@click.option(
    "--pdf", is_flag=True, help="Also print the workbook to a PDF beside OUT.xlsx (needs LibreOffice)."
)
@setting_options()
def build_cmd(
    input_path: Path, output: Path, previous: Path | None, quiet: bool, pdf: bool, **kwargs
) -> None:
    """Build the SaaS metrics workbook from INPUT and write it to OUT.xlsx: every metric a live formula,
    cohorts, segment tabs, checks and glossary. Prints a short KPI summary, the settings that differ from
    the defaults and where each came from, and with --previous what changed since last month's pack.

    \b
    INPUT is an .xlsx input workbook, or last month's pack with a month
    added (its Cover carries the settings: company, currency, split,
    windows), or a folder with mrr.csv and monthly.csv. Settings come from
    options, then workbook-gen.toml beside INPUT, then the pack's Cover,
    then the defaults."""
    start = time.perf_counter()

    def progress(message: str) -> None:
        if not quiet:
            say(f"[{time.perf_counter() - start:5.1f}s] {message}", err=True)

    summary = _run(lambda: build.build(input_path, output, _overrides(kwargs), progress, previous))
    say(f"wrote {summary.output}")
    if pdf:
        progress("printing to PDF with LibreOffice")
        say(f"wrote {_run(lambda: build.export_pdf(summary.output, [input_path]))}")
    say("\n".join(summary.lines()))


@main.command(context_settings=CONTEXT, short_help="Print every metric as JSON or CSV.")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="json: {months, split, scopes: {total, <split>=<value>: {monthly, quarterly, annual, cohorts}}}; "
    "csv: tidy rows scope,metric,period,value,grouping,cohort,age.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@setting_options(
    "split",
    "cac_window",
    "cac_lag",
    "ltv_churn_window",
    "lifetime_cap_months",
    "fiscal_year_start",
    "as_of",
    "runway_window",
    "period_end",
    "constant_currency",
    "plan_version",
)
def metrics(input_path: Path, fmt: str, output: Path | None, **kwargs) -> None:
    """Print every metric of INPUT as JSON or tidy CSV: the same numbers as the workbook, undefined
    values as null (JSON) or empty (CSV).

    \b
    INPUT is an .xlsx input workbook (or last month's pack), or a folder
    with mrr.csv and monthly.csv; settings from workbook-gen.toml beside
    INPUT or the pack's Cover apply, options win."""
    text = _run(lambda: build.metrics(input_path, fmt, _overrides(kwargs), output))
    if output is None:
        sys.stdout.write(printable(text) if sys.stdout.isatty() else text)
    else:
        say(f"wrote {output}", err=True)


@main.command(
    "import", context_settings=CONTEXT, short_help="Turn billing data into the standard input workbook."
)
@click.argument("billing", metavar="BILLING", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    metavar="INPUTS.xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    callback=_xlsx_path,
    help="The input workbook to write; the reconciliation CSV is written beside it.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress messages on stderr.")
@setting_options("company", "currency", "as_of", "period_end", "constant_currency")
def import_cmd(billing: Path, output: Path, quiet: bool, **kwargs) -> None:
    """Turn BILLING, a folder holding one billing CSV (subscription periods or invoice lines, recognised
    by its header) and monthly.csv when you have it, into the standard input workbook INPUTS.xlsx: the
    derived MRR sheet with the attributes carried, the monthly sheets (blank to fill in without
    monthly.csv) and a Billing import summary; INPUTS-reconciliation.csv beside it lists, per client and
    month, the lines that made the MRR."""
    start = time.perf_counter()

    def progress(message: str) -> None:
        if not quiet:
            say(f"[{time.perf_counter() - start:5.1f}s] {message}", err=True)

    for line in _run(lambda: build.import_billing(billing, output, _overrides(kwargs), progress)):
        say(line)


if __name__ == "__main__":
    main()
