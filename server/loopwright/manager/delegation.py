"""Pure: what follows a split, and a sub-task that is done (or dropped).

A split queues the sub-tasks that depend on nothing (unless the split task itself still
waits on a sibling of its own). A task that becomes done (its change landed, or its own
sub-tasks all are) or is dropped queues the siblings that depended on it and now wait on
nothing more, and closes its parent with `SubTasksLanded` when it was the last. Each
start is caused by exactly one event, so a batch of records never queues a sub-task
twice; `recover` finds again what a crash left between the fact and its consequence.
"""

from __future__ import annotations

from .. import events as ev
from ..delegation_state import settled, task_done, waiting_on
from ..lifecycle import TaskVerdict
from ..state import State
from .effects import Effect, QueueSession, Record


def decide(state: State, event: ev.Event) -> list[Effect]:
    match event:
        case ev.TaskSplit(task_id=tid):
            if blocked(state, tid):
                return []
            return _start(state, [c for c in state.tasks[tid].children
                                  if not state.tasks[c].depends_on])
        case ev.ChangeLanded(session_id=sid) if sid in state.sessions:
            return _became_done(state, state.sessions[sid].task_id)
        case ev.SubTasksLanded(task_id=tid) | ev.SubTaskDropped(task_id=tid):
            return _became_done(state, tid)
    return []


def blocked(state: State, task_id: str) -> bool:
    """The task, or a task it is part of, still waits on a sibling."""
    t = state.tasks.get(task_id)
    while t is not None:
        if waiting_on(state, t.task_id):
            return True
        t = state.tasks.get(t.parent) if t.parent else None
    return False


def may_start(state: State, task_id: str) -> bool:
    """An accepted task a session may be queued for: not split, and not blocked."""
    t = state.tasks[task_id]
    return not t.children and not blocked(state, task_id)


def _start(state: State, task_ids: list[str]) -> list[Effect]:
    """Sessions for these tasks, none of which waits on anything: a split one starts its
    own sub-tasks that depend on nothing."""
    out: list[Effect] = []
    for tid in task_ids:
        t = state.tasks[tid]
        if t.verdict != TaskVerdict.ACCEPTED or task_done(state, tid):
            continue
        if t.children:
            out += _start(state, [c for c in t.children if not state.tasks[c].depends_on])
        elif not t.sessions:
            out.append(QueueSession(tid, attempt=1))
    return out


def _became_done(state: State, task_id: str) -> list[Effect]:
    t = state.tasks.get(task_id)
    if t is None or not t.parent or not settled(state, task_id):
        return []
    parent = state.tasks[t.parent]
    dependents = [c for c in parent.children if task_id in state.tasks[c].depends_on
                  and not waiting_on(state, c)]
    out = [] if blocked(state, parent.task_id) else _start(state, dependents)
    if not parent.sub_tasks_landed and all(settled(state, c) for c in parent.children):
        out.append(Record((ev.SubTasksLanded(task_id=parent.task_id),)))
    return out


def recover(state: State) -> list[Effect]:
    """After a restart: split tasks whose sub-tasks are all done but not yet said so."""
    return [Record((ev.SubTasksLanded(task_id=t.task_id),)) for t in state.tasks.values()
            if t.children and not t.sub_tasks_landed
            and all(settled(state, c) for c in t.children)]
