"""Reading config.toml into the tree: a missing file gives the defaults, a broken one a
ConfigError whose message names the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from .tree import Config


class ConfigError(Exception):
    pass


def load(path: Path) -> Config:
    """Read `path`; a missing file gives the defaults, a broken one a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from e
    return parse(text, str(path))


def parse(text: str, where: str = "config.toml") -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML: {e}") from e
    try:
        return msgspec.convert(raw, Config)
    except msgspec.ValidationError as e:
        raise ConfigError(f"{where}: {_readable(str(e))}") from e


def _readable(message: str) -> str:
    # msgspec says "... - at `$.gate.max_changed_lines`"; name the key as TOML does.
    if " - at `$." in message:
        what, at = message.rsplit(" - at `$.", 1)
        return f"{at.rstrip('`')}: {what}"
    return message
