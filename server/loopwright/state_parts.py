"""The live part and the history part of a state, as a snapshot stores them.

What the loop needs to run (open tasks, live sessions, open decisions, and everything
ended recently or still waiting on the human) is the live part. Tasks whose sessions
all ended more than `RECENT_SECONDS` before the last record, with those sessions and
their answered decisions, are the history part: encoded apart (`Parked`), so a front
end that shows only what is current decodes a few hundred items, not the months
behind them. The fold (`state.unpark`) decodes the history part the moment a record
or a check names one of its ids, so a state read this way is always the state a fold
of the whole log makes, or a part of it that nothing has reached.

Nothing here changes a state: `split` returns a new one to encode.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from .lifecycle import SessionState, TaskVerdict
from .state import Decision, Parked, Past, Session, State, Task

RECENT_SECONDS = 24 * 3600.0  # ended this long before the last record: history

_encoder = msgspec.msgpack.Encoder()


def current(s: Session, now: float, recent: float = RECENT_SECONDS) -> bool:
    """Whether a front end that shows what is current shows this session: not ended,
    ended within `recent` of `now`, or failed and not retried (it waits on the human)."""
    return _live(s, now - recent)


def current_task(st: State, t: Task, now: float, recent: float = RECENT_SECONDS) -> bool:
    """Whether a front end that shows what is current shows this task: part of a split,
    waiting on triage or the human, with a current session, or filed within `recent`."""
    if t.parent or t.children or t.depends_on or t.filed_at >= now - recent:
        return True
    if t.verdict in (TaskVerdict.PENDING, TaskVerdict.DECLINED):
        return True
    if not t.sessions:
        return t.verdict != TaskVerdict.CANCELLED
    return any(sid not in st.sessions or current(st.sessions[sid], now, recent)
               for sid in t.sessions)


def _live(s: Session, cutoff: float) -> bool:
    return (not s.terminal or s.ended_at is None or s.ended_at >= cutoff
            or (s.state == SessionState.FAILED and not s.retried))


def split(st: State, recent: float = RECENT_SECONDS) -> State:
    """`st` with what is history now parked (encoded apart), ready to encode or for its
    holder to take (`state.park`); `st` itself is left alone. A state already parked
    keeps its history part as it is and parks a new piece beside it: what ended since
    it was read, so a manager that runs for months keeps only the live part."""
    cutoff = st.last_at - recent
    asked = {st.decisions[d].task_id for d in st.open_by_session.get("", ())}
    tasks = {tid for tid, t in st.tasks.items()
             if tid not in asked and _past_task(st, t, cutoff)}
    sessions = {sid for sid, s in st.sessions.items()
                if s.task_id in tasks or (s.task_id not in st.tasks and _settled(s, cutoff)
                                          and sid not in st.open_by_session)}
    decisions = {did for did, d in st.decisions.items() if _past_decision(d, tasks, sessions)}
    if not tasks and not sessions and not decisions:
        return st
    past = Past(tasks={k: st.tasks[k] for k in tasks},
                sessions={k: st.sessions[k] for k in sessions},
                decisions={k: st.decisions[k] for k in decisions})
    old = st.parked
    parked = Parked(
        bodies=[_encoder.encode(past)], tasks=frozenset(tasks),
        sessions=frozenset(sessions), decisions=frozenset(decisions),
        task_order=list(st.tasks), session_order=list(st.sessions),
        decision_order=list(st.decisions),
    )
    if old is not None:  # every key parked before comes first: the fold made it earlier
        parked = Parked(
            bodies=[*old.bodies, *parked.bodies], tasks=old.tasks | parked.tasks,
            sessions=old.sessions | parked.sessions,
            decisions=old.decisions | parked.decisions,
            task_order=_after(old.task_order, st.tasks),
            session_order=_after(old.session_order, st.sessions),
            decision_order=_after(old.decision_order, st.decisions),
        )
    return msgspec.structs.replace(
        st,
        tasks={k: v for k, v in st.tasks.items() if k not in tasks},
        sessions={k: v for k, v in st.sessions.items() if k not in sessions},
        decisions={k: v for k, v in st.decisions.items() if k not in decisions},
        parked=parked,
    )


def _after(order: list[str], live: Mapping[str, object]) -> list[str]:
    """The fold's order of every key: those of the last split, then the live part's new
    ones (no key is ever removed, so a key not in `order` was made after all of them)."""
    known = set(order)
    return [*order, *(k for k in live if k not in known)]


def _past_task(st: State, t: Task, cutoff: float) -> bool:
    if t.parent or t.children or t.depends_on:  # a split tree stays whole and live
        return False
    if t.verdict in (TaskVerdict.PENDING, TaskVerdict.DECLINED):  # it waits on someone
        return False
    if not t.sessions:
        return t.verdict == TaskVerdict.CANCELLED and t.filed_at < cutoff
    for sid in t.sessions:
        s = st.sessions.get(sid)
        if s is None or not _settled(s, cutoff) or sid in st.open_by_session:
            return False
        if s.state == SessionState.LANDED and any(
                not st.has_task(follow_up_id(d)) for d in s.unheeded):
            return False  # an answer that came too late has no follow-up task yet
    return True


def follow_up_id(decision_id: str) -> str:
    """The task filed to follow an answer that came after its change landed."""
    return "t-" + decision_id.removeprefix("d-")


def _settled(s: Session, cutoff: float) -> bool:
    """Ended before `cutoff`, and nothing is left for the manager to do about it (what
    its restart would take up again): no worktree to remove, no port held, no preview
    still recorded as running."""
    if _live(s, cutoff):
        return False
    if s.state in _REMOVES_WORKTREE and s.worktree and not s.worktree_removed:
        return False
    env = s.environment
    if env.ports and not env.released:
        return False
    return env.preview is None or env.preview.status not in ("starting", "ready")


_REMOVES_WORKTREE = frozenset({SessionState.LANDED, SessionState.REJECTED,
                               SessionState.NO_CHANGE})


def _past_decision(d: Decision, tasks: set[str], sessions: set[str]) -> bool:
    if d.open:
        return False
    if d.session_id:
        return d.session_id in sessions
    return bool(d.task_id) and d.task_id in tasks
