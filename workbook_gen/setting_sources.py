"""Where each setting comes from: defaults, then the Settings tab of the pack being rebuilt (README, The
monthly cycle), then ``workbook-gen.toml`` beside the input, then command-line options."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from workbook_gen.errors import SettingsError
from workbook_gen.inputs.pack import read_pack_settings
from workbook_gen.settings import SETTINGS_FILE, Settings

DEFAULTS = Settings()


def option_name(key: str) -> str:
    return "--" + key.replace("_", "-")


def settings_file_values(input_path: Path) -> dict:
    """The raw values of ``workbook-gen.toml`` beside the input (or inside it, for a CSV folder); {} if none."""
    base = input_path if input_path.is_dir() else input_path.parent
    toml_path = base / SETTINGS_FILE
    if not toml_path.is_file():
        return {}
    try:
        return tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{toml_path.name}: not valid TOML ({exc}).") from None
    except OSError as exc:
        raise SettingsError(f"{toml_path.name}: cannot be read ({exc.strerror or exc}).") from None


def load_settings(input_path: Path, overrides: dict | None = None, base: Settings | None = None) -> Settings:
    """``base`` (the defaults), then ``workbook-gen.toml`` beside the input, then overrides; every value
    checked against :data:`workbook_gen.settings.SCHEMA`."""
    settings = (base or Settings()).with_overrides(settings_file_values(input_path), source=SETTINGS_FILE)
    return settings.with_overrides(overrides or {}, source="options")


def resolve_settings(input_path: Path, overrides: dict | None = None) -> tuple[Settings, dict[str, str]]:
    """The settings of a run and, for each one not left at its default, where it came from."""
    input_path = Path(input_path)
    options = {k: v for k, v in (overrides or {}).items() if v is not None}
    from_pack = read_pack_settings(input_path) or {}
    try:
        base = Settings().with_overrides(**from_pack)
    except SettingsError as exc:
        raise SettingsError(f"Settings on the Settings tab of {input_path.name}: {exc}") from None
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
            sources[key] = f"the Settings tab of {input_path.name}"
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
            shown = f"{value:%Y-%m}" if key in ("as_of", "constant_currency") else _plain(value)
            origin = sources.get(key, "default")
        lines.append(f"    {key:<20} {shown}  ({origin})")
    return lines


def _plain(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
