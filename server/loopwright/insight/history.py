"""The log as history: each session's states over time, and the attention facts the
metrics and the report need. A fold like the state, fed records in order; it keeps the
state too, so one object answers both "where are we" and "how did we get here".

Nothing here reads the clock: open intervals end at the `now` the caller passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import events as ev
from ..state import SessionState, State, apply


@dataclass
class Segment:
    state: SessionState
    start: float
    end: float | None = None  # None: still in it


@dataclass
class Raised:
    """A notification's life: raised (possibly held) until withdrawn or replaced."""

    notification_id: str
    key: str
    kind: str
    at: float
    interrupt: bool
    held: bool
    replaces: str
    ended: float | None = None
    released_at: float | None = None


@dataclass
class StallSpan:
    session_id: str
    signal: str
    onset_at: float
    detected_at: float
    killed: bool
    resolved_at: float | None = None
    how: str = ""


@dataclass
class Review:
    """A change put before the human: its size, and when."""

    session_id: str
    at: float
    lines: int


@dataclass
class Spend:
    """What one agent's model replies cost, whichever backend gave them."""

    replies: int = 0
    tokens: int = 0  # cache included, as a session's tokens are
    cost_usd: float = 0.0


@dataclass
class History:
    state: State = field(default_factory=State)
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    notes: dict[str, Raised] = field(default_factory=dict)
    releases: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)
    stalls: list[StallSpan] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    landed_at: dict[str, float] = field(default_factory=dict)
    focus: list[tuple[float, float | None]] = field(default_factory=list)  # (on, off)
    first_at: float | None = None
    last_at: float = 0.0
    open_keys: dict[str, str] = field(default_factory=dict)  # key -> open notification
    agents: dict[str, Spend] = field(default_factory=dict)  # worker, reviewer, triage, ...

    @classmethod
    def of(cls, records: Iterable[ev.Record]) -> History:
        h = cls()
        h.feed(records)
        return h

    def feed(self, records: Iterable[ev.Record]) -> None:
        for r in records:
            self._one(r)

    def _one(self, r: ev.Record) -> None:
        st, e, at = self.state, r.event, r.at
        if self.first_at is None:
            self.first_at = at
        self.last_at = max(self.last_at, at)
        sid = _session_of(st, e)
        before = st.sessions[sid].state if sid in st.sessions else None
        apply(st, r)
        s = st.sessions.get(sid) if sid else None
        if s is not None and s.state != before:
            segs = self.segments.setdefault(sid, [])
            if segs and segs[-1].end is None:
                segs[-1].end = at
            if not s.terminal:
                segs.append(Segment(s.state, at))
        self._attention(e, at)

    def _attention(self, e: ev.Event, at: float) -> None:
        match e:
            case ev.NotificationRaised():
                if e.notification_id in self.notes:
                    return
                for old in (e.replaces, self.open_keys.get(e.key, "")):
                    self._end(old, at)  # it replaces the one open for its key
                self.open_keys[e.key] = e.notification_id
                self.notes[e.notification_id] = Raised(
                    e.notification_id, e.key, e.kind, at, e.interrupt, e.held, e.replaces)
            case ev.NotificationWithdrawn():
                self._end(e.notification_id, at)
            case ev.NotificationsReleased():
                self.releases.append((at, e.notification_ids))
                for nid in e.notification_ids:
                    if nid in self.notes:
                        self.notes[nid].released_at = at
            case ev.StallDetected():
                self.stalls.append(StallSpan(e.session_id, e.signal, e.onset_at, at,
                                             e.killed))
                if e.killed:
                    self._resolve(e.session_id, at, "killed by policy")
            case ev.StallCleared():
                self._resolve(e.session_id, at, e.reason)
            case ev.SessionKilled():
                self._resolve(e.session_id, at, f"killed by {e.by}")
            case ev.GateDecided(auto_land=False):
                s = self.state.sessions.get(e.session_id)
                if s is not None and s.review is not None:
                    self.reviews.append(Review(e.session_id, at,
                                               s.review.added + s.review.removed))
            case ev.ChangeLanded():
                self.landed_at[e.session_id] = at
            case ev.ModelReplied():
                spend = self.agents.setdefault(e.agent, Spend())
                spend.replies += 1
                spend.tokens += (e.input_tokens + e.output_tokens + e.cache_write_tokens
                                 + e.cache_read_tokens)
                spend.cost_usd += e.cost_usd
            case ev.FocusChanged(on=True) if not self.focus or self.focus[-1][1] is not None:
                self.focus.append((at, None))
            case ev.FocusChanged(on=False) if self.focus and self.focus[-1][1] is None:
                self.focus[-1] = (self.focus[-1][0], at)
            case _:
                pass

    def _end(self, notification_id: str, at: float) -> None:
        n = self.notes.get(notification_id)
        if n is not None and n.ended is None:
            n.ended = at

    def _resolve(self, session_id: str, at: float, how: str) -> None:
        for span in self.stalls:
            if span.session_id == session_id and span.resolved_at is None:
                span.resolved_at, span.how = at, how

    def intervals(self, session_id: str, *states: SessionState, now: float
                  ) -> list[tuple[float, float]]:
        """When the session was in any of `states`, as (start, end) pairs."""
        return [(seg.start, seg.end if seg.end is not None else now)
                for seg in self.segments.get(session_id, []) if seg.state in states]


def _session_of(st: State, e: ev.Event) -> str:
    if isinstance(e, ev.DecisionAsked | ev.DecisionAnswered):
        d = st.decisions.get(e.decision_id)
        sid = d.session_id if d is not None else getattr(e, "session_id", "")
        return sid or ""
    sid = getattr(e, "session_id", "")
    return sid if isinstance(sid, str) else ""


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Total length of the intersection of two sets of intervals."""
    total = 0.0
    for s1, e1 in a:
        for s2, e2 in b:
            total += max(0.0, min(e1, e2) - max(s1, s2))
    return total


def union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
