"""`loopwright serve`: the language server. Wiring only; each feature lives in its module.

- host.py       which repository, hosting or attaching to its manager
- live.py       following the log: `$/loopwright/changed`, prompts, progress, lens refresh
- commands.py   `loopwright/*` requests and `loopwright.*` commands
- reviews.py    review documents and their code lenses
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..config import ConfigError
from ..project import NotARepository, Project
from ..store import StoreError
from ..workspace.repo import WorkspaceError
from . import commands, host, logs, reviews
from .convert import make_converter
from .live import Live
from .params import InvalidParams, RequestFailed
from .tasks import Tasks

log = logging.getLogger(__name__)
SET_UP = "Set up Loopwright"
READY_SECONDS = 30.0


class LoopwrightServer(LanguageServer):
    def __init__(self, default_root: Path | None = None, *, verbose: bool = False) -> None:
        super().__init__("loopwright", __version__, converter_factory=make_converter,
                         text_document_sync_kind=types.TextDocumentSyncKind.None_)
        self.default_root, self.verbose = default_root, verbose
        self.tasks = Tasks()
        self.loop: host.Loop | None = None
        self.live: Live | None = None
        self.problem = "the server is starting"
        self.folders: list[str] = []
        self.root_uri: str | None = None
        self._ready = asyncio.Event()

    async def ready(self) -> Live:
        """The followed loop, once startup is over; RequestFailed saying why if none."""
        try:
            await asyncio.wait_for(self._ready.wait(), READY_SECONDS)
        except TimeoutError:
            raise RequestFailed("the server is still starting; try again") from None
        if self.live is None:
            raise RequestFailed(self.problem)
        return self.live

    async def open_workspace(self) -> None:
        root = host.workspace_root(self.folders, self.root_uri)
        if not self.folders and not self.root_uri and self.default_root is not None:
            root = self.default_root
        try:
            project = Project.find(root)
        except NotARepository as e:
            self._fail(f"{e}: Loopwright works on a git repository", show=True)
            return
        if not project.dot.exists():
            self._fail(f"Loopwright is not set up in {project.root}: choose "
                       f"'{SET_UP}' or run `loopwright init` there", show=False)
            self.tasks.start("offer-init", self._offer_init(project))
            return
        await self._start(project)

    async def close(self) -> None:
        if self.live is not None:
            await self.live.close()
        await self.tasks.close()
        if self.loop is not None:
            await self.loop.stop()

    async def _start(self, project: Project) -> None:
        try:
            loop = await host.start(project)
        except (ConfigError, StoreError, WorkspaceError) as e:
            self._fail(f"Loopwright cannot open {project.root}: {e}", show=True)
            return
        live = Live(self, loop, self.tasks)
        self.loop, self.live = loop, live
        live.begin()
        self._ready.set()
        log.info("%s", loop.describe())

    async def _offer_init(self, project: Project) -> None:
        item = await self.window_show_message_request_async(types.ShowMessageRequestParams(
            type=types.MessageType.Info, message=self.problem,
            actions=[types.MessageActionItem(SET_UP)]))
        if item is None or item.title != SET_UP:
            return
        try:
            out = await host.run_init(project.root)
        except host.NotReady as e:
            self._fail(str(e), show=True)
            return
        log.info("%s", out)
        self._ready.clear()
        await self._start(project)

    def _fail(self, problem: str, *, show: bool) -> None:
        self.problem = problem
        self._ready.set()
        log.warning("%s", problem)
        if show:
            self.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Error, message=problem))


def setup(ls: LoopwrightServer) -> None:
    @ls.feature(types.INITIALIZE)
    def initialize(ls: LoopwrightServer, params: types.InitializeParams) -> None:
        logs.install(ls.window_log_message, asyncio.get_running_loop(), verbose=ls.verbose)
        ls.folders = [f.uri for f in params.workspace_folders or []]
        ls.root_uri = params.root_uri

    @ls.feature(types.INITIALIZED)
    async def initialized(ls: LoopwrightServer, _params: types.InitializedParams) -> None:
        await ls.open_workspace()

    @ls.feature(types.SHUTDOWN)
    async def shutdown(ls: LoopwrightServer, _params: None) -> None:
        await ls.close()

    @ls.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: LoopwrightServer, params: types.CodeLensParams) -> Any:
        uri = reviews.parse_uri(params.text_document.uri)
        if uri is None:
            return []
        live = await ls.ready()
        live.pump()
        s = reviews.session_of(live.follower.state, uri)
        return reviews.code_lenses(s, uri, live.lenses)

    for action in commands.ACTIONS:
        _register(ls, action)


def _register(ls: LoopwrightServer, action: commands.Action) -> None:
    method, command = f"loopwright/{action.name}", f"loopwright.{action.name}"

    async def request(ls: LoopwrightServer, raw: Any) -> Any:
        return await commands.perform(action, method, await ls.ready(), raw)

    async def execute(ls: LoopwrightServer, *args: Any) -> Any:
        if len(args) > 1:
            raise InvalidParams(
                f"{command} takes one argument, the params object of {method}; got "
                f"{len(args)}")
        return await commands.perform(action, command, await ls.ready(),
                                      args[0] if args else None)

    ls.feature(method)(request)
    ls.command(command)(execute)


def serve(default_root: Path | None = None, *, verbose: bool = False) -> int:
    """Speak LSP on stdin/stdout until the client says exit."""
    stdin, stdout = _protect_stdio()
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
        handler.addFilter(logs.quiet_pygls)
    ls = LoopwrightServer(default_root, verbose=verbose)
    setup(ls)
    ls.start_io(stdin, stdout)
    return 0


def _protect_stdio() -> tuple[BinaryIO, BinaryIO]:
    """The protocol's own handles on stdin/stdout; fds 0 and 1 become /dev/null and
    stderr, so no print and no child process can read or corrupt the protocol."""
    sys.stdout.flush()
    protocol_in = os.fdopen(os.dup(0), "rb")
    protocol_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as we do
    sys.stdout = sys.stderr
    return protocol_in, protocol_out
