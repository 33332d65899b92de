"""Hand-worked cases: every expected number is worked out here, not copied from the code."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from workbook_gen.metrics.arrays import Windows
from workbook_gen.metrics.cohorts import cohort_tables
from workbook_gen.metrics.monthly import monthly_series
from workbook_gen.metrics.periods import make_periods, period_view
from workbook_gen.model import month_range

NAN = math.nan


def series(mrr, sm=None, gm=None, burn=None, **windows):
    mrr = np.array(mrr, dtype=float)
    t = mrr.shape[1]
    sm = np.zeros(t) if sm is None else np.array(sm, dtype=float)
    gm = np.full(t, 0.8) if gm is None else np.array(gm, dtype=float)
    burn = np.zeros(t) if burn is None else np.array(burn, dtype=float)
    return monthly_series(mrr, sm, gm, burn, Windows(**windows))


def assert_series(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        if e is None or (isinstance(e, float) and math.isnan(e)):
            assert math.isnan(a), f"expected undefined, got {a} in {actual}"
        else:
            assert a == pytest.approx(e, rel=1e-12, abs=1e-12), f"{actual} != {expected}"


# Five clients, four months: every movement type once.
#   A 100 100 150 150  expansion in month 3
#   B 200 200 120   0  contraction in month 3, churn in month 4
#   C   0  50  50  50  new in month 2
#   D  80   0   0  90  churn in month 2, reactivation in month 4
#   E   0   0   0   0  never active
BRIDGE = [[100, 100, 150, 150], [200, 200, 120, 0], [0, 50, 50, 50], [80, 0, 0, 90], [0, 0, 0, 0]]


def test_bridge_movements_by_hand():
    s = series(BRIDGE)
    assert_series(s["mrr_opening"], [NAN, 380, 350, 320])
    assert_series(s["mrr_new"], [NAN, 50, 0, 0])
    assert_series(s["mrr_reactivation"], [NAN, 0, 0, 90])
    assert_series(s["mrr_expansion"], [NAN, 0, 50, 0])
    assert_series(s["mrr_contraction"], [NAN, 0, 80, 0])
    assert_series(s["mrr_churn"], [NAN, 80, 0, 120])
    assert_series(s["mrr_closing"], [380, 350, 320, 290])
    assert_series(s["mrr_net_new"], [NAN, -30, -30, -30])
    assert_series(s["arr"], [4560, 4200, 3840, 3480])
    assert_series(s["mrr_growth_mom"], [NAN, 350 / 380 - 1, 320 / 350 - 1, 290 / 320 - 1])


def test_client_counts_and_arpa_by_hand():
    s = series(BRIDGE)
    assert_series(s["clients_opening"], [NAN, 3, 3, 3])
    assert_series(s["clients_new"], [NAN, 1, 0, 0])
    assert_series(s["clients_reactivated"], [NAN, 0, 0, 1])
    assert_series(s["clients_churned"], [NAN, 1, 0, 1])
    assert_series(s["clients_expanded"], [NAN, 0, 1, 0])
    assert_series(s["clients_contracted"], [NAN, 0, 1, 0])
    assert_series(s["clients_closing"], [3, 3, 3, 3])
    assert_series(s["arpa"], [380 / 3, 350 / 3, 320 / 3, 290 / 3])
    assert_series(s["asp_new"], [NAN, 50, NAN, NAN])  # no new client: undefined, not 0
    assert_series(s["arpa_churned"], [NAN, 80, NAN, 120])
    assert_series(s["arpa_expanded"], [NAN, NAN, 150, NAN])
    assert_series(s["arpa_contracted"], [NAN, NAN, 120, NAN])


def test_ratios_by_hand():
    s = series(BRIDGE)
    assert_series(s["quick_ratio"], [NAN, 50 / 80, 50 / 80, 90 / 120])
    assert_series(s["quick_ratio_3m"], [NAN, NAN, NAN, (50 + 50 + 90) / (80 + 80 + 120)])
    assert_series(s["logo_churn_rate"], [NAN, 1 / 3, 0, 1 / 3])
    assert_series(s["gross_mrr_churn_rate"], [NAN, 80 / 380, 80 / 350, 120 / 320])
    assert_series(s["net_mrr_churn_rate"], [NAN, 80 / 380, 30 / 350, 30 / 320])


def test_published_asp_example():
    # 3 new clients at $100 and 7 at $50: ASP = (300 + 350) / 10 = $65.
    mrr = [[0, 100]] * 3 + [[0, 50]] * 7
    assert series(mrr)["asp_new"][1] == pytest.approx(65)


def test_published_arpa_example():
    # Clients paying $1, $1, $3, $5, $5: ARPA = 15 / 5 = $3.
    assert series([[1], [1], [3], [5], [5]])["arpa"][0] == pytest.approx(3)


def test_published_bridge_example():
    # Opens at 400, adds 22.0 new and 2.0 expansion, loses 8.4 to churn: closes at 415.6, 2.1 % gross churn.
    s = series([[391.6, 393.6], [8.4, 0], [0, 22.0]])
    assert s["mrr_opening"][1] == pytest.approx(400)
    assert s["mrr_closing"][1] == pytest.approx(415.6)
    assert s["gross_mrr_churn_rate"][1] == pytest.approx(0.021)


def test_ltv_seed_example():
    # $40k a year ARPA (40k/12 a month), 75 % gross margin, 10 % annual logo churn: LTV = $300k.
    # 120 clients; each month one leaves and one joins, so churn over 12 months = 12 / 1440 = 1/120 a month
    # (10 % a year) and lifetime = 120 months, which needs the cap raised above ten years.
    price = 40000 / 12
    months = 13
    base = np.full((120, months), price)
    for k in range(12):  # client k leaves in month k + 2
        base[k, k + 1 :] = 0
    joiners = np.zeros((12, months))
    for k in range(12):
        joiners[k, k + 1 :] = price
    mrr = np.vstack([base, joiners])
    s = series(mrr, gm=np.full(months, 0.75), lifetime_cap_months=200)
    assert s["clients_opening"][12] == 120
    assert s["lifetime_months"][12] == pytest.approx(120)
    assert s["ltv"][12] == pytest.approx(300_000)
    capped = series(mrr, gm=np.full(months, 0.75), lifetime_cap_months=60)
    assert capped["ltv"][12] == pytest.approx(price * 0.75 * 60)
    assert math.isnan(s["ltv"][11])  # the churn window reaches before month 2


def test_lifetime_without_churn_is_the_cap():
    s = series([[10] * 14], ltv_churn_window=12, lifetime_cap_months=60)
    assert s["lifetime_months"][13] == 60
    assert s["ltv"][13] == pytest.approx(10 * 0.8 * 60)


def test_cac_window_and_lag_by_hand():
    # New clients: month 2: 1, month 3: 2, month 4: 1, month 5: 3.
    mrr = [[0, 10, 10, 10, 10], [0, 0, 20, 20, 20], [0, 0, 30, 30, 30], [0, 0, 0, 40, 40]] + [
        [0, 0, 0, 0, 5]
    ] * 3
    sm = [10, 20, 30, 40, 50]
    gm = [0.5] * 5
    s = series(mrr, sm=sm, gm=gm, cac_window=3)
    # month 4: (20 + 30 + 40) / (1 + 2 + 1); month 3 needs month 1's new clients: undefined.
    assert_series(s["cac"], [NAN, NAN, NAN, 90 / 4, 120 / 6])
    asp4 = (10 + 50 + 40) / 4
    assert s["cac_payback_months"][3] == pytest.approx((90 / 4) / (asp4 * 0.5))
    lagged = series(mrr, sm=sm, gm=gm, cac_window=3, cac_lag=1)
    # month 5: spend of months 2..4 (20 + 30 + 40) over new clients of months 3..5 (2 + 1 + 3).
    assert_series(lagged["cac"], [NAN, NAN, NAN, 60 / 4, 90 / 6])
    short = series(mrr, sm=sm, gm=gm, cac_window=3, ltv_churn_window=1)
    # month 5: nobody churned, so lifetime is the 60-month cap; ARPA = 115 / 7 clients.
    assert short["ltv"][4] == pytest.approx(115 / 7 * 0.5 * 60)
    assert short["ltv_cac"][4] == pytest.approx(115 / 7 * 0.5 * 60 / 20)


def test_magic_number_burn_multiple_by_hand():
    closing = [100, 100, 100, 130, 150, 160]
    mrr = [closing]
    s = series(mrr, sm=[10, 20, 30, 0, 0, 0], burn=[5, 5, 5, 6, 7, 8])
    # magic number month 6: (12*160 - 12*100) / (10 + 20 + 30)
    assert_series(s["magic_number"], [NAN] * 5 + [12 * 60 / 60])
    # burn multiple month 4: (5 + 5 + 6) / (12*130 - 12*100); month 5: (5+6+7)/(12*150-12*100)
    assert s["burn_multiple"][3] == pytest.approx(16 / 360)
    assert s["burn_multiple"][4] == pytest.approx(18 / 600)
    flat = series([[100] * 5], burn=[1] * 5)
    assert math.isnan(flat["burn_multiple"][4])  # no ARR growth: n/m, never 0


def test_retention_12m_by_hand():
    # A 100 -> 150 (expands), B 100 -> 0 (churns), C joins in month 5 (not in the base).
    a = [100] * 12 + [150]
    b = [100] * 12 + [0]
    c = [0] * 4 + [70] * 9
    s = series([a, b, c])
    assert_series(s["nrr_12m"], [NAN] * 12 + [150 / 200])
    assert_series(s["grr_12m"], [NAN] * 12 + [100 / 200])
    assert_series(s["arr_growth_yoy"], [NAN] * 12 + [(150 + 70) / 200 - 1])


def test_ttm_and_rule_of_40_by_hand():
    closing = [100.0 + 10 * i for i in range(13)]
    burn = [20.0] * 13
    s = series([closing], burn=burn)
    rev = sum(closing[1:13])
    assert s["revenue_ttm"][12] == pytest.approx(rev)
    assert s["fcf_margin_ttm"][12] == pytest.approx(-240 / rev)
    assert s["rule_of_40"][12] == pytest.approx(220 / 100 - 1 - 240 / rev)
    assert math.isnan(s["rule_of_40"][11])


def test_churn_to_zero_then_back_is_reactivation_not_new():
    s = series([[50, 0, 0, 60]])
    assert_series(s["mrr_new"], [NAN, 0, 0, 0])
    assert_series(s["mrr_reactivation"], [NAN, 0, 0, 60])
    assert_series(s["clients_new"], [NAN, 0, 0, 0])


def test_undefined_is_never_zero_on_an_empty_base():
    s = series([[0, 0, 0]])
    for key in ("mrr_growth_mom", "arpa", "quick_ratio", "logo_churn_rate", "gross_mrr_churn_rate"):
        assert np.isnan(s[key]).all(), key


COHORT_MONTHS = month_range(dt.date(2024, 1, 1), 4)
#   A opening base: 10 10 10 10
#   B joins Feb:     0 20 20  0
#   C joins Feb:     0 30 40 40
COHORT_MRR = np.array([[10, 10, 10, 10], [0, 20, 20, 0], [0, 30, 40, 40]], dtype=float)


def test_monthly_cohorts_by_hand():
    periods = make_periods(COHORT_MONTHS, "month", 1)
    t = cohort_tables(COHORT_MRR, np.full(4, 0.5), np.array([100.0, 40, 60, 80]), periods, 0)
    assert list(t.size) == [1, 2, 0, 0]
    assert list(t.mrr[1, :3]) == [50, 60, 40]
    assert list(t.nrr[1, :3]) == pytest.approx([1.0, 1.2, 0.8])
    assert list(t.grr[1, :3]) == pytest.approx([1.0, 1.0, 0.6])  # min(20,20)+min(40,30); min(0,20)+min(40,30)
    assert list(t.logo_retention[1, :3]) == pytest.approx([1.0, 1.0, 0.5])
    assert list(t.cum_gp[1, :3]) == pytest.approx([25, 55, 75])
    assert math.isnan(t.cac[0])  # the opening base has no CAC
    assert t.cac[1] == 40
    assert t.payback_age[1] == 1  # 55 >= 40 at age 1
    assert np.isnan(t.mrr[2, 0]) and np.isnan(t.cac[2])  # a month with no new client keeps its row, undefined


def test_quarterly_cohorts_partial_period():
    periods = make_periods(COHORT_MONTHS, "quarter", 1)
    assert periods.labels == ("2024 Q1", "2024 Q2")
    assert list(periods.partial) == [False, True]
    t = cohort_tables(COHORT_MRR, np.full(4, 0.5), None, periods, 0)
    # the opening base (A) is its own row; 2024 Q1 holds only B and C, won in it after month 1
    assert t.labels == ("2024-01 (opening base)", "2024 Q1", "2024 Q2")
    assert list(t.size) == [1, 2, 0]
    # the base is measured like a Q1 cohort: age 0 at the end of Q1 (March), age 1 at April (partial)
    assert list(t.mrr[0, :2]) == [10, 10]
    assert list(t.mrr[1, :2]) == [20 + 40, 0 + 40]
    assert list(t.grr[1, :2]) == pytest.approx([1.0, (0 + 40) / 60])  # B fell from 20 to 0, C kept 40
    assert list(t.logo_retention[1, :2]) == pytest.approx([1.0, 0.5])
    # gross profit at 50 % from the quarter's first month: Feb 50, Mar 60 (age 0), Apr 40 (age 1)
    assert list(t.cum_gp[1, :2]) == pytest.approx([25 + 30, 25 + 30 + 20])
    assert list(t.cum_gp[0, :2]) == pytest.approx([15, 20])
    assert [t.ages(r) for r in range(3)] == [2, 2, 1] and not t.in_data(2, 1)
    assert t.cac is None


def test_quarterly_cohort_cac_from_month_2():
    """A quarter's cohort CAC is the spend of its months from month 2 on (month 1's spend acquired no
    one the data shows), lagged L months; the opening base has none."""
    periods = make_periods(COHORT_MONTHS, "quarter", 1)
    sm = np.array([100.0, 20, 40, 80])
    t = cohort_tables(COHORT_MRR, np.full(4, 0.5), sm, periods, 0)
    assert math.isnan(t.cac[0])
    assert t.cac[1] == 20 + 40  # February and March
    assert math.isnan(t.cac[2])  # no client won in Q2
    assert t.payback_age[1] == 1  # gross profit 55 at age 0, 75 at age 1 ≥ 60
    lagged = cohort_tables(COHORT_MRR, np.full(4, 0.5), sm, periods, 1)
    assert lagged.cac[1] == 100 + 20  # January and February
    assert math.isnan(lagged.payback_age[1])  # 75 < 120: not yet


def test_fiscal_year_start():
    months = month_range(dt.date(2024, 3, 1), 3)  # Mar, Apr, May 2024
    q = make_periods(months, "quarter", 4)
    assert q.labels == ("FY2024 Q4", "FY2025 Q1")
    y = make_periods(months, "year", 4)
    assert y.labels == ("FY2024", "FY2025")
    assert list(y.first) == [0, 1] and list(y.last) == [0, 2]


def test_period_view_flows_stocks_and_ratios():
    s = series(BRIDGE, sm=[10, 20, 30, 40])
    months = month_range(dt.date(2024, 1, 1), 4)
    q = period_view(s, make_periods(months, "quarter", 1), Windows(cac_lag=0))
    # Q1 = Jan..Mar: opening = Jan closing (month 1 is the opening balance), flows of Feb and Mar.
    assert q["mrr_opening"][0] == 380
    assert q["mrr_new"][0] == 50 and q["mrr_churn"][0] == 80 and q["mrr_expansion"][0] == 50
    assert q["mrr_closing"][0] == 320
    assert q["quick_ratio"][0] == pytest.approx(100 / 160)  # from the quarter's sums, not an average
    assert q["mrr_opening"][1] == 320 and q["mrr_closing"][1] == 290
    assert math.isnan(q["cac"][0])  # the first quarter holds month 1
    assert math.isnan(q["cac"][1])  # no new client in April
    assert q["sm_spend"][0] == 60


def test_period_unit_economics_by_hand():
    """Quarterly NRR, GRR, CAC payback, LTV, LTV:CAC, magic number, burn multiple, FCF margin and
    Rule of 40 per the period rule, on fifteen months (five quarters) worked out by hand:
      A 100 every month
      B new in month 4 at 200, expands to 300 in month 14
      C 50 in months 1-7, churns in month 8
      D new in month 13 at 40
    S&M 1000, gross margin 80 %, net burn 600 every month."""
    t = 15
    a = [100] * t
    b = [0] * 3 + [200] * 10 + [300] * 2
    c = [50] * 7 + [0] * 8
    d = [0] * 12 + [40] * 3
    s = series([a, b, c, d], sm=[1000] * t, gm=[0.8] * t, burn=[600] * t)
    q = period_view(s, make_periods(month_range(dt.date(2024, 1, 1), t), "quarter", 1), Windows(cac_lag=0))
    # Q5 = months 13-15: opening = closing of month 12 = 300, closing = 440, one new client (D, 40).
    assert q["mrr_opening"][4] == 300 and q["mrr_closing"][4] == 440
    # NRR/GRR at the quarter's last month: base = clients paying in month 3 (A 100, C 50); now A 100.
    assert q["nrr_12m"][4] == pytest.approx(100 / 150) and q["grr_12m"][4] == pytest.approx(100 / 150)
    assert_series(q["nrr_12m"][:4], [NAN] * 4)  # before month 13 there is no year to look back on
    assert q["arr_growth_yoy"][4] == pytest.approx(440 / 150 - 1)
    assert q["cac"][4] == 3000  # the quarter's S&M over its one new client
    assert q["cac_payback_months"][4] == pytest.approx(3000 / (40 * 0.8))
    assert q["lifetime_months"][4] == 60  # no churn in the quarter: the cap
    assert q["ltv"][4] == pytest.approx(440 / 3 * 0.8 * 60)
    assert q["ltv_cac"][4] == pytest.approx(440 / 3 * 0.8 * 60 / 3000)
    # Magic number: ARR added in the quarter over the S&M three months earlier (here the previous quarter).
    assert q["magic_number"][4] == pytest.approx((12 * 440 - 12 * 300) / 3000)
    assert q["magic_number"][1] == pytest.approx((12 * 350 - 12 * 150) / 3000)
    assert math.isnan(q["magic_number"][0])  # no previous quarter
    assert q["burn_multiple"][4] == pytest.approx(1800 / (12 * 440 - 12 * 300))
    revenue = (100 + 200 + 40) + (100 + 300 + 40) + 440
    assert q["revenue"][4] == revenue
    assert q["fcf_margin"][4] == pytest.approx(-1800 / revenue)
    assert q["rule_of_40"][4] == pytest.approx(440 / 150 - 1 - 1800 / revenue)
    # Q3 = months 7-9: C churns in month 8; opening clients 3 (m7) + 3 (m8) + 2 (m9) = 8 client-months,
    # churn 1/8 a month, lifetime 8 months; ARPA at month 9 = 300 / 2; no new client, so no CAC.
    assert q["lifetime_months"][2] == pytest.approx(8)
    assert q["ltv"][2] == pytest.approx(150 * 0.8 * 8)
    assert math.isnan(q["cac"][2]) and math.isnan(q["ltv_cac"][2]) and math.isnan(q["cac_payback_months"][2])
    assert math.isnan(q["burn_multiple"][2])  # ARR fell in Q3 (C churned): n/m


def test_average_cohort_by_hand():
    """Three quarterly cohorts: the opening base (no CAC), Q2 with 2 clients and CAC 600, Q3 with
    1 client and CAC 200. GP per client at age k sums the cohorts that reached age k."""
    from workbook_gen.metrics.cohort_economics import average_cohort

    size = np.array([5.0, 2.0, 1.0])
    cum_gp = np.array([[900.0, 1800.0, 2700.0], [100.0, 400.0, NAN], [50.0, NAN, NAN]])
    cac = np.array([NAN, 600.0, 200.0])
    avg = average_cohort(size, cum_gp, cac)
    assert avg.cac_per_client == pytest.approx((600 + 200) / (2 + 1))
    # age 0: (100 + 50) / 3 = 50; age 1: only Q2 reached it and earned 400 − 100 per client over its 2
    # clients: 50 + 150 = 200. The base never counts.
    assert_series(avg.gp_per_client, [(100 + 50) / 3, 50 + (400 - 100) / 2, NAN])
    assert math.isnan(average_cohort(size, cum_gp, None).cac_per_client)


def test_the_average_cohort_is_chained_so_it_does_not_jump_when_cohorts_drop_out():
    """Three cohorts with a CAC, 1 client each: the oldest (Q2) earns 500 a quarter, Q3 and Q4 earn 100.
    A ratio of the sums at each age would read 700 / 3, then (1000 + 200) / 2 = 600, then 1500 / 1 =
    1500: a line that more than doubles in its last quarter only because the weaker cohorts have no data
    there. Chained, each age adds what the cohorts that reached it earned in that age, per client."""
    from workbook_gen.metrics.cohort_economics import average_cohort

    size = np.array([9.0, 1.0, 1.0, 1.0])
    cum_gp = np.array(
        [
            [900.0, 1800.0, 2700.0],  # the opening base: no CAC, never counts
            [500.0, 1000.0, 1500.0],
            [100.0, 200.0, NAN],
            [100.0, NAN, NAN],
        ]
    )
    cac = np.array([NAN, 300.0, 300.0, 300.0])
    avg = average_cohort(size, cum_gp, cac)
    age0 = (500 + 100 + 100) / 3
    age1 = age0 + ((1000 - 500) + (200 - 100)) / 2  # Q2 and Q3 reached age 1
    age2 = age1 + (1500 - 1000) / 1  # only Q2 reached age 2
    assert_series(avg.gp_per_client, [age0, age1, age2])
    assert avg.gp_per_client[2] == pytest.approx(1033.333333, rel=1e-9)  # not 1500
    assert avg.cac_per_client == pytest.approx(300.0)


def test_magic_number_one_lag_in_every_view_by_hand():
    """The magic number lags spend three months in the monthly, quarterly and annual views alike, with
    S&M that differs every month (10 × the month number), so a different lag gives a different number.
    Client A pays 100 from month 1, B pays 10 × its month from month 4 on (one new client, then
    expansion every month): closing MRR in month t is 100 + 10t from month 4."""
    t = 27
    months = month_range(dt.date(2024, 1, 1), t)
    a = [100] * t
    b = [0] * 3 + [10 * m for m in range(4, t + 1)]
    sm = [10 * m for m in range(1, t + 1)]
    s = series([a, b], sm=sm, gm=[0.8] * t)
    closing = [100] * 3 + [100 + 10 * m for m in range(4, t + 1)]
    q = period_view(s, make_periods(months, "quarter", 1), Windows())
    y = period_view(s, make_periods(months, "year", 1), Windows())
    # Q2 (months 4-6): ARR added 12 × (160 − 100), spend of months 1-3 = 10 + 20 + 30.
    assert q["magic_number"][1] == pytest.approx(12 * (160 - 100) / 60)
    # Q5 (months 13-15): ARR added 12 × (250 − 220), spend of months 10-12 = 100 + 110 + 120.
    assert q["magic_number"][4] == pytest.approx(12 * (250 - 220) / 330)
    assert math.isnan(q["magic_number"][0])  # its spend would be months -2..0
    # 2025 (months 13-24): ARR added 12 × (340 − 220), spend of months 10-21 = 10 × (10 + … + 21) = 1860.
    assert y["magic_number"][1] == pytest.approx(12 * (340 - 220) / 1860)
    assert math.isnan(y["magic_number"][0])  # 2024's shifted months begin before the data
    # 2026 (months 25-27, partial): ARR added 12 × (370 − 340), spend of months 22-24 = 220 + 230 + 240.
    assert y["magic_number"][2] == pytest.approx(12 * (370 - 340) / 690)
    # A complete quarter's magic number is the monthly one at its last month (the same three months).
    for p in range(1, 9):
        end = 3 * p + 2
        assert q["magic_number"][p] == pytest.approx(s["magic_number"][end])
        expected = 12 * (closing[end] - closing[end - 3]) / sum(sm[end - 5 : end - 2])
        assert s["magic_number"][end] == pytest.approx(expected)
