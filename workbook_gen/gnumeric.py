"""Gnumeric, headless (``ssconvert``): the second, independent engine that recalculates a workbook."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from workbook_gen.errors import WorkbookGenError


def ssconvert() -> str | None:
    return shutil.which("ssconvert")


def recalculate(source: Path, out_dir: Path, timeout: int = 1800, recalc: bool = True) -> Path:
    """Open ``source`` in Gnumeric, recalculate every formula (``--recalc``; with ``recalc=False``, as
    Gnumeric opens it) and save it as xlsx in ``out_dir``. Returns the new file."""
    exe = ssconvert()
    if exe is None:
        raise WorkbookGenError("Gnumeric (ssconvert) is not installed; on Debian: apt-get install gnumeric")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = out_dir / (source.stem + ".xlsx")
    cmd = [
        exe,
        *(["--recalc"] if recalc else []),
        "--export-type=Gnumeric_Excel:xlsx2",
        str(source),
        str(result),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or not result.exists():
        raise WorkbookGenError(
            f"Gnumeric could not recalculate {source.name}: {done.stderr.strip() or done.stdout.strip()}"
        )
    return result
