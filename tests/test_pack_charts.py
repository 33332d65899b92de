"""Charts that tell the truth at a glance (SPEC §6), checked in the workbook's chart XML."""

from __future__ import annotations

import html
import itertools
import math
import re
import zipfile

import numpy as np
import pytest

from workbook_gen.workbook import charts
from workbook_gen.workbook.charts import STATUS_COLOURS, typical_top
from workbook_gen.workbook.tabs.dashboard import DASHBOARD_CHARTS


def test_an_outlier_does_not_set_the_scale():
    # Eight quarters of a burn multiple around 1 and one quarter at 13: the axis follows the typical
    # values. Quartiles of the nine values: 1.0 and 1.4 (IQR 0.4, fence 1.4 + 3 × 0.4 = 2.6); 13 is far
    # out; the largest other value is 1.5, × 1.15 = 1.725, rounded up to the next 1 / 2 / 2.5 / 5 step: 2.
    values = [1.2, 1.5, 1.1, 1.3, 13.0, 1.4, 0.9, 1.0, 1.0]
    assert typical_top(values) == 2.0
    labels = charts.clipped_labels(np.array(values), 2.0, "0.0")["custom"]
    assert [x.get("value") for x in labels] == [None, None, None, None, "13.0 ↑", None, None, None, None]
    assert all(x.get("delete") for i, x in enumerate(labels) if i != 4)
    # Spread values, no outlier: the axis is the spreadsheet's own.
    assert typical_top([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) is None
    assert typical_top([np.nan, 1.0, 1.0]) is None  # too few to tell
    # A quick ratio of 69 among values near 3 (the example's 2022 Q1).
    assert typical_top([69.0, 3.1, 2.8, 3.5, 2.9, 4.2, 3.0, 3.3]) == 5.0


def test_large_currency_axes_read_in_k_or_m(example_workbook):
    class B:  # just what money_format reads
        class settings:  # noqa: N801
            currency_symbol = "$"

        class fmt:  # noqa: N801
            number_formats = {"chart_currency": '"$"#,##0;-"$"#,##0'}

    assert charts.money_format(B, 4_500_000) == '"$"#,##0.0,,"m";-"$"#,##0.0,,"m"'
    assert charts.money_format(B, 250_000) == '"$"#,##0,"k";-"$"#,##0,"k"'
    assert charts.money_format(B, 9_000) == '"$"#,##0;-"$"#,##0'
    with zipfile.ZipFile(example_workbook) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert ",,&quot;m&quot;" in xml or ',,"m"' in xml


def _lab(hex_colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour "#RRGGBB"."""
    h = hex_colour.lstrip("#")
    rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _delta_e(a: str, b: str) -> float:
    """CIE76 colour difference: about 2 is just noticeable; 20 and more is told apart at a glance."""
    return math.dist(_lab(a), _lab(b))


HUES = {"red": 30, "yellow": 90, "green": 140, "teal": 210, "blue": 265, "purple": 310, "pink": 350}


def _hue(hex_colour: str) -> str:
    """The colour's family: 'neutral' (a grey) or the nearest of HUES by hue angle."""
    _, a, b = _lab(hex_colour)
    if math.hypot(a, b) < 12:
        return "neutral"
    angle = math.degrees(math.atan2(b, a)) % 360
    return min(HUES, key=lambda name: min(abs(angle - HUES[name]), 360 - abs(angle - HUES[name])))


def test_colour_measures_by_hand():
    assert _delta_e("#FFFFFF", "#FFFFFF") == 0
    assert round(_lab("#FFFFFF")[0]) == 100 and round(_lab("#000000")[0]) == 0
    assert _hue("#7F7F7F") == "neutral"
    # the bridge's old reactivation and churn: a dark and a light purple, the same family
    assert _hue("#7030A0") == _hue("#B4A7D6") == "purple"
    assert _hue("#2E75B6") == _hue("#9DC3E6") == "blue" and _hue("#1B9AAA") == "teal"
    assert _delta_e("#1F3864", "#264478") < 20 < _delta_e("#1F3864", "#2E75B6")


def _drawn_series(xml: str) -> list[tuple[str, str, str]]:
    """(mark: bar or line, colour, dash) of each visible series of a chart's XML."""
    out = []
    for kind, group in re.findall(r"<c:(barChart|lineChart)>(.*?)</c:\1>", xml, re.S):
        for ser in re.findall(r"<c:ser>(.*?)</c:ser>", group, re.S):
            sp = re.search(r"<c:spPr>(.*?)</c:spPr>", ser, re.S)
            colour = sp and re.search(r'srgbClr val="([0-9A-Fa-f]{6})"', sp[1])
            if not colour:  # no fill (the waterfall's invisible base)
                continue
            dash = re.search(r'prstDash val="(\w+)"', sp[1])
            out.append((kind, "#" + colour[1].upper(), dash[1] if dash else "solid"))
    return out


def _check_series_colours(workbook) -> int:
    status = [c.upper() for c in STATUS_COLOURS]
    checked = 0
    for name, xml in _charts_xml(workbook).items():
        drawn = _drawn_series(xml)
        for _, colour, _ in drawn:
            near = [s for s in status if _delta_e(colour, s) < 20]
            assert not near, (name, colour, near)
        for (k1, c1, d1), (k2, c2, d2) in itertools.combinations(drawn, 2):
            if c1 == c2 and d1 != d2:
                continue  # a line and its dashed companion (a cohort's curve and its CAC): one colour
            assert _delta_e(c1, c2) >= 20, (name, c1, c2)
            if k1 == k2 == "barChart" and "neutral" not in (_hue(c1), _hue(c2)):
                assert _hue(c1) != _hue(c2), (name, c1, c2)  # columns side by side or stacked
        checked += len(drawn)
    return checked


def test_every_series_of_a_chart_has_its_own_colour_and_none_a_status_colour(
    example_workbook, segmented_workbook
):
    """In every chart the example and the segmented company write: no series within ΔE 20 of a status
    colour (the KPI fills and fonts of formats.py, the cohort heat maps' scale, the spreadsheets'
    own greens, ambers and reds); two series of one chart are at least ΔE 20 apart (a cohort's
    dashed CAC line shares its curve's colour on purpose), and columns in one chart differ in hue
    (the MRR bridge drew reactivation and churn in two purples)."""
    assert _check_series_colours(example_workbook) > 100
    assert _check_series_colours(segmented_workbook[0]) > 20
    # the bridge's movements and its closing line
    colours = [c for *_, c in charts.MOVEMENT_SERIES] + [charts.PALETTE_DARK]
    assert len({_hue(c) for c in colours[:3]}) == 3
    assert all(_delta_e(a, b) >= 20 for a, b in itertools.combinations(colours, 2))


def test_no_two_dashboard_charts_show_the_same_thing():
    assert len(set(DASHBOARD_CHARTS)) == len(DASHBOARD_CHARTS)
    # The MRR movements are drawn by the bridge chart and the quick-ratio chart alike: one of them only.
    assert not {"bridge", "quick_ratio"} <= set(DASHBOARD_CHARTS)


def test_a_chart_beside_a_monthly_table_covers_the_printed_months(example_workbook):
    """The monthly tabs print the latest twelve months; their charts draw those months, no more."""
    import warnings

    import openpyxl
    from openpyxl.utils import range_boundaries

    from workbook_gen.workbook.printing import PRINT_MONTHS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)
    checked = 0
    for title in ("MRR bridge", "Retention", "Unit economics", "Assisted", "Self-serve"):
        ws = wb[title]
        c1, _, _, _ = range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))
        for chart in ws._charts:
            for series in chart.series:
                ref = (series.cat.numRef or series.cat.strRef).f
                a, _, b, _ = range_boundaries(ref.split("!")[-1].replace("$", ""))
                assert b - a + 1 <= PRINT_MONTHS, (title, ref)
                checked += 1
    assert checked > 10
    wb.close()


def test_arr_waterfall_columns_by_hand():
    """Opening ARR 100, new 10, reactivation 5, expansion 20, contraction 8, churn 12, closing 115
    (100 + 10 + 5 + 20 − 8 − 12): each gain rises from the running total, each loss falls to it."""
    from workbook_gen.workbook.tabs.waterfall import levels

    base, rise, fall = levels(np.array([100.0, 10, 5, 20, 8, 12, 115]))
    assert base == [0, 100, 110, 115, 127, 115, 0]
    assert rise == [100, 10, 5, 20, 0, 0, 115]
    assert fall == [0, 0, 0, 0, 8, 12, 0]
    # the last loss ends where the closing column stands
    assert base[-2] == rise[-1]


def test_arr_waterfall_axis_starts_at_zero_unless_the_movements_would_be_slivers():
    from workbook_gen.workbook.tabs.waterfall import axis_floor, levels

    # Movements of 10-20 % of ARR: a zero-based axis shows them.
    values = np.array([100.0, 20, 0, 5, 3, 2, 120])
    assert axis_floor(values, levels(values)[0], 125.0) == 0.0
    # ARR near 4m with movements under 10 % of it: the axis starts a round step below the
    # lowest level the columns reach (3.9m), at 2m: the step is 4.26m / 5 rounded up to 1m.
    values = np.array([3.9e6, 2e5, 1e4, 1.5e5, 5e4, 1e5, 4.11e6])
    base, rise, _ = levels(values)
    assert axis_floor(values, base, 4.26e6) == 2e6


def _charts_xml(workbook) -> dict[str, str]:
    with zipfile.ZipFile(workbook) as z:
        return {n: z.read(n).decode() for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)}


def test_one_outlier_rule_for_every_ratio_chart_by_hand():
    """A quick ratio of 9.0 among quarters of 2.1-4.8: quartiles 2.625 and 3.8775 (IQR 1.2525), fence
    3.8775 + 3 × 1.2525 = 7.635, twice the upper quartile 7.755: 9.0 is far out. The largest typical
    value is 4.8, × 1.15 = 5.52, up to the next round top (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10): 6."""
    values = np.array([9.0, 3.56, 2.9, 2.62, 4.8, 2.1, 2.63, 3.04])
    assert charts.clip_top(values) == 6.0
    assert charts.clip_top(values[:4], values[4:]) == 6.0  # over every series drawn on the axis
    # a column beyond the axis is labelled with its true value; the others carry no label
    custom = charts.clip_labels(values, 6.0, "0.0")["data_labels"]["custom"]
    assert custom[0]["value"] == "9.0 ↑" and all(c.get("delete") for c in custom[1:])
    # a line leaves the plot at the top edge, where no spreadsheet draws its label: the legend says it
    quarters = ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert charts.clip_name("Quick ratio", values, 6.0, "0.0", quarters) == "Quick ratio, 2024 Q1 9.0 ↑"
    assert charts.clip_name("NRR", [2.5, 1.0], 2.0, "0%", ["Jan 25", "Feb 25"]) == "NRR, Jan 25 250% ↑"
    # A young company's three quarters: 69.2, 8.1, 9.0. One outlier among three drags the upper
    # quartile along (fence 130), but it is more than 5 times the median (9.0): far out; top 9.0 × 1.15
    # = 10.35, up to 12.
    assert charts.clip_top([69.2, 8.1, 9.0]) == 12.0
    # A young company's monthly 3-month quick ratios (Apr-Oct 2022): 83.5 is more than 5 times the
    # median (13.6); 65.2 is not, and alone it would end the axis at 80 (65.2 × 1.15 = 75, up to 80),
    # no gain on 83.5, so Jun-Oct (7-24) drew flat. The rule looks again at the six left: sorted 7.2,
    # 7.3, 11.6, 13.6, 24.3, 65.2, quartiles 8.375 and 21.625 (IQR 13.25), fence 21.625 + 39.75 =
    # 61.375: 65.2 is far out too (two of seven, within a third). Top 24.3 × 1.15 = 27.9, up to 30.
    assert charts.clip_top([83.5, 65.2, 11.6, 7.2, 7.3, 13.6, 24.3]) == 30.0
    # never more than a third of the points: with 60.0 beside them, the third look (60 against 5 times
    # the median 11.6 of 60, 11.6, 7.2, 7.3, 13.6) would make three of seven; it stops at two, and 60
    # holds the axis at 80 (60 × 1.15 = 69): no gain on 83.5, no clipping.
    assert charts.clip_top([83.5, 65.2, 60.0, 11.6, 7.2, 7.3, 13.6]) is None
    # no outlier: no bound, no label, the name as it is
    typical = values[1:]
    assert charts.clip_top(typical) is None
    assert charts.clip_labels(typical, None, "0.0") == {}
    assert charts.clip_name("Quick ratio", typical, None, "0.0", quarters[1:]) == "Quick ratio"


def test_side_by_side_clipped_columns_label_up_their_columns():
    """Burn multiples of 1.26 and 1.33 in adjacent months above an axis at 1.0 (the four-segment
    company's Nov and Dec 2024): two labels "1.3 ↑" side by side are wider than two columns of a
    two-year chart and printed over each other. Then each label turns a quarter, runs up its column in
    white, and its arrow, turned with it, is "→" (which points up on the page). A lone clipped
    column keeps the flat label."""
    values = np.array([0.45, 0.71, 1.26, 1.33, 0.28, 1.9, 0.3])
    custom = charts.clipped_labels(values, 1.0, "0.0")["custom"]
    assert [c.get("value") for c in custom] == [None, None, "1.3 →", "1.3 →", None, "1.9 →", None]
    assert all(
        c["font"]["rotation"] == -90 and c["font"]["color"] == "#FFFFFF" for c in custom if "value" in c
    )
    lone = charts.clipped_labels(np.array([0.45, 1.26, 0.71, 1.33]), 1.0, "0.0")["custom"]
    assert [c.get("value") for c in lone] == [None, "1.3 ↑", None, "1.3 ↑"]
    assert all("rotation" not in c["font"] for c in lone if "value" in c)


def _axis_tops(xml: str) -> dict[str, float]:
    """The top of each value axis that has one, by axis id."""
    tops = {}
    for ax, scaling in re.findall(r'<c:valAx><c:axId val="(\d+)"/><c:scaling>(.*?)</c:scaling>', xml):
        top = re.search(r'<c:max val="([-0-9.eE]+)"/>', scaling)
        if top:
            tops[ax] = float(top[1])
    return tops


def test_no_point_is_beyond_its_axis_unlabelled_in_the_example(example_workbook):
    """In every chart of the example workbook, a point above its value axis' top is labelled with its
    value (a column) or named with it in the legend (a line); the example's quarterly quick ratio of
    2024 Q1 (9.0, the others 2.1-4.8) is such a point: it does not set the scale of the other quarters."""
    clipped = []
    for name, xml in _charts_xml(example_workbook).items():
        tops = _axis_tops(xml)
        for group in re.findall(r"<c:(?:barChart|lineChart)>.*?</c:(?:barChart|lineChart)>", xml, re.S):
            axis = re.findall(r'<c:axId val="(\d+)"/>', group)[-1]  # the value axis of the group
            top = tops.get(axis)
            for ser in re.findall(r"<c:ser>.*?</c:ser>", group, re.S):
                values = [float(v) for v in re.findall(r"<c:v>([-0-9.eE]+)</c:v>", ser.split("<c:val>")[-1])]
                if top is None or not any(v > top * (1 + 1e-9) for v in values):
                    continue
                label = re.search(r"<c:tx><c:v>(.*?)</c:v>", ser)[1]
                labelled = "↑</a:t>" in ser or "→</a:t>" in ser or "↑" in label
                assert labelled, (name, label, top)
                clipped.append((label, top))
    assert ("Quick ratio (right axis), 2024 Q1 9.0 ↑", 6.0) in clipped


def test_cohort_heat_maps_leave_age_0_out_of_the_colour_scale(example_workbook):
    """Cohort NRR and GRR (shares of age 0) and monthly logo retention are 100 % at age 0 in every
    row: their colour scales start at age 1, so the ages that differ set the colours. A table whose
    age 0 differs by cohort (quarterly logo retention: clients lost within their first quarter)
    keeps age 0 in its scale. Checked on every cohort tab of the example."""
    import warnings

    import openpyxl
    from openpyxl.utils import range_boundaries

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook, data_only=True)
    starts = {0: 0, 1: 0}
    for ws in wb.worksheets:
        for rng in ws.conditional_formatting:
            if not any(r.type == "colorScale" for r in rng.rules):
                continue
            c1, r1, _, r2 = range_boundaries(str(rng.sqref))
            if isinstance(v := ws.cell(r1, c1).value, int | float) and v > 10:
                continue  # a cohort MRR table (currency): shaded from age 0
            age = ws.cell(r1 - 1, c1).value  # the ages' header row
            age0_col = c1 - age
            assert ws.cell(r1 - 1, age0_col).value == 0, (ws.title, str(rng.sqref))
            age0 = [v for r in range(r1, r2 + 1) if isinstance(v := ws.cell(r, age0_col).value, float | int)]
            assert len(age0) > 2
            assert (age == 1) == all(v == 1 for v in age0), (ws.title, str(rng.sqref), age0)
            starts[age] += 1
    wb.close()
    # NRR and GRR by month, quarter and year, monthly logo retention; quarterly logo retention from age 0
    assert starts[1] >= 7 and starts[0] >= 1, starts


def test_every_cohort_heat_map_is_one_white_to_blue_scale_and_says_what_darker_means(example_workbook):
    """A board member read the red-amber-green heat maps as status (90 % logo retention amber, 79.9 %
    GRR orange, while the dashboard calls 80 % GRR OK). Every colour scale in the workbook's XML is a
    two-colour scale from white (the table's lowest) to one blue (its highest): no red, amber or green,
    no third colour; and each shaded table's line above it says what darker means."""
    from workbook_gen.workbook.formats import HEAT_NOTE

    scales = []
    with zipfile.ZipFile(example_workbook) as z:
        for name in z.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            xml = z.read(name).decode()
            for sqref, body in re.findall(
                r'<conditionalFormatting sqref="([^"]+)">(.*?)</conditionalFormatting>', xml, re.S
            ):
                scale = re.search(r"<colorScale>(.*?)</colorScale>", body, re.S)
                if scale:
                    scales.append((name, sqref, scale.group(1)))
    assert len(scales) >= 12, scales  # MRR, NRR, GRR and logo retention by month, quarter and year
    for name, sqref, body in scales:
        assert re.findall(r'<cfvo type="(\w+)"', body) == ["min", "max"], (name, sqref, body)
        assert re.findall(r'<color rgb="FF(\w{6})"', body) == ["FFFFFF", "5B9BD5"], (name, sqref, body)
    import warnings

    import openpyxl
    from openpyxl.utils import range_boundaries

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)
    try:
        shaded_heads = 0
        for ws in wb.worksheets:
            for rng in ws.conditional_formatting:
                if any(r.type == "colorScale" for r in rng.rules):
                    c1, r1, *_ = range_boundaries(str(rng.sqref))
                    subtitle = ws.cell(r1 - 2, 5).value  # the line above the ages' header, over the ages
                    assert isinstance(subtitle, str) and subtitle.endswith(HEAT_NOTE), (ws.title, subtitle)
                    shaded_heads += 1
        assert shaded_heads == len(scales)
    finally:
        wb.close()


def _axis_formats(xml: str) -> dict[str, str | None]:
    """The number format of each value axis, by axis id (None: the cells' own format)."""
    out = {}
    for ax, body in re.findall(r'<c:valAx><c:axId val="(\d+)"/>(.*?)</c:valAx>', xml, re.S):
        code = re.search(r'<c:numFmt formatCode="([^"]*)" sourceLinked="0"/>', body)
        out[ax] = code[1].replace("&quot;", '"') if code else None
    return out


def _large_axes(workbook) -> list[tuple[str, str, float, str | None]]:
    """(chart, title, largest plotted size, axis format) of every value axis that plots a value of
    10,000 or more in size."""
    found = []
    for name, xml in _charts_xml(workbook).items():
        formats = _axis_formats(xml)
        title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", xml.split("</c:title>")[0]))
        for group in re.findall(r"<c:(?:barChart|lineChart)>.*?</c:(?:barChart|lineChart)>", xml, re.S):
            axis = re.findall(r'<c:axId val="(\d+)"/>', group)[-1]
            values = [
                abs(float(v))
                for ser in re.findall(r"<c:val>.*?</c:val>", group, re.S)
                for v in re.findall(r"<c:v>([-0-9.eE]+)</c:v>", ser)
            ]
            if values and max(values) >= 10_000:
                found.append((name, title, max(values), formats.get(axis)))
    return found


def test_every_large_value_axis_reads_in_k_or_m(example_workbook):
    """Every value axis of the example workbook that plots 10,000 or more (its currency axes: MRR,
    ARR, cash, burn, gross profit, CAC) reads in thousands or millions ($250k, $4.5m), never
    $4,500,000: a format that scales by 1,000 (one trailing comma) or 1,000,000 (two) with k or m."""
    large = _large_axes(example_workbook)
    assert len(large) > 15
    for name, title, top, code in large:
        assert code and re.search(r'0,"k"|0,,"m"', code), (name, title, top, code)


def test_cash_page_amounts_read_in_k_or_m(example_workbook):
    """The cash page's table of the latest twelve months: cash near $3m in millions ($2.61m), the
    burn rows near $100k in thousands ($84.1k), the difference row, $0 every month, in whole units;
    the cells keep the exact values."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook, data_only=True)
    ws = wb["Cash & runway"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=1, max_row=ws.max_row) if isinstance(r[0].value, str)}
    expected = {
        "Cash balance (month end)": ',,"m"',
        "Net burn": ',"k"',
        "Change in cash": ',"k"',
        "Minus net burn": ',"k"',
    }
    for label, scale in expected.items():
        cells = [c for c in rows[label][1:13] if isinstance(c.value, float | int)]
        assert len(cells) >= 11, label
        assert all(scale in c.number_format for c in cells), (label, cells[0].number_format)
    assert rows["Cash balance (month end)"][12].value == 2_612_054  # exact, only shown in millions
    diff = [
        c for c in rows["Difference: financing and other inflows"][1:13] if isinstance(c.value, float | int)
    ]
    assert diff and all('"k"' not in c.number_format and '"m"' not in c.number_format for c in diff)
    wb.close()


def test_period_tabs_turn_the_page_at_a_copy_of_their_heads(example_workbook):
    """A period table prints on two pages at the workbook's size (fitted to one page it printed at 6
    points): the page turns once, at a copy of the period heads just above the first retention row,
    and no header row repeats (it would top the chart pages of the other tabs' way, a header of no
    table). The charts stay in the workbook, under the table, off the printed page."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(example_workbook)
    for title, head in (("Quarterly", "Per quarter"), ("Annual", "Per year")):
        ws = wb[title]
        assert not ws.print_title_rows, title
        labels = {
            ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, str)
        }
        quick = labels["Quick ratio (x)"]
        assert ws.cell(quick - 1, 1).value == head
        # the copy of the heads shows the same periods as the heads over the first page
        top = next(r for r in range(1, quick - 1) if ws.cell(r, 1).value == head)
        periods = range(5, next(c for c in range(5, ws.max_column + 2) if ws.cell(top, c).value is None))
        assert len(periods) >= 4, title
        for c in periods:
            assert ws.cell(quick - 1, c).value == f"={ws.cell(top, c).coordinate}", (title, c)
        assert [b.id for b in ws.row_breaks.brk] == [quick - 2], title  # openpyxl: the row above the break
        area_bottom = int(re.search(r"\$(\d+)$", str(ws.print_area))[1])
        cash = labels["Cash balance"]
        assert cash < area_bottom < cash + 4, (title, ws.print_area)  # the table and its notes only
        assert ws._charts and all(ch.anchor._from.row + 1 > area_bottom for ch in ws._charts), title
    wb.close()


@pytest.fixture(scope="module")
def young_workbook(tmp_path_factory, example_input):
    """The example cut to its first ten months (Jan-Oct 2022)."""
    from workbook_gen.build import build

    out = tmp_path_factory.mktemp("young-charts") / "young.xlsx"
    build(example_input, out, {"company": "Example SaaS Co", "as_of": "2022-10"})
    return out


@pytest.fixture(scope="module")
def four_segments_workbook(tmp_path_factory):
    from workbook_gen.build import build
    from workbook_gen.inputs.example import synthetic_company
    from workbook_gen.workbook.input_book import write_input_workbook

    segments = (
        ("Self-serve", 0.4, 120.0, 0.035),
        ("Assisted", 0.3, 1400.0, 0.012),
        ("Enterprise", 0.15, 5000.0, 0.006),
        ("Partner", 0.15, 600.0, 0.02),
    )
    folder = tmp_path_factory.mktemp("four-charts")
    write_input_workbook(folder / "in.xlsx", synthetic_company(segments=segments), company="Four Co")
    build(folder / "in.xlsx", folder / "out.xlsx", {"company": "Four Co"})
    return folder / "out.xlsx"


def _referenced_numbers(wb, ref: str) -> list[float]:
    """The numbers (not #N/A, not text) in the cells a chart series' formula refers to."""
    from openpyxl.utils import range_boundaries

    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'").replace("''", "'")]
    c1, r1, c2, r2 = range_boundaries(cells.replace("$", ""))
    return [
        v
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2, values_only=True)
        for v in row
        if isinstance(v, float | int) and not isinstance(v, bool)
    ]


def test_a_young_company_draws_no_empty_series(young_workbook):
    """Ten months of history: monthly LTV:CAC (from month 13) and the plan (from 2024) have no value
    in the charts' months, so no chart names them in its legend over nothing, nor keeps a right axis
    for them: every series of every chart has a number in its cells; a quarterly quick ratio of 69.2
    among 8-14 is drawn clipped, with its value."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(young_workbook, data_only=True)
    names, titles = [], []
    for name, xml in _charts_xml(young_workbook).items():
        titles.append("".join(re.findall(r"<a:t>([^<]*)</a:t>", xml.split("</c:title>")[0])))
        for ser in re.findall(r"<c:ser>.*?</c:ser>", xml, re.S):
            label = re.search(r"<c:tx><c:v>(.*?)</c:v>", ser)
            ref = html.unescape(re.search(r"<c:f>([^<]*)</c:f>", ser.split("<c:val>")[-1])[1])
            assert _referenced_numbers(wb, ref), (name, label and label[1], ref)
            names.append(label[1] if label else "")
    wb.close()
    assert "Quick ratio (right axis), 2022 Q1 69.2 ↑" in names
    # the monthly payback charts are CAC payback alone, the dashboard's ARR chart has no plan line
    assert titles.count("CAC payback (months)") >= 3, titles  # dashboard, unit economics, segments
    assert "ARR (USD)" in titles and not any(n.startswith("Plan") for n in names)


@pytest.mark.parametrize("which", ["young", "four segments"])
def test_colours_and_k_or_m_axes_of_a_young_and_a_four_segment_company(which, request):
    workbook = request.getfixturevalue(
        {"young": "young_workbook", "four segments": "four_segments_workbook"}[which]
    )
    assert _check_series_colours(workbook) > 20
    for name, title, top, code in _large_axes(workbook):
        assert code and re.search(r'0,"k"|0,,"m"', code), (name, title, top, code)


def test_waterfall_amounts_in_thousands_or_millions_by_hand():
    """Young p6 printed +$7,320 beside +$214k: every amount is in k or m."""
    from types import SimpleNamespace

    from workbook_gen.workbook.tabs.waterfall import compact_money

    book = SimpleNamespace(settings=SimpleNamespace(currency_symbol="$"))
    assert compact_money(book, 7320) == "$7.3k"
    assert compact_money(book, 214_400) == "$214k"
    assert compact_money(book, 950) == "$0.9k"
    assert compact_money(book, -47_000) == "$47k"
    assert compact_money(book, 4_174_104) == "$4.17m"


@pytest.mark.parametrize("which", ["example", "young"])
def test_waterfall_labels_sit_above_the_columns_in_k_or_m(which, example_workbook, young_workbook):
    """Labels inside the bars' ends straddled short bars' edges (example p6: +$71k, −$47k) and printed
    black on the dark loss fill (four p4: −$449k). The columns carry no labels; an undrawn line through
    the columns' tops carries them, above each column: the opening and closing ARR, then each movement
    signed, in k or m."""
    workbook = {"example": example_workbook, "young": young_workbook}[which]
    xml = next(x for x in _charts_xml(workbook).values() if "ARR waterfall" in x)
    bars = re.search(r"<c:barChart>(.*?)</c:barChart>", xml, re.S)[1]
    assert "<c:dLbls>" not in bars
    line = re.search(r"<c:lineChart>(.*?)</c:lineChart>", xml, re.S)[1]
    assert line.count("<c:ser>") == 1
    ser = re.search(r"<c:ser>(.*?)</c:ser>", line, re.S)[1]
    sp = re.search(r"<c:spPr>(.*?)</c:spPr>", ser, re.S)[1]
    assert "<a:noFill/>" in sp  # the line is not drawn
    assert '<c:dLblPos val="t"/>' in ser  # above the point: the column's top
    texts = re.findall(r"<a:t>([^<]*)</a:t>", ser)
    assert len(texts) >= 4, texts
    assert all(re.fullmatch(r"[+−]?\$[\d,.]+[km]", t) for t in texts), texts
    assert texts[0][0] not in "+−" and texts[-1][0] not in "+−"  # opening and closing ARR
    assert all(t[0] in "+−" for t in texts[1:-1])
