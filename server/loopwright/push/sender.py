"""The pusher: the manager's owned tasks that carry interrupting notifications to ntfy.

It observes every record the manager applies, as the attention supervisor does, and
starts one owned task per notification to push (`EffectKey("push", <id>)`). The task
waits first while the human is active in the editor (`PushHeld`, then `PushDropped` if
they answered meanwhile), publishes, and records what came of it: `PushSent`, or
`PushFailed` with the status and the wait before the next try, again and again with a
doubling wait until it gets through or the item is answered. A channel failing for
`[push] outage_seconds` is recorded down (`PushChannelDown`: the inbox shows it) and up
again on the next delivery. What to do is `plan`'s to say; this shell only carries it
out, with the manager's one clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from .. import events as ev
from ..config import PushConfig
from ..config.web import served_url
from ..core.keys import EffectKey
from ..runtime import Runtime
from . import message, ntfy, plan
from .sign import Signer

if TYPE_CHECKING:  # imported with the first client: push may be off
    import httpx2

log = logging.getLogger(__name__)
Spawn = Callable[[EffectKey, Coroutine[Any, Any, None]], None]
KEY_FILE = "push.key"


class Pusher:
    def __init__(self, rt: Runtime, spawn: Spawn) -> None:
        self.rt, self._spawn = rt, spawn
        self._signer: Signer | None = None
        self._client: httpx2.AsyncClient | None = None
        self._started: set[str] = set()  # notifications whose push has begun
        self._busy: set[str] = set()  # ... and whose first attempt is not over yet
        self._channel = asyncio.Lock()  # one check-and-record of the channel at a time
        self._holding: dict[str, asyncio.Event] = {}  # held pushes: set once taken down

    @property
    def cfg(self) -> PushConfig:
        return self.rt.config.push

    def start(self) -> None:
        """With push on: get ready for the first push, then push what is open and was
        not pushed before the manager last stopped."""
        if self.cfg.on:
            self._spawn(EffectKey("push"), self._begin())

    async def _begin(self) -> None:
        await self._warm()
        # Once the fold has read what the supervisor appended at start (what was answered
        # while no manager ran comes down first), what still waits and was never pushed.
        upto = self.rt.store.last_seq()
        while self.rt.state.last_seq < upto:  # noqa: ASYNC110 - the loop folds
            await asyncio.sleep(0.01)
        for note in list(self.rt.state.attention.notes.values()):
            if not note.pushed and plan.wants_push(note, self.cfg):
                self._start(note.notification_id, note.ref)

    async def _warm(self) -> None:
        """The HTTP client and the key, made in threads ahead of the first push: the
        client's TLS setup alone takes a fifth of a second."""
        # httpx2's first request imports anyio's asyncio backend: another 50-100 ms
        await asyncio.to_thread(importlib.import_module, "anyio._backends._asyncio")
        client = await asyncio.to_thread(_new_client)
        if self._client is None:
            self._client = client
        else:
            await client.aclose()
        await asyncio.to_thread(self.signer)

    def observe(self, record: ev.Record) -> None:
        """Called by the manager after it applied `record` to the state."""
        e, notes = record.event, self.rt.state.attention.notes
        for nid, gone in self._holding.items():
            if nid not in notes:
                gone.set()
        if not self.cfg.on:
            return
        if isinstance(e, ev.NotificationRaised):
            note = notes.get(e.notification_id)
            if note is not None and plan.wants_push(note, self.cfg):
                self._start(note.notification_id, note.ref)
        elif isinstance(e, ev.NotificationsReleased):
            for nid in e.notification_ids:
                if (note := notes.get(nid)) is not None:
                    self._start(nid, note.ref)

    def idle(self, key: EffectKey) -> bool:
        """A push task that only waits (held, or before a retry): `run --once` need not
        wait for it."""
        return key.kind == "push" and key.id not in self._busy

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def signer(self) -> Signer:
        if self._signer is None:
            self._signer = Signer.at(self.rt.project.dot / KEY_FILE)
        return self._signer

    # --- one notification ------------------------------------------------------------

    def _start(self, nid: str, ref: str) -> None:
        if nid in self._started:
            return
        self._started.add(nid)
        self._busy.add(nid)
        self._spawn(EffectKey("push", nid), self._push(nid, ref))

    async def _push(self, nid: str, ref: str) -> None:
        try:
            await self._deliver(nid, ref)
        finally:
            self._busy.discard(nid)
            if len(self._started) > 1000:  # forget what can no longer be raised again
                self._started &= set(self.rt.state.attention.notes)

    async def _deliver(self, nid: str, ref: str) -> None:
        rt = self.rt
        hold = plan.hold_for(rt.state, self.cfg, rt.clock())
        if hold:
            self._busy.discard(nid)
            rt.append(ev.PushHeld(notification_id=nid, seconds=hold,
                                  reason="you are active in the editor"))
            await self._hold(nid, hold)
            self._busy.add(nid)
        attempt = 0
        while True:
            attempt += 1
            note = rt.state.attention.notes.get(nid)
            if note is None:
                rt.append(ev.PushDropped(notification_id=nid,
                                         reason=plan.gone(rt.state, nid, ref)))
                return
            cfg = self.cfg
            page = cfg.page_url or served_url(rt.project.dot)  # the page running now
            body = message.publish_body(rt.state, note, cfg, page, self.signer())
            outcome = await ntfy.publish(self._http(), cfg.url, body,
                                         os.environ.get(cfg.token_env, "") if cfg.token_env
                                         else "", cfg.timeout_seconds)
            if outcome.ok:
                await self._sent(nid, attempt, outcome.status)
                return
            retry_in = plan.backoff(attempt, cfg)
            await self._failed(nid, attempt, outcome, retry_in)
            self._busy.discard(nid)
            await asyncio.sleep(retry_in)
            self._busy.add(nid)

    async def _hold(self, nid: str, seconds: float) -> None:
        """Wait `seconds`, or less: until the notification is taken down (answered)."""
        gone = self._holding[nid] = asyncio.Event()
        try:
            if nid in self.rt.state.attention.notes:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(seconds):
                        await gone.wait()
        finally:
            del self._holding[nid]

    async def _sent(self, nid: str, attempt: int, status: int) -> None:
        rt = self.rt
        async with self._channel:
            ch = rt.state.attention.channels.get(ntfy.CHANNEL)
            events: list[ev.Event] = [ev.PushSent(notification_id=nid, channel=ntfy.CHANNEL,
                                                  attempt=attempt, status=status)]
            if ch is not None and ch.down:
                events.append(ev.PushChannelRecovered(
                    channel=ntfy.CHANNEL, down_seconds=round(rt.clock() - ch.failing_since,
                                                             1)))
            await rt.append_applied(*events)

    async def _failed(self, nid: str, attempt: int, outcome: ntfy.Outcome,
                      retry_in: float) -> None:
        rt = self.rt
        log.warning("push of %s failed (attempt %d): %s", nid, attempt, outcome.error)
        async with self._channel:
            await rt.append_applied(ev.PushFailed(
                notification_id=nid, channel=ntfy.CHANNEL, attempt=attempt,
                status=outcome.status, error=outcome.error, retry_in=retry_in))
            if plan.outage(rt.state, ntfy.CHANNEL, self.cfg, rt.clock()):
                ch = rt.state.attention.channels[ntfy.CHANNEL]
                await rt.append_applied(ev.PushChannelDown(
                    channel=ntfy.CHANNEL, since=ch.failing_since, error=outcome.error))

    def _http(self) -> httpx2.AsyncClient:
        if self._client is None:
            self._client = _new_client()
        return self._client


def _new_client() -> httpx2.AsyncClient:
    import httpx2

    return httpx2.AsyncClient(follow_redirects=False)
