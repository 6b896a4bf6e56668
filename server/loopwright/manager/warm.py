"""Keeping `[manager] warm_worktrees` checkouts of the target warm, and a session start
taking one (workspace/warm_pool.py). Off (0) by default: on a small repository a fresh
`git worktree add` is already cheap."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from ..runtime import Runtime
from ..workspace import warm_pool
from ..workspace.repo import WorkspaceError

log = logging.getLogger(__name__)
RECHECK_SECONDS = 60.0  # and whenever a session took one


async def keep_warm(rt: Runtime) -> None:
    """Refill the pool after each take (and now and then); owned by the manager."""
    while True:
        size = rt.config.manager.warm_worktrees
        if size:
            try:
                await asyncio.to_thread(warm_pool.fill, rt.project.root, rt.project.worktrees,
                                        rt.config.project.target_branch, size)
            except WorkspaceError as e:
                log.warning("could not keep worktrees warm: %s", e)
        rt.warm_wanted.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RECHECK_SECONDS):
                await rt.warm_wanted.wait()


async def take(rt: Runtime, path: Path, branch: str, target: str) -> str | None:
    """A warm worktree made the session's at `path`; its base, or None (none warm, or
    the pool is off)."""
    if not rt.config.manager.warm_worktrees:
        return None
    try:
        base = await asyncio.to_thread(warm_pool.take, rt.project.root, rt.project.worktrees,
                                       path, branch, target)
    except WorkspaceError as e:
        log.warning("no warm worktree for %s: %s", branch, e)
        return None
    rt.warm_wanted.set()
    return base
