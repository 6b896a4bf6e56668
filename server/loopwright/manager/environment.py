"""A session's environment, made before its worker starts (`[environment]`): the files
copied in from the main checkout, then the setup commands, in the worker's sandbox."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from .. import events as ev
from ..runtime import Runtime
from ..workspace import copy_in, sandbox

log = logging.getLogger(__name__)


async def prepare(rt: Runtime, session_id: str, worktree: Path) -> str | None:
    """Copy the files in and run the setup; return why the session cannot go on (a
    setup command failed, with its output), or None. A command this session already
    ran with success (before a restart) is not run again."""
    env = rt.config.environment
    if env.copy:
        result = await asyncio.to_thread(copy_in.copy_in, rt.project.root, worktree,
                                         env.copy)
        for skipped in result.skipped:
            log.warning("[environment] copy: %s", skipped)
        rt.append(ev.FilesCopiedIn(session_id=session_id, copied=result.copied,
                                   skipped=result.skipped))
    for command in env.setup:
        s = rt.state.sessions[session_id]
        if command in s.setup_passed:
            rt.append(ev.SetupSkipped(session_id=session_id, command=command))
            continue
        ran = await sandbox.run(
            command, worktree, timeout=env.setup_timeout_seconds, config=rt.config.sandbox,
            tail_lines=rt.config.checks.output_tail_lines, repo_root=rt.project.root,
        )
        rt.append(ev.SetupRan(session_id=session_id, command=command,
                              exit_code=ran.exit_code, output_tail=ran.output,
                              seconds=round(ran.seconds, 3), timed_out=ran.timed_out))
        if ran.timed_out:
            return (f"setup `{command}` timed out after {env.setup_timeout_seconds:g}s:"
                    f"\n{ran.output}").rstrip()
        if ran.exit_code != 0:
            return f"setup `{command}` failed (exit {ran.exit_code}):\n{ran.output}".rstrip()
    return None
