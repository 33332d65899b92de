"""The committed files agree with the code: the blank template, the example input and its workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from helpers import expected_names, mismatches, read_names

from workbook_gen import __version__
from workbook_gen.build import example_inputs, load
from workbook_gen.inputs.example import example_company
from workbook_gen.inputs.read import read_inputs
from workbook_gen.metrics.engine import compute
from workbook_gen.workbook.input_book import write_input_workbook
from workbook_gen.workbook.tabs.inputs import in_cohort_order

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "input-template.xlsx"
EXAMPLE_INPUT = ROOT / "examples" / "example-company.xlsx"
EXAMPLE_WORKBOOK = ROOT / "examples" / "example-company-workbook.xlsx"


def test_template_is_what_init_generates(tmp_path):
    fresh = tmp_path / "t.xlsx"
    write_input_workbook(fresh, None)
    assert fresh.read_bytes() == TEMPLATE.read_bytes(), "regenerate templates/input-template.xlsx"


def test_example_input_is_the_seeded_company():
    assert read_inputs(EXAMPLE_INPUT).same_data(example_company()), "run: workbook-gen example examples"


def test_example_input_has_the_two_version_plan():
    """The example's plan (a budget and a reforecast), as ``workbook-gen example`` writes it."""
    committed, fresh = read_inputs(EXAMPLE_INPUT).plan, example_inputs().plan
    assert committed.versions == fresh.versions == ("Budget", "Reforecast")
    assert committed.months == fresh.months
    assert [(p.key, p.text, p.version, p.values) for p in committed.lines] == [
        (p.key, p.text, p.version, p.values) for p in fresh.lines
    ], "run: workbook-gen example examples"


def test_example_workbook_is_not_stale():
    """Every named value in the committed workbook equals what this code computes from the committed
    input, and it was written by this version."""
    results = compute(*load(EXAMPLE_INPUT))
    expected = expected_names(results)
    assert mismatches(expected, read_names(EXAMPLE_WORKBOOK, expected)) == [], (
        "examples/example-company-workbook.xlsx is stale: rebuild it with the README's first command"
    )
    wb = openpyxl.load_workbook(EXAMPLE_WORKBOOK, read_only=True)
    assert wb.properties.description is None or __version__ in (wb.properties.description or __version__)
    cover = [c for row in wb["Settings"].iter_rows(max_row=4, values_only=True) for c in row if c]
    assert any(f"workbook-gen {__version__}" in str(c) for c in cover)
    wb.close()
    assert read_inputs(EXAMPLE_WORKBOOK).same_data(in_cohort_order(read_inputs(EXAMPLE_INPUT), "Segment"))
