"""What wakes the manager agent: pure, one record and the state after it in, a wake or
None out. The steward gathers them into turns; a round is its own timer."""

from __future__ import annotations

from .. import events as ev
from ..state import State


def wake_of(record: ev.Record, state: State) -> ev.ManagerWake | None:
    e, seq = record.event, record.seq
    match e:
        case ev.TaskFiled():
            return ev.ManagerWake(reason="task_filed", ref=e.task_id, seq=seq)
        case ev.DecisionAsked(session_id=sid) if sid:
            stall = e.decision_id in state.attention.stall_decisions
            reason: ev.ManagerWakeReason = "stall" if stall else "worker_question"
            return ev.ManagerWake(reason=reason, ref=e.decision_id, seq=seq)
        case ev.StallDetected(killed=False) if not e.decision_id:
            return ev.ManagerWake(reason="stall", ref=e.session_id, seq=seq)
        case ev.ChecksFinished(passed=False, on_merge=False):
            s = state.sessions.get(e.session_id)
            if s is not None and (s.attempt > 1 or s.feedback):  # failing again
                return ev.ManagerWake(reason="failing_checks", ref=e.session_id, seq=seq)
        case ev.ReviewPrepared() if e.reviewer_verdict:
            return ev.ManagerWake(reason="verdict", ref=e.session_id, seq=seq)
        case ev.BuildChecked(passed=False):
            return ev.ManagerWake(reason="broken_build", ref=e.commit[:12], seq=seq)
        case ev.ManagerTold():
            return ev.ManagerWake(reason="told", ref=e.message_id, seq=seq)
        case ev.DecisionAnswered() if (e.decision_id in state.manager.escalated
                                       and e.by not in ("manager", "loopwright")):
            return ev.ManagerWake(reason="answered", ref=e.decision_id, seq=seq)
    return None
