"""`loopwright serve`: the language server. Wiring only; each feature lives in its module.

- boot.py, early.py   `serve` starting: the first answers while this module loads
- startup.py    opening the editor's repository (or offering to set it up)
- host.py       hosting or attaching to the repository's manager
- live.py       following the log: `$/loopwright/changed`, prompts, progress, lens refresh
- commands.py   `loopwright/*` requests and `loopwright.*` commands
- reviews.py    the review (`loopwright/review`); review_uri.py its documents
- lenses.py     code lenses on review documents, resolved on demand
- threads.py    review threads, viewed marks, the interdiff
- framing.py, jsonrpc.py   reading frames and answering every request, even a bad one
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

from .. import __version__
from . import commands, lenses, logs, reviews
from .convert import make_converter
from .early import FirstAnswers, Frame
from .jsonrpc import LoopwrightProtocol
from .live import ClientSync
from .params import InvalidParams, RequestFailed
from .root import opened_root
from .startup import Startup
from .tasks import Tasks


class LoopwrightServer(LanguageServer):
    def __init__(self, default_root: Path | None = None, *, verbose: bool = False) -> None:
        super().__init__("loopwright", __version__, converter_factory=make_converter,
                         protocol_cls=LoopwrightProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.None_)
        self.default_root, self.verbose = default_root, verbose
        self.folders: list[str] = []
        self.root_uri: str | None = None
        self.startup = Startup(self, Tasks())

    def root(self) -> Path:
        return opened_root(self.folders, self.root_uri, self.default_root)

    async def ready(self) -> ClientSync:
        return await self.startup.ready()

    def serve_frames(self, frames: Callable[[], Frame], stdout: BinaryIO,
                     first: FirstAnswers | None = None) -> None:
        """As pygls' `start_io`, taking frames from `frames` (our bounded reader, boot.py)
        and handing each to the protocol, which answers every request (jsonrpc.py);
        `first`'s frames before them, its answers not sent again."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout))
        if first is not None:
            self.startup.opened = first.opened
            assert isinstance(self.protocol, LoopwrightProtocol)
            self.protocol.answered_already(first.answered)
        try:
            asyncio.run(self._read(frames, first.replay if first is not None else []))
        except BrokenPipeError:
            logging.getLogger(__name__).error("the client is gone; the server stops")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

    async def _read(self, frames: Callable[[], Frame], replay: list[Frame]) -> None:
        loop = asyncio.get_running_loop()
        protocol = self.protocol
        assert isinstance(protocol, LoopwrightProtocol) and self._stop_event is not None
        pending = list(reversed(replay))
        while not self._stop_event.is_set():
            if pending:
                frame = pending.pop()
            else:
                frame = await loop.run_in_executor(self.thread_pool, frames)
            if frame is None:
                return
            try:
                protocol.handle_frame(frame)
            except Exception:  # a message that breaks its handler must not end the server
                logging.getLogger(__name__).exception("could not handle a message")
            await asyncio.sleep(0)  # a replayed frame's handler runs before the next


def setup(ls: LoopwrightServer) -> None:
    @ls.feature(types.INITIALIZE)
    def initialize(ls: LoopwrightServer, params: types.InitializeParams) -> None:
        logs.install(ls.window_log_message, asyncio.get_running_loop(), verbose=ls.verbose)
        ls.folders = [f.uri for f in params.workspace_folders or []]
        ls.root_uri = params.root_uri

    @ls.feature(types.INITIALIZED)
    async def initialized(ls: LoopwrightServer, _params: types.InitializedParams) -> None:
        await ls.startup.open(ls.root())

    @ls.feature(types.SHUTDOWN)
    async def shutdown(ls: LoopwrightServer, _params: None) -> None:
        await ls.startup.close()

    @ls.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=True))
    async def code_lens(ls: LoopwrightServer, params: types.CodeLensParams) -> Any:
        try:
            uri = reviews.parse_uri(params.text_document.uri)
            if uri is None:
                return []
            live = await ls.ready()
            live.pump()
            s = reviews.session_of(live.follower.state, uri)
        except (InvalidParams, RequestFailed) as e:
            raise type(e)(f"{types.TEXT_DOCUMENT_CODE_LENS}: {e.message}") from None
        return reviews.code_lenses(s, uri, live.lenses)

    @ls.feature(types.CODE_LENS_RESOLVE)
    async def code_lens_resolve(ls: LoopwrightServer, lens: types.CodeLens) -> Any:
        live = await _ready(ls, types.CODE_LENS_RESOLVE)
        live.pump()
        target = lenses.lens_target(lens.data)
        s = live.follower.state.sessions.get(target[0]) if target is not None else None
        raw = ls.protocol._converter.unstructure(lens)
        return lenses.resolve(s, raw)

    for action in commands.ACTIONS:
        _register(ls, action)


def _register(ls: LoopwrightServer, action: commands.Action) -> None:
    method, command = f"loopwright/{action.name}", f"loopwright.{action.name}"

    async def request(ls: LoopwrightServer, raw: Any) -> Any:
        return await commands.perform(action, method, await _ready(ls, method), raw)

    async def execute(ls: LoopwrightServer, *args: Any) -> Any:
        if len(args) > 1:
            raise InvalidParams(
                f"{command} takes one argument, the params object of {method}; got "
                f"{len(args)}")
        return await commands.perform(action, command, await _ready(ls, command),
                                      args[0] if args else None)

    ls.feature(method)(request)
    ls.command(command)(execute)


async def _ready(ls: LoopwrightServer, method: str) -> ClientSync:
    try:
        return await ls.ready()
    except RequestFailed as e:
        raise RequestFailed(f"{method}: {e.message}") from None


def run(frames: Callable[[], Frame], stdout: BinaryIO, first: FirstAnswers | None = None,
        default_root: Path | None = None, *, verbose: bool = False) -> int:
    """Speak LSP until the client says exit (boot.py starts it)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(logs.quiet_pygls)
    ls = LoopwrightServer(default_root, verbose=verbose)
    setup(ls)
    ls.serve_frames(frames, stdout, first)
    return 0
