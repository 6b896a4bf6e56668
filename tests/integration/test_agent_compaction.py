"""A 300-turn session stays under its context budget: with the client's summary turn,
and with the API's server-side compaction (emulated by the fake as the API does it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers.agent import MemoryContext, agent_toml, last_texts
from loopwright import events as ev
from loopwright.agent.loop import WorkerLoop
from loopwright.agent.model import make_client
from loopwright.agent.prompts import load
from loopwright.config import parse
from loopwright.testing.fake_api import FakeMessagesAPI, Script, Turn, compaction_block
from loopwright.testing.fake_api.wire import estimate_input_tokens
from loopwright.workers.base import Finished

TURNS = 300
BUDGET = 12_000
READ = Turn.tool_use("read_file", {"path": "big.txt"})


def is_summary_request(body: dict[str, Any]) -> bool:
    return load("summarize").strip() in last_texts(body)


def compact_edit(body: dict[str, Any]) -> dict[str, Any] | None:
    edits = (body.get("context_management") or {}).get("edits", [])
    return next((e for e in edits if e["type"] == "compact_20260112"), None)


class Model:
    """Reads big.txt for TURNS turns, then finishes; summarizes when asked to; and, like
    the API, compacts on its own when a compaction edit's trigger is passed."""

    def __init__(self) -> None:
        self.turns = self.summaries = self.compactions = 0

    def __call__(self, body: dict[str, Any]) -> Turn | str:
        if is_summary_request(body):
            self.summaries += 1
            return f"Summary {self.summaries}: read big.txt {self.turns} times so far."
        self.turns += 1
        call = READ if self.turns < TURNS else Turn.tool_use("finish", {"summary": "done"})
        edit = compact_edit(body)
        if edit is not None and estimate_input_tokens(body) >= edit["trigger"]["value"]:
            self.compactions += 1
            summary = compaction_block(f"Compacted: {self.turns} reads of big.txt so far.")
            return Turn([summary, *call.content])
        return call


@pytest.mark.parametrize("mode", ["client", "server"])
async def test_a_300_turn_session_stays_under_its_context_budget(
    fake_api: FakeMessagesAPI, tmp_path: Path, mode: str, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "big.txt").write_text("".join(f"line {n}: {'x' * 40}\n" for n in range(50)))
    model = Model()
    fake_api.add_script(Script([model] * (TURNS * 2)))
    config = parse(agent_toml(
        f'compaction = "{mode}"\ncontext_budget_tokens = {BUDGET}\n'
        "clear_tool_uses_at_tokens = 0", "[budget]\nturns = 0\ntokens = 0\ndollars = 0\n"))
    ctx = MemoryContext(tmp_path, config)
    client = make_client(config.agent)
    try:
        outcome = await WorkerLoop(ctx, client, config, "notes").run()
    finally:
        await client.close()

    assert outcome == Finished("done")
    assert model.turns == TURNS and fake_api.errors == []
    sizes = [estimate_input_tokens(r.body) for r in fake_api.requests]
    assert max(sizes) < BUDGET
    contexts = [r.input_tokens + r.output_tokens for r in ctx.replies()]
    assert max(contexts) < BUDGET
    if mode == "client":
        assert model.summaries > 5 and model.compactions == 0
        restarts = [e for e in ctx.events if isinstance(e, ev.ModelPrompted) and e.restart]
        assert len(restarts) == model.summaries
    else:
        assert model.compactions > 5 and model.summaries == 0
        assert all(compact_edit(r.body) for r in fake_api.requests)
    with capsys.disabled():
        print(f"\n{mode}: {len(fake_api.requests)} requests for {TURNS} turns, "
              f"{model.summaries or model.compactions} compactions, largest request "
              f"{max(sizes)} tokens of a {BUDGET} budget (median {sorted(sizes)[len(sizes)//2]})")
