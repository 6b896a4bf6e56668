"""The manager agent's pure parts: what wakes it, which questions wait on it rather than
the human, its thread as a front end shows it, and its configuration."""

from __future__ import annotations

import pytest

from loopwright import events as ev
from loopwright.config import ConfigError, parse
from loopwright.manager.wakes import wake_of
from loopwright.manager_state import with_manager
from loopwright.state import State, fold
from loopwright.views.thread import entries_of

Q = ev.DecisionAsked(decision_id="d-1", question="Tabs?", options=("tabs", "spaces"),
                     default="spaces", blocking=True, session_id="s-1", task_id="t-1")


def records(*events: ev.Event) -> list[ev.Record]:
    return [ev.Record(seq=i + 1, at=100.0 + i, event=e) for i, e in enumerate(events)]


def state_of(*events: ev.Event) -> State:
    return fold(records(*events))


BASE = (ev.TaskFiled(task_id="t-1", title="Indent", body="", source="cli"),
        ev.SessionQueued(session_id="s-1", task_id="t-1", name="indent", branch="b",
                         backend="script"))
READY = ev.ManagerAgentReady(agent="claude", model="m", decides=("worker_questions",))


def test_a_workers_question_waits_on_the_manager_until_it_escalates() -> None:
    st = state_of(*BASE, READY, Q)
    assert with_manager(st, st.decisions["d-1"])
    st = state_of(*BASE, READY, Q, ev.ManagerEscalated(act_id="m1.1", decision_id="d-1"))
    assert not with_manager(st, st.decisions["d-1"])


def test_without_worker_questions_in_decides_the_human_gets_it() -> None:
    off = ev.ManagerAgentReady(agent="claude", model="m", decides=("triage",))
    st = state_of(*BASE, off, Q)
    assert not with_manager(st, st.decisions["d-1"])
    st = state_of(*BASE, READY, ev.ManagerAgentReady(agent="", model="", decides=()), Q)
    assert not with_manager(st, st.decisions["d-1"])  # the manager was turned off


def test_what_wakes_the_manager() -> None:
    rs = records(*BASE, READY, Q, ev.ManagerTold(message_id="msg-1", text="hi"),
                 ev.DecisionAnswered(decision_id="d-1", answer="tabs", by="loopwright"))
    st = fold(rs)
    wakes = [w for r in rs if (w := wake_of(r, st)) is not None]
    assert [(w.reason, w.ref) for w in wakes] == [
        ("task_filed", "t-1"), ("worker_question", "d-1"), ("told", "msg-1")]


def test_the_thread_shows_each_act_with_its_overrule_and_the_escalation() -> None:
    rs = records(
        *BASE, READY, ev.ManagerTold(message_id="msg-1", text="Use tabs"),
        ev.ManagerTurnStarted(turn=1, wakes=(ev.ManagerWake(reason="told", ref="msg-1"),),
                              until_seq=4),
        ev.ManagerActed(act_id="m1.1", turn=1, call_id="c1", tool="triage", input="{}",
                        outcome="done", result="accepted t-1", task_id="t-1"),
        Q, ev.ManagerActed(act_id="m1.2", turn=1, call_id="c2", tool="escalate",
                           input="{}", outcome="escalated", result="asked",
                           decision_id="d-1"),
        ev.ManagerEscalated(act_id="m1.2", decision_id="d-1", recommendation="tabs"),
        ev.ManagerOverruled(act_id="m1.1", answer="", why="not now"))
    entries = entries_of(rs, fold(rs))
    assert [e.kind for e in entries] == ["told", "turn", "acted", "escalated", "overruled"]
    acted, escalated = entries[2], entries[3]
    assert acted.overrule == "loopwright overrule m1.1" and acted.overruled
    assert (escalated.options, escalated.default, escalated.recommendation) == (
        ("tabs", "spaces"), "spaces", "tabs")


def test_manager_config_is_off_by_default_and_refuses_unknown_decisions() -> None:
    assert parse("").manager.agent == "off"
    with pytest.raises(ConfigError, match="decides"):
        parse('[manager]\ndecides = ["approve"]\n')
    with pytest.raises(ConfigError, match="named twice"):
        parse('[manager]\ndecides = ["steer", "steer"]\n')
