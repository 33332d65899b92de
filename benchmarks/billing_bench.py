"""Benchmark (not a test) of the billing route (README, Billing data in): invoice lines of N clients
× M months turned into the MRR matrix, against pyarrow's CSV reader reading the same file.

    python benchmarks/billing_bench.py generate /tmp/billing 100000x120   # write invoice_lines.csv
    python benchmarks/billing_bench.py run /tmp/billing                   # time it (fresh processes)

``generate`` writes one line per client and month (``line_id, customer_id, service_period_start,
service_period_end, amount, tax, type``, periods stamped ``YYYY-MM-DD HH:MM:SS`` as Stripe's ``(UTC)``
columns are), 12 million lines and about 1.2 GB at 100,000 × 120: keep it out of the repository.

``run`` times, each in a fresh subprocess with its peak RSS: *read* (``pyarrow.csv.read_csv`` of the
file, the reference), *derive* (read, check, normalise, attribute and aggregate into the matrix: what
``build``, ``validate`` and ``metrics`` do before computing) and *import* (derive, then write the input
workbook and the reconciliation CSV). The ratio derive / read is the figure the README quotes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

CHUNK_CLIENTS = 5_000


def generate(folder: Path, size: str, seed: int = 7) -> Path:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    clients, months = (int(x) for x in size.lower().split("x"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    first = np.datetime64("2015-01", "M")
    starts = (first + np.arange(months)).astype("datetime64[D]")
    ends = (first + np.arange(1, months + 1)).astype("datetime64[D]")
    start_text = np.char.add(starts.astype(str), " 00:00:00")
    end_text = np.char.add(ends.astype(str), " 00:00:00")
    path = folder / "invoice_lines.csv"
    opts = pacsv.WriteOptions(include_header=True, quoting_style="none")
    writer = None
    line = 0
    for lo in range(0, clients, CHUNK_CLIENTS):
        n = min(CHUNK_CLIENTS, clients - lo)
        ids = np.repeat(np.arange(lo, lo + n), months)
        plan = np.repeat(rng.choice([29.0, 49.0, 99.0, 199.0, 499.0], n), months)
        amount = np.round(plan * rng.uniform(0.95, 1.25, n * months), 2)
        tax = np.round(amount * 0.2, 2)
        table = pa.table(
            {
                "line_id": pa.array(
                    np.char.add("il_", np.char.zfill((np.arange(n * months) + line).astype(str), 12))
                ),
                "customer_id": pa.array(np.char.add("cus_", np.char.zfill(ids.astype(str), 10))),
                "service_period_start": pa.array(np.tile(start_text, n)),
                "service_period_end": pa.array(np.tile(end_text, n)),
                "amount": pa.array(np.round(amount + tax, 2)),
                "tax": pa.array(tax),
                "type": pa.array(np.full(n * months, "subscription")),
            }
        )
        line += n * months
        if writer is None:
            writer = pacsv.CSVWriter(str(path), table.schema, write_options=opts)
        writer.write_table(table)
    writer.close()
    (folder / "monthly.csv").write_text(
        "month,sm_spend,gross_margin,net_burn\n"
        + "".join(f"{(first + i).astype(dt.date):%Y-%m},100000,0.75,50000\n" for i in range(months)),
        encoding="utf-8",
    )
    return path


def _step(kind: str, folder: Path) -> dict:
    """One measurement, in this (fresh) process."""
    start = time.perf_counter()
    if kind == "read":
        import pyarrow.csv as pacsv

        rows = pacsv.read_csv(folder / "invoice_lines.csv").num_rows
        extra = {"lines": rows}
    elif kind == "derive":
        from workbook_gen.inputs.read import read_inputs

        data = read_inputs(folder)
        extra = {"clients": data.n_clients, "months": data.n_months, "mrr": float(data.mrr.sum())}
    else:
        from workbook_gen.build import import_billing

        out = folder / "imported.xlsx"
        for p in (out, out.with_name(out.stem + "-reconciliation.csv")):
            p.unlink(missing_ok=True)
        import_billing(folder, out)
        extra = {"bytes": out.stat().st_size}
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"step": kind, "s": round(seconds, 2), "peak_mb": round(peak), **extra}


def run(folder: Path, steps: list[str]) -> list[dict]:
    out = []
    for kind in steps:
        done = subprocess.run(
            [sys.executable, __file__, "_step", kind, str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            out.append({"step": kind, "error": done.stderr.strip()[-800:]})
        else:
            out.append(json.loads(done.stdout))
        print(json.dumps(out[-1]), flush=True)
    by = {r["step"]: r for r in out if "s" in r}
    if "read" in by and "derive" in by:
        print(f"derive / read = {by['derive']['s'] / by['read']['s']:.2f}")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("folder", type=Path)
    g.add_argument("size", nargs="?", default="100000x120")
    r = sub.add_parser("run")
    r.add_argument("folder", type=Path)
    r.add_argument("--steps", default="read,derive,import")
    s = sub.add_parser("_step")
    s.add_argument("kind")
    s.add_argument("folder", type=Path)
    a = p.parse_args()
    if a.cmd == "generate":
        print(generate(a.folder, a.size))
    elif a.cmd == "run":
        run(a.folder, a.steps.split(","))
    else:
        print(json.dumps(_step(a.kind, a.folder)))


if __name__ == "__main__":
    main()
