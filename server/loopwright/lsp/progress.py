"""`$/progress` for the sessions at work, where the client supports server-created
progress: ONE progress for all of them, not one per session.

When a first session becomes active (running, waiting, checking, reviewing, landing) a
token is created with `window/workDoneProgress/create` and begun ("Loopwright",
"1 session working · fix-it: running"); it is reported on as sessions move, and ended
when none is active any more. What arrives in one burst (200 sessions starting) is one
report. Signals are carried out in order by one owned task, so a begin never overtakes
its create.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from .follower import ProgressBegin, ProgressEnd, ProgressReport

log = logging.getLogger(__name__)
ProgressSignal = ProgressBegin | ProgressReport | ProgressEnd
TITLE = "Loopwright"


class SessionProgress:
    def __init__(self, ls: LanguageServer) -> None:
        self._ls = ls
        self._queue: asyncio.Queue[ProgressSignal] = asyncio.Queue()
        self._active: dict[str, str] = {}  # session -> its name, while active
        self._names: dict[str, str] = {}
        self._latest = ""  # the last thing a session did: "fix-it: running"
        self._token: str | None = None
        self._shown = ""
        self._ids = itertools.count(1)

    @staticmethod
    def supported(ls: LanguageServer) -> bool:
        window = ls.client_capabilities.window
        return bool(window is not None and window.work_done_progress)

    def put(self, signal: ProgressSignal) -> None:
        self._queue.put_nowait(signal)

    async def run(self) -> None:
        while True:
            self._note(await self._queue.get())
            while not self._queue.empty():  # a burst becomes one report
                self._note(self._queue.get_nowait())
            try:
                await self._show()
            except JsonRpcException as e:
                log.debug("progress not shown: %s", e)

    async def end_all(self) -> None:
        self._active.clear()
        self._latest = "the server stopped"
        await self._show()

    def message(self) -> str:
        n = len(self._active)
        return f"{n} session{'' if n == 1 else 's'} working · {self._latest}"

    def _note(self, signal: ProgressSignal) -> None:
        sid = signal.session_id
        match signal:
            case ProgressBegin(title=title, message=message):
                self._names[sid] = title.removeprefix(f"{TITLE}: ")
                self._active[sid] = self._names[sid]
            case ProgressReport(message=message):
                if sid not in self._active:
                    return
            case ProgressEnd(message=message):
                if self._active.pop(sid, None) is None:
                    return
        self._latest = f"{self._names.get(sid, sid)}: {message}"

    async def _show(self) -> None:
        progress = self._ls.work_done_progress
        if self._active and self._token is None:
            token = f"loopwright/sessions/{next(self._ids)}"
            await progress.create_async(token)
            self._token, self._shown = token, self.message()
            progress.begin(token, types.WorkDoneProgressBegin(
                title=TITLE, message=self._shown, cancellable=False))
        elif self._active and self._token is not None:
            if (now := self.message()) != self._shown:
                self._shown = now
                progress.report(self._token, types.WorkDoneProgressReport(message=now))
        elif self._token is not None:
            token, self._token = self._token, None
            progress.end(token, types.WorkDoneProgressEnd(message=self._latest))
            progress.tokens.pop(token, None)
