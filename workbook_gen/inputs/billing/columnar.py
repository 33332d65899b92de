"""The billing rules of :mod:`workbook_gen.inputs.billing.rules` applied to whole files with Polars
(chosen by measuring: README, Billing data in): read, check every line, normalise each line to a month,
attribute it to the months whose last day it covers, and add up per client and month.

Every expression here is the column form of one function of ``rules``; nothing decides a rule here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from workbook_gen.billing_terms import COLUMNS_OPTIONAL, COLUMNS_REQUIRED, INVOICES, PERIODS
from workbook_gen.inputs.billing import rules
from workbook_gen.inputs.billing.formats import billing_format, column_key
from workbook_gen.inputs.billing.fx import FX_CSV, Rates, missing_rates
from workbook_gen.inputs.cells import MAX_AMOUNT

#: Problems of one kind listed line by line before the rest are counted.
SHOWN_PER_KIND = 20


class Problems:
    """Problems of a billing file, each with its line and column; past :data:`SHOWN_PER_KIND` of one
    kind the rest are counted in one line, so a file wrong on every line still reads in a screen."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        self.lines.append(f"{self.name}: {text}")

    def lines_where(self, frame: pl.DataFrame, mask: pl.Expr, column: str, why) -> None:
        """One problem per line of ``frame`` where ``mask`` holds; ``why(raw value)`` says what is wrong."""
        bad = frame.filter(mask)
        if bad.height == 0:
            return
        shown = column.removeprefix("raw:")  # the file's own text of that column
        for line, raw in bad.head(SHOWN_PER_KIND).select("line", column).iter_rows():
            self.add(f"line {line:,}, column {shown}: {why(raw)}")
        if bad.height > SHOWN_PER_KIND:
            self.add(
                f"column {shown}: {bad.height - SHOWN_PER_KIND:,} more lines with the same problem "
                f"(last at line {bad['line'][-1]:,})."
            )


def _text(raw) -> str:
    return "blank" if raw is None else repr(raw)


def _patched(fast: pl.Series, ok: pl.Series, text: pl.Series, slow) -> pl.Series:
    """``fast`` where ``ok`` (the common, cheaply checked shape); ``slow(text)`` on the other rows."""
    if ok.all():
        return fast
    rows = (~ok).arg_true()
    return fast.scatter(rows, slow(text.gather(rows)))


def parse_dates(raw: pl.Series) -> pl.Series:
    """:func:`rules.parse_date` on a column (null where the text is not a date). The shapes billing
    exports write (``YYYY-MM-DD``, ``YYYY-MM-DD 00:00:00``) are checked cheaply; others by the rule's
    patterns."""
    n = raw.str.len_bytes()
    mid = raw.str.slice(4, 4)  # "-MM-"
    fast = raw.str.to_date("%Y-%m-%d %H:%M:%S", strict=False)
    if (n == 10).any():
        fast = fast.zip_with((n != 10).fill_null(True), raw.str.to_date("%Y-%m-%d", strict=False))
    shaped = (n == 10) | (n == 19)
    dashed = mid.str.starts_with("-") & mid.str.ends_with("-")
    ok = (shaped & dashed & (fast.dt.year() >= 1000)).fill_null(False)

    def slow(text: pl.Series) -> pl.Series:
        text = text.str.strip_chars()
        head, tail = text.str.slice(0, 10), text.str.slice(10)
        good = head.str.contains(f"^{rules.DATE_RE.pattern}$") & tail.str.contains(
            f"^{rules.STAMP_TAIL_RE.pattern}$"
        )
        return pl.select(pl.when(good).then(head.str.to_date("%Y-%m-%d", strict=False))).to_series()

    return _patched(fast, ok, raw, slow)


def parse_amounts(raw: pl.Series) -> pl.Series:
    """:func:`rules.parse_amount` on a column: plain finite numbers are cast at once, the rest checked
    by the rule's pattern."""
    fast = raw.cast(pl.Float64, strict=False)
    ok = fast.is_finite().fill_null(False)

    def slow(text: pl.Series) -> pl.Series:
        text = text.str.strip_chars()
        good = text.str.contains(f"^{rules.NUMBER_RE.pattern}$")
        value = text.cast(pl.Float64, strict=False)
        return pl.select(pl.when(good & value.is_finite()).then(value)).to_series()

    return _patched(fast, ok, raw, slow)


#: Line types as small integers in a column (null: unknown).
TYPE_CODES = {rules.SUBSCRIPTION: 0, rules.ONE_TIME: 1}


def parse_types(raw: pl.Series) -> pl.Series:
    """:func:`rules.line_type` on a column, as :data:`TYPE_CODES` (null for an unknown type)."""
    ok = (raw == rules.SUBSCRIPTION).fill_null(False)
    codes = {k: TYPE_CODES[v] for k, v in rules.LINE_TYPES.items()}

    def slow(text: pl.Series) -> pl.Series:
        key = text.str.strip_chars().str.to_lowercase()
        known = key.replace_strict(codes, default=None, return_dtype=pl.Int8)
        return pl.select(
            pl.when(key.is_null() | (key == "")).then(pl.lit(0, dtype=pl.Int8)).otherwise(known)
        ).to_series()

    return _patched(pl.repeat(0, len(raw), dtype=pl.Int8, eager=True), ok, raw, slow)


def parse_intervals(raw: pl.Series) -> pl.Series:
    """:func:`rules.interval_months` on a column (null for an unknown interval)."""
    key = raw.str.strip_chars().str.to_lowercase()
    named = key.replace_strict(rules.INTERVALS, default=None, return_dtype=pl.Int32)
    counted = key.str.extract(f"^{rules.N_MONTHS_RE.pattern}$", 1).cast(pl.Int32, strict=False)
    return pl.select(
        pl.when(key.is_null() | (key == ""))
        .then(pl.lit(1, dtype=pl.Int32))
        .otherwise(pl.coalesce(named, pl.when(counted > 0).then(counted)))
    ).to_series()


_EPOCH_MONTH = 1970 * 12  # month number of 1970-01, day 0 of the date columns


def day_numbers(d: pl.Series) -> np.ndarray:
    """Dates as days since 1970-01-01 (int64; a null date, a still-active end, as the largest int)."""
    return d.to_physical().fill_null(np.iinfo(np.int32).max).to_numpy().astype(np.int64)


class Calendar:
    """Month arithmetic on day numbers through a table of the first days of the months the data
    spans (a few hundred), so that 12 million dates need no calendar conversion each."""

    def __init__(self, *days: np.ndarray):
        real = [d[d < np.iinfo(np.int32).max] for d in days]
        lo = min((int(d.min()) for d in real if len(d)), default=0)
        hi = max((int(d.max()) for d in real if len(d)), default=0)
        first, last = np.array([lo, hi]).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        self.base = int(first) + _EPOCH_MONTH
        months = np.arange(first, last + 3)  # one month beyond the next month of the last day
        self.starts = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)

    def month_numbers(self, days: np.ndarray) -> np.ndarray:
        """:func:`rules.month_number` of each day number (in the table's span)."""
        return np.searchsorted(self.starts, days, side="right").astype(np.int64) - 1 + self.base

    def month_starts(self, months: np.ndarray) -> np.ndarray:
        """The day number of the first day of each month number."""
        return self.starts[months - self.base]

    def is_month_end(self, days: np.ndarray, months: np.ndarray) -> np.ndarray:
        """:func:`rules.is_month_end`: the next day starts the next month."""
        return self.month_starts(months + 1) == days + 1

    def period_months(self, start: np.ndarray, end: np.ndarray, ms: np.ndarray, me: np.ndarray) -> np.ndarray:
        """:func:`rules.period_months` on day numbers (``end`` exclusive) and their month numbers."""
        same_day = (start - self.month_starts(ms)) == (end - self.month_starts(me))
        calendar = same_day | (self.is_month_end(start, ms) & self.is_month_end(end, me))
        return np.where(calendar, (me - ms).astype(np.float64), (end - start) / rules.DAYS_PER_MONTH)


@dataclass
class Lines:
    """A billing file read and checked: one row per line with ``line`` (its line in the file),
    ``client``, ``start``, ``end`` (exclusive; null = still active), ``net`` (the amount net of tax),
    ``mrr`` (normalised to a month), ``one_time``, ``currency`` (null = the reporting currency) and the
    attribute columns, named as in the file."""

    name: str
    kind: str
    frame: pl.DataFrame
    attributes: list[str]
    has_currency: bool
    warnings: list[str] = field(default_factory=list)


def _read_frame(
    path: Path, typed: dict | None = None, columns: list[str] | None = None, n_rows=None
) -> pl.DataFrame:
    from workbook_gen.errors import InputError

    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError as exc:
        raise InputError([f"{path.name}: cannot be read ({exc.strerror or exc})."]) from None
    text = head.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0]
    if "\x00" in text:
        raise InputError([f"{path.name}: not a CSV text file (it contains NUL bytes)."])
    if "\r" in text and "\n" not in text:
        raise InputError(
            [f"{path.name}: lines end with a lone carriage return (CR); export it again with LF or CR LF."]
        )
    if "," not in first and any(sep in first for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in first)
        shown = "tabs" if sep == "\t" else repr(sep)
        raise InputError(
            [
                f"{path.name}: the header is separated by {shown}, not commas; "
                "export the file as comma-separated CSV."
            ]
        )
    try:
        return pl.read_csv(
            path,
            infer_schema=False,
            schema_overrides=typed or None,
            ignore_errors=bool(typed),  # a value the type cannot read is null, then read by the rule
            columns=columns,
            n_rows=n_rows,
            encoding="utf8",
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError:
        raise InputError([f"{path.name}: the file is empty."]) from None
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, OSError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "utf" in why.lower():
            why = "not UTF-8 text; export it again as 'CSV UTF-8 (comma delimited)'"
        raise InputError([f"{path.name}: not a readable CSV file ({why})."]) from None


def read_lines(path: Path, period_end: str = rules.EXCLUSIVE) -> tuple[Lines | None, list[str]]:
    """The lines of a billing file and its problems (each with line and column), all at once."""
    problems = Problems(path.name)
    headers = _read_frame(path, n_rows=0).columns
    kind = billing_format(headers)
    if kind is None:
        problems.add(
            "not a billing file: expected the columns "
            f"{', '.join(COLUMNS_REQUIRED[PERIODS])} or {', '.join(COLUMNS_REQUIRED[INVOICES])}."
        )
        return None, problems.lines
    keys = [column_key(h) for h in headers]
    known = set(COLUMNS_REQUIRED[kind]) | set(COLUMNS_OPTIONAL[kind])
    seen: dict[str, str] = {}
    for key, header in zip(keys, headers, strict=True):
        if key in known and key in seen:
            problems.add(f"columns {seen[key]!r} and {header!r} are both {key}.")
        seen.setdefault(key, header)
    col = {k: seen[k] for k in known if k in seen}  # key -> header as in the file
    attributes = [h for k, h in zip(keys, headers, strict=True) if k not in known and h.strip()]
    start_col, end_col = (
        (col["start_date"], col["end_date"])
        if kind == PERIODS
        else (col["service_period_start"], col["service_period_end"])
    )
    amount_col, client_col = col["amount"], col["customer_id"]
    tax_col, type_col = col.get("tax"), col.get("type")
    interval_col, currency_col = col.get("interval"), col.get("currency")
    # Amounts are read as numbers by the CSV reader (faster, and their text is not held); a value it
    # cannot read is read again as text and settled by the rule. Dates are read as text (the reader's
    # own date parsing is several times slower than parse_dates) and their text let go once parsed.
    typed = {amount_col: pl.Float64}
    if tax_col:
        typed[tax_col] = pl.Float64
    raw = _read_frame(path, typed)
    n = raw.height
    texts: dict[str, pl.Series] = {}

    def text_of(column: str) -> pl.Series:
        if column in raw.columns and raw.schema[column] == pl.String:
            return raw[column]
        if column not in texts:
            texts[column] = _read_frame(path, columns=[column])[column]
        return texts[column]

    def settled(column: str, value: pl.Series, parse) -> pl.Series:
        bad = value.is_null() if value.dtype == pl.Date else (value.is_null() | ~value.is_finite())
        if not bad.any():
            return value
        rows = bad.arg_true()
        return value.scatter(rows, parse(text_of(column).gather(rows)))

    client = raw[client_col].str.strip_chars()
    start, end = parse_dates(raw[start_col]), parse_dates(raw[end_col])
    if end.is_null().any():
        texts[end_col] = raw[end_col]  # kept: a blank end (still active) and a bad one differ
    raw = raw.drop(start_col, end_col)
    if period_end == rules.INCLUSIVE:
        end = end + dt.timedelta(days=1)
    amount = settled(amount_col, raw[amount_col], parse_amounts)
    tax = settled(tax_col, raw[tax_col], parse_amounts) if tax_col else None
    kinds = parse_types(raw[type_col]) if type_col else None
    interval = parse_intervals(raw[interval_col]) if interval_col and kind == PERIODS else None
    currency = raw[currency_col].str.strip_chars().str.to_uppercase() if currency_col else None
    frame = pl.DataFrame(
        {
            "line": pl.int_range(2, n + 2, dtype=pl.Int64, eager=True),
            "client": client,
            "start": start,
            "end": end,
            "amount": amount,
            "tax": tax if tax is not None else pl.repeat(0.0, n, eager=True),
            "type": kinds if kinds is not None else pl.repeat(0, n, dtype=pl.Int8, eager=True),
            "interval": interval if interval is not None else pl.repeat(1, n, dtype=pl.Int32, eager=True),
            "currency": currency if currency is not None else pl.repeat(None, n, dtype=pl.String, eager=True),
        }
    )
    raw_of = lambda c: f"raw:{c}"  # noqa: E731
    blank = lambda c: pl.col(raw_of(c)).is_null() | (pl.col(raw_of(c)).str.strip_chars() == "")  # noqa: E731

    sink = problems

    class Checked:
        """The frame, given a column's text (``raw:<header>``) only when a check needs it."""

        def __init__(self, frame: pl.DataFrame):
            self.frame = frame

        def text(self, column: str) -> None:
            if raw_of(column) not in self.frame.columns:
                self.frame = self.frame.with_columns(text_of(column).alias(raw_of(column)))

        def lines_where(self, _frame, mask: pl.Expr, column: str, why) -> None:
            header = column.removeprefix("raw:")
            if header in raw.columns and raw.schema[header] == pl.String:
                self.text(header)  # the file's text is at hand
            if not self.frame.select(mask.any()).item():
                return
            self.text(header)
            sink.lines_where(self.frame, mask, column, why)

    checked = Checked(frame)
    if kind == PERIODS and frame["end"].is_null().any():
        checked.text(end_col)  # a blank end is a still-active period, any other text a problem
    frame = checked.frame
    problems_all = problems
    problems = checked  # the checks below report through it
    problems.lines_where(
        frame,
        pl.col("client").is_null() | (pl.col("client") == ""),
        raw_of(client_col),
        lambda _r: "a line with no client.",
    )
    hint = "is not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)."
    problems.lines_where(frame, pl.col("start").is_null(), raw_of(start_col), lambda r: f"{_text(r)} {hint}")
    if frame["end"].is_null().any():
        end_bad = pl.col("end").is_null() & (~blank(end_col) if kind == PERIODS else pl.lit(True))
        problems.lines_where(frame, end_bad, raw_of(end_col), lambda r: f"{_text(r)} {hint}")
    inclusive = (
        " (with --period-end inclusive, the end is its last day)" if period_end == rules.INCLUSIVE else ""
    )
    problems.lines_where(
        frame,
        pl.col("start").is_not_null() & pl.col("end").is_not_null() & (pl.col("end") <= pl.col("start")),
        raw_of(end_col),
        lambda r: f"the period ends ({r}) before it starts, or on its start day{inclusive}.",
    )
    problems.lines_where(
        frame, pl.col("amount").is_null(), raw_of(amount_col), lambda r: f"{_text(r)} is not a number."
    )
    problems.lines_where(
        frame,
        pl.col("amount").abs() > MAX_AMOUNT,
        raw_of(amount_col),
        lambda r: f"{r!r} is implausibly large (over {MAX_AMOUNT:g}); check the line.",
    )
    if kind == PERIODS:
        problems.lines_where(
            frame,
            pl.col("amount") < 0,
            raw_of(amount_col),
            lambda r: (
                f"negative amount {r!r}: a subscription period's charge cannot be negative "
                "(credit notes belong in invoice lines)."
            ),
        )
    if tax_col and frame["tax"].is_null().any():
        checked.text(tax_col)
        problems.lines_where(
            frame,
            pl.col("tax").is_null() & ~blank(tax_col),
            raw_of(tax_col),
            lambda r: f"{_text(r)} is not a number.",
        )
    if tax_col:
        checked.frame = checked.frame.with_columns(pl.col("tax").fill_null(0.0))
    if type_col:
        problems.lines_where(
            frame,
            pl.col("type").is_null(),
            raw_of(type_col),
            lambda r: f"unknown type {r!r} (expected subscription or one_time).",
        )
    if interval_col and kind == PERIODS:
        problems.lines_where(
            frame,
            pl.col("interval").is_null(),
            raw_of(interval_col),
            lambda r: f"unknown interval {r!r} (expected month, quarter, year or N months).",
        )
    if currency_col:
        problems.lines_where(
            frame,
            pl.col("currency").is_not_null() & ~pl.col("currency").str.contains(r"^[A-Z]{3}$"),
            raw_of(currency_col),
            lambda r: f"unknown currency {r!r} (expected a three-letter code such as EUR).",
        )
    id_col = col.get("line_id")
    if id_col:
        ids = raw[id_col].str.strip_chars()
        present = ids.drop_nulls()
        # hashes first (fast); a repeated hash is then checked on the ids themselves
        if present.hash().n_unique() < len(present) and present.n_unique() < len(present):
            trimmed = pl.col(raw_of(id_col)).str.strip_chars()
            problems.lines_where(
                frame,
                trimmed.is_not_null() & trimmed.is_duplicated(),
                raw_of(id_col),
                lambda r: f"line_id {r!r} appears on more than one line.",
            )
    problems = problems_all
    frame = checked.frame
    if problems.lines:
        return None, problems.lines
    net = (frame["amount"] - frame["tax"]).to_numpy()
    s_days, e_days = day_numbers(frame["start"]), day_numbers(frame["end"])
    open_ended = frame["end"].is_null().to_numpy()
    cal = Calendar(s_days, e_days)
    ms = cal.month_numbers(s_days)
    me = np.where(open_ended, ms, cal.month_numbers(np.where(open_ended, s_days, e_days)))
    if kind == INVOICES:
        mrr = net / cal.period_months(s_days, e_days, ms, me)
    else:
        mrr = frame["amount"].to_numpy() / frame["interval"].to_numpy()
    out = frame.select("line", "client", "start", "end", "currency").with_columns(
        pl.Series("net", net),
        pl.Series("mrr", mrr),
        (frame["type"] == TYPE_CODES[rules.ONE_TIME]).alias("one_time"),
        pl.Series("first", ms),
        pl.Series("stop", np.where(open_ended, np.iinfo(np.int64).max, me)),
    )
    if attributes:
        out = out.with_columns(*[raw[a].str.strip_chars().alias(a) for a in attributes])
    warnings = []
    ended = ~frame["end"].is_null().to_numpy()
    if period_end == rules.EXCLUSIVE and ended.any():
        looks = cal.is_month_end(e_days, me) & ~cal.is_month_end(s_days, ms)
        shaped = looks[ended].mean()
        if shaped > 0.5:
            warnings.append(
                f"{path.name}: {shaped:.0%} of the periods end on the last day of a month (as in Jan 1 – "
                "Jan 31): if the file's end dates are the last day of the period rather than the next "
                "period's start, use --period-end inclusive (setting period_end)."
            )
    return Lines(path.name, kind, out, attributes, currency_col is not None, warnings), []


@dataclass
class Derived:
    """The MRR matrix of a billing file and what made it: ``cells`` has one row per client, month (and
    currency) that any line reaches: ``row`` (the client's row in the matrix), ``month`` (its index in
    ``months``), ``lines``, ``amount`` (net of tax, before normalisation) and ``mrr`` (after)."""

    clients: list[str]
    months: list[dt.date]
    mrr: np.ndarray
    attributes: dict[str, list]
    cells: pl.DataFrame
    summary: dict[str, object]
    warnings: list[str]
    currencies: list[str] = field(default_factory=list)  # with a currency column: the rate table's columns
    rate_table: np.ndarray | None = None  # months × currencies, the rate each month is converted at


def covered_span(lines: Lines) -> tuple[int | None, int | None]:
    """The first month any subscription line covers, and the last month a line's period reaches (the
    start month of a still-active period); None when no line covers a month end."""
    f = lines.frame.filter(~pl.col("one_time"))
    first, stop = f["first"].to_numpy(), f["stop"].to_numpy()
    covering = stop > first
    if not covering.any():
        return None, None
    open_ended = stop == np.iinfo(np.int64).max
    last = np.where(open_ended, first, stop - 1)[covering].max()
    return int(first[covering].min()), int(last)


def derive(lines: Lines, first: int, last: int, rates: Rates | None = None) -> Derived:
    """The matrix on months ``first``..``last`` (month numbers): each subscription line's MRR in every
    month whose last day its period covers, converted to the reporting currency at ``rates`` (lines
    carrying a currency), lines of a client and month added up, floored at zero. A missing rate raises
    :class:`InputError` naming each currency and its months."""
    f = lines.frame
    summary: dict[str, object] = {"lines read": f.height}
    summary["one-time lines (excluded)"] = int(f["one_time"].sum())
    subs = f.filter(~pl.col("one_time")) if summary["one-time lines (excluded)"] else f
    credit = subs.filter(pl.col("net") < 0)
    summary["credit notes (negative subscription lines)"] = credit.height
    summary["credit notes, total amount"] = float(credit["net"].sum()) if credit.height else 0.0
    span = subs.select("client", "net", "mrr", "currency", "first", "stop").with_columns(
        pl.max_horizontal("first", pl.lit(first, dtype=pl.Int64)).alias("a"),
        pl.min_horizontal("stop", pl.lit(last + 1, dtype=pl.Int64)).alias("b"),
    )
    covers = span["stop"] > span["first"]
    summary["lines covering no month end (excluded)"] = int((~covers).sum())
    inside = covers & (span["b"] > span["a"])
    summary["lines outside the months (excluded)"] = int((covers & ~inside).sum())
    if not inside.all():
        span = span.filter(inside)
    # Clients in the order of their first line; each line's row and months, as integers.
    rank = span["client"].rank("dense").to_numpy().astype(np.int64) - 1
    by_name = span["client"].unique().sort()
    appear = span["client"].unique(maintain_order=True)
    row_of_rank = np.empty(len(by_name), dtype=np.int64)
    row_of_rank[np.searchsorted(by_name.to_numpy(), appear.to_numpy())] = np.arange(len(appear))
    rows = row_of_rank[rank]
    clients = appear.to_list()
    a = span["a"].to_numpy().astype(np.int64) - first
    count = span["b"].to_numpy().astype(np.int64) - first - a
    net, mrr_line = span["net"].to_numpy(), span["mrr"].to_numpy()
    if lines.has_currency:
        reporting = (rates or Rates({}, "")).reporting
        codes = span["currency"].fill_null(reporting).replace("", reporting)
        cur_names = codes.unique().sort()
        cur = np.searchsorted(cur_names.to_numpy(), codes.to_numpy())
    else:
        cur_names, cur = pl.Series([""]), np.zeros(len(rows), dtype=np.int64)
    n_cur, n_months = len(cur_names), last - first + 1
    if (count > 1).any():  # a line over several months: one entry per month
        rep = np.repeat(np.arange(len(rows)), count)
        step = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
        rows, cur, net, mrr_line, month = rows[rep], cur[rep], net[rep], mrr_line[rep], a[rep] + step
    else:
        month = a
    key = (rows * n_months + month) * n_cur + cur
    size = len(clients) * n_months * n_cur
    n_lines = np.bincount(key, minlength=size)
    amount = np.bincount(key, weights=net, minlength=size)
    native = np.bincount(key, weights=mrr_line, minlength=size)
    where = np.flatnonzero(n_lines)
    cells = pl.DataFrame(
        {
            "row": where // (n_months * n_cur),
            "month": (where // n_cur) % n_months,
            "currency": cur_names.gather(where % n_cur)
            if lines.has_currency
            else pl.repeat(None, len(where), dtype=pl.String, eager=True),
            "lines": n_lines[where],
            "amount": amount[where],
            "mrr": native[where],
        }
    )
    table = None
    if lines.has_currency:
        table = _rate_table(lines, cells, cur_names.to_list(), first, n_months, rates or Rates({}, ""))
        # rounded to a millionth, so that a rate times an amount is the amount a reviewer computes
        converted = np.round(native.reshape(len(clients), n_months, n_cur) * table[np.newaxis, :, :], 6)
        mrr = converted.sum(axis=2)
        cells = cells.rename({"mrr": "mrr_native"}).with_columns(
            pl.Series("rate", table[cells["month"].to_numpy(), where % n_cur]),
            pl.Series("mrr", converted.reshape(-1)[where]),
        )
    else:
        mrr = native.reshape(len(clients), n_months, n_cur).sum(axis=2)
    warnings: list[str] = []
    negative = np.argwhere(mrr < 0)
    if len(negative):
        shown = ", ".join(
            f"{clients[r]!r} in {rules.month_of_number(first + int(c)):%Y-%m} ({mrr[r, c]:,.2f})"
            for r, c in negative[:SHOWN_PER_KIND]
        )
        more = f" and {len(negative) - SHOWN_PER_KIND:,} more" if len(negative) > SHOWN_PER_KIND else ""
        warnings.append(
            f"{lines.name}: credit notes take {len(negative):,} client-month(s) below zero; counted as "
            f"zero: {shown}{more}."
        )
        mrr[mrr < 0] = 0.0
    summary["client-months floored at zero"] = len(negative)
    if summary["lines outside the months (excluded)"]:
        warnings.append(
            f"{lines.name}: {summary['lines outside the months (excluded)']:,} line(s) outside the months "
            f"{rules.month_of_number(first):%Y-%m} to {rules.month_of_number(last):%Y-%m} ignored."
        )
    index = pl.DataFrame({"client": appear, "row": np.arange(len(appear))})
    attributes = _attributes(f, lines.attributes, index, len(clients))
    months = [rules.month_of_number(first + i) for i in range(n_months)]
    summary["clients"] = len(clients)
    summary["months"] = n_months
    currencies = cur_names.to_list() if lines.has_currency else []
    return Derived(clients, months, mrr, attributes, cells, summary, warnings, currencies, table)


def _rate_table(
    lines: Lines, cells: pl.DataFrame, currencies: list[str], first: int, n_months: int, rates: Rates | None
) -> np.ndarray:
    """Months × currencies: the rate each cell is converted at (1 for the reporting currency); every
    missing rate of a month and currency that has MRR is a problem, all at once."""
    from workbook_gen.errors import InputError

    foreign = [c for c in currencies if c != rates.reporting]
    if not rates.checked:
        return np.full((n_months, len(currencies)), np.nan)
    if foreign and not rates.found:
        raise InputError(
            [
                f"{lines.name}: lines in {', '.join(foreign)} need exchange rates: add {FX_CSV} (month, currency, "
                "rate: units of the reporting currency per unit) to the folder."
            ]
        )
    table = np.ones((n_months, len(currencies)))
    needed: dict[str, list[int]] = {}
    used = cells.select("month", "currency").unique()
    for month, currency in used.iter_rows():
        if currency != rates.reporting:
            needed.setdefault(currency, []).append(first + month)
    problems = missing_rates(needed, rates, FX_CSV)
    if problems:
        raise InputError(problems)
    for j, currency in enumerate(currencies):
        for i in range(n_months):
            rate = rates.rate(first + i, currency)
            table[i, j] = rate if rate is not None else np.nan
    return table


def _attributes(frame: pl.DataFrame, names: list[str], index: pl.DataFrame, n: int) -> dict[str, list]:
    """Each attribute per client: the value on the client's latest line (by period start) that has one."""
    out: dict[str, list] = {}
    for a in names:
        latest = (
            frame.filter(pl.col(a).is_not_null() & (pl.col(a) != ""))
            .sort(["start", "line"])
            .group_by("client")
            .agg(pl.col(a).last())
            .join(index, on="client")
        )
        values: list = [None] * n
        for row, value in zip(latest["row"].to_list(), latest[a].to_list(), strict=True):
            values[row] = value
        out[a] = values
    return out
