"""The worker's tool-use loop on the real SDK against the fake Messages API, with a
worker context kept in memory (the manager's own context is tested in
test_agent_worker.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.agent import MemoryContext, agent_toml, last_texts, tool_results
from loopwright import events as ev
from loopwright.agent.loop import NUDGE, WorkerLoop
from loopwright.agent.model import make_client
from loopwright.config import Config, parse
from loopwright.testing.fake_api import FakeMessagesAPI, Fault, Script, Turn
from loopwright.workers.base import Failed, Finished, Outcome

GREETER = 'def greet(name):\n    return f"Helo, {name}!"\n'


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    (root / "greeter.py").write_text(GREETER)
    (root / "Makefile").write_text("test:\n\t@grep -q Hello greeter.py && echo checks ok\n")
    return root


def config(agent: str = "", rest: str = "") -> Config:
    return parse(agent_toml(agent, rest))


async def run(ctx: MemoryContext, notes: str = "The project greets people.") -> Outcome:
    client = make_client(ctx.input.config.agent)
    try:
        return await WorkerLoop(ctx, client, ctx.input.config, notes).run()
    finally:
        await client.close()


FIX = [
    Turn.tool_use("read_file", {"path": "greeter.py"}, text="Reading the greeter."),
    Turn.tool_use("edit_file", {"path": "greeter.py", "old": "Helo", "new": "Hello"}),
    Turn.tool_use("run_command", {"command": "make test"}),
    Turn.tool_use("finish", {"summary": "Fixed the typo in the greeting."}),
]


async def test_the_worker_reads_edits_runs_the_checks_and_finishes(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script(FIX))
    ctx = MemoryContext(worktree, config())
    assert await run(ctx) == Finished("Fixed the typo in the greeting.")
    assert (worktree / "greeter.py").read_text() == GREETER.replace("Helo", "Hello")
    first, *_, last = fake_api.requests
    system = first.body["system"]
    assert "You are the worker" in system[0]["text"]
    assert "The project greets people." in system[0]["text"]
    assert "# The task: Fix the greeting" in system[1]["text"]
    assert all(block["cache_control"] == {"type": "ephemeral"} for block in system)
    assert first.body["metadata"] == {"user_id": "s-1"}
    assert first.header("authorization") == "Bearer sk-test-fake-key-0123456789"
    [read] = tool_results(fake_api.requests[1])
    assert "2\t    return f\"Helo, {name}!\"" in read["content"]
    assert "exit code 0" in tool_results(last)[0]["content"]
    assert "checks ok" in tool_results(last)[0]["content"]
    assert last.messages[-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert [a for a, _ in ctx.acts] == ["read_file", "edit_file"]
    assert fake_api.errors == [] and fake_api.unfinished() == {}


async def test_every_turn_is_recorded_with_its_cost(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script(FIX))
    ctx = MemoryContext(worktree, config())
    await run(ctx)
    kinds = [type(e).__name__ for e in ctx.events]
    assert kinds == ["ModelPrompted", *["ModelReplied", "ModelPrompted"] * 3, "ModelReplied"]
    replies = ctx.replies()
    usage = fake_api.requests[0].body  # the fake counts 4 characters a token
    assert replies[0].input_tokens > 0 and usage
    # claude-sonnet-4-6: $3 in, $15 out per million tokens
    expected = (replies[0].input_tokens * 3 + replies[0].output_tokens * 15) / 1e6
    assert replies[0].cost_usd == pytest.approx(expected, abs=1e-6)
    assert all("sk-test" not in e.content for e in ctx.events)


async def test_a_failed_edit_goes_back_to_the_model_as_an_error(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([
        Turn.tool_use("edit_file", {"path": "greeter.py", "old": "Hi", "new": "Hello"}),
        Turn.tool_use("read_file", {"path": "../../etc/passwd"}),
        Turn.tool_use("finish", {"summary": "gave up"}),
    ]))
    await run(MemoryContext(worktree, config()))
    [missing] = tool_results(fake_api.requests[1])
    assert missing["is_error"] is True and "was not found" in missing["content"]
    [escape] = tool_results(fake_api.requests[2])
    assert escape["is_error"] is True and "leads outside the worktree" in escape["content"]


async def test_a_restart_resumes_the_conversation_and_runs_unanswered_tools(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script(FIX))
    ctx = MemoryContext(worktree, config())

    class Crash(Exception):
        pass

    async def crash_after_edit_reply(*events: ev.ModelPrompted | ev.ModelReplied) -> None:
        ctx.events.extend(events)
        if len(ctx.replies()) == 2:  # the edit's reply is recorded, its result is not
            raise Crash

    ctx.record_turn = crash_after_edit_reply  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await run(ctx)
    assert (worktree / "greeter.py").read_text() == GREETER
    before = len(fake_api.requests)
    again = ctx.resumed()
    assert await run(again) == Finished("Fixed the typo in the greeting.")
    assert (worktree / "greeter.py").read_text() == GREETER.replace("Helo", "Hello")
    resumed = fake_api.requests[before]
    assert [m["role"] for m in resumed.messages] == ["user", "assistant"] * 2 + ["user"]
    assert "replaced 1 occurrence" in tool_results(resumed)[0]["content"]


async def test_a_request_changes_note_is_the_next_instruction(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([
        *FIX,
        Turn.tool_use("write_file", {"path": "CHANGELOG.md", "content": "- Fixed it\n"}),
        Turn.tool_use("finish", {"summary": "Fixed it and noted it."}),
    ]))
    ctx = MemoryContext(worktree, config())
    await run(ctx)
    again = ctx.resumed(notes=("Add a CHANGELOG entry.",))
    assert await run(again) == Finished("Fixed it and noted it.")
    note_request = fake_api.requests[4]
    assert tool_results(note_request)[0]["content"] == (
        "Your change went to review; see the note below.")
    assert "Request-changes note 1:\n\nAdd a CHANGELOG entry." in last_texts(note_request)
    assert [e.notes_seen for e in again.events if isinstance(e, ev.ModelPrompted)][-2:] == [1, 1]
    # resumed once more with no new note, it finishes again without calling the model
    assert await run(again.resumed()) == Finished("Fixed it and noted it.")
    assert len(fake_api.requests) == 6


async def test_a_non_blocking_answer_reaches_a_later_turn(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([
        Turn.tool_use("ask", {"question": "British or American?",
                              "options": ["british", "american"], "default": "american"}),
        Turn.tool_use("progress", {"message": "going on with american"}),
        Turn.tool_use("finish", {"summary": "done"}),
    ]))
    ctx = MemoryContext(worktree, config(), answer=lambda q, o, d, b: "british")
    await run(ctx)
    assert "assume: 'american'" in tool_results(fake_api.requests[1])[0]["content"]
    later = last_texts(fake_api.requests[2])
    assert 'The human answered your earlier question "British or American?": british' in later
    assert ctx.progress_lines == ["going on with american"]


async def test_a_reply_without_tools_is_nudged_then_taken_as_the_end(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script(["I think it is fine.", "It is fine as it is."]))
    assert await run(MemoryContext(worktree, config())) == Finished("It is fine as it is.")
    assert last_texts(fake_api.requests[1]) == NUDGE


async def test_over_budget_asks_the_human_and_stops_when_told(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([Turn.tool_use("list_files", {})] * 5))
    answers = iter(["continue", "stop"])
    ctx = MemoryContext(worktree, config(rest="[budget]\nturns = 2\n"),
                        answer=lambda q, o, d, b: next(answers))
    outcome = await run(ctx)
    assert outcome == Failed("stopped over budget: turns: 4 used of 4")
    assert ctx.budget_rounds == ["turns: 2 used of 2", "turns: 4 used of 4"]
    assert len(fake_api.requests) == 4


async def test_a_model_that_keeps_failing_asks_the_human_to_retry_or_stop(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([Turn.tool_use("finish", {"summary": "at last"})]))
    fake_api.inject(Fault.overloaded(retry_after=0.01), times=4)
    answers = iter(["retry"])
    ctx = MemoryContext(worktree, config("max_retries = 2"),
                        answer=lambda q, o, d, b: next(answers))
    assert await run(ctx) == Finished("at last")
    [(question, blocking)] = ctx.asked
    assert blocking and "529 overloaded_error" in question and "Try again?" in question
    assert ctx.progress_lines.count("model API overloaded; retry 1 of 2 in 0.0s") == 2


async def test_thinking_and_context_editing_come_from_the_config(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([Turn.tool_use("finish", {"summary": "ok"})]))
    cfg = config('max_tokens = 8000\nthinking = "enabled"\nthinking_budget_tokens = 2048\n'
                 'compaction = "server"\ncontext_budget_tokens = 100000\n'
                 'clear_tool_uses_at_tokens = 30000\nmodel = "claude-haiku-4-5"\n')
    await run(MemoryContext(worktree, cfg))
    request = fake_api.requests[0]
    body = request.body
    assert (body["model"], body["max_tokens"]) == ("claude-haiku-4-5", 8000)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert request.header("anthropic-beta") == (
        "context-management-2025-06-27,compact-2026-01-12")
    edits = body["context_management"]["edits"]
    assert [e["type"] for e in edits] == ["clear_tool_uses_20250919", "compact_20260112"]
    assert edits[0]["trigger"] == {"type": "input_tokens", "value": 30000}
    assert edits[1]["trigger"] == {"type": "input_tokens", "value": 80000}
    assert json.dumps(body).count("cache_control") == 3


async def test_adaptive_thinking_lets_the_model_decide(
    fake_api: FakeMessagesAPI, worktree: Path,
) -> None:
    fake_api.add_script(Script([Turn.tool_use("finish", {"summary": "ok"})]))
    cfg = config('thinking = "adaptive"\nclear_tool_uses_at_tokens = 0')
    await run(MemoryContext(worktree, cfg))
    request = fake_api.requests[0]
    assert request.body["thinking"] == {"type": "adaptive"}
    assert "context_management" not in request.body
    assert request.header("anthropic-beta") is None
