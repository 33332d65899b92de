"""the contract's against a hostile or careless user: broken and hostile files, injected text, outputs over
inputs, interrupted runs. Every case goes through the command line and must end in exit 1 with a
message naming the place (never the exit-70 guard, never a traceback) and leave the inputs untouched."""

from __future__ import annotations

import errno
import hashlib
import html
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from test_inputs import MONTHS, make_xlsx

from workbook_gen.build import build as build_job
from workbook_gen.cli import main
from workbook_gen.errors import OutputError

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert "internal error" not in result.output, result.output
    return result


def refused(*args, says: str | list[str]):
    result = run(*args)
    assert result.exit_code == 1, result.output
    for text in [says] if isinstance(says, str) else says:
        assert text in result.output, result.output
    return result.output


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def litter(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def rezip(src: Path, dst: Path, replace: dict[str, bytes]) -> Path:
    """A copy of the xlsx ``src`` with some parts replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
    return dst


def mrr_part(path: Path) -> str:
    """The zip member holding the MRR sheet of a make_xlsx workbook (the first sheet)."""
    return "xl/worksheets/sheet1.xml"


def csv_folder(folder: Path, mrr: str, monthly: str | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "mrr.csv").write_bytes(mrr.encode())
    (folder / "monthly.csv").write_bytes(
        (monthly or "month,sm_spend,gross_margin,net_burn\n2024-01,1,0.5,1\n2024-02,1,0.5,1\n").encode()
    )
    return folder


# --- no command writes over an input ---------------------------------------------------------------


def test_build_refuses_every_spelling_of_its_input(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    before = digest(src)
    (tmp_path / "link.xlsx").symlink_to(src)
    os.link(src, tmp_path / "hard.xlsx")
    for out in (src, tmp_path / "." / "in.xlsx", tmp_path / "link.xlsx", tmp_path / "hard.xlsx"):
        refused("build", src, "-o", out, says="is one of the inputs")
    refused("build", tmp_path / "link.xlsx", "-o", src, says="is one of the inputs")
    assert digest(src) == before
    assert litter(tmp_path) == []


def test_metrics_refuses_to_write_over_its_input(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    before = digest(src)
    refused("metrics", src, "--format", "csv", "-o", src, says="is one of the inputs")
    assert digest(src) == before


def test_csv_folder_members_are_inputs(tmp_path):
    folder = csv_folder(tmp_path / "csv", "client_id,month,mrr\nC1,2024-01,5\nC1,2024-02,6\n")
    before = {p.name: digest(p) for p in folder.iterdir()}
    refused("metrics", folder, "-o", folder / "monthly.csv", says="is one of the inputs")
    # The command line already refuses a build output that is not .xlsx; the job itself refuses too.
    assert run("build", folder, "-o", folder / "mrr.csv").exit_code == 2
    for source, target in ((folder, folder / "mrr.csv"), (folder / "mrr.csv", folder / "monthly.csv")):
        with pytest.raises(OutputError, match="is one of the inputs"):
            build_job(source, target)
    assert {p.name: digest(p) for p in folder.iterdir()} == before


def test_example_and_init_never_overwrite(tmp_path):
    mine = tmp_path / "example-company.xlsx"
    mine.write_bytes(b"my own workbook")
    refused("example", tmp_path, says="already exists")
    assert mine.read_bytes() == b"my own workbook"
    other = tmp_path / "other"
    other.mkdir()
    target = tmp_path / "precious.xlsx"
    target.write_bytes(b"precious")
    (other / "input-template.xlsx").symlink_to(target)
    refused("init", other, says="already exists")
    assert target.read_bytes() == b"precious"
    assert not (other / "workbook-gen.toml").exists()


# --- input text never becomes a formula, nor a terminal escape ---------------------------------------

HOSTILE = ["+cmd|' /C calc'!A0", "Burn!B2", '=HYPERLINK("http://x","y")', "@SUM(1)", "\x1b[31mred"]


def hostile_input(tmp_path, split_header="Segment") -> Path:
    """A CSV folder (CSV can hold any character) whose segment values are hostile."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["client_id", "month", "mrr", split_header])
    for i, seg in enumerate(HOSTILE * 2):
        for k, m in enumerate(("2024-01", "2024-02", "2024-03")):
            w.writerow([f"C{i}", m, 0 if (i % 3 == 0 and k == 2) else 10 + i + 2 * k, seg])
    monthly = "month,sm_spend,gross_margin,net_burn\n" + "".join(
        f"2024-0{k},100,0.75,50\n" for k in (1, 2, 3)
    )
    return csv_folder(tmp_path / "hostile", buf.getvalue(), monthly)


def test_segment_names_never_become_chart_references(tmp_path):
    out = tmp_path / "out.xlsx"
    result = run("build", hostile_input(tmp_path), "-o", out, "-q")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        charts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
        sheets = set(re.findall(r'<sheet name="([^"]*)"', z.read("xl/workbook.xml").decode()))
        names = re.findall(r'<definedName name="([^"]*)"', z.read("xl/workbook.xml").decode())
    assert charts
    refs = [f for xml in charts.values() for f in re.findall(r"<c:f>([^<]*)</c:f>", xml)]
    assert refs
    for ref in refs:
        sheet = ref.rsplit("!", 1)[0]
        sheet = html.unescape(sheet)
        sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
        assert sheet in {html.unescape(s) for s in sheets}, ref
        assert re.fullmatch(r"\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?", ref.rsplit("!", 1)[1]), ref
        assert not ref.startswith("+cmd") and ref != "Burn!B2"
    text = "".join(charts.values())
    assert "+cmd|' /C calc'!\u2060A0".replace("'", "&apos;") in text or "+cmd|' /C calc'!\u2060A0" in text
    assert all(re.fullmatch(r"(_xlnm\.)?[A-Za-z_][A-Za-z0-9_.]*", n) for n in names), names


def test_csv_export_escapes_formula_like_text(tmp_path):
    src = hostile_input(tmp_path, split_header='=HYPERLINK("http://x","y")')
    out = tmp_path / "m.csv"
    result = run("metrics", src, "--format", "csv", "-o", out, "--split", '=HYPERLINK("http://x","y")')
    assert result.exit_code == 0, result.output
    import csv

    rows = list(csv.reader(out.open(newline="")))
    for row in rows[1:]:
        for i, cell in enumerate(row):
            if i in (3, 6):
                continue  # numbers: "-5" stays a number
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert any(r[0].startswith("'=HYPERLINK") for r in rows[1:])


def test_terminal_never_sees_control_characters(tmp_path):
    result = run("validate", hostile_input(tmp_path))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "?[31mred" in result.output


def test_inert_names_and_csv_cells():
    from hypothesis import given
    from hypothesis import strategies as st

    from workbook_gen.text import WORD_JOINER, XLSXWRITER_REFERENCE, csv_text, inert_name

    @given(st.text(max_size=40))
    def inert(text):
        name = inert_name(text)
        assert not XLSXWRITER_REFERENCE.match(name)
        assert name.replace(WORD_JOINER, "") == "".join(c for c in text if c.isprintable() or ord(c) >= 0xA0)

    inert()
    assert inert_name("Burn!B2") == "Burn!\u2060B2"
    assert inert_name("Self-serve") == "Self-serve"
    assert [csv_text(v) for v in ("=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "a=b")] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "a=b",
    ]


# --- limits before reading ------------------------------------------------------------------------


def test_the_beyond_patterns_compare_like_numbers():
    from hypothesis import given
    from hypothesis import strategies as st
    from xlsxwriter.utility import xl_col_to_name

    from workbook_gen.inputs.xlsxscan import _greater_column, _greater_number

    @given(st.integers(0, 2_000_000), st.integers(0, 2_000_000))
    def rows(n, m):
        assert bool(re.fullmatch(_greater_number(n), str(m))) == (m > n)

    @given(st.integers(1, 16_384), st.integers(1, 20_000))
    def cols(n, m):
        assert bool(re.fullmatch(_greater_column(n), xl_col_to_name(m - 1))) == (m > n)

    rows()
    cols()


def test_a_far_away_cell_is_refused_before_any_allocation(tmp_path):
    for far in ("XFD1048576", "XFD3000"):
        path = make_xlsx(tmp_path / f"{far}.xlsx")
        wb = openpyxl.load_workbook(path)
        wb["MRR"][far] = 1
        wb.save(path)
        refused("validate", path, says=[f"MRR: it has cells as far as {far}", "delete the rows and columns"])


def test_a_declared_huge_range_is_refused(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    with zipfile.ZipFile(src) as z:
        xml = z.read(mrr_part(src)).decode()
    xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)
    bad = rezip(src, tmp_path / "declared.xlsx", {mrr_part(src): xml.encode()})
    refused("validate", bad, says="declares a used range A1:XFD1048576")


def test_not_a_spreadsheet_device_or_old_xls(tmp_path):
    refused("validate", "/dev/zero", says="not a regular file")
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    refused("validate", xls, says="old-format .xls")


# --- wrong numbers never pass silently --------------------------------------------------------------


def test_csv_with_too_many_cells_is_refused(tmp_path, monkeypatch):
    import workbook_gen.inputs.read as read

    monkeypatch.setattr(read, "MAX_CSV_CELLS", 1000)
    folder = csv_folder(tmp_path / "wide", "client_id,month,mrr\n" + "," * 2000 + "\n")
    refused("validate", folder, says="mrr.csv: about 2,005 cells, over the 1,000")


def test_formula_without_saved_value_is_refused_with_its_cell(tmp_path):
    mrr = [["Client ID", *MONTHS], ["C1", 10, "=B2*2", 30]]
    refused("validate", make_xlsx(tmp_path / "in.xlsx", mrr=mrr), says="MRR!C2: formula with no saved value")


def test_absurd_and_ambiguous_numbers(tmp_path):
    mrr = [["Client ID", *MONTHS], ["C1", 1e308, "1,500", "1.200"], ["C2", 1, 2, 3]]
    sm = [["Month", "Sales & marketing"], *[[m, 5e12] for m in MONTHS]]
    out = refused(
        "validate",
        make_xlsx(tmp_path / "in.xlsx", mrr=mrr, sm=sm),
        says=["MRR!B2: MRR 1e+308 is implausibly large", "S&M!B2: 5e+12 is implausibly large"],
    )
    assert "MRR!D2: '1.200' is ambiguous: MRR!C2 ('1,500') uses ',' for thousands" in out
    assert "1.2 or 1200" in out


def test_merged_cells_over_data_are_refused(tmp_path):
    path = make_xlsx(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["MRR"].merge_cells("C2:D3")
    wb.save(path)
    refused("validate", path, says="MRR!C2:D3: merged cells")


# --- broken and hostile files are messages, not tracebacks -------------------------------------------


def test_corrupt_sheet_part(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    with zipfile.ZipFile(src) as z:
        xml = z.read(mrr_part(src))
    bad = rezip(src, tmp_path / "bad.xlsx", {mrr_part(src): xml[: len(xml) // 2] + b"<<<garbage"})
    refused("validate", bad, says="MRR: the sheet cannot be read")


def test_entities_in_sheet_or_workbook_xml(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    with zipfile.ZipFile(src) as z:
        xml = z.read(mrr_part(src)).decode()
        book = z.read("xl/workbook.xml").decode()
    dtd = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    evil = xml.replace("<worksheet", dtd + "<worksheet", 1)
    bad = rezip(src, tmp_path / "bad.xlsx", {mrr_part(src): evil.encode()})
    refused(
        "validate",
        bad,
        says="bad.xlsx: sheet 'MRR' (xl/worksheets/sheet1.xml) declares XML entities or a DTD",
    )
    evil_book = book.replace("<workbook", dtd + "<workbook", 1)
    bad2 = rezip(src, tmp_path / "bad2.xlsx", {"xl/workbook.xml": evil_book.encode()})
    refused("validate", bad2, says="xl/workbook.xml declares XML entities or a DTD")
    with zipfile.ZipFile(src) as z:
        styles = z.read("xl/styles.xml").decode()
    evil_styles = re.sub(r"<(\w+:)?styleSheet", lambda m: dtd + m.group(0), styles, count=1)
    bad3 = rezip(src, tmp_path / "bad3.xlsx", {"xl/styles.xml": evil_styles.encode()})
    refused("validate", bad3, says="part xl/styles.xml declares XML entities or a DTD")


def test_csv_line_ends_and_field_sizes(tmp_path):
    refused(
        "validate",
        csv_folder(tmp_path / "cr", "client_id,month,mrr\rC1,2024-01,5\rC1,2024-02,6\r"),
        says="mrr.csv: lines end with a lone carriage return",
    )
    refused(
        "validate",
        csv_folder(tmp_path / "bare", "client_id,month,mrr\r\nC1,2024-01,5\r\nC\r1,2024-02,6\r\n"),
        says="mrr.csv: line 3: a carriage return (CR) inside a field that is not quoted",
    )
    big = "client_id,month,mrr\nC1,2024-01,5\n" + '"' + "x" * 200_000 + '",2024-02,6\n'
    refused(
        "validate", csv_folder(tmp_path / "big", big), says="mrr.csv: line 3: a field longer than 128 KiB"
    )
    refused(
        "validate",
        csv_folder(tmp_path / "semi", "client_id;month;mrr\nC1;2024-01;5\n"),
        says="separated by ';', not commas",
    )


def test_single_month_and_as_of_first_month(tmp_path):
    one = make_xlsx(
        tmp_path / "one.xlsx",
        mrr=[["Client ID", MONTHS[0]], ["C1", 10]],
        sm=[["Month", "Sales & marketing"], [MONTHS[0], 1]],
        gm=[["Month", "Gross margin"], [MONTHS[0], 0.5]],
        burn=[["Month", "Net burn"], [MONTHS[0], 1]],
    )
    refused("build", one, "-o", tmp_path / "o.xlsx", says="MRR: only one month (2024-01); at least two")
    three = make_xlsx(tmp_path / "three.xlsx")
    refused(
        "build", three, "-o", tmp_path / "o.xlsx", "--as-of", "2024-01", says="as_of 2024-01 leaves a single"
    )
    assert not (tmp_path / "o.xlsx").exists()


# --- settings: one schema for the file and the options ---------------------------------------------


@pytest.mark.parametrize(
    "toml,says",
    [
        ("self = 1\n", "Unknown setting 'self'"),
        ("lifetime_cap_months = nan\n", "lifetime_cap_months must be a finite number"),
        ("lifetime_cap_months = inf\n", "lifetime_cap_months must be a finite number"),
        ("cac_window = 0\n", "cac_window must be from 1 to 120"),
        ("cac_window = true\n", "cac_window must be a number"),
        ("fiscal_year_start = 13\n", "fiscal_year_start must be a month number from 1 to 12"),
        ('currency = "\\"0;@"\n', "currency must be a currency code"),
        ("[company]\nname = 1\n", "company must be non-empty text"),
        ("cac_lag = -1\nltv_churn_window = 0.5\n", "2 problems in the settings"),
    ],
)
def test_settings_file_schema(tmp_path, toml, says):
    src = make_xlsx(tmp_path / "in.xlsx")
    (tmp_path / "workbook-gen.toml").write_text(toml)
    refused("validate", src, says=["workbook-gen.toml: ", says])


def test_settings_options_schema(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    for value in ("nan", "inf", "-inf", "0"):
        refused("metrics", src, "--lifetime-cap-months", value, says="options: lifetime_cap_months must be")
    refused("metrics", src, "--cac-window", "0", says="options: cac_window must be from 1 to 120")


# --- output handling --------------------------------------------------------------------------------


def test_full_disk_keeps_last_months_file_and_leaves_no_litter(tmp_path, monkeypatch):
    src = make_xlsx(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"last month")
    import xlsxwriter.workbook

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", full)
    refused("build", src, "-o", out, "-q", says=f"Cannot write {out}: the disk is full")
    assert out.read_bytes() == b"last month"
    assert litter(tmp_path) == []


def test_permissions_follow_the_replaced_file_else_the_umask(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    old = os.umask(0o077)
    try:
        assert run("build", src, "-o", tmp_path / "new.xlsx", "-q").exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "new.xlsx").stat().st_mode & 0o777 == 0o600
    for mode in (0o600, 0o640):
        out = tmp_path / f"old{mode:o}.xlsx"
        out.write_bytes(b"x")
        out.chmod(mode)
        assert run("build", src, "-o", out, "-q").exit_code == 0
        assert out.stat().st_mode & 0o777 == mode


def test_stale_temporaries_of_a_killed_run_are_swept(tmp_path):
    src = make_xlsx(tmp_path / "in.xlsx")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".out.xlsx.wbgen-{int(dead.stdout)}-x1y2.tmp"
    stale.mkdir()
    (stale / "out.xlsx").write_bytes(b"half")
    assert run("build", src, "-o", tmp_path / "out.xlsx", "-q").exit_code == 0
    assert litter(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_write_cleans_up(tmp_path, sig):
    from workbook_gen.inputs.example import synthetic_company
    from workbook_gen.workbook.input_book import write_input_workbook

    src = tmp_path / "in.xlsx"
    write_input_workbook(src, synthetic_company(n_clients=6000, n_months=60, seed=3))
    out_dir, tmp_dir = tmp_path / "out", tmp_path / "tmp"
    out_dir.mkdir()
    tmp_dir.mkdir()
    out = out_dir / "out.xlsx"
    out.write_bytes(b"last month")
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbook_gen", "build", str(src), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_dir)},
    )
    deadline = time.monotonic() + 120
    while not litter(out_dir) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert litter(out_dir), "the build finished before it could be interrupted"
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert f"interrupted by {signal.Signals(sig).name}" in err and "Traceback" not in err
    assert out.read_bytes() == b"last month"
    assert litter(out_dir) == []
    assert list(tmp_dir.iterdir()) == []  # xlsxwriter's temporary files were in the scratch folder


def test_summary_never_prints_nan(tmp_path):
    mrr = [["Client ID", *MONTHS], ["C1", 10, 0, 0], ["C2", 5, 0, 0]]
    result = run("build", make_xlsx(tmp_path / "in.xlsx", mrr=mrr), "-o", tmp_path / "o.xlsx", "-q")
    assert result.exit_code == 0, result.output
    assert "nan" not in result.output.split("\n", 1)[1] and "inf" not in result.output.split("\n", 1)[1]


# --- the guard is the last resort, not what handles the cases above ----------------------------------


def test_unexpected_errors_are_exit_70_without_traceback(tmp_path, monkeypatch):
    import workbook_gen.build as build

    def broken(*_a, **_k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(build, "compute", broken)
    result = CliRunner().invoke(main, ["validate", str(make_xlsx(tmp_path / "in.xlsx"))])
    assert result.exit_code == 0  # validate does not compute
    result = CliRunner().invoke(main, ["build", str(tmp_path / "in.xlsx"), "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 70
    assert "internal error, please report: ZeroDivisionError: boom" in result.output
    assert "Traceback" not in result.output


def test_a_damaged_member_is_named_with_its_file_and_part(tmp_path):
    """A zip whose directory is valid but whose MRR member's compressed bytes are damaged (a deflate block
    of the reserved type 3, made by hand): refused with exit 1, naming the file and the part, and no
    output written."""
    import struct

    src = make_xlsx(tmp_path / "in.xlsx")
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(mrr_part(src))
    assert info.compress_type == zipfile.ZIP_DEFLATED
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    data[start : start + 16] = b"\xff" * 16  # BFINAL 1, BTYPE 11: invalid in every deflate stream
    bad = tmp_path / "damaged.xlsx"
    bad.write_bytes(bytes(data))
    with zipfile.ZipFile(bad) as z:  # the directory reads, and every other member
        assert [z.read(n) for n in z.namelist() if n != mrr_part(src)]
    for job in (("validate", bad), ("build", bad, "-o", str(tmp_path / "out.xlsx"))):
        output = refused(*job, says=["damaged.xlsx", "xl/worksheets/sheet1.xml", "MRR"])
        assert "internal error" not in output and "Traceback" not in output
    assert not (tmp_path / "out.xlsx").exists()
