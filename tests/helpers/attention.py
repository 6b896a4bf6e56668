"""A hand-driven log for the attention tests: explicit events at explicit times."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from loopwright import events as ev
from loopwright.attention import routing
from loopwright.attention.tracker import Tracker
from loopwright.attention_state import ATTENTION_APPLY, ahead
from loopwright.config import AttentionConfig
from loopwright.state import State, apply


class Log:
    """Records with chosen times, folded into a state (and a stall tracker) as they come;
    with `route`, each record is routed like the supervisor does: what routing asks for
    is appended to the log (after what is already there), and routing sees it ahead of
    the fold (`attention_state.ahead`) until the fold reaches it."""

    def __init__(self, cfg: AttentionConfig | None = None, route: bool = False) -> None:
        self.state = State()
        self.tracker = Tracker()
        self.records: list[ev.Record] = []
        self.cfg = cfg or AttentionConfig()
        self.route = route
        self._seq = itertools.count(1)
        self._ids: Iterator[int] = itertools.count(1)
        self._unread: list[ev.Record] = []

    def at(self, t: float, *events: ev.Event) -> list[ev.Event]:
        """Append `events` at time `t`; returns what routing appended after them."""
        routed: list[ev.Event] = []
        queue = [self._append(t, e) for e in events]
        while queue:
            record = queue.pop(0)
            apply(self.state, record)
            self.tracker.apply(record, self.state)
            if self.route:
                self._unread = [r for r in self._unread if r.seq > self.state.last_seq]
                view = ahead(self.state, self._unread) if self._unread else self.state
                more = routing.route(view, record, self.cfg, t, self.new_id)
                for m in more:
                    queue.append(r := self._append(t, m))
                    if type(m) in ATTENTION_APPLY:
                        self._unread.append(r)
                routed += more
        return routed

    def _append(self, t: float, e: ev.Event) -> ev.Record:
        record = ev.Record(next(self._seq), t, e)
        self.records.append(record)
        return record

    def new_id(self) -> str:
        return f"n-{next(self._ids)}"


def filed(sid: str = "s-1", tid: str = "t-1", title: str = "Fix it") -> list[ev.Event]:
    return [
        ev.TaskFiled(task_id=tid, title=title, body="", source="cli"),
        ev.TaskAccepted(task_id=tid),
        ev.SessionQueued(session_id=sid, task_id=tid, name=title.lower().replace(" ", "-"),
                         branch=f"loopwright/{tid}", backend="script"),
    ]


def started(sid: str = "s-1") -> ev.Event:
    return ev.SessionStarted(session_id=sid, worktree="/w", base_commit="b" * 40,
                             target_branch="main")


def review(sid: str = "s-1", added: int = 30, removed: int = 2) -> list[ev.Event]:
    return [
        ev.WorkerFinished(session_id=sid, summary="done", head_commit="c" * 40),
        ev.ChecksFinished(session_id=sid, command="make test", passed=True, exit_code=0,
                          output_tail="", seconds=1.0),
        ev.ReviewPrepared(session_id=sid, head_commit="c" * 40, base_commit="b" * 40,
                          files=("a.py",), hunks=(), added=added, removed=removed),
        ev.GateDecided(session_id=sid, auto_land=False, reasons=("too big",)),
    ]


def asked(did: str, sid: str = "s-1", blocking: bool = False, question: str = "Which?"
          ) -> ev.DecisionAsked:
    return ev.DecisionAsked(decision_id=did, question=question, options=("a", "b"),
                            default="a", blocking=blocking, session_id=sid, task_id="t-1")


def landed(sid: str = "s-1") -> list[ev.Event]:
    return [ev.ChangeApproved(session_id=sid),
            ev.ChangeLanded(session_id=sid, target_branch="main", commit="d" * 40)]
