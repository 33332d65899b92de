"""Who the customers are: revenue concentration (top10_share, top1_share) and the lists of the customers
page (largest clients, largest movements). Expected values are worked out by hand here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_metrics import assert_series, series

from workbook_gen.metrics.monthly import kth_largest, top_sum

NAN = math.nan

# Twelve clients, three months.
#   month 1: two clients at 8, ten at 5 — the 10th largest (5) is shared by ten clients
#   month 2: three paying clients (3, 2, 1) — fewer than ten: all of them count
#   month 3: nobody pays — closing MRR 0, both shares undefined
CONCENTRATION = [[8, 0, 0], [8, 0, 0]] + [[5, 0, 0]] * 7 + [[5, 3, 0], [5, 2, 0], [5, 1, 0]]


def test_concentration_by_hand():
    s = series(CONCENTRATION)
    # month 1: 8 + 8 + eight of the ten clients at 5 = 56 of 66; largest 8 of 66
    assert_series(s["top10_share"], [56 / 66, 1.0, NAN])
    assert_series(s["top1_share"], [8 / 66, 3 / 6, NAN])


def test_concentration_of_one_client_and_of_equal_clients():
    assert_series(series([[4, 0, 7]])["top10_share"], [1.0, NAN, 1.0])
    # twenty clients at 2: any ten of them, half the MRR; one of them, a twentieth
    s = series([[2, 2]] * 20)
    assert_series(s["top10_share"], [0.5, 0.5])
    assert_series(s["top1_share"], [0.05, 0.05])


def test_threshold_is_what_large_returns_with_other_clients_at_zero():
    m = np.array(CONCENTRATION, dtype=float)
    assert kth_largest(m, 10).tolist() == [5.0, 0.0, 0.0]
    assert kth_largest(m[:3], 10).tolist() == [0.0, 0.0, 0.0]  # fewer rows than ten: 0, as LARGE over zeros
    assert kth_largest(m[:3], 3).tolist() == [5.0, 0.0, 0.0]  # 8, 8, 5: the third is 5
    assert top_sum(m, 10).tolist() == [56.0, 6.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 0.01, 1.0, 2.5, 2.5, 7.0, 120.0, 999.99]), min_size=3, max_size=3),
        min_size=1,
        max_size=25,
    )
)
def test_top_sum_equals_the_sum_of_the_sorted_largest(rows):
    """Σ above the k-th largest v of (MRR − v) + k·v is the sum of the k largest, whatever the ties."""
    m = np.array(rows)
    for k in (1, 3, 10):
        expected = -np.sort(-m, axis=0)[:k].sum(axis=0)
        assert np.allclose(top_sum(m, k), expected, rtol=1e-12, atol=1e-9)
    s = series(rows)
    closing = m.sum(axis=0)
    for t in range(m.shape[1]):
        if closing[t] == 0:
            assert math.isnan(s["top10_share"][t]) and math.isnan(s["top1_share"][t])
        else:
            assert 0 < s["top1_share"][t] <= s["top10_share"][t] <= 1 + 1e-12
            assert math.isclose(s["top1_share"][t], m[:, t].max() / closing[t])


# --- the lists of the customers page ------------------------------------------------------------------
#   A 10 10 10 20   expansion in the latest month (+10)
#   B  0  0  0 20   new in the latest month
#   C 20 20 20 20   no movement; 20 now, as A and B
#   D 30 30  5  0   churned in the latest month (it paid 5, and 30 three months earlier)
#   E  0 40 40 30   new in month 2; contraction in the latest month (−10)
# Cohort order (the workbook's rows): A, C, D (month 1), E (month 2), B (month 4).
LISTS = [[10, 10, 10, 20], [0, 0, 0, 20], [20, 20, 20, 20], [30, 30, 5, 0], [0, 40, 40, 30]]


def _lists(mrr, segments=None, names=True):
    from workbook_gen.metrics.customers import customers

    ids = tuple("ABCDE"[i] if i < 5 else f"X{i}" for i in range(len(mrr)))
    attributes = {"Client name": [f"Name {c}" for c in ids]} if names else {}
    return customers(ids, attributes, np.array(mrr, dtype=float), segments)


def test_largest_clients_by_hand_with_ties_in_row_order():
    c = _lists(LISTS)
    assert [x.client_id for x in c.largest] == ["E", "A", "C", "B"]  # 30, then the three at 20 in row order
    assert [x.row for x in c.largest] == [3, 0, 1, 4]
    assert [x.arr for x in c.largest] == [360.0, 240.0, 240.0, 240.0]
    assert [x.share for x in c.largest] == pytest.approx([30 / 90, 20 / 90, 20 / 90, 20 / 90])
    # four months of data: a client won after the opening month is new, the opening base has no year
    assert [x.new for x in c.largest] == [True, False, False, True]
    assert all(math.isnan(x.arr_change_12m) for x in c.largest)
    assert c.largest[0].name == "Name E"


def test_movements_by_hand_for_the_month_and_three_months():
    c = _lists(LISTS)

    def listed(window):
        return {k: [(m.client_id, m.arr_change) for m in v] for k, v in c.movers[window].items()}

    assert c.window_starts == {"month": 2, "three_months": 0}
    assert listed("month") == {
        "new": [("B", 240.0)],
        "expansion": [("A", 120.0)],
        "contraction": [("E", -120.0)],
        "churn": [("D", -60.0)],
    }
    assert listed("three_months") == {
        "new": [("E", 360.0), ("B", 240.0)],  # E first paid in month 2, inside the window
        "expansion": [("A", 120.0)],
        "contraction": [],  # E paid nothing at the window's start
        "churn": [("D", -360.0)],
    }


def test_twelve_month_change_and_new_clients():
    # 14 months: O pays from month 1 (100 → 150), Y from month 3 (younger than twelve months),
    # R paid in month 1, stopped, and pays again (nothing twelve months ago, in month 2: change %, n/a)
    o = [100] * 13 + [150]
    y = [0, 0] + [70] * 12
    r = [5, 0] + [0] * 11 + [60]
    c = _lists([o, y, r], names=False)
    largest = {x.client_id: x for x in c.largest}
    assert largest["A"].arr_change_12m == 12 * 50 and largest["A"].change_12m == pytest.approx(0.5)
    assert largest["B"].new and math.isnan(largest["B"].arr_change_12m)
    assert (
        not largest["C"].new
        and largest["C"].arr_change_12m == 12 * 60
        and math.isnan(largest["C"].change_12m)
    )
    assert largest["A"].name is None  # no name column: the page shows the ID


def test_fewer_than_ten_paying_and_an_empty_latest_month():
    many = [[float(i % 4), float(i % 3)] for i in range(12)]  # 8 clients pay in month 2
    c = _lists(many)
    assert len(c.largest) == 8 and [x.mrr for x in c.largest] == [2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    rows = [x.row for x in c.largest]
    assert rows[:4] == sorted(rows[:4]) and rows[4:] == sorted(rows[4:])  # ties in row order
    empty = _lists([[5.0, 0.0], [3.0, 0.0]])
    assert empty.largest == ()
    assert [m.client_id for m in empty.movers["month"]["churn"]] == ["A", "B"]
    assert all(empty.movers["month"][k] == () for k in ("new", "expansion", "contraction"))


# --- live in both engines --------------------------------------------------------------------------
HOSTILE = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "Burn!B2", "-2+3")


def tie_company():
    """A held-out company whose largest clients tie: latest MRR 80 three times, 60 twice, 30 twice, with
    hostile client names, two segments, 15 months (so the 12-month change has a base)."""
    import datetime as dt

    from workbook_gen.model import InputData, month_range

    latest = [50, 80, 80, 30, 80, 10, 10, 0, 20, 30, 0, 5, 60, 60, 0, 1, 80, 7]
    n, t = len(latest), 15
    mrr = np.zeros((n, t))
    for c, v in enumerate(latest):
        start = 0 if c % 3 else 4 + c % 7  # some clients join later (new within the year)
        mrr[c, start:] = 40 + c
        mrr[c, -3] = 0 if c in (8, 11) else mrr[c, -3]  # churn and come back
        mrr[c, -1] = v
    mrr[14, -2] = 75.0  # churned in the latest month, as large as the largest
    mrr[10, -2] = 75.0
    names = [f"Client {c}" for c in range(n)]
    for k, text in enumerate(HOSTILE):
        names[1 + 3 * k] = text
    names[5] = None  # no name: its ID is shown
    return InputData(
        client_ids=tuple(f"T{c:02d}" for c in range(n)),
        attributes={"Client name": names, "Segment": ["Gold" if c % 2 else "Silver" for c in range(n)]},
        months=month_range(dt.date(2024, 1, 1), t),
        mrr=mrr,
        sm_spend=np.full(t, 500.0),
        gross_margin=np.full(t, 0.7),
        net_burn=np.full(t, 1000.0),
        source="ties",
    )


def _sheet_values(path, sheet):
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[sheet]
    out = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")}
    wb.close()
    return out


def _same_cells(built, recalculated, sheet):
    """Every non-blank cell of ``sheet`` as cached (the engine's values) and as recalculated, both ways."""
    cached, got = _sheet_values(built, sheet), _sheet_values(recalculated, sheet)
    bad = []
    for ref in sorted(set(cached) | set(got)):
        a, b = cached.get(ref), got.get(ref)
        if isinstance(a, int | float) and isinstance(b, int | float):
            ok = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
        else:
            ok = a == b
        if not ok:
            bad.append(f"{sheet}!{ref}: cached {a!r}, recalculated {b!r}")
    return bad


@pytest.mark.libreoffice
def test_customers_page_recalculates_in_both_engines_and_follows_an_edit(engine, tmp_path):
    import openpyxl
    from helpers import expected_names, mismatches, read_names

    from workbook_gen.build import build, load
    from workbook_gen.metrics.engine import compute
    from workbook_gen.workbook.input_book import write_input_workbook
    from workbook_gen.workbook.tabs.customers import SHEET

    src = tmp_path / "ties.xlsx"
    write_input_workbook(src, tie_company())
    built = tmp_path / "built.xlsx"
    build(src, built)
    results = compute(*load(src))
    largest = results.customers.largest
    assert [x.mrr for x in largest[:6]] == [80.0, 80.0, 80.0, 80.0, 60.0, 60.0]  # ties at the top
    recalculated = engine.recalculate(built, tmp_path / "recalc")
    assert _same_cells(built, recalculated, SHEET) == []
    assert _same_cells(built, recalculated, "Client calc") == []
    names = {k: v for k, v in expected_names(results).items() if "top" in k}
    assert mismatches(names, read_names(recalculated, names)) == []
    page = _sheet_values(recalculated, SHEET)
    for text in HOSTILE[:2]:
        assert text in page.values()  # shown as the name it is, never run as a formula

    # An edit that makes another client the largest (the last of the four at 80 in row order goes to 95).
    wb = openpyxl.load_workbook(built)
    ws = wb["MRR"]
    row = 2 + largest[3].row
    ws.cell(row, ws.max_column).value = 95.0
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    wb.close()
    after = compute(*load(edited))
    assert after.customers.largest[0].client_id == largest[3].client_id
    rebuilt = (
        tmp_path / "rebuilt.xlsx"
    )  # the engine's values for the edited inputs, as a built workbook caches them
    build(edited, rebuilt)
    recalculated = engine.recalculate(edited, tmp_path / "recalc-edited")
    assert _same_cells(rebuilt, recalculated, SHEET) == []
    names = {k: v for k, v in expected_names(after).items() if "top" in k}
    assert mismatches(names, read_names(recalculated, names)) == []


def test_hidden_helper_rows_take_no_room_on_the_printed_page(example_workbook):
    """Clients & ARPA's hidden chart-data and helper rows do not count against the page: its table (with the
    two concentration rows) and its charts print on one page, without a page break between them."""
    import zipfile

    from helpers import _sheet_part

    with zipfile.ZipFile(example_workbook) as z:
        xml = z.read(_sheet_part(z, "Clients & ARPA")).decode("utf-8")
    assert "<rowBreaks" not in xml
    assert xml.count('hidden="1"') >= 8  # the chart-data rows and the 10th-largest helper row


def test_the_movement_lists_say_what_they_measure_in_the_summarys_units(example_workbook):
    """The example's Client 278 contracted by $10,212 of ARR in December but grew earlier in the quarter:
    it is in the month's contraction list and not in the three months' (which compare Dec 2025 with
    Sep 2025, net of the moves between). The page says what each list measures, and the executive
    summary's client losses are the same ARR amounts as the three-month lists (not MRR)."""
    import openpyxl

    wb = openpyxl.load_workbook(example_workbook, data_only=True)  # the cached values
    ws = wb["Customers"]
    texts = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    month_side = {(ws.cell(c.row, 2).value, ws.cell(c.row, 4).value) for c in ws["A"] if c.row > 20}
    three_side = {ws.cell(c.row, 6).value: ws.cell(c.row, 8).value for c in ws["A"] if c.row > 20}
    assert ("Client 278", -10212) in month_side and "Client 278" not in three_side
    assert "Change in ARR from Nov 2025 to Dec 2025." in texts
    assert "Change in ARR between Sep 2025 and Dec 2025, net of moves in between." in texts
    assert any("shows only its net change" in t for t in texts)
    summary = wb["Summary"]
    heads = [c.value for r in summary.iter_rows() for c in r]
    assert heads.count("ARR Sep 2025") == 2 and "MRR Sep 2025" not in heads
    losses = next(c for r in summary.iter_rows() for c in r if c.value == "Largest client losses")
    first = losses.row + 2  # under the band and its heads
    lost = {
        summary.cell(r, losses.column).value: summary.cell(r, losses.column + 3).value
        for r in range(first, first + 3)
    }
    # Client 303 paid $2,346 a month in September and nothing in December: −$28,152 of ARR on both pages
    assert lost["Client 303"] == -28152
    assert all(three_side[name] == amount for name, amount in lost.items())
