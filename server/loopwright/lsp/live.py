"""Following the log: read what is new, let the follower say what changed, tell the
client (`$/loopwright/changed`), and carry the signals out (prompts, progress, lens
refresh).

The follower has its own connection to the store, so it notices every append (the
hosted manager's, the API's, another process's) through SQLite's data version within
one poll (20 ms). Changes come in bursts (an answer, then the worker's next step, then
its next question), and a hosted manager wakes on the same change as the follower and
appends just after the follower looked; so for a moment after each change the follower
looks every 2 ms, and it is back to the store's idle pace when nothing moves.
Everything read in one go becomes one notification: that is the coalescing. Request
handlers call `pump()` first, so what they answer is never behind what the client was
told.
"""

from __future__ import annotations

import logging
import time

from pygls.lsp.server import LanguageServer

from .. import store_snapshot
from ..state import State
from ..store import Store
from ..views.thread import entries_of
from . import follower as f
from . import wire
from .host import OpenRepository
from .lenses import LensIndex
from .progress import SessionProgress
from .prompts import Prompts
from .tasks import Tasks

log = logging.getLogger(__name__)
CHANGED = "$/loopwright/changed"
THREAD = "$/loopwright/thread"  # the manager agent's new thread entries (docs/manager.md)
IDLE_WAIT_SECONDS = 1.0
BURST_SECONDS = 0.3  # how long after a change the follower keeps looking closely
BURST_POLL_SECONDS = 0.002


class ClientSync:
    """Keeps the client in step with the log: deltas, prompts, progress, lens refresh."""

    def __init__(self, ls: LanguageServer, repo: OpenRepository, tasks: Tasks) -> None:
        self.ls, self.repo, self.tasks = ls, repo, tasks
        self.store = Store(repo.project.db_path)
        self.follower = f.Follower(time.time)
        self.lenses = LensIndex()
        self.prompts = Prompts(ls, tasks, repo.api, lambda: self.follower.state)
        self.progress: SessionProgress | None = None
        if SessionProgress.supported(ls):
            self.progress = SessionProgress(ls)
        caps = ls.client_capabilities.workspace
        self._refresh_lenses = bool(caps and caps.code_lens and caps.code_lens.refresh_support)
        self._burst_until = 0.0

    def begin(self, state: State | None = None) -> None:
        """Catch up with the log (from `state`, the one the first answers sent, when
        given), then follow it in an owned task."""
        if self.progress is not None:
            self.tasks.start("progress", self.progress.run())
        # The last snapshot of the fold and what came after it, not the whole log.
        # (its live part: the history part is decoded only if something reaches it)
        if state is None:
            state = store_snapshot.load(self.store, history=False)
        self._carry_out(self.follower.start([], state))
        self.tasks.start("follow", self._follow())

    async def close(self) -> None:
        self.tasks.cancel("follow")
        if self.progress is not None:
            self.tasks.cancel("progress")
            await self.progress.end_all()
        self.store.close()

    def pump(self) -> None:
        """Handle whatever was appended since the last look (nothing if nothing was)."""
        records = self.store.read_after(self.follower.seq)
        if not records:
            return
        self._burst_until = time.monotonic() + BURST_SECONDS
        batch = self.follower.feed(records)
        changed = batch.changed(hosted=self.repo.hosted, pid=self.repo.manager_pid())
        self.ls.protocol.notify(CHANGED, wire.to_json(changed))
        if entries := entries_of(records, self.follower.state):
            self.ls.protocol.notify(THREAD, wire.to_json(wire.ThreadParams(entries=entries)))
        self._carry_out(batch.signals)

    def state_result(self) -> wire.StateResult:
        self.pump()
        return (wire.state_result(
            self.follower.state, root=str(self.repo.project.root), hosted=self.repo.hosted,
            pid=self.repo.manager_pid(), now=time.time()))

    async def _follow(self) -> None:
        while True:
            try:
                self.pump()
            except Exception:  # a bad batch must not stop the editor from following
                log.exception("could not follow the log")
            if time.monotonic() < self._burst_until:
                await self.store.wait(BURST_POLL_SECONDS)
            else:
                await self.store.wait(IDLE_WAIT_SECONDS)

    def _carry_out(self, signals: list[f.Signal]) -> None:
        refresh = False
        for signal in signals:
            match signal:
                case f.Notify(notification_id=nid):
                    self.prompts.ask_note(nid)
                case f.NotifyBatch(summary=summary):
                    self.prompts.ask_batch(summary)
                case f.Withdraw(key=key):
                    self.prompts.withdraw(key)
                case f.ProgressBegin() | f.ProgressReport() | f.ProgressEnd():
                    if self.progress is not None:
                        self.progress.put(signal)
                case f.RefreshLenses():
                    refresh = True
        if refresh and self._refresh_lenses:
            self.ls.workspace_code_lens_refresh(None)
