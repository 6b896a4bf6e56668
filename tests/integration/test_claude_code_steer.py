"""A steering note reaches Claude Code at its next start: the real CLI, driven by the
real manager against the local fake Messages API (as test_claude_code_worker.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_claude_code_worker import (
    claude_code_project,
    greeting_asked,
    main_loop,
    needs_cli,
    point_claude_code_at,
)

from helpers.git import MakeRepo
from helpers.loop import Running
from loopwright import events as ev
from loopwright.state import SessionState
from loopwright.testing.fake_api import FakeMessagesAPI, Script

S = SessionState
NOTE = "Use the word howdy, not hello."


@needs_cli
async def test_claude_code_takes_a_steering_note_in_the_prompt_of_its_next_start(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    project = claude_code_project(make_repo)
    with FakeMessagesAPI(Script([main_loop] * 80), strict_roles=False) as api:
        point_claude_code_at(api, monkeypatch, tmp_path / "home")
        async with Running(project) as run:
            st = await greeting_asked(run)
            [s] = st.sessions.values()
            run.api.steer(s.session_id, NOTE)  # mid-run: Claude Code cannot be told now
            assert not run.events(ev.SteerReceived)
        before = len(api.requests)
        async with Running(project) as run:  # its next start: a new conversation
            st = await run.until(lambda st: st.sessions[s.session_id].steers[0].received,
                                 timeout=90)
            [d] = [d for d in st.decisions.values() if d.open]
            run.api.answer(d.decision_id, "allow")
            st = await run.until(lambda st: st.sessions[s.session_id].state == S.LANDED,
                                 timeout=90)
            [received] = run.events(ev.SteerReceived)
            assert isinstance(received, ev.SteerReceived) and received.step is None
    sent = [json.dumps(r.messages) for r in api.requests]
    assert not any(NOTE in m for m in sent[:before])
    assert any(NOTE in m for m in sent[before:])
