"""Build-time benchmark (not a test): read, compute, write and total time, peak memory, output size,
LibreOffice recalculation time, and the floor — xlsxwriter writing the same input data once.

    python benchmarks/bench.py                     # the four sizes of the README
    python benchmarks/bench.py --sizes 2000x36     # one size
    python benchmarks/bench.py --recalc-max 20000  # LibreOffice recalculation up to this many clients

Each measurement runs in a fresh subprocess so that peak RSS belongs to that step alone.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = ["2000x36", "10000x60", "20000x120", "100000x120"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(kind: str, n: int, t: int, folder: str) -> dict:
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
    if kind == "recalc":
        from workbook_gen.libreoffice import recalculate

        start = time.perf_counter()
        recalculate(out, folder / "recalc")
        return {"recalc_s": time.perf_counter() - start}
    raise ValueError(kind)


def run(kind: str, n: int, t: int, folder: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--step", kind, str(n), str(t), folder],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", default=DEFAULT_SIZES, help="clients x months, e.g. 10000x60")
    ap.add_argument(
        "--recalc-max", type=int, default=20000, help="recalculate in LibreOffice up to this many clients"
    )
    ap.add_argument("--step", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        kind, n, t, folder = args.step
        print(json.dumps(step(kind, int(n), int(t), folder)))
        return
    from workbook_gen.libreoffice import soffice

    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores"
    )
    head = (
        "size",
        "floor s",
        "read s",
        "compute s",
        "write s",
        "build s",
        "build/floor",
        "peak RSS MB",
        "output MB",
        "LO recalc s",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for size in args.sizes:
        n, t = (int(x) for x in size.lower().split("x"))
        with tempfile.TemporaryDirectory(prefix="wbgen-bench-") as folder:
            row = run("floor", n, t, folder)
            row.update(run("build", n, t, folder))
            if soffice() and n <= args.recalc_max:
                row.update(run("recalc", n, t, folder))
        recalc = f"{row['recalc_s']:.1f}" if "recalc_s" in row else "—"
        print(
            f"| {n:,} × {t} | {row['floor_s']:.1f} | {row['read_s']:.1f} | {row['compute_s']:.1f} | "
            f"{row['write_s']:.1f} | {row['build_s']:.1f} | {row['build_s'] / row['floor_s']:.1f}× | "
            f"{row['peak_rss_mb']:.0f} | {row['output_mb']:.1f} | {recalc} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
