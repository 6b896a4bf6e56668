"""A steering note reaches the built-in claude worker at its next turn, once, on the real
SDK against the fake Messages API (worker context in memory, as test_agent_loop.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.agent import MemoryContext, agent_toml, last_texts
from loopwright import events as ev
from loopwright.agent.loop import WorkerLoop
from loopwright.agent.model import make_client
from loopwright.config import parse
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn
from loopwright.workers.base import Finished, Outcome

NOTE = "A note from the human while you work (follow it from here on):"


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    (root / "greeter.py").write_text('print("Helo")\n')
    return root


async def run(ctx: MemoryContext) -> Outcome:
    client = make_client(ctx.input.config.agent)
    try:
        return await WorkerLoop(ctx, client, ctx.input.config, "").run()
    finally:
        await client.close()


async def test_a_note_steered_mid_run_is_in_the_next_message_and_only_there(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([
        Turn.tool_use("read_file", {"path": "greeter.py"}),
        Turn.tool_use("ask", {"question": "Which greeting?", "default": "Hello"}),
        Turn.tool_use("edit_file", {"path": "greeter.py", "old": "Helo", "new": "Hello!"}),
        Turn.tool_use("finish", {"summary": "Fixed it."}),
    ]))

    def human(question: str, options: tuple[str, ...], default: str, blocking: bool) -> str:
        ctx.steer("Keep the exclamation mark.")  # arrives while the worker is at work
        return default

    ctx = MemoryContext(worktree, parse(agent_toml()), answer=human)
    assert await run(ctx) == Finished("Fixed it.")
    after_ask, after_edit = fake_api.requests[2], fake_api.requests[3]
    assert f"{NOTE}\n\nKeep the exclamation mark." in last_texts(after_ask)
    assert NOTE not in last_texts(after_edit)  # taken once
    assert ctx.steered[0].received
    assert all("loopwright_steer" not in block  # our own marker never reaches the API
               for r in fake_api.requests for m in r.messages
               for block in (m["content"] if isinstance(m["content"], list) else []))
    # resumed after a restart, the note is not sent again
    assert await run(ctx.resumed()) == Finished("Fixed it.")
    assert len(fake_api.requests) == 4


async def test_a_note_that_arrives_as_the_worker_finishes_keeps_it_going(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([
        Turn.tool_use("finish", {"summary": "Nothing to do."}),
        Turn.tool_use("edit_file", {"path": "greeter.py", "old": "Helo", "new": "Hello"}),
        Turn.tool_use("finish", {"summary": "Fixed the greeting as steered."}),
    ]))
    ctx = MemoryContext(worktree, parse(agent_toml()))
    recorded = ctx.record_turn

    async def steer_on_finish(*events: ev.ModelPrompted | ev.ModelReplied
                              | ev.SteerReceived) -> None:
        await recorded(*events)
        if len(ctx.replies()) == 1 and not ctx.steered:
            ctx.steer("The greeting has a typo: fix it.")

    ctx.record_turn = steer_on_finish  # type: ignore[method-assign]
    assert await run(ctx) == Finished("Fixed the greeting as steered.")
    assert (worktree / "greeter.py").read_text() == 'print("Hello")\n'
    went_back = last_texts(fake_api.requests[1])
    assert "Not finished yet: a note came in as you finished" in went_back
    assert "The greeting has a typo: fix it." in went_back
