"""Where each setting comes from: defaults, then the Cover of the pack being rebuilt (README, The
monthly cycle), then ``workbook-gen.toml`` beside the input, then command-line options."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from workbook_gen.errors import SettingsError
from workbook_gen.inputs.pack import read_pack_settings
from workbook_gen.settings import SETTINGS_FILE, Settings, load_settings, settings_file_values

DEFAULTS = Settings()


def option_name(key: str) -> str:
    return "--" + key.replace("_", "-")


def resolve_settings(input_path: Path, overrides: dict | None = None) -> tuple[Settings, dict[str, str]]:
    """The settings of a run and, for each one not left at its default, where it came from."""
    input_path = Path(input_path)
    options = {k: v for k, v in (overrides or {}).items() if v is not None}
    from_pack = read_pack_settings(input_path) or {}
    try:
        base = Settings().with_overrides(**from_pack)
    except SettingsError as exc:
        raise SettingsError(f"Settings on the Cover of {input_path.name}: {exc}") from None
    settings = load_settings(input_path, options, base)
    from_file = settings_file_values(input_path)
    sources: dict[str, str] = {}
    for f in fields(Settings):
        key = f.name
        if key in options:
            sources[key] = f"option {option_name(key)}"
        elif key in from_file:
            sources[key] = SETTINGS_FILE
        elif key in from_pack:
            sources[key] = f"the Cover of {input_path.name}"
    return settings, sources


def describe(
    settings: Settings, sources: dict[str, str], company: str, split: str | None, why: str
) -> list[str]:
    """One line per setting that differs from its default, saying where it came from."""
    lines = []
    for f in fields(Settings):
        key = f.name
        value = getattr(settings, key)
        if key == "company":
            shown = company
            origin = sources.get(key, "the input's file name")
        elif key == "split":
            shown = split or "none"
            origin = sources.get(key, why)
            if key in sources and why != "as set":
                origin += f"; {why}"
        else:
            if value == getattr(DEFAULTS, key):
                continue
            shown = f"{value:%Y-%m}" if key == "as_of" else _plain(value)
            origin = sources.get(key, "default")
        lines.append(f"    {key:<20} {shown}  ({origin})")
    return lines


def _plain(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
