"""Broken builds: the checks run on the target branch itself, in a scratch worktree.

After each landing (and on a schedule) the target's tip is checked out detached in
`.loopwright/build/` and the checks run there, sandboxed like any other. A failure files
one task, "Fix the build", carrying the failing output — once per breakage: the log
remembers the first failing commit (`BuildChecked`), and later failures while the build
stays broken file nothing more. The next passing check ends the breakage.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Literal

import msgspec

from .. import events as ev
from ..config import Config
from ..core.ids import new_id
from ..review import checks as checks_mod
from ..runtime import Runtime
from ..workspace.repo import WorkspaceError, head_commit, run, run_ok
from ..workspace.session_git import git, session_git
from ..world_state import BuildState

log = logging.getLogger(__name__)

TITLE = "Fix the build"
Why = Literal["landing", "schedule", "start"]


def is_new_breakage(build: BuildState, passed: bool) -> bool:
    """Whether a check with this result should file a task: only the first failure of
    a breakage does (a build never checked before counts as passing)."""
    return not passed and not build.broken_since


def should_check(build: BuildState, commit: str, why: Why) -> bool:
    """A landing always asks; a schedule or a start skips a commit already checked."""
    return why == "landing" or commit != build.last_commit


def task_body(branch: str, commit: str, command: str, output: str, timed_out: bool) -> str:
    how = "timed out" if timed_out else "failed"
    return (f"The checks {how} on `{branch}` at {commit[:12]}: the target branch itself "
            f"is broken, so every change would fail to land.\n\nMake `{command}` pass "
            f"again.\n\nThe failing output (its last lines):\n\n```\n{output.rstrip()}\n```\n")


def target_ref(root: Path, config: Config) -> str:
    """The ref whose tip is the build: the local target, or in `pull-request` landing
    mode the remote's, fetched first (changes land there, not here)."""
    branch = config.project.target_branch
    if config.land.mode != "pull-request":
        return f"refs/heads/{branch}"
    remote = config.land.remote
    fetched = run_ok(root, "fetch", "-q", remote, f"+refs/heads/{branch}:"
                     f"refs/remotes/{remote}/{branch}")
    if fetched.status != 0:
        log.warning("could not fetch %s/%s: %s", remote, branch, fetched.stderr.strip())
    return f"refs/remotes/{remote}/{branch}"


def prepare_scratch(root: Path, path: Path, commit: str) -> None:
    """`path` becomes a detached worktree at `commit` with nothing else in it (files
    git ignores, like caches, are kept so the next build is quicker)."""
    if not (path / ".git").exists():
        run(root, "worktree", "prune")
        path.parent.mkdir(parents=True, exist_ok=True)
        run(root, "worktree", "add", "-q", "--detach", str(path), commit)
        return
    sg = session_git(root, path)  # the checks ran there: trust nothing they left
    git(sg, "checkout", "-q", "--detach", "--force", commit)
    git(sg, "clean", "-q", "-ffd")


async def check_build(rt: Runtime, why: Why) -> bool:
    """Check the target's tip once (unless `why` says it need not); True if it ran."""
    root, config = rt.project.root, rt.config
    branch = config.project.target_branch
    try:
        ref = await asyncio.to_thread(target_ref, root, config)
        commit = await asyncio.to_thread(head_commit, root, ref)
    except WorkspaceError as e:
        log.warning("build check skipped: %s", e)
        return False
    build = rt.state.world.build
    if not should_check(build, commit, why):
        return False
    scratch = rt.project.dot / "build"
    await asyncio.to_thread(prepare_scratch, root, scratch, commit)
    command = config.build.command.strip() or await asyncio.to_thread(
        checks_mod.command_for, scratch, config)
    if not command:
        log.info("build check skipped: no checks configured or detected")
        return False
    async with rt.checks_slots:
        result = await checks_mod.run_checks(scratch, config, command, root)
    assert result is not None  # a command was given
    checked = ev.BuildChecked(
        target_branch=branch, commit=commit, passed=result.ok, command=command,
        output_tail=result.output, seconds=round(result.seconds, 3),
        timed_out=result.timed_out, why=why,
    )
    if not is_new_breakage(rt.state.world.build, result.ok):
        await rt.append_applied(checked)
        return True
    task_id = new_id("t")
    await rt.append_applied(
        ev.BuildChecked(**{**msgspec.structs.asdict(checked), "task_id": task_id}),
        ev.TaskFiled(
            task_id=task_id, title=TITLE, source="build", labels=("build",),
            body=task_body(branch, commit, command, result.output, result.timed_out),
            priority=config.build.priority, origin=f"build:{commit}",
        ),
    )
    return True
