"""`[environment]` for a session on a node: its name and ports (free on that node) for
every command it runs there, its setup before the worker starts, its teardown after the
worker ends, all in the session's tree, in the node's sandbox.

The ports are the node's: a port free here says nothing of one there, so they are
picked on the node and are not this machine's to record. `copy` does not travel: the
files it names (`.env`) are the user's secrets, which stay on the manager's machine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..config import Config
from ..core.commands import CommandResult
from ..workspace import ports, sandbox

Call = Callable[[str, dict[str, Any]], Awaitable[Any]]


def session_env(config: Config, name: str) -> dict[str, str]:
    """`LOOPWRIGHT_SESSION` and `LOOPWRIGHT_PORT_n`, ports picked free on this node."""
    count = config.environment.ports
    return ports.session_env(name, ports.reserve(count, ()) if count else ())


async def setup(tree: Path, config: Config, env: dict[str, str], call: Call) -> str | None:
    """Run the setup commands; why the session cannot go on, or None. Each result goes
    to the log as the session's progress."""
    cfg = config.environment
    for command in cfg.setup:
        ran = await _run(tree, config, command, cfg.setup_timeout_seconds, env)
        await call("progress", {"message": _said("setup", ran)})
        if ran.timed_out:
            return (f"setup `{command}` timed out after {cfg.setup_timeout_seconds:g}s "
                    f"on the node:\n{ran.output}").rstrip()
        if ran.exit_code != 0:
            return (f"setup `{command}` failed on the node (exit {ran.exit_code}):\n"
                    f"{ran.output}").rstrip()
    return None


async def teardown(tree: Path, config: Config, env: dict[str, str], call: Call) -> None:
    """Run the teardown commands, each once; a failure is reported and stops nothing."""
    cfg = config.environment
    for command in cfg.teardown:
        ran = await _run(tree, config, command, cfg.teardown_timeout_seconds, env)
        await call("progress", {"message": _said("teardown", ran)})


async def _run(tree: Path, config: Config, command: str, timeout: float,
               env: dict[str, str]) -> CommandResult:
    return await sandbox.run(command, tree, timeout=timeout, config=config.sandbox,
                             tail_lines=config.checks.output_tail_lines, extra_env=env)


def _said(what: str, ran: CommandResult) -> str:
    status = ("timed out" if ran.timed_out else "passed" if ran.exit_code == 0
              else f"failed (exit {ran.exit_code})")
    tail = "\n".join(ran.output.splitlines()[-5:])
    return f"{what} `{ran.command}` on the node {status} in {ran.seconds:.1f}s" + (
        f"\n{tail}" if tail else "")
