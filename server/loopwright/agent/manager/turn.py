"""One turn of the manager: ask the model, carry out its tool calls through the host's
hands (each exactly once, recorded), give it the results, until it ends its turn or
has made `max_turn_calls` requests.

The turn resumes where the log left it: after a restart, calls of the last reply that
were carried out are not carried out again (the hands know them by turn and call id),
and a reply that never came is asked for again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import anthropic

from ... import events as ev
from ...config import Config
from ..model import call_model, policy_of
from ..pricing import cost, usage_of
from .conversation import ManagerConversation, encode
from .tools import TOOLS


class Hands(Protocol):
    async def carry_out(self, turn: int, call: dict[str, Any]) -> tuple[str, bool]:
        """The result text of one tool call, and whether it is an error; carried out
        and recorded once per (turn, call id)."""
        ...


Record = Callable[[ev.Event], Awaitable[None]]


@dataclass
class TurnResult:
    stop: str
    calls: int


def model_of(config: Config) -> str:
    return config.manager.model or config.agent.model


async def run_turn(*, turn: int, config: Config, client: anthropic.AsyncAnthropic,
                   system: list[dict[str, Any]], conversation: ManagerConversation,
                   hands: Hands, record: Record) -> TurnResult:
    calls = 0
    stop = "end_turn"
    while True:
        pending = conversation.pending_calls()
        if pending:
            results = []
            for call in pending:
                text, error = await hands.carry_out(turn, call)
                block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call["id"],
                                         "content": text}
                if error:
                    block["is_error"] = True
                results.append(block)
            prompt = ev.ManagerPrompted(turn=turn, content=encode(results),
                                        kind="tool_results")
            await record(prompt)
            conversation.add_prompt(prompt)
            continue
        if not conversation.awaiting_reply:
            return TurnResult(stop, calls)
        if calls >= config.manager.max_turn_calls:
            return TurnResult("max_calls", calls)
        reply = await _ask(config, client, system, conversation)
        calls += 1
        stop = reply.stop_reason or "end_turn"
        await record(reply)
        conversation.add_reply(reply)


async def _ask(config: Config, client: anthropic.AsyncAnthropic,
               system: list[dict[str, Any]],
               conversation: ManagerConversation) -> ev.ModelReplied:
    model = model_of(config)
    params: dict[str, Any] = {
        "model": model, "max_tokens": min(config.agent.max_tokens, 8192),
        "system": system, "tools": TOOLS, "messages": conversation.messages,
        "metadata": {"user_id": "manager"},
    }
    if config.agent.compaction == "server":
        from ..compaction import BETA_COMPACTION, trigger_tokens

        params["betas"] = [BETA_COMPACTION]
        params["context_management"] = {"edits": [{
            "type": "compact_20260112",
            "trigger": {"type": "input_tokens", "value": min(
                trigger_tokens(config.agent),
                int(config.manager.context_budget_tokens * 0.8))}}]}
    message, seconds = await call_model(client, params, policy_of(config.agent))
    usage = usage_of(message.usage)
    content = [block.to_dict() for block in message.content]
    return ev.ModelReplied(
        agent="manager", model=message.model or model, content=encode(content),
        stop_reason=message.stop_reason or "", input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens, cache_write_tokens=usage.cache_write_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cost_usd=round(cost(usage, config.prices.get(model)), 6), seconds=round(seconds, 3))
