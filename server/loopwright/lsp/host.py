"""Which repository the editor has open, and who runs its loop.

If no manager holds the repository's lock, the server hosts one in its own event loop
(an owned task, stopped on `shutdown`). If one is running (`loopwright run` in a
terminal), the server attaches as a front end through the shared store: the loop
survives the editor closing, and the server never starts a second manager.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..backends import load
from ..manager.api import FrontEndApi
from ..manager.lock import AlreadyRunning, holder_pid
from ..manager.loop import Manager
from ..project import Project
from ..workspace import repo as repo_mod

log = logging.getLogger(__name__)
STOP_SECONDS = 15.0


class NotReady(Exception):
    """The repository could not be set up; the message says why."""


async def run_init(root: Path) -> str:
    """`loopwright init` in `root`, as a child process (it prints; the server must not)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "loopwright", "-C", str(root), "init",
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace").strip()
    if proc.returncode != 0:
        raise NotReady(f"`loopwright init` failed: {text}")
    return text


@dataclass
class OpenRepository:
    """The open repository, the API over its log, and the manager (hosted or not)."""

    project: Project
    api: FrontEndApi
    manager: Manager | None = None
    manager_task: asyncio.Task[None] | None = None
    stopping: bool = False

    @property
    def hosted(self) -> bool:
        return self.manager_task is not None and not self.manager_task.done()

    def manager_pid(self) -> int | None:
        if self.hosted:
            return os.getpid()
        return holder_pid(self.project.lock_path)

    def describe(self) -> str:
        if self.hosted:
            return (f"hosting the Loopwright manager for {self.project.root} in this "
                    f"server (pid {os.getpid()}); it stops when the editor closes")
        pid = self.manager_pid()
        if pid:
            return (f"attached to the Loopwright manager already running for "
                    f"{self.project.root} (pid {pid}, `loopwright run`); it keeps "
                    "running when the editor closes")
        return (f"no Loopwright manager is running for {self.project.root}; actions are "
                "recorded and taken up when one starts")

    async def stop(self) -> None:
        """Stop the hosted manager (if any) and close the log."""
        self.stopping = True
        if self.manager is not None and self.manager_task is not None:
            self.manager.stop()
            try:
                async with asyncio.timeout(STOP_SECONDS):
                    await asyncio.shield(self.manager_task)
            except TimeoutError:
                log.warning("the manager did not stop within %ss; cancelling it",
                            STOP_SECONDS)
                self.manager_task.cancel()
                await asyncio.gather(self.manager_task, return_exceptions=True)
            except Exception:  # noqa: BLE001 - already logged when it ended
                pass
        self.api.close()


async def start(project: Project, on_signal: Callable[[], None]) -> OpenRepository:
    """Open the log and host the manager, or attach to the one already running.

    A hosted manager stops itself on SIGINT/SIGTERM (it installs the handlers); when it
    does, `on_signal` is called so the server can end too."""
    api = FrontEndApi.open(project, history=False)  # the editor shows what is current
    repo = OpenRepository(project, api)
    pid = holder_pid(project.lock_path)
    if pid:
        return repo
    if not repo_mod.has_commits(project.root):
        log.warning("%s has no commits yet: commit something so sessions have a base to "
                    "branch from; not starting a manager", project.root)
        return repo
    manager = Manager(project, load(project.config_path))
    task = asyncio.get_running_loop().create_task(manager.run(), name="manager")
    started = asyncio.ensure_future(manager.started.wait())
    await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    if task.done() and isinstance(task.exception(), AlreadyRunning):
        return repo  # another manager won the race: be its front end
    repo.manager, repo.manager_task = manager, task
    task.add_done_callback(lambda t: _manager_ended(repo, t, on_signal))
    return repo


def _manager_ended(repo: OpenRepository, task: asyncio.Task[None], on_signal: Callable[[], None]
                   ) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("the hosted manager stopped: %s: %s; this server stays a front end",
                  type(error).__name__, error, exc_info=error)
    elif not repo.stopping:
        on_signal()
