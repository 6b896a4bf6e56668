"""Records in, deltas and signals out: the pure part of following the log.

`Follower` folds the records it is fed into its own `State` and says, for each batch,
what the editor must hear: the rows that changed, the activity lines, and the signals
the server acts on (ask a decision, ask for a review, withdraw a prompt, begin/report/
end a progress, refresh the code lenses). No I/O, no clock, no LSP: `live.py` carries
the result out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import events as ev
from ..state import ACTIVE, SessionState, State, apply
from . import wire


@dataclass(frozen=True)
class AskDecision:
    decision_id: str


@dataclass(frozen=True)
class AskReview:
    session_id: str


@dataclass(frozen=True)
class Withdraw:
    """A prompt that no longer applies (answered elsewhere, reviewed, session ended)."""

    key: str


@dataclass(frozen=True)
class ProgressBegin:
    session_id: str
    title: str
    message: str


@dataclass(frozen=True)
class ProgressReport:
    session_id: str
    message: str


@dataclass(frozen=True)
class ProgressEnd:
    session_id: str
    message: str


@dataclass(frozen=True)
class RefreshLenses:
    pass


Signal = (AskDecision | AskReview | Withdraw | ProgressBegin | ProgressReport | ProgressEnd
          | RefreshLenses)


def decision_key(decision_id: str) -> str:
    return f"decision:{decision_id}"


def review_key(session_id: str) -> str:
    return f"review:{session_id}"


@dataclass
class Batch:
    """What one batch of records changed."""

    seq: int
    tasks: list[wire.TaskRow] = field(default_factory=list)
    sessions: list[wire.SessionRow] = field(default_factory=list)
    inbox: list[wire.InboxItem] = field(default_factory=list)
    running: int = 0
    need_you: int = 0
    activity: list[wire.ActivityLine] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)

    def changed(self, *, hosted: bool, pid: int | None) -> wire.Changed:
        return wire.Changed(
            seq=self.seq, hosted_manager=hosted, manager_pid=pid, tasks=self.tasks,
            sessions=self.sessions, removed_sessions=[], inbox=self.inbox,
            running=self.running, need_you=self.need_you, activity=self.activity,
        )


_Look = tuple[SessionState, str]  # what a progress shows: the state and the last message


class Follower:
    def __init__(self) -> None:
        self.state = State()
        # Comments on hunks of each session's current review: session -> hunk -> texts.
        self.comments: dict[str, dict[str, list[str]]] = {}

    @property
    def seq(self) -> int:
        return self.state.last_seq

    def start(self, records: list[ev.Record]) -> list[Signal]:
        """Fold the log so far without reporting it; the signals bring the editor up to
        date with what already waits (open decisions, reviews, running sessions)."""
        for r in records:
            self._apply(r)
        st = self.state
        signals: list[Signal] = []
        for item in wire.inbox(st):
            if item.kind == "decision":
                signals.append(AskDecision(item.ref))
            elif item.kind == "review":
                signals.append(AskReview(item.ref))
        for sid, s in st.sessions.items():
            if s.state in ACTIVE:
                signals.append(ProgressBegin(sid, _title(st, sid), _message(s.state,
                                                                          s.last_message)))
        return signals

    def feed(self, records: list[ev.Record]) -> Batch:
        st = self.state
        before: dict[str, _Look | None] = {}
        touched_tasks: dict[str, None] = {}
        refresh = False
        activity = []
        for r in records:
            sid = self._session_of(r.event)
            if sid and sid not in before:
                s = st.sessions.get(sid)
                before[sid] = (s.state, s.last_message) if s is not None else None
            self._apply(r)
            if tid := getattr(r.event, "task_id", ""):
                touched_tasks[tid] = None
            if isinstance(r.event, ev.ReviewPrepared | ev.HunkJudged):
                refresh = True
            if (line := wire.activity(r, st)) is not None:
                activity.append(line)
        signals: list[Signal] = []
        for r in records:
            signals += self._prompt_signals(r.event)
        for sid, old in before.items():
            s = st.sessions.get(sid)
            if s is None:
                continue
            now: _Look = (s.state, s.last_message)
            signals += self._progress_signals(sid, old, now)
            if old is not None and old[0] != now[0]:
                refresh = refresh or s.review is not None
                if old[0] == SessionState.AWAITING_APPROVAL:
                    signals.append(Withdraw(review_key(sid)))
                if now[0] == SessionState.AWAITING_APPROVAL and s.review is not None:
                    signals.append(AskReview(sid))
                if s.terminal:
                    signals += [Withdraw(decision_key(d.decision_id))
                                for d in st.open_decisions(sid)]
        if refresh:
            signals.append(RefreshLenses())
        box = wire.inbox(st)
        return Batch(
            seq=st.last_seq,
            tasks=[wire.task_row(st, t) for t in touched_tasks if t in st.tasks],
            sessions=[wire.session_row(st, s) for s in before if s in st.sessions],
            inbox=box, running=wire.running(st), need_you=len(box), activity=activity,
            signals=signals,
        )

    # --- helpers -------------------------------------------------------------------

    def _apply(self, record: ev.Record) -> None:
        apply(self.state, record)
        e = record.event
        if isinstance(e, ev.ReviewPrepared):
            s = self.state.sessions.get(e.session_id)
            if s is not None and s.review is e:
                self.comments[e.session_id] = {}
        elif isinstance(e, ev.HunkJudged) and e.verdict == "comment" and e.comment:
            s = self.state.sessions.get(e.session_id)
            if s is not None and s.hunk_verdicts.get(e.hunk_id) == "comment":
                by_hunk = self.comments.setdefault(e.session_id, {})
                by_hunk.setdefault(e.hunk_id, []).append(e.comment)

    def _session_of(self, e: ev.Event) -> str:
        if isinstance(e, ev.DecisionAnswered):
            d = self.state.decisions.get(e.decision_id)
            return d.session_id if d is not None else ""
        sid = getattr(e, "session_id", "")
        return sid if isinstance(sid, str) else ""

    def _prompt_signals(self, e: ev.Event) -> list[Signal]:
        st = self.state
        if isinstance(e, ev.DecisionAsked):
            d = st.decisions.get(e.decision_id)
            s = st.sessions.get(e.session_id)
            if d is not None and d.open and (s is None or not s.terminal):
                return [AskDecision(e.decision_id)]
        elif isinstance(e, ev.DecisionAnswered):
            return [Withdraw(decision_key(e.decision_id))]
        return []

    def _progress_signals(self, sid: str, old: _Look | None, now: _Look) -> list[Signal]:
        was = old is not None and old[0] in ACTIVE
        is_ = now[0] in ACTIVE
        message = _message(*now)
        if is_ and not was:
            return [ProgressBegin(sid, _title(self.state, sid), message)]
        if was and not is_:
            return [ProgressEnd(sid, message)]
        if is_ and old != now:
            return [ProgressReport(sid, message)]
        return []


def _title(state: State, session_id: str) -> str:
    return f"Loopwright: {state.sessions[session_id].name}"


def _message(state: SessionState, last_message: str) -> str:
    label = state.value.replace("_", " ")
    return f"{label}: {last_message}" if last_message and state in ACTIVE else label
