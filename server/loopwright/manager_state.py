"""The fold of the manager agent's thread: whether it runs and what it may decide alone,
its turns, its acts (keyed by turn and tool call), what it escalated, overrules, and
what it spent.

`state.py` folds everything; it hands this part of the vocabulary to `MANAGER_APPLY`
here. The steward (manager/steward.py) reads it to know which calls were already carried
out, so a restart repeats none; routing reads it to hold a worker's question for the
manager until the manager answers or escalates it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from . import events as ev

if TYPE_CHECKING:
    from .state import Decision, State


KEEP_TOLD = 50  # the latest messages, for the next turn's prompt; all stay in the log


class ManagerAct(msgspec.Struct, kw_only=True):
    act_id: str
    turn: int
    call_id: str
    tool: str
    outcome: str
    result: str
    session_id: str
    task_id: str
    decision_id: str
    at: float
    overruled: bool = False


class ManagerPart(msgspec.Struct, kw_only=True):
    # The agent that takes questions first; "" when none. It stays across a restart
    # until the next manager says which agent it runs (`ManagerAgentReady`, "" for off).
    agent: str = ""
    model: str = ""
    decides: tuple[str, ...] = ()
    turn: int = 0  # the last turn started
    open_turn: bool = False  # started and not finished (a restart resumes it)
    until_seq: int = 0  # every record up to here was seen by a turn
    conversation_from: int = 0  # the record its conversation starts from (a restart)
    acts: dict[str, ManagerAct] = msgspec.field(default_factory=dict)
    calls: dict[str, str] = msgspec.field(default_factory=dict)  # "turn:call_id" -> act
    escalated: dict[str, str] = msgspec.field(default_factory=dict)  # decision -> act
    steered: dict[str, int] = msgspec.field(default_factory=dict)  # session -> steers
    told: int = 0
    told_texts: dict[str, str] = msgspec.field(default_factory=dict)  # the latest, by id
    overrules: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    @property
    def running(self) -> bool:
        return bool(self.agent)

    def may(self, decision: str) -> bool:
        return self.running and decision in self.decides


def call_key(turn: int, call_id: str) -> str:
    return f"{turn}:{call_id}"


def with_manager(state: State, d: Decision) -> bool:
    """Whether an open question waits on the manager rather than the human: a worker's
    question while the manager may answer those and has not escalated it, or a
    session's first stall while it may steer."""
    m = state.manager
    if not d.open or not d.session_id or d.decision_id in m.escalated:
        return False
    if d.decision_id in state.attention.stall_decisions:
        return m.may("steer") and not m.steered.get(d.session_id)
    return m.may("worker_questions")


def _ready(st: State, e: ev.ManagerAgentReady, at: float) -> None:
    st.manager.agent, st.manager.model, st.manager.decides = e.agent, e.model, e.decides


def _told(st: State, e: ev.ManagerTold, at: float) -> None:
    m = st.manager
    m.told += 1
    m.told_texts[e.message_id] = e.text
    while len(m.told_texts) > KEEP_TOLD:
        del m.told_texts[next(iter(m.told_texts))]


def _turn_started(st: State, e: ev.ManagerTurnStarted, at: float) -> None:
    m = st.manager
    m.turn, m.open_turn, m.until_seq = e.turn, True, max(m.until_seq, e.until_seq)


def _prompted(st: State, e: ev.ManagerPrompted, at: float) -> None:
    if e.restart:
        st.manager.conversation_from = st.last_seq


def _acted(st: State, e: ev.ManagerActed, at: float) -> None:
    m = st.manager
    m.acts[e.act_id] = ManagerAct(
        act_id=e.act_id, turn=e.turn, call_id=e.call_id, tool=e.tool, outcome=e.outcome,
        result=e.result, session_id=e.session_id, task_id=e.task_id,
        decision_id=e.decision_id, at=at)
    m.calls[call_key(e.turn, e.call_id)] = e.act_id
    if e.tool == "steer" and e.outcome == "done" and e.session_id:
        m.steered[e.session_id] = m.steered.get(e.session_id, 0) + 1


def _escalated(st: State, e: ev.ManagerEscalated, at: float) -> None:
    st.manager.escalated[e.decision_id] = e.act_id


def _overruled(st: State, e: ev.ManagerOverruled, at: float) -> None:
    act = st.manager.acts.get(e.act_id)
    if act is not None and not act.overruled:
        act.overruled = True
        st.manager.overrules += 1


def _turn_finished(st: State, e: ev.ManagerTurnFinished, at: float) -> None:
    st.manager.open_turn = False


def _noted(st: State, e: ev.ManagerNoted, at: float) -> None:
    pass  # the act that wrote it is the record; the file is the memory


def spent(st: State, e: ev.ModelReplied) -> None:
    """A manager reply's tokens and cost (called by the fold for `ModelReplied`)."""
    if e.agent == "manager":
        st.manager.tokens += (e.input_tokens + e.output_tokens + e.cache_write_tokens
                              + e.cache_read_tokens)
        st.manager.cost_usd += e.cost_usd


MANAGER_APPLY: dict[type[ev._Event], Callable[[State, Any, float], None]] = {
    ev.ManagerAgentReady: _ready,
    ev.ManagerTold: _told,
    ev.ManagerTurnStarted: _turn_started,
    ev.ManagerPrompted: _prompted,
    ev.ManagerActed: _acted,
    ev.ManagerEscalated: _escalated,
    ev.ManagerNoted: _noted,
    ev.ManagerOverruled: _overruled,
    ev.ManagerTurnFinished: _turn_finished,
}
