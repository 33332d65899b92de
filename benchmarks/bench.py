"""Benchmark (not a test): per size, the build against its floor and each spreadsheet engine's full
recalculation against its own load-and-save of the same file without recalculation.

    python benchmarks/bench.py                         # the four sizes of the README
    python benchmarks/bench.py --sizes 2000x36         # one size
    python benchmarks/bench.py --timeout 3600          # bound every engine run (seconds)
    python benchmarks/bench.py --no-gnumeric           # LibreOffice only

Per size:

- *floor*: xlsxwriter writing the same input data once (the input workbook itself);
  *build*: read + validate + compute + write of the whole metrics workbook; peak RSS of the build;
- *LibreOffice*: ``soffice --convert-to xlsx`` with a fresh profile that recalculates every formula
  on load, against the same with a profile that never recalculates on load (load and save only);
- *Gnumeric*: ``ssconvert --recalc`` against plain ``ssconvert`` (skipped when ssconvert is missing;
  a run past the timeout is reported as such).

Each measurement runs in a fresh subprocess, so peak RSS belongs to that step alone. Ratios are taken
within one run: on a shared machine absolute seconds move with the load, ratios much less.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = ["2000x36", "10000x60", "20000x120", "100000x120"]
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


def step(kind: str, n: int, t: int, folder: str, timeout: float) -> dict:
    """Runs inside the subprocess."""
    folder = Path(folder)
    src = folder / f"input-{n}x{t}.xlsx"
    out = folder / f"workbook-{n}x{t}.xlsx"
    if kind == "floor":
        from workbook_gen.inputs.example import bulk_company
        from workbook_gen.workbook.input_book import write_input_workbook

        data = bulk_company(n, t)
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
    engine, _, mode = kind.partition("-")
    run_engine = {"lo": _libreoffice, "gnumeric": _gnumeric}[engine]
    return {kind: run_engine(out, folder, mode == "recalc", timeout)}


def run(kind: str, n: int, t: int, folder: str, timeout: float) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--step", kind, str(n), str(t), folder, str(timeout)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _engine_cells(row: dict, engine: str) -> list[str]:
    """Load-and-save seconds, recalculation seconds and their ratio, or why there is none."""
    plain, recalc = row.get(f"{engine}-plain", {}), row.get(f"{engine}-recalc", {})

    def text(r: dict) -> str:
        if "s" in r:
            return f"{r['s']:.1f}"
        if "timeout" in r:
            return f"> {r['timeout']:.0f} (stopped)"
        if "missing" in r:
            return "not installed"
        if "error" in r:
            return "failed"
        return "—"

    ratio = f"{recalc['s'] / plain['s']:.2f}×" if "s" in plain and "s" in recalc else "—"
    return [text(plain), text(recalc), ratio]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", default=DEFAULT_SIZES, help="clients x months, e.g. 10000x60")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed to each engine run")
    ap.add_argument(
        "--gnumeric-timeout", type=float, default=900, help="seconds allowed to each Gnumeric run"
    )
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--no-gnumeric", action="store_true")
    ap.add_argument("--json", type=Path, help="also write every measurement to this file")
    ap.add_argument("--step", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        kind, n, t, folder, timeout = args.step
        print(json.dumps(step(kind, int(n), int(t), folder, float(timeout))))
        return

    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{cores} cores",
        flush=True,
    )
    head = (
        "size",
        "floor s",
        "build s",
        "build ÷ floor",
        "build peak RSS MB",
        "output MB",
        "LibreOffice load+save s",
        "LibreOffice recalc s",
        "LibreOffice recalc ÷ load+save",
        "Gnumeric load+save s",
        "Gnumeric recalc s",
        "Gnumeric recalc ÷ load+save",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head), flush=True)
    rows = {}
    for size in args.sizes:
        n, t = (int(x) for x in size.lower().split("x"))
        with tempfile.TemporaryDirectory(prefix="wbgen-bench-") as folder:
            row = run("floor", n, t, folder, 0)
            row.update(run("build", n, t, folder, 0))
            engines = [] if args.no_libreoffice else [("lo", args.timeout)]
            engines += [] if args.no_gnumeric else [("gnumeric", args.gnumeric_timeout)]
            for engine, timeout in engines:
                for mode in ("plain", "recalc"):  # back to back, so both see the same machine load
                    row.update(run(f"{engine}-{mode}", n, t, folder, timeout))
        rows[size] = row
        cells = [
            f"{n:,} × {t}",
            f"{row['floor_s']:.1f}",
            f"{row['build_s']:.1f}",
            f"{row['build_s'] / row['floor_s']:.2f}×",
            f"{row['peak_rss_mb']:,.0f}",
            f"{row['output_mb']:.1f}",
            *_engine_cells(row, "lo"),
            *_engine_cells(row, "gnumeric"),
        ]
        print("| " + " | ".join(cells) + " |", flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
