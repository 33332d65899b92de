"""Named cell formats, defined once per workbook."""

from __future__ import annotations

from workbook_gen.definitions import COUNT, CURRENCY, MONTHS, PCT, RATIO

FONT = "Calibri"
NAVY = "#1F3864"
INPUT_FILL = "#FFF2CC"
INPUT_FONT = "#0000FF"
CALC_FILL = "#F2F2F2"
GOOD = "#C6EFCE"
OK = "#FFEB9C"
HEAD_FILL = "#D9E1F2"  # a table's head row
BAD = "#FFC7CE"
GOOD_FONT = "#006100"
OK_FONT = "#9C5700"
BAD_FONT = "#9C0006"
# Every cohort heat map's colour scale, lowest to highest in its table: one hue, white to blue, so
# that no shade reads as a status (red / amber / green are the benchmarks' colours, and a scale
# relative to a table cannot say whether a figure is good). Each shaded table says so: HEAT_NOTE.
HEAT_SCALE = ("#FFFFFF", "#5B9BD5")
HEAT_NOTE = "Darker blue: higher, within this table."
# A period not complete yet: dark italics (readable on the light fill and on the heat maps' colours,
# which replace the fill where a cohort table is shaded), said in each table's note as PARTIAL_NOTE.
PARTIAL_FONT = "#262626"
PARTIAL_FILL = "#EDEDED"
PARTIAL_NOTE = "Italics: period not complete yet."


class Formats:
    """Every format the tabs use, by name: ``fmt.unit(PCT)``, ``fmt.title``, ``fmt.input_unit(CURRENCY)``."""

    def __init__(self, workbook, currency_symbol: str, size: float = 10):
        self.wb = workbook
        self._size = size
        self._sized: dict[float, Formats] = {}
        sym = currency_symbol.replace('"', "")
        self._sym = sym
        money = f'"{sym}"#,##0_);("{sym}"#,##0)'  # finance style: negatives in brackets
        self.number_formats = {
            CURRENCY: money,
            COUNT: "#,##0",
            PCT: "0.0%",
            RATIO: "0.00",
            MONTHS: "0.0",
            "date": "mmm yyyy",
            "text": "@",
            "int": "0",
            "currency_cents": money.replace("#,##0", "#,##0.000"),
            "chart_currency": f'"{sym}"#,##0;-"{sym}"#,##0',
        }
        base = {"font_name": FONT, "font_size": size}
        self._cache: dict[tuple, object] = {}
        add = lambda **kw: workbook.add_format({**base, **kw})  # noqa: E731
        self.title = add(bold=True, font_size=14, font_color=NAVY)
        self.subtitle = add(italic=True, font_color="#595959")
        self.header = add(bold=True, bottom=1, bg_color=HEAD_FILL, align="center")
        # a head that may take two lines (its row is made tall enough where it is written)
        self.header_wrap = add(bold=True, bottom=1, bg_color=HEAD_FILL, align="center", text_wrap=True)
        self.header_left = add(bold=True, bottom=1, bg_color=HEAD_FILL)
        self.header_date = add(bold=True, bottom=1, bg_color=HEAD_FILL, align="center", num_format="mmm yy")
        self.section = add(bold=True, font_color="#FFFFFF", bg_color=NAVY)
        self.label = add()
        self.label_top = add(valign="top")  # beside a wrapped text, level with its first line
        self.label_bold = add(bold=True)
        self.name = add(font_color="#7F7F7F", italic=True)
        self.unit_text = add(font_color="#7F7F7F")
        self.note = add(italic=True, font_color="#7F7F7F")
        self.bench = add(italic=True, font_color="#7F7F7F", indent=1)
        self.note_wrap = add(italic=True, font_color="#7F7F7F", text_wrap=True, valign="top")
        self.wrap = add(text_wrap=True, valign="top")
        self.wrap_bold = add(text_wrap=True, valign="top", bold=True)
        self.link = add(font_color="#0563C1", underline=1)
        self.ok = add(bold=True, font_color=GOOD_FONT, bg_color=GOOD, align="center")
        self.fail = add(bold=True, font_color=BAD_FONT, bg_color=BAD, align="center")
        self.good = workbook.add_format({"bg_color": GOOD, "font_color": GOOD_FONT})
        self.okay = workbook.add_format({"bg_color": OK, "font_color": OK_FONT})
        self.bad = workbook.add_format({"bg_color": BAD, "font_color": BAD_FONT})
        self.partial = workbook.add_format(
            {"italic": True, "font_color": PARTIAL_FONT, "bg_color": PARTIAL_FILL}
        )
        self.input_text = add(font_color=INPUT_FONT, bg_color=INPUT_FILL)
        self.input_header = add(bold=True, bottom=1, bg_color=HEAD_FILL)
        self.input_header_date = add(bold=True, bottom=1, bg_color=HEAD_FILL, num_format="yyyy-mm-dd")
        self.input_date = add(font_color=INPUT_FONT, bg_color=INPUT_FILL, num_format="yyyy-mm-dd")
        self.input_wrap = add(font_color=INPUT_FONT, bg_color=INPUT_FILL, text_wrap=True, valign="top")
        self._base = base

    def sized(self, size: float) -> Formats:
        """The same formats with body text of ``size`` points (a page that prints one to a sheet and
        must stay legible when fitted to it: the dashboard). Titles and KPI figures keep their sizes."""
        if size == self._size:
            return self
        if size not in self._sized:
            self._sized[size] = Formats(self.wb, self._sym, size)
        return self._sized[size]

    def _get(self, key: tuple, **props):
        if key not in self._cache:
            self._cache[key] = self.wb.add_format({**self._base, **props})
        return self._cache[key]

    def unit(self, unit: str, bold: bool = False):
        """A calculated number in ``unit``; text results (n/a) align right."""
        return self._get(("calc", unit, bold), num_format=self.number_formats[unit], align="right", bold=bold)

    def money(self, top: float, bold: bool = False, millions: bool = True):
        """An amount of a row whose largest size is ``top``, as a board reads it: in millions from 1m
        ($3.63m), in thousands from 10k ($117.8k), else whole units; negatives in brackets. Not
        ``millions``: thousands from 10k up ($4,174.1k), where small differences must still show."""
        size = abs(top) if top == top else 0.0  # NaN: no value
        if size >= 1e6 and millions:
            body = '#,##0.00,,"m"'
        elif size >= 1e4:
            body = '#,##0.0,"k"'
        else:
            return self.unit(CURRENCY, bold)
        code = f'"{self._sym}"{body}_);("{self._sym}"{body})'
        return self._get(("money", code, bold), num_format=code, align="right", bold=bold)

    def money_change(self, top: float, millions: bool = True):
        """A signed change of an amount of a row whose largest size is ``top``, in millions or
        thousands as :meth:`money` shows the amounts beside it (+$186.7k); small ones in whole units."""
        size = abs(top) if top == top else 0.0
        if size >= 1e6 and millions:
            body = '#,##0.00,,"m"'
        elif size >= 1e4:
            body = '#,##0.0,"k"'
        else:
            return self.change(CURRENCY)
        code = f'+"{self._sym}"{body};-"{self._sym}"{body};"{self._sym}"{body}'
        return self._get(("money_change", code), num_format=code, align="right")

    def unit_partial(self, unit: str):
        """A value of a period that is not complete yet."""
        return self._get(
            ("partial", unit),
            num_format=self.number_formats[unit],
            align="right",
            italic=True,
            font_color=PARTIAL_FONT,
            bg_color=PARTIAL_FILL,
        )

    def input_unit(self, unit: str, valign: str = "bottom"):
        # Input cells keep the plain signed format of the input template; ``valign`` "top" beside a
        # wrapped text.
        code = self.number_formats["chart_currency" if unit == CURRENCY else unit]
        where = {} if valign == "bottom" else {"valign": valign}
        return self._get(
            ("input", unit, valign), num_format=code, font_color=INPUT_FONT, bg_color=INPUT_FILL, **where
        )

    def change(self, unit: str):
        """A signed change: + and − always shown; a change of a percentage is in points."""
        if unit == PCT:
            code = '+0.0" pts";-0.0" pts";0.0" pts"'
        else:
            base = self.number_formats[unit].split(";")[0]
            base = base.replace("_)", "")
            code = f"+{base};-{base};{base}"
        return self._get(("change", unit), num_format=code, align="right")

    def change_pct(self):
        """A signed change relative to a base (variance %): + and − always shown."""
        return self._get(("change_pct",), num_format="+0.0%;-0.0%;0.0%", align="right")

    def get_date_right(self):
        return self._get(("date_right",), num_format="mmm yyyy", align="right")

    def kpi(self, unit: str):
        return self._get(
            ("kpi", unit), num_format=self.number_formats[unit], bold=True, font_size=12, align="right"
        )

    def calc_int(self):
        return self._get(("calc_int",), num_format="0", align="right", font_color="#595959")
