"""Decide, then do: pure functions from (state, event) to the effects to carry out.

Nothing here touches git, the network, the clock or the log. `manager.loop` applies each
record to the state, asks `decide` what follows, and carries the effects out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import events as ev
from ..state import LIVE, SessionState, State

S = SessionState
# States that hold one of the `max_parallel` worker slots. Landing does not: landings go
# through their own queue, one at a time.
SLOT_STATES = frozenset({S.RUNNING, S.WAITING, S.CHECKING, S.REVIEWING})


@dataclass(frozen=True)
class Triage:
    task_id: str


@dataclass(frozen=True)
class SettleTriage:
    """A human answered the triage question about a task."""

    task_id: str
    accept: bool


@dataclass(frozen=True)
class QueueSession:
    task_id: str
    attempt: int
    note: str = ""


@dataclass(frozen=True)
class StartWorker:
    session_id: str
    resume: bool  # the session ran before: reuse its worktree, skip recorded steps
    reason: str = ""


@dataclass(frozen=True)
class RunChecks:
    session_id: str


@dataclass(frozen=True)
class PrepareReview:
    session_id: str


@dataclass(frozen=True)
class Land:
    session_id: str


@dataclass(frozen=True)
class StopWorker:
    session_id: str


@dataclass(frozen=True)
class RemoveWorktree:
    session_id: str
    delete_branch: bool


@dataclass(frozen=True)
class DeliverAnswer:
    decision_id: str
    answer: str


Effect = (
    Triage | SettleTriage | QueueSession | StartWorker | RunChecks | PrepareReview | Land
    | StopWorker | RemoveWorktree | DeliverAnswer
)


def decide(state: State, event: ev.Event) -> list[Effect]:
    """What follows from `event`, which has just been applied to `state`."""
    match event:
        case ev.TaskFiled(task_id=tid):
            return [Triage(tid)]
        case ev.TaskAccepted(task_id=tid) | ev.TaskOverruled(task_id=tid):
            task = state.tasks.get(tid)
            if task is None or any(state.sessions[s].state in LIVE for s in task.sessions):
                return []
            return [QueueSession(tid, attempt=len(task.sessions) + 1)]
        case ev.WorkerFinished(session_id=sid):
            return [RunChecks(sid)] if _is(state, sid, S.CHECKING) else []
        case ev.ChecksFinished(session_id=sid, on_merge=False):
            return [PrepareReview(sid)] if _is(state, sid, S.REVIEWING) else []
        case ev.GateDecided(session_id=sid, auto_land=True) | ev.ChangeApproved(session_id=sid):
            return [Land(sid)] if _is(state, sid, S.LANDING) else []
        case ev.ChangeRejected(session_id=sid):
            return [StopWorker(sid), RemoveWorktree(sid, delete_branch=False)]
        case ev.SessionKilled(session_id=sid):
            return [StopWorker(sid)]
        case ev.ChangeLanded(session_id=sid):
            return [RemoveWorktree(sid, delete_branch=True)]
        case ev.SessionRetried(session_id=sid):
            old = state.sessions[sid]
            task = state.tasks[old.task_id]
            note = f"A previous attempt ended as {old.state}: {old.failure or old.summary}"
            return [QueueSession(old.task_id, attempt=len(task.sessions) + 1, note=note)]
        case ev.DecisionAnswered(decision_id=did, answer=answer):
            decision = state.decisions[did]
            task = state.tasks.get(decision.task_id)
            if not decision.session_id and task is not None and task.verdict == "pending":
                return [SettleTriage(task.task_id, accept=answer != "decline")]
            return [DeliverAnswer(did, answer)]
        case _:
            return []


def schedule(state: State, max_parallel: int, starting: frozenset[str]) -> list[StartWorker]:
    """Queued sessions to start now, highest priority first, then oldest."""
    busy = sum(1 for s in state.sessions.values() if s.state in SLOT_STATES)
    busy += sum(1 for sid in starting if _is(state, sid, S.QUEUED))
    free = max_parallel - busy
    if free <= 0:
        return []
    queued = [
        s for s in state.sessions.values() if s.state == S.QUEUED and s.session_id not in starting
    ]
    queued.sort(key=lambda s: (-state.tasks[s.task_id].priority, s.queued_at))
    return [
        StartWorker(s.session_id, resume=s.worktree != "", reason="changes requested"
                    if s.notes else "")
        for s in queued[:free]
    ]


def recover(state: State) -> list[Effect]:
    """After a restart: pick every live session up where the log left it."""
    effects: list[Effect] = []
    for task in state.tasks.values():
        if task.verdict == "pending":
            effects.append(Triage(task.task_id))
        elif task.verdict == "accepted" and not task.sessions:
            effects.append(QueueSession(task.task_id, attempt=1))
    for s in state.sessions.values():
        match s.state:
            case S.RUNNING | S.WAITING:
                effects.append(StartWorker(s.session_id, resume=True,
                                           reason="the manager restarted"))
            case S.CHECKING:
                effects.append(RunChecks(s.session_id))
            case S.REVIEWING:
                effects.append(PrepareReview(s.session_id))
            case S.LANDING:
                effects.append(Land(s.session_id))
            case S.LANDED if not s.worktree_removed:
                effects.append(RemoveWorktree(s.session_id, delete_branch=True))
            case S.REJECTED if not s.worktree_removed:
                effects.append(RemoveWorktree(s.session_id, delete_branch=False))
            case _:
                pass
    return effects


def _is(state: State, session_id: str, *states: SessionState) -> bool:
    s = state.sessions.get(session_id)
    return s is not None and s.state in states
