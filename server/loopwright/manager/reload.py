"""A running manager reads `config.toml` again when it changes.

What can apply at once does: `Runtime.config` is replaced by a new, fully loaded tree (the
one in force is never changed in place), so a step that reads it sees the old one or the
new one, never half of each. What is bound when the manager starts (listeners, the
triage agent, the checks' slots) keeps its starting value until a restart:
`config.RESTART_KEYS`, and the inbox says which edits wait for one. An edit that does not load
is refused with its one-line error, and the last good configuration stays in force.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import msgspec

from .. import backends
from .. import events as ev
from ..config import RESTART_KEYS, Config, ConfigError
from ..runtime import Runtime

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25


def needs_restart(key: str) -> bool:
    return any(key == k or key.startswith(k + ".") for k in RESTART_KEYS)


def flatten(config: Config) -> dict[str, Any]:
    """Every setting by its dotted key; a list (of timers, of globs) is one value."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            out[prefix] = value

    walk("", msgspec.to_builtins(config))
    return out


def changed_keys(old: Config, new: Config) -> tuple[str, ...]:
    a, b = flatten(old), flatten(new)
    return tuple(sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k)))


def in_force(started: Config, new: Config) -> Config:
    """`new`, with every restart-bound key at the value the manager started with."""
    for key in RESTART_KEYS:
        section, _, field = key.partition(".")
        kept = getattr(started, section)
        if field:
            kept = msgspec.structs.replace(getattr(new, section), **{field: getattr(kept, field)})
        new = msgspec.structs.replace(new, **{section: kept})
    return new


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ConfigWatcher:
    """Notices an edit of `config.toml` (its mtime, size or inode) and reloads it."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._path = rt.project.config_path
        self._started = rt.config  # what the restart-bound keys stay at
        self._file = rt.config  # the last configuration the file gave
        # As the manager found it: a config given in code (benchmarks, the demo) stays
        # until the file is edited.
        self._seen = _stamp(self._path)
        self._broken = False

    def check(self) -> list[ev.Event]:
        """Reload when the file changed: the events to record (none when it did not)."""
        stamp = _stamp(self._path)
        if stamp == self._seen:
            return []
        self._seen = stamp
        try:
            new = backends.load(self._path)
        except (ConfigError, ValueError, OSError) as e:
            self._broken = True
            log.warning("config.toml not reloaded: %s", e)
            return [ev.ConfigRefused(error=str(e))]
        changed = changed_keys(self._file, new)
        if not changed and not self._broken:
            return []  # touched, or saved unchanged
        self._file, self._broken = new, False
        self._rt.reconfigure(in_force(self._started, new))
        pending = tuple(k for k in changed_keys(self._started, new) if needs_restart(k))
        applied = tuple(k for k in changed if not needs_restart(k))
        log.info("config.toml reloaded: %s", ", ".join(changed) or "unchanged")
        return [ev.ConfigReloaded(changed=changed, applied=applied, needs_restart=pending)]

    async def run(self, seconds: float = POLL_SECONDS) -> None:
        # On the loop's thread: a stat, and now and then a read of a few kilobytes (a FIFO
        # or a huge file is refused unread), so the new tree is put in force by one
        # assignment between two steps of the loop.
        while True:
            await asyncio.sleep(seconds)
            if events := self.check():
                self._rt.append(*events)
