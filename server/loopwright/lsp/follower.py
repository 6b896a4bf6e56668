"""Records in, deltas and signals out: the pure part of following the log.

`Follower` folds the records it is fed into its own `State` and says, for each batch,
what the editor must hear: the rows that changed, the activity lines, and the signals
the server acts on (pop up a notification, withdraw one, begin/report/end a progress,
refresh the code lenses). What pops up is only what the manager's attention routing
raised as interrupting (`NotificationRaised`); the editor decides nothing about it. No
I/O, no LSP, and no clock of its own: the rows' elapsed times are taken at the time the
injected clock says (`live.py` passes `time.time`; tests pass a fixed one). `live.py`
carries the result out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import events as ev
from ..state import ACTIVE, SessionState, State, apply
from ..views import delegation as tree
from . import wire
from .inbox_delta import InboxIndex


@dataclass(frozen=True)
class Notify:
    """A notification routing says interrupts (attention.routing): pop it up."""

    notification_id: str


@dataclass(frozen=True)
class NotifyBatch:
    """What focus or quiet hours held, released as one batch: one message."""

    summary: str


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


Signal = (Notify | NotifyBatch | Withdraw | ProgressBegin | ProgressReport | ProgressEnd
          | RefreshLenses)


def note_key(notification_id: str) -> str:
    return f"note:{notification_id}"


@dataclass
class Batch:
    """What one batch of records changed."""

    seq: int
    since: int = 0
    tasks: list[wire.TaskRow] = field(default_factory=list)
    sessions: list[wire.SessionRow] = field(default_factory=list)
    inbox_changed: list[wire.InboxItem] = field(default_factory=list)
    inbox_removed: list[str] = field(default_factory=list)
    running: int = 0
    need_you: int = 0
    activity: list[wire.ActivityLine] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)

    def changed(self, *, hosted: bool, pid: int | None) -> wire.Changed:
        return wire.Changed(
            seq=self.seq, since=self.since, hosted_manager=hosted, manager_pid=pid,
            tasks=self.tasks, sessions=self.sessions, removed_sessions=[],
            inbox_changed=self.inbox_changed, inbox_removed=self.inbox_removed,
            running=self.running, need_you=self.need_you, activity=self.activity,
        )


_Look = tuple[SessionState, str]  # what a progress shows: the state and the last message


Clock = Callable[[], float]


class Follower:
    def __init__(self, clock: Clock) -> None:
        self.state = State()
        self._clock = clock
        self.inbox = InboxIndex()

    @property
    def seq(self) -> int:
        return self.state.last_seq

    def start(self, records: list[ev.Record], state: State | None = None) -> list[Signal]:
        """Fold the log so far (`records`, after `state` when given: a snapshot caught up)
        without reporting it; the signals bring the editor up to date with what already
        waits (the notifications that interrupt, running sessions)."""
        if state is not None:
            self.state = state
        for r in records:
            apply(self.state, r)
        st = self.state
        self.inbox.reset(st)
        signals: list[Signal] = [Notify(n.notification_id)
                                 for n in st.attention.interrupting()]
        for sid, s in st.sessions.items():
            if s.state in ACTIVE:
                signals.append(ProgressBegin(sid, _title(st, sid), _message(s.state,
                                                                          s.last_message)))
        return signals

    def feed(self, records: list[ev.Record]) -> Batch:
        st = self.state
        since = st.last_seq
        before: dict[str, _Look | None] = {}
        touched_tasks: dict[str, None] = {}
        touched_decisions: dict[str, None] = {}
        refresh = False
        activity = []
        shown: list[str] = []
        signals: list[Signal] = []
        for r in records:
            signals += self._notification_signals(r.event, shown)
            sid = self._session_of(r.event)
            if sid and sid not in before:
                s = st.sessions.get(sid)
                before[sid] = (s.state, s.last_message) if s is not None else None
            apply(self.state, r)
            if tid := getattr(r.event, "task_id", ""):
                touched_tasks[tid] = None
            for tid in tree.touched(st, r.event):  # sub-tasks, and the tasks above them
                touched_tasks[tid] = None
            if did := getattr(r.event, "decision_id", ""):
                touched_decisions[did] = None
            if isinstance(r.event, ev.ReviewPrepared | ev.HunkJudged):
                refresh = True
            if (line := wire.activity(r, st)) is not None:
                activity.append(line)
        notes = st.attention.notes  # raised and still open at the end of the batch
        signals += [Notify(n) for n in shown
                    if n in notes and notes[n].interrupt and not notes[n].held]
        for sid, old in before.items():
            s = st.sessions.get(sid)
            if s is None:
                continue
            now: _Look = (s.state, s.last_message)
            signals += self._progress_signals(sid, old, now)
            if old is not None and old[0] != now[0]:
                refresh = refresh or s.review is not None
        if refresh:
            signals.append(RefreshLenses())
        changed, removed = self.inbox.update(st, sessions=before, tasks=touched_tasks,
                                             decisions=touched_decisions)
        at = self._clock()
        return Batch(
            seq=st.last_seq, since=since,
            tasks=[wire.task_row(st, t) for t in touched_tasks if t in st.tasks],
            sessions=[wire.session_row(st, s, at) for s in before if s in st.sessions],
            inbox_changed=changed, inbox_removed=removed, running=wire.running(st),
            need_you=len(self.inbox.items), activity=activity, signals=signals,
        )

    # --- helpers -------------------------------------------------------------------

    def _session_of(self, e: ev.Event) -> str:
        if isinstance(e, ev.DecisionAnswered):
            d = self.state.decisions.get(e.decision_id)
            return d.session_id if d is not None else ""
        sid = getattr(e, "session_id", "")
        return sid if isinstance(sid, str) else ""

    def _notification_signals(self, e: ev.Event, shown: list[str]) -> list[Signal]:
        """Pop-ups follow routing's notifications (called before `e` is applied): what
        one replaces or withdraws comes down, what it raises is shown once the batch is
        folded, if it is still open and interrupting then."""
        att = self.state.attention
        if isinstance(e, ev.NotificationRaised):
            shown.append(e.notification_id)
            old = {e.replaces, att.by_key.get(e.key, "")} - {"", e.notification_id}
            return [Withdraw(note_key(n)) for n in sorted(old)]
        if isinstance(e, ev.NotificationWithdrawn):
            return [Withdraw(note_key(e.notification_id))]
        if isinstance(e, ev.NotificationsReleased):
            return [NotifyBatch(e.summary)]
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
