"""What front ends show of delegation and steering: the task tree (a sub-task's parent,
what it waits on, why a split task is still open) and one log line per act."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .. import events as ev
from ..delegation_state import settled, task_done, waiting_on
from ..lifecycle import LIVE, SESSION_TRANSITIONS
from ..state import State, Task

__all__ = ["child_status", "describe", "live_steers", "open_reason", "task_done",
           "touched", "tree_order", "waiting_on"]


def child_status(st: State, task_id: str) -> str:
    """How a task stands, in a few words: `landed`, `running`, `failed`, `waits on t-a`,
    `not started`, or for a split one `2 of 3 sub-tasks done`."""
    t = st.tasks[task_id]
    if t.parent and t.verdict == "cancelled":
        return "dropped"
    if task_done(st, task_id):
        return "done" if t.children else "landed"
    if t.children:
        done = sum(task_done(st, c) for c in t.children)
        return f"{done} of {len(t.children)} sub-tasks done"
    if t.sessions:
        s = st.sessions[t.sessions[-1]]
        return s.state.value.replace("_", " ")
    if (waits := waiting_on(st, task_id)):
        return f"waits on {', '.join(waits)}"
    return "not started"


def open_reason(st: State, task_id: str) -> str:
    """Why a split task is not done yet, or "" (not split, or done)."""
    t = st.tasks.get(task_id)
    if t is None or not t.children or task_done(st, task_id):
        return ""
    done = [c for c in t.children if settled(st, c)]
    rest = [f"{c} {child_status(st, c)}" for c in t.children if c not in done]
    return f"{len(done)} of {len(t.children)} sub-tasks done; {', '.join(rest)}"


def tree_order(st: State) -> Iterator[tuple[int, Task]]:
    """Every task with its depth: a split task, then its sub-tasks under it."""
    for t in st.tasks.values():
        if not t.parent or t.parent not in st.tasks:
            yield from _subtree(st, t.task_id)


def touched(st: State, e: ev.Event) -> list[str]:
    """Tasks whose tree fields (`waitingOn`, `done`, `openReason`, `priority`) `e` may
    have changed, beyond the task it names: the sub-tasks of a split or a priority, and,
    when a sub-task's session changes state, the tasks above it and the siblings that
    wait on it. Called after `e` is applied."""
    out: list[str] = []
    if isinstance(e, ev.TaskSplit | ev.TaskPrioritised):
        out += [t.task_id for _, t in _subtree(st, e.task_id)]
    tid = getattr(e, "task_id", "")
    sid = getattr(e, "session_id", "")
    if type(e) in SESSION_TRANSITIONS and (s := st.sessions.get(sid)) is not None:
        tid = s.task_id
    t = st.tasks.get(tid) if isinstance(tid, str) else None
    while t is not None and t.parent in st.tasks:
        parent = st.tasks[t.parent]
        out += [c for c in parent.children if t.task_id in st.tasks[c].depends_on]
        out.append(parent.task_id)
        t = parent
    return out


def _subtree(st: State, task_id: str) -> Iterator[tuple[int, Task]]:
    def walk(t: Task, depth: int) -> Iterator[tuple[int, Task]]:
        yield depth, t
        for c in t.children:
            if c in st.tasks:
                yield from walk(st.tasks[c], depth + 1)

    if task_id in st.tasks:
        yield from walk(st.tasks[task_id], 0)


def live_steers(st: State, session_id: str) -> int:
    """Steering notes the session's worker has not taken yet."""
    s = st.sessions.get(session_id)
    if s is None or s.state not in LIVE:
        return 0
    return sum(1 for n in s.steers if not n.received)


def describe(e: ev.Event, name: Callable[[str], str]) -> str | None:
    """One human-readable line for these events; None for other events."""
    match e:
        case ev.TaskSplit():
            titles = "; ".join(
                c.title + (f" (after {', '.join(c.depends_on)})" if c.depends_on else "")
                for c in e.children)
            why = f" ({e.reason})" if e.reason else ""
            return (f"task {e.task_id} split by {e.by} into {len(e.children)} "
                    f"sub-task(s){why}: {titles}")
        case ev.SubTasksLanded():
            return f"task {e.task_id}: every sub-task done, so it is done"
        case ev.SessionSteered():
            return f"{name(e.session_id)}: steered by {e.by}: {e.note}"
        case ev.SteerReceived(step=step):
            how = f"as step {step}" if step is not None else "in its conversation"
            return f"{name(e.session_id)}: the worker took steering note {e.steer} ({how})"
        case ev.SubTaskDropped():
            why = f": {e.reason}" if e.reason else ""
            return f"task {e.task_id}: sub-task dropped by {e.by}{why}"
        case ev.TaskPrioritised():
            why = f": {e.reason}" if e.reason else ""
            return f"task {e.task_id}: priority set to {e.priority} by {e.by}{why}"
    return None
