"""What the editor sees of the state: the shapes of `loopwright/state` and
`$/loopwright/changed`, camelCase on the wire. Pure functions of `State`.

docs/protocol.md documents every field; keep the two in step.
"""

from __future__ import annotations

import time

import msgspec

from .. import events as ev
from ..manager import views
from ..state import ACTIVE, TERMINAL, SessionState, State


class Wire(msgspec.Struct, kw_only=True, rename="camel"):
    pass


class TaskRow(Wire):
    task_id: str
    title: str
    source: str
    labels: tuple[str, ...]
    priority: int
    verdict: str
    verdict_reason: str
    filed_at: float
    sessions: list[str]
    triage_retrying: str = ""  # "triage retrying: API overloaded, attempt 3 of 7"


class SessionRow(Wire):
    session_id: str
    name: str
    task_id: str
    title: str
    group: str
    labels: tuple[str, ...]
    state: str
    health: str
    backend: str
    branch: str
    attempt: int
    last_message: str
    queued_at: float
    started_at: float | None
    ended_at: float | None
    elapsed_seconds: float
    needs_you: bool
    has_review: bool
    added: int
    removed: int
    failure: str
    landed_commit: str


class InboxItem(Wire):
    kind: str
    ref: str
    title: str
    detail: str
    since: float
    session_id: str
    session_name: str
    options: tuple[str, ...]
    actions: tuple[str, ...]


class ActivityLine(Wire):
    seq: int
    at: float
    session_id: str
    text: str


class StateResult(Wire):
    seq: int
    root: str
    hosted_manager: bool
    manager_pid: int | None
    tasks: list[TaskRow]
    sessions: list[SessionRow]
    inbox: list[InboxItem]
    running: int
    need_you: int


class Changed(Wire):
    seq: int
    hosted_manager: bool
    manager_pid: int | None
    tasks: list[TaskRow]
    sessions: list[SessionRow]
    removed_sessions: list[str]
    inbox: list[InboxItem]
    running: int
    need_you: int
    activity: list[ActivityLine]


def task_row(state: State, task_id: str) -> TaskRow:
    t = state.tasks[task_id]
    return TaskRow(task_id=t.task_id, title=t.title, source=t.source, labels=t.labels,
                   priority=t.priority, verdict=t.verdict, verdict_reason=t.verdict_reason,
                   filed_at=t.filed_at, sessions=list(t.sessions),
                   triage_retrying=t.triage_retrying)


def session_row(state: State, session_id: str, now: float | None = None) -> SessionRow:
    s = state.sessions[session_id]
    task = state.tasks[s.task_id]
    now = time.time() if now is None else now
    start = s.started_at or s.queued_at
    end = s.ended_at if s.state in TERMINAL and s.ended_at else now
    review = s.review
    return SessionRow(
        session_id=s.session_id, name=s.name, task_id=s.task_id, title=task.title,
        group=task.labels[0] if task.labels else task.task_id, labels=task.labels,
        state=s.state.value, health=s.health.value, backend=s.backend, branch=s.branch,
        attempt=s.attempt, last_message=s.last_message, queued_at=s.queued_at,
        started_at=s.started_at, ended_at=s.ended_at,
        elapsed_seconds=round(max(0.0, end - start), 1),
        needs_you=needs_you(state, session_id), has_review=review is not None,
        added=review.added if review else 0, removed=review.removed if review else 0,
        failure=s.failure, landed_commit=s.landed_commit,
    )


def needs_you(state: State, session_id: str) -> bool:
    s = state.sessions[session_id]
    if s.terminal:
        return s.state == SessionState.FAILED and not s.retried
    return (s.state == SessionState.AWAITING_APPROVAL or bool(s.landing_blocked)
            or bool(state.open_decisions(session_id)))


def inbox(state: State) -> list[InboxItem]:
    """The whole inbox, oldest first (it is short: only what waits on the human)."""
    items = []
    for i in views.inbox(state):
        session_id = ""
        if i.kind == "decision":
            session_id = state.decisions[i.ref].session_id
        elif i.kind != "declined":
            session_id = i.ref
        items.append(InboxItem(kind=i.kind, ref=i.ref, title=i.title, detail=i.detail,
                               since=i.since, session_id=session_id, session_name=i.session,
                               options=i.options, actions=i.actions))
    return items


def running(state: State) -> int:
    return state.count(*ACTIVE)


def activity(record: ev.Record, state: State) -> ActivityLine | None:
    """The record's line in the Activity view; None when another record says it."""
    text = views.describe(record, state)
    if text is None:
        return None
    return ActivityLine(seq=record.seq, at=record.at,
                        session_id=getattr(record.event, "session_id", ""), text=text)


def state_result(state: State, *, root: str, hosted: bool, pid: int | None) -> StateResult:
    now = time.time()
    box = inbox(state)
    return StateResult(
        seq=state.last_seq, root=root, hosted_manager=hosted, manager_pid=pid,
        tasks=[task_row(state, t) for t in state.tasks],
        sessions=[session_row(state, s, now) for s in state.sessions],
        inbox=box, running=running(state), need_you=len(box),
    )


def to_json(value: object) -> object:
    """A wire struct as plain JSON values, ready for pygls to send."""
    return msgspec.to_builtins(value)
