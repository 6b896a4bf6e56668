"""Reading config.toml into the tree: a missing file gives the defaults, a broken one a
ConfigError whose message names the key, on one line."""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path

import msgspec

from .suggest import unknown_key_hint
from .tree import Config

MAX_CONFIG_BYTES = 1 << 20  # a config is a few kilobytes; this is 1 MiB


class ConfigError(Exception):
    """A config that cannot be used. Its message is one line, whatever the file holds."""

    def __str__(self) -> str:
        return _one_line(super().__str__())


def load(path: Path) -> Config:
    """Read `path`; a missing file gives the defaults, a broken one a ConfigError."""
    text = read_config(path)
    return Config() if text is None else parse(text, str(path))


def read_config(path: Path) -> str | None:
    """The text of `path`, None when there is no file. Only a regular file of UTF-8, at
    most MAX_CONFIG_BYTES, is read: a FIFO, a device or a directory is refused without
    waiting on it, and a file that never ends is not read to its end."""
    try:
        kind = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise ConfigError(f"{path}: a symbolic link to nothing") from None
        return None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    _check_regular(path, kind)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
        with open(fd, "rb", closefd=True) as f:
            _check_regular(path, os.fstat(fd).st_mode)  # in case it was swapped since
            data = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES >> 20} MiB; a config is "
                          "a few kilobytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ConfigError(f"{path}: not UTF-8 text (line {line})") from None


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    what = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a file")
    raise ConfigError(f"{path}: {what}, not a regular file")


def parse(text: str, where: str = "config.toml") -> Config:
    _check_key_parts(text, where)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML: {e}") from e
    except ValueError as e:  # an integer of thousands of digits
        raise ConfigError(f"{where}: not valid TOML: a number is too long") from e
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(f"{where}: not valid TOML: nested too deeply") from None
    try:
        return msgspec.convert(raw, Config)
    except msgspec.ValidationError as e:
        raise ConfigError(f"{where}: {_readable(str(e))}{unknown_key_hint(str(e))}") from e


# tomllib takes time quadratic in the parts of one dotted key (10,000 parts: seconds);
# the tree's deepest key has three. Searched in the raw text, strings included: 32 parts
# in a row do not happen in prose.
MAX_KEY_PARTS = 32
_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_LONG_KEY = re.compile(
    rf"(?<![A-Za-z0-9_.-])(?:{_PART}[ \t]*+\.[ \t]*+){{{MAX_KEY_PARTS}}}{_PART}")


def _check_key_parts(text: str, where: str) -> None:
    if m := _LONG_KEY.search(text):
        line = text.count("\n", 0, m.start()) + 1
        raise ConfigError(f"{where}: line {line}: a dotted key of more than "
                          f"{MAX_KEY_PARTS} parts")


def _readable(message: str) -> str:
    # msgspec says "... - at `$.gate.max_changed_lines`"; name the key as TOML does.
    if " - at `$." in message:
        what, at = message.rsplit(" - at `$.", 1)
        return f"{at.rstrip('`')}: {what}"
    return message


def _one_line(text: str) -> str:
    """Control characters (a newline in a key, in a path) written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
