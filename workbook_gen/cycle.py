"""The monthly cycle's part of a build: last month's pack given with ``--previous`` is checked,
read and compared with this month's numbers. ``build`` calls these; the reading lives with the inputs
(:mod:`workbook_gen.inputs.pack`), the comparison with the metrics (:mod:`workbook_gen.metrics.changes`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workbook_gen.errors import InputError, OutputError
from workbook_gen.inputs.pack import read_previous_pack
from workbook_gen.metrics.changes import Changes, compare_packs
from workbook_gen.metrics.engine import Results, choose_split
from workbook_gen.model import COMPARED, InputData, PreviousPack
from workbook_gen.settings import Settings


def check_previous(input_path: Path, output: Path, previous: Path | str | None) -> None:
    """Refuse, before any work, a --previous that is the output or the input itself."""
    if previous is None:
        return
    last = Path(previous).resolve()
    if Path(output).resolve() == last:
        raise OutputError(
            "The output would overwrite last month's pack (--previous); choose another -o path."
        )
    if Path(input_path).resolve() == last:
        raise InputError(
            [
                f"{Path(input_path).name} is both INPUT and --previous: keep last month's pack untouched, add "
                "the new month to a copy of it, and build the copy with --previous pointing at the original."
            ]
        )


def read_previous(previous: Path | str | None, say: Callable[[str], None]) -> PreviousPack | None:
    if previous is None:
        return None
    say(f"reading last month's pack {Path(previous).name}")
    return read_previous_pack(previous)


def shown_settings(settings: Settings, company: str, split: str | None) -> dict[str, object]:
    """The settings as a pack's Cover shows them (to compare with last month's pack)."""
    shown: dict[str, object] = {k: getattr(settings, k) for k in COMPARED}
    shown.update(company=company, split=split or "none")
    return shown


def changes_since(
    last: PreviousPack | None, data: InputData, results: Results, settings: Settings, company: str
) -> Changes | None:
    if last is None:
        return None
    return compare_packs(
        last, data, results, shown_settings(settings, company, choose_split(data, settings.split))
    )
