"""A newcomer's first run: the default split, a template with unused months, clear names and refusals,
complete help."""

from __future__ import annotations

import datetime as dt
import os

import click
import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from test_inputs import MONTHS, make_xlsx

from workbook_gen.build import BuildSummary, build, load
from workbook_gen.cli import main
from workbook_gen.metrics.engine import compute, split_choice
from workbook_gen.model import InputData


@pytest.fixture
def runner():
    return CliRunner()


def tiny(attributes: dict[str, list]) -> InputData:
    n = len(next(iter(attributes.values())))
    return InputData(
        client_ids=tuple(f"C{i}" for i in range(n)),
        attributes=attributes,
        months=(dt.date(2024, 1, 1), dt.date(2024, 2, 1)),
        mrr=np.ones((n, 2)),
        sm_spend=np.ones(2),
        gross_margin=np.ones(2) * 0.7,
        net_burn=np.ones(2),
    )


def test_a_column_named_segment_comes_first():
    data = tiny(
        {"Client name": ["a", "b", "c", "d"], "Region": ["N", "N", "S", "S"], "Segment": ["X", "Y", "X", "Y"]}
    )
    assert split_choice(data, None) == ("Segment", "automatic: the column named 'Segment' (2 values)")


def test_a_column_unique_per_client_never_splits():
    data = tiny({"Client name": ["a", "b", "c", "d"], "Plan": ["p", "p", "q", "q"]})
    split, why = split_choice(data, None)
    assert split == "Plan"
    assert "'Client name' skipped (a different value for every client)" in why
    only_names = tiny({"Client name": ["a", "b", "c"]})
    assert split_choice(only_names, None)[0] is None
    # A Segment column with one value does not split; the next candidate does.
    data = tiny({"Segment": ["X", "X", "X", "X"], "Region": ["N", "S", "N", "S"]})
    assert split_choice(data, None)[0] == "Region"
    # Asked for explicitly, a per-client column is the user's choice.
    assert split_choice(data, "segment") == ("Segment", "as set")
    assert split_choice(data, "none") == (None, "segments turned off (split = none)")


def test_validate_says_which_split_and_why(runner, tmp_path):
    path = make_xlsx(
        tmp_path / "tiny.xlsx",
        mrr=[
            ["Client ID", "Client name", "Segment", *MONTHS],
            ["C1", "Acme", "A", 1, 2, 3],
            ["C2", "Beta", "B", 1, 1, 1],
        ],
    )
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "  segments         Segment: A, B (automatic: the column named 'Segment' (2 values))" in result.output
    )
    results = compute(*load(path))
    assert results.split == "Segment"


def fill_template(
    path, months_filled: int, clients=(("C1", "Acme", "Self-serve"), ("C2", "Beta", "Assisted"))
):
    """A newcomer fills the blank template for fewer months than it offers, leaving the rest blank."""
    wb = openpyxl.load_workbook(path)
    ws = wb["MRR"]
    for r, (cid, name, seg) in enumerate(clients, start=2):
        ws.cell(r, 1, cid)
        ws.cell(r, 2, name)
        ws.cell(r, 3, seg)
        for i in range(months_filled):
            ws.cell(r, 4 + i, 100.0 * r + i)
    for name, value in (("S&M", 1000.0), ("Gross margin", 0.75), ("Burn", 5000.0)):
        for i in range(months_filled):
            wb[name].cell(2 + i, 2, value)
    wb.save(path)
    return path


def test_template_with_unused_months_builds(runner, tmp_path):
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    path = fill_template(tmp_path / "input-template.xlsx", 4)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "months           4 (2025-01 to 2025-04)" in result.output
    assert (
        "2 month(s) at the end (2025-05, 2025-06) are blank on every sheet and were left out" in result.output
    )
    # Two clients: "Client name" is unique per client, so the split is the Segment column.
    assert "segments         Segment: Assisted, Self-serve" in result.output
    out = tmp_path / "first.xlsx"
    result = runner.invoke(main, ["build", str(path), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert "Self-serve" in names and "Acme" not in names


def test_sheets_that_do_not_end_together_are_still_an_error(tmp_path):
    from workbook_gen.build import init
    from workbook_gen.errors import InputError

    init(tmp_path)
    path = fill_template(tmp_path / "input-template.xlsx", 4)
    wb = openpyxl.load_workbook(path)
    wb["S&M"].cell(6, 2, 1000.0)  # May has spend, but no MRR, margin or burn
    wb.save(path)
    with pytest.raises(InputError) as err:
        load(path)
    assert "Gross margin!B6: blank value for 2025-05." in err.value.problems


def test_validate_dot_names_the_folder(runner, tmp_path):
    folder = tmp_path / "acme-books"
    folder.mkdir()
    (folder / "mrr.csv").write_text("Client ID,2024-01,2024-02\nC1,10,20\n", encoding="utf-8")
    (folder / "monthly.csv").write_text(
        "month,sm_spend,gross_margin,net_burn\n2024-01,1,0.7,5\n2024-02,1,0.7,5\n", encoding="utf-8"
    )
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = runner.invoke(main, ["validate", "."])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("acme-books: OK\n")
    (folder / "monthly.csv").unlink()
    os.chdir(folder)
    try:
        result = runner.invoke(main, ["validate", "."])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1
    assert "folder acme-books: missing monthly.csv" in result.output


def test_output_must_be_xlsx(runner, tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    result = runner.invoke(main, ["build", str(src), "-o", str(tmp_path / "pack.pdf")])
    assert result.exit_code == 2
    assert "'pack.pdf' must end in .xlsx" in result.output and "--pdf" in result.output
    assert not (tmp_path / "pack.pdf").exists()
    result = runner.invoke(main, ["build", str(src), "-o", str(tmp_path / "pack")])
    assert result.exit_code == 2 and "must end in .xlsx" in result.output


def _commands(group: click.Group):
    for name, command in group.commands.items():
        yield name, command
        if isinstance(command, click.Group):
            yield from _commands(command)


def test_every_command_and_option_has_help():
    """Every command has a description and every option a help text (the sqlite-utils test)."""
    missing = []
    for name, command in _commands(main):
        if not (command.help or "").strip():
            missing.append(name)
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{name} {param.opts[0]}")
    assert missing == []


def test_help_is_exact(runner):
    """The listing shows whole short descriptions; each command says what INPUT may be; options
    are offered only where they mean something."""
    listing = runner.invoke(main, ["--help"]).output
    assert "..." not in listing.split("Commands:")[1]
    for name in ("validate", "build", "metrics"):
        text = runner.invoke(main, [name, "--help"]).output
        assert "mrr.csv and monthly.csv" in text, name
        assert "OUTPUT" not in text, name
    build_help = runner.invoke(main, ["build", "--help"]).output
    assert "workbook-gen.toml" in build_help and "--previous LAST.xlsx" in build_help
    for name in ("validate", "metrics"):
        params = {p.name for p in main.commands[name].params}
        assert "company" not in params, name
    assert "currency" not in {p.name for p in main.commands["metrics"].params}


def test_summary_says_n_m_where_the_dashboard_does(example_results):
    """A burn multiple whose window is in the data but whose ARR did not grow is n/m in the CLI summary,
    as on the dashboard."""
    from dataclasses import replace

    total = example_results.total
    monthly = dict(total.monthly)
    monthly["burn_multiple"] = np.append(monthly["burn_multiple"][:-1], np.nan)
    results = replace(example_results, scopes=(replace(total, monthly=monthly), *example_results.scopes[1:]))
    lines = BuildSummary(None, results, "X").lines()
    assert "  Burn multiple     n/m" in lines
    monthly["arr_growth_yoy"] = np.full(len(monthly["arr"]), np.nan)
    lines = BuildSummary(None, results, "X").lines()
    assert "  ARR growth YoY    n/a" in lines


def test_build_of_tiny_company_names_split_in_summary(tmp_path):
    path = make_xlsx(
        tmp_path / "tiny.xlsx",
        mrr=[
            ["Client ID", "Client name", "Segment", *MONTHS],
            ["C1", "Acme", "A", 1, 2, 3],
            ["C2", "Beta", "B", 1, 1, 1],
        ],
    )
    summary = build(path, tmp_path / "out.xlsx")
    assert (
        "    split                Segment  (automatic: the column named 'Segment' (2 values))"
        in summary.lines()
    )


def test_csv_inputs_with_blank_trailing_months(tmp_path):
    (tmp_path / "mrr.csv").write_text(
        "Client ID,Segment,2024-01,2024-02,2024-03\nC1,A,10,20,\nC2,B,5,5,\n", encoding="utf-8"
    )
    (tmp_path / "monthly.csv").write_text(
        "month,sm_spend,gross_margin,net_burn\n2024-01,1,0.7,5\n2024-02,1,0.7,5\n2024-03,,,\n",
        encoding="utf-8",
    )
    data, _ = load(tmp_path)
    assert data.n_months == 2 and data.mrr.tolist() == [[10.0, 20.0], [5.0, 5.0]]
    assert any("2024-03" in w and "left out" in w for w in data.warnings)


def test_the_readmes_first_command_runs_on_a_fresh_clone(tmp_path, monkeypatch):
    """Every workbook-gen step of the README's first command succeeds on a copy of the repository's
    committed examples (the setup step itself is what .ci/run runs)."""
    import re
    import shlex
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.*?)\n```", readme, re.S).group(1)
    steps = [shlex.split(part) for part in first.split("&&")]
    assert steps[0] == ["bash", ".ci/setup"]
    shutil.copytree(root / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = 0
    for step in steps[1:]:
        assert step[0] == ".venv/bin/workbook-gen", step
        result = runner.invoke(main, step[1:])
        assert result.exit_code == 0, (step, result.output)
        ran += 1
    assert ran >= 1 and (tmp_path / "examples" / "example-company-workbook.xlsx").exists()
