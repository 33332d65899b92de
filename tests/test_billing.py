"""Billing data in (README, Billing data in; docs/definitions.md, Billing data): the rules on tiny
hand-worked cases, the columnar reader held to the same answers, the published peers' worked examples,
bad billing data, and the routes (billing folder, imported workbook) giving the same numbers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook_gen import build
from workbook_gen.cli import main
from workbook_gen.errors import InputError
from workbook_gen.inputs.billing import rules
from workbook_gen.inputs.billing.columnar import read_lines
from workbook_gen.inputs.read import read_folder, read_inputs
from workbook_gen.metrics.engine import compute
from workbook_gen.settings import Settings

D = dt.date


def month_text(m: dt.date) -> str:
    return f"{m:%Y-%m}"


def write_folder(folder: Path, name: str, text: str, months: list[str] | None = None) -> Path:
    """A billing folder: the billing file and, for ``months``, a monthly.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    if months:
        rows = "".join(f"{m},100,0.8,50\n" for m in months)
        (folder / "monthly.csv").write_text("month,sm_spend,gross_margin,net_burn\n" + rows, encoding="utf-8")
    return folder


def next_month(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    return f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    y, m = (int(x) for x in first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# --- the rules, one line at a time -------------------------------------------------------------


def test_month_end_attribution_counts_the_months_whose_last_day_the_period_covers():
    # start <= last day of M < end (end exclusive)
    assert [rules.month_of_number(n) for n in rules.months_covered(D(2024, 1, 1), D(2024, 2, 1))] == [
        D(2024, 1, 1)
    ]
    # Jan 15 -> Feb 15 covers Jan 31 only; Feb 29 is not before Feb 15.
    assert len(rules.months_covered(D(2024, 1, 15), D(2024, 2, 15))) == 1
    # a period inside one month covers no month end
    assert len(rules.months_covered(D(2024, 1, 3), D(2024, 1, 20))) == 0
    # Dec 31 -> Jan 31: covers Dec 31; Jan 31 is the end itself, excluded
    covered = rules.months_covered(D(2023, 12, 31), D(2024, 1, 31))
    assert [rules.month_of_number(n) for n in covered] == [D(2023, 12, 1)]
    # for first-of-month periods this is the dbt mrr-playbook's start <= month < end
    covered = rules.months_covered(D(2018, 11, 1), D(2019, 2, 1))
    assert [rules.month_of_number(n) for n in covered] == [D(2018, 11, 1), D(2018, 12, 1), D(2019, 1, 1)]


def test_normalisation_uses_calendar_months_for_same_day_and_month_end_periods_else_days():
    assert rules.period_months(D(2024, 1, 15), D(2024, 4, 15)) == 3
    assert rules.period_months(D(2024, 1, 31), D(2024, 2, 29)) == 1  # both last days
    assert rules.period_months(D(2023, 1, 31), D(2023, 2, 28)) == 1
    assert rules.period_months(D(2024, 1, 1), D(2025, 1, 1)) == 12
    # neither: days / (365.25 / 12); Jan 10 -> Feb 24 is 45 days
    assert rules.period_months(D(2024, 1, 10), D(2024, 2, 24)) == pytest.approx(45 / (365.25 / 12))
    # an annual invoice of 1,200 is 100 a month; a quarter of 90 is 30 (ChartMogul's examples)
    assert rules.invoice_line_mrr(1200, None, D(2024, 1, 1), D(2025, 1, 1)) == 100
    assert rules.invoice_line_mrr(90, None, D(2024, 1, 1), D(2024, 4, 1)) == 30
    # tax is not revenue: 120 charged with 20 tax over a month is 100
    assert rules.invoice_line_mrr(120, 20, D(2024, 1, 1), D(2024, 2, 1)) == 100


def test_inclusive_ends_move_one_day_on():
    end = rules.exclusive_end(D(2024, 1, 31), rules.INCLUSIVE)
    assert end == D(2024, 2, 1)
    assert rules.period_months(D(2024, 1, 1), end) == 1
    assert rules.exclusive_end(D(2024, 1, 31), rules.EXCLUSIVE) == D(2024, 1, 31)
    assert rules.looks_inclusive(D(2024, 1, 1), D(2024, 1, 31))
    assert not rules.looks_inclusive(D(2024, 1, 1), D(2024, 2, 1))
    assert not rules.looks_inclusive(D(2024, 1, 31), D(2024, 2, 29))  # month-end periods are not


def test_types_intervals_dates_amounts_and_the_floor():
    assert rules.line_type(None) == rules.line_type("") == rules.line_type(" Subscription ") == "subscription"
    assert rules.line_type("one_time") == rules.line_type("One-time") == "one_time"
    assert rules.line_type("setup fee") is None
    assert rules.interval_months(None) == rules.interval_months("") == 1
    assert rules.interval_months("month") == 1
    assert rules.interval_months("Quarter") == 3
    assert rules.interval_months("year") == 12
    assert rules.interval_months("6 months") == 6
    assert rules.interval_months("0 months") is None
    assert rules.interval_months("fortnight") is None
    assert rules.parse_date("2024-03-05") == D(2024, 3, 5)
    assert rules.parse_date("2024-03-05 13:45:00") == D(2024, 3, 5)  # Stripe's (UTC) stamps
    assert rules.parse_date("2024-03-05T13:45:00Z") == D(2024, 3, 5)
    assert rules.parse_date("05/03/2024") is None
    assert rules.parse_date("2024-3-5") is None
    assert rules.parse_date("2024-02-30") is None
    assert rules.parse_amount("-30") == -30
    assert rules.parse_amount("1e3") == 1000
    assert rules.parse_amount("1,200") is None  # thousands separators are refused, not guessed
    assert rules.parse_amount("nan") is None
    assert rules.floor_at_zero(-5.0) == (0.0, True)
    assert rules.floor_at_zero(5.0) == (5.0, False)


# --- the columnar reader gives the rules' answers -----------------------------------------------

dates = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 12, 31))
shapes = st.sampled_from(
    ["{d}", "{d} 00:00:00", "{d} 13:45:07", "{d}T08:00:00Z", " {d} ", "{d} 00:00:00 UTC"]
)
amount_texts = st.one_of(
    st.decimals(min_value=-5000, max_value=5000, places=2).map(str),
    st.sampled_from(["12", "+7.5", ".5", "1e2", "1,200", "abc", "nan", "", " 30 "]),
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            dates, st.integers(1, 800), shapes, shapes, amount_texts, st.sampled_from(["", "0", "2.5", "x"])
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from([rules.EXCLUSIVE, rules.INCLUSIVE]),
)
def test_columnar_reader_agrees_with_the_rules_line_by_line(tmp_path_factory, lines, period_end):
    """Every line's dates, amount, months and MRR as :mod:`rules` gives them one line at a time; a
    line the rules refuse is a problem naming that line."""
    text = "customer_id,service_period_start,service_period_end,amount,tax\n"
    for i, (start, days, s_shape, e_shape, amount, tax) in enumerate(lines):
        end = start + dt.timedelta(days=days)
        text += f'c{i},{s_shape.format(d=start)},{e_shape.format(d=end)},"{amount}",{tax}\n'
    path = tmp_path_factory.mktemp("prop") / "lines.csv"
    path.write_text(text, encoding="utf-8")
    got, problems = read_lines(path, period_end)
    bad_lines = set()
    for i, (start, days, s_shape, e_shape, amount, tax) in enumerate(lines):
        s = rules.parse_date(s_shape.format(d=start))
        e = rules.parse_date(e_shape.format(d=start + dt.timedelta(days=days)))
        a = rules.parse_amount(amount)
        t = rules.parse_amount(tax) if tax else 0.0
        if s is None or e is None or a is None or t is None or rules.exclusive_end(e, period_end) <= s:
            bad_lines.add(i + 2)
    reported = {int(p.split("line ")[1].split(",")[0]) for p in problems if "line " in p}
    assert reported == bad_lines
    if bad_lines:
        assert got is None
        return
    frame = got.frame
    for i, (start, days, s_shape, _e, amount, tax) in enumerate(lines):
        s = rules.parse_date(s_shape.format(d=start))
        e = rules.exclusive_end(start + dt.timedelta(days=days), period_end)
        expected = rules.invoice_line_mrr(
            rules.parse_amount(amount), rules.parse_amount(tax) if tax else 0, s, e
        )
        assert frame["mrr"][i] == pytest.approx(expected, rel=1e-12)
        assert frame["first"][i] == rules.month_number(s)
        assert frame["stop"][i] == rules.month_number(e)


# --- the published peers ------------------------------------------------------------------------

PEERS = Path(__file__).parent / "data" / "peers"


def dbt_periods() -> list[tuple[str, str, str, float]]:
    lines = (PEERS / "dbt_mrr_playbook_periods.txt").read_text(encoding="utf-8").splitlines()
    return [(c, s, e, float(a)) for c, s, e, a in (ln.split() for ln in lines if not ln.startswith("#"))]


def dbt_movements(periods, months: list[str]) -> dict[str, dict[str, list[float]]]:
    """models/mrr.sql over these periods, written out here in plain Python: per customer a month spine
    from its first start month up to (not including) its last end month, MRR = the amount of the
    period with start <= month < end, a churn row the month after the last active month, and each row
    classed new / churn / reactivation / upgrade / downgrade against the row before. Amounts are the
    MRR change (new and reactivation: the MRR; churn: minus the previous MRR). The spine starts at the
    data's first month rather than the playbook's fixed 2018-01, so both sides see the same months."""
    index = {m: i for i, m in enumerate(months)}
    amounts = {k: [0.0] * len(months) for k in ("new", "reactivation", "upgrade", "downgrade", "churn")}
    counts = {k: [0] * len(months) for k in amounts}
    by_customer: dict[str, list] = {}
    for c, s, e, a in periods:
        by_customer.setdefault(c, []).append((s, e, a))
    for spans in by_customer.values():
        spine = months_between(min(s for s, _e, _a in spans), max(e for _s, e, _a in spans))[:-1]
        mrr = {m: sum(a for s, e, a in spans if s <= m < e) for m in spine}
        active = [m for m in spine if mrr[m] > 0]
        rows = [(m, mrr[m]) for m in spine]
        rows.append((next_month(active[-1]), 0.0))
        prev_active, prev_mrr = False, 0.0
        for m, v in rows:
            is_active = v > 0
            change = v - prev_mrr
            if m == active[0]:
                kind = "new"
            elif not is_active and prev_active:
                kind = "churn"
            elif is_active and not prev_active:
                kind = "reactivation"
            elif change > 0:
                kind = "upgrade"
            elif change < 0:
                kind = "downgrade"
            else:
                kind = None
            if kind and m in index:
                amounts[kind][index[m]] += change
                counts[kind][index[m]] += 1
            prev_active, prev_mrr = is_active, v
    return {"amounts": amounts, "counts": counts}


def test_dbt_mrr_playbook_periods_give_exactly_its_movements(tmp_path):
    periods = dbt_periods()
    text = "subscription_id,customer_id,start_date,end_date,monthly_amount\n" + "".join(
        f"{i},{c},{s}-01,{e}-01,{a:g}\n" for i, (c, s, e, a) in enumerate(periods, start=1)
    )
    first, last = min(s for _c, s, _e, _a in periods), max(e for _c, _s, e, _a in periods)
    months = months_between(first, last)
    folder = write_folder(tmp_path / "dbt", "subscription_periods.csv", text, months)
    data = read_inputs(folder)
    assert [month_text(m) for m in data.months] == months
    assert len(data.client_ids) == len({c for c, *_ in periods})
    m = compute(data, Settings()).total.monthly
    want = dbt_movements(periods, months)
    a, n = want["amounts"], want["counts"]
    # month 1 is the opening balance here (the playbook calls its customers new): compare from month 2
    later = slice(1, None)
    assert np.array_equal(m["mrr_new"][later], np.array(a["new"][later]))
    assert np.array_equal(m["mrr_reactivation"][later], np.array(a["reactivation"][later]))
    assert np.array_equal(m["mrr_expansion"][later], np.array(a["upgrade"][later]))
    assert np.array_equal(m["mrr_contraction"][later], -np.array(a["downgrade"][later]))
    assert np.array_equal(m["mrr_churn"][later], -np.array(a["churn"][later]))
    assert np.array_equal(m["clients_new"][later], np.array(n["new"][later]))
    assert np.array_equal(m["clients_reactivated"][later], np.array(n["reactivation"][later]))
    assert np.array_equal(m["clients_churned"][later], np.array(n["churn"][later]))
    assert np.array_equal(m["clients_expanded"][later], np.array(n["upgrade"][later]))
    assert np.array_equal(m["clients_contracted"][later], np.array(n["downgrade"][later]))
    # every movement occurs in the data, so the comparison means something
    assert all(sum(v[later]) for v in n.values())


def test_flip_revenue_metrics_invoice_lines_give_its_published_recurring_revenue(tmp_path):
    """flipRevenueMetrics' test-recurringrevenue.R (Displayr/flipRevenueMetrics): four yearly invoice
    lines of 100 and its hand-computed annual recurring revenue; the facts re-typed (its code is GPL)."""
    text = (
        "customer_id,service_period_start,service_period_end,amount\n"
        "A,2016-01-01,2017-01-01,100\n"
        "A,2016-07-01,2017-01-01,100\n"
        "B,2016-08-01,2017-08-01,100\n"
        "C,2016-10-01,2017-11-01,100\n"
    )
    folder = write_folder(tmp_path / "flip", "invoices.csv", text, months_between("2016-01", "2017-12"))
    data = read_inputs(folder)
    arr = dict(
        zip((month_text(m) for m in data.months), compute(data, Settings()).total.monthly["arr"], strict=True)
    )
    published = {
        "2016-01": 100,
        "2016-06": 100,
        "2016-08": 100 + 100 * (12 / 6) + 100,
        "2017-01": 100 + 100 * 12 / 13,
    }
    for month, value in published.items():
        assert arr[month] == pytest.approx(value, rel=0.01), month
    # hand-worked: A's second line is 6 months (100 / 6 a month), C's is 13 months (100 / 13)
    assert arr["2016-10"] == pytest.approx(12 * (100 / 12 + 100 / 6 + 100 / 12 + 100 / 13))


def test_chartmogul_worked_examples(tmp_path):
    """ChartMogul's examples: a 3-month plan of 90 is 30 of MRR; an upgrade from 100 to 250 a month is
    +150 of expansion, in the month of the upgrade."""
    text = (
        "customer_id,start_date,end_date,amount,interval\n"
        "Q,2024-01-01,2024-04-01,90,quarter\n"
        "U,2024-01-01,2024-03-01,100,month\n"
        "U,2024-03-01,,250,month\n"
    )
    folder = write_folder(tmp_path / "cm", "subscriptions.csv", text, months_between("2024-01", "2024-04"))
    data = read_inputs(folder)
    assert data.client_ids == ("Q", "U")
    assert data.mrr.tolist() == [[30, 30, 30, 0], [100, 100, 250, 250]]
    m = compute(data, Settings()).total.monthly
    assert m["mrr_expansion"].tolist()[1:] == [0, 150, 0]
    assert m["mrr_churn"].tolist()[1:] == [0, 0, 30]


# --- bad billing data ---------------------------------------------------------------------------


def problems_of(folder: Path, **kw) -> list[str]:
    with pytest.raises(InputError) as exc:
        read_inputs(folder, Settings(**kw))
    return exc.value.problems


def test_every_bad_line_is_named_with_file_line_and_column_all_at_once(tmp_path):
    text = (
        "line_id,customer_id,service_period_start,service_period_end,amount,type,tax,currency\n"
        "L1,A,2024-01-01,2024-02-01,100,subscription,0,USD\n"  # line 2: fine
        "L2,,2024-01-01,2024-02-01,100,,,\n"  # 3: no client
        "L3,B,01/02/2024,2024-02-01,100,,,\n"  # 4: unparseable start
        "L4,C,2024-03-01,2024-02-01,100,,,\n"  # 5: end before start
        "L5,D,2024-01-01,2024-02-01,ten,,,\n"  # 6: amount not a number
        "L6,E,2024-01-01,2024-02-01,100,refund,,\n"  # 7: unknown type
        "L7,F,2024-01-01,2024-02-01,100,,x,\n"  # 8: tax not a number
        "L1,G,2024-01-01,2024-02-01,100,,,\n"  # 9: duplicated line_id
        "L9,H,2024-01-01,2024-02-01,100,,,EURO\n"  # 10: unknown currency
    )
    folder = write_folder(tmp_path / "bad", "lines.csv", text, months_between("2024-01", "2024-03"))
    problems = problems_of(folder)
    expected = [
        ("line 3, column customer_id", "no client"),
        ("line 4, column service_period_start", "'01/02/2024' is not a date"),
        ("line 5, column service_period_end", "before it starts"),
        ("line 6, column amount", "'ten' is not a number"),
        ("line 7, column type", "unknown type 'refund'"),
        ("line 8, column tax", "'x' is not a number"),
        ("line 2, column line_id", "'L1' appears on more than one line"),
        ("line 9, column line_id", "'L1' appears on more than one line"),
        ("line 10, column currency", "unknown currency 'EURO'"),
    ]
    for where, what in expected:
        assert any(p.startswith(f"lines.csv: {where}: ") and what in p for p in problems), (where, problems)
    assert len(problems) == len(expected)


def test_subscription_periods_refuse_unknown_intervals_and_negative_charges(tmp_path):
    text = (
        "customer_id,start_date,end_date,amount,interval\n"
        "A,2024-01-01,,100,fortnight\n"
        "B,2024-01-01,2024-03-01,-5,month\n"
        "C,2024-01-01,2024-03-01,2e12,month\n"
    )
    folder = write_folder(tmp_path / "bad", "subs.csv", text, months_between("2024-01", "2024-03"))
    problems = problems_of(folder)
    assert problems[0].startswith("subs.csv: line 4, column amount: '2e12' is implausibly large")
    assert any(p.startswith("subs.csv: line 3, column amount: negative amount '-5'") for p in problems)
    assert any(
        p.startswith("subs.csv: line 2, column interval: unknown interval 'fortnight'") for p in problems
    )
    assert len(problems) == 3


def test_a_file_wrong_on_every_line_is_summed_up_past_twenty(tmp_path):
    text = "customer_id,start_date,end_date,amount\n" + "".join(
        f"c{i},someday,2024-02-01,1\n" for i in range(50)
    )
    folder = write_folder(tmp_path / "bad", "subs.csv", text, ["2024-01"])
    problems = problems_of(folder)
    assert len(problems) == 21
    assert (
        problems[-1] == "subs.csv: column start_date: 30 more lines with the same problem (last at line 51)."
    )


def test_the_cli_refuses_bad_billing_data_with_exit_1_and_writes_nothing(tmp_path):
    text = "customer_id,service_period_start,service_period_end,amount\nA,2024-01-01,2023-12-01,100\n"
    folder = write_folder(tmp_path / "bad", "lines.csv", text, months_between("2024-01", "2024-02"))
    runner = CliRunner()
    for args in (
        ["build", str(folder), "-o", str(tmp_path / "out.xlsx")],
        ["import", str(folder), "-o", str(tmp_path / "in.xlsx")],
        ["validate", str(folder)],
        ["metrics", str(folder)],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert (
            "lines.csv: line 2, column service_period_end: the period ends (2023-12-01) before it starts"
            in result.output
        )
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]


def test_bom_quoted_fields_and_stripe_stamps_are_read(tmp_path):
    text = (
        "\ufeffCustomer ID,Service Period Start (UTC),Service Period End (UTC),Amount,Customer Name\n"
        '"A","2024-01-01 00:00:00","2024-02-01 00:00:00","120.00","Acme, Inc."\n'
        '"A","2024-02-01 00:00:00","2024-03-01 00:00:00","120.00","Acme, Inc."\n'
    )
    folder = write_folder(
        tmp_path / "stripe", "invoice_lines.csv", text, months_between("2024-01", "2024-02")
    )
    data = read_inputs(folder)
    assert data.mrr.tolist() == [[120.0, 120.0]]
    assert data.attributes == {"Customer Name": ["Acme, Inc."]}


def test_semicolons_and_other_encodings_are_refused_with_the_fix(tmp_path):
    folder = write_folder(
        tmp_path / "semi", "lines.csv", "customer_id;start_date;end_date;amount\n", ["2024-01"]
    )
    # a header separated by ';' is not recognised as billing data: the folder has none
    assert "missing mrr.csv" in problems_of(folder)[0]
    folder = tmp_path / "latin"
    write_folder(folder, "lines.csv", "", ["2024-01", "2024-02"])
    (folder / "lines.csv").write_bytes(
        "customer_id,start_date,end_date,amount,name\nA,2024-01-01,,10,Caf\xe9\n".encode("latin-1")
    )
    (problem,) = problems_of(folder)
    assert problem.startswith("lines.csv: not a readable CSV file (not UTF-8 text")


# --- the rules at work ------------------------------------------------------------------------


def test_one_time_lines_never_count_credit_notes_reduce_and_the_floor_warns(tmp_path):
    text = (
        "customer_id,service_period_start,service_period_end,amount,type,tax\n"
        "A,2024-01-01,2024-02-01,120,subscription,20\n"  # 100
        "A,2024-01-01,2024-02-01,500,one_time,\n"  # setup fee: never MRR
        "A,2024-02-01,2024-03-01,100,,\n"
        "A,2024-02-01,2024-03-01,-30,,\n"  # credit note: Feb is 70
        "B,2024-01-01,2024-02-01,50,,\n"
        "B,2024-02-01,2024-03-01,-80,,\n"  # a credit larger than the charge: Feb floored at 0
    )
    folder = write_folder(tmp_path / "rules", "lines.csv", text, months_between("2024-01", "2024-02"))
    data, billing = read_folder(folder)
    assert data.mrr.tolist() == [[100, 70], [50, 0]]
    assert any("'B' in 2024-02 (-80.00)" in w for w in data.warnings)
    s = billing.derived.summary
    assert s["one-time lines (excluded)"] == 1
    assert s["credit notes (negative subscription lines)"] == 2
    assert s["credit notes, total amount"] == -110
    assert s["client-months floored at zero"] == 1


def test_inclusive_files_are_read_with_the_setting_and_flagged_without_it(tmp_path):
    inclusive = (
        "customer_id,start_date,end_date,amount\n"
        "A,2024-01-01,2024-01-31,100\nA,2024-02-01,2024-02-29,100\nB,2024-01-01,2024-02-29,40\n"
    )
    exclusive = (
        "customer_id,start_date,end_date,amount\n"
        "A,2024-01-01,2024-02-01,100\nA,2024-02-01,2024-03-01,100\nB,2024-01-01,2024-03-01,40\n"
    )
    months = months_between("2024-01", "2024-03")
    a = read_inputs(
        write_folder(tmp_path / "inc", "s.csv", inclusive, months), Settings(period_end="inclusive")
    )
    b = read_inputs(write_folder(tmp_path / "exc", "s.csv", exclusive, months))
    assert a.mrr.tolist() == b.mrr.tolist() == [[100, 100, 0], [40, 40, 0]]
    assert not any("--period-end inclusive" in w for w in b.warnings)
    # read as exclusive, the same file loses the last day of each period: A's months end on the
    # periods' ends, so A covers no month end and has no MRR; B's Feb 29 is not covered
    c = read_inputs(tmp_path / "inc")
    assert c.client_ids == ("B",)
    assert c.mrr.tolist() == [[40, 0, 0]]
    assert any("end on the last day of a month" in w and "--period-end inclusive" in w for w in c.warnings)


def test_months_run_from_the_first_covered_month_to_monthly_csv_and_lines_outside_are_ignored(tmp_path):
    text = (
        "customer_id,start_date,end_date,amount\n"
        "A,2024-02-10,2024-02-20,10\n"  # covers no month end
        "A,2024-03-01,2024-09-01,10\n"  # runs past the last month: counted up to it
        "B,2024-08-01,2024-10-01,10\n"  # wholly after the last month
    )
    folder = write_folder(tmp_path / "span", "s.csv", text, months_between("2024-01", "2024-05"))
    data, billing = read_folder(folder)
    assert [month_text(m) for m in data.months] == months_between("2024-03", "2024-05")
    assert data.client_ids == ("A",)
    assert billing.derived.summary["lines outside the months (excluded)"] == 1
    assert billing.derived.summary["lines covering no month end (excluded)"] == 1
    assert any("outside the MRR months ignored" in w for w in data.warnings)  # monthly.csv's Jan, Feb
    assert any("1 line(s) outside the months 2024-03 to 2024-05 ignored" in w for w in data.warnings)


def test_attributes_are_carried_from_each_clients_latest_line(tmp_path):
    text = (
        "customer_id,start_date,end_date,amount,segment\n"
        "A,2024-01-01,2024-02-01,10,SMB\nA,2024-02-01,,20,Mid\nB,2024-01-01,,5,\n"
    )
    data = read_inputs(write_folder(tmp_path / "attr", "s.csv", text, months_between("2024-01", "2024-02")))
    assert data.attributes == {"segment": ["Mid", None]}


# --- the routes -----------------------------------------------------------------------------------


def test_build_on_the_billing_folder_and_on_the_imported_workbook_give_the_same_numbers(tmp_path):
    text = (
        "customer_id,service_period_start,service_period_end,amount,type,segment\n"
        + "".join(
            f"c{i},{m}-01,{next_month(m)}-01,{10 + i * (j % 3)},subscription,{'SMB' if i % 2 else 'Ent'}\n"
            for i in range(8)
            for j, m in enumerate(months_between("2024-01", "2024-06"))
            if (i + j) % 5
        )
        + "c1,2024-02-01,2025-02-01,1200,subscription,SMB\nc2,2024-03-01,2024-03-02,300,one_time,Ent\n"
    )
    folder = write_folder(tmp_path / "bill", "invoice_lines.csv", text, months_between("2024-01", "2024-06"))
    runner = CliRunner()
    imported = tmp_path / "inputs.xlsx"
    result = runner.invoke(main, ["import", str(folder), "-o", str(imported), "-q"])
    assert result.exit_code == 0, result.output
    direct = json.loads(build.metrics(folder))
    via = json.loads(build.metrics(imported))
    assert direct == via
    assert direct["scopes"]["total"]["monthly"]["mrr_closing"][-1] > 0
    recon = (tmp_path / "inputs-reconciliation.csv").read_text(encoding="utf-8").splitlines()
    assert recon[0] == "client_id,month,lines,amount,mrr"
    # c1 in 2024-02: its monthly line (10 + 1 * (1 % 3) = 11) and a twelfth of the annual 1,200
    assert "c1,2024-02,2,1211.0,111.0" in recon
    wb = openpyxl.load_workbook(imported, read_only=True)
    assert wb.sheetnames[:2] == ["Billing import", "MRR"]
    summary = {r[0]: r[1] for r in wb["Billing import"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Lines read"] == text.count("\n") - 1
    assert summary["One-time lines (excluded)"] == 1
    assert summary["Billing file"] == "invoice_lines.csv"


def test_import_without_monthly_csv_writes_blank_monthly_sheets(tmp_path):
    text = "customer_id,start_date,end_date,amount\n=HYPERLINK(1),2024-01-01,2024-04-01,10\n"
    folder = write_folder(tmp_path / "bill", "s.csv", text)
    out = tmp_path / "inputs.xlsx"
    result = CliRunner().invoke(main, ["import", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "blank: fill in S&M" in result.output
    wb = openpyxl.load_workbook(out)
    assert [c.value for c in wb["S&M"]["B"]][1:] == [None, None, None]
    assert wb["MRR"]["A2"].value == "=HYPERLINK(1)" and wb["MRR"]["A2"].data_type == "s"
    recon = (tmp_path / "inputs-reconciliation.csv").read_text(encoding="utf-8").splitlines()
    assert recon[1] == "'=HYPERLINK(1),2024-01,1,10.0,10.0"
    # build refuses the folder without monthly.csv, naming it
    result = CliRunner().invoke(main, ["build", str(folder), "-o", str(tmp_path / "pack.xlsx")])
    assert result.exit_code == 1 and "missing monthly.csv" in result.output
    # import never writes over an input: a CSV in the billing folder is one
    (folder / "old-reconciliation.csv").write_text("client_id,month\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(folder), "-o", str(folder / "old.xlsx")])
    assert result.exit_code == 1 and not (folder / "old.xlsx").exists()
    result = CliRunner().invoke(
        main, ["import", str(folder), "-o", str(tmp_path / "x.xlsx"), "--period-end", "both"]
    )
    assert result.exit_code == 2


def test_build_works_on_both_billing_formats(tmp_path):
    periods = (
        "customer_id,start_date,end_date,amount,interval\nA,2024-01-01,,300,quarter\nB,2024-02-01,,50,month\n"
    )
    lines = "customer_id,service_period_start,service_period_end,amount\nA,2024-01-01,2024-04-01,300\nB,2024-02-01,2024-04-01,100\n"
    months = months_between("2024-01", "2024-03")
    for name, text in (("periods.csv", periods), ("lines.csv", lines)):
        folder = write_folder(tmp_path / name, name, text, months)
        out = tmp_path / f"{name}.xlsx"
        result = CliRunner().invoke(main, ["build", str(folder), "-o", str(out), "-q"])
        assert result.exit_code == 0, result.output
        assert out.is_file()
        data = read_inputs(folder)
        assert data.mrr.tolist() == [[100, 100, 100], [0, 50, 50]]


# --- several currencies -------------------------------------------------------------------------

FX = "month,currency,rate\n2024-01,EUR,1.10\n2024-02,EUR,1.20\n2024-03,EUR,1.00\n2024-01,GBP,1.25\n2024-02,GBP,1.30\n2024-03,GBP,1.20\n"


def fx_folder(tmp_path: Path, lines: str, fx: str | None = FX) -> Path:
    folder = write_folder(tmp_path / "fx", "lines.csv", lines, months_between("2024-01", "2024-03"))
    if fx is not None:
        (folder / "fx.csv").write_text(fx, encoding="utf-8")
    return folder


def test_an_unchanged_euro_contract_moves_only_at_monthly_rates(tmp_path):
    """A EUR client paying 100 EUR every month: at each month's rate its MRR is 110, 120, 100 USD —
    expansion of 10 in February and contraction of 20 in March that are exchange moves; at the
    constant currency of January it is 110 every month and nothing moves."""
    lines = "customer_id,start_date,end_date,amount,currency\nE,2024-01-01,,100,EUR\nU,2024-01-01,,50,USD\n"
    folder = fx_folder(tmp_path, lines)
    monthly = read_inputs(folder)
    assert monthly.mrr.tolist() == [[110, 120, 100], [50, 50, 50]]
    m = compute(monthly, Settings()).total.monthly
    assert m["mrr_expansion"].tolist()[1:] == [10, 0]
    assert m["mrr_contraction"].tolist()[1:] == [0, 20]
    constant = read_inputs(folder, Settings(constant_currency=D(2024, 1, 1)))
    assert constant.mrr.tolist() == [[110, 110, 110], [50, 50, 50]]
    m = compute(constant, Settings(constant_currency=D(2024, 1, 1))).total.monthly
    for key in ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_reactivation"):
        assert m[key].tolist()[1:] == [0, 0], key


def test_a_missing_rate_names_currency_and_month_all_at_once(tmp_path):
    lines = (
        "customer_id,service_period_start,service_period_end,amount,currency\n"
        "E,2024-01-01,2024-04-01,300,EUR\nG,2024-02-01,2024-04-01,100,GBP\nC,2024-01-01,2024-02-01,10,CHF\n"
    )
    fx = "month,currency,rate\n2024-01,EUR,1.1\n2024-03,EUR,1.0\n2024-02,GBP,1.3\n"
    problems = problems_of(fx_folder(tmp_path, lines, fx))
    assert problems == [
        "fx.csv: no rate for CHF in 2024-01; add a line month,CHF,rate (USD per CHF) for each.",
        "fx.csv: no rate for EUR in 2024-02; add a line month,EUR,rate (USD per EUR) for each.",
        "fx.csv: no rate for GBP in 2024-03; add a line month,GBP,rate (USD per GBP) for each.",
    ]
    problems = problems_of(tmp_path / "fx", constant_currency=D(2024, 3, 1))
    assert problems == [
        "fx.csv: no rate for CHF in 2024-03 (the constant_currency month); add a line month,CHF,rate (USD per CHF) for each.",
        "fx.csv: no rate for GBP in 2024-03 (the constant_currency month); add a line month,GBP,rate (USD per GBP) for each.",
    ]


def test_currencies_without_fx_csv_and_a_bad_fx_csv_are_refused(tmp_path):
    lines = "customer_id,start_date,end_date,amount,currency\nE,2024-01-01,,100,EUR\nU,2024-01-01,,50,\n"
    (problem,) = problems_of(fx_folder(tmp_path / "a", lines, None))
    assert "lines in EUR need exchange rates" in problem and "fx.csv" in problem
    bad = "month,currency,rate\n2024-13,EUR,1.1\n2024-01,EURO,1\n2024-02,EUR,-1\n2024-03,EUR,1\n2024-03,EUR,1.2\n"
    problems = problems_of(fx_folder(tmp_path / "b", lines + "X,someday,,5,EUR\n", bad))
    assert problems == [
        "fx.csv: line 2, column month: '2024-13' is not a month.",
        "fx.csv: line 3, column currency: unknown currency 'EURO' (expected a three-letter code such as EUR).",
        "fx.csv: line 4, column rate: '-1' is not a positive number (units of the reporting currency per unit).",
        "fx.csv: line 6, column month: a second rate for EUR in 2024-03 (first at line 5).",
        "lines.csv: line 4, column start_date: 'someday' is not a date (expected YYYY-MM-DD or YYYY-MM-DD "
        "HH:MM:SS).",
    ]


def test_a_file_mixing_currencies_converts_each_line_at_its_own_rate(tmp_path):
    """One client billed in EUR and GBP, one in USD and one with no currency (the reporting currency);
    the reporting currency EUR makes EUR lines need no rate."""
    lines = (
        "customer_id,service_period_start,service_period_end,amount,currency\n"
        "M,2024-01-01,2024-04-01,300,EUR\n"  # 100 EUR a month
        "M,2024-02-01,2024-03-01,40,GBP\n"
        "U,2024-01-01,2024-04-01,90,USD\n"
        "N,2024-01-01,2024-04-01,30,\n"
    )
    folder = fx_folder(tmp_path, lines)
    data, billing = read_folder(folder)
    assert data.mrr.tolist() == [[110, 120 + 52, 100], [30, 30, 30], [10, 10, 10]]
    recon = billing.derived.cells
    feb = recon.filter((recon["row"] == 0) & (recon["month"] == 1)).sort("currency")
    assert feb["currency"].to_list() == ["EUR", "GBP"]
    assert feb["rate"].to_list() == [1.2, 1.3]
    assert feb["mrr_native"].to_list() == [100, 40]
    assert feb["mrr"].to_list() == [120, 52]
    eur = tmp_path / "eur"
    write_folder(
        eur,
        "lines.csv",
        "customer_id,start_date,end_date,amount,currency\nE,2024-01-01,,100,EUR\n",
        ["2024-01", "2024-02"],
    )
    (eur / "fx.csv").write_text("month,currency,rate\n", encoding="utf-8")
    assert read_inputs(eur, Settings(currency="EUR")).mrr.tolist() == [[100, 100]]


def test_a_three_currency_folder_builds_at_monthly_rates_and_at_constant_currency(tmp_path):
    lines = "customer_id,start_date,end_date,amount,currency,segment\n" + "".join(
        f"c{i},2024-01-01,,{50 + 10 * i},{('USD', 'EUR', 'GBP')[i % 3]},{'SMB' if i % 2 else 'Ent'}\n"
        for i in range(9)
    )
    folder = fx_folder(tmp_path, lines)
    runner = CliRunner()
    out = tmp_path / "monthly.xlsx"
    result = runner.invoke(main, ["build", str(folder), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    cover = [r for r in openpyxl.load_workbook(out, read_only=True)["Settings"].iter_rows(values_only=True)]
    assert any(
        r[0] == "constant_currency" and r[1] == "none: each month at its own rates (fx.csv)" for r in cover
    )
    out = tmp_path / "constant.xlsx"
    result = runner.invoke(
        main, ["build", str(folder), "-o", str(out), "-q", "--constant-currency", "2024-02"]
    )
    assert result.exit_code == 0, result.output
    cover = [r for r in openpyxl.load_workbook(out, read_only=True)["Settings"].iter_rows(values_only=True)]
    assert any(r[0] == "constant_currency" and r[1] == "2024-02" for r in cover)
    m = json.loads(build.metrics(folder, overrides={"constant_currency": "2024-02"}))["scopes"]["total"][
        "monthly"
    ]
    for key in ("mrr_new", "mrr_expansion", "mrr_contraction", "mrr_churn", "mrr_reactivation"):
        assert m[key][1:] == [0, 0], key
    m = json.loads(build.metrics(folder))["scopes"]["total"]["monthly"]
    assert m["mrr_expansion"][1] > 0 and m["mrr_contraction"][2] > 0
    result = runner.invoke(main, ["validate", str(folder), "--constant-currency", "2024-02"])
    assert result.exit_code == 0, result.output
    assert "billing file     lines.csv (period ends exclusive)" in result.output
    assert (
        "exchange rates   fx.csv, every month at 2024-02's rates (constant currency), into USD"
        in result.output
    )


def test_the_imported_workbook_and_reconciliation_show_currency_and_rate(tmp_path):
    lines = "customer_id,start_date,end_date,amount,currency\nE,2024-01-01,,100,EUR\nU,2024-01-01,,50,\n"
    folder = fx_folder(tmp_path, lines)
    out = tmp_path / "inputs.xlsx"
    result = CliRunner().invoke(main, ["import", str(folder), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    recon = (tmp_path / "inputs-reconciliation.csv").read_text(encoding="utf-8").splitlines()
    assert recon[0] == "client_id,month,currency,lines,amount,mrr_native,rate,mrr"
    assert "E,2024-02,EUR,1,100.0,100.0,1.2,120.0" in recon
    assert "U,2024-02,USD,1,50.0,50.0,1.0,50.0" in recon
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["FX rates"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Client ID", "Currency")
    assert rows[1][:2] == ("E", "EUR") and rows[2][:2] == ("U", "USD")
    assert rows[0][3:6] == ("Month", "EUR", "USD")
    assert [r[4] for r in rows[1:4]] == [1.1, 1.2, 1.0]
    assert json.loads(build.metrics(folder)) == json.loads(build.metrics(out))


def test_a_billing_folder_reads_commentary_and_plan_beside_it(tmp_path):
    text = "customer_id,start_date,end_date,amount\nA,2024-01-01,,100\nB,2024-02-01,,50\n"
    folder = write_folder(tmp_path / "bill", "s.csv", text, months_between("2024-01", "2024-03"))
    (folder / "commentary.csv").write_text("month,commentary\n2024-03,=A strong quarter\n", encoding="utf-8")
    (folder / "plan.csv").write_text("month,metric,value\n2024-03,arr,2000\n", encoding="utf-8")
    data = read_inputs(folder)
    assert data.commentary == ((D(2024, 3, 1), "=A strong quarter"),)
    assert data.plan is not None
    assert {"s.csv", "monthly.csv", "commentary.csv", "plan.csv"} <= set(data.checksums)


def test_the_csv_size_limit_does_not_apply_to_the_billing_file(tmp_path, monkeypatch):
    """mrr.csv and monthly.csv stop at 1 GiB; a billing file of 12 million lines is larger and is read
    (here: a limit of 8 KiB, a billing file of about 60 KiB)."""
    import workbook_gen.inputs.read as read_module

    text = "customer_id,service_period_start,service_period_end,amount\n" + "".join(
        f"client-{i:05d},2024-0{m}-01,2024-0{m + 1}-01,{10 + i % 7}\n" for i in range(800) for m in (1, 2)
    )
    folder = write_folder(tmp_path / "big", "lines.csv", text, months_between("2024-01", "2024-02"))
    monkeypatch.setattr(read_module, "MAX_CSV_BYTES", 8 * 1024)
    assert (folder / "lines.csv").stat().st_size > 8 * 1024 > (folder / "monthly.csv").stat().st_size
    data = read_inputs(folder)
    assert data.n_clients == 800 and data.mrr[:, 1].sum() == sum(10 + i % 7 for i in range(800))
