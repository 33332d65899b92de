"""The command line: exit codes, exact messages, help on every command."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner

from workbook_gen import __version__
from workbook_gen.cli import main
from workbook_gen.export import CSV_HEADER


@pytest.fixture
def runner():
    return CliRunner()


def test_every_command_has_help(runner):
    for name, command in main.commands.items():
        assert command.help, name
        result = runner.invoke(main, [name, "-h"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_usage_error_is_exit_2(runner):
    assert runner.invoke(main, ["build"]).exit_code == 2
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2


def test_validate_clean_input(runner, example_input):
    result = runner.invoke(main, ["validate", str(example_input)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("example-company.xlsx: OK\n")
    assert "clients          600" in result.output
    assert "segments         Segment: Assisted, Self-serve" in result.output


def test_validate_bad_input_exit_1_lists_every_cell(runner, tmp_path):
    from test_inputs import MONTHS, make_xlsx

    path = make_xlsx(tmp_path / "bad.xlsx", mrr=[["Client ID", *MONTHS], ["C1", 1, -2, "x"], ["C1", 1, 1, 1]])
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output == (
        "Error: bad.xlsx: 3 problems found in the input:\n"
        "  - MRR!A3: duplicate Client ID 'C1' (first at MRR!A2).\n"
        "  - MRR!D2: 'x' is not a number.\n"
        "  - MRR!C2: negative MRR -2.\n"
    )


def test_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


def test_build_prints_summary_and_failed_build_keeps_last_months_file(runner, example_input, tmp_path):
    out = tmp_path / "pack.xlsx"
    result = runner.invoke(main, ["build", str(example_input), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "ARR" in result.output and "NRR (12m)" in result.output and "Burn multiple" in result.output
    good = out.read_bytes()
    from test_inputs import make_xlsx

    bad = make_xlsx(tmp_path / "bad.xlsx", gm=[["Month", "Gross margin"]])
    result = runner.invoke(main, ["build", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert out.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pack")] == []


def test_unwritable_output(runner, example_input, tmp_path):
    result = runner.invoke(main, ["build", str(example_input), "-o", str(tmp_path / "missing" / "x.xlsx")])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_bad_setting(runner, example_input, tmp_path):
    result = runner.invoke(
        main, ["build", str(example_input), "-o", str(tmp_path / "x.xlsx"), "--split", "Colour"]
    )
    assert result.exit_code == 1
    assert "Split column 'Colour' is not an attribute" in result.output
    (example_input.parent / "workbook-gen.toml").write_text("cac_windw = 3\n")
    try:
        result = runner.invoke(main, ["validate", str(example_input)])
        assert result.exit_code == 1
        assert "Unknown setting 'cac_windw'" in result.output
    finally:
        (example_input.parent / "workbook-gen.toml").unlink()


def test_too_many_segments(runner, example_input):
    result = runner.invoke(main, ["validate", str(example_input), "--split", "Client name"])
    assert result.exit_code == 1
    assert "has 600 distinct values; at most 12" in result.output


def test_metrics_json_shape_and_csv(runner, example_input, tmp_path, example_results):
    result = runner.invoke(main, ["metrics", str(example_input)])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert len(doc["months"]) == 48 and doc["months"][0] == "2022-01"
    assert set(doc["scopes"]) == {"total", "Segment=Assisted", "Segment=Self-serve"}
    total = doc["scopes"]["total"]
    assert total["monthly"]["mrr_new"][0] is None  # month 1: undefined, not 0
    assert total["monthly"]["arr"][-1] == pytest.approx(example_results.total.monthly["arr"][-1])
    assert total["cohorts"]["quarter"]["size"][0] == example_results.total.cohorts["quarter"].size[0]
    assisted = next(s for s in example_results.segment_scopes() if s.label == "Assisted")
    assert assisted.has_sm  # the example's S&M sheet has a column per segment
    want = [None if v != v else pytest.approx(v) for v in assisted.monthly["cac"]]
    assert doc["scopes"]["Segment=Assisted"]["monthly"]["cac"] == want
    assert want[0] is None and any(v is not None for v in want)
    out = tmp_path / "m.csv"
    result = runner.invoke(main, ["metrics", str(example_input), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == ",".join(CSV_HEADER)
    assert "total,mrr_new,2022-01,,,," in lines


def test_init_writes_template_and_settings(runner, tmp_path):
    result = runner.invoke(main, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "new" / "input-template.xlsx")
    assert wb.sheetnames == ["Read me", "MRR", "S&M", "Gross margin", "Burn", "Commentary", "Plan"]
    assert "# cac_window = 3" in (tmp_path / "new" / "workbook-gen.toml").read_text()
    again = runner.invoke(main, ["init", str(tmp_path / "new")])
    assert again.exit_code == 1 and "already exists" in again.output


def test_example_then_build(runner, tmp_path):
    assert runner.invoke(main, ["example", str(tmp_path)]).exit_code == 0
    result = runner.invoke(
        main, ["build", str(tmp_path / "example-company.xlsx"), "-o", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == "Example SaaS Co — December 2025"
