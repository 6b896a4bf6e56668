"""What the manager agent did and cost, from the log alone (its part of the fold):
workers' questions it answered against those it escalated, overrules of what it
decided alone, its turns, tokens and cost per landed change."""

from __future__ import annotations

import msgspec

from ..state import SessionState, State


class ManagerMetrics(msgspec.Struct, kw_only=True):
    turns: int
    acts_alone: int  # decisions it took alone (done acts that can be overruled)
    questions_answered: int  # workers' questions it answered itself
    questions_escalated: int  # workers' questions it put to the human
    refused: int  # acts the rules refused (outside `decides`, illegal)
    overrules: int
    notes: int  # lines it remembered
    tokens: int
    cost_usd: float
    tokens_per_landed: float | None
    cost_per_landed_usd: float | None


def manager_metrics(st: State) -> ManagerMetrics | None:
    """None when no manager agent ever took a turn."""
    m = st.manager
    if not m.turn:
        return None
    acts = list(m.acts.values())
    worker_questions = {d.decision_id for d in st.decisions.values() if d.session_id}
    landed = sum(1 for s in st.sessions.values() if s.state == SessionState.LANDED)
    return ManagerMetrics(
        turns=m.turn,
        acts_alone=sum(1 for a in acts if a.outcome == "done" and a.tool != "remember"),
        questions_answered=sum(1 for d in st.decisions.values()
                               if d.session_id and d.answered_by == "manager"),
        questions_escalated=sum(1 for did in m.escalated if did in worker_questions),
        refused=sum(1 for a in acts if a.outcome == "refused"),
        overrules=m.overrules,
        notes=sum(1 for a in acts if a.tool == "remember" and a.outcome == "done"),
        tokens=m.tokens, cost_usd=round(m.cost_usd, 4),
        tokens_per_landed=round(m.tokens / landed, 1) if landed else None,
        cost_per_landed_usd=round(m.cost_usd / landed, 4) if landed else None)
