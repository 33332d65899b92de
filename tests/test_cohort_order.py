"""Cohort order: the output's MRR and Client calc rows are sorted by first paying month, so
each cohort is a contiguous block its formulas sum alone; an edit that breaks the order falls back to
scanning every client, and the numbers stay exact in LibreOffice and Gnumeric."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import openpyxl
import pytest
from helpers import as_array, expected_names, mismatches, read_names

from workbook_gen.build import build, load
from workbook_gen.inputs.example import synthetic_company
from workbook_gen.inputs.read import read_inputs
from workbook_gen.metrics.cohorts import cohort_order
from workbook_gen.metrics.engine import compute, segment_numbers
from workbook_gen.workbook.input_book import write_input_workbook
from workbook_gen.workbook.layout import CC_ORDER_OK, CR_SEGMENT_ROWS
from workbook_gen.workbook.tabs.checks import ORDER_LABEL
from workbook_gen.workbook.tabs.inputs import in_cohort_order


def test_cohort_order_by_first_month_ties_in_input_order_never_paying_last():
    mrr = np.array(
        [
            [0, 0, 5],  # first month 3
            [0, 0, 0],  # never pays
            [1, 0, 0],  # first month 1
            [0, 2, 2],  # first month 2
            [0, 0, 7],  # first month 3, after row 0
            [0, 0, 0],  # never pays, after row 1
            [3, 3, 3],  # first month 1, after row 2
        ],
        dtype=float,
    )
    assert cohort_order(mrr).tolist() == [2, 6, 3, 0, 4, 1, 5]


def _shuffled_company():
    """A company whose input rows are far from cohort order (reversed), with a never-paying client."""
    base = synthetic_company(n_clients=70, n_months=20, seed=4)
    mrr = base.mrr.copy()
    mrr[5] = 0.0
    data = replace(base, mrr=mrr)
    order = np.arange(data.n_clients)[::-1]
    return replace(
        data,
        client_ids=tuple(data.client_ids[i] for i in order),
        attributes={k: [v[i] for i in order] for k, v in data.attributes.items()},
        mrr=data.mrr[order],
    )


@pytest.fixture(scope="module")
def shuffled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shuffled")
    data = _shuffled_company()
    src = folder / "in.xlsx"
    write_input_workbook(src, data)
    out = folder / "out.xlsx"
    build(src, out)
    return data, src, out


def test_output_rows_are_in_cohort_order_and_read_back_as_the_same_data(shuffled):
    data, src, out = shuffled
    assert cohort_order(data.mrr).tolist() != list(range(data.n_clients))  # the input is not sorted
    again = read_inputs(out)
    assert again.same_data(in_cohort_order(read_inputs(src), "Segment"))
    assert cohort_order(again.mrr).tolist() == list(range(again.n_clients))
    assert in_cohort_order(again, "Segment") is again  # a sorted workbook keeps its order when rebuilt
    assert not np.any(again.mrr[-1] > 0)  # the never-paying client is last
    # Every number is independent of the row order: rebuilding from the output gives the same names.
    expected = expected_names(compute(*load(src)))
    rebuilt = expected_names(compute(*load(out)))
    assert rebuilt.keys() == expected.keys()
    for name, rows in expected.items():
        assert np.allclose(as_array(rows), as_array(rebuilt[name]), rtol=1e-12, equal_nan=True), name
    # ... and the cached values the output carries are those numbers.
    assert mismatches(expected, read_names(out, expected)) == []


def test_cohort_blocks_are_located_from_the_sorted_keys(shuffled):
    """Beside the Timeline's monthly period table: each cohort's first and last Client calc row."""
    data, _src, out = shuffled
    sorted_data = in_cohort_order(data, "Segment")
    paying = (sorted_data.mrr > 0).any(axis=1)
    first = np.where(paying, (sorted_data.mrr > 0).argmax(axis=1) + 1, 0)
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb["Client calc"].cell(2, CC_ORDER_OK + 1).value == 1
    assert [wb["Client calc"].cell(2 + r, 2).value for r in range(data.n_clients)] == [
        f if f else data.n_months + 1 for f in first
    ]
    sheet = list(wb["Timeline"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(sheet) if r[5] == "First client row")  # month periods come first
    rows = sheet[head + 1 : head + 1 + data.n_months]
    assert [r[1] for r in rows] == list(range(1, data.n_months + 1))
    empty = 0
    for r in rows:
        month, start, end = r[1], r[5], r[6]
        members = np.flatnonzero(first == month) + 1
        if len(members):
            assert (start, end) == (members[0], members[-1])
        else:
            assert end == start - 1
            empty += 1
    assert 0 < empty < data.n_months  # both kinds occur
    wb.close()


def _first_month_col(data) -> int:
    return 1 + len(data.attributes) + 1  # 1-based column of month 1 on the MRR sheet


def _edit(src, tmp_path, edit):
    wb = openpyxl.load_workbook(src)
    edit(wb)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    wb.close()
    return edited


def _check_engine(engine, edited, tmp_path, order_kept: bool):
    """Recalculate the edited workbook (cached values stripped) in ``engine``: every name equals the
    engine's numbers on the edited inputs, and the order cell and the Checks tab say what happened."""
    results = compute(*load(edited))
    expected = expected_names(results)
    recalculated = engine.recalculate(edited, tmp_path / "recalc")
    assert mismatches(expected, read_names(recalculated, expected)) == []
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    assert wb["Client calc"].cell(2, CC_ORDER_OK + 1).value == (1 if order_kept else 0)
    status = [r[2] for r in wb["Checks"].iter_rows(values_only=True) if r[0] == ORDER_LABEL]
    assert status and (status[0] == "OK") == order_kept, status
    if not order_kept:
        assert "rebuild to restore speed" in status[0]
    assert wb["Checks"]["C3"].value == "All checks OK"
    wb.close()
    return results


@pytest.mark.libreoffice
def test_edit_moving_a_client_into_an_earlier_cohort_stays_exact(shuffled, tmp_path, engine):
    data, _src, out = shuffled
    sorted_data = in_cohort_order(data, "Segment")
    first = (sorted_data.mrr > 0).argmax(axis=1)
    late = int(np.flatnonzero((sorted_data.mrr > 0).any(axis=1) & (first >= 8))[-1])  # a late cohort
    col = _first_month_col(data)

    def edit(wb):
        ws = wb["MRR"]
        ws.cell(2 + late, col + 2).value = 321.0  # now first pays in month 3
        ws.cell(2 + late, col + 3).value = 321.0

    edited = _edit(out, tmp_path, edit)
    results = _check_engine(engine, edited, tmp_path, order_kept=False)
    before = compute(*load(out))
    assert results.total.cohorts["month"].size[2] == before.total.cohorts["month"].size[2] + 1


@pytest.mark.libreoffice
def test_edit_moving_a_client_between_segments_stays_exact(shuffled, tmp_path, engine):
    data, _src, out = shuffled
    seg_col = 1 + list(data.attributes).index("Segment") + 1

    def edit(wb):
        ws = wb["MRR"]
        for r in (3, 10, 40):  # three clients change segment; no cohort changes
            ws.cell(r, seg_col).value = (
                "Assisted" if ws.cell(r, seg_col).value == "Self-serve" else "Self-serve"
            )

    edited = _edit(out, tmp_path, edit)
    # Within a month cohort the rows were sorted by segment: that order is broken (the segments' month
    # cohort tables then scan every client, exactly), though every client stays in its cohort.
    results = _check_engine(engine, edited, tmp_path, order_kept=False)
    before = compute(*load(out))
    assert results.scopes[1].cohorts["month"].size.sum() != before.scopes[1].cohorts["month"].size.sum()


def test_each_segment_part_of_a_month_cohort_is_a_block_of_rows(shuffled):
    """Within a month cohort the rows are sorted by segment number, and beside the month grouping's
    cohort-row table the Timeline locates each segment's part: its first and last Client calc row
    (an empty part: last = first - 1), the rows its month cohort tables sum without testing segments."""
    data, _src, out = shuffled
    sorted_data = in_cohort_order(data, "Segment")
    numbers = segment_numbers(sorted_data, "Segment")
    paying = (sorted_data.mrr > 0).any(axis=1)
    first = np.where(paying, (sorted_data.mrr > 0).argmax(axis=1) + 1, data.n_months + 1)
    assert np.all(np.diff(first) >= 0)
    same = np.diff(first) == 0
    assert np.all(np.diff(numbers)[same] >= 0)  # by segment within a month cohort
    wb = openpyxl.load_workbook(out, data_only=True)
    sheet = list(wb["Timeline"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(sheet) if r[5] == "First client row")  # the month grouping's table
    assert sheet[head][CR_SEGMENT_ROWS : CR_SEGMENT_ROWS + 4] == (
        "First client row: Assisted",
        "Last client row: Assisted",
        "First client row: Self-serve",
        "Last client row: Self-serve",
    )
    rows = sheet[head + 1 : head + 1 + data.n_months]
    parts = {1: 0, 2: 0}
    for r in rows:
        month = r[1]
        for k in (1, 2):
            start, end = r[CR_SEGMENT_ROWS + 2 * (k - 1)], r[CR_SEGMENT_ROWS + 2 * (k - 1) + 1]
            members = np.flatnonzero((first == month) & (numbers == k)) + 1
            if len(members):
                assert (start, end) == (members[0], members[-1]), (month, k)
                parts[k] += 1
            else:
                assert end == start - 1, (month, k)
    assert parts[1] and parts[2]  # both segments have clients in some month cohort
    wb.close()
