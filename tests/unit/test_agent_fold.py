"""What the agents' events do to the state: cost, turns, budgets, reviewer rounds."""

from __future__ import annotations

from typing import Literal

import pytest
from test_state import feed, review, started

from loopwright import events as ev
from loopwright.state import Health, SessionState

S = SessionState


def reply(agent: Literal["worker", "reviewer"] = "worker", cost: float = 0.01
          ) -> ev.ModelReplied:
    return ev.ModelReplied(agent=agent, model="m", session_id="s-1",
                           input_tokens=100, output_tokens=20, cache_write_tokens=5,
                           cache_read_tokens=1000, cost_usd=cost)


def test_replies_add_up_to_the_session_tokens_cost_and_turns() -> None:
    st = feed(started(), reply(), reply(), reply("reviewer", 0.5))
    s = st.sessions["s-1"]
    assert s.turns == 2  # the reviewer's reply is not a worker turn
    assert s.tokens == 3 * 1125
    assert s.cost_usd == pytest.approx(0.52)


def test_a_triage_reply_touches_no_session() -> None:
    st = feed(started(), ev.ModelReplied(agent="triage", model="m", task_id="t-1",
                                         input_tokens=10))
    assert st.sessions["s-1"].tokens == 0


def test_over_budget_is_a_health_flag_until_the_human_extends_it() -> None:
    st = feed(started(), ev.BudgetExceeded(session_id="s-1", reason="turns 5/5"))
    s = st.sessions["s-1"]
    assert (s.state, s.health) == (S.RUNNING, Health.OVER_BUDGET)
    feed(st, ev.BudgetExtended(session_id="s-1"))
    assert s.health == Health.OK


def test_the_reviewer_sends_a_change_back_without_the_human() -> None:
    st = feed(
        started(),
        ev.WorkerFinished(session_id="s-1", summary="done", head_commit="head"),
        ev.ChecksFinished(session_id="s-1", command="make test", passed=True, exit_code=0,
                          output_tail="ok", seconds=1.0),
        review(),
        ev.ChangesRequested(session_id="s-1", note="rename x", by="reviewer"),
    )
    s = st.sessions["s-1"]
    assert (s.state, s.notes, s.reviewer_rounds) == (S.QUEUED, ["rename x"], 1)
