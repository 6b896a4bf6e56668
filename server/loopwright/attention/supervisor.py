"""The attention supervisor: the manager's owned task that watches the human's attention.

It observes every record the manager applies (an instrument, in trio's sense: it never
changes the manager's decisions) and routes it: notifications raised, replaced or
withdrawn; answers to a stall's proposal carried out; interruptions sent to the hook.
On each tick it measures running sessions' diffs, looks for stalls and for stalls that
cleared, publishes the digest when due, and releases what focus or quiet hours held.
Time comes from the manager's one clock (`Runtime.clock`, which also stamps the log), so
tests drive it. A restart starts the stall clocks of live sessions afresh.

It never writes the state: what it appends reaches the state when the manager's fold
reads it back, in log order, with the record's own time. Until then, routing looks at
`view()`: the fold's state with what this supervisor appended and the fold has not read
yet, so a second notification replaces the first instead of stacking, and a stall is
flagged or cleared once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from .. import events as ev
from ..attention_state import ATTENTION_APPLY, ahead
from ..config import AttentionConfig
from ..core.ids import new_id
from ..core.keys import EffectKey
from ..runtime import Runtime
from ..state import SessionState, State
from . import digest, hook, routing, stalls
from .diffstat import measure
from .tracker import Track, Tracker

log = logging.getLogger(__name__)
Spawn = Callable[[EffectKey, Coroutine[Any, Any, None]], None]
MAX_PENDING = 5000  # progress records kept for the next digest


class Supervisor:
    def __init__(self, rt: Runtime, spawn: Spawn) -> None:
        self.rt, self._spawn, self.clock = rt, spawn, rt.clock
        self.tracker = Tracker()
        self.pending: list[ev.Record] = []
        self._unread: list[ev.Record] = []  # attention records appended, not yet folded
        # the last view: the state and seq it was made from, the unread records it holds
        self._ahead: tuple[State, int, int, State] | None = None
        now = self.clock()
        self._digest_at = rt.state.attention.digest_at or now
        for sid, s in rt.state.sessions.items():
            if not s.terminal:
                self.tracker.tracks[sid] = Track(session_id=sid, baseline_at=now,
                                                 heard_at=now)

    @property
    def cfg(self) -> AttentionConfig:
        return self.rt.config.attention

    def view(self) -> State:
        """The fold's state, plus what this supervisor appended that it has not read back:
        what routing decides from. Nothing here writes the state itself."""
        st = self.rt.state
        if self._unread and self._unread[0].seq <= st.last_seq:
            self._unread = [r for r in self._unread if r.seq > st.last_seq]
        if not self._unread:
            self._ahead = None
            return st
        # Nothing folded since the last view: it takes only the records appended since
        # (a start that reconciles every live session would copy it once per session).
        if (self._ahead is not None and self._ahead[0] is st
                and self._ahead[1] == st.last_seq):
            _, _, held, view = self._ahead
            for r in self._unread[held:]:
                if (part := ATTENTION_APPLY.get(type(r.event))) is not None:
                    part(view, r.event, r.at)
        else:
            view = ahead(st, self._unread)
        self._ahead = (st, st.last_seq, len(self._unread), view)
        return view

    def start(self) -> None:
        """Bring the open notifications in line with the log folded at start: what was
        answered while no manager ran comes down, what waits and has none gets one."""
        st = self.rt.state
        keys = dict.fromkeys(st.attention.by_key)
        keys.update(dict.fromkeys(sid for sid, s in st.sessions.items() if not s.terminal))
        keys.update(dict.fromkeys(f"task:{d.task_id}" for d in st.decisions.values()
                                  if d.open and not d.session_id))
        now = self.clock()
        for key in keys:
            self._append(routing.reconcile(self.view(), key, st.last_seq, self.cfg, now,
                                           lambda: new_id("n")))

    # --- every record ------------------------------------------------------------------

    def observe(self, record: ev.Record) -> None:
        """Called by the manager after it applied `record` to the state."""
        st = self.rt.state
        self.tracker.apply(record, st)
        if record.seq > st.attention.digest_seq and digest.is_news(record):
            self.pending.append(record)
            del self.pending[:-MAX_PENDING]
        self._append(routing.route(self.view(), record, self.cfg, self.clock(),
                                   lambda: new_id("n")))

    def _append(self, events: list[ev.Event]) -> None:
        if not events:
            return
        for r in self.rt.append(*events):
            if type(r.event) in ATTENTION_APPLY:
                self._unread.append(r)  # seen by `view()` until the fold reads it back
            self._to_hook(r.event)

    def _to_hook(self, e: ev.Event) -> None:
        cfg, st, root = self.cfg, self.rt.state, self.rt.project.root
        if not cfg.hook:
            return
        if isinstance(e, ev.NotificationRaised) and e.interrupt:
            payload = hook.notification_payload(st, e, root)
            key = EffectKey("hook", e.notification_id)
        elif isinstance(e, ev.NotificationsReleased):
            payload, key = hook.batch_payload(st, e, root), EffectKey("hook", new_id("b"))
        elif isinstance(e, ev.DigestPublished) and cfg.hook_digest:
            payload, key = (hook.digest_payload(e, root),
                            EffectKey("hook", f"digest-{e.until_seq}"))
        else:
            return
        self._spawn(key, self._hook(payload, root))

    async def _hook(self, payload: dict[str, Any], root: Path) -> None:
        await hook.run_hook(self.cfg, payload, root)

    # --- every tick --------------------------------------------------------------------

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.cfg.tick_seconds)
            try:
                await self.tick()
            except Exception:  # the supervisor must outlive a bad tick
                log.exception("attention tick failed")

    async def tick(self) -> None:
        await self.measure_diffs()
        self.review(self.clock())

    def review(self, now: float) -> None:
        """What a tick decides from the state: focus ended, held notifications released,
        stalls cleared and found, the digest due."""
        if routing.focus_expired(self.view(), now):
            self._append([ev.FocusChanged(on=False, by="loopwright")])
        else:
            self._append(routing.release(self.view(), self.cfg, now))
        self._append(stalls.clearing(self.view(), self.tracker, self.rt.config.stalls))
        self._append(stalls.flagging(self.view(), self.tracker, self.rt.config.stalls, now,
                                     lambda: new_id("d")))
        self._append(self._digest(now))

    async def measure_diffs(self) -> None:
        for sid, t in list(self.tracker.tracks.items()):  # live sessions only
            s = self.rt.state.sessions.get(sid)
            if s is None or s.state != SessionState.RUNNING or not s.worktree:
                continue
            if t.measured == t.heard:
                continue  # the worker did nothing since the last look: nothing changed
            heard = t.heard
            stat = await asyncio.to_thread(measure, Path(s.worktree))
            if stat is None:
                continue  # git could not tell (HEAD moved meanwhile): look again next tick
            t.measured = heard
            if stat.fingerprint == t.fingerprint:
                continue
            event = ev.DiffMeasured(session_id=sid, fingerprint=stat.fingerprint,
                                    files=stat.files, added=stat.added, removed=stat.removed)
            record = self.rt.append(event)[0]
            self.tracker.apply(record, self.rt.state)  # and again when read back: a no-op

    def _digest(self, now: float) -> list[ev.Event]:
        minutes = self.cfg.digest_minutes
        if not minutes or now - self._digest_at < minutes * 60:
            return []
        self._digest_at = now
        return self.publish_digest()

    def publish_digest(self, by: str = "loopwright") -> list[ev.Event]:
        st = self.rt.state
        fresh = [r for r in self.pending if r.seq > st.attention.digest_seq]
        self.pending = []
        lines = digest.compose(fresh, st)
        if not lines:
            return []
        return [ev.DigestPublished(since_seq=st.attention.digest_seq,
                                   until_seq=fresh[-1].seq, lines=lines, by=by)]
