"""`$/progress` for running sessions, where the client supports server-created progress.

Each time a session becomes active (running, waiting, checking, reviewing, landing) a
new token is created with `window/workDoneProgress/create`, begun, reported on as the
session moves, and ended when it leaves the active states. Signals are carried out in
order by one owned task, so a begin never overtakes its create.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from .follower import ProgressBegin, ProgressEnd, ProgressReport

log = logging.getLogger(__name__)
ProgressSignal = ProgressBegin | ProgressReport | ProgressEnd


class SessionProgress:
    def __init__(self, ls: LanguageServer) -> None:
        self._ls = ls
        self._queue: asyncio.Queue[ProgressSignal] = asyncio.Queue()
        self._tokens: dict[str, str] = {}  # session -> its current token
        self._stretches: Counter[str] = Counter()  # session -> progresses it has had

    @staticmethod
    def supported(ls: LanguageServer) -> bool:
        window = ls.client_capabilities.window
        return bool(window is not None and window.work_done_progress)

    def put(self, signal: ProgressSignal) -> None:
        self._queue.put_nowait(signal)

    async def run(self) -> None:
        while True:
            signal = await self._queue.get()
            try:
                await self._carry_out(signal)
            except JsonRpcException as e:
                log.debug("progress for %s not shown: %s", signal.session_id, e)

    async def end_all(self) -> None:
        for sid in list(self._tokens):
            await self._carry_out(ProgressEnd(sid, "the server stopped"))

    async def _carry_out(self, signal: ProgressSignal) -> None:
        progress = self._ls.work_done_progress
        sid = signal.session_id
        match signal:
            case ProgressBegin(title=title, message=message):
                if sid in self._tokens:
                    return
                self._stretches[sid] += 1  # n counts this session's stretches only
                token = f"loopwright/{sid}/{self._stretches[sid]}"
                await progress.create_async(token)
                self._tokens[sid] = token
                progress.begin(token, types.WorkDoneProgressBegin(
                    title=title, message=message, cancellable=False))
            case ProgressReport(message=message):
                if (current := self._tokens.get(sid)) is not None:
                    progress.report(current, types.WorkDoneProgressReport(message=message))
            case ProgressEnd(message=message):
                if (ending := self._tokens.pop(sid, None)) is not None:
                    progress.end(ending, types.WorkDoneProgressEnd(message=message))
                    progress.tokens.pop(ending, None)
