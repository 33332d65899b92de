"""Where outputs go: never over an input, atomically, with the permissions the user
expects, and without temporary litter even when the run is interrupted or the disk is full."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from workbook_gen.errors import Interrupted, OutputError

#: Files that belong to an input: the input itself and what is read beside it.
SIDE_FILES = ("mrr.csv", "monthly.csv", "workbook-gen.toml")
_TAG = "wbgen"


def input_files(input_path: Path | str) -> list[Path]:
    """Every path a command reads for ``input_path``: the workbook, or the CSV folder and its members,
    and the settings file beside them."""
    p = Path(input_path)
    if p.is_dir():  # every CSV of a folder input may be read (a billing file, fx.csv, ...)
        return [p, *(p / name for name in SIDE_FILES), *sorted(p.glob("*.csv"))]
    if p.suffix.lower() == ".csv":
        return [p, p.parent, *(p.parent / name for name in SIDE_FILES)]
    return [p, p.parent / SIDE_FILES[2]]


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file, whatever the spelling, symlinks or hard links."""
    try:
        if Path(os.path.abspath(a)).resolve() == Path(os.path.abspath(b)).resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop: compare what exists below
        pass
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def refuse_overwriting_inputs(output: Path | str, inputs: Iterable[Path | str]) -> None:
    """The one place that decides whether ``output`` is one of the inputs; raises :class:`OutputError`."""
    out = Path(output)
    for given in inputs:
        for path in input_files(given):
            if same_file(out, path):
                raise OutputError(
                    f"{out} is one of the inputs ({path}); refusing to write over it. Choose another output path."
                )


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _scratch_pattern(target: Path) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(target.name)}\.{_TAG}-(\d+)-[^/]*\.tmp$")


def sweep_stale(target: Path) -> list[Path]:
    """Remove temporaries an earlier run of ours left beside ``target`` (killed before it could clean up)."""
    folder, pattern, removed = target.parent, _scratch_pattern(target), []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                removed.append(entry)
    return removed


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The mode of the file being replaced, else what a new file gets under the current umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def signals_raise():
    """While writing, SIGTERM, SIGHUP and SIGINT raise :class:`Interrupted` so the cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise Interrupted(signum, signal.Signals(signum).name)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _reason(exc: BaseException) -> str:
    """The operating system's words for a failed write. xlsxwriter wraps the OSError in its own
    FileCreateError (as its argument, raised inside the ``except``), so look one level down too."""
    inner = exc
    if not isinstance(inner, OSError):
        wrapped = [a for a in exc.args if isinstance(a, OSError)] + [exc.__cause__, exc.__context__]
        inner = next((e for e in wrapped if isinstance(e, OSError)), exc)
    if isinstance(inner, OSError):
        if inner.errno == errno.ENOSPC:
            return "the disk is full"
        return inner.strerror or str(inner)
    return str(exc) or type(exc).__name__


def write_atomic(
    target: Path | str, write: Callable[[Path], None], overwrite: bool = True, inputs: Iterable = ()
) -> Path:
    """Write ``target`` through ``write(tmp)`` into a private scratch folder beside it, then rename.

    The scratch folder also holds any temporary files of the writer (``tmp.parent``). Whatever
    happens — an error, a full disk, Ctrl-C, SIGTERM — the scratch folder is removed and the previous
    ``target`` is untouched; a folder left by a killed run is swept at the next run. The new file
    keeps the permissions of the one it replaces, else follows the umask. With ``overwrite=False``
    an existing ``target`` (or a symlink there) is refused and never replaced."""
    target = Path(target)
    refuse_overwriting_inputs(target, inputs)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"Cannot write {target}: folder {folder} does not exist.")
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder.")
    if not overwrite and os.path.lexists(target):
        raise OutputError(f"{target} already exists; not overwriting it.")
    sweep_stale(target)
    mode = _mode_for(target)
    try:
        scratch = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.{_TAG}-{os.getpid()}-", suffix=".tmp", dir=folder)
        )
    except OSError as exc:
        raise OutputError(f"Cannot write {target}: {_reason(exc)}.") from None
    try:
        with signals_raise():
            tmp = scratch / target.name
            try:
                write(tmp)
                os.chmod(tmp, mode)
                if overwrite:
                    os.replace(tmp, target)
                else:
                    _link_new(tmp, target)
            except FileExistsError:
                raise OutputError(f"{target} already exists; not overwriting it.") from None
            except (OutputError, Interrupted):
                raise
            except Exception as exc:
                if not _is_write_failure(exc):
                    raise
                raise OutputError(f"Cannot write {target}: {_reason(exc)}.") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _link_new(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target`` only if nothing is there: a hard link fails if anything appeared
    meanwhile; where the file system has no hard links, check then rename."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.replace(tmp, target)


def _is_write_failure(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return True
    try:
        from xlsxwriter.exceptions import XlsxFileError
    except ImportError:  # pragma: no cover - xlsxwriter is a dependency
        return False
    return isinstance(exc, XlsxFileError)
