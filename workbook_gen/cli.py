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


def setting_options(f):
    """The SPEC §2.2 settings as options; each overrides workbook-gen.toml."""
    options = [
        click.option("--company", help="Company name for the cover and footers."),
        click.option("--currency", help="Currency code for number formats (USD, EUR, GBP, ...)."),
        click.option("--split", help='Attribute column for the segment tabs, or "none".'),
        click.option("--cac-window", type=int, help="Months summed in CAC, ASP and payback (default 3)."),
        click.option(
            "--cac-lag", type=int, help="Months S&M is lagged before matching new clients (default 0)."
        ),
        click.option(
            "--ltv-churn-window", type=int, help="Months of logo churn averaged in LTV (default 12)."
        ),
        click.option("--lifetime-cap-months", type=float, help="Cap on client lifetime in LTV (default 60)."),
        click.option(
            "--fiscal-year-start", type=int, help="First month of the fiscal year, 1-12 (default 1)."
        ),
        click.option("--as-of", help="Ignore months after this one (YYYY-MM)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


SETTING_KEYS = (
    "company",
    "currency",
    "split",
    "cac_window",
    "cac_lag",
    "ltv_churn_window",
    "lifetime_cap_months",
    "fiscal_year_start",
    "as_of",
)


def _overrides(kwargs: dict) -> dict:
    return {k: kwargs.pop(k) for k in SETTING_KEYS if k in kwargs}


@click.group(cls=GuardedGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="workbook-gen")
def main() -> None:
    """Turn MRR per client, S&M spend, gross margin and net burn into a live SaaS metrics workbook."""


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a blank input workbook and a commented workbook-gen.toml into DIRECTORY."""
    paths = _run(lambda: build.init(directory))
    for p in paths:
        say(f"wrote {p}")


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def example(directory: Path) -> None:
    """Write the example company's input workbook (600 clients, 48 months) into DIRECTORY."""
    path = _run(lambda: build.example(directory))
    say(f"wrote {path}")


@main.command(context_settings=CONTEXT)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@setting_options
def validate(input_path: Path, **kwargs) -> None:
    """Check INPUT (an .xlsx workbook or a folder with mrr.csv and monthly.csv) and summarise it."""
    lines = _run(lambda: build.validate(input_path, _overrides(kwargs)))
    say("\n".join(lines))


@main.command("build", context_settings=CONTEXT)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the workbook (.xlsx).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress messages on stderr.")
@click.option("--pdf", is_flag=True, help="Also print the workbook to OUTPUT.pdf (needs LibreOffice).")
@setting_options
def build_cmd(input_path: Path, output: Path, quiet: bool, pdf: bool, **kwargs) -> None:
    """Build the metrics workbook from INPUT into OUTPUT."""
    start = time.perf_counter()

    def progress(message: str) -> None:
        if not quiet:
            say(f"[{time.perf_counter() - start:5.1f}s] {message}", err=True)

    summary = _run(lambda: build.build(input_path, output, _overrides(kwargs), progress))
    say(f"wrote {summary.output}")
    if pdf:
        progress("printing to PDF with LibreOffice")
        say(f"wrote {_run(lambda: build.export_pdf(summary.output, [input_path]))}")
    say("\n".join(summary.lines()))


@main.command(context_settings=CONTEXT)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@setting_options
def metrics(input_path: Path, fmt: str, output: Path | None, **kwargs) -> None:
    """Print every metric of INPUT as JSON or tidy CSV (the same numbers as the workbook)."""
    text = _run(lambda: build.metrics(input_path, fmt, _overrides(kwargs), output))
    if output is None:
        sys.stdout.write(printable(text) if sys.stdout.isatty() else text)
    else:
        say(f"wrote {output}", err=True)


if __name__ == "__main__":
    main()
