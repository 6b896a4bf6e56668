"""A long-running command (a preview's server) in the worker's wall, with the machine's
loopback so its port answers outside, its output in a file, stopped with its group."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from ..config import SandboxConfig
from ..workspace import sandbox

__all__ = ["Running", "start", "stop"]

STOP_GRACE_SECONDS = 2.0
TAIL_BYTES = 64 * 1024


@dataclass
class Running:
    proc: asyncio.subprocess.Process
    output: Path  # everything it printed, stdout and stderr

    @property
    def exit_code(self) -> int | None:
        return self.proc.returncode

    def tail(self, lines: int) -> str:
        try:
            with self.output.open("rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - TAIL_BYTES))
                data = f.read()
        except OSError:
            return ""
        kept = data.decode("utf-8", errors="replace").splitlines()[-lines:]
        return "\n".join(kept) + ("\n" if kept else "")


async def start(command: str, cwd: Path, *, config: SandboxConfig, env: Mapping[str, str],
                repo_root: Path | None, output: Path) -> Running | str:
    """Start `command` in `cwd`; the running process, or why it could not start."""
    # Its own network namespace would give it a loopback nobody outside can reach.
    walled = await sandbox.walled(command, cwd, config=msgspec.structs.replace(
        config, network="full"), extra_env=env, repo_root=repo_root)
    if isinstance(walled, str):
        return walled
    output.parent.mkdir(parents=True, exist_ok=True)
    feeds = sandbox.bind_fds(walled.data)
    fds = iter(feeds)
    argv = [str(next(fds)) if a == "{fd}" else a for a in walled.argv]
    try:
        with output.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
                cwd=cwd, env=walled.env, start_new_session=True, pass_fds=feeds)
    except OSError as e:
        return f"cannot start: {e}"
    finally:
        for fd in feeds:
            os.close(fd)
    return Running(proc, output)


async def stop(running: Running) -> None:
    """SIGTERM to its group, SIGKILL after a grace: nothing it started outlives it."""
    pid = running.proc.pid
    _killpg(pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(STOP_GRACE_SECONDS):
            await asyncio.shield(running.proc.wait())
    _killpg(pid, signal.SIGKILL)
    if running.proc.returncode is None:
        await running.proc.wait()


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
