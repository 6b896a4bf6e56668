"""What the CLI says when an action does nothing, and how much of failing output it shows."""

from __future__ import annotations

import pytest

from loopwright import events as ev
from loopwright.cli.show import checks_tail, plain_refusal
from loopwright.state import SESSION_TRANSITIONS, Session, SessionState

VERBS = {"approve": ev.ChangeApproved, "request-changes": ev.ChangesRequested,
         "reject": ev.ChangeRejected, "kill": ev.SessionKilled}


REFUSED = [(verb, state) for verb, event in VERBS.items() for state in SessionState
           if state not in SESSION_TRANSITIONS[event]]


@pytest.mark.parametrize(("verb", "state"), REFUSED)
def test_every_refusal_is_said_in_words(verb: str, state: SessionState) -> None:
    s = Session(session_id="s-1", task_id="t-1", name="fix-typo", branch="b",
                backend="script", attempt=1, queued_at=0.0, state=state)
    said = plain_refusal(verb, s)
    assert said.startswith("fix-typo ")
    assert "does not apply" not in said and "_" not in said and "request-changes " not in said


def test_the_tail_is_the_last_lines_that_say_something() -> None:
    output = "collected 3 items\n\nE   assert 2 == 3\n\n=== short test summary info ===\n" \
             "FAILED test_a.py::test_a\n==== 1 failed in 0.1s ====\n\n"
    assert checks_tail(output, 3) == ["short test summary info", "FAILED test_a.py::test_a",
                                      "1 failed in 0.1s"]
    assert checks_tail("") == []
