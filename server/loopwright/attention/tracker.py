"""The evidence the stall detector reads: a fold of the log kept per live session.

When did its diff last change, how many turns and which tool calls since, which command
keeps failing, when was the worker last heard from. Only the manager's supervisor keeps
one (the state itself stays lean: replay is the hot path). Time a session spends
waiting on the human does not count against it: the clocks shift by the wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import events as ev
from ..state import TERMINAL, SessionState, State
from .diffstat import EMPTY

# What the worker does (files may have changed since).
_HEARD = (ev.WorkerActed, ev.WorkerProgressed, ev.CommandRan, ev.ModelReplied,
          ev.ModelPrompted, ev.SessionStarted, ev.SessionResumed, ev.SessionRebased)
# Steps whose own record counts them: a command by its CommandRan, a question by itself.
_NOT_CALLS = frozenset({"run", "ask", "progress"})


@dataclass
class Track:
    session_id: str
    baseline_at: float  # the diff last changed (or the worker started, or was cleared)
    heard_at: float  # the worker last did anything
    diff_at: float = 0.0  # when the diff last changed (0: never measured)
    turns: int = 0  # steps since the baseline (script-like workers)
    model_turns: int = 0  # model replies since the baseline
    uses_model: bool = False
    calls: dict[str, int] = field(default_factory=dict)  # since the baseline
    call_first_at: dict[str, float] = field(default_factory=dict)
    failing: dict[str, tuple[int, float, int]] = field(default_factory=dict)  # streak,
    # since, last exit code; by command
    fingerprint: str = EMPTY  # a session starts with no work in progress
    lines: int = 0  # changed lines in progress, as last measured
    committed_lines: int = 0  # changed lines of its last review (before changes asked)
    waiting_since: float | None = None
    heard: int = 0  # how many times the worker was heard from; the supervisor measures
    measured: int = -1  # the diff again only when this moved since its last look

    @property
    def worker_turns(self) -> int:
        return self.model_turns if self.uses_model else self.turns

    def rebase(self, at: float) -> None:
        """Start counting afresh from `at`."""
        self.baseline_at = self.heard_at = at
        self.turns = self.model_turns = 0
        self.calls.clear()
        self.call_first_at.clear()

    def call(self, key: str, at: float) -> None:
        self.calls[key] = self.calls.get(key, 0) + 1
        self.call_first_at.setdefault(key, at)

    def ran(self, command: str, ok: bool, exit_code: int, at: float) -> None:
        if ok:
            self.failing.pop(command, None)
            return
        streak, since, _ = self.failing.get(command, (0, at, 0))
        self.failing[command] = (streak + 1, since, exit_code)


class Tracker:
    def __init__(self) -> None:
        self.tracks: dict[str, Track] = {}

    def apply(self, record: ev.Record, state: State) -> None:
        """Fold one record; `state` has already applied it."""
        e, at = record.event, record.at
        sid = getattr(e, "session_id", "")
        if isinstance(e, ev.DecisionAnswered):
            d = state.decisions.get(e.decision_id)
            sid = d.session_id if d is not None else ""
        if not sid or not isinstance(sid, str):
            return
        s = state.sessions.get(sid)
        if s is None or s.state in TERMINAL:
            self.tracks.pop(sid, None)
            return
        t = self.tracks.get(sid)
        if t is None or isinstance(e, ev.SessionStarted | ev.SessionResumed):
            t = self.tracks[sid] = _fresh(sid, at, t)
        self._shift_for_waits(t, s.state, at)
        if isinstance(e, ev.DecisionAsked):  # the worker asking is the worker speaking
            if e.decision_id not in state.attention.stall_decisions:
                t.heard_at = at
            return
        self._evidence(t, e, at)

    @staticmethod
    def _shift_for_waits(t: Track, now_state: SessionState, at: float) -> None:
        if now_state == SessionState.WAITING:
            if t.waiting_since is None:
                t.waiting_since = at
        elif t.waiting_since is not None:
            waited = at - t.waiting_since
            t.baseline_at += waited
            t.heard_at += waited
            t.call_first_at = {k: v + waited for k, v in t.call_first_at.items()}
            t.waiting_since = None

    @staticmethod
    def _evidence(t: Track, e: ev.Event, at: float) -> None:
        if isinstance(e, _HEARD):
            t.heard += 1
        match e:
            case ev.WorkerActed(action=action, detail=detail):
                t.heard_at = at
                t.turns += 1
                if action not in _NOT_CALLS:
                    t.call(f"{action} {detail}".strip(), at)
            case ev.WorkerProgressed(step=step):
                t.heard_at = at
                if step is not None:
                    t.turns += 1
            case ev.CommandRan(command=command, exit_code=code, timed_out=timed_out):
                t.heard_at = at
                t.call(f"run {command}", at)
                t.ran(command, code == 0 and not timed_out, code, at)
            case ev.ChecksFinished(on_merge=False, command=command) if command:
                t.ran(command, e.passed, e.exit_code, at)
            case ev.ModelReplied(agent="worker"):
                t.heard_at = at
                t.uses_model = True
                t.model_turns += 1
            case ev.ModelPrompted():
                t.heard_at = at
            case ev.DiffMeasured(fingerprint=fingerprint):
                if fingerprint != t.fingerprint:
                    t.fingerprint, t.lines = fingerprint, e.added + e.removed
                    t.rebase(at)
                    t.diff_at = at
            case ev.ReviewPrepared(added=added, removed=removed):
                t.committed_lines = added + removed
            case ev.StallCleared():
                t.rebase(at)
                t.failing.clear()
            case _:
                pass


def _fresh(sid: str, at: float, old: Track | None) -> Track:
    t = Track(session_id=sid, baseline_at=at, heard_at=at)
    if old is not None:  # resumed: failing streaks and the committed work carry over
        t.failing, t.diff_at, t.committed_lines = (old.failing, old.diff_at,
                                                   old.committed_lines)
    return t
