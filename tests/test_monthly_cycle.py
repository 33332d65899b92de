"""The monthly cycle: last month's pack is this month's input and keeps its settings;
``build --previous`` names exactly the history that changed, client by client and metric by metric."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from workbook_gen.build import build
from workbook_gen.cli import main
from workbook_gen.inputs.example import synthetic_company
from workbook_gen.inputs.pack import read_previous_pack
from workbook_gen.inputs.read import read_inputs
from workbook_gen.workbook.input_book import write_input_workbook
from workbook_gen.workbook.tabs.changes import SHEET as CHANGES

N_CLIENTS, N_MONTHS = 60, 18


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cycle-src")
    path = folder / "acme-inputs.xlsx"
    write_input_workbook(path, synthetic_company(n_clients=N_CLIENTS, n_months=N_MONTHS, seed=11))
    return path


@pytest.fixture(scope="module")
def last_pack(tmp_path_factory, source):
    """Last month's pack, built with settings given as options (nothing beside it records them)."""
    out = tmp_path_factory.mktemp("cycle-last") / "pack-last.xlsx"
    build(source, out, {"company": "Acme Ltd", "currency": "EUR", "cac_window": 4})
    return out


def add_month(pack, target, restate=()):
    """What an Excel user does: open last month's pack, add next month's column to MRR (each client
    keeps its MRR) and a row to S&M, Gross margin and Burn, correct some past cells, save.
    ``restate`` holds (client row index, month index, new value)."""
    shutil.copyfile(pack, target)
    wb = openpyxl.load_workbook(target)
    ws = wb["MRR"]
    first = next(c for c in range(1, ws.max_column + 1) if isinstance(ws.cell(1, c).value, dt.datetime))
    last = ws.max_column
    head = ws.cell(1, last).value
    new = dt.datetime(head.year + head.month // 12, head.month % 12 + 1, 1)
    ws.cell(1, last + 1, new)
    for r in range(2, ws.max_row + 1):
        ws.cell(r, last + 1, ws.cell(r, last).value)
    for client, month, value in restate:
        ws.cell(2 + client, first + month, value)
    for name, value in (("S&M", 9000.0), ("Gross margin", 0.77), ("Burn", 15000.0)):
        sheet = wb[name]
        row = sheet.max_row + 1
        sheet.cell(row, 1, new)
        sheet.cell(row, 2, value)
    wb.save(target)
    return target


SECTIONS = ("Settings that", "Client MRR", "Client attributes", "Metrics whose")


def changes_tab(path):
    """The headline of the Changes tab, and its rows by section: (cached values, values as written)."""
    values = openpyxl.load_workbook(path, data_only=True)[CHANGES]
    formulas = openpyxl.load_workbook(path)[CHANGES]
    sections, current, header = {}, None, False
    for row, frow in zip(
        values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), strict=True
    ):
        title = next((t for t in SECTIONS if isinstance(row[0], str) and row[0].startswith(t)), None)
        if title:
            current, header = title, True
            sections[current] = []
        elif header:
            header = False
        elif current and all(v is None for v in row):
            current = None
        elif current:
            sections[current].append((row, frow))
    return values.cell(5, 1).value, sections


def test_cycle_names_exactly_the_restated_clients_and_months(tmp_path, last_pack):
    before = read_inputs(last_pack)
    a, b = 3, 17  # client rows
    a_month = 10
    b_month = next(i for i in range(5, N_MONTHS - 1) if before.mrr[b, i] > 0)
    old_a, old_b = before.mrr[a, a_month], before.mrr[b, b_month]
    new_a, new_b = old_a + 250.0, 0.0
    edited = add_month(last_pack, tmp_path / "pack-next.xlsx", [(a, a_month, new_a), (b, b_month, new_b)])
    out = tmp_path / "pack-new.xlsx"
    result = CliRunner().invoke(
        main, ["build", str(edited), "-o", str(out), "--previous", str(last_pack), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "History restated since pack-last.xlsx" in result.output
    assert f"{before.client_ids[a]} {before.months[a_month]:%Y-%m}" in result.output

    headline, sections = changes_tab(out)
    assert headline.startswith("History restated since pack-last.xlsx")
    clients = sections["Client MRR"]
    listed = {(row[0], row[3].date()) for row, _ in clients}
    assert listed == {
        (before.client_ids[a], before.months[a_month]),
        (before.client_ids[b], before.months[b_month]),
    }
    by_id = {row[0]: (row, frow) for row, frow in clients}
    row, frow = by_id[before.client_ids[a]]
    assert row[4:7] == (old_a, new_a, 250.0)  # last pack (constant), this pack, difference
    assert frow[4] == old_a and str(frow[5]).startswith("=SUM(MRR!") and str(frow[6]).startswith("=IF(")
    row, _ = by_id[before.client_ids[b]]
    assert row[4:7] == (old_b, 0.0, -old_b)

    # Closing MRR of the total moves by exactly the restated amounts, in exactly those months.
    metrics = sections["Metrics whose"]
    closing = {r[3].date(): r for r, _ in metrics if r[0] == "Total" and r[2] == "mrr_closing"}
    assert set(closing) == {before.months[a_month], before.months[b_month]}
    assert closing[before.months[a_month]][6] == pytest.approx(250.0)
    assert closing[before.months[b_month]][6] == pytest.approx(-old_b)
    # Nothing before the earliest restated month can have changed.
    earliest = min(before.months[a_month], before.months[b_month])
    assert all(r[3].date() >= earliest for r, _ in metrics)
    # Every "this pack" value is a formula over this pack's named rows.
    assert all(str(f[5]).startswith("='") or str(f[5]).startswith("=") for _, f in metrics)
    assert "Settings that" not in sections


def test_cycle_without_restatement_names_nothing(tmp_path, last_pack):
    edited = add_month(last_pack, tmp_path / "pack-next.xlsx")
    out = tmp_path / "pack-new.xlsx"
    summary = build(edited, out, previous=last_pack)
    headline, sections = changes_tab(out)
    assert headline.startswith(f"No restatement: every number of the {N_MONTHS} months both packs cover")
    assert sections == {}
    ws = openpyxl.load_workbook(out)[CHANGES]
    assert ws.max_row == 5  # the one line, under the title block
    assert summary.changes_lines == [f"Changes since last pack: {headline}"]


def test_pack_rebuilt_from_another_folder_keeps_currency_and_company(tmp_path, last_pack):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    edited = add_month(last_pack, elsewhere / "march.xlsx")
    out = tmp_path / "april.xlsx"
    summary = build(edited, out)
    assert summary.company == "Acme Ltd"
    assert summary.results.settings.currency == "EUR"
    assert summary.results.settings.cac_window == 4
    assert "    currency             EUR  (the Settings tab of march.xlsx)" in summary.lines()
    assert "    cac_window           4  (the Settings tab of march.xlsx)" in summary.lines()
    cover = {r[0]: r for r in openpyxl.load_workbook(out)["Settings"].iter_rows(values_only=True) if r[0]}
    assert cover["company"][1] == "Acme Ltd" and cover["currency"][1] == "EUR"
    assert cover["currency"][3] == "the Settings tab of march.xlsx"
    # The new pack carries them on: a third month from yet another folder.
    again = build(add_month(out, tmp_path / "may-in.xlsx"), tmp_path / "may.xlsx")
    assert again.company == "Acme Ltd" and again.results.settings.currency == "EUR"


def test_settings_file_and_options_win_over_the_cover(tmp_path, last_pack):
    folder = tmp_path / "with-toml"
    folder.mkdir()
    edited = add_month(last_pack, folder / "march.xlsx")
    (folder / "workbook-gen.toml").write_text('currency = "GBP"\n', encoding="utf-8")
    summary = build(edited, tmp_path / "a.xlsx")
    assert summary.results.settings.currency == "GBP"
    assert "    currency             GBP  (workbook-gen.toml)" in summary.lines()
    summary = build(edited, tmp_path / "b.xlsx", {"currency": "CHF", "company": "Other"})
    assert summary.results.settings.currency == "CHF" and summary.company == "Other"
    assert "    company              Other  (option --company)" in summary.lines()


def test_changed_settings_are_listed(tmp_path, last_pack):
    edited = add_month(last_pack, tmp_path / "next.xlsx")
    out = tmp_path / "new.xlsx"
    summary = build(edited, out, {"currency": "USD"}, previous=last_pack)
    _, sections = changes_tab(out)
    rows = [r for r, _ in sections["Settings that"]]
    assert [(r[0], r[4], r[5]) for r in rows] == [("currency", "EUR", "USD")]
    assert "  setting currency: EUR -> USD" in summary.changes_lines
    assert summary.changes_lines[0].startswith("Changes since last pack: History unchanged")


def test_clients_that_disappear_or_appear_in_history(tmp_path, last_pack):
    before = read_inputs(last_pack)
    gone = next(r for r in range(N_CLIENTS) if before.mrr[r, :].any())
    edited = add_month(last_pack, tmp_path / "next.xlsx")
    wb = openpyxl.load_workbook(edited)
    ws = wb["MRR"]
    ws.cell(2 + gone, 1).value = "NEW-1"  # the same row under a new ID: one client leaves, one arrives
    wb.save(edited)
    out = tmp_path / "new.xlsx"
    summary = build(edited, out, previous=last_pack)
    _, sections = changes_tab(out)
    rows = [r for r, _ in sections["Client MRR"]]
    paid = int((before.mrr[gone] > 0).sum())
    assert sorted({(r[0], r[1]) for r in rows}) == [
        (before.client_ids[gone], "not in this pack"),
        ("NEW-1", "new in history"),
    ]
    assert len(rows) == 2 * paid
    assert any(
        line.startswith("  no longer in history: " + before.client_ids[gone])
        for line in summary.changes_lines
    )
    assert "  new in history: NEW-1" in summary.changes_lines


def test_previous_must_be_a_pack(tmp_path, source, last_pack):
    runner = CliRunner()
    out = tmp_path / "x.xlsx"
    not_a_pack = tmp_path / "inputs-copy.xlsx"
    shutil.copyfile(source, not_a_pack)
    result = runner.invoke(main, ["build", str(source), "-o", str(out), "--previous", str(not_a_pack)])
    assert result.exit_code == 1
    assert "inputs-copy.xlsx is not a workbook-gen pack" in result.output
    assert not out.exists()
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    result = runner.invoke(main, ["build", str(source), "-o", str(out), "--previous", str(junk)])
    assert result.exit_code == 1 and "not a spreadsheet" in result.output and "Traceback" not in result.output
    result = runner.invoke(
        main, ["build", str(source), "-o", str(out), "--previous", str(tmp_path / "no.xlsx")]
    )
    assert result.exit_code == 1 and "no such file" in result.output
    # A pack saved by a program that does not calculate has no values to compare with.
    resaved = tmp_path / "resaved.xlsx"
    openpyxl.load_workbook(last_pack).save(resaved)
    result = runner.invoke(main, ["build", str(source), "-o", str(out), "--previous", str(resaved)])
    assert result.exit_code == 1 and "carry no saved values" in result.output
    # Never written over last month's pack.
    result = runner.invoke(main, ["build", str(source), "-o", str(last_pack), "--previous", str(last_pack)])
    assert result.exit_code == 1 and "refusing to write over it" in result.output


def test_previous_pack_reads_its_own_numbers(last_pack):
    prev = read_previous_pack(last_pack)
    assert len(prev.months) == N_MONTHS
    assert prev.settings["currency"] == "EUR" and prev.settings["company"] == "Acme Ltd"
    data = read_inputs(last_pack)
    assert np.allclose(prev.series["mrr_closing"], data.mrr.sum(axis=0))
    assert np.isnan(prev.series["mrr_new"][0])  # month 1: undefined, read as undefined
    assert "arr__self_serve" in prev.series


def test_restated_segment_membership_is_listed(tmp_path, last_pack):
    before = read_inputs(last_pack)
    seg = list(before.attributes).index("Segment")
    moved = next(r for r in range(N_CLIENTS) if before.attributes["Segment"][r] == "Self-serve")
    edited = add_month(last_pack, tmp_path / "next.xlsx")
    wb = openpyxl.load_workbook(edited)
    wb["MRR"].cell(2 + moved, 2 + seg).value = "Assisted"
    wb.save(edited)
    out = tmp_path / "new.xlsx"
    build(edited, out, previous=last_pack)
    _, sections = changes_tab(out)
    assert [(r[0], r[1], r[4], r[5]) for r, _ in sections["Client attributes"]] == [
        (before.client_ids[moved], "Segment", "Self-serve", "Assisted")
    ]
    assert "Client MRR" not in sections
    scopes = {r[0] for r, _ in sections["Metrics whose"]}
    assert scopes <= {"Self-serve", "Assisted"} and scopes  # the total did not change


@pytest.mark.libreoffice
def test_changes_tab_recalculates_to_its_cached_values(engine, tmp_path, last_pack):
    """Each engine recalculating the new pack (cached values stripped) shows on the Changes tab exactly
    what it carries: this pack's values and the differences are live formulas with exact cached results."""
    import math

    before = read_inputs(last_pack)
    b = next(r for r in range(N_CLIENTS) if before.mrr[r, 12] > 0)
    edited = add_month(last_pack, tmp_path / "next.xlsx", [(2, 6, 999.5), (b, 12, 0.0)])
    out = tmp_path / "new.xlsx"
    build(edited, out, previous=last_pack)
    recalculated = engine.recalculate(out, tmp_path / "recalc")
    cached = openpyxl.load_workbook(out, data_only=True)[CHANGES]
    fresh = openpyxl.load_workbook(recalculated, data_only=True)[CHANGES]
    bad, numbers = [], 0
    for row in cached.iter_rows():
        for c in row:
            got = fresh[c.coordinate].value
            if isinstance(c.value, int | float) and not isinstance(c.value, bool):
                numbers += 1
                ok = isinstance(got, int | float) and math.isclose(c.value, got, rel_tol=1e-9, abs_tol=1e-6)
            else:
                ok = c.value == got or (isinstance(c.value, dt.datetime) and c.value == got)
            if not ok:
                bad.append(f"{c.coordinate}: cached {c.value!r}, recalculated {got!r}")
    assert bad[:20] == []
    assert numbers > 20


def test_an_explicit_split_travels_an_automatic_one_is_chosen_again(tmp_path, source):
    pack = tmp_path / "by-region.xlsx"
    build(source, pack, {"split": "Region"})
    other = tmp_path / "other"
    other.mkdir()
    summary = build(add_month(pack, other / "next.xlsx"), tmp_path / "next-pack.xlsx")
    assert summary.results.split == "Region"
    assert "    split                Region  (the Settings tab of next.xlsx)" in summary.lines()
    auto = tmp_path / "auto.xlsx"
    build(source, auto)
    cover = {r[0]: r for r in openpyxl.load_workbook(auto)["Settings"].iter_rows(values_only=True) if r[0]}
    assert cover["split"][1] == "Segment" and cover["split"][3].startswith("automatic: ")
    from workbook_gen.inputs.pack import read_pack_settings

    assert "split" not in read_pack_settings(auto)
    assert read_pack_settings(source) is None  # an input workbook is not a pack


def test_settings_of_a_pack_without_the_new_names_are_read_from_the_cover_rows(tmp_path, last_pack):
    """A pack of an earlier version has no setting_company / setting_currency / setting_split names and no
    source column: its "Settings used" rows are read by their labels."""
    from workbook_gen.inputs.pack import read_pack_settings

    old = tmp_path / "old-version.xlsx"
    wb = openpyxl.load_workbook(last_pack)
    for name in ("setting_company", "setting_currency", "setting_split"):
        del wb.defined_names[name]
    for row in wb["Settings"].iter_rows():
        if len(row) > 3:
            row[3].value = None
    wb.save(old)
    carried = read_pack_settings(old)
    assert carried["company"] == "Acme Ltd" and carried["currency"] == "EUR" and carried["cac_window"] == 4
    assert carried["split"] == "Segment"  # no record of how it was chosen: kept as it was


def test_previous_cannot_be_the_input_itself(tmp_path, last_pack):
    """Edited in place, last month's pack no longer holds last month's numbers: refused, with the routine."""
    edited = add_month(last_pack, tmp_path / "pack.xlsx")
    result = CliRunner().invoke(
        main, ["build", str(edited), "-o", str(tmp_path / "o.xlsx"), "--previous", str(edited)]
    )
    assert result.exit_code == 1
    assert "pack.xlsx is both INPUT and --previous: keep last month's pack untouched" in result.output
