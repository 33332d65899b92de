"""LibreOffice, headless: full recalculation of a workbook and PDF export."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from workbook_gen.errors import WorkbookGenError

# Always recalculate on load; without this LibreOffice keeps the cached values it finds.
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile(folder: Path, recalc: bool) -> str:
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    if recalc:
        (user / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
    return folder.resolve().as_uri()


def convert(source: Path, out_dir: Path, target: str, timeout: int = 1800, recalc: bool = True) -> Path:
    """Open ``source`` in LibreOffice (recalculating every formula; with ``recalc=False``, as a user's
    default profile opens it) and save it as ``target`` (``xlsx`` or ``pdf``) in ``out_dir``.
    Returns the new file."""
    exe = soffice()
    if exe is None:
        raise WorkbookGenError(
            "LibreOffice (soffice) is not installed; on Debian: apt-get install libreoffice-calc-nogui"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wbgen-lo-") as prof:
        cmd = [
            exe,
            f"-env:UserInstallation={_profile(Path(prof), recalc)}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    result = out_dir / (source.stem + "." + target.split(":")[0])
    if done.returncode != 0 or not result.exists():
        raise WorkbookGenError(
            f"LibreOffice could not convert {source.name}: {done.stderr.strip() or done.stdout.strip()}"
        )
    return result


def recalculate(source: Path, out_dir: Path) -> Path:
    return convert(source, out_dir, "xlsx")


def page_tabs(pdf: Path) -> list[str] | None:
    """The tab each page of a printed workbook belongs to, in page order: the middle field of the page
    header ("company | tab | period", as printing.page_setup writes it), read with ``pdftotext``
    (poppler-utils). None when pdftotext is not installed or a page has no such header."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    done = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    pages = done.stdout.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    tabs = []
    for text in pages:
        first = next((line for line in text.splitlines() if line.strip()), "")
        fields = re.split(r"\s{2,}", first.strip())
        if len(fields) != 3:
            return None
        tabs.append(fields[1])
    return tabs
