"""What front ends show of the manager's own facts: `config.toml` read again (or refused)
while it runs, a session that changed nothing, a worktree removed with its branch."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .. import events as ev
from ..state import State

Item = TypeVar("Item")


def describe(e: ev.Event, name: Callable[[str], str]) -> str | None:
    """One human-readable line for these events; None for other events."""
    match e:
        case ev.ConfigReloaded():
            parts = [f"{', '.join(e.applied)} in force"] if e.applied else []
            if e.needs_restart:
                parts.append(f"waiting for a restart: {', '.join(e.needs_restart)}")
            return f"config.toml reloaded: {'; '.join(parts) or 'nothing changed'}"
        case ev.ConfigRefused():
            return f"config.toml NOT reloaded (the last good config stays): {e.error}"
        case ev.NothingChanged():
            return f"{name(e.session_id)}: no change: {e.reason}"
        case ev.WorktreeRemoved(branch_deleted=branch, branch_commit=commit) if branch:
            return (f"{name(e.session_id)}: worktree removed, branch {branch} deleted at "
                    f"{commit[:12]} (`git branch {branch} {commit}` restores it)")
        case ev.WorktreeRemoved():
            return f"{name(e.session_id)}: worktree removed"
    return None


def inbox_items(state: State, make: Callable[..., Item]) -> list[Item]:
    """`config.toml` edits that did not load, or that wait for a restart."""
    cfg, items = state.world.config, []
    if cfg.error:
        items.append(make(
            kind="config", ref="config.toml", title="config.toml does not load: the last "
            "good configuration stays in force", detail=cfg.error, since=cfg.error_at,
        ))
    if cfg.needs_restart:
        items.append(make(
            kind="config", ref="config.toml", title="config.toml edits wait for a restart "
            "of the manager", detail=", ".join(cfg.needs_restart), since=cfg.reloaded_at,
        ))
    return items
