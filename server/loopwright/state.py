"""The fold: events -> State. Everything that changes state lives in this module.

The fold is the only writer of the state: records are applied here, in log order, with
the record's own time. Parts of the state are owned by their modules (`world_state`,
`attention_state`), but only this fold calls them. Each lifecycle has one transition
table (sessions, their health, task verdicts, decisions); an event that is not legal in
the current state changes nothing and `refused()` says why, so a replay never crashes on
a stale event that raced a state change. `illegal()` adds what a human action must also
respect, so front ends can refuse it with a clear message before appending it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from . import events as ev
from .attention_state import ATTENTION_APPLY, Attention
from .delegation_state import DELEGATION_APPLY, Steer
from .delegation_state import refusal as delegation_refusal
from .environment_state import EVENTS as ENVIRONMENT_EVENTS
from .environment_state import SessionEnvironment
from .environment_state import record as record_environment
from .lifecycle import (
    ACTIVE,
    DECISION_TRANSITIONS,
    HEALTH_TRANSITIONS,
    LIVE,
    SESSION_TRANSITIONS,
    TERMINAL,
    VERDICT_TRANSITIONS,
    DecisionStatus,
    Health,
    SessionState,
    TaskVerdict,
)
from .manager_state import MANAGER_APPLY, ManagerPart, spent
from .review_state import REVIEW_APPLY, Rounds, changes_requested, review_prepared, threads_note
from .review_state import refused as review_refused
from .world_state import WORLD_APPLY, World, rebase_note, record_session_detail
from .world_state import manager_started as world_manager_started

__all__ = [  # the lifecycles are named here too: the state is where readers look
    "ACTIVE",
    "DECISION_TRANSITIONS",
    "HEALTH_TRANSITIONS",
    "LIVE",
    "SESSION_TRANSITIONS",
    "TERMINAL",
    "VERDICT_TRANSITIONS",
    "Checks",
    "Decision",
    "DecisionStatus",
    "Health",
    "Session",
    "SessionState",
    "State",
    "Task",
    "TaskVerdict",
    "answers_note",
    "apply",
    "fold",
    "illegal",
    "note_for_worker",
    "park",
    "refused",
    "unpark",
]
S = SessionState


class Task(msgspec.Struct, kw_only=True):
    task_id: str
    title: str
    body: str
    source: str
    labels: tuple[str, ...]
    priority: int
    backend: str
    origin: str
    filed_at: float
    verdict: TaskVerdict = TaskVerdict.PENDING
    verdict_reason: str = ""
    triage_retrying: str = ""  # while triage's model call is retried: why, which attempt
    sessions: list[str] = msgspec.field(default_factory=list)
    # Delegation (delegation_state.py): the task it is a sub-task of, its own sub-tasks
    # once split, the sibling tasks that must be done before it starts.
    parent: str = ""
    children: list[str] = msgspec.field(default_factory=list)
    depends_on: tuple[str, ...] = ()
    split_by: str = ""
    sub_tasks_landed: bool = False


class Checks(msgspec.Struct, kw_only=True):
    command: str
    passed: bool
    exit_code: int
    output_tail: str
    seconds: float
    timed_out: bool


class Session(msgspec.Struct, kw_only=True):
    session_id: str
    task_id: str
    name: str
    branch: str
    backend: str
    attempt: int
    queued_at: float
    instruction: str = ""  # what the worker is told on its next attempt
    feedback: list[str] = msgspec.field(default_factory=list)  # every note sent back to it
    state: SessionState = S.QUEUED
    health: Health = Health.OK
    worktree: str = ""
    base_commit: str = ""
    target_branch: str = ""
    head_commit: str = ""
    started_at: float | None = None
    ended_at: float | None = None
    changed_at: float = 0.0
    steps_done: int = 0  # WorkerActed steps recorded; a resumed worker skips them
    setup_passed: list[str] = msgspec.field(default_factory=list)  # never run again
    last_message: str = ""
    summary: str = ""
    failure: str = ""
    checks: Checks | None = None
    review: ev.ReviewPrepared | None = None
    gate_reasons: tuple[str, ...] = ()
    hunk_verdicts: dict[str, str] = msgspec.field(default_factory=dict)
    hunk_comments: dict[str, list[str]] = msgspec.field(default_factory=dict)
    rounds: Rounds = msgspec.field(default_factory=Rounds)  # threads, viewed marks
    landing_blocked: str = ""
    landed_commit: str = ""
    worktree_removed: bool = False
    retried: bool = False
    turns: int = 0  # model turns of the worker's own conversation
    tokens: int = 0  # every token billed for this session's agents (cache included)
    cost_usd: float = 0.0
    reviewer_rounds: int = 0  # times the reviewer agent sent the change back
    node: str = ""  # the cluster node its worker runs on ([compute]); "" on this machine
    checkpoint_commit: str = ""  # the node's last checkpoint of its tree
    checkpoint_steps: int = 0  # the steps that checkpoint holds
    # Non-blocking questions answered against the assumption the worker went on with:
    # not yet sent to the worker (`unheeded`), and sent (`heeded`), by decision id.
    unheeded: list[str] = msgspec.field(default_factory=list)
    heeded: list[str] = msgspec.field(default_factory=list)
    steers: list[Steer] = msgspec.field(default_factory=list)  # notes steered to its worker
    # Ports, teardown and preview (environment_state.py).
    environment: SessionEnvironment = msgspec.field(default_factory=SessionEnvironment)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


class Decision(msgspec.Struct, kw_only=True):
    decision_id: str
    question: str
    options: tuple[str, ...]
    default: str
    blocking: bool
    session_id: str
    task_id: str
    asked_at: float
    answer: str | None = None
    answered_at: float | None = None
    answered_by: str = ""

    @property
    def open(self) -> bool:
        return self.answer is None

    @property
    def status(self) -> DecisionStatus:
        return DecisionStatus.OPEN if self.answer is None else DecisionStatus.ANSWERED

    @property
    def against_assumption(self) -> bool:
        """A non-blocking question answered otherwise than the worker assumed."""
        return (not self.blocking and self.answer is not None
                and self.answer.strip() != self.default.strip())


class RefusedFile(msgspec.Struct, kw_only=True):
    """An inbox file that could not become a task, until the human dismisses it or a
    file of the same name becomes one."""

    origin: str
    error: str
    kept_at: str
    refused_at: float


class Past(msgspec.Struct, kw_only=True):
    """A piece of the history part of a state (store_snapshot.py): tasks, sessions and
    decisions that ended a while ago and wait on nobody."""

    tasks: dict[str, Task] = msgspec.field(default_factory=dict)
    sessions: dict[str, Session] = msgspec.field(default_factory=dict)
    decisions: dict[str, Decision] = msgspec.field(default_factory=dict)


class Parked(msgspec.Struct, kw_only=True):
    """The history part still encoded, one `Past` per split that parked something, the
    ids they hold, and the order of every key of the state at the last split (so the
    dicts read back in the order the fold made them): decoded only when something asks
    for history, or when a record reaches one of those ids (`unpark`)."""

    bodies: list[bytes]
    tasks: frozenset[str]
    sessions: frozenset[str]
    decisions: frozenset[str]
    task_order: list[str] = msgspec.field(default_factory=list)
    session_order: list[str] = msgspec.field(default_factory=list)
    decision_order: list[str] = msgspec.field(default_factory=list)

    def holds(self, key: str) -> bool:
        return key in self.sessions or key in self.tasks or key in self.decisions


class State(msgspec.Struct, kw_only=True):
    tasks: dict[str, Task] = msgspec.field(default_factory=dict)
    sessions: dict[str, Session] = msgspec.field(default_factory=dict)
    decisions: dict[str, Decision] = msgspec.field(default_factory=dict)
    refused_files: dict[str, RefusedFile] = msgspec.field(default_factory=dict)  # by origin
    world: World = msgspec.field(default_factory=World)  # builds, timers, GitHub
    attention: Attention = msgspec.field(default_factory=Attention)  # notifications
    manager: ManagerPart = msgspec.field(default_factory=ManagerPart)  # the manager agent
    last_seq: int = 0
    manager_pid: int | None = None
    # The open decisions' ids by session, in the order asked: an index the fold keeps, so
    # finding a session's questions is not a scan of every decision ever asked.
    open_by_session: dict[str, list[str]] = msgspec.field(default_factory=dict)
    last_at: float = 0.0  # the time of the last record folded
    # Indices the fold keeps so that what runs per record never walks the history: the
    # sessions not ended yet (in the order queued), and how many sessions are in each
    # state (the whole log's, even while the history part is parked).
    unended: dict[str, None] = msgspec.field(default_factory=dict)
    session_counts: dict[SessionState, int] = msgspec.field(default_factory=dict)
    # Every session name and every task origin ever (history included): what a new
    # session's name must differ from, what the intake and GitHub have already filed.
    session_names: dict[str, None] = msgspec.field(default_factory=dict)
    origins: dict[str, None] = msgspec.field(default_factory=dict)
    # The history part while it is still encoded (front ends that show what is current,
    # and the manager: state_parts.py); None once decoded.
    parked: Parked | None = None

    def open_decisions(self, session_id: str) -> list[Decision]:
        return [self.decisions[d] for d in self.open_by_session.get(session_id, ())]

    def count(self, *states: SessionState) -> int:
        return sum(self.session_counts.get(state, 0) for state in states)

    def has_task(self, task_id: str) -> bool:
        """Whether the log filed `task_id`, in the live part or the parked history."""
        return task_id in self.tasks or (self.parked is not None
                                         and task_id in self.parked.tasks)

    def live_sessions(self) -> list[Session]:
        """The sessions not ended yet, in the order they were queued."""
        return [self.sessions[sid] for sid in self.unended]

    def answered_against_worker(self, d: Decision) -> bool:
        """The worker's own non-blocking question answered otherwise than it assumed (not
        a stall's proposal, whose answer the attention supervisor carries out)."""
        return (d.against_assumption and d.session_id in self.sessions
                and d.decision_id not in self.attention.stall_decisions)


def refused(state: State, event: ev.Event) -> str | None:
    """Why the fold's transition tables refuse `event` in `state`, or None when it
    applies. What follows an event (`manager.decide`) is asked only of events that apply."""
    if state.parked is not None:
        _reach(state, event)
    kind = type(event)
    if kind in DELEGATION_APPLY:
        return delegation_refusal(state, event)
    if (verdicts := VERDICT_TRANSITIONS.get(kind)) is not None:
        t = state.tasks.get(getattr(event, "task_id", ""))
        if t is None:
            return f"no task {getattr(event, 'task_id', '')}"
        if t.verdict not in verdicts:
            return (f"task {t.task_id} was not declined" if kind is ev.TaskOverruled
                    else f"task {t.task_id} was already {t.verdict}")
        return None
    if (answers := DECISION_TRANSITIONS.get(kind)) is not None:
        d = state.decisions.get(getattr(event, "decision_id", ""))
        if d is None:
            return f"no decision {getattr(event, 'decision_id', '')}"
        if d.status not in answers:
            return f"decision {d.decision_id} was already answered: {d.answer!r}"
        return None
    table = SESSION_TRANSITIONS.get(kind)
    session_id = getattr(event, "session_id", None)
    if table is None or session_id is None:
        return None
    s = state.sessions.get(session_id)
    if s is None:
        return f"no session {session_id}"
    if s.state not in table:
        return f"session {s.name} is {s.state}; {ev.tag_of(event).replace('_', ' ')} does not apply"
    return None


def illegal(state: State, event: ev.Event) -> str | None:
    """Why `event`, a human's action, cannot apply to `state` now, or None when it can."""
    if state.parked is not None:
        _reach(state, event)
    if isinstance(event, ev.DecisionAnswered):
        if (why := refused(state, event)) is not None:
            return why
        d = state.decisions[event.decision_id]
        t = state.tasks.get(d.task_id)
        if t is not None and t.verdict == TaskVerdict.CANCELLED:
            return f"task {t.task_id} was cancelled; nothing waits on this answer"
        if d.options and event.answer not in d.options:
            return f"answer must be one of: {', '.join(d.options)}"
        return None
    if isinstance(event, ev.SessionRetried):
        s = state.sessions.get(event.session_id)
        if s is None:
            return f"no session {event.session_id}"
        if not s.terminal:
            return f"session {s.name} is {s.state}; only a finished session can be retried"
        if s.retried:
            return f"session {s.name} was already retried"
        if (t := state.tasks.get(s.task_id)) is not None and t.children:
            return (f"task {t.task_id} was split into sub-tasks; retry theirs "
                    f"({', '.join(t.children)})")
        return None
    if isinstance(event, ev.RefusalDismissed):
        if event.origin not in state.refused_files:
            return f"no refused inbox file named {event.origin!r}"
        return None
    if isinstance(event, ev.TaskCancelled):
        t = state.tasks.get(event.task_id)
        if t is not None and t.verdict == TaskVerdict.ACCEPTED:
            return (f"task {t.task_id} was accepted and has a session: to stop it, "
                    "`loopwright kill` the session")
        return refused(state, event)
    if type(event) in REVIEW_APPLY:
        return review_refused(state, event)
    if isinstance(event, ev.HunkJudged):
        s = state.sessions.get(event.session_id)
        if s is None:
            return f"no session {event.session_id}"
        if s.state != S.AWAITING_APPROVAL or s.review is None:
            return f"session {s.name} is {s.state}, not awaiting approval"
        if event.hunk_id not in {h.hunk_id for h in s.review.hunks}:
            return f"no hunk {event.hunk_id} in the current review of {s.name}"
        return None
    return refused(state, event)


def fold(records: list[ev.Record], state: State | None = None) -> State:
    st = state or State()
    for r in records:
        apply(st, r)
    return st


def apply(st: State, record: ev.Record) -> None:
    """Apply one record in place. Illegal session transitions are ignored."""
    st.last_seq, st.last_at = record.seq, record.at
    e = record.event
    if st.parked is not None:
        _reach(st, e)
    # A table lookup, not a `match` over every event type: replay is the hot path.
    _APPLY.get(type(e), _apply_session_event)(st, e, record.at)


def unpark(st: State) -> State:
    """Decode the history part into the state's dicts, in the order the fold made
    them: the state is then what a fold of the whole log makes."""
    parked = st.parked
    if parked is None:
        return st
    past = Past()
    for body in parked.bodies:
        piece = _past_decoder.decode(body)
        past.tasks.update(piece.tasks)
        past.sessions.update(piece.sessions)
        past.decisions.update(piece.decisions)
    st.tasks = _merged(parked.task_order, past.tasks, st.tasks)
    st.sessions = _merged(parked.session_order, past.sessions, st.sessions)
    st.decisions = _merged(parked.decision_order, past.decisions, st.decisions)
    st.parked = None
    return st


def park(st: State, parted: State) -> None:
    """Take `parted` (`state_parts.split(st)`: the same state, what ended long ago
    encoded apart) as `st`'s own, so a long-lived holder keeps only the live part."""
    if parted is st:
        return
    assert parted.last_seq == st.last_seq, "a split of another state"
    st.tasks, st.sessions, st.decisions = parted.tasks, parted.sessions, parted.decisions
    st.parked = parted.parked


def _merged(order: list[str], past: dict[str, Any], live: dict[str, Any]
            ) -> dict[str, Any]:
    merged = {k: live[k] if k in live else past[k] for k in order if k in live or k in past}
    merged.update((k, v) for k, v in live.items() if k not in merged)
    return merged


def _reach(st: State, e: ev.Event) -> None:
    """A record (or a check) that names a parked id needs the history part first."""
    parked = st.parked
    assert parked is not None
    for attr in ("session_id", "task_id", "decision_id"):
        key = getattr(e, attr, None)
        if isinstance(key, str) and key and parked.holds(key):
            unpark(st)
            return
    if isinstance(e, ev.TaskSplit) and any(parked.holds(c.task_id) for c in e.children):
        unpark(st)


def _manager_started(st: State, e: ev.ManagerStarted, at: float) -> None:
    st.manager_pid = e.pid
    world_manager_started(st)


def _manager_stopped(st: State, e: ev.ManagerStopped, at: float) -> None:
    st.manager_pid = None


def _task_filed(st: State, e: ev.TaskFiled, at: float) -> None:
    st.tasks[e.task_id] = Task(
        task_id=e.task_id, title=e.title, body=e.body, source=e.source, labels=e.labels,
        priority=e.priority, backend=e.backend, origin=e.origin, filed_at=at,
    )
    if e.origin:
        st.origins[e.origin] = None
    if e.source == "inbox":  # origin `name#digest`: the same file, fixed, became a task
        st.refused_files.pop(e.origin.rpartition("#")[0], None)


def _intake_refused(st: State, e: ev.IntakeRefused, at: float) -> None:
    st.refused_files[e.origin] = RefusedFile(origin=e.origin, error=e.error,
                                             kept_at=e.kept_at, refused_at=at)


def _refusal_dismissed(st: State, e: ev.RefusalDismissed, at: float) -> None:
    st.refused_files.pop(e.origin, None)


def _task_judged(st: State, e: ev.TaskAccepted | ev.TaskOverruled | ev.TaskDeclined
                 | ev.TaskCancelled, at: float) -> None:
    t = st.tasks.get(e.task_id)
    if t is None:
        return
    nxt = VERDICT_TRANSITIONS[type(e)].get(t.verdict)
    if nxt is None:
        return
    reason = getattr(e, "reason", "")
    if isinstance(e, ev.TaskCancelled):
        reason = f"cancelled by {e.by}" + (f": {e.reason}" if e.reason else "")
    t.verdict, t.verdict_reason, t.triage_retrying = nxt, reason, ""


def _triage_retried(st: State, e: ev.TriageRetried, at: float) -> None:
    t = st.tasks.get(e.task_id)
    if t is not None and t.verdict == TaskVerdict.PENDING:
        why = _FAILURE_WORDS.get(e.failure, e.failure.replace("_", " "))
        t.triage_retrying = f"triage retrying: {why}, attempt {e.attempt} of {e.attempts}"


# `agent.retry.Failure.kind` in a human's words.
_FAILURE_WORDS = {
    "overloaded": "API overloaded", "rate_limited": "API rate limit",
    "server_error": "API server error", "stalled": "no answer in time",
    "broken_stream": "the connection broke",
}


def _session_queued(st: State, e: ev.SessionQueued, at: float) -> None:
    old = st.sessions.get(e.session_id)
    if old is not None:  # queued again: it is replaced, where it was
        _counted(st, old.state, -1)
    _counted(st, S.QUEUED, 1)
    if old is not None and e.session_id not in st.unended:  # rare: keep the fold's order
        st.unended = {k: None for k in st.sessions if k in st.unended or k == e.session_id}
    else:
        st.unended[e.session_id] = None
    st.session_names[e.name] = None
    st.sessions[e.session_id] = Session(
        session_id=e.session_id, task_id=e.task_id, name=e.name, branch=e.branch,
        backend=e.backend, attempt=e.attempt, instruction=e.note, queued_at=at, changed_at=at,
    )
    if (t := st.tasks.get(e.task_id)) is not None:
        t.sessions.append(e.session_id)


def _decision_asked(st: State, e: ev.DecisionAsked, at: float) -> None:
    if (old := st.decisions.get(e.decision_id)) is not None and old.open:  # asked again
        st.open_by_session[old.session_id].remove(e.decision_id)
    st.decisions[e.decision_id] = Decision(
        decision_id=e.decision_id, question=e.question, options=e.options,
        default=e.default, blocking=e.blocking, session_id=e.session_id,
        task_id=e.task_id, asked_at=at,
    )
    st.open_by_session.setdefault(e.session_id, []).append(e.decision_id)
    if not e.session_id and (t := st.tasks.get(e.task_id)) is not None:
        t.triage_retrying = ""  # triage has asked the human: it is no longer retrying
    s = st.sessions.get(e.session_id)
    if e.blocking and s is not None and s.state == S.RUNNING:
        _move(st, s, S.WAITING, at)


def _decision_answered(st: State, e: ev.DecisionAnswered, at: float) -> None:
    d = st.decisions.get(e.decision_id)
    if d is None or d.status not in DECISION_TRANSITIONS[ev.DecisionAnswered]:
        return
    d.answer, d.answered_at, d.answered_by = e.answer, at, e.by
    still_open = st.open_by_session[d.session_id]
    still_open.remove(d.decision_id)
    if not still_open:
        del st.open_by_session[d.session_id]
    s = st.sessions.get(d.session_id)
    if s is not None and st.answered_against_worker(d) and not s.terminal:
        s.unheeded.append(d.decision_id)
    if s is not None and s.state == S.WAITING and not any(
        o.blocking for o in st.open_decisions(s.session_id)
    ):
        _move(st, s, S.RUNNING, at)


def _hunk_judged(st: State, e: ev.HunkJudged, at: float) -> None:
    if (s := st.sessions.get(e.session_id)) is not None and illegal(st, e) is None:
        s.hunk_verdicts[e.hunk_id] = e.verdict
        if e.comment.strip():
            s.hunk_comments.setdefault(e.hunk_id, []).append(e.comment.strip())


def note_for_worker(s: Session, note: str, *, threads: bool = True) -> str:
    """The human's note, followed by every open review thread (`threads`: the reviewer
    agent's own note already lists its comments) and what they said hunk by hunk: a
    rejected hunk and every comment, placed by file and line so the worker can find
    them."""
    if s.review is None:
        return note
    if threads and (threads_text := threads_note(s)):
        note = note.rstrip() + "\n\n" + threads_text
    lines = []
    for h in s.review.hunks:
        where = f"{h.path} line {h.new_start}"
        if s.hunk_verdicts.get(h.hunk_id) == "reject":
            lines.append(f"- {where}: this hunk is rejected; undo or redo it")
        lines += [f"- {where}: {c}" for c in s.hunk_comments.get(h.hunk_id, ())]
    if not lines:
        return note
    return note.rstrip() + "\n\nOn the diff:\n" + "\n".join(lines)


def answers_note(st: State, decision_ids: list[str]) -> str:
    """The answers that differ from what the worker assumed, as its instruction."""
    lines = ["Questions answered otherwise than you assumed (follow the answers):"]
    for did in decision_ids:
        d = st.decisions[did]
        lines.append(f"- {d.question} You went on assuming {d.default!r}; "
                     f"the answer is {d.answer!r}.")
    return "\n".join(lines)


def _session_retried(st: State, e: ev.SessionRetried, at: float) -> None:
    if (s := st.sessions.get(e.session_id)) is not None:
        s.retried = True


_past_decoder = msgspec.msgpack.Decoder(Past)

_APPLY: dict[type[ev._Event], Callable[[State, Any, float], None]] = {
    ev.ManagerStarted: _manager_started,
    ev.ManagerStopped: _manager_stopped,
    ev.TaskFiled: _task_filed,
    ev.IntakeRefused: _intake_refused,
    ev.RefusalDismissed: _refusal_dismissed,
    ev.TaskAccepted: _task_judged,
    ev.TaskOverruled: _task_judged,
    ev.TaskDeclined: _task_judged,
    ev.TaskCancelled: _task_judged,
    ev.TriageRetried: _triage_retried,
    ev.SessionQueued: _session_queued,
    ev.DecisionAsked: _decision_asked,
    ev.DecisionAnswered: _decision_answered,
    ev.HunkJudged: _hunk_judged,
    ev.SessionRetried: _session_retried,
    **WORLD_APPLY,
    **ATTENTION_APPLY,
    **MANAGER_APPLY,
    **DELEGATION_APPLY,
    **REVIEW_APPLY,
}


def _and_session(part: Callable[[State, Any, float], None]
                 ) -> Callable[[State, Any, float], None]:
    def both(st: State, e: Any, at: float) -> None:
        part(st, e, at)
        _apply_session_event(st, e, at)
    return both


# Events of another part's vocabulary that also change a session (its health, its base,
# the note for its worker): that part folds its own fields, the session's are folded here.
for _kind in (ev.StallDetected, ev.StallCleared, ev.SessionRebased, ev.RebaseConflicted):
    _APPLY[_kind] = _and_session(_APPLY[_kind])
_APPLY[ev.ModelReplied] = _and_session(lambda st, e, at: spent(st, e))


def _apply_session_event(st: State, e: ev.Event, at: float) -> None:
    session_id = getattr(e, "session_id", None)
    s = st.sessions.get(session_id) if session_id else None
    if s is None:
        return
    # The most frequent events skip the match below: none of them moves a session.
    if type(e) is ev.WorkerActed:
        s.steps_done = max(s.steps_done, e.step + 1)
        s.last_message = f"{e.action} {e.detail}".strip()
        return
    if type(e) is ev.ModelReplied:
        s.tokens += (e.input_tokens + e.output_tokens + e.cache_write_tokens
                     + e.cache_read_tokens)
        s.cost_usd += e.cost_usd
        if e.agent == "worker":
            s.turns += 1
        return
    if type(e) is ev.ModelPrompted or type(e) is ev.CommandRan:  # the state keeps nothing of
        return  # them (the transcript is read from the log, the stall tracker folds them)
    sent_back = type(e) is ev.ChangesRequested and s.state in (S.AWAITING_APPROVAL,
                                                               S.REVIEWING)
    if type(e) is ev.ReviewPrepared and s.state == S.REVIEWING:
        review_prepared(s, e, at)
    _record_details(s, e, at)
    if sent_back and s.unheeded:  # every note back carries the answers not yet sent
        s.instruction = s.feedback[-1] = (s.instruction.rstrip() + "\n\n"
                                          + answers_note(st, s.unheeded))
        s.heeded += s.unheeded
        s.unheeded = []
    if type(e) is ev.PullRequestReviewed:
        record_session_detail(st, e)
    if (health := HEALTH_TRANSITIONS.get(type(e))) is not None and not s.terminal:
        s.health = health.get(s.health, s.health)
    table = SESSION_TRANSITIONS.get(type(e))
    if table is None:
        return
    nxt = table.get(s.state)
    if nxt is None:
        return
    if isinstance(e, ev.GateDecided) and e.auto_land:
        nxt = S.LANDING
    _move(st, s, nxt, at)


def _record_details(s: Session, e: ev.Event, at: float = 0.0) -> None:
    if type(e) in ENVIRONMENT_EVENTS:
        record_environment(s.environment, e, at)
        return
    match e:
        case ev.SessionStarted():
            if s.state == S.QUEUED:
                s.worktree, s.base_commit = e.worktree, e.base_commit
                s.target_branch, s.head_commit = e.target_branch, e.base_commit
        case ev.SessionResumed(note=note) if note:
            s.instruction = note
        case ev.WorkerProgressed(message=message, step=step):
            s.last_message = message
            if step is not None:
                s.steps_done = max(s.steps_done, step + 1)
        case ev.SessionPlaced(node=node):
            s.node = node
        case ev.SessionCheckpointed(commit=commit, steps=steps):
            s.checkpoint_commit, s.checkpoint_steps = commit, steps
        case ev.WorkBroughtBack(worktree=worktree) if not s.worktree:
            s.worktree = worktree
        case ev.SetupRan(command=command, exit_code=0) if not e.timed_out:
            s.setup_passed.append(command)
        case ev.WorkerFinished() if s.state in (S.RUNNING, S.WAITING):
            s.summary, s.head_commit, s.last_message = e.summary, e.head_commit, e.summary
        case ev.WorkerFailed(reason=reason) | ev.LandingFailed(reason=reason):
            if s.state not in TERMINAL:
                s.failure = reason
        case ev.ChecksFinished() if not e.on_merge and s.state == S.CHECKING:
            # (the merged result's checks decide the landing; they stay in the log)
            s.checks = Checks(
                command=e.command, passed=e.passed, exit_code=e.exit_code,
                output_tail=e.output_tail, seconds=e.seconds, timed_out=e.timed_out,
            )
        case ev.ReviewPrepared() if s.state == S.REVIEWING:
            s.review, s.hunk_verdicts, s.hunk_comments = e, {}, {}
        case ev.GateDecided(reasons=reasons):
            s.gate_reasons = reasons
        case ev.ChangesRequested(note=note) if s.state in (S.AWAITING_APPROVAL,
                                                           S.REVIEWING):
            s.instruction = note_for_worker(s, note, threads=e.by != "reviewer")
            s.feedback.append(s.instruction)
            changes_requested(s, e.by)
            if e.by == "reviewer":
                s.reviewer_rounds += 1
        case ev.PullRequestReviewed(note=note) if s.state == S.LANDING:
            s.instruction = note
            s.feedback.append(note)
        case ev.SessionKilled(reason=reason) if reason and s.state not in TERMINAL:
            s.failure = reason  # a retry tells the next attempt why this one was stopped
        case ev.SessionRebased() if not s.terminal:
            s.base_commit, s.head_commit = e.base_commit, e.head_commit
        case ev.RebaseConflicted() if not s.terminal:
            s.instruction = rebase_note(e)
            s.feedback.append(s.instruction)
        case ev.LandingStarted():
            s.landing_blocked = ""
        case ev.LandingBlocked(reason=reason):
            s.landing_blocked = reason
        case ev.ChangeLanded(commit=commit):
            s.landed_commit, s.landing_blocked = commit, ""
        case ev.WorktreeRemoved():
            s.worktree_removed = True
        case ev.NothingChanged(reason=reason) if s.state in (S.CHECKING, S.REVIEWING):
            s.last_message = f"no change: {reason}"
        case _:
            pass


def _move(st: State, s: Session, nxt: SessionState, at: float) -> None:
    if s.state == S.QUEUED and nxt == S.RUNNING and s.started_at is None:
        s.started_at = at
    _counted(st, s.state, -1)
    _counted(st, nxt, 1)
    s.state, s.changed_at = nxt, at
    if nxt in TERMINAL:
        s.ended_at = at
        st.unended.pop(s.session_id, None)


def _counted(st: State, state: SessionState, by: int) -> None:
    st.session_counts[state] = st.session_counts.get(state, 0) + by
