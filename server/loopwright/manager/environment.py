"""A session's environment (`[environment]`): made before its worker starts (its ports,
the files copied in from the main checkout, the setup commands, in the worker's
sandbox), named to every command it runs, and undone when it ends (teardown, ports
released)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from .. import events as ev
from ..config import Config
from ..environment_state import ports_in_use
from ..runtime import Runtime
from ..state import Session
from ..workspace import copy_in, ports, sandbox

log = logging.getLogger(__name__)


def session_env(rt: Runtime, session_id: str) -> dict[str, str]:
    """`LOOPWRIGHT_SESSION` and `LOOPWRIGHT_PORT_n` for every command of the session."""
    s = rt.state.sessions[session_id]
    return ports.session_env(s.name, s.environment.ports)


async def reserve_ports(rt: Runtime, session_id: str) -> tuple[int, ...]:
    """The session's ports: those it holds (after a restart), or new ones no live
    session holds, recorded before anything uses them. One reservation at a time, each
    folded before the next looks."""
    wanted = rt.config.environment.ports
    if wanted == 0:
        return ()
    async with rt.ports_lock:
        s = rt.state.sessions[session_id]  # (a preview and a round here may both ask)
        if s.environment.ports:
            return s.environment.ports
        held = ports_in_use(x.environment for x in rt.state.sessions.values())
        picked = ports.reserve(wanted, held)
        await rt.append_applied(ev.PortsReserved(session_id=session_id, ports=picked))
    return picked


async def prepare(rt: Runtime, session_id: str, worktree: Path) -> str | None:
    """Reserve the ports, copy the files in and run the setup; return why the session
    cannot go on (a setup command failed, with its output), or None. A command this
    session already ran with success (before a restart) is not run again."""
    env = rt.config.environment
    try:
        await reserve_ports(rt, session_id)
    except OSError as e:
        return f"could not reserve {env.ports} ports: {e}"
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
            extra_env=session_env(rt, session_id),
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


def made_here(config: Config, s: Session) -> bool:
    """Whether the session's environment is on this machine. A session whose worker ran
    here made it before the worker started. One whose worker ran on a cluster node made
    its own there (the node's ports, no copy); once its work came back, its preview and
    any later round run here, in its worktree here, and need it made here: its ports
    reserved here, `copy` applied (never sent to a node) and `setup` passed."""
    if not s.node:
        return True
    cfg = config.environment
    return ((not cfg.ports or bool(s.environment.ports))
            and (not cfg.copy or s.environment.copied_in)
            and all(command in s.setup_passed for command in cfg.setup))


async def make_here(rt: Runtime, session_id: str) -> str | None:
    """Make a session's environment in its worktree here (`prepare`); why it could not
    be made, or None."""
    s = rt.state.sessions[session_id]
    if made_here(rt.config, s):
        return None
    return await prepare(rt, session_id, Path(s.worktree))


def began_here(s: Session) -> bool:
    """Whether anything of the session's environment was made on this machine, for its
    teardown to undo here."""
    env = s.environment
    return not s.node or bool(env.ports or env.copied_in or s.setup_passed)


def needs_ending(rt: Runtime, session_id: str) -> bool:
    s = rt.state.sessions[session_id]
    return not s.environment.released and bool(
        s.environment.ports or rt.config.environment.teardown)


async def end(rt: Runtime, session_id: str) -> None:
    """The session has ended: run its teardown in its worktree (each command once, its
    output in the log; a failure is reported and stops nothing), then free its ports.
    Called before the worktree is removed, and for a failed or killed session, whose
    worktree stays. A remote session's teardown ran on its node, and runs here only
    when its environment was made here too (`began_here`)."""
    if not needs_ending(rt, session_id):
        return
    s = rt.state.sessions[session_id]
    worktree = Path(s.worktree) if s.worktree else None
    env = rt.config.environment
    # A session whose worker ran on a cluster node had its teardown there (compute/);
    # here too only when its environment was made here as well (for its preview).
    for command in env.teardown if began_here(s) else ():
        if worktree is None or not worktree.is_dir() or s.worktree_removed:
            break
        if command in s.environment.teardown_ran:
            continue
        ran = await sandbox.run(
            command, worktree, timeout=env.teardown_timeout_seconds,
            config=rt.config.sandbox, tail_lines=rt.config.checks.output_tail_lines,
            repo_root=rt.project.root, extra_env=session_env(rt, session_id),
        )
        if ran.exit_code != 0:
            log.warning("teardown `%s` of %s failed (exit %s)", command, s.name,
                        ran.exit_code)
        await rt.append_applied(ev.TeardownRan(
            session_id=session_id, command=command, exit_code=ran.exit_code,
            output_tail=ran.output, seconds=round(ran.seconds, 3),
            timed_out=ran.timed_out))
    await rt.append_applied(ev.EnvironmentReleased(session_id=session_id,
                                                   ports=s.environment.ports))
