"""The fold of delegation and steering beside `state.py`: split tasks and their sub-tasks,
notes steered to a session's worker, priorities.

Only `state.apply` calls these, in log order. `refusal()` says why one of these events
does not apply to the state as it is (the fold then ignores it, and a front end refuses
it with that message before appending it). A task is **done** when a session of it
landed, or when it was split and every sub-task is done; a sub-task starts when every
task it depends on is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from . import events as ev
from .lifecycle import LIVE, SessionState, TaskVerdict

if TYPE_CHECKING:
    from .state import State, Task

MAX_CHILDREN = 50
STEERABLE = frozenset({SessionState.QUEUED, SessionState.RUNNING, SessionState.WAITING})


class Steer(msgspec.Struct, kw_only=True):
    """A note steered to a session's worker, and whether the worker has taken it."""

    note: str
    by: str
    at: float
    received: bool = False
    step: int | None = None  # the worker step it was taken as (script worker)


def task_done(st: State, task_id: str) -> bool:
    """Its change landed; or it was split, and every sub-task is done or dropped."""
    t = st.tasks.get(task_id)
    if t is None:
        return False
    if t.children:
        return t.sub_tasks_landed or all(settled(st, c) for c in t.children)
    return any(st.sessions[s].state == SessionState.LANDED for s in t.sessions)


def settled(st: State, task_id: str) -> bool:
    """Nothing more will come of it: done, or dropped (`SubTaskDropped`)."""
    t = st.tasks.get(task_id)
    return t is not None and (t.verdict == TaskVerdict.CANCELLED or task_done(st, task_id))


def waiting_on(st: State, task_id: str) -> tuple[str, ...]:
    """The tasks `task_id` depends on that are not settled yet."""
    t = st.tasks.get(task_id)
    return () if t is None else tuple(d for d in t.depends_on if not settled(st, d))


def live_session(st: State, t: Task) -> str:
    """The name and state of the task's session at work, or ""."""
    for sid in t.sessions:
        s = st.sessions[sid]
        if s.state in LIVE:
            return f"{s.name} {s.state.value}"
    return ""


def refusal(st: State, e: ev.Event) -> str | None:
    """Why a delegation event does not apply to `st`, or None when it does."""
    match e:
        case ev.TaskSplit():
            return _split_refusal(st, e)
        case ev.SubTasksLanded(task_id=tid):
            t = st.tasks.get(tid)
            if t is None or not t.children:
                return f"task {tid} was not split"
            return f"task {tid} is done already" if t.sub_tasks_landed else None
        case ev.SessionSteered(session_id=sid):
            s = st.sessions.get(sid)
            if s is None:
                return f"no session {sid}"
            if not e.note.strip():
                return "a steering note needs its text: it goes to the worker"
            if s.state == SessionState.LANDED:
                return f"session {s.name} has landed; nothing to steer"
            if s.state in (SessionState.CHECKING, SessionState.REVIEWING,
                           SessionState.AWAITING_APPROVAL, SessionState.LANDING):
                return (f"session {s.name} is {s.state.value}: its worker has finished; "
                        "send it back with request-changes")
            if s.state not in STEERABLE:
                return f"session {s.name} is {s.state.value}; nothing to steer"
            return None
        case ev.SteerReceived(session_id=sid, steer=n):
            s = st.sessions.get(sid)
            if s is None or not 1 <= n <= len(s.steers):
                return f"no steering note {n} for session {sid}"
            return f"steering note {n} was already received" if s.steers[n - 1].received \
                else None
        case ev.SubTaskDropped(task_id=tid):
            t = st.tasks.get(tid)
            if t is None:
                return f"no task {tid}"
            if not t.parent:
                return f"task {tid} is no sub-task"
            if t.verdict == TaskVerdict.CANCELLED:
                return f"sub-task {tid} was already dropped"
            if task_done(st, tid):
                return f"sub-task {tid} is done; nothing to call off"
            if (live := live_session(st, t)):
                return f"sub-task {tid} has session {live}: kill it first, then cancel"
            return None
        case ev.TaskPrioritised(task_id=tid, priority=priority):
            t = st.tasks.get(tid)
            if t is None:
                return f"no task {tid}"
            if t.verdict == TaskVerdict.CANCELLED:
                return f"task {tid} was cancelled"
            if task_done(st, tid):
                return f"task {tid} is done; its priority no longer matters"
            if t.priority == priority:
                return f"task {tid} already has priority {priority}"
            return None
    return None


def _split_refusal(st: State, e: ev.TaskSplit) -> str | None:
    t = st.tasks.get(e.task_id)
    if t is None:
        return f"no task {e.task_id}"
    if t.verdict == TaskVerdict.CANCELLED:
        return f"task {t.task_id} was cancelled"
    if t.children:
        return f"task {t.task_id} was already split into {', '.join(t.children)}"
    if task_done(st, t.task_id):
        return f"task {t.task_id} has landed; nothing left to split"
    if (live := live_session(st, t)):
        return f"task {t.task_id} has session {live}: kill it first, then split"
    if not e.children:
        return "a split needs at least one sub-task"
    if len(e.children) > MAX_CHILDREN:
        return f"a split makes at most {MAX_CHILDREN} sub-tasks, not {len(e.children)}"
    ids = [c.task_id for c in e.children]
    if len(set(ids)) != len(ids) or any(i in st.tasks for i in ids):
        return "sub-task ids must be new and distinct"
    for c in e.children:
        if not c.title.strip():
            return f"sub-task {c.task_id} needs a title"
        for d in c.depends_on:
            if d == c.task_id:
                return f"sub-task {c.task_id} depends on itself"
            if d not in ids:
                return f"sub-task {c.task_id} depends on {d}, which is not part of this split"
    if (cycle := find_cycle({c.task_id: c.depends_on for c in e.children})):
        return "the sub-tasks depend on each other in a cycle: " + " -> ".join(cycle)
    return None


def find_cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """One cycle of `graph` (node -> what it depends on) as a path back to its start, or
    [] when there is none. Pure; a split has at most `MAX_CHILDREN` nodes."""
    seen: dict[str, bool] = {}  # node -> still on the path being walked
    path: list[str] = []

    def visit(node: str) -> list[str]:
        seen[node] = True
        path.append(node)
        for dep in graph.get(node, ()):
            if seen.get(dep):
                return [*path[path.index(dep):], dep]
            if dep not in seen and (cycle := visit(dep)):
                return cycle
        path.pop()
        seen[node] = False
        return []

    for node in graph:
        if node not in seen and (cycle := visit(node)):
            return cycle
    return []


def _task_split(st: State, e: ev.TaskSplit, at: float) -> None:
    from .state import Task  # the fold's own type; state.py imports this module

    if refusal(st, e) is not None:
        return
    parent = st.tasks[e.task_id]
    parent.children = [c.task_id for c in e.children]
    parent.split_by = e.by
    parent.verdict = TaskVerdict.ACCEPTED  # a split task is accepted: its sub-tasks run
    parent.triage_retrying = ""
    for c in e.children:
        st.tasks[c.task_id] = Task(
            task_id=c.task_id, title=c.title, body=c.body, source="split", labels=c.labels,
            priority=c.priority, backend=c.backend, origin=e.task_id, filed_at=at,
            verdict=TaskVerdict.ACCEPTED, verdict_reason=f"a sub-task of {e.task_id}",
            parent=e.task_id, depends_on=c.depends_on,
        )


def _sub_tasks_landed(st: State, e: ev.SubTasksLanded, at: float) -> None:
    if refusal(st, e) is None:
        st.tasks[e.task_id].sub_tasks_landed = True


def _session_steered(st: State, e: ev.SessionSteered, at: float) -> None:
    if refusal(st, e) is None:
        st.sessions[e.session_id].steers.append(Steer(note=e.note, by=e.by, at=at))


def _steer_received(st: State, e: ev.SteerReceived, at: float) -> None:
    if refusal(st, e) is not None:
        return
    s = st.sessions[e.session_id]
    steer = s.steers[e.steer - 1]
    steer.received, steer.step = True, e.step
    if e.step is not None:  # a step of the worker's: a resumed worker skips it
        s.steps_done = max(s.steps_done, e.step + 1)
        s.last_message = f"steered: {steer.note}"


def _sub_task_dropped(st: State, e: ev.SubTaskDropped, at: float) -> None:
    if refusal(st, e) is None:
        t = st.tasks[e.task_id]
        t.verdict = TaskVerdict.CANCELLED
        t.verdict_reason = f"dropped by {e.by}" + (f": {e.reason}" if e.reason else "")


def _task_prioritised(st: State, e: ev.TaskPrioritised, at: float) -> None:
    if refusal(st, e) is not None:
        return
    todo = [e.task_id]
    while todo:  # the task and its whole subtree
        t = st.tasks[todo.pop()]
        t.priority = e.priority
        todo += t.children


DELEGATION_APPLY: dict[type[ev._Event], Callable[[State, Any, float], None]] = {
    ev.TaskSplit: _task_split,
    ev.SubTasksLanded: _sub_tasks_landed,
    ev.SessionSteered: _session_steered,
    ev.SteerReceived: _steer_received,
    ev.TaskPrioritised: _task_prioritised,
    ev.SubTaskDropped: _sub_task_dropped,
}
