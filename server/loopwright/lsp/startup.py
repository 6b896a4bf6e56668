"""Opening the editor's repository at `initialized`: explain a folder that is not a
repository, offer to set one up, then host or attach (host.py) and start following the
log (live.py). Requests wait for this to finish, then get the loop or the reason there
is none."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ..config import ConfigError
from ..project import NotARepository, Project
from ..store import StoreError
from ..workspace.repo import WorkspaceError
from . import host, wire
from .early import READY, Opened
from .live import ClientSync
from .params import RequestFailed
from .tasks import Tasks

log = logging.getLogger(__name__)
SET_UP = "Set up Loopwright"
READY_SECONDS = 30.0


class Startup:
    def __init__(self, ls: LanguageServer, tasks: Tasks) -> None:
        self._ls, self._tasks = ls, tasks
        self.repo: host.OpenRepository | None = None
        self.live: ClientSync | None = None
        self.problem = "the server is starting"
        self.opened: Opened | None = None  # what the first answers opened (early.py)
        self._ready = asyncio.Event()

    async def ready(self) -> ClientSync:
        """The followed loop, once startup is over; RequestFailed saying why if none."""
        try:
            async with asyncio.timeout(READY_SECONDS):
                await self._ready.wait()
        except TimeoutError:
            raise RequestFailed("the server is still starting; try again") from None
        if self.live is None:
            raise RequestFailed(self.problem)
        return self.live

    async def open(self, root: Path) -> None:
        try:
            await self._open(root)
        finally:  # however start-up ended, even by a bug, collecting resumes
            if not gc.isenabled():
                _freeze_the_heap()

    async def _open(self, root: Path) -> None:
        try:
            project = Project.find(root)
        except NotARepository as e:
            self._fail(f"{e}: Loopwright works on a git repository", show=True, root=root)
            return
        if not project.dot.exists():
            self._fail(f"Loopwright is not set up in {project.root}: choose "
                       f"'{SET_UP}' or run `loopwright init` there", show=False,
                       root=project.root)
            self._tasks.start("offer-init", self._offer_init(project))
            return
        await self._start(project)

    async def close(self) -> None:
        if self.live is not None:
            await self.live.close()
        await self._tasks.close()
        if self.repo is not None:
            await self.repo.stop()

    async def _start(self, project: Project) -> None:
        try:
            repo = await host.start(project, _exit_on_signal)
        except (ConfigError, StoreError, WorkspaceError) as e:
            self._fail(f"Loopwright cannot open {project.root}: {e}", show=True,
                       root=project.root)
            return
        opened, self.opened = self.opened, None
        if opened is not None and opened.project.root != project.root:
            opened = None
        live = ClientSync(self._ls, repo, self._tasks)
        self.repo, self.live = repo, live
        live.begin(opened.state if opened is not None else None)
        self._ready.set()
        _freeze_the_heap()
        log.info("%s", repo.describe())
        if opened is None or opened.hosted != repo.hosted:  # else announced already
            self._announce(project.root, problem="", hosted=repo.hosted)

    async def _offer_init(self, project: Project) -> None:
        item = await self._ls.window_show_message_request_async(
            types.ShowMessageRequestParams(type=types.MessageType.Info, message=self.problem,
                                           actions=[types.MessageActionItem(SET_UP)]))
        if item is None or item.title != SET_UP:
            return
        self._ready.clear()  # requests from now on wait for the set-up loop, not refused
        try:
            out = await host.run_init(project.root)
        except host.NotReady as e:
            self._fail(str(e), show=True, root=project.root)
            return
        log.info("%s", out)
        await self._start(project)

    def _announce(self, root: Path, *, problem: str, hosted: bool = False) -> None:
        """Startup is over: requests are answered from now on (`ok`), or refused with
        `problem` until Set up Loopwright runs."""
        self._ls.protocol.notify(READY, wire.to_json(wire.Ready(
            root=str(root), ok=not problem, problem=problem, hosted=hosted)))

    def _fail(self, problem: str, *, show: bool, root: Path | None = None) -> None:
        self.problem = problem
        self._ready.set()
        _freeze_the_heap()
        log.warning("%s", problem)
        self._announce(root or Path(), problem=problem)
        if show:
            self._ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Error, message=problem))


def _freeze_the_heap() -> None:
    """Start-up is over: what it loaded (the modules, the follower's state and a hosted
    manager's whole one: millions of objects at 1M events) is moved out of the
    collector's reach, and collecting (off while it loaded, boot.py) resumes. A full
    collection otherwise walks it all on the loop's thread, 100-400 ms at 1M events,
    and a prompt due then waits it out. Not a collection itself (that would be the same
    stall, now); what is frozen is still freed when its last reference goes."""
    gc.freeze()
    gc.enable()


def _exit_on_signal() -> None:
    """The hosted manager stopped on SIGINT/SIGTERM, cleanly (its stop is logged and the
    lock released): the process was asked to end, so end it. The protocol reader is a
    thread blocked on stdin, which no clean shutdown can interrupt."""
    log.warning("stopped by a signal: the hosted manager has stopped; the server exits")
    sys.stderr.flush()
    os._exit(0)
