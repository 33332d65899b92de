"""Benchmark (not a test): per company shape and size, the build against its floor and each spreadsheet
engine's full recalculation against its own load-and-save of the same file without recalculation, and
where LibreOffice's recalculation time goes.

    python benchmarks/bench.py                                   # both shapes, the README's sizes, 3 runs
    python benchmarks/bench.py --shapes churn --sizes 20000x120  # one shape, one size
    python benchmarks/bench.py --runs 1 --no-split               # one run, no split of the time
    python benchmarks/bench.py --gnumeric-sizes 10000x60         # Gnumeric at these sizes only

Shapes (``workbook_gen.inputs.example``):

- *example*: :func:`bulk_company`, the example generator's movements (5 % of clients paying in month 1,
  churn 1.2 % / 3.5 % a month by segment, a few win-backs);
- *churn*: :func:`churn_heavy_company`, 15 % paying in month 1, 3 % churn a month of which a quarter come
  back, 5 % expansion and 3 % contraction a month, two segments and three regions.

Per shape, size and run:

- *floor*: xlsxwriter writing the same input data once (the input workbook itself);
  *build*: read + validate + compute + write of the whole metrics workbook; peak RSS of the build;
- *LibreOffice*: ``soffice --convert-to xlsx`` with a fresh profile that recalculates every formula
  on load, against the same with a profile that never recalculates on load (load and save only);
- *Gnumeric*: ``ssconvert --recalc`` against plain ``ssconvert`` (skipped when ssconvert is missing;
  a run past the timeout is reported as such);
- *split* (first run only): the same workbook with the monthly series, then the cohort tables, replaced by
  their cached values; what LibreOffice's recalculation loses with a part gone is that part's time, and
  the rest is everything else (Client calc, Timeline, period rows, dashboard, checks ...).

Each measurement runs in a fresh subprocess, so peak RSS belongs to that step alone. Ratios are taken
within one run (plain and recalculating runs back to back): on a shared machine absolute seconds move
with the load, ratios much less. The table reports the median ratio of the runs and their range.
"""

from __future__ import annotations

import argparse
import html
import json
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

DEFAULT_SIZES = ["10000x60", "20000x120", "100000x120"]
SHAPES = {"example": "bulk_company", "churn": "churn_heavy_company"}
# LibreOffice's load-time recalculation setting for xlsx and ods: 0 = always, 1 = never.
LO_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _timed(cmd: list[str], timeout: float) -> dict:
    """Seconds a command takes and the peak RSS of its processes; ``timeout`` instead past the bound."""
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip()[-500:]}
    return {"s": seconds, "peak_mb": _peak_mb(resource.RUSAGE_CHILDREN)}


def _libreoffice(src: Path, folder: Path, recalc: bool, timeout: float) -> dict:
    from workbook_gen.libreoffice import soffice

    exe = soffice()
    if exe is None:
        return {"missing": "soffice"}
    with tempfile.TemporaryDirectory(prefix="wbgen-bench-lo-") as prof:
        user = Path(prof) / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(LO_PROFILE.format(mode=0 if recalc else 1))
        out = folder / ("lo-recalc" if recalc else "lo-plain")
        cmd = [exe, f"-env:UserInstallation={Path(prof).resolve().as_uri()}", "--headless", "--norestore"]
        result = _timed([*cmd, "--convert-to", "xlsx", "--outdir", str(out), str(src)], timeout)
    if "s" in result and not (out / src.name).exists():
        return {"error": "LibreOffice wrote no file"}
    return result


def _gnumeric(src: Path, folder: Path, recalc: bool, timeout: float) -> dict:
    exe = shutil.which("ssconvert")
    if exe is None:
        return {"missing": "ssconvert"}
    out = folder / ("gnumeric-recalc.xlsx" if recalc else "gnumeric-plain.xlsx")
    return _timed([exe, *(["--recalc"] if recalc else []), str(src), str(out)], timeout)


# --- variants: one part of the workbook replaced by its cached values ---------------------------------

_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*)><f[^>]*>[^<]*</f>(?:<v>([^<]*)</v>)?</c>')
_NAME = re.compile(r'<definedName name="([^"]+)"[^>]*>([^<]+)</definedName>')
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))!\$[A-Z]+\$(\d+)(?::\$[A-Z]+\$(\d+))?$")


def _sheet_files(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the package."""
    wb = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = dict(re.findall(r'Id="(rId\d+)" Type="[^"]+" Target="([^"]+)"', rels))
    sheets = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" (?:state="\w+" )?r:id="(rId\d+)"', wb)
    return {html.unescape(name): "xl/" + target[rid] for name, rid in sheets}


def _named_rows(z: zipfile.ZipFile) -> list[tuple[str, str, int]]:
    """(name, sheet, first row) of every defined name of one row or block."""
    out = []
    for name, ref in _NAME.findall(z.read("xl/workbook.xml").decode()):
        m = _REF.match(html.unescape(ref))
        if m:
            sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
            out.append((name, sheet, int(m.group(3))))
    return out


def part_rows(path: Path, part: str) -> dict[str, tuple[int, int]]:
    """The rows (first, last; 1-based) per sheet that hold ``part``: ``cohorts``, every row of the cohort
    tabs; ``monthly``, on each tab of monthly series, from its first series row down to the row before
    the first named row that is not a monthly series (period rows of a segment tab), helper and chart-data
    rows included."""
    from workbook_gen.definitions import BY_KEY

    with zipfile.ZipFile(path) as z:
        named = _named_rows(z)
    rows: dict[str, tuple[int, int]] = {}
    if part == "cohorts":
        for name, sheet, _row in named:
            if name.startswith("cohort_"):
                rows[sheet] = (1, 1 << 20)
        return rows
    monthly = {}
    for name, sheet, row in named:
        if name.split("__")[0] in BY_KEY:
            monthly[sheet] = min(monthly.get(sheet, row), row)
    for sheet, first in monthly.items():
        later = [
            row for name, s, row in named if s == sheet and row > first and name.split("__")[0] not in BY_KEY
        ]
        rows[sheet] = (first, min(later, default=1 << 20) - 1)
    return rows


def constants_variant(src: Path, dst: Path, part: str) -> int:
    """Copy ``src`` with every formula of ``part`` replaced by its cached value; returns how many."""
    rows = part_rows(src, part)
    replaced = 0

    def constant(m: re.Match) -> str:
        nonlocal replaced
        col, row, attrs, value = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        if not bounds[0] <= int(row) <= bounds[1]:
            return m.group(0)
        replaced += 1
        if 't="str"' in attrs:  # a text result becomes an inline string
            attrs = attrs.replace('t="str"', 't="inlineStr"')
            return f'<c r="{col}{row}"{attrs}><is><t>{value}</t></is></c>'
        return (
            f'<c r="{col}{row}"{attrs}><v>{value}</v></c>' if value != "" else f'<c r="{col}{row}"{attrs}/>'
        )

    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        files = {part_file: sheet for sheet, part_file in _sheet_files(z).items()}
        for item in z.infolist():
            data = z.read(item.filename)
            sheet = files.get(item.filename)
            if sheet in rows:
                bounds = rows[sheet]
                data = _CELL.sub(constant, data.decode()).encode()
            out.writestr(item, data)
    return replaced


# --- one measurement per subprocess ------------------------------------------------------------------


def step(kind: str, shape: str, n: int, t: int, folder: str, timeout: float) -> dict:
    """Runs inside the subprocess."""
    folder = Path(folder)
    src = folder / f"input-{shape}-{n}x{t}.xlsx"
    out = folder / f"workbook-{shape}-{n}x{t}.xlsx"
    if kind == "floor":
        from workbook_gen.inputs import example
        from workbook_gen.workbook.input_book import write_input_workbook

        data = getattr(example, SHAPES[shape])(n, t)
        start = time.perf_counter()
        write_input_workbook(src, data)
        return {"floor_s": time.perf_counter() - start, "input_mb": src.stat().st_size / 1e6}
    if kind == "build":
        from workbook_gen import __version__
        from workbook_gen.build import company_name, load
        from workbook_gen.metrics.engine import compute
        from workbook_gen.workbook.writer import write_workbook

        t0 = time.perf_counter()
        data, settings = load(src)
        t1 = time.perf_counter()
        results = compute(data, settings)
        t2 = time.perf_counter()
        write_workbook(out, data, results, settings, company_name(settings, src), __version__)
        t3 = time.perf_counter()
        return {
            "read_s": t1 - t0,
            "compute_s": t2 - t1,
            "write_s": t3 - t2,
            "build_s": t3 - t0,
            "peak_rss_mb": _peak_mb(),
            "output_mb": out.stat().st_size / 1e6,
        }
    if kind.startswith("variant-"):
        part = kind.removeprefix("variant-")
        return {"replaced": constants_variant(out, folder / f"{part}-constant.xlsx", part)}
    engine, mode, *part = kind.split("-")
    run_engine = {"lo": _libreoffice, "gnumeric": _gnumeric}[engine]
    target = folder / f"{part[0]}-constant.xlsx" if part else out
    return {kind: run_engine(target, folder, mode == "recalc", timeout)}


def run(kind: str, shape: str, n: int, t: int, folder: str, timeout: float) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--step", kind, shape, str(n), str(t), folder, str(timeout)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(shape: str, n: int, t: int, args, first_run: bool) -> dict:
    """One run of every measurement of one shape and size."""
    with tempfile.TemporaryDirectory(prefix="wbgen-bench-") as folder:
        row = run("floor", shape, n, t, folder, 0)
        row.update(run("build", shape, n, t, folder, 0))
        size = f"{n}x{t}"
        engines = [] if args.no_libreoffice else [("lo", args.timeout)]
        gnumeric_here = args.gnumeric_sizes is None or size in args.gnumeric_sizes
        engines += [] if args.no_gnumeric or not gnumeric_here else [("gnumeric", args.gnumeric_timeout)]
        for engine, timeout in engines:
            for mode in ("plain", "recalc"):  # back to back, so both see the same machine load
                row.update(run(f"{engine}-{mode}", shape, n, t, folder, timeout))
        if first_run and not args.no_split and not args.no_libreoffice:
            for part in ("monthly", "cohorts"):
                row[f"replaced-{part}"] = run(f"variant-{part}", shape, n, t, folder, 0)["replaced"]
                for mode in ("plain", "recalc"):
                    row.update(run(f"lo-{mode}-{part}", shape, n, t, folder, args.timeout))
    return row


# --- the report -----------------------------------------------------------------------------------------


def _ratio(row: dict, engine: str, part: str = "") -> float | None:
    suffix = f"-{part}" if part else ""
    plain, recalc = row.get(f"{engine}-plain{suffix}", {}), row.get(f"{engine}-recalc{suffix}", {})
    return recalc["s"] / plain["s"] if "s" in plain and "s" in recalc else None


def _why_none(rows: list[dict], engine: str) -> str:
    for r in rows:
        for mode in ("plain", "recalc"):
            res = r.get(f"{engine}-{mode}", {})
            if "timeout" in res:
                return f"> {res['timeout']:.0f} s (stopped)"
            if "missing" in res:
                return "not installed"
            if "error" in res:
                return "failed"
    return "—"


def _median_cell(values: list[float | None], fmt: str = "{:.2f}×") -> str:
    got = [v for v in values if v is not None]
    if not got:
        return ""
    mid = fmt.format(statistics.median(got))
    return mid if len(got) == 1 else f"{mid} ({fmt.format(min(got))}–{fmt.format(max(got))})"


def _seconds(rows: list[dict], key: str) -> str:
    got = [r[key]["s"] for r in rows if "s" in r.get(key, {})]
    return f"{statistics.median(got):.1f}" if got else ""


def report_row(shape: str, n: int, t: int, rows: list[dict]) -> list[str]:
    lo = [_ratio(r, "lo") for r in rows]
    gn = [_ratio(r, "gnumeric") for r in rows]
    return [
        shape,
        f"{n:,} × {t}",
        str(len(rows)),
        _median_cell([r["build_s"] / r["floor_s"] for r in rows]),
        f"{statistics.median(r['build_s'] for r in rows):.1f}",
        f"{max(r['peak_rss_mb'] for r in rows):,.0f}",
        _seconds(rows, "lo-plain"),
        _seconds(rows, "lo-recalc"),
        _median_cell(lo) or _why_none(rows, "lo"),
        _seconds(rows, "gnumeric-plain"),
        _seconds(rows, "gnumeric-recalc"),
        _median_cell(gn) or _why_none(rows, "gnumeric"),
    ]


def split_row(shape: str, n: int, t: int, row: dict) -> list[str] | None:
    """LibreOffice's recalculation time (beyond its load-and-save) by part, from the constant variants."""

    def extra(part: str = "") -> float | None:
        suffix = f"-{part}" if part else ""
        plain, recalc = row.get(f"lo-plain{suffix}", {}), row.get(f"lo-recalc{suffix}", {})
        return recalc["s"] - plain["s"] if "s" in plain and "s" in recalc else None

    full, monthly, cohorts = extra(), extra("monthly"), extra("cohorts")
    if None in (full, monthly, cohorts):
        return None
    cost = {"monthly": full - monthly, "cohorts": full - cohorts}
    cost["rest"] = full - cost["monthly"] - cost["cohorts"]
    cells = [shape, f"{n:,} × {t}", f"{full:.1f}"]
    for part in ("monthly", "cohorts", "rest"):
        share = cost[part] / full if full > 0 else 0.0
        cells.append(f"{cost[part]:.1f} ({share:.0%})")
    return cells


HEAD = (
    "shape",
    "size",
    "runs",
    "build ÷ floor",
    "build s",
    "build peak RSS MB",
    "LibreOffice load+save s",
    "LibreOffice recalc s",
    "LibreOffice recalc ÷ load+save",
    "Gnumeric load+save s",
    "Gnumeric recalc s",
    "Gnumeric recalc ÷ load+save",
)
SPLIT_HEAD = (
    "shape",
    "size",
    "LibreOffice recalc beyond load+save s",
    "monthly series",
    "cohort tables",
    "rest",
)


def _table(head, rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument("--sizes", nargs="*", default=DEFAULT_SIZES, help="clients x months, e.g. 10000x60")
    ap.add_argument(
        "--runs", type=int, default=3, help="runs per shape and size (the table shows the median)"
    )
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed to each LibreOffice run")
    ap.add_argument(
        "--gnumeric-timeout", type=float, default=900, help="seconds allowed to each Gnumeric run"
    )
    ap.add_argument("--gnumeric-sizes", nargs="*", help="run Gnumeric at these sizes only (default: all)")
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--no-gnumeric", action="store_true")
    ap.add_argument("--no-split", action="store_true", help="skip the constant variants (split of the time)")
    ap.add_argument("--json", type=Path, help="also write every measurement to this file")
    ap.add_argument("--step", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        kind, shape, n, t, folder, timeout = args.step
        print(json.dumps(step(kind, shape, int(n), int(t), folder, float(timeout))))
        return

    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{cores} cores",
        flush=True,
    )
    measured: dict[str, list[dict]] = {}
    table, splits = [], []
    for size in args.sizes:
        n, t = (int(x) for x in size.lower().split("x"))
        for shape in args.shapes:
            key = f"{shape} {n}x{t}"
            measured[key] = []
            for k in range(args.runs):
                measured[key].append(measure(shape, n, t, args, first_run=k == 0))
                print(f"  {key} run {k + 1}: " + json.dumps(measured[key][-1]), flush=True)
                if args.json:
                    args.json.write_text(json.dumps(measured, indent=1))
            table.append(report_row(shape, n, t, measured[key]))
            split = split_row(shape, n, t, measured[key][0])
            if split:
                splits.append(split)
            print(_table(HEAD, table), flush=True)
            if splits:
                print(_table(SPLIT_HEAD, splits), flush=True)


if __name__ == "__main__":
    main()
